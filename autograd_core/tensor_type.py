"""``TensorType``, the base ``Tensor`` inherits, and ``is_tensor``: how every layer,
including those below ``tensor.py`` (ops, function), recognises a Tensor without
importing it."""

__all__ = ["TensorType", "is_tensor"]


class TensorType:
    """Marker base of ``Tensor``; no state, no methods."""

    __slots__ = ()


def is_tensor(obj):
    """True when ``obj`` is a Tensor (as ``torch.is_tensor``)."""
    return isinstance(obj, TensorType)
