"""Shape functions on arrays: reshape, permute, expand (numpy views where numpy can make
them), cat and constant padding, and the index arrays of the non-constant pad modes."""
import numpy as np

from .namespace import ARRAYS

define = ARRAYS.define


class _Reversed(dict):
    """ndim -> (ndim-1, ..., 1, 0), built once per ndim."""

    def __missing__(self, nd):
        self[nd] = r = tuple(range(nd - 1, -1, -1))
        return r


#: the full reversal of ``ndim`` dims (``Tensor.T``), by ndim
REVERSED = _Reversed()


@define("reshape")
def reshape(a, shape):
    """``a`` with ``shape`` (a view where numpy can make one, else a copy)."""
    return a.reshape(shape)


@define("permute")
def permute(a, dims):
    """Output dim i is input dim ``dims[i]`` (a view)."""
    # ndarray.T is the full reversal without np.transpose's dispatch (see the design note)
    return a.T if dims == REVERSED[a.ndim] else np.transpose(a, dims)


@define("expand")
def expand(a, shape):
    """``a`` broadcast to ``shape`` (a read-only view)."""
    return np.broadcast_to(a, shape)


@define("cat")
def cat(*arrays, dim=0):
    """The concatenation along ``dim``; a 1-d empty array among arrays of more dims is
    skipped, as PyTorch does."""
    nd = max(a.ndim for a in arrays)
    return np.concatenate([a for a in arrays if a.shape != (0,) or nd == 1], axis=dim)


@define("pad")
def pad(a, widths, value=0.0):
    """``a`` padded with ``value`` by (before, after) ``widths`` per dim; negative
    entries crop."""
    out = np.full(tuple(s + lo + hi for s, (lo, hi) in zip(a.shape, widths)), value,
                  dtype=a.dtype)
    src, dst = [], []
    for s, (lo, hi) in zip(a.shape, widths):
        s0, s1 = max(0, -lo), s - max(0, -hi)
        n = max(0, s1 - s0)
        src.append(slice(s0, s0 + n))
        dst.append(slice(max(0, lo), max(0, lo) + n))
    out[tuple(dst)] = a[tuple(src)]
    return out


@define("pad_index")
def pad_index(mode, size, lo, hi):
    """Indices into a dim of ``size`` that pad it by (lo, hi) in ``mode`` ('reflect',
    'replicate' or 'circular'; the caller has checked the widths fit)."""
    p = np.arange(-lo, size + hi)
    if mode == "replicate":
        return np.clip(p, 0, size - 1)
    if mode == "circular":
        return p % size
    p = np.abs(p)
    return np.where(p > size - 1, 2 * (size - 1) - p, p)
