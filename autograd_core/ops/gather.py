"""Index-along-a-dim ops: ``gather`` and its adjoint ``scatter_add``, ``scatter``,
and the derived ``take_along_dim`` and ``index_select``.

For ``dim = d``: ``gather(a, d, index)[i][j][k] = a[i][index[i][j][k]][k]`` (d = 1).
The index tensor is an input of each primitive (saved with its version), so an
in-place write to it after the forward makes backward fail loudly instead of
scattering to the wrong places. Indices must lie in ``[0, size)`` as in PyTorch.
"""
import numpy as np

from ..backend import ARRAYS
from ..function import Primitive
from ._dims import wrap_dim
from .registry import register
from ..tensor_type import is_tensor

__all__ = ["Gather", "ScatterAdd", "Scatter", "GatherMethods", "gather", "take_along_dim",
           "index_select", "scatter_add", "scatter"]


def _check(F, op, shape, index, d, src_shape=None):
    """PyTorch's rules: same ndim; index no larger than the input except along ``d``
    (and no larger than ``src`` anywhere); values in [0, shape[d])."""
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {index.dtype}")
    if index.ndim != len(shape):
        raise RuntimeError(
            f"{op}: index tensor must have the same number of dimensions as the input tensor: "
            f"index shape {tuple(index.shape)}, input shape {tuple(shape)}"
        )
    for k, (i, s) in enumerate(zip(index.shape, shape)):
        if k != d and i > s:
            raise RuntimeError(
                f"{op}: size of index {tuple(index.shape)} exceeds the input's {tuple(shape)} "
                f"at dim {k} (only dim {d} may differ)"
            )
    if src_shape is not None and index.shape != tuple(src_shape):
        raise RuntimeError(
            f"{op}: src of shape {tuple(src_shape)} does not match index of shape "
            f"{tuple(index.shape)}"
        )
    bounds = F.index_bounds(index)
    if bounds is not None:
        lo, hi = bounds
        if lo < 0 or hi >= shape[d]:
            bad = lo if lo < 0 else hi
            raise IndexError(
                f"{op}: index {bad} is out of bounds for dimension {d} with size {shape[d]} "
                f"(input shape {tuple(shape)})"
            )


@register("gather", "index")
class Gather(Primitive):
    """(a: S, index: I) -> I, picking ``a`` along ``dim`` at ``index``."""

    def forward(self, F, a, index, dim):
        _check(F, "gather", a.shape, index, dim)
        self.save_for_backward(index)
        self.dim, self.in_shape = dim, a.shape
        return F.gather(a, index, dim=dim)

    def backward(self, F, g):
        (index,) = F.saved(self)
        return F.scatter_add(F.zeros(self.in_shape, g.dtype), index, g, dim=self.dim), None


@register("scatter_add", "index")
class ScatterAdd(Primitive):
    """(a: S, index: I, src: I) -> S: a copy of ``a`` with ``src`` added at ``index``
    along ``dim``; repeated indices add up."""

    def forward(self, F, a, index, src, dim):
        _check(F, "scatter_add", a.shape, index, dim, src.shape)
        self.save_for_backward(index)
        self.dim = dim
        return F.scatter_add(a, index, src, dim=dim)

    def backward(self, F, g):
        (index,) = F.saved(self)
        na, _, ns = self.needs_input_grad
        return (g if na else None), None, (F.gather(g, index, dim=self.dim) if ns else None)


@register("scatter", "index")
class Scatter(Primitive):
    """(a: S, index: I, src: I) -> S: a copy of ``a`` with ``src`` written at ``index``
    along ``dim`` (which write wins at a repeated index is unspecified, as in PyTorch)."""

    def forward(self, F, a, index, src, dim):
        _check(F, "scatter", a.shape, index, dim, src.shape)
        self.save_for_backward(index)
        self.dim = dim
        return F.scatter(a, index, src, dim=dim)

    def backward(self, F, g):
        (index,) = F.saved(self)
        na, _, ns = self.needs_input_grad
        ga = gs = None
        if na:  # written positions no longer depend on a
            ga = F.scatter(g, index, F.zeros(index.shape, g.dtype), dim=self.dim)
        if ns:
            gs = F.gather(g, index, dim=self.dim)
        return ga, None, gs


def _index_tensor(self, op, index):
    index = self._to_tensor(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {index.dtype}")
    return index


class GatherMethods:
    """Tensor methods: gather, scatter_add, scatter, take_along_dim, index_select."""

    __slots__ = ()

    def gather(self, dim, index):
        """Values of self along ``dim`` at ``index`` (same ndim as self); result shape = index's."""
        index = _index_tensor(self, "gather", index)
        if self.ndim == 0:
            return self.reshape(1).gather(0, index.reshape(-1)).reshape(index.shape)
        d = wrap_dim("gather", dim, self.ndim)
        return self._apply(Gather, self, index, dim=d)

    def _scatter(self, op, cls, dim, index, src):
        index = _index_tensor(self, op, index)
        d = wrap_dim(op, dim, self.ndim)
        if not is_tensor(src):  # a number: scatter that value everywhere indexed
            src = self._make(ARRAYS.full(index.shape, src, self.dtype))
        if src.ndim != index.ndim or any(s < i for s, i in zip(src.shape, index.shape)):
            raise RuntimeError(
                f"{op}: index of shape {index.shape} must be no larger than src of shape "
                f"{src.shape} in every dim"
            )
        if src.shape != index.shape:  # PyTorch reads only src's leading index-shaped block
            src = src[tuple(slice(0, n) for n in index.shape)]
        return self._apply(cls, self, index, src, dim=d)

    def scatter_add(self, dim, index, src):
        """A copy of self with ``src`` added at ``index`` along ``dim`` (repeats accumulate)."""
        return self._scatter("scatter_add", ScatterAdd, dim, index, src)

    def scatter(self, dim, index, src=None, *, value=None):
        """A copy of self with ``src`` (or the number ``value``) written at ``index`` along ``dim``."""
        if (src is None) == (value is None):
            raise TypeError("scatter: pass exactly one of src or value")
        return self._scatter("scatter", Scatter, dim, index, value if src is None else src)

    def take_along_dim(self, indices, dim=None):
        """``gather`` with self and ``indices`` broadcast against each other outside ``dim``;
        with ``dim=None`` both are flattened first."""
        indices = _index_tensor(self, "take_along_dim", indices)
        if dim is None:
            return self.reshape(-1).take_along_dim(indices.reshape(-1), 0)
        if self.ndim != indices.ndim:
            raise RuntimeError(
                f"take_along_dim: input and indices should have the same number of dimensions, "
                f"but got shapes {self.shape} and {indices.shape}"
            )
        d = wrap_dim("take_along_dim", dim, self.ndim)
        n, bounds = self.shape[d], ARRAYS.index_bounds(indices._data)
        if bounds is not None and (bounds[0] < -n or bounds[1] >= n):
            raise IndexError(
                f"take_along_dim: index {bounds[0] if bounds[0] < -n else bounds[1]} is out of "
                f"bounds for dimension {d} with size {n} (shape {self.shape})"
            )
        if bounds is not None and bounds[0] < 0:  # PyTorch wraps them here (gather does not)
            indices = indices._make(ARRAYS.wrap_negative(indices._data, n))
        try:
            shape = list(np.broadcast_shapes(
                self.shape[:d] + (1,) + self.shape[d + 1:],
                indices.shape[:d] + (1,) + indices.shape[d + 1:]))
        except ValueError:
            raise RuntimeError(
                f"take_along_dim: shapes {self.shape} and {indices.shape} cannot be broadcast "
                f"together outside dim {d}"
            ) from None
        a = self.expand(shape[:d] + [self.shape[d]] + shape[d + 1:])
        i = indices.expand(shape[:d] + [indices.shape[d]] + shape[d + 1:])
        return a.gather(d, i)

    def index_select(self, dim, index):
        """Entries ``index`` (a 1-d or 0-d integer tensor) of dim ``dim``; the dim keeps its place."""
        index = _index_tensor(self, "index_select", index)
        if index.ndim > 1:
            raise RuntimeError(
                f"index_select: index should have 1 or 0 dimensions, got shape {index.shape}"
            )
        if self.ndim == 0:
            return self.reshape(1).index_select(0, index).reshape(index.shape)
        d = wrap_dim("index_select", dim, self.ndim)
        idx = ARRAYS.reshape(index._data, shape=(-1,))
        n, bounds = self.shape[d], ARRAYS.index_bounds(idx)
        if bounds is not None and (bounds[0] < 0 or bounds[1] >= n):
            raise IndexError(
                f"index_select: index {bounds[0] if bounds[0] < 0 else bounds[1]} is out of "
                f"range for dimension {d} with size {n} (shape {self.shape})"
            )
        return self[(slice(None),) * d + (idx,)]


def _check_tensor(op, x):
    if not is_tensor(x):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(x).__name__}")
    return x


def gather(input, dim, index):
    return _check_tensor("gather", input).gather(dim, index)


def take_along_dim(input, indices, dim=None):
    return _check_tensor("take_along_dim", input).take_along_dim(indices, dim)


def index_select(input, dim, index):
    return _check_tensor("index_select", input).index_select(dim, index)


def scatter_add(input, dim, index, src):
    return _check_tensor("scatter_add", input).scatter_add(dim, index, src)


def scatter(input, dim, index, src=None, *, value=None):
    return _check_tensor("scatter", input).scatter(dim, index, src, value=value)
