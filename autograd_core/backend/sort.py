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


@define("topk")
def topk(a, k, dim, largest):
    """int64 indices of the ``k`` largest (or smallest) entries along ``dim``, in the
    order the stable ``argsort`` gives them (ties: the earlier index first).

    Floating inputs without NaN take a partition (linear time) instead of a full sort:
    the k-th value splits each slice, entries beyond it are in, and of the entries equal
    to it the earliest ones fill the rest; only those k are then sorted."""
    n = a.shape[dim]
    if a.dtype.kind != "f" or not 0 < k < n or np.isnan(a).any():
        idx = argsort(a, dim, largest)
        return np.take(idx, np.arange(k), axis=dim)
    v = np.moveaxis(a, dim, -1).reshape(-1, n)
    if not largest:
        v = -v
    kth = np.partition(v, n - k, axis=1)[:, n - k, None]
    above, tied = v > kth, v == kth
    need = k - above.sum(axis=1, keepdims=True)
    take = above | (tied & (np.cumsum(tied, axis=1) <= need))
    cols = np.nonzero(take)[1].reshape(-1, k)
    order = np.argsort(-np.take_along_axis(v, cols, axis=1), axis=1, kind="stable")
    cols = np.take_along_axis(cols, order, axis=1)
    rest = a.shape[:dim] + a.shape[dim + 1:]
    return np.moveaxis(cols.reshape(rest + (k,)), -1, dim).astype(np.int64)
