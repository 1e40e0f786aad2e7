"""Reduction kernels: softmax / log-softmax forward and backward, and logsumexp.

Plain reductions (sum, max, prod, ...) are numpy's (``backend/reduce.py``): each is
already one compiled pass. Softmax is a Numba loop over the rows of a C-contiguous
array (five numpy passes otherwise; the reasons and figures are in
docs/design-notes/reductions.md). The loops cover "last axis of a C-contiguous
float32/float64 array"; every other layout, axis or dtype, and the
``AUTOGRAD_CORE_KERNELS=numpy`` debug switch, runs the numpy twin.

Stability: every form subtracts the row maximum before ``exp``, so logits of +-1e4 give
exact, finite results and no overflow warnings. Sums are accumulated in float64 inside
the loops, also for float32 data. A row holding NaN comes out all NaN (as PyTorch).
Calls of ``split.MIN_SIZE`` elements and up are shared between threads by blocks of
rows (bitwise the serial result); softmax's backward has no exp and stays serial.

``njit`` (the package's lazy wrapper) imports numba and compiles on first call, once
per dtype (``cache=True`` keeps the machine code across processes);
``error_model="numpy"`` drops Python's division-by-zero checks from the loops.
"""
import numpy as np

from .. import kernels as _kernels  # read USE_NUMBA at call time: tests flip it
from . import buffers as _buffers  # large outputs come from a pool (see buffers.py)
from . import fastmath as _fm  # numba-free until a loop compiles
from . import njit  # lazy: numba is imported on the first call of a loop
from . import split as _sp  # large calls shared with a helper thread, by rows

__all__ = [
    "softmax", "log_softmax", "softmax_backward", "log_softmax_backward", "logsumexp",
    "softmax_np", "log_softmax_np", "softmax_backward_np", "log_softmax_backward_np",
    "softmax_nb", "log_softmax_nb", "softmax_backward_nb", "log_softmax_backward_nb",
]

_FAST = (np.dtype(np.float32), np.dtype(np.float64))

#: fastmath flags of the row-sum helpers: reassociation lets float64 row sums vectorise
_FM = {"reassoc", "contract"}


def _rows(axis, *arrays):
    """True when the Numba row loop applies: switch on, reducing the last axis (-1 or
    ndim - 1), every operand a non-empty C-contiguous float32/float64 array of one shape
    and dtype."""
    a = arrays[0]
    return (
        _kernels.USE_NUMBA
        and a.ndim >= 1
        and axis % a.ndim == a.ndim - 1
        and a.size > 0
        and a.dtype in _FAST
        and all(b.flags.c_contiguous and b.dtype == a.dtype and b.shape == a.shape
                for b in arrays)
    )


# -- numpy twins: any axis, any layout -------------------------------------------------

def softmax_np(x, axis):
    """exp(x - max) / sum(exp(x - max)) along ``axis``; same shape and dtype as ``x``."""
    if x.size == 0:
        return np.empty_like(x)
    with np.errstate(invalid="ignore"):  # inf - inf (rows of +-inf) -> NaN, as PyTorch
        e = x - np.max(x, axis=axis, keepdims=True)
    np.exp(e, out=e)
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def log_softmax_np(x, axis):
    """(x - max) - log(sum(exp(x - max))) along ``axis``; same shape and dtype as ``x``."""
    if x.size == 0:
        return np.empty_like(x)
    with np.errstate(invalid="ignore"):
        z = x - np.max(x, axis=axis, keepdims=True)
    s = np.sum(np.exp(z), axis=axis, keepdims=True)  # >= 1 wherever z is finite
    with np.errstate(divide="ignore"):
        z -= np.log(s)
    return z


def softmax_backward_np(g, y, axis):
    """y * (g - sum(g * y)) along ``axis``: softmax's vector-Jacobian product."""
    gy = g * y
    s = np.sum(gy, axis=axis, keepdims=True)
    gy -= y * s
    return gy


def log_softmax_backward_np(g, y, axis):
    """g - exp(y) * sum(g) along ``axis``: log-softmax's vector-Jacobian product."""
    s = np.sum(g, axis=axis, keepdims=True)
    out = np.exp(y)
    out *= s
    np.subtract(g, out, out=out)
    return out


# -- Numba loops over the rows of a C-contiguous (m, n) array ----------------------------

@njit(cache=True, error_model="numpy")
def _row_max(x, i, n):
    # integer max of order keys: vectorises, where a float compare-select does not. A
    # NaN (either sign) makes the row NaN: through the max, or through the exp sum.
    mk = _fm.order_key(x[i, 0])
    for j in range(1, n):
        k = _fm.order_key(x[i, j])
        mk = k if k > mk else mk
    return _fm.from_order_key(mk, x[i, 0])


# Row sums live in helpers of their own: only they carry ``reassoc`` (Numba sets the
# flags per instruction and LLVM inlines the helpers), so the finishing expressions such
# as (x - max) - lse keep their order. The exps are written to ``out`` by a loop without
# a reduction, then summed in float64 from cache: in one loop, the float64 accumulator
# would halve the vector width of the exp (4 lanes instead of 8 for float32).

@njit(cache=True, error_model="numpy")
def _exp_store_next_max(x, i, nxt, n, mx, out):
    # out[i] = exp(x[i] - mx), and the max of row nxt in the same loop: software
    # pipelining, so the next row's reads overlap this row's exp work (see the note)
    mk = _fm.order_key(x[nxt, 0])
    for j in range(n):
        out[i, j] = _fm.exp(x[i, j] - mx)  # <= 1: no overflow
        k = _fm.order_key(x[nxt, j])
        mk = k if k > mk else mk
    return _fm.from_order_key(mk, x[nxt, 0])


@njit(cache=True, error_model="numpy", fastmath=_FM)
def _sum_row(a, i, n):
    s = 0.0
    for j in range(n):
        s += a[i, j]
    return s


@njit(cache=True, error_model="numpy", fastmath=_FM)
def _dot_row(g, y, i, n):
    s = 0.0
    for j in range(n):
        s += np.float64(g[i, j]) * y[i, j]
    return s


@njit(cache=True, error_model="numpy")
def _softmax_rows(x, out):
    m, n = x.shape
    mx = _row_max(x, 0, n)
    for i in range(m):
        nxt = i + 1 if i + 1 < m else i
        mx_next = _exp_store_next_max(x, i, nxt, n, mx, out)
        inv = out.dtype.type(1.0 / _sum_row(out, i, n))
        for j in range(n):
            out[i, j] = out[i, j] * inv
        mx = mx_next


@njit(cache=True, error_model="numpy")
def _log_softmax_rows(x, out):
    m, n = x.shape
    mx = _row_max(x, 0, n)
    for i in range(m):
        nxt = i + 1 if i + 1 < m else i
        mx_next = _exp_store_next_max(x, i, nxt, n, mx, out)  # scratch: overwritten below
        # in the data's dtype (as the twin): float64 here would halve the vector width
        lse = out.dtype.type(np.log(_sum_row(out, i, n)))
        for j in range(n):  # (x - max) - log(s): exact at the maximum, unlike x - (max + log s)
            out[i, j] = (x[i, j] - mx) - lse
        mx = mx_next


@njit(cache=True, error_model="numpy")
def _softmax_backward_rows(g, y, out):
    m, n = g.shape
    for i in range(m):
        s = out.dtype.type(_dot_row(g, y, i, n))  # in the data's dtype, as the twin
        for j in range(n):
            out[i, j] = y[i, j] * (g[i, j] - s)


@njit(cache=True, error_model="numpy")
def _log_softmax_backward_rows(g, y, out):
    m, n = g.shape
    for i in range(m):
        s = out.dtype.type(_sum_row(g, i, n))
        for j in range(n):
            out[i, j] = g[i, j] - _fm.exp(y[i, j]) * s


# Drivers for large calls: row chunks of the loops above, shared between threads (see
# split.py; rows are independent). nogil, so the caller and a helper run at once; each
# chunk is the serial loop on a block of rows, so results are bitwise the serial call's.

@njit(cache=True, error_model="numpy", nogil=True)
def _softmax_split(work, x, out):
    lo, hi = _sp.span(work, 0)
    mine = 0
    while lo < hi:
        _softmax_rows(x[lo:hi], out[lo:hi])
        mine += hi - lo
        lo, hi = _sp.span(work, hi - lo)
    return mine  # items this thread did


@njit(cache=True, error_model="numpy", nogil=True)
def _log_softmax_split(work, x, out):
    lo, hi = _sp.span(work, 0)
    mine = 0
    while lo < hi:
        _log_softmax_rows(x[lo:hi], out[lo:hi])
        mine += hi - lo
        lo, hi = _sp.span(work, hi - lo)
    return mine  # items this thread did


@njit(cache=True, error_model="numpy", nogil=True)
def _log_softmax_backward_split(work, g, y, out):
    lo, hi = _sp.span(work, 0)
    mine = 0
    while lo < hi:
        _log_softmax_backward_rows(g[lo:hi], y[lo:hi], out[lo:hi])
        mine += hi - lo
        lo, hi = _sp.span(work, hi - lo)
    return mine  # items this thread did


def _run_rows(loop, *arrays, split=None):
    a = arrays[0]
    n = a.shape[-1]
    out = _buffers.empty(a.shape, a.dtype)
    args = (*[b.reshape(-1, n) for b in arrays], out.reshape(-1, n))
    m = args[-1].shape[0]
    if split is not None and m > 1 and _sp.use(out.size):
        _sp.share(split, args, m, max(1, _sp.CHUNK // n))
    else:
        loop(*args)
    return out


def softmax_nb(x):
    """Numba softmax over the last axis of a non-empty C-contiguous float array."""
    return _run_rows(_softmax_rows, x, split=_softmax_split)


def log_softmax_nb(x):
    """Numba log-softmax over the last axis of a non-empty C-contiguous float array."""
    return _run_rows(_log_softmax_rows, x, split=_log_softmax_split)


def softmax_backward_nb(g, y):
    """Numba ``y * (g - sum(g * y))`` over the last axis (same-shape contiguous g, y)."""
    return _run_rows(_softmax_backward_rows, g, y)


def log_softmax_backward_nb(g, y):
    """Numba ``g - exp(y) * sum(g)`` over the last axis (same-shape contiguous g, y)."""
    return _run_rows(_log_softmax_backward_rows, g, y, split=_log_softmax_backward_split)


# -- dispatch ----------------------------------------------------------------------------

def softmax(x, axis):
    """Softmax of float array ``x`` along ``axis`` (negative counts from the end); a new array like ``x``."""
    return softmax_nb(x) if _rows(axis, x) else softmax_np(x, axis)


def log_softmax(x, axis):
    """Log-softmax of float array ``x`` along ``axis`` (negative counts from the end)."""
    if _rows(axis, x):
        return log_softmax_nb(x)
    return log_softmax_np(x, axis)


def softmax_backward(g, y, axis):
    """Softmax's input gradient from output gradient ``g`` and output ``y`` (same shape)."""
    if _rows(axis, g, y):
        return softmax_backward_nb(g, y)
    return softmax_backward_np(g, y, axis)


def log_softmax_backward(g, y, axis):
    """Log-softmax's input gradient from output gradient ``g`` and output ``y``."""
    if _rows(axis, g, y):
        return log_softmax_backward_nb(g, y)
    return log_softmax_backward_np(g, y, axis)


def logsumexp(x, axes, keepdim):
    """log(sum(exp(x))) over the tuple ``axes``, shifted by the maximum for stability.

    Infinite maxima are not subtracted (inf - inf would be NaN): a slice holding +inf
    gives +inf, a slice of only -inf (or an empty slice) gives -inf, as PyTorch.
    """
    if not axes:
        return x.copy()  # log(exp(x)) without the overflow
    if x.size == 0:
        with np.errstate(divide="ignore"):
            return np.log(np.sum(np.exp(x), axis=axes, keepdims=keepdim))
    m = np.max(x, axis=axes, keepdims=True)
    m[~np.isfinite(m)] = 0
    with np.errstate(over="ignore", divide="ignore"):
        e = x - m
        np.exp(e, out=e)
        s = np.log(np.sum(e, axis=axes, keepdims=True))
    s += m
    return s if keepdim else s.reshape([d for i, d in enumerate(s.shape) if i not in axes])
