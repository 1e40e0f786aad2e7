"""Product over dims, with the exact gradient when the input holds zeros.

Shapes: reducing S over dims D gives S without D (or with D set to 1 under keepdim);
an empty reduction gives 1. The Tensor method lives in ``reduce.ReduceMethods``.
"""
import numpy as np

from ..function import Function
from .minmax import keep_shape
from .registry import register

__all__ = ["Prod"]


@register("prod", "reduce")
class Prod(Function):
    """Product over ``dims``. The gradient is the product of the *other* entries of
    each slice, exact with zeros in the input (not y / x)."""

    def forward(self, a, dims, keepdim):
        self.dims = dims
        self.keepdim = keepdim
        y = np.asarray(np.prod(a, axis=dims, keepdims=keepdim))
        self.save_for_backward(a, y)
        return y

    def backward(self, g):
        x, y = self.saved_tensors
        if not self.keepdim:
            kshape = keep_shape(x.shape, self.dims)
            g, y = g.reshape(kshape), y.reshape(kshape)
        z = x._data == 0
        if not z.any():
            return g * y / x
        return g * _prod_others(x, z, self.dims)

def _prod_others(x, z, dims):
    """prod_{j != i} x_j for every entry i of x (slices over ``dims``), where x has
    zeros at mask ``z``, built from Tensor ops so that higher derivatives stay right.

    With q = product of a slice's non-zero entries and Z its zero entries (values 0 but
    still variables): for i not in Z the result is q * e_|Z|(Z) / x_i, for i in Z it is
    q * e_{|Z|-1}(Z without i), e_k being the elementary symmetric polynomials. These
    are written out for |Z| <= 2, which makes every derivative exact; with three or
    more zeros the value and first derivative (all 0) are exact and higher ones are 0.
    """
    dt = x._data.dtype

    def const(mask):
        return x._make(mask.astype(dt))

    nz = z.sum(axis=dims, keepdims=True)
    zt, nzt = const(z), const(~z)
    xs = x * nzt + zt  # zeros replaced by a constant 1: no dependence on x there
    q = xs._apply(Prod, xs, dims=dims, keepdim=True)  # no zeros: the plain rule
    zv = x * zt  # the zero entries: value 0, derivative 1
    s1 = zv.sum(dims, keepdim=True)  # e_1(Z)
    e = const(nz == 0)  # e_|Z|(Z) per slice, 0 for |Z| > 2
    at_zero = None  # e_{|Z|-1}(Z without i) at the zeros
    if (nz == 1).any():
        c1 = const(nz == 1)
        e = e + c1 * s1
        at_zero = c1
    if (nz == 2).any():
        c2 = const(nz == 2)
        sq = zv * zv
        e2 = (s1 * s1 - sq.sum(dims, keepdim=True)) * 0.5
        e = e + c2 * e2
        t = c2 * (s1 - zv)
        at_zero = t if at_zero is None else at_zero + t
    others = nzt * e / xs
    if at_zero is not None:
        others = others + zt * at_zero
    return q * others
