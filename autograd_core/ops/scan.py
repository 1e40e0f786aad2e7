"""Scans along one dim: ``cumsum`` and ``cumprod`` (PyTorch's names and dtypes: bool and
integer inputs give int64; a 0-d input is its own scan).

``cumsum``'s gradient is the reversed scan of the incoming gradient, so the primitive
carries a ``reverse`` option and its backward is itself: grad-of-grad is exact.
``cumprod``'s gradient with zeros in a slice: d y_i / d x_k = prod_{j <= i, j != k} x_j,
computed without dividing by x. Where the (n, n) products per slice fit in
``QUADRATIC_LIMIT`` elements they are formed outright (a cumprod of x with its k-th
entry set to 1, for every k): a polynomial in x, so grad-of-grad is exact at zeros too
(PyTorch's double-backward rule does the same). Beyond that, the linear-memory rule:
the quotient rule (reversed cumsum of g*y, over x) before each slice's first zero, the
reversed cumsum of g times the products with that zero left out at it, 0 after it;
exact to first order, but its masks treat the first zero's position as a constant, so
its second derivative across a zero is not. Without zeros: the quotient rule.
"""
from ..backend import ARRAYS as _ARRAYS
from ..function import Primitive
from ._dims import tensor_arg, wrap_dim
from .minmax import any_true, return_types
from .registry import register

__all__ = ["Cumsum", "Cumprod", "Cummax", "Cummin", "ScanMethods", "cumsum", "cumprod",
           "cummax", "cummin"]


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
        n = x.shape[d]
        if n * _size(x.shape) <= QUADRATIC_LIMIT:
            return _cumprod_grad_products(F, g, x, d)
        seen = F.cumsum(zero, dim=d)  # zeros up to and including each position
        before = F.eq(seen, F.constant(0, seen))
        first = F.logical_and(zero, F.eq(seen, F.constant(1, seen)))
        one, nil = F.constant(1.0, x), F.constant(0.0, x)
        quotient = F.div(F.cumsum(F.mul(g, y), dim=d, reverse=True), F.where(before, x, one))
        left_out = F.cumprod(F.where(first, one, x), dim=d)  # products without the first zero
        at_zero = F.cumsum(F.mul(g, left_out), dim=d, reverse=True)
        return F.add(F.where(before, quotient, nil), F.where(first, at_zero, nil))


#: elements of the (..., n, n) products above which cumprod's gradient with zeros takes
#: the linear-memory rule (first derivative exact, second not across a zero)
QUADRATIC_LIMIT = 1 << 22


def _size(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _cumprod_grad_products(F, g, x, d):
    """sum_{i >= k} g_i prod_{j <= i, j != k} x_j along ``d``, from the (n, n) products."""
    nd, n = x.ndim, x.shape[d]
    perm = tuple(i for i in range(nd) if i != d) + (d,)
    inv = tuple(perm.index(i) for i in range(nd))
    xt, gt = F.permute(x, dims=perm), F.permute(g, dims=perm)
    lead = tuple(xt.shape[:-1])
    pos = F.cumsum(F.full((n,), 1.0, x.dtype), dim=0)  # 1..n, exact
    rows, cols = F.reshape(pos, shape=(n, 1)), F.reshape(pos, shape=(1, n))
    square = lead + (n, n)
    # row k: x with its k-th entry replaced by 1, then its running products
    xk = F.where(F.eq(rows, cols), F.constant(1.0, x),
                 F.expand(F.reshape(xt, shape=lead + (1, n)), shape=square))
    products = F.cumprod(xk, dim=nd)
    gk = F.expand(F.reshape(gt, shape=lead + (1, n)), shape=square)
    terms = F.where(F.ge(cols, rows), F.mul(gk, products), F.constant(0.0, x))
    return F.permute(F.sum(terms, dims=(nd,), keepdim=False), dims=inv)


@register("cummax", "reduce")
class Cummax(Primitive):
    """int64 index of the running maximum along ``dim`` (ties and NaN: the later one);
    ``Tensor.cummax`` gathers the values, so their gradient is gather's."""

    differentiable = False
    stores_attributes = False

    def forward(self, F, a, dim):
        return F.cummax(a, dim=dim)


@register("cummin", "reduce")
class Cummin(Cummax):
    """int64 index of the running minimum along ``dim`` (ties and NaN: the later one)."""

    def forward(self, F, a, dim):
        return F.cummin(a, dim=dim)


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

    def _running(self, op, cls, dim, result):
        if self.ndim == 0:
            wrap_dim(op, dim, 0)
            return result(self, self._make(_ARRAYS.zeros((), "int64")))
        d = wrap_dim(op, dim, self.ndim)
        idx = self._apply(cls, self, dim=d)
        return result(self.gather(d, idx), idx)

    def cummax(self, dim):
        """(values, indices) of the running maximum along ``dim``; differentiable in the
        values (the gradient goes to the entry each value came from)."""
        return self._running("cummax", Cummax, dim, return_types.cummax)

    def cummin(self, dim):
        """(values, indices) of the running minimum along ``dim``."""
        return self._running("cummin", Cummin, dim, return_types.cummin)


def cumsum(input, dim, *, dtype=None):
    """Running sums of ``input`` along ``dim``."""
    return tensor_arg("cumsum", input).cumsum(dim, dtype=dtype)


def cumprod(input, dim, *, dtype=None):
    """Running products of ``input`` along ``dim``."""
    return tensor_arg("cumprod", input).cumprod(dim, dtype=dtype)


def cummax(input, dim):
    return tensor_arg("cummax", input).cummax(dim)


def cummin(input, dim):
    return tensor_arg("cummin", input).cummin(dim)
