"""Extreme-value reductions: ``amax``/``amin`` (values only, dims may be a tuple),
``max``/``min`` along one dim (values and int64 indices), ``argmax``/``argmin``.

Gradient conventions follow PyTorch: ``amax``/``amin`` (and the global ``max()``, which
is ``amax`` over every dim) split the gradient evenly among tied extremes; ``max(dim)``
sends it to the selected index only (the first extreme, as numpy's ``argmax``). NaN
propagates: the extreme of a slice holding NaN is NaN, its index the first NaN, and
the gradient goes to the NaN entries. Backward multiplies the incoming gradient by a
constant mask, so grad-of-grad works and the second derivative is 0, as it should be
for a piecewise-linear function. The Tensor methods live in ``reduce.ReduceMethods``.
"""
from collections import namedtuple
from types import SimpleNamespace

import numpy as np

from ..function import Function
from .registry import register

__all__ = ["Amax", "Amin", "MaxDim", "MinDim", "Argmax", "Argmin", "return_types",
           "keep_shape", "check_nonempty"]

#: (values, indices) results of ``max(dim)`` / ``min(dim)``, like torch.return_types
return_types = SimpleNamespace(
    max=namedtuple("max", ["values", "indices"]),
    min=namedtuple("min", ["values", "indices"]),
)


def keep_shape(shape, dims):
    """``shape`` with the reduced ``dims`` set to 1 (the keepdim shape)."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def check_nonempty(op, a, dims):
    """An extreme over an empty slice has no value: raise naming ``op`` and the dim."""
    if a.size == 0:
        if a.ndim == 0 or not dims:
            empty = [i for i, s in enumerate(a.shape) if s == 0]
            raise RuntimeError(
                f"{op}(): cannot reduce an empty tensor of shape {tuple(a.shape)} without "
                f"a dim; specify a dim of non-zero size (dims of size 0: {empty})"
            )
        for d in dims:
            if a.shape[d] == 0:
                raise RuntimeError(
                    f"{op}(): expected reduction dim {d} to have non-zero size "
                    f"(input shape {tuple(a.shape)}); the operation has no identity"
                )


def _extreme_mask(x, yk):
    """Boolean mask of the entries equal to their slice's extreme ``yk`` (keepdim shape);
    NaN counts as equal to a NaN extreme."""
    mask = x == yk
    nan = np.isnan(yk)
    if nan.any():
        mask |= np.isnan(x) & nan
    return mask


@register("amax", "reduce")
class Amax(Function):
    """Maximum over ``dims`` (a tuple of axes); gradient split evenly among ties."""

    _reduce = staticmethod(np.max)

    def forward(self, a, dims, keepdim, op="amax"):
        check_nonempty(op, a, dims)
        self.dims = dims
        self.keepdim = keepdim
        y = np.asarray(self._reduce(a, axis=dims, keepdims=keepdim))
        self.save_for_backward(a, y)
        return y

    def backward(self, g):
        x, y = self.saved_tensors
        kshape, w = self._weights(x._data, y._data)
        if not self.keepdim:
            g = g.reshape(kshape)
        return g * x._make(w)

    def array_backward(self, g):
        x, y = self.saved_arrays
        kshape, w = self._weights(x, y)
        if not self.keepdim:
            g = g.reshape(kshape)
        return np.multiply(g, w)

    def _weights(self, x, y):
        """(keepdim shape, each entry's share of its slice's gradient): 1/k for the k
        tied extremes of a slice, 0 elsewhere, in x's dtype."""
        kshape = keep_shape(x.shape, self.dims)
        mask = _extreme_mask(x, y.reshape(kshape))
        w = mask / mask.sum(axis=self.dims, keepdims=True)
        return kshape, w.astype(x.dtype, copy=False)


@register("amin", "reduce")
class Amin(Amax):
    """Minimum over ``dims``; gradient split evenly among ties."""

    _reduce = staticmethod(np.min)

    def forward(self, a, dims, keepdim, op="amin"):
        return super().forward(a, dims, keepdim, op)


@register("max", "reduce")
class MaxDim(Function):
    """Maximum along one dim: (values, int64 indices); the indices carry no gradient."""

    _arg = staticmethod(np.argmax)

    def forward(self, a, dim, keepdim, op="max"):
        # dim: a 1-tuple of a normalized axis, or () for a 0-d input
        check_nonempty(op, a, dim)
        self.non_differentiable = (1,)
        self.in_shape = a.shape
        self.keepdim = keepdim
        if a.ndim == 0:
            self.dim = None
            self.idx = np.zeros((), dtype=np.int64)
            return a.copy(), self.idx.copy()
        d = self.dim = dim[0]
        idx = self._arg(a, axis=d, keepdims=True).astype(np.int64, copy=False)
        values = np.take_along_axis(a, idx, axis=d)
        self.idx = idx  # freed after backward
        if not keepdim:
            return values.squeeze(d), idx.squeeze(d)
        return values, idx.copy()

    def backward(self, g, g_indices=None):
        if self.dim is None:
            return g
        if not self.keepdim:
            g = g.unsqueeze(self.dim)
        return g * g._make(self._onehot(g.dtype))

    def array_backward(self, g, g_indices=None):
        if self.dim is None:
            return g
        if not self.keepdim:
            g = np.expand_dims(g, self.dim)
        return np.multiply(g, self._onehot(g.dtype))

    def _onehot(self, dtype):
        """1 at each slice's selected index, 0 elsewhere (the input's shape)."""
        onehot = np.zeros(self.in_shape, dtype=dtype)
        np.put_along_axis(onehot, self.idx, 1, axis=self.dim)
        return onehot


@register("min", "reduce")
class MinDim(MaxDim):
    """Minimum along one dim: (values, int64 indices)."""

    _arg = staticmethod(np.argmin)

    def forward(self, a, dim, keepdim, op="min"):
        return super().forward(a, dim, keepdim, op)


@register("argmax", "reduce")
class Argmax(Function):
    """Index (int64) of the first maximum along ``dim``, or in the flattened input."""

    differentiable = False
    _arg = staticmethod(np.argmax)

    def forward(self, a, dim, keepdim, op="argmax"):
        # dim: None (flattened), () for a 0-d input, or a 1-tuple of a normalized axis
        if dim is None or a.ndim == 0:
            check_nonempty(op, a, ())
            i = np.asarray(self._arg(a), dtype=np.int64)
            return i.reshape((1,) * a.ndim) if keepdim else i
        check_nonempty(op, a, dim)
        return np.asarray(self._arg(a, axis=dim[0], keepdims=keepdim), dtype=np.int64)


@register("argmin", "reduce")
class Argmin(Argmax):
    """Index (int64) of the first minimum along ``dim``, or in the flattened input."""

    _arg = staticmethod(np.argmin)

    def forward(self, a, dim, keepdim, op="argmin"):
        return super().forward(a, dim, keepdim, op)
