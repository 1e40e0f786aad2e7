"""Scans on arrays: cumulative sums and products along a dim (forward or from the end)."""
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


def _running_arg(accumulate, a, dim):
    """int64 index of the running extreme along ``dim``: a tie or a NaN moves it to the
    later position (PyTorch's rule)."""
    run = accumulate(a, axis=dim)
    hit = a == run
    if a.dtype.kind == "f":
        hit |= np.isnan(a) & np.isnan(run)
    shape = [1] * a.ndim
    shape[dim] = a.shape[dim]
    pos = np.arange(a.shape[dim], dtype=np.int64).reshape(shape)
    return np.maximum.accumulate(np.where(hit, pos, 0), axis=dim)


@define("cummax")
def cummax(a, dim):
    """Index of the running maximum along ``dim``."""
    return _running_arg(np.maximum.accumulate, a, dim)


@define("cummin")
def cummin(a, dim):
    """Index of the running minimum along ``dim``."""
    return _running_arg(np.minimum.accumulate, a, dim)
