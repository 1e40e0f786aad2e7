"""Rounded division: ``remainder`` (``%``, the result takes the divisor's sign, as
Python's and PyTorch's), ``fmod`` (the dividend's sign, as C's), ``floor_divide``
(``//``, rounding down). Broadcasting as the arithmetic ops; an integer division by
zero raises ZeroDivisionError (PyTorch's rule), a floating one gives inf/NaN.

remainder(a, b) = a - floor(a / b) * b, so its gradient is (g, -g * floor(a / b));
fmod's is (g, -g * trunc(a / b)). ``floor_divide`` is piecewise constant and, as in
PyTorch, not differentiable (its result never requires grad).
"""
from ..backend import ARRAYS as _ARRAYS
from ..function import Primitive
from .arith import _pair, binary
from .registry import register

__all__ = ["Remainder", "Fmod", "FloorDivide", "DivModMethods", "remainder", "fmod",
           "floor_divide"]


@register("remainder", "arith")
class Remainder(Primitive):
    """a - round(a / b) * b with ``round`` = floor: the divisor's sign."""

    stores_attributes = False

    def forward(self, F, a, b):
        self.save_for_backward(a, b)
        return binary(self.name, getattr(F, self.name), a, b)  # the registry name

    @staticmethod
    def _round(F, q):
        return F.floor(q)

    def backward(self, F, g):
        gb = None
        if self.needs_input_grad[1]:
            a, b = F.saved(self)
            gb = F.neg(F.mul(g, self._round(F, F.div(F.detach(a), F.detach(b)))))
        return g, gb


@register("fmod", "arith")
class Fmod(Remainder):
    """a - trunc(a / b) * b: the dividend's sign."""

    @staticmethod
    def _round(F, q):
        return F.trunc(q)


@register("floor_divide", "arith")
class FloorDivide(Primitive):
    differentiable = False
    stores_attributes = False

    def forward(self, F, a, b):
        return binary("floor_divide", F.floor_divide, a, b)


def _operands(op, a, b):
    b = a._to_tensor(b)
    if a.dtype.kind == "b" and b.dtype.kind == "b":
        raise TypeError(f"{op}: not defined for two bool tensors")
    if a.dtype.kind in "iub" and b.dtype.kind in "iub" and b._data.size and \
            _ARRAYS.has_zero(b._data):
        raise ZeroDivisionError(f"{op}: integer division by zero (the divisor holds a 0)")
    return a, b


class DivModMethods:
    """Tensor ``%``, ``//``, remainder, fmod, floor_divide."""

    __slots__ = ()

    def remainder(self, other):
        """Elementwise remainder with the divisor's sign (Python's ``%``)."""
        a, b = _operands("remainder", self, other)
        return a._apply(Remainder, a, b)

    def fmod(self, other):
        """Elementwise remainder with the dividend's sign (C's ``fmod``)."""
        a, b = _operands("fmod", self, other)
        return a._apply(Fmod, a, b)

    def floor_divide(self, other):
        """Elementwise a / b rounded down (Python's ``//``); not differentiable."""
        a, b = _operands("floor_divide", self, other)
        return a._apply(FloorDivide, a, b)

    __mod__ = remainder
    __floordiv__ = floor_divide

    def __rmod__(self, other):
        a, b = _operands("remainder", self._to_tensor(other), self)
        return a._apply(Remainder, a, b)

    def __rfloordiv__(self, other):
        a, b = _operands("floor_divide", self._to_tensor(other), self)
        return a._apply(FloorDivide, a, b)


def remainder(input, other):
    """See ``Tensor.remainder``; either argument may be a number."""
    return DivModMethods.remainder(*_pair("remainder", input, other))


def fmod(input, other):
    """See ``Tensor.fmod``."""
    return DivModMethods.fmod(*_pair("fmod", input, other))


def floor_divide(input, other):
    """See ``Tensor.floor_divide``."""
    return DivModMethods.floor_divide(*_pair("floor_divide", input, other))
