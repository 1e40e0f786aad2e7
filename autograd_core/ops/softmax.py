"""Softmax and log-softmax along one dim: fused primitives, with fused backward
primitives of their own.

Why primitives rather than ``exp(x - logsumexp(x))`` compositions: stability (the max
is subtracted inside one kernel, so logits of +-1e4 are exact and finite) and speed
(one Numba pass over each row instead of five numpy passes and as many graph nodes).
The backward steps are primitives too (one fused pass each), and their own backward is
written with Tensor operations, so grad-of-grad works through them. The Tensor methods
live in ``reduce.ReduceMethods``.

Shapes: every op here maps arrays of shape S to shape S; ``dim`` is a non-negative axis
(or 0 for a 0-d input, where softmax is 1 and log-softmax 0).
"""
import numpy as np

from ..function import Function
from ..kernels import reduce as K
from .registry import register

__all__ = ["Softmax", "LogSoftmax", "SoftmaxBackward", "LogSoftmaxBackward"]


def _scalar(a, value):
    """The 0-d result ``value`` with ``a``'s dtype, NaN where ``a`` is NaN or infinite
    (as exp(a - max) would give)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(a - a + value, dtype=a.dtype)


@register("softmax", "reduce")
class Softmax(Function):
    """y = exp(x - max) / sum(exp(x - max)) along ``dim``."""

    def forward(self, a, dim):
        self.dim = dim
        y = _scalar(a, 1) if a.ndim == 0 else K.softmax(a, dim)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g._apply(SoftmaxBackward, g, y, dim=self.dim)

    def array_backward(self, g):
        (y,) = self.saved_arrays
        return _softmax_bwd(g, y, self.dim)


@register("log_softmax", "reduce")
class LogSoftmax(Function):
    """y = (x - max) - log(sum(exp(x - max))) along ``dim``."""

    def forward(self, a, dim):
        self.dim = dim
        y = _scalar(a, 0) if a.ndim == 0 else K.log_softmax(a, dim)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g._apply(LogSoftmaxBackward, g, y, dim=self.dim)

    def array_backward(self, g):
        (y,) = self.saved_arrays
        return _log_softmax_bwd(g, y, self.dim)


# The fused backward steps on arrays: the backward primitives' forwards, shared with the
# array backwards above (no Tensor, no node).
def _softmax_bwd(g, y, dim):
    if g.ndim == 0:
        return np.zeros_like(g)  # a single element's softmax is constant
    return K.softmax_backward(g, y, dim)


def _log_softmax_bwd(g, y, dim):
    if g.ndim == 0:
        return np.zeros_like(g)
    return K.log_softmax_backward(g, y, dim)


def _sum(a, d):
    """``Tensor.sum(d, keepdim=True)`` on arrays."""
    return np.asarray(np.sum(a, axis=(d,), keepdims=True))


@register("softmax_backward", "reduce")
class SoftmaxBackward(Function):
    """gx = y * (g - sum(g * y)) from output gradient ``g`` and softmax output ``y``."""

    def forward(self, g, y, dim):
        self.dim = dim
        self.save_for_backward(g, y)
        return _softmax_bwd(g, y, dim)

    def backward(self, h):
        # gx_i = y_i (g_i - s), s = sum_j g_j y_j. The Jacobian in g is softmax's own
        # (symmetric), so dL/dg is this op again; dL/dy = h (g - s) - g sum(h y).
        g, y = self.saved_tensors
        d = self.dim
        need_g, need_y = self.needs_input_grad
        gg = h._apply(SoftmaxBackward, h, y, dim=d) if need_g else None
        gy = None
        if need_y:
            if y.ndim == 0:
                gy = h * 0
            else:
                s = (g * y).sum(d, keepdim=True)
                gy = h * (g - s) - g * (h * y).sum(d, keepdim=True)
        return gg, gy

    def array_backward(self, h):
        g, y = self.saved_arrays
        d = self.dim
        need_g, need_y = self.needs_input_grad
        gg = _softmax_bwd(h, y, d) if need_g else None
        gy = None
        if need_y:
            if y.ndim == 0:
                gy = np.multiply(h, 0)
            else:
                s = _sum(np.multiply(g, y), d)
                gy = np.subtract(np.multiply(h, np.subtract(g, s)),
                                 np.multiply(g, _sum(np.multiply(h, y), d)))
        return gg, gy


@register("log_softmax_backward", "reduce")
class LogSoftmaxBackward(Function):
    """gx = g - exp(y) * sum(g) from output gradient ``g`` and log-softmax output ``y``."""

    def forward(self, g, y, dim):
        self.dim = dim
        self.save_for_backward(g, y)
        return _log_softmax_bwd(g, y, dim)

    def backward(self, h):
        # gx_i = g_i - exp(y_i) sum_j g_j:
        # dL/dg = h - sum(h exp(y)),  dL/dy = -h exp(y) sum(g).
        g, y = self.saved_tensors
        d = self.dim
        need_g, need_y = self.needs_input_grad
        if y.ndim == 0:
            return (h * 0 if need_g else None), (h * 0 if need_y else None)
        p = y.exp()
        gg = h - (h * p).sum(d, keepdim=True) if need_g else None
        gy = -(h * p) * g.sum(d, keepdim=True) if need_y else None
        return gg, gy

    def array_backward(self, h):
        g, y = self.saved_arrays
        d = self.dim
        need_g, need_y = self.needs_input_grad
        if y.ndim == 0:
            return (np.multiply(h, 0) if need_g else None), (np.multiply(h, 0) if need_y else None)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as Exp
            p = np.asarray(np.exp(y))
        hp = np.multiply(h, p)
        gg = np.subtract(h, _sum(hp, d)) if need_g else None
        gy = np.multiply(np.negative(hp), _sum(g, d)) if need_y else None
        return gg, gy
