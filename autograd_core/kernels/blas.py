"""Thread count of numpy's BLAS, and the rule that small products run on one thread.

Why: on a machine whose cores are shared with other processes, a threaded OpenBLAS call
collapses as soon as its helper thread is descheduled, and for small products two
threads save little even on an idle machine (figures in
docs/design-notes/shape-and-index.md). So, unless the user chose a thread count
explicitly, a product of fewer than ``SERIAL_FLOPS`` floating-point operations (2*m*n*k
per matrix; 1e8, about 1 ms of one core's work) runs with one BLAS thread, and a larger
one with the pool's setting (``OPENBLAS_NUM_THREADS``, threadpoolctl, or the number of
cores).

``set_num_threads(n)`` (PyTorch's name) is the explicit choice: from then on every
product runs with exactly ``n`` threads and the rule is off. Thread counts are process
state: Python threads calling matmul at the same time share them (results never depend
on the thread count; only speed does).

Switching threads goes through ctypes on numpy's bundled OpenBLAS (far cheaper per call
than a threadpoolctl context). With another BLAS (MKL, Accelerate, a system library
numpy links) the rule is skipped and ``set_num_threads`` goes through threadpoolctl.
"""
import ctypes
import glob
import os

__all__ = ["SERIAL_FLOPS", "OPENBLAS_SERIAL_GEMM_FLOPS", "get_num_threads", "set_num_threads", "serial_rule_active",
           "blas_info", "run_serial_if_small"]

#: products below this many FLOPs (2*m*n*k per matrix) run on one BLAS thread (see above)
SERIAL_FLOPS = 1e8

#: OpenBLAS runs a GEMM with m*n*k <= 65536 * GEMM_MULTITHREAD_THRESHOLD (4) on the
#: calling thread by itself (interface/gemm.c), so callers skip the switch below this
OPENBLAS_SERIAL_GEMM_FLOPS = 2 * 65536 * 4

_state = {"lib": None, "get": None, "set": None, "explicit": None}


def _find_openblas():
    """(get, set) ctypes functions of the OpenBLAS numpy itself loaded, or (None, None)."""
    import numpy as np

    here = os.path.dirname(np.__file__)
    pattern = ("*openblas*.so*", "*openblas*.dylib")
    cands = []
    for d in (here + ".libs", os.path.join(here, ".dylibs"), os.path.join(here, "_core")):
        for p in pattern:
            cands += glob.glob(os.path.join(d, p))
    for path in cands:
        try:  # RTLD_NOLOAD: only a library numpy already loaded, never a second copy
            lib = ctypes.CDLL(path, mode=getattr(os, "RTLD_NOLOAD", 0) | ctypes.RTLD_LOCAL)
        except OSError:
            continue
        for pre in ("scipy_", ""):
            for suf in ("64_", "_64", ""):
                g = getattr(lib, f"{pre}openblas_get_num_threads{suf}", None)
                s = getattr(lib, f"{pre}openblas_set_num_threads{suf}", None)
                if g is not None and s is not None:
                    g.restype, g.argtypes = ctypes.c_int, []
                    s.restype, s.argtypes = None, [ctypes.c_int]
                    return path, g, s
    return None, None, None


def _lib():
    if _state["lib"] is None:
        path, g, s = _find_openblas()
        _state.update(lib=path or "", get=g, set=s)
    return _state["get"], _state["set"]


def _threadpoolctl_blas():
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController().select(user_api="blas")


def get_num_threads():
    """The number of threads numpy's BLAS uses for a large product."""
    g, _ = _lib()
    if g is not None:
        return int(g())
    info = _threadpoolctl_blas().info()
    return max([p["num_threads"] for p in info] or [1])


def set_num_threads(n):
    """Use exactly ``n`` BLAS threads for every product from now on (PyTorch's
    ``torch.set_num_threads``); turns the small-product rule off. Raises ``TypeError`` for
    a non-integer and ``ValueError`` for ``n < 1``, before changing anything."""
    if isinstance(n, bool) or not isinstance(n, int):
        try:
            import numpy as np
            ok = isinstance(n, np.integer)
        except ImportError:  # pragma: no cover
            ok = False
        if not ok:
            raise TypeError(f"set_num_threads: expected an int, got {type(n).__name__}")
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads: the number of threads must be positive, got {n}")
    _, s = _lib()
    if s is not None:
        s(n)
    else:
        _threadpoolctl_blas().limit(limits=n)
    _state["explicit"] = n


def serial_rule_active():
    """True when small products are switched to one thread (no explicit thread count set,
    and numpy's OpenBLAS is reachable)."""
    return _state["explicit"] is None and _lib()[1] is not None and SERIAL_FLOPS > 0


def blas_info():
    """What this module controls: the library path ('' if none), the pool's thread count,
    the explicit choice (or None) and the threshold."""
    _lib()
    return {"library": _state["lib"], "num_threads": get_num_threads(),
            "explicit": _state["explicit"], "serial_flops": SERIAL_FLOPS}


def run_serial_if_small(flops, fn, *args):
    """``fn(*args)`` with one BLAS thread if ``flops < SERIAL_FLOPS`` and the rule is
    active; the pool's thread count is restored afterwards, also on error."""
    if flops >= SERIAL_FLOPS or _state["explicit"] is not None:
        return fn(*args)
    g, s = _state["get"], _state["set"]
    if s is None:
        if _state["lib"] is not None:
            return fn(*args)  # looked for it before: not OpenBLAS
        g, s = _lib()
        if s is None:
            return fn(*args)
    prev = g()
    if prev <= 1:
        return fn(*args)
    s(1)
    try:
        return fn(*args)
    finally:
        s(prev)
