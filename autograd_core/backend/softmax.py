"""Softmax and log-softmax along one dim on arrays, and their fused backward steps: the
row kernels of ``kernels/reduce.py`` (each picks its Numba loop or its numpy twin by
layout, dtype and ``kernels.USE_NUMBA``). A 0-d array is a slice of one entry."""
import numpy as np

from ..kernels import reduce as K
from .namespace import ARRAYS

define = ARRAYS.define


def _single(a, value):
    """The softmax (1) or log-softmax (0) of a 0-d ``a``: NaN where ``a`` is not
    finite, as exp(a - max) gives."""
    return np.asarray(value if np.isfinite(a) else np.nan, dtype=a.dtype)


@define("softmax")
def softmax(a, dim):
    return _single(a, 1) if a.ndim == 0 else K.softmax(a, dim)


@define("log_softmax")
def log_softmax(a, dim):
    return _single(a, 0) if a.ndim == 0 else K.log_softmax(a, dim)


@define("softmax_backward")
def softmax_backward(g, y, dim):
    """y * (g - sum(g * y)) along ``dim``; 0 for a 0-d slice (a constant softmax)."""
    return np.zeros(g.shape, g.dtype) if g.ndim == 0 else K.softmax_backward(g, y, dim)


@define("log_softmax_backward")
def log_softmax_backward(g, y, dim):
    """g - exp(y) * sum(g) along ``dim``; 0 for a 0-d slice."""
    return np.zeros(g.shape, g.dtype) if g.ndim == 0 else K.log_softmax_backward(g, y, dim)
