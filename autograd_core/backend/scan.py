"""Scans and sorting on arrays: cumulative sums and products along a dim (forward or
from the end), stable argsort, all/any, and the histograms."""
import numpy as np

from .namespace import ARRAYS, IGNORE

define = ARRAYS.define


@define("cumsum")
def cumsum(a, dim, reverse=False):
    """Running sums along ``dim``; with ``reverse``, sums of each entry and all after it.
    Bool and integer inputs give int64 (PyTorch's rule)."""
    dt = np.int64 if a.dtype.kind in "biu" else None
    if not reverse:
        return np.cumsum(a, axis=dim, dtype=dt)
    return np.flip(np.cumsum(np.flip(a, dim), axis=dim, dtype=dt), dim)


@define("cumprod", errors=IGNORE)  # inf * 0 inside a product is nan, as in PyTorch
def cumprod(a, dim):
    """Running products along ``dim`` (int64 for bool and integer inputs)."""
    return np.cumprod(a, axis=dim, dtype=np.int64 if a.dtype.kind in "biu" else None)


@define("argsort")
def argsort(a, dim, descending):
    """int64 indices that sort ``a`` along ``dim``, stably (equal entries keep their
    order, NaN counts as the largest value, as in PyTorch)."""
    if not descending:
        return np.argsort(a, axis=dim, kind="stable").astype(np.int64, copy=False)
    # a stable descending order: sort the reversed dim, reverse the result, map back
    n = a.shape[dim]
    idx = np.flip(np.argsort(np.flip(a, dim), axis=dim, kind="stable"), dim)
    return (n - 1 - idx).astype(np.int64)


@define("all")
def reduce_all(a, dims, keepdim):
    """Whether every entry over ``dims`` is nonzero (a bool array)."""
    return np.all(a, axis=dims, keepdims=keepdim)


@define("any")
def reduce_any(a, dims, keepdim):
    """Whether some entry over ``dims`` is nonzero (a bool array)."""
    return np.any(a, axis=dims, keepdims=keepdim)


@define("histogram")
def histogram(a, bins, lo, hi, weight=None, density=False):
    """(counts, edges) of ``a`` (flattened) in ``bins`` equal bins over [lo, hi] or the
    given edge array; values outside are ignored, the last bin is closed."""
    counts, edges = np.histogram(a.ravel(), bins=bins, range=None if lo is None else (lo, hi),
                                 weights=None if weight is None else weight.ravel(),
                                 density=density)
    return counts.astype(a.dtype), edges.astype(a.dtype)


@define("finite_range")
def finite_range(a):
    """(min, max) of ``a`` as Python floats; (0, 0) when empty."""
    if not a.size:
        return 0.0, 0.0
    return float(a.min()), float(a.max())
