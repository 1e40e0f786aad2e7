"""Extreme-value reductions: ``amax``/``amin`` (values only, dims may be a tuple),
``max``/``min`` along one dim (values and int64 indices), ``argmax``/``argmin``; their
Tensor methods and module-level functions.

Gradient conventions follow PyTorch: ``amax``/``amin`` (and the global ``max()``, which
is ``amax`` over every dim) split the gradient evenly among tied extremes; ``max(dim)``
sends it to the selected index only (the first extreme, as numpy's ``argmax``). NaN
propagates: the extreme of a slice holding NaN is NaN, its index the first NaN, and
the gradient goes to the NaN entries. Backward multiplies the incoming gradient by a
constant mask, so grad-of-grad works and the second derivative is 0, as it should be
for a piecewise-linear function.
"""
from collections import namedtuple
from types import SimpleNamespace

from ..function import Primitive
from ..shapes import keep_shape
from ._dims import dim_args, one_dim, reduce_dims, tensor_arg
from ..tensor_type import is_tensor
from .registry import register

__all__ = ["Amax", "Amin", "MaxDim", "MinDim", "Argmax", "Argmin", "ExtremeMethods",
           "return_types", "check_nonempty", "any_true",
           "amax", "amin", "argmax", "argmin"]

#: (values, indices) results of ``max(dim)`` / ``min(dim)``, like torch.return_types
return_types = SimpleNamespace(
    max=namedtuple("max", ["values", "indices"]),
    min=namedtuple("min", ["values", "indices"]),
    sort=namedtuple("sort", ["values", "indices"]),
    topk=namedtuple("topk", ["values", "indices"]),
    histogram=namedtuple("histogram", ["hist", "bin_edges"]),
    cummax=namedtuple("cummax", ["values", "indices"]),
    cummin=namedtuple("cummin", ["values", "indices"]),
)


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


def any_true(F, mask):
    """Whether the bool value ``mask`` (of either interpreter) holds a True: for rules
    that take a cheaper branch when no entry is special (no zero, no NaN)."""
    return bool(F.sum(mask, dims=tuple(range(mask.ndim)), keepdim=False))


def tie_weights(F, x, yk, dims):
    """Each entry's share of its slice's gradient, a constant in ``x``'s dtype: 1/k for
    the k entries equal to their slice's extreme ``yk`` (keepdim shape; NaN counts as
    equal to a NaN extreme), 0 elsewhere."""
    mask = F.eq(x, yk)
    nan = F.isnan(yk)
    if any_true(F, nan):
        mask = F.logical_or(mask, F.logical_and(F.isnan(x), nan))
    return F.astype(F.div(mask, F.sum(mask, dims=dims, keepdim=True)), x.dtype)


@register("amax", "reduce")
class Amax(Primitive):
    """Maximum over ``dims`` (a tuple of axes); gradient split evenly among ties."""

    def forward(self, F, a, dims, keepdim, op="amax"):
        check_nonempty(op, a, dims)
        self.dims = dims
        self.keepdim = keepdim
        y = self._reduce(F, a, dims, keepdim)
        self.save_for_backward(a, y)
        return y

    @staticmethod
    def _reduce(F, a, dims, keepdim):
        return F.amax(a, dims, keepdim)

    def backward(self, F, g):
        x, y = F.saved(self)
        kshape = keep_shape(x.shape, self.dims)
        w = tie_weights(F, x, F.reshape(F.detach(y), shape=kshape), self.dims)
        if not self.keepdim:
            g = F.reshape(g, shape=kshape)
        return F.mul(g, w)


@register("amin", "reduce")
class Amin(Amax):
    """Minimum over ``dims``; gradient split evenly among ties."""

    def forward(self, F, a, dims, keepdim, op="amin"):
        return super().forward(F, a, dims, keepdim, op)

    @staticmethod
    def _reduce(F, a, dims, keepdim):
        return F.amin(a, dims, keepdim)


@register("max", "reduce")
class MaxDim(Primitive):
    """Maximum along one dim: (values, int64 indices); the indices carry no gradient."""

    def forward(self, F, a, dim, keepdim, op="max"):
        # dim: a 1-tuple of a normalized axis, or () for a 0-d input
        check_nonempty(op, a, dim)
        values, idx = self._reduce(F, a, dim, keepdim)
        self.non_differentiable = (1,)
        self.in_shape = a.shape
        self.keepdim = keepdim
        self.dim = dim[0] if dim else None
        self.save_for_backward(idx)  # an output: modifying it in place is caught
        return values, idx

    @staticmethod
    def _reduce(F, a, dim, keepdim):
        return F.max(a, dim, keepdim)

    def backward(self, F, g, g_indices=None):
        (idx,) = F.saved(self)
        if self.dim is None:
            return g
        d = self.dim
        kshape = keep_shape(self.in_shape, (d,))
        idx = F.detach(idx)
        if not self.keepdim:
            g, idx = F.reshape(g, shape=kshape), F.reshape(idx, shape=kshape)
        # 1 at each slice's selected index, 0 elsewhere: a constant of the input's shape
        onehot = F.scatter(F.zeros(self.in_shape, g.dtype), idx,
                           F.full(kshape, 1, g.dtype), dim=d)
        return F.mul(g, onehot)


@register("min", "reduce")
class MinDim(MaxDim):
    """Minimum along one dim: (values, int64 indices)."""

    def forward(self, F, a, dim, keepdim, op="min"):
        return super().forward(F, a, dim, keepdim, op)

    @staticmethod
    def _reduce(F, a, dim, keepdim):
        return F.min(a, dim, keepdim)


@register("argmax", "reduce")
class Argmax(Primitive):
    """Index (int64) of the first maximum along ``dim``, or in the flattened input."""

    differentiable = False
    stores_attributes = False

    def forward(self, F, a, dim, keepdim, op="argmax"):
        # dim: None (flattened), () for a 0-d input, or a 1-tuple of a normalized axis
        check_nonempty(op, a, () if dim is None or a.ndim == 0 else dim)
        return self._arg(F, a, dim, keepdim)

    @staticmethod
    def _arg(F, a, dim, keepdim):
        return F.argmax(a, dim, keepdim)


@register("argmin", "reduce")
class Argmin(Argmax):
    """Index (int64) of the first minimum along ``dim``, or in the flattened input."""

    def forward(self, F, a, dim, keepdim, op="argmin"):
        return super().forward(F, a, dim, keepdim, op)

    @staticmethod
    def _arg(F, a, dim, keepdim):
        return F.argmin(a, dim, keepdim)


class ExtremeMethods:
    """Tensor max/min/amax/amin/argmax/argmin (dim/keepdim as in ``reduce``)."""

    __slots__ = ()

    def _extreme(self, op, dim, keepdim, axis, keepdims, all_cls, dim_cls, result):
        if is_tensor(dim):  # max(other): the elementwise maximum, as PyTorch
            fn = getattr(self, "maximum" if op == "max" else "minimum", None)
            if fn is None:
                raise TypeError(f"{op}(other): the elementwise {op}imum is not available")
            return fn(dim)
        dim, keepdim = dim_args(op, dim, keepdim, axis, keepdims)
        if dim is None:
            return self._apply(all_cls, self, dims=tuple(range(self._data.ndim)),
                               keepdim=keepdim, op=op)
        return result(*self._apply(dim_cls, self, dim=one_dim(op, dim, self._data.ndim),
                                   keepdim=keepdim, op=op))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """``max()``: the largest entry (gradient split evenly among ties).
        ``max(dim, keepdim=False)``: a (values, indices) named tuple; indices are int64
        and the gradient goes to the indexed entry. ``max(other)``: elementwise maximum."""
        return self._extreme("max", dim, keepdim, axis, keepdims, Amax, MaxDim,
                             return_types.max)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """``min()``, ``min(dim, keepdim=False)`` -> (values, indices), ``min(other)``."""
        return self._extreme("min", dim, keepdim, axis, keepdims, Amin, MinDim,
                             return_types.min)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Maximum over ``dim`` (int, tuple or None); gradient split evenly among ties."""
        dim, keepdim = dim_args("amax", dim, keepdim, axis, keepdims)
        return self._apply(Amax, self, dims=reduce_dims("amax", dim, self._data.ndim),
                           keepdim=keepdim)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Minimum over ``dim`` (int, tuple or None); gradient split evenly among ties."""
        dim, keepdim = dim_args("amin", dim, keepdim, axis, keepdims)
        return self._apply(Amin, self, dims=reduce_dims("amin", dim, self._data.ndim),
                           keepdim=keepdim)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """int64 index of the first maximum along ``dim`` (of the flattened tensor if
        None); not differentiable."""
        dim, keepdim = dim_args("argmax", dim, keepdim, axis, keepdims)
        d = None if dim is None else one_dim("argmax", dim, self._data.ndim)
        return self._apply(Argmax, self, dim=d, keepdim=keepdim)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """int64 index of the first minimum along ``dim`` (flattened if None)."""
        dim, keepdim = dim_args("argmin", dim, keepdim, axis, keepdims)
        d = None if dim is None else one_dim("argmin", dim, self._data.ndim)
        return self._apply(Argmin, self, dim=d, keepdim=keepdim)


# -- module-level functions (autograd_core.max(x), ...) ------------------------------

def reduce_max(input, dim=None, keepdim=False, **kwargs):
    """``max(x)``, ``max(x, dim, keepdim)`` -> (values, indices), ``max(x, other)``;
    ``autograd_core.max``."""
    return tensor_arg("max", input).max(dim, keepdim, **kwargs)


def reduce_min(input, dim=None, keepdim=False, **kwargs):
    """``min(x)``, ``min(x, dim, keepdim)`` -> (values, indices), ``min(x, other)``;
    ``autograd_core.min``."""
    return tensor_arg("min", input).min(dim, keepdim, **kwargs)


def amax(input, dim=None, keepdim=False, **kwargs):
    """Maximum of ``input`` over ``dim`` (int, tuple or None)."""
    return tensor_arg("amax", input).amax(dim, keepdim, **kwargs)


def amin(input, dim=None, keepdim=False, **kwargs):
    """Minimum of ``input`` over ``dim`` (int, tuple or None)."""
    return tensor_arg("amin", input).amin(dim, keepdim, **kwargs)


def argmax(input, dim=None, keepdim=False, **kwargs):
    """int64 index of the first maximum (along ``dim``, or of the flattened input)."""
    return tensor_arg("argmax", input).argmax(dim, keepdim, **kwargs)


def argmin(input, dim=None, keepdim=False, **kwargs):
    """int64 index of the first minimum (along ``dim``, or of the flattened input)."""
    return tensor_arg("argmin", input).argmin(dim, keepdim, **kwargs)


PUBLIC_NAMES = {"max": reduce_max, "min": reduce_min}
