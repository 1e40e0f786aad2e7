"""Shape helpers shared by ops and the engine: broadcasting and its inverse."""
import numpy as np

__all__ = ["broadcast_shape", "unbroadcast_axes", "reduction_to", "normalize_dims", "keep_shape"]


def broadcast_shape(op, *shapes):
    """The numpy broadcast of ``shapes``; raises ValueError naming ``op`` and the shapes."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        pretty = " and ".join(str(tuple(s)) for s in shapes)
        raise ValueError(f"{op}: shapes {pretty} cannot be broadcast together") from None


def unbroadcast_axes(grad_shape, shape):
    """Axes to sum a gradient of ``grad_shape`` over to get back to ``shape``.

    Returns ``(lead, keep)``: ``lead`` are the leading axes that broadcasting added
    (summed away), ``keep`` the axes where ``shape`` had size 1 (summed with keepdim).
    Both are tuples of axes of ``grad_shape``.
    """
    nlead = len(grad_shape) - len(shape)
    lead = tuple(range(nlead))
    keep = tuple(
        i + nlead
        for i, s in enumerate(shape)
        if s == 1 and grad_shape[i + nlead] != 1
    )
    return lead, keep


def reduction_to(grad_shape, shape):
    """The axes to sum a broadcast gradient of ``grad_shape`` over (keepdim) so that it
    reshapes to ``shape``; None when no such reduction exists (a wrong gradient)."""
    lead, keep = unbroadcast_axes(grad_shape, shape)
    if len(grad_shape) < len(shape) or any(
        grad_shape[k] != s for k, s in zip(range(len(lead), len(grad_shape)), shape) if s != 1
    ):
        return None
    return lead + keep


def normalize_dims(op, dim, ndim):
    """Turn ``dim`` (None, int or sequence, negatives allowed) into a sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        dims = (int(dim),)
    else:
        dims = tuple(int(d) for d in dim)
    out = []
    for d in dims:
        lo = -max(ndim, 1)
        hi = max(ndim, 1) - 1
        if not lo <= d <= hi:
            raise IndexError(
                f"{op}: dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})"
            )
        d = d % max(ndim, 1)
        if d in out:
            raise ValueError(f"{op}: dim {d} appears multiple times in the list of dims")
        out.append(d)
    if ndim == 0:
        return ()
    return tuple(sorted(out))


def keep_shape(shape, dims):
    """``shape`` with the reduced ``dims`` set to 1 (the keepdim shape)."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))
