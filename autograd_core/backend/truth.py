"""Truth reductions (all, any) and histograms on arrays."""
import numpy as np

from .namespace import ARRAYS

define = ARRAYS.define


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
