"""Activation kernels: relu, sigmoid, tanh (backward only: numpy's tanh is one pass),
leaky_relu, elu, softplus and their fused backwards. Each concept below is its Numba
loop, its numpy twin (``<name>_np``: the reference the loops are tested against, and the
path for float16 and ``AUTOGRAD_CORE_KERNELS=numpy``) and its dispatcher, side by side.
Why loops, and the figures behind each choice: docs/design-notes/activation-kernels.md.

Every dispatcher takes ndarrays (or numpy scalars) of any layout and any shapes that
broadcast, then its scalar parameters, and returns a new array of the broadcast shape in
the inputs' common floating dtype. float32 and float64 run on Numba when ``USE_NUMBA``
is set (operands raveled; contiguous copies made only where needed); other dtypes and the
numpy switch run the twins. ``njit`` without a signature compiles lazily, once per dtype,
on the first call; ``cache=True`` keeps the machine code across processes;
``error_model="numpy"`` drops Python's division check, which stops LLVM vectorising.

exp-based loops call ``fastmath.exp`` / ``expm1`` / ``log1p_unit`` (no SIMD exp in Numba
here; see ``fastmath.py``), each on -|x| or min(x, 0), so nothing overflows. They are
compute-bound on one core, so a call of ``split.MIN_SIZE`` elements or more runs a
``*_split`` driver: the same loop on chunks shared with a helper thread per extra core
(``split.py``; bitwise the serial result).

Gradient conventions follow PyTorch: relu'(0) = 0, leaky_relu'(0) = negative_slope,
elu'(0) = alpha, softplus is linear (gradient 1) where beta * x > threshold; and its
tests' NaN behaviour (relu and elu pass ``g`` at a NaN input, leaky_relu scales it).
The twins' formulations are the stable ones (exp only ever sees non-positive arguments).
"""
import functools
import math

import numpy as np

from . import buffers as _buffers  # large outputs come from a pool (see buffers.py)
from . import fastmath as _fm  # numba-free until a kernel compiles (see fastmath.py)
from . import njit  # lazy: numba is imported on first use
from . import split as _sp  # large exp/log calls shared with a helper thread
from . import USE_NUMBA

__all__ = [
    "relu", "relu_backward", "sigmoid", "sigmoid_backward", "tanh_backward",
    "leaky_relu", "leaky_relu_backward", "elu", "elu_backward",
    "softplus", "softplus_backward",
    "relu_np", "relu_backward_np", "sigmoid_np", "sigmoid_backward_np", "tanh_backward_np",
    "leaky_relu_np", "leaky_relu_backward_np", "elu_np", "elu_backward_np",
    "softplus_np", "softplus_backward_np", "result_dtype",
]

_FAST = (np.dtype(np.float32), np.dtype(np.float64))
_F32, _F64 = _FAST
_empty = np.empty
_SMALL = 4096  # elements: _run's fast path for tiny 1-D operands (see there)


# -- shared by every concept: dtypes, the dispatcher, the twins' wrapper ----------------

def result_dtype(arrays):
    """The floating dtype of the result: numpy's promotion, integers and bools lifted
    to floating point (at least float32)."""
    dt = arrays[0].dtype
    if dt.kind == "f" and all(a.dtype == dt for a in arrays[1:]):
        return dt  # the common case, without result_type's cost
    dt = np.result_type(*arrays)
    return dt if dt.kind == "f" else np.result_type(dt, np.float32)


def _prep(arrays, dt):
    """``arrays`` broadcast to one shape and cast to ``dt``, each C-contiguous (copies
    only what is not already so). Returns ``(arrays, shape)``."""
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays[1:]):
        arrays = np.broadcast_arrays(*arrays)
        shape = arrays[0].shape
    return tuple(
        a if a.dtype == dt and a.flags.c_contiguous else np.ascontiguousarray(a, dtype=dt)
        for a in arrays
    ), shape


def _run(loop, twin, arrays, params=(), split=None):
    """Run ``loop`` on raveled C-contiguous operands, or ``twin`` on the arrays as they
    are (numpy broadcasts and strides by itself). A call of ``split.MIN_SIZE`` elements
    or more runs ``split`` (the loop's chunk driver) on all the library's threads."""
    x = arrays[0]
    dt = x.dtype
    if (dt is _F32 or dt is _F64) and x.ndim == 1 and x.size <= _SMALL and USE_NUMBA:
        # Tiny 1-D operands of one dtype and length, all contiguous (the per-op overhead
        # case): the loop runs on them as they are (their ravel() would be the same
        # views) into a plain np.empty (the pool serves only large arrays); the general
        # route below costs more than the compiled call itself. (``is`` on the dtype:
        # any other float32 descriptor, e.g. byte-swapped, goes below.)
        shape = x.shape
        if len(arrays) == 2:  # the backward kernels (g, y): no loop, no star-call
            y = arrays[1]
            if (y.dtype is dt and y.shape == shape and x.flags.c_contiguous
                    and y.flags.c_contiguous):
                out = _empty(shape, dt)
                if params:
                    loop(x, y, *[dt.type(p) for p in params], out)
                else:
                    loop(x, y, out)
                return out
        else:
            for a in arrays:
                if a.dtype is not dt or a.shape != shape or not a.flags.c_contiguous:
                    break
            else:
                out = _empty(shape, dt)
                if params:
                    loop(*arrays, *[dt.type(p) for p in params], out)
                else:
                    loop(*arrays, out)
                return out
    shape = x.shape
    plain = dt.kind == "f"  # one floating dtype, one shape: no promotion or broadcast
    for a in arrays[1:]:
        if a.dtype != dt or a.shape != shape:
            plain = False
    if not plain:
        dt = result_dtype(arrays)
        shape = np.broadcast_shapes(*[a.shape for a in arrays])
    if not (USE_NUMBA and dt in _FAST):
        out = twin(*arrays, *params)
        return out if out.dtype == dt else out.astype(dt)
    if not plain:
        arrays, shape = _prep(arrays, dt)
    out = _buffers.empty(shape, dt)
    # ravel() is a view of a C-contiguous array and a contiguous copy of anything else;
    # scalars go in the array's dtype so float32 math stays float32, like the twin
    args = (*[a.ravel() for a in arrays], *[dt.type(p) for p in params], out.ravel())
    if split is not None and out.size >= _sp.MIN_SIZE and _sp.use(out.size):
        _sp.share(split, args, out.size, _sp.CHUNK)
    else:
        loop(*args)
    return out


def _twin(n_arrays):
    """Decorator for a twin taking ``n_arrays`` arrays then scalars.

    - numpy scalars and 0-d arrays run as shape (1,) and are reshaped back (ufuncs
      return scalars for 0-d input, which the in-place steps cannot write into);
    - IEEE special results (inf * 0 = nan from an infinite incoming gradient) come
      without warnings, exactly as from the loops. The formulas themselves are stable:
      no finite input overflows.
    """

    def deco(fn):
        @functools.wraps(fn)
        def run(*args):
            arrays = [np.asarray(a) for a in args[:n_arrays]]
            with np.errstate(all="ignore"):
                if all(a.ndim == 0 for a in arrays):
                    return fn(*[a.reshape(1) for a in arrays], *args[n_arrays:]).reshape(())
                return fn(*arrays, *args[n_arrays:])

        return run

    return deco


def _floats(arrays):
    dt = result_dtype(arrays)
    return dt, tuple(a.astype(dt, copy=False) for a in arrays)


def _stable_sigmoid(z):
    """1 / (1 + exp(-z)) for a floating array, without overflow: exp only sees -|z|.
    In-place steps keep it to two temporaries."""
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    num = np.where(z >= 0, 1, e)  # 1/(1+e) for z >= 0, e/(1+e) below
    e += 1
    num /= e
    return num


# -- relu --------------------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _relu_nb(x, out):
    # a select, not np.maximum (several times faster, see the design note); NaN and
    # -0.0 pass
    zero = out.dtype.type(0)
    for i in range(out.size):
        v = x[i]
        out[i] = zero if v < zero else v


@_twin(1)
def relu_np(x):
    """``x`` where ``x >= 0`` or NaN, else 0 (-0.0 stays -0.0, as PyTorch)."""
    dt, (x,) = _floats((x,))
    return np.where(x < 0, 0, x).astype(dt, copy=False)


def relu(x):
    """``max(x, 0)`` for a floating ``x``; NaN stays NaN and -0.0 stays -0.0 (PyTorch)."""
    return _run(_relu_nb, relu_np, (x,))


# -- relu backward -----------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _relu_backward_nb(g, y, out):
    for i in range(out.size):
        out[i] = 0 if y[i] <= 0 else g[i]  # PyTorch's test: NaN in y passes g


@_twin(2)
def relu_backward_np(g, y):
    """0 where ``y <= 0``, else ``g`` (y is relu's output; as PyTorch, NaN in g is
    masked where y <= 0, and a NaN y passes g)."""
    dt, (g, y) = _floats((g, y))
    return np.where(y <= 0, 0, g).astype(dt, copy=False)


def relu_backward(g, y):
    """Gradient of relu from its output ``y``: 0 where ``y <= 0``, else ``g``."""
    return _run(_relu_backward_nb, relu_backward_np, (g, y))


# -- sigmoid -----------------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _sigmoid_nb(x, out):
    one = out.dtype.type(1)  # typed constants: a Python 1 would make float32 math float64
    for i in range(out.size):
        z = x[i]
        e = _fm.exp(-abs(z))  # in (0, 1]: no overflow; NaN stays NaN
        num = e if z < 0 else one
        out[i] = num / (one + e)


# nogil: the caller and a helper thread run this driver at once, each taking chunks of
# the serial loop (split.py); the other exp-based kernels have one like it
@njit(cache=True, error_model="numpy", nogil=True)
def _sigmoid_split(work, x, out):
    lo, hi = _sp.span(work, 0)
    mine = 0
    while lo < hi:
        _sigmoid_nb(x[lo:hi], out[lo:hi])
        mine += hi - lo
        lo, hi = _sp.span(work, hi - lo)
    return mine  # items this thread did


@_twin(1)
def sigmoid_np(x):
    dt, (x,) = _floats((x,))
    return _stable_sigmoid(x)


def sigmoid(x):
    """``1 / (1 + exp(-x))``, overflow-free for any finite x."""
    return _run(_sigmoid_nb, sigmoid_np, (x,), (), _sigmoid_split)


# -- sigmoid backward --------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _sigmoid_backward_nb(g, y, out):
    one = out.dtype.type(1)  # a Python 1 would run the float32 loop in float64
    for i in range(out.size):
        out[i] = g[i] * (one - y[i]) * y[i]


@_twin(2)
def sigmoid_backward_np(g, y):
    """``g * (1 - y) * y`` with y = sigmoid(x)."""
    dt, (g, y) = _floats((g, y))
    out = 1 - y
    out *= y
    return np.multiply(out, g, out=out) if out.shape == g.shape else out * g


def sigmoid_backward(g, y):
    """Gradient of sigmoid from its output ``y``: ``g * y * (1 - y)``."""
    return _run(_sigmoid_backward_nb, sigmoid_backward_np, (g, y))


# -- tanh backward (the forward is numpy's tanh: one pass already) -----------------

@njit(cache=True, error_model="numpy")
def _tanh_backward_nb(g, y, out):
    one = out.dtype.type(1)
    for i in range(out.size):
        out[i] = g[i] * (one - y[i] * y[i])


@_twin(2)
def tanh_backward_np(g, y):
    """``g * (1 - y * y)`` with y = tanh(x)."""
    dt, (g, y) = _floats((g, y))
    out = y * y
    np.subtract(1, out, out=out)
    return np.multiply(out, g, out=out) if out.shape == g.shape else out * g


def tanh_backward(g, y):
    """Gradient of tanh from its output ``y``: ``g * (1 - y**2)``."""
    return _run(_tanh_backward_nb, tanh_backward_np, (g, y))


# -- leaky relu --------------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _leaky_relu_nb(x, slope, out):
    for i in range(out.size):
        v = x[i]
        out[i] = v if v > 0 else v * slope


@_twin(1)
def leaky_relu_np(x, negative_slope):
    dt, (x,) = _floats((x,))
    return np.where(x > 0, x, x * dt.type(negative_slope))


def leaky_relu(x, negative_slope):
    """``x`` where ``x > 0``, else ``negative_slope * x``."""
    return _run(_leaky_relu_nb, leaky_relu_np, (x,), (negative_slope,))


# -- leaky relu backward -----------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _leaky_relu_backward_nb(g, x, slope, out):
    for i in range(out.size):
        out[i] = g[i] if x[i] > 0 else g[i] * slope


@_twin(2)
def leaky_relu_backward_np(g, x, negative_slope):
    dt, (g, x) = _floats((g, x))
    return np.where(x > 0, g, g * dt.type(negative_slope))


def leaky_relu_backward(g, x, negative_slope):
    """``g`` where ``x > 0``, else ``negative_slope * g``."""
    return _run(_leaky_relu_backward_nb, leaky_relu_backward_np, (g, x), (negative_slope,))


# -- elu ---------------------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _elu_nb(x, alpha, out):
    zero = out.dtype.type(0)
    for i in range(out.size):
        v = x[i]
        out[i] = v if v > 0 else alpha * _fm.expm1(zero if v > zero else v)  # NaN stays


@njit(cache=True, error_model="numpy", nogil=True)
def _elu_split(work, x, alpha, out):
    lo, hi = _sp.span(work, 0)
    mine = 0
    while lo < hi:
        _elu_nb(x[lo:hi], alpha, out[lo:hi])
        mine += hi - lo
        lo, hi = _sp.span(work, hi - lo)
    return mine  # items this thread did


@_twin(1)
def elu_np(x, alpha):
    dt, (x,) = _floats((x,))
    neg = np.minimum(x, 0)  # expm1 only sees x <= 0: large x cannot overflow
    np.expm1(neg, out=neg)
    neg *= dt.type(alpha)
    return np.where(x > 0, x, neg)


def elu(x, alpha):
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    return _run(_elu_nb, elu_np, (x,), (alpha,), _elu_split)


# -- elu backward ------------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _elu_backward_nb(g, x, alpha, out):
    zero = out.dtype.type(0)
    for i in range(out.size):
        v = x[i]
        e = _fm.exp(zero if v > zero else v)
        out[i] = g[i] * (alpha * e) if v <= 0 else g[i]  # NaN x passes g


@njit(cache=True, error_model="numpy", nogil=True)
def _elu_backward_split(work, g, x, alpha, out):
    lo, hi = _sp.span(work, 0)
    mine = 0
    while lo < hi:
        _elu_backward_nb(g[lo:hi], x[lo:hi], alpha, out[lo:hi])
        mine += hi - lo
        lo, hi = _sp.span(work, hi - lo)
    return mine  # items this thread did


@_twin(2)
def elu_backward_np(g, x, alpha):
    dt, (g, x) = _floats((g, x))
    neg = np.minimum(x, 0)
    np.exp(neg, out=neg)
    neg *= dt.type(alpha)
    return np.where(x <= 0, g * neg, g)


def elu_backward(g, x, alpha):
    """``g`` where ``x > 0``, else ``g * alpha * exp(x)``."""
    return _run(_elu_backward_nb, elu_backward_np, (g, x), (alpha,), _elu_backward_split)


# -- softplus ----------------------------------------------------------------------

@njit(cache=True, error_model="numpy", inline="always")
def _softplus_one(v, beta, inv, threshold, zero, by_inv):
    z = v * beta
    zp = z if z > zero else zero
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): exp never overflows
    s = zp + _fm.log1p_unit(_fm.exp(-abs(z)))  # exp in (0, 1]
    return v if z > threshold else (s * inv if by_inv else s / beta)


@njit(cache=True, error_model="numpy")
def _softplus_nb(x, beta, threshold, out):
    # beta a power of two (PyTorch's default 1): times 1/beta is the same number as
    # divided by beta, and the loop keeps one division (log1p's) instead of two
    zero = out.dtype.type(0)
    inv = out.dtype.type(1) / beta
    m, _ = math.frexp(beta)
    if m == 0.5 and inv * beta == 1:
        for i in range(out.size):
            out[i] = _softplus_one(x[i], beta, inv, threshold, zero, True)
    else:
        for i in range(out.size):
            out[i] = _softplus_one(x[i], beta, inv, threshold, zero, False)


@njit(cache=True, error_model="numpy", nogil=True)
def _softplus_split(work, x, beta, threshold, out):
    lo, hi = _sp.span(work, 0)
    mine = 0
    while lo < hi:
        _softplus_nb(x[lo:hi], beta, threshold, out[lo:hi])
        mine += hi - lo
        lo, hi = _sp.span(work, hi - lo)
    return mine  # items this thread did


@_twin(1)
def softplus_np(x, beta, threshold):
    dt, (x,) = _floats((x,))
    z = x * dt.type(beta)
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): exp never overflows
    soft = np.abs(z)
    np.negative(soft, out=soft)
    np.exp(soft, out=soft)
    np.log1p(soft, out=soft)
    soft += np.maximum(z, 0)
    soft /= dt.type(beta)
    return np.where(z > threshold, x, soft)


def softplus(x, beta, threshold):
    """``log(1 + exp(beta x)) / beta``, or ``x`` where ``beta x > threshold``."""
    return _run(_softplus_nb, softplus_np, (x,), (beta, threshold), _softplus_split)


# -- softplus backward -------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _softplus_backward_nb(g, x, beta, threshold, out):
    one = out.dtype.type(1)
    for i in range(out.size):
        z = x[i] * beta
        e = _fm.exp(-abs(z))
        num = e if z < 0 else one
        out[i] = g[i] if z > threshold else g[i] * (num / (one + e))


@njit(cache=True, error_model="numpy", nogil=True)
def _softplus_backward_split(work, g, x, beta, threshold, out):
    lo, hi = _sp.span(work, 0)
    mine = 0
    while lo < hi:
        _softplus_backward_nb(g[lo:hi], x[lo:hi], beta, threshold, out[lo:hi])
        mine += hi - lo
        lo, hi = _sp.span(work, hi - lo)
    return mine  # items this thread did


@_twin(2)
def softplus_backward_np(g, x, beta, threshold):
    dt, (g, x) = _floats((g, x))
    z = x * dt.type(beta)
    return np.where(z > threshold, g, g * _stable_sigmoid(z))


def softplus_backward(g, x, beta, threshold):
    """``g * sigmoid(beta x)``, or ``g`` where ``beta x > threshold``."""
    return _run(_softplus_backward_nb, softplus_backward_np, (g, x), (beta, threshold),
                _softplus_backward_split)
