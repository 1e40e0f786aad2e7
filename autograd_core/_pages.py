"""Give back the pages of LLVM's shared library that numba's start-up touches only once.

Importing numba loads llvmlite's LLVM library (~150 MiB of code and read-only data):
the dynamic loader and LLVM's ~thousands of static constructors, then numba compiling
its runtime (NRT) from IR, run code all over it, and every page they touch stays mapped
in this process (the kernel maps 64 KiB around each faulting page). On the MLP benchmark
that was ~70 MiB of the training process's resident set for code that never runs again
once the kernels are loaded from the cache.

``release_file_pages()`` unmaps the *clean* pages of those read-only file mappings
(``madvise(MADV_DONTNEED)``, what the kernel's own reclaim does to clean file pages
under memory pressure): their contents stay in the page cache, and a later access
faults them back in from the file unchanged. A mapping holding any private (written,
or swapped) page is left alone, since those would be lost; so is everything that is
not Linux. Set ``AUTOGRAD_CORE_RELEASE_PAGES=0`` to turn it off.
"""
import os
import sys

__all__ = ["release_file_pages", "ENABLED", "LLVM_LIBRARIES"]

ENABLED = (sys.platform.startswith("linux")
           and os.environ.get("AUTOGRAD_CORE_RELEASE_PAGES", "1") != "0")
# llvmlite's wheels link LLVM statically into libllvmlite.so; distribution builds may
# load a shared libLLVM
LLVM_LIBRARIES = ("libllvmlite", "libLLVM")

_MADV_DONTNEED = 4  # the same value on every Linux architecture
_PRESENT, _SWAPPED, _FILE = 1 << 63, 1 << 62, 1 << 61  # /proc/self/pagemap entry bits
_madvise = None  # the libc function once looked up; False when there is none


def _libc_madvise():
    global _madvise
    if _madvise is None:
        _madvise = False
        try:
            import ctypes
            f = ctypes.CDLL(None, use_errno=True).madvise
            f.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            f.restype = ctypes.c_int
            _madvise = f
        except (OSError, AttributeError):
            pass
    return _madvise


def _mappings(names):
    """[(start, end)] of this process's private, non-writable file mappings whose path
    contains one of ``names`` (from /proc/self/maps)."""
    out = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) < 6 or not any(n in parts[5] for n in names):
                continue
            perms = parts[1]
            if "w" in perms or perms[3] != "p":
                continue
            a, _, b = parts[0].partition("-")
            out.append((int(a, 16), int(b, 16)))
    return out


def _resident_file_pages(start, end, pagemap, page):
    """Number of present file pages in [start, end), or None if the range holds a
    private page (copy-on-write or swapped: dropping it would lose data) or cannot be
    read."""
    import numpy as np
    n = (end - start) // page
    try:
        pagemap.seek(start // page * 8)
        raw = pagemap.read(n * 8)
    except OSError:
        return None
    if len(raw) != n * 8:
        return None
    e = np.frombuffer(raw, dtype=np.uint64)  # native byte order, as the kernel writes it
    present = (e & np.uint64(_PRESENT)) != 0
    private = (present & ((e & np.uint64(_FILE)) == 0)) | ((e & np.uint64(_SWAPPED)) != 0)
    if private.any():
        return None
    return int(np.count_nonzero(present))


def release_file_pages(names=LLVM_LIBRARIES):
    """Unmap the clean resident pages of the read-only file mappings whose path contains
    one of ``names``; returns how many bytes were resident in the released mappings
    (0 where unsupported, disabled, or nothing matched)."""
    if not ENABLED:
        return 0
    madvise = _libc_madvise()
    if not madvise:
        return 0
    page = os.sysconf("SC_PAGE_SIZE")
    released = 0
    try:
        ranges = _mappings(names)
        if not ranges:
            return 0
        with open("/proc/self/pagemap", "rb", buffering=0) as pagemap:
            for start, end in ranges:
                n = _resident_file_pages(start, end, pagemap, page)
                if n and madvise(start, end - start, _MADV_DONTNEED) == 0:
                    released += n * page
    except OSError:  # no /proc (or pagemap) here: keep the pages
        pass
    return released
