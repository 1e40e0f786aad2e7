"""Argument helpers shared by the shape, join and index families: wrapping a (possibly
negative) dim, and reading a shape given either as varargs or as one sequence."""
import numpy as np

__all__ = ["wrap_dim", "shape_arg", "share_version"]


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
    if np.may_share_memory(out._data, base._data):
        out._version = base._version
    return out
