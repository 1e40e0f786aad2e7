"""Indexing: ``x[idx]`` (numpy's rules: ints, slices with any step, None, Ellipsis,
integer arrays/lists/tensors, boolean masks and their mixtures), its scatter-add
backward, the out-of-place ``index_put`` and the masked ops.

``getitem`` returns a numpy view for basic indices (sharing the input's version
counter) and a copy for advanced ones. Its backward is the ``getitem_backward``
primitive, which scatters the gradient into zeros of the input's shape
(adding, when integer arrays may repeat an index, so repeats add up); the
backward of that is ``getitem`` again, so grad-of-grad works.

``IndexMethods`` also brings the slicing views (slicing.py) and gather/scatter
(gather.py) to Tensor.
"""
import math
import operator

import numpy as np

from ..function import Function
from ..kernels.index import scatter_add_rows
from ..shapes import broadcast_shape
from ._dims import share_version
from .gather import *  # noqa: F401,F403
from .gather import GatherMethods, __all__ as _gather_all
from .registry import register
from .slicing import *  # noqa: F401,F403
from .slicing import SlicingMethods, __all__ as _slicing_all

__all__ = [
    "GetItem", "GetItemBackward", "IndexPut", "IndexMethods",
    "index_put", "masked_fill", "masked_select",
] + [n for n in _gather_all + _slicing_all if not n.endswith("Methods")]


def _is_tensor(x):
    return hasattr(x, "_apply") and hasattr(x, "_data")


def _index_entry(op, k):
    """One entry of an index tuple as numpy takes it; returns (entry, is_int_array)."""
    tp = type(k)
    if tp is int or k is None or k is Ellipsis:  # the common cases first: this is per call
        return k, False
    if tp is slice and all(type(v) is int or v is None for v in (k.start, k.stop, k.step)):
        return k, False
    if _is_tensor(k):
        k = k._data
    elif isinstance(k, list):
        k = np.asarray([e._data if _is_tensor(e) else e for e in k]) if k else np.zeros(0, np.intp)
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


def scatter_add_into(out, index, v):
    """``out[index] += v`` in place, repeated indices adding up.

    An index that is one integer array followed by full slices (``W[ids]``, ``x[[0, 0]]``)
    goes to the row kernel (``kernels.index``: one pass, 30-175x faster than
    ``np.add.at`` on whole rows); any other index to ``np.add.at``.
    """
    rows = index[0] if out.ndim and out.flags.c_contiguous else None
    if isinstance(rows, np.ndarray) and rows.dtype.kind in "iu" and all(
        e is Ellipsis or (isinstance(e, slice) and e == slice(None)) for e in index[1:]
    ):
        n = out.shape[0]
        if rows.size and (rows.min() < -n or rows.max() >= n):
            bad = rows.min() if rows.min() < -n else rows.max()
            raise IndexError(f"index {int(bad)} is out of bounds for axis 0 with size {n}")
        rest = math.prod(out.shape[1:])
        src = np.broadcast_to(v, rows.shape + out.shape[1:]).astype(out.dtype, copy=False)
        scatter_add_rows(out.reshape(n, rest), rows.reshape(-1), src.reshape(rows.size, rest))
    else:
        np.add.at(out, index, v)


def _index_error(op, e, shape):
    return type(e)(f"{op}: {e} (indexing a tensor of shape {tuple(shape)})")


@register("getitem", "index")
class GetItem(Function):
    """``a[index]`` for an index from ``normalize_index``."""

    def forward(self, a, index, accumulate):
        try:
            y = a[index]
        except (IndexError, ValueError) as e:
            raise _index_error("getitem", e, a.shape) from None
        self.index, self.accumulate, self.in_shape = index, accumulate, a.shape
        return y

    def backward(self, g):
        return g._apply(GetItemBackward, g, shape=self.in_shape, index=self.index,
                        accumulate=self.accumulate)

    def array_backward(self, g):
        return _scatter(g, self.in_shape, self.index, self.accumulate)


def _scatter(g, shape, index, accumulate):
    """``g`` scattered into zeros of ``shape`` at ``index`` (summing repeats when
    ``accumulate``): getitem's gradient."""
    out = np.zeros(shape, dtype=g.dtype)
    if accumulate:
        scatter_add_into(out, index, g)
    else:
        out[index] = g
    return out


@register("getitem_backward", "index")
class GetItemBackward(Function):
    """``g`` (shape of ``zeros(shape)[index]``) scattered into zeros of ``shape``.

    With integer arrays (``accumulate``) an element indexed k times gets the sum of its
    k gradients (``scatter_add_into``); otherwise a plain assignment, which is faster.
    """

    def forward(self, g, shape, index, accumulate):
        self.index, self.accumulate = index, accumulate
        return _scatter(g, shape, index, accumulate)

    def backward(self, gg):
        return gg._apply(GetItem, gg, index=self.index, accumulate=self.accumulate)

    def array_backward(self, gg):
        return gg[self.index]


@register("index_put", "index")
class IndexPut(Function):
    """A copy of ``a`` with ``a[index] = v`` (or ``+= v`` with ``accumulate``, repeated
    indices adding up); ``v`` broadcasts to ``a[index]``'s shape and takes ``a``'s dtype.
    ``ints`` tells whether the index has integer arrays (which can repeat elements)."""

    def forward(self, a, v, index, accumulate, ints=True):
        out = a.copy()
        try:
            if accumulate:
                scatter_add_into(out, index, v.astype(a.dtype, copy=False))
            else:
                out[index] = v
        except (IndexError, ValueError) as e:
            raise type(e)(
                f"index_put: {e} (tensor shape {tuple(a.shape)}, values shape {tuple(v.shape)})"
            ) from None
        self.index, self.accumulate, self.ints = index, accumulate, ints
        return out

    def backward(self, g):
        na, nv = self.needs_input_grad
        ga = gv = None
        if na:
            ga = g if self.accumulate else g._apply(
                IndexPut, g, g._make(np.zeros((), g.dtype)), index=self.index, accumulate=False,
                ints=self.ints)
        if nv:
            gv = g._apply(GetItem, g, index=self.index, accumulate=self.ints)
        return ga, gv

    def array_backward(self, g):
        na, nv = self.needs_input_grad
        ga = gv = None
        if na:
            if self.accumulate:
                ga = g
            else:  # IndexPut.forward(g, 0) on arrays: the written positions get no gradient
                ga = g.copy()
                ga[self.index] = np.zeros((), g.dtype)
        if nv:
            gv = g[self.index]
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
        if _is_tensor(value):
            if value.ndim != 0:
                raise RuntimeError(
                    f"masked_fill only supports a 0-dimensional value tensor, but got one of "
                    f"shape {value.shape}"
                )
            value = value.astype(self.dtype)
        else:
            value = self._make(np.asarray(value, dtype=self.dtype))
        index = (np.broadcast_to(mask._data, self.shape), Ellipsis)
        return self._apply(IndexPut, self, value, index=index, accumulate=False, ints=False)

    def masked_select(self, mask):
        """1-d tensor of the elements where the bool ``mask`` is True (both broadcast)."""
        mask = self._to_tensor(mask)
        if mask.dtype != np.bool_:
            raise TypeError(f"masked_select: expected a bool mask, got dtype {mask.dtype}")
        shape = broadcast_shape("masked_select", self.shape, mask.shape)
        return self.expand(shape)[np.broadcast_to(mask._data, shape)]


def _check_tensor(op, x):
    if not _is_tensor(x):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(x).__name__}")
    return x


def index_put(input, indices, values, accumulate=False):
    return _check_tensor("index_put", input).index_put(indices, values, accumulate)


def masked_fill(input, mask, value):
    return _check_tensor("masked_fill", input).masked_fill(mask, value)


def masked_select(input, mask):
    return _check_tensor("masked_select", input).masked_select(mask)
