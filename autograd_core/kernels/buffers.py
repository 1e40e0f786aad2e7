"""A caching allocator for the large arrays kernels return.

Why: glibc serves an allocation above its mmap threshold (dynamic, at most 32 MiB on
64-bit Linux) with fresh pages from the kernel every time and unmaps them on free, so a
kernel that returns a new 64 MiB array pays a page fault and the kernel's zeroing of
every page on its first write: a serial triad into a new array each call runs at
0.5-0.6x the triad into an existing one (measured on this 2-core Zen 4: 11-13 GB/s vs
21-23 GB/s at 32-64 MiB; below 32 MiB glibc keeps freed memory on its heap and the two
are within noise, 0.8-1.0x). PyTorch's answer is its caching allocator (on CUDA); this
is the CPU analogue for our kernels' outputs.

``empty(shape, dtype)`` is ``np.empty`` below ``THRESHOLD`` bytes. From there up it
hands out an array over a pooled block: a uint8 buffer, 64-byte aligned, its capacity
rounded up to a multiple of 2 MiB so that nearby sizes share blocks. The handed-out
array's ``base`` is a lease, a uint8 view of the block (both of an ndarray subclass,
so that numpy does not collapse the base chain past the lease); every view of the
array keeps the lease alive, and when the last one dies the lease's finaliser returns the block to
the pool. A block is therefore never handed out while any array, view, memoryview or
Numba result refers to its memory (reference counting, not a guess). Idle blocks are
kept up to ``limit()`` bytes (default 256 MiB, env ``AUTOGRAD_CORE_BUFFER_CACHE_MIB``;
0 turns pooling off), least recently returned evicted first; a block larger than the
limit is simply freed. ``empty_cache()`` frees every idle block (the CPU analogue of
``torch.cuda.empty_cache``: it releases cached memory nobody uses, never live arrays).

Threads: the free list changes under one lock. A lease finaliser can run anywhere
(when a reference drops, in the garbage collector, in another thread), even inside
``empty``'s critical section in the same thread, so it never waits for the lock: it
queues the block (an atomic deque append) and drains the queue only if it gets the lock
at once; ``empty`` drains the queue first thing under the lock.
"""
import collections
from math import prod as _prod
import sys
import threading

import numpy as np

from . import env_number

__all__ = ["empty", "empty_like", "empty_cache", "cached_bytes", "limit", "set_limit",
           "owns_data", "THRESHOLD", "ALIGN", "GRAIN"]

#: smallest request (bytes) served from the pool; smaller ones go to np.empty. From
#: 32 MiB up glibc maps fresh pages on every allocation (a fresh-output triad at
#: 0.49-0.59x, pooled 0.87-1.07x of the reused one); between 4 and 32 MiB glibc's
#: heap mostly reuses memory (fresh 0.72-1.03x, pooled 0.76-1.18x: no worse). The
#: pool's ~4 us per allocate-and-free is about 2% of one pass over 4 MiB in cache.
THRESHOLD = 4 << 20
ALIGN = 64           # bytes: a cache line, a full AVX-512 vector
GRAIN = 2 << 20      # block capacities are multiples of this (the huge-page size)
SLACK = 4            # a block may exceed a request by a quarter of it (see _fits)

_lock = threading.Lock()
_free = []                          # idle blocks (raw uint8 arrays), oldest first
_returned = collections.deque()     # blocks given back but not yet filed (see above)
_ALONE = None  # set below, once _alone_refs exists
_state = {"idle": 0, "limit": env_number("AUTOGRAD_CORE_BUFFER_CACHE_MIB", 256, 1 << 20)}


class _Block(np.ndarray):
    """A pooled block (owning its memory: ``owndata``, ``base`` None) or its lease: the
    aligned uint8 view of the block that handed-out arrays are based on (``base`` the
    block, ``_lease`` True). numpy collapses a view's base chain only through arrays of
    the view's own type, so an ndarray over a lease keeps the lease as its base, and
    views of that array keep the array. When the last of them dies, the lease's
    finaliser returns the block. Other views of a block (``arr.base[:]``) are not
    leases and return nothing; what they keep alive ``_take`` sees by the refcount."""

    _lease = False

    def __del__(self):
        if self._lease:
            try:
                _give_back(self.base)
            except Exception:  # interpreter shutdown: module globals may be gone
                pass


def _alone_refs():
    """sys.getrefcount of an object held only by one local variable (the check _take
    applies to a block it popped from the free list)."""
    box = [object()]
    x = box.pop()
    return sys.getrefcount(x)


def _capacity(raw):
    return raw.nbytes - ALIGN


def _fits(cap, need):
    """A block of capacity ``cap`` serves a rounded request ``need`` when it wastes at
    most a quarter of the request (and at least one grain is always allowed)."""
    return need <= cap <= need + max(need // SLACK, GRAIN)


def _file(raw):
    """Put a returned block on the free list, evicting the oldest over the limit.
    Caller holds the lock."""
    size = raw.nbytes
    lim = _state["limit"]
    if size > lim:
        return  # dropped: freed with the last reference
    while _free and _state["idle"] + size > lim:
        _state["idle"] -= _free.pop(0).nbytes
    _free.append(raw)
    _state["idle"] += size


def _drain():
    while True:
        try:
            raw = _returned.popleft()
        except IndexError:
            return
        _file(raw)


def _give_back(raw):
    _returned.append(raw)
    if _lock.acquire(blocking=False):
        try:
            _drain()
        finally:
            _lock.release()


def _take(need):
    """An idle block whose capacity fits ``need`` (best fit), or None. Takes the lock.
    A block that anything besides the pool still refers to (a view taken from an
    array's ``base``) is dropped from the pool, never handed out."""
    with _lock:
        _drain()
        while True:
            best, bcap = -1, 0
            for i, c in enumerate([b.nbytes - ALIGN for b in _free]):  # binds no block
                if _fits(c, need) and (best < 0 or c < bcap):
                    best, bcap = i, c
            if best < 0:
                return None
            raw = _free.pop(best)
            _state["idle"] -= raw.nbytes
            if sys.getrefcount(raw) <= _ALONE:
                return raw
            del raw  # still referenced: its holders free it


def empty(shape, dtype=np.float64):
    """An uninitialised C-contiguous array of ``shape`` and ``dtype``, like ``np.empty``;
    from ``THRESHOLD`` bytes up, over a pooled block (``arr.base`` is then the block's
    lease, and ``arr.flags.owndata`` is False: see ``owns_data``)."""
    try:  # the common call, (tuple, np.dtype), fast: kernels of small arrays come here
        nbytes = _prod(shape) * dtype.itemsize
    except (TypeError, AttributeError):
        dtype = np.dtype(dtype)
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        nbytes = _prod(shape) * dtype.itemsize
    if nbytes < THRESHOLD:
        return np.empty(shape, dtype)
    dt = np.dtype(dtype)
    shape = tuple(shape)
    if _state["limit"] <= 0 or dt.hasobject:
        return np.empty(shape, dt)
    need = -(-nbytes // GRAIN) * GRAIN
    raw = _take(need)
    if raw is None:
        raw = np.ndarray.__new__(_Block, (need + ALIGN,), np.uint8)
        raw.off = -raw.ctypes.data % ALIGN
    off = raw.off
    lease = raw[off:off + _capacity(raw)]
    lease._lease = True
    out = np.ndarray(shape, dt, buffer=lease)
    if out.base is not lease:  # a numpy that collapses the chain: no pooling, no risk
        del out, lease
        return np.empty(shape, dt)
    return out


def empty_like(a, dtype=None):
    """``empty(a.shape, dtype or a.dtype)`` (always C order)."""
    return empty(a.shape, a.dtype if dtype is None else dtype)


def owns_data(a):
    """True when ``a`` holds its memory alone as a fresh result does: it owns its data
    (``a.flags.owndata``) or it is the array ``empty`` handed out over a pooled block
    (views of it have that array, not the lease, as their base)."""
    return a.flags.owndata or type(a.base) is _Block


def empty_cache():
    """Free every idle pooled block (arrays in use keep theirs); returns the bytes freed.
    The CPU analogue of ``torch.cuda.empty_cache()``."""
    with _lock:
        _drain()
        freed = _state["idle"]
        _free.clear()
        _state["idle"] = 0
    return freed


def cached_bytes():
    """Bytes held in idle pooled blocks (blocks of live arrays not counted)."""
    with _lock:
        _drain()
        return _state["idle"]


def limit():
    """The most idle bytes the pool keeps."""
    return _state["limit"]


def set_limit(nbytes):
    """Set the most idle bytes the pool keeps (0 turns pooling off); evicts at once."""
    nbytes = int(nbytes)
    if nbytes < 0:
        raise ValueError(f"buffers.set_limit: limit must be >= 0, got {nbytes}")
    with _lock:
        _state["limit"] = nbytes
        _drain()
        while _free and _state["idle"] > nbytes:
            _state["idle"] -= _free.pop(0).nbytes


_ALONE = _alone_refs()


def adopt(a, adopted):
    """``a`` if it may become a leaf's ``.grad`` without a copy, else a copy of it.

    A result may be kept when it holds its memory alone (``owns_data``), is writable
    (not a broadcast view) and was not already given to another leaf in this backward
    (``adopted``: the ids handed out so far, updated here): one leaf's in-place change
    of its ``.grad`` must never show in another's."""
    if id(a) in adopted or not owns_data(a) or not a.flags.writeable:
        a = a.copy()
    adopted.add(id(a))
    return a
