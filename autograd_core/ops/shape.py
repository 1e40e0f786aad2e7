"""Shape ops. (Being extended: see the core-engine issue's list.)"""
import numpy as np

from ..function import Function
from .registry import register

__all__ = ["Reshape", "Permute", "Expand", "ShapeMethods"]


@register("reshape", "shape")
class Reshape(Function):
    def forward(self, a, shape):
        self.in_shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise RuntimeError(
                f"reshape: shape {tuple(shape)} is invalid for input of shape {tuple(a.shape)}"
            ) from None

    def backward(self, g):
        return g.reshape(self.in_shape)


@register("permute", "shape")
class Permute(Function):
    def forward(self, a, dims):
        self.dims = dims
        return np.transpose(a, dims)

    def backward(self, g):
        return g.permute(*np.argsort(self.dims))


@register("expand", "shape")
class Expand(Function):
    def forward(self, a, shape):
        return np.broadcast_to(a, shape)

    def backward(self, g):
        return g  # the engine sums it back to the input's shape


class ShapeMethods:
    __slots__ = ()

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if tuple(shape) == self.shape:
            return self
        return self._apply(Reshape, self, shape=tuple(int(s) for s in shape))

    view = reshape

    def permute(self, *dims):
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        dims = tuple(int(d) % max(self.ndim, 1) for d in dims)
        return self._apply(Permute, self, dims=dims)

    def transpose(self, dim0, dim1):
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(*dims)

    def expand(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if tuple(shape) == self.shape:
            return self
        return self._apply(Expand, self, shape=tuple(shape))

    def unsqueeze(self, dim):
        d = dim % (self.ndim + 1)
        shape = list(self.shape)
        shape.insert(d, 1)
        return self.reshape(shape)

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape([s for s in self.shape if s != 1])
        d = dim % max(self.ndim, 1)
        if self.ndim == 0 or self.shape[d] != 1:
            return self
        shape = list(self.shape)
        del shape[d]
        return self.reshape(shape)

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))
