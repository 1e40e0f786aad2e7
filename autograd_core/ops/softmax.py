"""Softmax and log-softmax along one dim: fused primitives, with fused backward
primitives of their own (``SoftmaxGrad``, ``LogSoftmaxGrad``); their Tensor methods
and module-level functions.

Why primitives rather than ``exp(x - logsumexp(x))`` compositions: stability (the max
is subtracted inside one kernel, so logits of +-1e4 are exact and finite) and speed
(one pass over each row instead of five numpy passes and as many graph nodes; see
docs/design-notes/reductions.md). The backward steps are primitives too, each with its
own rule, so grad-of-grad is exact through them.

Shapes: every op here maps arrays of shape S to shape S; ``dim`` is a non-negative axis
(or 0 for a 0-d input, where softmax is 1 and log-softmax 0).
"""
from ..function import Primitive
from ._dims import dim_args, floating, one_dim, tensor_arg
from .registry import register

__all__ = ["Softmax", "LogSoftmax", "SoftmaxGrad", "LogSoftmaxGrad", "SoftmaxMethods",
           "softmax", "log_softmax"]


@register("softmax", "reduce")
class Softmax(Primitive):
    """y = exp(x - max) / sum(exp(x - max)) along ``dim``."""

    def forward(self, F, a, dim):
        self.dim = dim
        y = F.softmax(a, dim)
        self.save_for_backward(y)
        return y

    def backward(self, F, g):
        (y,) = F.saved(self)
        return F.softmax_backward(g, y, dim=self.dim)


@register("log_softmax", "reduce")
class LogSoftmax(Primitive):
    """y = (x - max) - log(sum(exp(x - max))) along ``dim``."""

    def forward(self, F, a, dim):
        self.dim = dim
        y = F.log_softmax(a, dim)
        self.save_for_backward(y)
        return y

    def backward(self, F, g):
        (y,) = F.saved(self)
        return F.log_softmax_backward(g, y, dim=self.dim)


@register("softmax_backward", "reduce")
class SoftmaxGrad(Primitive):
    """gx = y * (g - sum(g * y)) from output gradient ``g`` and softmax output ``y``."""

    def forward(self, F, g, y, dim):
        self.dim = dim
        self.save_for_backward(g, y)
        return F.softmax_backward(g, y, dim)

    def backward(self, F, h):
        # gx_i = y_i (g_i - s), s = sum_j g_j y_j. The Jacobian in g is softmax's own
        # (symmetric), so dL/dg is this op again; dL/dy = h (g - s) - g sum(h y).
        g, y = F.saved(self)
        d = self.dim
        need_g, need_y = self.needs_input_grad
        gg = F.softmax_backward(h, y, dim=d) if need_g else None
        gy = None
        if need_y:
            if y.ndim == 0:
                gy = F.mul_scalar(h, s=0)
            else:
                s = F.sum(F.mul(g, y), dims=(d,), keepdim=True)
                gy = F.sub(F.mul(h, F.sub(g, s)),
                           F.mul(g, F.sum(F.mul(h, y), dims=(d,), keepdim=True)))
        return gg, gy


@register("log_softmax_backward", "reduce")
class LogSoftmaxGrad(Primitive):
    """gx = g - exp(y) * sum(g) from output gradient ``g`` and log-softmax output ``y``."""

    def forward(self, F, g, y, dim):
        self.dim = dim
        self.save_for_backward(g, y)
        return F.log_softmax_backward(g, y, dim)

    def backward(self, F, h):
        # gx_i = g_i - exp(y_i) sum_j g_j:
        # dL/dg = h - sum(h exp(y)),  dL/dy = -h exp(y) sum(g).
        g, y = F.saved(self)
        d = self.dim
        need_g, need_y = self.needs_input_grad
        if y.ndim == 0:
            return ((F.mul_scalar(h, s=0) if need_g else None),
                    (F.mul_scalar(h, s=0) if need_y else None))
        hp = F.mul(h, F.exp(y))
        gg = F.sub(h, F.sum(hp, dims=(d,), keepdim=True)) if need_g else None
        gy = F.mul(F.neg(hp), F.sum(g, dims=(d,), keepdim=True)) if need_y else None
        return gg, gy


class SoftmaxMethods:
    __slots__ = ()

    def _softmax(self, op, cls, dim, dtype, axis):
        dim, _ = dim_args(op, dim, False, axis, None)
        if dim is None:
            raise TypeError(f"{op}(): dim is required (the dim that will sum to 1)")
        x = floating(op, self, dtype)
        d = one_dim(op, dim, x._data.ndim)
        return x._apply(cls, x, dim=d[0] if d else 0)

    def softmax(self, dim=None, dtype=None, *, axis=None):
        """exp(x) / sum(exp(x)) along ``dim``, stable and exact for logits of +-1e4."""
        return self._softmax("softmax", Softmax, dim, dtype, axis)

    def log_softmax(self, dim=None, dtype=None, *, axis=None):
        """x - logsumexp(x) along ``dim``, finite for logits of +-1e4."""
        return self._softmax("log_softmax", LogSoftmax, dim, dtype, axis)


def softmax(input, dim=None, dtype=None, **kwargs):
    """Softmax of ``input`` along ``dim``."""
    return tensor_arg("softmax", input).softmax(dim, dtype, **kwargs)


def log_softmax(input, dim=None, dtype=None, **kwargs):
    """Log-softmax of ``input`` along ``dim``."""
    return tensor_arg("log_softmax", input).log_softmax(dim, dtype, **kwargs)
