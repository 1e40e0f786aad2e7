"""Work sharing for large compute-bound kernel calls: the caller and one helper thread
per extra core take chunks of one call from a shared counter.

Why: the exp/log kernels (sigmoid, elu, softplus, softmax, ...) are compute-bound on
one core (sigmoid's loop alone takes about as long per element as its memory traffic),
so the second core is the lever left. Numba's ``parallel=True`` is not an option here:
its OpenMP/workqueue pool and numpy's OpenBLAS pool, in one process on 2 cores, slow
each other down 5-40x (idle threads of one spin while the other works; section 8 of the
benchmarks). This module's helpers block on a condition variable when idle (they never
spin), and the caller never waits for a helper to *start*:

- ``share(driver, args, total, chunk)`` posts the call for ``threads() - 1`` helpers,
  then runs ``driver(work, *args)`` itself. ``driver`` is a ``nogil=True`` kernel that
  loops ``lo, hi = span(work, finished)`` until ``lo >= hi``, running the serial loop
  on ``[lo, hi)`` (elements, or rows), and returns how many items it did. ``span``
  records the previous chunk as done (an atomic add on ``work[3]``, release order) and
  takes the next one (an atomic fetch-and-add on ``work[0]``). A helper that is not
  scheduled (another process, or OpenBLAS's spinning workers, hold the other core)
  takes no chunk and the caller does them all. Each thread releases the GIL once per
  call, not per chunk, so a busy Python thread elsewhere cannot stall the chunks.
- The call returns when every chunk is done (``work[3]`` reaches the total): the
  caller, out of chunks, spins on that count for ``SPIN`` checks (~75 us here: a
  helper's last chunk is 30-70 us of work), then blocks until the helpers that joined
  report back. It does not wait for a helper to return to Python (a wake-up costs
  20-100 us on this virtual machine). Then it closes the call: helpers that wake later
  skip it. An exception in a helper is raised in the caller. Outputs are written only
  by the chunks, each element by exactly one chunk, with the serial loop's own code:
  results are bitwise those of the serial call.
- Back-off: if the helpers did under a quarter of a call, they did not get a core in
  time; the next call then runs alone (no post, no wake-up), then 2, 4, ... up to
  ``BACKOFF_MAX`` calls each time it repeats, and a call the helpers did share in
  resets it. Without it a busy second core cost the split calls 5-13% against the
  serial loop (measured while another process held that core).
- Thread count: the library's (``autograd_core.set_num_threads`` if called, else
  numpy's OpenBLAS pool size, which follows ``OPENBLAS_NUM_THREADS`` and the number of
  cores). With one thread nothing is ever split and no helper thread is started.
- Only calls of at least ``MIN_SIZE`` elements are split (env
  ``AUTOGRAD_CORE_SPLIT_MIN``, elements; default 2^20; a huge value turns splitting
  off). Below it the post and the helper's wake-up (20-100 us here) are not repaid.
- Several user threads may call at once: each call has its own counter; helpers serve
  posted calls in order, and a caller whose call no helper picks up does it alone.
- Fork: ``os.register_at_fork`` gives a child process a fresh, empty pool (threads do
  not survive ``fork``; a lock held by another thread at the fork would otherwise stay
  held in the child). The child starts its own helpers on its first large call.

Laziness: ``import autograd_core`` must not import numba, so ``span`` (a Numba function
using LLVM atomic intrinsics) is built on its first lookup, as in ``fastmath``; kernels
refer to it as ``_sp.span(work, finished)``. Numba's on-disk cache tracks a kernel's own
file only: after editing ``span`` here, delete the ``__pycache__/*.nbi`` / ``*.nbc``
files of the modules whose drivers call it.
"""
import os
import threading

import numpy as np

from . import blas as _blas
from . import env_number

__all__ = ["MIN_SIZE", "CHUNK", "SPIN", "BACKOFF_MAX", "threads", "use", "share", "span",
           "wait_done", "pool_size", "shared_calls"]

#: calls with fewer elements than this run serially (env AUTOGRAD_CORE_SPLIT_MIN)
MIN_SIZE = env_number("AUTOGRAD_CORE_SPLIT_MIN", 1 << 20)
#: elements per chunk (row kernels: rows holding about this many elements)
CHUNK = 1 << 16
#: checks of the done count before a caller that finished its chunks blocks
SPIN = 1 << 17

_built = {}
_cpus = []
_count = [0]  # calls share() got with helper threads available (see shared_calls)
#: back-off when helpers do not get a core: calls left to run alone, next back-off length
_backoff = {"skip": 0, "length": 1}
BACKOFF_MAX = 64  # calls


def threads():
    """The library's thread count: ``set_num_threads``'s value if it was called, else
    numpy's OpenBLAS pool size (else the number of usable cores)."""
    n = _blas._state["explicit"]
    if n is None:
        get = _blas._lib()[0]
        if get is not None:
            return int(get())
        if not _cpus:
            try:
                _cpus.append(len(os.sched_getaffinity(0)))
            except AttributeError:  # not Linux
                _cpus.append(os.cpu_count() or 1)
        return _cpus[0]
    return n


def use(elements):
    """True when a call over ``elements`` elements should be shared between threads."""
    return elements >= MIN_SIZE and threads() > 1


class _Call:
    """One shared call: its driver and arguments, how many helpers are inside it, and
    whether the caller has closed it (then no helper may join)."""

    __slots__ = ("driver", "args", "active", "closed", "error")

    def __init__(self, driver, args):
        self.driver, self.args = driver, args
        self.active, self.closed, self.error = 0, False, None


class _Pool:
    def __init__(self):
        self.lock = threading.Lock()
        self.work = threading.Condition(self.lock)  # helpers wait here for calls
        self.done = threading.Condition(self.lock)  # callers wait here for helpers
        self.queue = []
        self.helpers = []

    def _grow(self, n):
        """At least ``n`` helper threads (caller holds the lock)."""
        while len(self.helpers) < n:
            t = threading.Thread(target=self._serve, args=(self,), daemon=True,
                                 name=f"autograd_core-split-{len(self.helpers) + 1}")
            t.start()
            self.helpers.append(t)

    @staticmethod
    def _serve(pool):
        lock = pool.lock
        while True:
            with lock:
                while not pool.queue:
                    pool.work.wait()
                call = pool.queue.pop(0)
                if call.closed:
                    continue
                call.active += 1
            try:
                call.driver(*call.args)
            except BaseException as e:  # handed to the caller, who raises it
                call.error = e
            finally:
                with lock:
                    call.active -= 1
                    if call.active == 0:
                        pool.done.notify_all()


_pool = _Pool()


def _reset_after_fork():
    global _pool
    _pool = _Pool()
    _backoff.update(skip=0, length=1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def pool_size():
    """How many helper threads this process has started (for tests)."""
    return len(_pool.helpers)


def shared_calls():
    """How many calls ``share`` has received with helper threads available so far
    (whether or not a helper joined; the benchmarks use it to tell which kernels run on
    more than one thread)."""
    return _count[0]


def share(driver, args, total, chunk):
    """Run ``driver(work, *args)`` on this thread and on up to ``threads() - 1`` helpers,
    ``work`` counting out chunks of ``chunk`` items of ``total`` (see the module
    docstring); return when every chunk is done, raising an error a helper hit."""
    work = np.zeros(4, np.int64)  # next item, chunk, total, items done
    work[1], work[2] = chunk, total
    args = (work,) + tuple(args)
    helpers = min(threads() - 1, -(-total // chunk) - 1)
    if helpers <= 0:
        driver(*args)
        return
    _count[0] += 1
    bo = _backoff
    if bo["skip"] > 0:  # helpers were starved of a core lately: do this one alone
        bo["skip"] -= 1
        driver(*args)
        return
    pool = _pool
    call = _Call(driver, args)
    with pool.lock:
        pool._grow(helpers)
        pool.queue.extend([call] * helpers)
        pool.work.notify(helpers)
    try:
        mine = driver(*args)
    except BaseException:
        with pool.lock:  # helpers may still be writing chunks they took: wait for them
            call.closed = True
            while call.active:
                pool.done.wait()
        raise
    # The chunks a helper took are done when work[3] reaches total: wait for that, not
    # for the helper to return (waking this thread again costs tens of microseconds).
    # A short spin first (the helper's last chunk is ~0.1 ms of work), then block.
    if not wait_done(work, SPIN):
        with pool.lock:
            while call.error is None and work[3] < total and call.active:
                pool.done.wait()
    with pool.lock:
        call.closed = True  # helpers that wake up from now on skip it
        err = call.error
    if err is not None:
        raise err
    if mine is not None:  # Numba drivers return the items they did
        if 4 * (total - mine) < total:
            # the helpers did under a quarter: they did not get a core in time (other
            # processes, or OpenBLAS's spinning workers, hold it). Run the next calls
            # alone, twice as many each time this repeats, so a busy machine costs
            # a post and a wake-up only now and then.
            bo["skip"] = bo["length"]
            bo["length"] = min(2 * bo["length"], BACKOFF_MAX)
        else:
            bo["length"] = 1
    if work[3] < total:  # pragma: no cover - a driver that skipped finish()
        raise RuntimeError(f"split: {int(work[3])} of {total} items done")


def wait_done(work, spins):
    """Spin (GIL released) until ``work[3] >= work[2]`` or ``spins`` checks; True if
    every item is done."""
    if not _built:
        _build()
    return _built["wait_done"](work, spins)


# -- the Numba side (built on first lookup: importing numba is deferred) ----------------

def _span(work, finished):
    # records ``finished`` items done (the chunk just written; 0 at the start), then
    # takes the next chunk [lo, hi) of work = [next, chunk, total, done]; lo >= hi once
    # all are taken
    if finished:
        _atomic_add(work, 3, finished, True)
    lo = _atomic_add(work, 0, work[1], False)
    return lo, min(lo + work[1], work[2])


def _wait_done(work, spins):
    for _ in range(spins):
        if _load_acquire(work, 3) >= work[2]:
            return True
    return False


def _build():
    import numba
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    def _ptr(context, builder, aryty, ary, idx):
        ary = context.make_array(aryty)(context, builder, ary)
        return cgutils.get_item_pointer(context, builder, aryty, ary, [idx])

    @intrinsic
    def atomic_add(typingctx, arr, idx, val, release):
        """``arr[idx] += val`` atomically (LLVM atomicrmw), returning the old value;
        release ordering if the literal ``release`` is True (publishes the writes
        before it), else monotonic (a counter that only hands out work)."""
        if not (isinstance(arr, types.Array) and arr.dtype == types.int64
                and isinstance(release, types.BooleanLiteral)):
            return None
        order = "release" if release.literal_value else "monotonic"

        def codegen(context, builder, sig, args):
            ptr = _ptr(context, builder, sig.args[0], args[0], args[1])
            v = context.cast(builder, args[2], sig.args[2], types.int64)
            return builder.atomic_rmw("add", ptr, v, order)

        return types.int64(arr, types.intp, val, release), codegen

    @intrinsic
    def load_acquire(typingctx, arr, idx):
        """``arr[idx]`` as an atomic acquire load (sees what a release published)."""
        if not (isinstance(arr, types.Array) and arr.dtype == types.int64):
            return None

        def codegen(context, builder, sig, args):
            ptr = _ptr(context, builder, sig.args[0], args[0], args[1])
            return builder.load_atomic(ptr, "acquire", 8)

        return types.int64(arr, types.intp), codegen

    g = globals()
    g["_atomic_add"], g["_load_acquire"] = atomic_add, load_acquire
    _built["span"] = numba.njit(error_model="numpy")(_span)  # LLVM inlines it
    _built["wait_done"] = numba.njit(nogil=True, cache=True)(_wait_done)


def __getattr__(name):  # PEP 562: build on first lookup
    if name == "span":
        if not _built:
            _build()
        return _built[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
