"""Elementwise activation kernels: forward and fused backward, each a Numba loop with a
numpy twin.

Why loops: the numpy forms are chains of temporaries (a stable sigmoid is abs, exp,
divide, where: four passes and three temporaries; relu backward is a compare and a
where), while a Numba loop reads each input once and writes the output once.

Every public function here takes ndarrays (or numpy scalars) of any layout and any
shapes that broadcast, and returns a new array of the broadcast shape in the inputs'
common floating dtype (C-contiguous from a loop; the twin keeps numpy's layout choice).
float32 and float64 operands run the Numba loop when ``kernels.USE_NUMBA`` is set
(raveled, with contiguous copies made only where needed); float16, exp-based kernels
on large arrays (``MAX_NUMBA_SIZE_EXP``) and the ``AUTOGRAD_CORE_KERNELS=numpy`` debug
switch run the twin. ``njit`` without a signature compiles lazily, once per dtype, on
the first call, and ``cache=True`` keeps the machine code across processes.

Gradient conventions follow PyTorch: relu'(0) = 0, leaky_relu'(0) = negative_slope,
elu'(0) = alpha, softplus is linear (gradient 1) where beta * x > threshold.
"""
import functools
import math

import numpy as np
from numba import njit

from . import USE_NUMBA

__all__ = [
    "MAX_NUMBA_SIZE_EXP",
    "relu_backward", "sigmoid", "sigmoid_backward", "tanh_backward",
    "leaky_relu", "leaky_relu_backward", "elu", "elu_backward",
    "softplus", "softplus_backward",
    "relu_backward_np", "sigmoid_np", "sigmoid_backward_np", "tanh_backward_np",
    "leaky_relu_np", "leaky_relu_backward_np", "elu_np", "elu_backward_np",
    "softplus_np", "softplus_backward_np",
]

#: Loops built on exp/log1p run on Numba only up to this many elements. Numba has no
#: vector exp here (no SVML), so each element is a scalar libm call, while numpy's exp
#: is SIMD: past about a thousand elements the twin's several passes are faster. Below
#: it the single loop wins because it pays one dispatch instead of several ufunc calls.
MAX_NUMBA_SIZE_EXP = 1024

_FAST = (np.dtype(np.float32), np.dtype(np.float64))


def _dtype(arrays):
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


# -- numpy twins (the reference; also the small-array and float16 path) ---------------

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


def _floats(arrays):
    dt = _dtype(arrays)
    return dt, tuple(a.astype(dt, copy=False) for a in arrays)


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


@_twin(2)
def relu_backward_np(g, y):
    """``g`` where ``y > 0`` else 0 (y is relu's output; NaN in g is masked, as PyTorch)."""
    dt, (g, y) = _floats((g, y))
    return np.where(y > 0, g, 0).astype(dt, copy=False)


@_twin(1)
def sigmoid_np(x):
    dt, (x,) = _floats((x,))
    return _stable_sigmoid(x)


@_twin(2)
def sigmoid_backward_np(g, y):
    """``g * (1 - y) * y`` with y = sigmoid(x)."""
    dt, (g, y) = _floats((g, y))
    out = 1 - y
    out *= y
    return np.multiply(out, g, out=out) if out.shape == g.shape else out * g


@_twin(2)
def tanh_backward_np(g, y):
    """``g * (1 - y * y)`` with y = tanh(x)."""
    dt, (g, y) = _floats((g, y))
    out = y * y
    np.subtract(1, out, out=out)
    return np.multiply(out, g, out=out) if out.shape == g.shape else out * g


@_twin(1)
def leaky_relu_np(x, negative_slope):
    dt, (x,) = _floats((x,))
    return np.where(x > 0, x, x * dt.type(negative_slope))


@_twin(2)
def leaky_relu_backward_np(g, x, negative_slope):
    dt, (g, x) = _floats((g, x))
    return np.where(x > 0, g, g * dt.type(negative_slope))


@_twin(1)
def elu_np(x, alpha):
    dt, (x,) = _floats((x,))
    neg = np.minimum(x, 0)  # expm1 only sees x <= 0: large x cannot overflow
    np.expm1(neg, out=neg)
    neg *= dt.type(alpha)
    return np.where(x > 0, x, neg)


@_twin(2)
def elu_backward_np(g, x, alpha):
    dt, (g, x) = _floats((g, x))
    neg = np.minimum(x, 0)
    np.exp(neg, out=neg)
    neg *= dt.type(alpha)
    return np.where(x > 0, g, g * neg)


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


@_twin(2)
def softplus_backward_np(g, x, beta, threshold):
    dt, (g, x) = _floats((g, x))
    z = x * dt.type(beta)
    return np.where(z > threshold, g, g * _stable_sigmoid(z))


# -- Numba loops over raveled contiguous arrays -----------------------------------------

@njit(cache=True)
def _relu_backward_nb(g, y, out):
    for i in range(out.size):
        out[i] = g[i] if y[i] > 0 else 0


@njit(cache=True)
def _sigmoid_nb(x, out):
    for i in range(out.size):
        z = x[i]
        if z >= 0:
            out[i] = 1 / (1 + math.exp(-z))
        else:
            e = math.exp(z)
            out[i] = e / (1 + e)


@njit(cache=True)
def _sigmoid_backward_nb(g, y, out):
    for i in range(out.size):
        out[i] = g[i] * (1 - y[i]) * y[i]


@njit(cache=True)
def _tanh_backward_nb(g, y, out):
    for i in range(out.size):
        out[i] = g[i] * (1 - y[i] * y[i])


@njit(cache=True)
def _leaky_relu_nb(x, slope, out):
    for i in range(out.size):
        v = x[i]
        out[i] = v if v > 0 else v * slope


@njit(cache=True)
def _leaky_relu_backward_nb(g, x, slope, out):
    for i in range(out.size):
        out[i] = g[i] if x[i] > 0 else g[i] * slope


@njit(cache=True)
def _elu_nb(x, alpha, out):
    for i in range(out.size):
        v = x[i]
        out[i] = v if v > 0 else alpha * math.expm1(v)


@njit(cache=True)
def _elu_backward_nb(g, x, alpha, out):
    for i in range(out.size):
        v = x[i]
        out[i] = g[i] if v > 0 else g[i] * (alpha * math.exp(v))


@njit(cache=True)
def _softplus_nb(x, beta, threshold, out):
    for i in range(out.size):
        v = x[i]
        z = v * beta
        if z > threshold:
            out[i] = v
        else:
            out[i] = (max(z, 0) + math.log1p(math.exp(-abs(z)))) / beta


@njit(cache=True)
def _softplus_backward_nb(g, x, beta, threshold, out):
    for i in range(out.size):
        z = x[i] * beta
        if z > threshold:
            out[i] = g[i]
        elif z >= 0:
            out[i] = g[i] / (1 + math.exp(-z))
        else:
            e = math.exp(z)
            out[i] = g[i] * (e / (1 + e))


# -- dispatch -------------------------------------------------------------------------

def _run(loop, twin, arrays, params=(), max_size=None):
    """Run ``loop`` on raveled C-contiguous operands (the Numba path), or ``twin`` on the
    arrays as they are (numpy broadcasts and strides by itself). Above ``max_size``
    elements the twin runs (see ``MAX_NUMBA_SIZE_EXP``)."""
    x = arrays[0]
    dt, shape = x.dtype, x.shape
    size = x.size
    plain = dt.kind == "f"  # one floating dtype, one shape: no promotion or broadcast
    for a in arrays[1:]:
        if a.dtype != dt or a.shape != shape:
            plain = False
    if not plain:
        dt = _dtype(arrays)
        shape = np.broadcast_shapes(*[a.shape for a in arrays])
        size = math.prod(shape)
    if not (USE_NUMBA and dt in _FAST
            and (max_size is None or size <= max_size)):
        out = twin(*arrays, *params)
        return out if out.dtype == dt else out.astype(dt)
    if not plain:
        arrays, shape = _prep(arrays, dt)
    out = np.empty(shape, dtype=dt)
    # ravel() is a view of a C-contiguous array and a contiguous copy of anything else;
    # scalars go in the array's dtype so float32 math stays float32, like the twin
    loop(*[a.ravel() for a in arrays], *[dt.type(p) for p in params], out.ravel())
    return out


def relu_backward(g, y):
    """Gradient of relu from its output ``y``: ``g`` where ``y > 0``, else 0."""
    return _run(_relu_backward_nb, relu_backward_np, (g, y))


def sigmoid(x):
    """``1 / (1 + exp(-x))``, overflow-free for any finite x."""
    return _run(_sigmoid_nb, sigmoid_np, (x,), (), MAX_NUMBA_SIZE_EXP)


def sigmoid_backward(g, y):
    """Gradient of sigmoid from its output ``y``: ``g * y * (1 - y)``."""
    return _run(_sigmoid_backward_nb, sigmoid_backward_np, (g, y))


def tanh_backward(g, y):
    """Gradient of tanh from its output ``y``: ``g * (1 - y**2)``."""
    return _run(_tanh_backward_nb, tanh_backward_np, (g, y))


def leaky_relu(x, negative_slope):
    """``x`` where ``x > 0``, else ``negative_slope * x``."""
    return _run(_leaky_relu_nb, leaky_relu_np, (x,), (negative_slope,))


def leaky_relu_backward(g, x, negative_slope):
    """``g`` where ``x > 0``, else ``negative_slope * g``."""
    return _run(_leaky_relu_backward_nb, leaky_relu_backward_np, (g, x), (negative_slope,))


def elu(x, alpha):
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    return _run(_elu_nb, elu_np, (x,), (alpha,), MAX_NUMBA_SIZE_EXP)


def elu_backward(g, x, alpha):
    """``g`` where ``x > 0``, else ``g * alpha * exp(x)``."""
    return _run(_elu_backward_nb, elu_backward_np, (g, x), (alpha,), MAX_NUMBA_SIZE_EXP)


def softplus(x, beta, threshold):
    """``log(1 + exp(beta x)) / beta``, or ``x`` where ``beta x > threshold``."""
    return _run(_softplus_nb, softplus_np, (x,), (beta, threshold), MAX_NUMBA_SIZE_EXP)


def softplus_backward(g, x, beta, threshold):
    """``g * sigmoid(beta x)``, or ``g`` where ``beta x > threshold``."""
    return _run(_softplus_backward_nb, softplus_backward_np, (g, x), (beta, threshold), MAX_NUMBA_SIZE_EXP)
