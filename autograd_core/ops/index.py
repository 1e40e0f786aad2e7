"""Indexing: ``x[idx]`` (numpy's rules: ints, slices with any step, None, Ellipsis,
integer arrays/lists/tensors, boolean masks and their mixtures), its scatter-add
backward, the out-of-place ``index_put`` and the masked ops.

``getitem`` returns a numpy view for basic indices (sharing the input's version
counter) and a copy for advanced ones. Its backward is the ``getitem_backward``
primitive (``GetItemGrad``), which scatters the gradient into zeros of the input's
shape (adding, when integer arrays may repeat an index, so repeats add up); the
backward of that is ``getitem`` again, so grad-of-grad works. The array work is in
``backend/index.py``.

``IndexMethods`` also brings the slicing views (slicing.py) and gather/scatter
(gather.py) to Tensor.
"""
import operator

import numpy as np

from ..backend import ARRAYS
from ..function import Primitive
from ..shapes import broadcast_shape
from ._dims import share_version
from .gather import *  # noqa: F401,F403
from .gather import GatherMethods, __all__ as _gather_all
from .registry import register
from .slicing import *  # noqa: F401,F403
from .slicing import SlicingMethods, __all__ as _slicing_all
from ..tensor_type import is_tensor

__all__ = [
    "GetItem", "GetItemGrad", "IndexPut", "IndexMethods",
    "index_put", "masked_fill", "masked_select",
] + [n for n in _gather_all + _slicing_all if not n.endswith("Methods")]


def _index_entry(op, k):
    """One entry of an index tuple as numpy takes it; returns (entry, is_int_array)."""
    tp = type(k)
    if tp is int or k is None or k is Ellipsis:  # the common cases first: this is per call
        return k, False
    if tp is slice and all(type(v) is int or v is None for v in (k.start, k.stop, k.step)):
        return k, False
    if is_tensor(k):
        k = k._data
    elif isinstance(k, list):
        k = ARRAYS.asarray([e._data if is_tensor(e) else e for e in k]) if k else \
            ARRAYS.zeros(0, np.intp)
    elif isinstance(k, range):  # x[range(n), y], as PyTorch takes it
        k = ARRAYS.asarray(k, dtype=np.int64)
    if isinstance(k, np.ndarray):
        if k.dtype.kind in "iu":
            return k, True
        if k.dtype.kind == "b":
            return k, False
        raise IndexError(
            f"{op}: tensors used as indices must be integer or bool tensors, got dtype {k.dtype}"
        )
    if k is None or k is Ellipsis or isinstance(k, (bool, np.bool_)):
        return k, False
    if isinstance(k, slice):
        return slice(*(None if v is None else operator.index(v)
                       for v in (k.start, k.stop, k.step))), False
    try:
        return operator.index(k), False
    except TypeError:
        raise IndexError(
            f"{op}: only integers, slices, None, Ellipsis and integer or bool tensors/arrays "
            f"are valid indices, got {type(k).__name__}"
        ) from None


def normalize_index(op, idx):
    """``idx`` as a tuple numpy accepts, ending in Ellipsis unless it has one (so that an
    all-integer index gives a 0-d view rather than a numpy scalar copy).

    Returns ``(index, has_int_arrays)``; integer arrays are what can repeat an element.
    """
    entries = idx if isinstance(idx, tuple) else (idx,)
    out, ints = [], False
    for k in entries:
        k, is_int = _index_entry(op, k)
        ints |= is_int
        out.append(k)
    if not any(k is Ellipsis for k in out):
        out.append(Ellipsis)
    return tuple(out), ints


def _index_error(op, e, shape):
    return type(e)(f"{op}: {e} (indexing a tensor of shape {tuple(shape)})")


@register("getitem", "index")
class GetItem(Primitive):
    """``a[index]`` for an index from ``normalize_index``; ``accumulate``: whether
    the index can repeat an element (its gradient then sums the repeats)."""

    def forward(self, F, a, index, accumulate):
        try:
            y = F.getitem(a, index=index, accumulate=accumulate)
        except (IndexError, ValueError) as e:
            raise _index_error("getitem", e, a.shape) from None
        self.index, self.accumulate, self.in_shape = index, accumulate, a.shape
        return y

    def backward(self, F, g):
        return F.getitem_backward(g, shape=self.in_shape, index=self.index,
                                  accumulate=self.accumulate)


@register("getitem_backward", "index")
class GetItemGrad(Primitive):
    """``g`` (shape of ``zeros(shape)[index]``) scattered into zeros of ``shape``.

    With integer arrays (``accumulate``) an element indexed k times gets the sum of its
    k gradients; otherwise a plain assignment, which is faster. Its adjoint is
    ``getitem`` again, so grad-of-grad works.
    """

    def forward(self, F, g, shape, index, accumulate):
        self.index, self.accumulate = index, accumulate
        return F.getitem_backward(g, shape=shape, index=index, accumulate=accumulate)

    def backward(self, F, gg):
        return F.getitem(gg, index=self.index, accumulate=self.accumulate)


@register("index_put", "index")
class IndexPut(Primitive):
    """A copy of ``a`` with ``a[index] = v`` (or ``+= v`` with ``accumulate``, repeated
    indices adding up); ``v`` broadcasts to ``a[index]``'s shape and takes ``a``'s dtype.
    ``ints`` tells whether the index has integer arrays (which can repeat elements)."""

    def forward(self, F, a, v, index, accumulate, ints=True):
        try:
            out = F.index_put(a, v, index=index, accumulate=accumulate, ints=ints)
        except (IndexError, ValueError) as e:
            raise type(e)(
                f"index_put: {e} (tensor shape {tuple(a.shape)}, values shape {tuple(v.shape)})"
            ) from None
        self.index, self.accumulate, self.ints = index, accumulate, ints
        return out

    def backward(self, F, g):
        na, nv = self.needs_input_grad
        ga = gv = None
        if na:  # overwritten positions get no gradient
            ga = g if self.accumulate else F.index_put(
                g, F.zeros((), g.dtype), index=self.index, accumulate=False, ints=self.ints)
        if nv:
            gv = F.getitem(g, index=self.index, accumulate=self.ints)
        return ga, gv


class IndexMethods(SlicingMethods, GatherMethods):
    """``x[idx]``, ``index_put``, ``masked_fill``/``masked_select``, and (inherited) the
    slicing views and gather/scatter."""

    __slots__ = ()

    def __getitem__(self, idx):
        index, ints = normalize_index("getitem", idx)
        return share_version(self._apply(GetItem, self, index=index, accumulate=ints), self)

    def index_put(self, indices, values, accumulate=False):
        """Out-of-place ``self[indices] = values`` (``+=`` with ``accumulate``), differentiable
        in both ``self`` and ``values``: the recorded alternative to ``x[idx] = v``."""
        index, ints = normalize_index("index_put", indices)
        return self._apply(IndexPut, self, self._to_tensor(values), index=index,
                           accumulate=bool(accumulate), ints=ints)

    def masked_fill(self, mask, value):
        """``value`` where the bool ``mask`` (broadcast to self's shape) is True, else self."""
        mask = self._to_tensor(mask)
        if mask.dtype != np.bool_:
            raise TypeError(f"masked_fill: expected a bool mask, got dtype {mask.dtype}")
        if broadcast_shape("masked_fill", self.shape, mask.shape) != self.shape:
            raise RuntimeError(
                f"masked_fill: mask of shape {mask.shape} cannot be broadcast to the tensor's "
                f"shape {self.shape}"
            )
        if is_tensor(value):
            if value.ndim != 0:
                raise RuntimeError(
                    f"masked_fill only supports a 0-dimensional value tensor, but got one of "
                    f"shape {value.shape}"
                )
            value = value.astype(self.dtype)
        else:
            value = self._make(ARRAYS.asarray(value, dtype=self.dtype))
        index = (ARRAYS.expand(mask._data, shape=self.shape), Ellipsis)
        return self._apply(IndexPut, self, value, index=index, accumulate=False, ints=False)

    def masked_select(self, mask):
        """1-d tensor of the elements where the bool ``mask`` is True (both broadcast)."""
        mask = self._to_tensor(mask)
        if mask.dtype != np.bool_:
            raise TypeError(f"masked_select: expected a bool mask, got dtype {mask.dtype}")
        shape = broadcast_shape("masked_select", self.shape, mask.shape)
        return self.expand(shape)[ARRAYS.expand(mask._data, shape=shape)]


def _check_tensor(op, x):
    if not is_tensor(x):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(x).__name__}")
    return x


def index_put(input, indices, values, accumulate=False):
    return _check_tensor("index_put", input).index_put(indices, values, accumulate)


def masked_fill(input, mask, value):
    return _check_tensor("masked_fill", input).masked_fill(mask, value)


def masked_select(input, mask):
    return _check_tensor("masked_select", input).masked_select(mask)
