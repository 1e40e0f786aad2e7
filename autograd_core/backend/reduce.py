"""Reductions on arrays: numpy's (each already one compiled pass), logsumexp's stable
kernel (``kernels/reduce.py``), and the p-norm rescaled against overflow and underflow.
Results are always arrays (numpy reduces to numpy scalars)."""
import numpy as np

from ..kernels import reduce as K
from .namespace import ARRAYS, IGNORE

define = ARRAYS.define
asarray = np.asarray


@define("sum")
def reduce_sum(a, dims, keepdim):
    return asarray(np.sum(a, axis=dims, keepdims=keepdim))


@define("prod")
def reduce_prod(a, dims, keepdim):
    return asarray(np.prod(a, axis=dims, keepdims=keepdim))


@define("logsumexp")
def logsumexp(a, dims, keepdim):
    return asarray(K.logsumexp(a, dims, keepdim))


@define("amax")
def amax(a, dims, keepdim):
    return asarray(np.max(a, axis=dims, keepdims=keepdim))


@define("amin")
def amin(a, dims, keepdim):
    return asarray(np.min(a, axis=dims, keepdims=keepdim))


def _extreme_dim(arg, a, dim, keepdim):
    """(values, int64 indices) of the extreme along ``dim`` (a 1-tuple; () for 0-d)."""
    if a.ndim == 0:
        return a.copy(), np.zeros((), dtype=np.int64)
    d = dim[0]
    idx = arg(a, axis=d, keepdims=True).astype(np.int64, copy=False)
    values = np.take_along_axis(a, idx, axis=d)
    if not keepdim:
        return values.squeeze(d), idx.squeeze(d)
    return values, idx


@define("max")
def max_dim(a, dim, keepdim):
    return _extreme_dim(np.argmax, a, dim, keepdim)


@define("min")
def min_dim(a, dim, keepdim):
    return _extreme_dim(np.argmin, a, dim, keepdim)


def _arg_extreme(arg, a, dim, keepdim):
    """int64 index of the first extreme along ``dim`` (a 1-tuple), or in the flattened
    ``a`` (``dim`` None, or a 0-d ``a``)."""
    if dim is None or a.ndim == 0:
        i = np.asarray(arg(a), dtype=np.int64)
        return i.reshape((1,) * a.ndim) if keepdim else i
    return np.asarray(arg(a, axis=dim[0], keepdims=keepdim), dtype=np.int64)


@define("argmax")
def argmax(a, dim, keepdim):
    return _arg_extreme(np.argmax, a, dim, keepdim)


@define("argmin")
def argmin(a, dim, keepdim):
    return _arg_extreme(np.argmin, a, dim, keepdim)


def _pnorm(a, p, dims, keepdim):
    """(sum |a|^p)^(1/p), computed as m * (sum (|a|/m)^p)^(1/p) with m = max |a| per
    slice, so that neither huge nor tiny entries overflow or underflow."""
    ax = np.asarray(np.abs(a))
    m = np.asarray(np.max(ax, axis=dims, keepdims=True, initial=0))  # 0: empty slices
    m[(m == 0) | ~np.isfinite(m)] = 1  # all-zero slices stay 0; inf/NaN propagate below
    ax /= m
    y = np.sum(ax ** p, axis=dims, keepdims=True) ** (1.0 / p) * m
    return y if keepdim else y.reshape([s for i, s in enumerate(y.shape) if i not in dims])


@define("norm", errors=IGNORE)  # squares overflow and underflow, 0 ** p < 0 divides
def norm(a, p, dims, keepdim):
    """The p-norm over ``dims`` in ``a``'s dtype (p a float, +-inf or 0)."""
    if p == 2:
        y = np.sqrt(np.sum(np.square(a), axis=dims, keepdims=keepdim))
        bad = (y == 0) | ~np.isfinite(y)
        if np.any(bad) and a.size:  # overflow or underflow of the squares: rescale
            y = _pnorm(a, p, dims, keepdim)
    elif p == 1:
        y = np.sum(np.abs(a), axis=dims, keepdims=keepdim)
    elif p == np.inf:
        y = np.max(np.abs(a), axis=dims, keepdims=keepdim)
    elif p == -np.inf:
        y = np.min(np.abs(a), axis=dims, keepdims=keepdim)
    elif p == 0:
        y = np.count_nonzero(a, axis=dims, keepdims=keepdim).astype(a.dtype)
    elif p < 0:
        y = np.sum(np.abs(a) ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)
    else:
        y = _pnorm(a, p, dims, keepdim)
    return np.asarray(y, dtype=a.dtype)
