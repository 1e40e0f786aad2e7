"""``Size``: the type of ``Tensor.shape`` and ``Tensor.size()``, a tuple subclass as
``torch.Size`` is: equal to (and usable wherever) a plain tuple of ints, with
``numel()``. ``repr`` reads ``Size([2, 3])`` as PyTorch's does; ``str`` (and so
f-strings and error messages) stays the tuple's ``(2, 3)``."""

__all__ = ["Size"]


class Size(tuple):
    """A shape: a tuple of ints with ``numel()``."""

    __slots__ = ()

    def numel(self):
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __repr__(self):
        return f"Size({list(self)})"

    __str__ = tuple.__repr__

    def __reduce__(self):
        return (Size, (tuple(self),))
