"""Sorting on arrays: a stable argsort along a dim."""
import numpy as np

from .namespace import ARRAYS

define = ARRAYS.define


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
