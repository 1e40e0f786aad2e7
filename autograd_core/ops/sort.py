"""Sorting along a dim: ``argsort`` (the one primitive, not differentiable), and
``sort`` / ``topk`` derived from it: their values are ``gather(self, dim, indices)``,
so the gradient scatters back to the positions the values came from (gather's rule,
grad-of-grad included) with no rule of their own.

Every sort here is stable (equal values keep their order; ``stable=False`` is accepted
and gives the same order), NaN counts as larger than every number (last ascending,
first descending), as in PyTorch. ``topk`` gives the first ``k`` of the stable order,
so among tied values the earlier index wins; ``sorted=False`` still returns them sorted.
"""
from ..function import Primitive
from ._dims import tensor_arg, wrap_dim
from .minmax import return_types
from .registry import register

__all__ = ["Argsort", "Topk", "SortMethods", "argsort", "sort", "topk", "msort"]


@register("argsort", "reduce")
class Argsort(Primitive):
    """int64 indices of a stable sort along ``dim`` (``descending``: largest first)."""

    differentiable = False
    stores_attributes = False

    def forward(self, F, a, dim, descending):
        return F.argsort(a, dim=dim, descending=descending)


@register("topk", "reduce")
class Topk(Primitive):
    """int64 indices of the ``k`` largest (``largest=False``: smallest) entries along
    ``dim``, in stable-sort order (a partition, not a full sort, where it can)."""

    differentiable = False
    stores_attributes = False

    def forward(self, F, a, k, dim, largest):
        return F.topk(a, k=k, dim=dim, largest=largest)


class SortMethods:
    """Tensor sort/argsort/topk/msort."""

    __slots__ = ()

    def _argsort(self, op, dim, descending):
        if self.dtype.kind == "c":
            raise TypeError(f"{op}: complex tensors cannot be sorted")
        if self.ndim == 0:
            wrap_dim(op, dim, 0)
            return self._make(self._data.reshape(1)).argsort(0).reshape(()), 0
        d = wrap_dim(op, dim, self.ndim)
        return self._apply(Argsort, self, dim=d, descending=bool(descending)), d

    def argsort(self, dim=-1, descending=False, stable=False):
        """int64 indices that sort self along ``dim`` (stable in every case)."""
        return self._argsort("argsort", dim, descending)[0]

    def sort(self, dim=-1, descending=False, stable=False):
        """(values, indices): self sorted along ``dim`` and where each value came from;
        differentiable in the values."""
        idx, d = self._argsort("sort", dim, descending)
        if self.ndim == 0:
            return return_types.sort(self, idx)
        return return_types.sort(self.gather(d, idx), idx)

    def msort(self):
        """Values sorted along dim 0."""
        return self.sort(0).values

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """(values, indices) of the ``k`` largest (``largest=False``: smallest) entries
        along ``dim``, largest first; differentiable in the values."""
        if isinstance(k, bool) or not hasattr(k, "__index__"):
            raise TypeError(f"topk: k must be an int, got {type(k).__name__}")
        k = k.__index__()
        n = self.shape[wrap_dim("topk", dim, self.ndim)] if self.ndim else 1
        if not 0 <= k <= n:
            raise ValueError(
                f"topk: k ({k}) is out of range for dimension {dim} of size {n} "
                f"(shape {tuple(self.shape)})")
        if self.ndim == 0:  # PyTorch: k of 0 or 1 gives the value
            return return_types.topk(self, self._argsort("topk", dim, largest)[0])
        d = wrap_dim("topk", dim, self.ndim)
        idx = self._apply(Topk, self, k=k, dim=d, largest=bool(largest))
        return return_types.topk(self.gather(d, idx), idx)


def argsort(input, dim=-1, descending=False, stable=False):
    """See ``Tensor.argsort``."""
    return tensor_arg("argsort", input).argsort(dim, descending, stable)


def sort(input, dim=-1, descending=False, stable=False):
    """See ``Tensor.sort``."""
    return tensor_arg("sort", input).sort(dim, descending, stable)


def msort(input):
    return tensor_arg("msort", input).msort()


def topk(input, k, dim=-1, largest=True, sorted=True):
    """See ``Tensor.topk``."""
    return tensor_arg("topk", input).topk(k, dim, largest, sorted)
