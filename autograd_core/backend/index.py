"""Indexing on arrays: ``a[index]`` and its scatter, the out-of-place ``index_put``,
``gather`` / ``scatter_add`` / ``scatter`` along a dim, and the few index-array helpers
the front end needs (bounds, wrapping negative indices)."""
import math

import numpy as np

from ..kernels.index import scatter_add_rows
from .namespace import ARRAYS

define = ARRAYS.define


@define("index_bounds")
def index_bounds(index):
    """(smallest, largest) entry of an integer array as Python ints; None when empty."""
    if not index.size:
        return None
    return int(index.min()), int(index.max())


@define("wrap_negative")
def wrap_negative(index, n):
    """Negative entries of an integer array counted from ``n``."""
    return np.where(index < 0, index + n, index)


def scatter_add_into(out, index, v):
    """``out[index] += v`` in place, repeated indices adding up.

    An index that is one integer array followed by full slices (``W[ids]``, ``x[[0, 0]]``)
    goes to the row kernel (``kernels.index``, one pass; see
    docs/design-notes/shape-and-index.md); any other index to ``np.add.at``.
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


@define("getitem")
def getitem(a, index, accumulate=False):
    """``a[index]`` (a view for basic indices); ``accumulate`` only matters to the
    gradient (``getitem_backward``)."""
    return a[index]


@define("getitem_backward")
def getitem_backward(g, shape, index, accumulate):
    """``g`` scattered into zeros of ``shape`` at ``index``, repeats summed when
    ``accumulate``: getitem's gradient."""
    out = np.zeros(shape, dtype=g.dtype)
    if accumulate:
        scatter_add_into(out, index, g)
    else:
        out[index] = g
    return out


@define("index_put")
def index_put(a, v, index, accumulate, ints=True):
    """A copy of ``a`` with ``v`` written (or, with ``accumulate``, added) at ``index``."""
    out = a.copy()
    if accumulate:
        scatter_add_into(out, index, v.astype(a.dtype, copy=False))
    else:
        out[index] = v
    return out


def _linear_index(index, d, shape):
    """Flat positions in a C-ordered array of ``shape`` addressed by ``index`` along ``d``."""
    grids = list(np.ogrid[tuple(slice(0, n) for n in index.shape)])
    grids[d] = index
    return np.ravel_multi_index(tuple(grids), shape).ravel()


@define("gather")
def gather(a, index, dim):
    """``a`` picked along ``dim`` at ``index`` (checked to lie in range)."""
    sub = tuple(slice(0, n) if k != dim else slice(None) for k, n in enumerate(index.shape))
    return np.take_along_axis(a[sub], index, axis=dim)


@define("scatter_add")
def scatter_add(a, index, src, dim):
    """A copy of ``a`` with ``src`` added at ``index`` along ``dim``; repeats add up."""
    out = np.array(a, order="C", copy=True)
    # flat positions, so one pass of the row kernel with rows of length 1
    lin = _linear_index(index, dim, a.shape)
    scatter_add_rows(out.reshape(-1, 1), lin, src.astype(out.dtype, copy=False).reshape(-1, 1))
    return out


@define("scatter")
def scatter(a, index, src, dim):
    """A copy of ``a`` with ``src`` written at ``index`` along ``dim``."""
    out = np.array(a, order="C", copy=True)
    out.reshape(-1)[_linear_index(index, dim, a.shape)] = src.ravel()
    return out
