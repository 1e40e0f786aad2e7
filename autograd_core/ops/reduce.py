"""Reductions. (Being extended: see the core-engine issue's list.)"""
import numpy as np

from ..function import Function
from ..shapes import normalize_dims
from .registry import register

__all__ = ["Sum", "ReduceMethods"]


@register("sum", "reduce")
class Sum(Function):
    def forward(self, a, dim=None, keepdim=False):
        self.dims = normalize_dims("sum", dim, a.ndim)
        self.keepdim = keepdim
        self.in_shape = a.shape
        out = np.sum(a, axis=self.dims, keepdims=keepdim)
        return np.asarray(out)

    def backward(self, g):
        if not self.keepdim and self.dims:
            shape = list(self.in_shape)
            for d in self.dims:
                shape[d] = 1
            g = g.reshape(shape)
        return g.expand(self.in_shape)


class ReduceMethods:
    __slots__ = ()

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None:
            dim = axis
        if keepdims is not None:
            keepdim = keepdims
        return self._apply(Sum, self, dim=dim, keepdim=keepdim)
