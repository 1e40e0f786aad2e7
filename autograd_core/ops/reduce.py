"""Reductions: the primitives ``sum`` and ``logsumexp``, and the Tensor methods of the
whole family (``mean``/``var``/``std`` are derived here; ``prod`` lives in ``prod.py``,
extremes in ``minmax.py``, norms in ``norm.py``, softmax in ``softmax.py``, the
module-level functions in ``reduce_functions.py``).

Conventions, as PyTorch: ``dim`` is an int, a tuple/list of ints or None (every dim),
negatives allowed; ``keepdim`` keeps reduced dims as size 1; numpy's ``axis=`` and
``keepdims=`` are accepted too. Unlike PyTorch, an empty tuple ``dim=()`` reduces
nothing (numpy's rule) rather than everything; and ``max``/``min`` with a dim (``axis=``
too) return PyTorch's (values, indices) named tuple, not numpy's values. Shapes:
reducing S over dims D gives S without D, or S with D set to 1 under keepdim.

Forward calls numpy: each reduction is already one compiled pass. Backward rules are
Tensor operations (with constant masks where the function is piecewise), so
grad-of-grad works.
"""
import math

import numpy as np

from .. import dtypes
from ..function import Function
from ..kernels import reduce as K
from ..shapes import normalize_dims
from .minmax import (Amax, Amin, MaxDim, MinDim, Argmax, Argmin, return_types,
                     keep_shape)
from .norm import Norm, norm_order
from .prod import Prod
from .registry import register
from .softmax import Softmax, LogSoftmax, SoftmaxBackward, LogSoftmaxBackward
from .reduce_functions import (sum, mean, var, std, var_mean, std_mean, prod, norm,
                               logsumexp, max, min, amax, amin, argmax, argmin, softmax,
                               log_softmax)

__all__ = [
    "Sum", "Prod", "LogSumExp", "Norm", "Amax", "Amin", "MaxDim", "MinDim", "Argmax",
    "Argmin", "Softmax", "LogSoftmax", "SoftmaxBackward", "LogSoftmaxBackward",
    "ReduceMethods", "return_types",
    "sum", "mean", "var", "std", "var_mean", "std_mean", "prod", "norm", "logsumexp",
    "max", "min", "amax", "amin", "argmax", "argmin", "softmax", "log_softmax",
]
# NB: this module's globals ``sum``, ``max``, ``min`` are the Tensor functions above,
# not the builtins; the code below does not use the builtins.


@register("sum", "reduce")
class Sum(Function):
    """Sum over ``dims`` (a normalized tuple of axes). The engine calls it to reduce
    broadcast gradients, so forward and backward are kept to the minimum."""

    def forward(self, a, dims, keepdim):
        self.dims = dims
        self.keepdim = keepdim
        self.in_shape = a.shape
        return np.asarray(np.sum(a, axis=dims, keepdims=keepdim))

    def backward(self, g):
        if not self.keepdim and self.dims:
            g = g.reshape(keep_shape(self.in_shape, self.dims))
        return g.expand(self.in_shape)

    def array_backward(self, g):
        if not self.keepdim and self.dims:
            g = g.reshape(keep_shape(self.in_shape, self.dims))
        return np.broadcast_to(g, self.in_shape)  # a read-only view, as Expand gives


@register("logsumexp", "reduce")
class LogSumExp(Function):
    """log(sum(exp(x))) over ``dims``, stable (the slice maximum is subtracted)."""

    def forward(self, a, dims, keepdim):
        self.dims = dims
        self.keepdim = keepdim
        y = np.asarray(K.logsumexp(a, dims, keepdim))
        self.save_for_backward(a)
        return y

    def backward(self, g):
        # The gradient is softmax(x) over dims. exp(x - y) would inherit y's rounding
        # (|y| ~ 1e4 in float32 leaves ~1e-3 absolute error, 1e-4 relative in the
        # result), so shift by the slice maximum instead: x - m is exact near the top.
        # m is a constant: the value does not depend on the shift.
        (x,) = self.saved_tensors
        if not self.keepdim:
            g = g.reshape(keep_shape(x.shape, self.dims))
        if x._data.size == 0:
            return g * x
        e = (x - x._make(self._shift(x._data))).exp()
        return g * (e / e._apply(Sum, e, dims=self.dims, keepdim=True))

    def array_backward(self, g):
        (x,) = self.saved_arrays
        if not self.keepdim:
            g = g.reshape(keep_shape(x.shape, self.dims))
        if x.size == 0:
            return np.multiply(g, x)
        d = np.subtract(x, self._shift(x))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as Exp
            e = np.asarray(np.exp(d))
        s = np.asarray(np.sum(e, axis=self.dims, keepdims=True))
        with np.errstate(divide="ignore", invalid="ignore"):  # as Div
            p = np.true_divide(e, s)
        return np.multiply(g, p)

    def _shift(self, x):
        """The slice maxima (keepdim shape), 0 where not finite."""
        m = np.array(np.max(x, axis=self.dims, keepdims=True))
        m[~np.isfinite(m)] = 0
        return m


# -- argument handling -------------------------------------------------------------------

_DIMS = {}  # (dim, ndim) -> normalized dims: a pure memo of shapes.normalize_dims


def _dims(op, dim, ndim):
    """``normalize_dims`` memoized: the engine reduces every broadcast gradient through
    ``sum``, always with the same few dim tuples, and the validation loop would cost
    more than a small reduction itself. Invalid dims are never cached (they raise)."""
    key = (dim, ndim)
    try:
        return _DIMS[key]
    except KeyError:
        dims = normalize_dims(op, dim, ndim)
        if len(_DIMS) < 4096:
            _DIMS[key] = dims
        return dims
    except TypeError:  # an unhashable dim (a list): not memoized
        return normalize_dims(op, dim, ndim)

def _args(op, dim, keepdim, axis, keepdims):
    """Merge numpy's ``axis``/``keepdims`` into ``dim``/``keepdim``."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}(): got both dim={dim!r} and axis={axis!r}; pass one")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def _one_dim(op, dim, ndim):
    """A single dim as a normalized 1-tuple (() for a 0-d input)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(
            f"{op}(): dim must be an int, got {type(dim).__name__} {dim!r}"
            + ("; use amax/amin to reduce several dims" if op in ("max", "min") else "")
        )
    return _dims(op, dim, ndim)


def _float(op, x, dtype=None):
    """``x`` cast to ``dtype`` if given; raises TypeError unless it is floating point."""
    if dtype is not None:
        x = x.astype(dtype)
    if not dtypes.is_float(x._data.dtype):
        raise TypeError(
            f"{op}(): expected a floating point tensor, got dtype {x._data.dtype} "
            "(cast it first, or pass dtype=)"
        )
    return x


def _count(shape, dims):
    return math.prod(shape[d] for d in dims)


def _correction(op, unbiased, correction, ddof):
    if correction is not None and ddof is not None:
        raise TypeError(f"{op}(): got both correction= and ddof=; pass one")
    c = correction if correction is not None else ddof
    return (1 if unbiased else 0) if c is None else c


class ReduceMethods:
    """Tensor reductions (see the module docstring for dim/keepdim conventions)."""

    __slots__ = ()

    def sum(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        """Sum over ``dim``; bool and integer tensors sum to int64 (as PyTorch)."""
        if axis is not None or keepdims is not None:
            dim, keepdim = _args("sum", dim, keepdim, axis, keepdims)
        x = self if dtype is None else self.astype(dtype)
        return x._apply(Sum, x, dims=_dims("sum", dim, x._data.ndim),
                        keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        """Arithmetic mean over ``dim`` (NaN for an empty reduction, as numpy)."""
        dim, keepdim = _args("mean", dim, keepdim, axis, keepdims)
        x = _float("mean", self, dtype)
        dims = _dims("mean", dim, x._data.ndim)
        return x._apply(Sum, x, dims=dims, keepdim=keepdim) / _count(x.shape, dims)

    def _moments(self, op, dim, unbiased, keepdim, correction, axis, keepdims, ddof):
        """(variance, mean with keepdim) over ``dim``; the variance is two-pass
        (sum of squared deviations from the mean) for accuracy."""
        if isinstance(dim, bool):  # legacy var(unbiased)
            dim, unbiased = None, dim
        dim, keepdim = _args(op, dim, keepdim, axis, keepdims)
        c = _correction(op, unbiased, correction, ddof)
        x = _float(op, self)
        dims = _dims(op, dim, x._data.ndim)
        n = _count(x.shape, dims)
        mu = x._apply(Sum, x, dims=dims, keepdim=True) / n
        d = x - mu
        sq = d * d
        dof = n - c if n > c else 0  # PyTorch clamps: 0 gives inf/NaN, not a sign flip
        v = sq._apply(Sum, sq, dims=dims, keepdim=keepdim) / dof
        return v, mu, dims

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None):
        """Variance over ``dim`` with Bessel's correction by default.
        ``correction`` (or numpy's ``ddof``) overrides ``unbiased``: divide by n - c."""
        return self._moments("var", dim, unbiased, keepdim, correction, axis, keepdims,
                             ddof)[0]

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None):
        """Standard deviation: sqrt of ``var`` (same arguments); gradient 0 where the
        variance is 0 (PyTorch's subgradient) instead of NaN."""
        v = self._moments("std", dim, unbiased, keepdim, correction, axis, keepdims,
                          ddof)[0]
        return _sqrt0(v)

    def _var_mean(self, op, dim, unbiased, keepdim, correction, axis, keepdims, ddof):
        v, mu, dims = self._moments(op, dim, unbiased, keepdim, correction, axis,
                                    keepdims, ddof)
        if not v.shape == mu.shape:
            mu = mu.reshape(v.shape)
        return (_sqrt0(v) if op == "std_mean" else v), mu

    def prod(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        """Product over ``dim`` (1 for an empty reduction); exact gradient with zeros."""
        dim, keepdim = _args("prod", dim, keepdim, axis, keepdims)
        x = self if dtype is None else self.astype(dtype)
        return x._apply(Prod, x, dims=_dims("prod", dim, x._data.ndim),
                        keepdim=keepdim)

    def norm(self, p=2, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        """Vector p-norm over ``dim`` (every entry by default): p a number, inf, -inf
        or 'fro' (= 2). The gradient at the zero vector is 0 (a subgradient)."""
        dim, keepdim = _args("norm", dim, keepdim, axis, keepdims)
        order = norm_order(p)
        x = _float("norm", self, dtype)
        return x._apply(Norm, x, p=order, dims=_dims("norm", dim, x._data.ndim),
                        keepdim=keepdim)

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """log(sum(exp(x))) over ``dim``, stable for large |x|; integer input becomes
        the default float dtype."""
        dim, keepdim = _args("logsumexp", dim, keepdim, axis, keepdims)
        x = self
        if not dtypes.is_float(x._data.dtype):
            x = x.astype(dtypes.get_default_dtype())
        return x._apply(LogSumExp, x, dims=_dims("logsumexp", dim, x._data.ndim),
                        keepdim=keepdim)

    # -- extremes -------------------------------------------------------------------
    def _extreme(self, op, dim, keepdim, axis, keepdims, all_cls, dim_cls, result):
        if hasattr(dim, "_data"):  # max(other): the elementwise maximum, as PyTorch
            fn = getattr(self, "maximum" if op == "max" else "minimum", None)
            if fn is None:
                raise TypeError(f"{op}(other): the elementwise {op}imum is not available")
            return fn(dim)
        dim, keepdim = _args(op, dim, keepdim, axis, keepdims)
        if dim is None:
            return self._apply(all_cls, self, dims=tuple(range(self._data.ndim)),
                               keepdim=keepdim, op=op)
        return result(*self._apply(dim_cls, self, dim=_one_dim(op, dim, self._data.ndim),
                                   keepdim=keepdim, op=op))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """``max()``: the largest entry (gradient split evenly among ties).
        ``max(dim, keepdim=False)``: a (values, indices) named tuple; indices are int64
        and the gradient goes to the indexed entry. ``max(other)``: elementwise maximum."""
        return self._extreme("max", dim, keepdim, axis, keepdims, Amax, MaxDim,
                             return_types.max)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """``min()``, ``min(dim, keepdim=False)`` -> (values, indices), ``min(other)``."""
        return self._extreme("min", dim, keepdim, axis, keepdims, Amin, MinDim,
                             return_types.min)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Maximum over ``dim`` (int, tuple or None); gradient split evenly among ties."""
        dim, keepdim = _args("amax", dim, keepdim, axis, keepdims)
        return self._apply(Amax, self, dims=_dims("amax", dim, self._data.ndim),
                           keepdim=keepdim)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Minimum over ``dim`` (int, tuple or None); gradient split evenly among ties."""
        dim, keepdim = _args("amin", dim, keepdim, axis, keepdims)
        return self._apply(Amin, self, dims=_dims("amin", dim, self._data.ndim),
                           keepdim=keepdim)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """int64 index of the first maximum along ``dim`` (of the flattened tensor if
        None); not differentiable."""
        dim, keepdim = _args("argmax", dim, keepdim, axis, keepdims)
        d = None if dim is None else _one_dim("argmax", dim, self._data.ndim)
        return self._apply(Argmax, self, dim=d, keepdim=keepdim)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """int64 index of the first minimum along ``dim`` (flattened if None)."""
        dim, keepdim = _args("argmin", dim, keepdim, axis, keepdims)
        d = None if dim is None else _one_dim("argmin", dim, self._data.ndim)
        return self._apply(Argmin, self, dim=d, keepdim=keepdim)

    # -- softmax ---------------------------------------------------------------------
    def _softmax(self, op, cls, dim, dtype, axis):
        dim, _ = _args(op, dim, False, axis, None)
        if dim is None:
            raise TypeError(f"{op}(): dim is required (the dim that will sum to 1)")
        x = _float(op, self, dtype)
        d = _one_dim(op, dim, x._data.ndim)
        return x._apply(cls, x, dim=d[0] if d else 0)

    def softmax(self, dim=None, dtype=None, *, axis=None):
        """exp(x) / sum(exp(x)) along ``dim``, stable and exact for logits of +-1e4."""
        return self._softmax("softmax", Softmax, dim, dtype, axis)

    def log_softmax(self, dim=None, dtype=None, *, axis=None):
        """x - logsumexp(x) along ``dim``, finite for logits of +-1e4."""
        return self._softmax("log_softmax", LogSoftmax, dim, dtype, axis)


def _sqrt0(v):
    """sqrt(v) whose gradient is 0, not NaN, where v == 0: those entries are shifted to
    sqrt(0 + 1) - 1, which has the same value and a finite derivative (the chain rule
    then multiplies it by var's zero gradient there)."""
    zero = v._data == 0
    if not zero.any():
        return v ** 0.5
    m = v._make(zero.astype(v._data.dtype))
    return (v + m) ** 0.5 - m
