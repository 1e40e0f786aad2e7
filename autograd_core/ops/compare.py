"""Comparisons and logic: ``== != < <= > >=``, isnan/isfinite/isinf, logical and bitwise
not/and/or/xor, isclose/allclose/equal.

Every primitive here is ``differentiable = False``: results are bool (or integer, for
bitwise ops on integers) and never require grad. Binary ops broadcast: (*a), (*b) ->
broadcast shape. ``__eq__`` returns a Tensor, so ``Tensor`` keeps ``object.__hash__``.
"""
import numpy as np

from ..backend import ARRAYS
from ..function import Primitive
from ..shapes import broadcast_shape
from .registry import register
from ..tensor_type import is_tensor

__all__ = ["Eq", "Ne", "Lt", "Le", "Gt", "Ge", "IsNan", "IsFinite", "IsInf",
           "LogicalNot", "LogicalAnd", "LogicalOr", "LogicalXor", "BitwiseNot",
           "BitwiseAnd", "BitwiseOr", "BitwiseXor", "IsClose", "CompareMethods",
           "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
           "less_equal", "not_equal", "isnan", "isfinite", "isinf", "logical_not",
           "logical_and", "logical_or", "logical_xor", "bitwise_not", "bitwise_and",
           "bitwise_or", "bitwise_xor", "isclose", "allclose", "equal"]


class _Binary(Primitive):
    """``F.<name>(a, b)`` (the array function of the registered name), broadcasting."""

    differentiable = False
    stores_attributes = False

    def forward(self, F, a, b):
        try:
            return getattr(F, self.name)(a, b)
        except ValueError:
            broadcast_shape(self.name, a.shape, b.shape)  # raises, naming op and shapes
            raise


class _Unary(Primitive):
    differentiable = False
    stores_attributes = False

    def forward(self, F, a):
        return getattr(F, self.name)(a)


def _binary(name):
    cls = type(name.title().replace("_", ""), (_Binary,), {"__module__": __name__})
    return register(name, "compare")(cls)


def _unary(name, cls_name):
    cls = type(cls_name, (_Unary,), {"__module__": __name__})
    return register(name, "compare")(cls)


Eq = _binary("eq")
Ne = _binary("ne")
Lt = _binary("lt")
Le = _binary("le")
Gt = _binary("gt")
Ge = _binary("ge")
LogicalAnd = _binary("logical_and")
LogicalOr = _binary("logical_or")
LogicalXor = _binary("logical_xor")
BitwiseAnd = _binary("bitwise_and")
BitwiseOr = _binary("bitwise_or")
BitwiseXor = _binary("bitwise_xor")
IsNan = _unary("isnan", "IsNan")
IsFinite = _unary("isfinite", "IsFinite")
IsInf = _unary("isinf", "IsInf")
LogicalNot = _unary("logical_not", "LogicalNot")
BitwiseNot = _unary("bitwise_not", "BitwiseNot")


@register("isclose", "compare")
class IsClose(Primitive):
    """``|a - b| <= atol + rtol * |b|`` elementwise (PyTorch's and numpy's rule)."""

    differentiable = False
    stores_attributes = False

    def forward(self, F, a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
        try:
            return F.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
        except ValueError:
            broadcast_shape("isclose", a.shape, b.shape)
            raise


def _operand(x):
    """Is ``x`` something a comparison can take (else ``==`` gives NotImplemented)?"""
    return is_tensor(x) or isinstance(
        x, (bool, int, float, np.number, np.bool_, np.ndarray, list, tuple))


def _integral(op, t):
    """Bitwise ops take bool or integer tensors only (PyTorch's rule)."""
    if t._data.dtype.kind not in "biu":
        raise TypeError(
            f"{op}: only integer and boolean tensors are supported, got dtype {t._data.dtype}"
        )
    return t


class CompareMethods:
    """Tensor comparison and logic methods; operators return bool Tensors."""

    __slots__ = ()

    def _cmp(self, fn_cls, other):
        return self._apply(fn_cls, self, self._to_tensor(other))

    def eq(self, other):
        return self._cmp(Eq, other)

    def ne(self, other):
        return self._cmp(Ne, other)

    def lt(self, other):
        return self._cmp(Lt, other)

    def le(self, other):
        return self._cmp(Le, other)

    def gt(self, other):
        return self._cmp(Gt, other)

    def ge(self, other):
        return self._cmp(Ge, other)

    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def __eq__(self, other):
        if not _operand(other):
            return NotImplemented  # x == None is False, as PyTorch
        return self._cmp(Eq, other)

    def __ne__(self, other):
        if not _operand(other):
            return NotImplemented
        return self._cmp(Ne, other)

    __lt__, __le__, __gt__, __ge__ = lt, le, gt, ge

    def isnan(self):
        return self._apply(IsNan, self)

    def isfinite(self):
        return self._apply(IsFinite, self)

    def isinf(self):
        return self._apply(IsInf, self)

    def logical_not(self):
        """True where the value is zero (any dtype)."""
        return self._apply(LogicalNot, self)

    def logical_and(self, other):
        """Nonzero-and-nonzero, for any dtypes."""
        return self._cmp(LogicalAnd, other)

    def logical_or(self, other):
        return self._cmp(LogicalOr, other)

    def logical_xor(self, other):
        return self._cmp(LogicalXor, other)

    def bitwise_not(self):
        """``~x``: logical not for bool tensors, two's-complement not for integers."""
        return self._apply(BitwiseNot, _integral("bitwise_not", self))

    def _bitwise(self, fn_cls, op, other, reflected=False):
        other = self._to_tensor(other)
        _integral(op, self)
        _integral(op, other)
        return self._apply(fn_cls, *((other, self) if reflected else (self, other)))

    def bitwise_and(self, other):
        return self._bitwise(BitwiseAnd, "bitwise_and", other)

    def bitwise_or(self, other):
        return self._bitwise(BitwiseOr, "bitwise_or", other)

    def bitwise_xor(self, other):
        return self._bitwise(BitwiseXor, "bitwise_xor", other)

    __invert__ = bitwise_not
    __and__, __or__, __xor__ = bitwise_and, bitwise_or, bitwise_xor

    def __rand__(self, other):
        return self._bitwise(BitwiseAnd, "bitwise_and", other, reflected=True)

    def __ror__(self, other):
        return self._bitwise(BitwiseOr, "bitwise_or", other, reflected=True)

    def __rxor__(self, other):
        return self._bitwise(BitwiseXor, "bitwise_xor", other, reflected=True)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Bool tensor: ``|self - other| <= atol + rtol * |other|``."""
        return self._apply(IsClose, self, self._to_tensor(other), rtol=float(rtol),
                           atol=float(atol), equal_nan=bool(equal_nan))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Python bool: ``isclose`` everywhere."""
        return bool(self.isclose(other, rtol, atol, equal_nan)._data.all())

    def equal(self, other):
        """Python bool: same shape and same values (PyTorch's ``torch.equal``)."""
        other = self._to_tensor(other)
        return self.shape == other.shape and bool(ARRAYS.array_equal(self._data, other._data))


def _method(name):
    def f(input, *args, **kwargs):
        if not is_tensor(input):
            raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"``autograd_core.{name}(input, ...)``: see ``Tensor.{name}``."
    return f


eq, ne, lt, le, gt, ge = (_method(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))
greater, greater_equal, less, less_equal, not_equal = (
    _method(n) for n in ("greater", "greater_equal", "less", "less_equal", "not_equal"))
isnan, isfinite, isinf = _method("isnan"), _method("isfinite"), _method("isinf")
logical_not, logical_and = _method("logical_not"), _method("logical_and")
logical_or, logical_xor = _method("logical_or"), _method("logical_xor")
bitwise_not, bitwise_and = _method("bitwise_not"), _method("bitwise_and")
bitwise_or, bitwise_xor = _method("bitwise_or"), _method("bitwise_xor")
isclose, allclose, equal = _method("isclose"), _method("allclose"), _method("equal")
