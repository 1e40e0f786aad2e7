"""``Size``: the type of ``Tensor.shape`` and ``Tensor.size()``, a tuple subclass as
``torch.Size`` is: equal to (and usable wherever) a plain tuple of ints, with
``numel()``. ``repr`` reads ``Size([2, 3])`` as PyTorch's does; ``str`` (and so
f-strings and error messages) stays the tuple's ``(2, 3)``. Slicing and ``+`` give
plain tuples (PyTorch's give a Size): no Python-level tuple methods, so a Size costs
what a tuple costs wherever the library passes shapes on."""

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

    def __repr__(self):
        return f"Size({list(self)})"

    __str__ = tuple.__repr__

    def __reduce__(self):
        return (Size, (tuple(self),))
