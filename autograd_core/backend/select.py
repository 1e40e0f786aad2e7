"""Selecting elements on arrays: where, clip, maximum/minimum (numpy's, each one pass)."""
import numpy as np

from .namespace import ARRAYS

define = ARRAYS.define

define("where", np.where)
define("maximum", np.maximum)
define("minimum", np.minimum)


@define("clamp")
def clamp(x, min=None, max=None):  # noqa: A002  (the primitive's parameter names)
    return np.clip(x, min, max)


@define("clamp_tensor")
def clamp_tensor(x, *bounds, which):
    """``x`` clipped by array bounds: (min,), (max,) or (min, max) as ``which`` says."""
    lo = bounds[0] if which != "max" else None
    hi = bounds[-1] if which != "min" else None
    return np.clip(x, lo, hi)


@define("nonzero")
def nonzero(a):
    """The int64 indices of ``a``'s nonzero elements, one array per dimension."""
    return tuple(np.asarray(i, dtype=np.int64) for i in np.nonzero(a))
