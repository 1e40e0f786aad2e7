"""Scans along one dim: ``cumsum`` and ``cumprod`` (PyTorch's names and dtypes: bool and
integer inputs give int64; a 0-d input is its own scan).

``cumsum``'s gradient is the reversed scan of the incoming gradient, so the primitive
carries a ``reverse`` option and its backward is itself: grad-of-grad is exact.
``cumprod``'s gradient is written for inputs with zeros: the quotient rule
(reversed cumsum of g*y, divided by x) holds before each slice's first zero; at that
zero the gradient is the reversed cumsum of g times the products with the zero left
out; after it every product holds the zero, so the gradient is 0. (Its second
derivative across a zero is not exact: the rule's masks treat the first zero's
position as a constant; PyTorch's rule has the same limit.)
"""
from ..function import Primitive
from ._dims import tensor_arg, wrap_dim
from .minmax import any_true
from .registry import register

__all__ = ["Cumsum", "Cumprod", "ScanMethods", "cumsum", "cumprod"]


@register("cumsum", "reduce")
class Cumsum(Primitive):
    """(S) -> (S): running sums along ``dim`` (from the end with ``reverse``)."""

    def forward(self, F, a, dim, reverse=False):
        self.dim, self.reverse = dim, reverse
        return F.cumsum(a, dim=dim, reverse=reverse)

    def backward(self, F, g):
        return F.cumsum(g, dim=self.dim, reverse=not self.reverse)


@register("cumprod", "reduce")
class Cumprod(Primitive):
    """(S) -> (S): running products along ``dim``; gradient exact with zeros."""

    def forward(self, F, a, dim):
        self.dim = dim
        y = F.cumprod(a, dim=dim)
        self.save_for_backward(a, y)
        return y

    def backward(self, F, g):
        x, y = F.saved(self)
        d = self.dim
        zero = F.eq(x, F.constant(0.0, x))
        if not any_true(F, zero):
            return F.div(F.cumsum(F.mul(g, y), dim=d, reverse=True), x)
        seen = F.cumsum(zero, dim=d)  # zeros up to and including each position
        before = F.eq(seen, F.constant(0, seen))
        first = F.logical_and(zero, F.eq(seen, F.constant(1, seen)))
        one, nil = F.constant(1.0, x), F.constant(0.0, x)
        quotient = F.div(F.cumsum(F.mul(g, y), dim=d, reverse=True), F.where(before, x, one))
        left_out = F.cumprod(F.where(first, one, x), dim=d)  # products without the first zero
        at_zero = F.cumsum(F.mul(g, left_out), dim=d, reverse=True)
        return F.add(F.where(before, quotient, nil), F.where(first, at_zero, nil))


class ScanMethods:
    """Tensor cumsum/cumprod."""

    __slots__ = ()

    def _scan(self, op, cls, dim, dtype):
        x = self if dtype is None else self.astype(dtype)
        if x.ndim == 0:
            wrap_dim(op, dim, 0)
            flat = x.reshape(1)
            return flat._apply(cls, flat, dim=0).reshape(())
        return x._apply(cls, x, dim=wrap_dim(op, dim, x.ndim))

    def cumsum(self, dim, *, dtype=None):
        """Running sums along ``dim``: out[..., i, ...] = sum of self[..., :i+1, ...]."""
        return self._scan("cumsum", Cumsum, dim, dtype)

    def cumprod(self, dim, *, dtype=None):
        """Running products along ``dim`` (gradient exact where the input has zeros)."""
        return self._scan("cumprod", Cumprod, dim, dtype)


def cumsum(input, dim, *, dtype=None):
    """Running sums of ``input`` along ``dim``."""
    return tensor_arg("cumsum", input).cumsum(dim, dtype=dtype)


def cumprod(input, dim, *, dtype=None):
    """Running products of ``input`` along ``dim``."""
    return tensor_arg("cumprod", input).cumprod(dim, dtype=dtype)
