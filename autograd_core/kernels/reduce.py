"""Reduction kernels: softmax / log-softmax forward and backward, and logsumexp.

Plain reductions (sum, max, prod, ...) call numpy directly: each is already one compiled
pass. Softmax is different: the numpy form is max, subtract, exp, sum, divide -- five
passes, two temporaries and five dispatches -- while a Numba loop over the rows of a
C-contiguous array reads each row from cache and writes the output once. The loops
cover "last axis of a C-contiguous float32/float64 array" (the MLP's logits of shape
(batch, classes)); every other layout, axis or dtype, and the
``AUTOGRAD_CORE_KERNELS=numpy`` debug switch, runs the numpy twin.

Measured (benchmark in the commit message): the loops win 2-9x up to a few thousand
elements, where numpy's per-call overhead dominates, but a scalar ``exp`` in a Numba
loop (no SVML) costs ~10-30 ns per element against ~1 ns for numpy's SIMD exp, so for
larger arrays numpy wins up to 5x. Hence the loops that call exp (softmax, log-softmax,
log-softmax backward) run only up to ``EXP_LOOP_MAX_SIZE`` elements; softmax backward
(no exp) runs the loop at every size (1.3-4x faster than numpy, also on large arrays).

Stability: every form subtracts the row maximum before ``exp``, so logits of +-1e4 give
exact, finite results and no overflow warnings. Sums are accumulated in float64 inside
the loops, also for float32 data. A row holding NaN comes out all NaN (as PyTorch).

``njit`` (the package's lazy wrapper) imports numba and compiles on first call, once
per dtype (``cache=True`` keeps the machine code across processes);
``error_model="numpy"`` drops Python's division-by-zero checks from the loops.
"""
import numpy as np

from .. import kernels as _kernels  # read USE_NUMBA at call time: tests flip it
from . import njit  # lazy: numba is imported on the first call of a loop

__all__ = [
    "EXP_LOOP_MAX_SIZE",
    "softmax", "log_softmax", "softmax_backward", "log_softmax_backward", "logsumexp",
    "softmax_np", "log_softmax_np", "softmax_backward_np", "log_softmax_backward_np",
    "softmax_nb", "log_softmax_nb", "softmax_backward_nb", "log_softmax_backward_nb",
]

_FAST = (np.dtype(np.float32), np.dtype(np.float64))

#: Loops that call exp run up to this many elements; above, numpy's SIMD exp wins.
EXP_LOOP_MAX_SIZE = 2048


def _rows(axis, *arrays, max_size=None):
    """True when the Numba row loop applies: switch on, reducing the last axis, every
    operand a non-empty C-contiguous float32/float64 array of one shape and dtype (and
    at most ``max_size`` elements if given)."""
    a = arrays[0]
    return (
        _kernels.USE_NUMBA
        and a.ndim >= 1
        and (max_size is None or a.size <= max_size)
        and axis == a.ndim - 1
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
def _softmax_rows(x, out):
    m, n = x.shape
    for i in range(m):
        mx = x[i, 0]
        for j in range(1, n):
            v = x[i, j]
            if v > mx or v != v:  # NaN wins, so the row comes out NaN as in numpy
                mx = v
        s = 0.0
        for j in range(n):
            e = np.exp(np.float64(x[i, j]) - mx)
            out[i, j] = e
            s += e
        inv = 1.0 / s
        for j in range(n):
            out[i, j] = out[i, j] * inv


@njit(cache=True, error_model="numpy")
def _log_softmax_rows(x, out):
    m, n = x.shape
    for i in range(m):
        mx = x[i, 0]
        for j in range(1, n):
            v = x[i, j]
            if v > mx or v != v:
                mx = v
        s = 0.0
        for j in range(n):
            s += np.exp(np.float64(x[i, j]) - mx)
        lse = np.log(s)
        for j in range(n):  # (x - max) - log(s): exact at the maximum, unlike x - (max + log s)
            out[i, j] = (np.float64(x[i, j]) - mx) - lse


@njit(cache=True, error_model="numpy")
def _softmax_backward_rows(g, y, out):
    m, n = g.shape
    for i in range(m):
        s = 0.0
        for j in range(n):
            s += np.float64(g[i, j]) * y[i, j]
        for j in range(n):
            out[i, j] = y[i, j] * (g[i, j] - s)


@njit(cache=True, error_model="numpy")
def _log_softmax_backward_rows(g, y, out):
    m, n = g.shape
    for i in range(m):
        s = 0.0
        for j in range(n):
            s += g[i, j]
        for j in range(n):
            out[i, j] = g[i, j] - np.exp(np.float64(y[i, j])) * s


def _run_rows(loop, *arrays):
    a = arrays[0]
    n = a.shape[-1]
    out = np.empty(a.shape, dtype=a.dtype)
    loop(*[b.reshape(-1, n) for b in arrays], out.reshape(-1, n))
    return out


def softmax_nb(x):
    """Numba softmax over the last axis of a non-empty C-contiguous float array."""
    return _run_rows(_softmax_rows, x)


def log_softmax_nb(x):
    """Numba log-softmax over the last axis of a non-empty C-contiguous float array."""
    return _run_rows(_log_softmax_rows, x)


def softmax_backward_nb(g, y):
    """Numba ``y * (g - sum(g * y))`` over the last axis (same-shape contiguous g, y)."""
    return _run_rows(_softmax_backward_rows, g, y)


def log_softmax_backward_nb(g, y):
    """Numba ``g - exp(y) * sum(g)`` over the last axis (same-shape contiguous g, y)."""
    return _run_rows(_log_softmax_backward_rows, g, y)


# -- dispatch ----------------------------------------------------------------------------

def softmax(x, axis):
    """Softmax of float array ``x`` along non-negative ``axis``; a new array like ``x``."""
    return softmax_nb(x) if _rows(axis, x, max_size=EXP_LOOP_MAX_SIZE) else softmax_np(x, axis)


def log_softmax(x, axis):
    """Log-softmax of float array ``x`` along non-negative ``axis``."""
    if _rows(axis, x, max_size=EXP_LOOP_MAX_SIZE):
        return log_softmax_nb(x)
    return log_softmax_np(x, axis)


def softmax_backward(g, y, axis):
    """Softmax's input gradient from output gradient ``g`` and output ``y`` (same shape)."""
    if _rows(axis, g, y):
        return softmax_backward_nb(g, y)
    return softmax_backward_np(g, y, axis)


def log_softmax_backward(g, y, axis):
    """Log-softmax's input gradient from output gradient ``g`` and output ``y``."""
    if _rows(axis, g, y, max_size=EXP_LOOP_MAX_SIZE):
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
