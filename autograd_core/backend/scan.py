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
