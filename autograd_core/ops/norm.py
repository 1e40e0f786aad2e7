"""Vector p-norms over dims: ``norm(p, dims)``, a primitive for stability (scaling by the
largest magnitude where squares would overflow or underflow, in ``backend/reduce.py``)
and for PyTorch's subgradient at the zero vector (0, not NaN); its Tensor method and
module-level function.

p: any positive float, ``inf`` (max |x|), ``-inf`` (min |x|), 0 (number of non-zeros,
gradient 0), negative floats; 'fro' is p=2. Negative p and +-inf have no value on an
empty slice and raise, as in PyTorch; the others give 0 there. Shapes: S over dims D ->
S without D (or with D set to 1 under keepdim).
"""
import math

import numpy as np

from ..function import Primitive
from ..shapes import keep_shape
from ._dims import dim_args, floating, reduce_dims, tensor_arg
from .minmax import check_nonempty
from .registry import register

__all__ = ["Norm", "NormMethods", "norm_order", "norm"]

_INF = float("inf")


def norm_order(p):
    """The numeric order for ``p`` (a number, 'fro'); raises ValueError naming norm."""
    if p == "fro":
        return 2.0
    if isinstance(p, str):
        if p == "nuc":
            raise NotImplementedError("norm: the nuclear norm (p='nuc') is not supported")
        raise ValueError(f"norm: unknown order p={p!r}; expected a number, inf or 'fro'")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"norm: p must be a number or 'fro', got {type(p).__name__}")
    p = float(p)
    if math.isnan(p):
        raise ValueError("norm: p must not be NaN")
    return p


@register("norm", "reduce")
class Norm(Primitive):
    """p-norm of the entries over ``dims`` (a tuple of axes)."""

    def forward(self, F, a, p, dims, keepdim):
        if p < 0 or p == _INF:  # min/max-like: no identity on an empty slice (PyTorch raises)
            check_nonempty("norm", a, dims)
        self.p, self.dims, self.keepdim = p, dims, keepdim
        y = F.norm(a, p, dims, keepdim)
        self.save_for_backward(a, y)
        return y

    def backward(self, F, g):
        x, y = F.saved(self)
        p = self.p
        if not self.keepdim:
            kshape = keep_shape(x.shape, self.dims)
            g, y = F.reshape(g, shape=kshape), F.reshape(y, shape=kshape)
        dt = x.dtype
        if p == 0:
            return F.mul(g, F.zeros(x.shape, dt))
        xd, yd = F.detach(x), F.detach(y)
        s = F.sign(xd)  # a constant: the norm is piecewise smooth in x
        if p == 1:
            return F.mul(g, s)
        if p == _INF or p == -_INF:
            return F.mul(g, self._extreme_weights(F, xd, yd, s))
        # d/dx (sum |x|^p)^(1/p) = sign(x) |x|^(p-1) / y^(p-1). Where y == 0 (the zero
        # vector) the +1 below makes the denominator 1 and x = 0 gives 0: PyTorch's
        # subgradient. Where x == 0, sign(x) = 0 zeroes |x|^(p-1) even for p < 1.
        zero = F.constant(0.0, xd)
        ys = F.add(y, F.cast(F.eq(yd, zero), dtype=dt))
        if p == 2:
            return F.mul(x, F.div(g, ys))
        if p < 0:  # a zero entry makes y = 0 for p < 0, flat in the other entries
            g = F.mul(g, F.cast(F.ne(yd, zero), dtype=dt))
        xs = F.add(F.mul(x, s), F.cast(F.eq(xd, zero), dtype=dt))  # |x|, zeros -> 1
        return F.div(F.mul(F.mul(g, s), F.pow_scalar(xs, exponent=p - 1)),
                     F.pow_scalar(ys, exponent=p - 1))

    def _extreme_weights(self, F, x, y, s):
        """p = +-inf: sign(x) shared among a slice's tied extremes of |x|, x's dtype."""
        mask = F.eq(F.abs(x), y)
        count = F.maximum(F.sum(mask, dims=self.dims, keepdim=True), 1)
        return F.astype(F.div(F.mul(s, mask), count), x.dtype)


class NormMethods:
    __slots__ = ()

    def norm(self, p=2, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        """Vector p-norm over ``dim`` (every entry by default): p a number, inf, -inf
        or 'fro' (= 2). The gradient at the zero vector is 0 (a subgradient)."""
        dim, keepdim = dim_args("norm", dim, keepdim, axis, keepdims)
        order = norm_order(p)
        x = floating("norm", self, dtype)
        return x._apply(Norm, x, p=order, dims=reduce_dims("norm", dim, x._data.ndim),
                        keepdim=keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None, **kwargs):
    """p-norm of ``input`` over ``dim`` ('fro' = 2 over the given dims)."""
    return tensor_arg("norm", input).norm(p, dim, keepdim, dtype, **kwargs)
