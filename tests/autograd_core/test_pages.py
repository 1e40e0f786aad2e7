"""autograd_core._pages: releasing clean pages of read-only file mappings (Linux only)."""
import ctypes
import mmap
import os
import subprocess
import sys

import numpy as np
import pytest

from autograd_core import _pages

linux = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _pages.ENABLED
    or not os.access("/proc/self/pagemap", os.R_OK),
    reason="Linux with /proc/self/pagemap only (or turned off by env)")
PAGE = mmap.PAGESIZE
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _mapping_of(path):
    for line in open("/proc/self/maps"):
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[5].strip() == path:
            a, _, b = parts[0].partition("-")
            yield int(a, 16), int(b, 16), parts[1]


def _present(start, npages):
    with open("/proc/self/pagemap", "rb", buffering=0) as f:
        f.seek(start // PAGE * 8)
        e = np.frombuffer(f.read(npages * 8), dtype=np.uint64)
    return int(np.count_nonzero(e & np.uint64(1 << 63)))


@pytest.fixture
def datafile(tmp_path):
    path = str(tmp_path / "pages_probe_data.bin")
    data = np.random.default_rng(0).integers(0, 256, 64 * PAGE, dtype=np.uint8).tobytes()
    with open(path, "wb") as f:
        f.write(data)
    return path, data


@linux
def test_releases_clean_pages_of_a_read_only_mapping_and_keeps_contents(datafile):
    path, data = datafile
    with open(path, "rb") as f:  # as the loader maps a library's code
        m = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)
    (start, end, perms), = _mapping_of(path)
    assert perms == "r--p"
    n = (end - start) // PAGE
    assert bytes(m[:]) == data  # touches every page
    assert _present(start, n) == n
    released = _pages.release_file_pages(names=("pages_probe_data",))
    assert released == n * PAGE
    assert _present(start, n) == 0
    assert bytes(m[:]) == data  # faulted back in from the file, unchanged
    assert _pages.release_file_pages(names=("no_such_library_name",)) == 0
    m.close()


@linux
def test_leaves_a_mapping_with_private_pages_alone(datafile):
    path, data = datafile
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    with open(path, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)  # MAP_PRIVATE, writable
    buf = (ctypes.c_char * len(m)).from_buffer(m)
    addr = ctypes.addressof(buf)
    bytes(m[:])
    m[5 * PAGE:5 * PAGE + 4] = b"XXXX"  # a copy-on-write page, as a relocation makes
    assert libc.mprotect(addr, len(m), mmap.PROT_READ) == 0  # read-only now, like RELRO
    (start, end, perms), = _mapping_of(path)
    assert perms.startswith("r-") and perms.endswith("p")
    assert _pages.release_file_pages(names=("pages_probe_data",)) == 0
    assert bytes(m[5 * PAGE:5 * PAGE + 4]) == b"XXXX"  # dropping it would read the file
    assert _present(start, (end - start) // PAGE) == (end - start) // PAGE
    assert libc.mprotect(addr, len(m), mmap.PROT_READ | mmap.PROT_WRITE) == 0
    del buf


@linux
def test_writable_and_shared_mappings_are_not_candidates(datafile):
    path, data = datafile
    with open(path, "r+b") as f:
        m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_WRITE)  # MAP_SHARED, rw
    bytes(m[:])
    assert _pages.release_file_pages(names=("pages_probe_data",)) == 0
    m.close()


def test_disabled_does_nothing(datafile, monkeypatch):
    path, data = datafile
    monkeypatch.setattr(_pages, "ENABLED", False)
    with open(path, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)
    bytes(m[:])
    assert _pages.release_file_pages(names=("pages_probe_data",)) == 0
    m.close()


def _llvm_resident_after_init(env):
    code = (
        "import numpy as np\n"
        "from autograd_core import kernels, _pages\n"
        "kernels.init_numba()\n"
        "from autograd_core.kernels import activations as E\n"
        "g = np.linspace(-1, 1, 1001).astype(np.float32); y = np.maximum(g, 0)\n"
        "got = E.relu_backward(g, y)\n"
        "ok = bool(np.array_equal(got, np.where(y > 0, g, 0)))\n"
        "import mmap\n"
        "n = 0\n"
        "with open('/proc/self/pagemap', 'rb', buffering=0) as pm:\n"
        "    for line in open('/proc/self/maps'):\n"
        "        p = line.split(None, 5)\n"
        "        if len(p) == 6 and 'llvmlite' in p[5]:\n"
        "            a, b = (int(x, 16) for x in p[0].split('-'))\n"
        "            pm.seek(a // mmap.PAGESIZE * 8)\n"
        "            e = np.frombuffer(pm.read((b - a) // mmap.PAGESIZE * 8), np.uint64)\n"
        "            n += int(np.count_nonzero(e & np.uint64(1 << 63)))\n"
        "print(ok, n * mmap.PAGESIZE)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT, **env))
    assert out.returncode == 0, out.stderr[-2000:]
    ok, n = out.stdout.split()
    assert ok == "True"  # kernels still load and compute right after the release
    return int(n)


@linux
def test_numba_start_up_leaves_few_llvm_pages_resident():
    pytest.importorskip("numba")
    kept = _llvm_resident_after_init({"AUTOGRAD_CORE_RELEASE_PAGES": "0"})
    released = _llvm_resident_after_init({"AUTOGRAD_CORE_RELEASE_PAGES": "1"})
    # measured: ~85 MiB kept, ~12 MiB with the release (what loading one kernel touches)
    assert released < kept / 2, (released, kept)
