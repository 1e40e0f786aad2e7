"""Reductions: the primitives ``sum``, ``prod`` and ``logsumexp``, the derived
``mean``/``var``/``std``, and the Tensor methods and module-level functions of the
whole family (extremes live in ``minmax.py``, norms in ``norm.py``, softmax in
``softmax.py``; ``ReduceMethods`` gathers their methods).

Conventions, as PyTorch: ``dim`` is an int, a tuple/list of ints or None (every dim),
negatives allowed; ``keepdim`` keeps reduced dims as size 1; numpy's ``axis=`` and
``keepdims=`` are accepted too. Unlike PyTorch, an empty tuple ``dim=()`` reduces
nothing (numpy's rule) rather than everything; and ``max``/``min`` with a dim (``axis=``
too) return PyTorch's (values, indices) named tuple, not numpy's values. Shapes:
reducing S over dims D gives S without D, or S with D set to 1 under keepdim; an empty
product is 1, an empty sum 0.
"""
import math

from .. import dtypes
from ..backend import ARRAYS
from ..function import Primitive
from ..shapes import keep_shape
from ._dims import dim_args, floating, reduce_dims, tensor_arg
from .minmax import (Amax, Amin, MaxDim, MinDim, Argmax, Argmin, ExtremeMethods,
                     return_types, any_true, amax, amin, argmax, argmin,
                     PUBLIC_NAMES as _EXTREME_NAMES)
from .norm import Norm, NormMethods, norm
from .registry import register
from .softmax import (Softmax, LogSoftmax, SoftmaxGrad, LogSoftmaxGrad, SoftmaxMethods,
                      softmax, log_softmax)

__all__ = [
    "Sum", "Prod", "LogSumExp", "Norm", "Amax", "Amin", "MaxDim", "MinDim", "Argmax",
    "Argmin", "Softmax", "LogSoftmax", "SoftmaxGrad", "LogSoftmaxGrad",
    "ReduceMethods", "return_types",
    "mean", "var", "std", "var_mean", "std_mean", "prod", "norm", "logsumexp",
    "amax", "amin", "argmax", "argmin", "softmax", "log_softmax",
]


@register("sum", "reduce")
class Sum(Primitive):
    """Sum over ``dims`` (a normalized tuple of axes). The engine calls it to reduce
    broadcast gradients, so forward and backward are kept to the minimum."""

    def forward(self, F, a, dims, keepdim):
        self.dims = dims
        self.keepdim = keepdim
        self.in_shape = a.shape
        return F.sum(a, dims, keepdim)

    def backward(self, F, g):
        if not self.keepdim and self.dims:
            g = F.reshape(g, shape=keep_shape(self.in_shape, self.dims))
        return F.expand(g, shape=self.in_shape)  # a read-only view on arrays


@register("prod", "reduce")
class Prod(Primitive):
    """Product over ``dims``. The gradient is the product of the *other* entries of
    each slice, exact with zeros in the input (not y / x)."""

    def forward(self, F, a, dims, keepdim):
        self.dims = dims
        self.keepdim = keepdim
        y = F.prod(a, dims, keepdim)
        self.save_for_backward(a, y)
        return y

    def backward(self, F, g):
        x, y = F.saved(self)
        if not self.keepdim:
            kshape = keep_shape(x.shape, self.dims)
            g, y = F.reshape(g, shape=kshape), F.reshape(y, shape=kshape)
        z = F.eq(x, F.constant(0.0, x))
        if not any_true(F, z):
            return F.div(F.mul(g, y), x)
        return F.mul(g, _prod_others(F, x, z, self.dims))


def _prod_others(F, x, z, dims):
    """prod_{j != i} x_j for every entry i of x (slices over ``dims``), where x has
    zeros at mask ``z``, written with the interpreter's ops so that higher derivatives
    stay right.

    With q = product of a slice's non-zero entries and Z its zero entries (values 0 but
    still variables): for i not in Z the result is q * e_|Z|(Z) / x_i, for i in Z it is
    q * e_{|Z|-1}(Z without i), e_k being the elementary symmetric polynomials. These
    are written out for |Z| <= 2, which makes every derivative exact; with three or
    more zeros the value and first derivative (all 0) are exact and higher ones are 0.
    """
    dt = x.dtype

    def const(mask):  # a bool mask as 0/1 in x's dtype: a constant of the rule
        return F.cast(mask, dtype=dt)

    def slice_sum(v):
        return F.sum(v, dims=dims, keepdim=True)

    nz = slice_sum(z)  # zeros per slice (int64)
    zt, nzt = const(z), const(F.logical_not(z))
    xs = F.add(F.mul(x, nzt), zt)  # zeros replaced by a constant 1: no dependence on x there
    q = F.prod(xs, dims=dims, keepdim=True)  # no zeros: the plain rule
    zv = F.mul(x, zt)  # the zero entries: value 0, derivative 1
    s1 = slice_sum(zv)  # e_1(Z)
    e = const(F.eq(nz, F.constant(0, nz)))  # e_|Z|(Z) per slice, 0 for |Z| > 2
    at_zero = None  # e_{|Z|-1}(Z without i) at the zeros
    one = F.eq(nz, F.constant(1, nz))
    if any_true(F, one):
        c1 = const(one)
        e = F.add(e, F.mul(c1, s1))
        at_zero = c1
    two = F.eq(nz, F.constant(2, nz))
    if any_true(F, two):
        c2 = const(two)
        e2 = F.mul_scalar(F.sub(F.mul(s1, s1), slice_sum(F.mul(zv, zv))), s=0.5)
        e = F.add(e, F.mul(c2, e2))
        t = F.mul(c2, F.sub(s1, zv))
        at_zero = t if at_zero is None else F.add(at_zero, t)
    others = F.div(F.mul(nzt, e), xs)
    if at_zero is not None:
        others = F.add(others, F.mul(zt, at_zero))
    return F.mul(q, others)


@register("logsumexp", "reduce")
class LogSumExp(Primitive):
    """log(sum(exp(x))) over ``dims``, stable (the slice maximum is subtracted)."""

    def forward(self, F, a, dims, keepdim):
        self.dims = dims
        self.keepdim = keepdim
        y = F.logsumexp(a, dims, keepdim)
        self.save_for_backward(a)
        return y

    def backward(self, F, g):
        # The gradient is softmax(x) over dims. exp(x - y) would inherit y's rounding
        # (see docs/design-notes/reductions.md), so shift by the slice maximum instead:
        # x - m is exact near the top. m is a constant: the value does not depend on it.
        (x,) = F.saved(self)
        if not self.keepdim:
            g = F.reshape(g, shape=keep_shape(x.shape, self.dims))
        if 0 in x.shape:
            return F.mul(g, x)
        m = F.amax(F.detach(x), dims=self.dims, keepdim=True)
        m = F.where(F.isfinite(m), m, F.constant(0.0, m))  # inf - inf would be NaN
        e = F.exp(F.sub(x, m))
        return F.mul(g, F.div(e, F.sum(e, dims=self.dims, keepdim=True)))


def _count(shape, dims):
    return math.prod(shape[d] for d in dims)


def _correction(op, unbiased, correction, ddof):
    if correction is not None and ddof is not None:
        raise TypeError(f"{op}(): got both correction= and ddof=; pass one")
    c = correction if correction is not None else ddof
    return (1 if unbiased else 0) if c is None else c


class ReduceMethods(ExtremeMethods, NormMethods, SoftmaxMethods):
    """Tensor reductions (see the module docstring for dim/keepdim conventions)."""

    __slots__ = ()

    def sum(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        """Sum over ``dim``; bool and integer tensors sum to int64 (as PyTorch)."""
        if axis is not None or keepdims is not None:
            dim, keepdim = dim_args("sum", dim, keepdim, axis, keepdims)
        x = self if dtype is None else self.astype(dtype)
        return x._apply(Sum, x, dims=reduce_dims("sum", dim, x._data.ndim),
                        keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        """Arithmetic mean over ``dim`` (NaN for an empty reduction, as numpy)."""
        dim, keepdim = dim_args("mean", dim, keepdim, axis, keepdims)
        x = floating("mean", self, dtype)
        dims = reduce_dims("mean", dim, x._data.ndim)
        return x._apply(Sum, x, dims=dims, keepdim=keepdim) / _count(x.shape, dims)

    def _moments(self, op, dim, unbiased, keepdim, correction, axis, keepdims, ddof):
        """(variance, mean with keepdim) over ``dim``; the variance is two-pass
        (sum of squared deviations from the mean) for accuracy."""
        if isinstance(dim, bool):  # legacy var(unbiased)
            dim, unbiased = None, dim
        dim, keepdim = dim_args(op, dim, keepdim, axis, keepdims)
        c = _correction(op, unbiased, correction, ddof)
        x = floating(op, self)
        dims = reduce_dims(op, dim, x._data.ndim)
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
        dim, keepdim = dim_args("prod", dim, keepdim, axis, keepdims)
        x = self if dtype is None else self.astype(dtype)
        return x._apply(Prod, x, dims=reduce_dims("prod", dim, x._data.ndim),
                        keepdim=keepdim)

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """log(sum(exp(x))) over ``dim``, stable for large |x|; integer input becomes
        the default float dtype."""
        dim, keepdim = dim_args("logsumexp", dim, keepdim, axis, keepdims)
        x = self
        if not dtypes.is_float(x._data.dtype):
            x = x.astype(dtypes.get_default_dtype())
        return x._apply(LogSumExp, x, dims=reduce_dims("logsumexp", dim, x._data.ndim),
                        keepdim=keepdim)


def _sqrt0(v):
    """sqrt(v) whose gradient is 0, not NaN, where v == 0: those entries are shifted to
    sqrt(0 + 1) - 1, which has the same value and a finite derivative (the chain rule
    then multiplies it by var's zero gradient there)."""
    zero = ARRAYS.eq(v._data, 0)
    if not any_true(ARRAYS, zero):
        return v ** 0.5
    m = v._make(ARRAYS.cast(zero, v._data.dtype))
    return (v + m) ** 0.5 - m


# -- module-level functions (autograd_core.sum(x, dim), ...) -----------------------

def reduce_sum(input, dim=None, keepdim=False, **kwargs):
    """Sum of ``input`` over ``dim`` (all dims if None); ``autograd_core.sum``."""
    return tensor_arg("sum", input).sum(dim, keepdim, **kwargs)


def mean(input, dim=None, keepdim=False, **kwargs):
    """Mean of ``input`` over ``dim``."""
    return tensor_arg("mean", input).mean(dim, keepdim, **kwargs)


def var(input, dim=None, unbiased=True, keepdim=False, **kwargs):
    """Variance of ``input`` over ``dim`` (``correction=`` overrides ``unbiased``)."""
    return tensor_arg("var", input).var(dim, unbiased, keepdim, **kwargs)


def std(input, dim=None, unbiased=True, keepdim=False, **kwargs):
    """Standard deviation of ``input`` over ``dim``."""
    return tensor_arg("std", input).std(dim, unbiased, keepdim, **kwargs)


def var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
             keepdims=None, ddof=None):
    """``(var, mean)`` of ``input`` over ``dim``, sharing the mean computation."""
    return tensor_arg("var_mean", input)._var_mean(
        "var_mean", dim, unbiased, keepdim, correction, axis, keepdims, ddof)


def std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
             keepdims=None, ddof=None):
    """``(std, mean)`` of ``input`` over ``dim``."""
    return tensor_arg("std_mean", input)._var_mean(
        "std_mean", dim, unbiased, keepdim, correction, axis, keepdims, ddof)


def prod(input, dim=None, keepdim=False, **kwargs):
    """Product of ``input`` over ``dim``."""
    return tensor_arg("prod", input).prod(dim, keepdim, **kwargs)


def logsumexp(input, dim=None, keepdim=False, **kwargs):
    """log(sum(exp(input))) over ``dim``, stable."""
    return tensor_arg("logsumexp", input).logsumexp(dim, keepdim, **kwargs)


#: public names that are Python builtins (autograd_core.sum/max/min)
PUBLIC_NAMES = {"sum": reduce_sum, **_EXTREME_NAMES}
