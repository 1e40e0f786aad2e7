"""Argument helpers shared by the op families: wrapping a (possibly negative) dim,
reading a shape given either as varargs or as one sequence, the ``dim``/``keepdim``
arguments of reductions (numpy's ``axis``/``keepdims`` accepted too), and a view's
version counter."""
import numpy as np

from .. import dtypes
from ..backend import ARRAYS
from ..shapes import normalize_dims
from ..tensor_type import is_tensor

__all__ = ["wrap_dim", "shape_arg", "share_version", "tensor_arg", "dim_args",
           "reduce_dims", "one_dim", "floating"]


def wrap_dim(op, dim, ndim, extra=0):
    """``dim`` as a non-negative axis of a tensor with ``ndim`` dims.

    ``extra=1`` allows one position past the end (unsqueeze, stack). A 0-d tensor
    accepts dims -1 and 0, as in PyTorch. Raises IndexError naming ``op``.
    """
    try:
        d = int(dim)
    except TypeError:
        raise TypeError(f"{op}: dim must be an integer, got {type(dim).__name__}") from None
    n = max(ndim + extra, 1)
    if not -n <= d < n:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], "
            f"but got {d})"
        )
    return d % n


def shape_arg(op, args):
    """``f(2, 3)`` and ``f((2, 3))`` both give ``(2, 3)``; entries become Python ints."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if all(type(s) is int for s in args):  # the common case, without per-entry checks
        return args
    out = []
    for s in args:
        if isinstance(s, (bool, float, np.floating)) or not hasattr(s, "__index__"):
            raise TypeError(f"{op}: sizes must be integers, got {s!r} of type {type(s).__name__}")
        out.append(s.__index__())
    return tuple(out)


def share_version(out, base):
    """Give ``out`` the version counter of ``base`` when it is a view of the same memory,
    so that an in-place write through either is seen by backward's saved-tensor check
    (as PyTorch's views share their base's counter). ``may_share_memory`` compares
    bounds only, so this is O(1)."""
    if ARRAYS.may_share_memory(out._data, base._data):
        out._version = base._version
    return out


# -- reductions ----------------------------------------------------------------------

def tensor_arg(op, x):
    """``x`` if it is a Tensor (the module-level functions' first argument)."""
    if not is_tensor(x):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    return x


def dim_args(op, dim, keepdim, axis, keepdims):
    """Merge numpy's ``axis``/``keepdims`` into ``dim``/``keepdim``."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}(): got both dim={dim!r} and axis={axis!r}; pass one")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


_DIMS = {}  # (dim, ndim) -> normalized dims: a pure memo of shapes.normalize_dims


def reduce_dims(op, dim, ndim):
    """``normalize_dims`` memoized: the engine reduces every broadcast gradient through
    ``sum``, always with the same few dim tuples, and the validation loop would cost
    more than a small reduction itself. Invalid dims are never cached (they raise)."""
    key = (dim, ndim)
    try:
        return _DIMS[key]
    except KeyError:
        dims = normalize_dims(op, dim, ndim)
        if len(_DIMS) < 4096:
            _DIMS[key] = dims
        return dims
    except TypeError:  # an unhashable dim (a list): not memoized
        return normalize_dims(op, dim, ndim)


def one_dim(op, dim, ndim):
    """A single dim as a normalized 1-tuple (() for a 0-d input)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(
            f"{op}(): dim must be an int, got {type(dim).__name__} {dim!r}"
            + ("; use amax/amin to reduce several dims" if op in ("max", "min") else "")
        )
    return reduce_dims(op, dim, ndim)


def floating(op, x, dtype=None):
    """``x`` cast to ``dtype`` if given; raises TypeError unless it is floating point."""
    if dtype is not None:
        x = x.astype(dtype)
    if not dtypes.is_float(x._data.dtype):
        raise TypeError(
            f"{op}(): expected a floating point tensor, got dtype {x._data.dtype} "
            "(cast it first, or pass dtype=)"
        )
    return x
