"""numpy twins of the elementwise kernels: the reference the Numba loops are tested
against, and the path for float16 and for ``AUTOGRAD_CORE_KERNELS=numpy``.

Each takes arrays of any layout and broadcastable shapes (or numpy scalars), then its
scalar parameters, and returns a new array in the operands' common floating dtype.
Formulations are the stable ones (exp only ever sees non-positive arguments).
"""
import functools

import numpy as np

__all__ = ["relu_np", "relu_backward_np", "sigmoid_np", "sigmoid_backward_np", "tanh_backward_np",
           "leaky_relu_np", "leaky_relu_backward_np", "elu_np", "elu_backward_np",
           "softplus_np", "softplus_backward_np", "result_dtype"]


def result_dtype(arrays):
    """The floating dtype of the result: numpy's promotion, integers and bools lifted
    to floating point (at least float32)."""
    dt = arrays[0].dtype
    if dt.kind == "f" and all(a.dtype == dt for a in arrays[1:]):
        return dt  # the common case, without result_type's cost
    dt = np.result_type(*arrays)
    return dt if dt.kind == "f" else np.result_type(dt, np.float32)


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
    dt = result_dtype(arrays)
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


@_twin(1)
def relu_np(x):
    """``x`` where ``x >= 0`` or NaN, else 0 (-0.0 stays -0.0, as PyTorch)."""
    dt, (x,) = _floats((x,))
    return np.where(x < 0, 0, x).astype(dt, copy=False)


@_twin(2)
def relu_backward_np(g, y):
    """0 where ``y <= 0``, else ``g`` (y is relu's output; as PyTorch, NaN in g is
    masked where y <= 0, and a NaN y passes g)."""
    dt, (g, y) = _floats((g, y))
    return np.where(y <= 0, 0, g).astype(dt, copy=False)


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
    return np.where(x <= 0, g * neg, g)


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
