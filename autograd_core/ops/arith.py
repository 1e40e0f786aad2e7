"""Arithmetic primitives (+ - * / ** neg, cast, clone) and the Tensor dunders that call them.

Forward calls numpy's ufuncs directly: each is already one compiled pass over the
data, so a Numba kernel would only add dispatch cost. Broadcast gradients are left
for the engine to reduce.
"""
import numpy as np

from ..function import Function
from ..shapes import broadcast_shape
from .registry import register

__all__ = ["Add", "Sub", "Mul", "Div", "Neg", "Pow", "PowScalar", "Cast", "Clone",
           "AddScalar", "RSubScalar", "MulScalar", "DivScalar", "RDivScalar",
           "ArithMethods"]


def binary(op, ufunc, a, b):
    """``ufunc(a, b)``; a broadcasting failure is re-raised naming ``op`` and both shapes."""
    try:
        return ufunc(a, b)
    except ValueError:
        broadcast_shape(op, a.shape, b.shape)
        raise


@register("add", "arith")
class Add(Function):
    keeps_state = False

    def forward(self, a, b):
        try:  # inline rather than binary(): this is the hottest call of the library
            return np.add(a, b)
        except ValueError:
            broadcast_shape("add", a.shape, b.shape)
            raise

    def backward(self, g):
        return g, g

    def array_backward(self, g):
        return g, g


@register("sub", "arith")
class Sub(Function):
    keeps_state = False

    def forward(self, a, b):
        try:  # inline rather than binary(): this is the hottest call of the library
            return np.subtract(a, b)
        except ValueError:
            broadcast_shape("sub", a.shape, b.shape)
            raise

    def backward(self, g):
        return g, (-g if self.needs_input_grad[1] else None)

    def array_backward(self, g):
        return g, (np.negative(g) if self.needs_input_grad[1] else None)


@register("mul", "arith")
class Mul(Function):
    keeps_state = False

    def forward(self, a, b):
        self.save_for_backward(a, b)
        try:  # inline rather than binary(): this is the hottest call of the library
            return np.multiply(a, b)
        except ValueError:
            broadcast_shape("mul", a.shape, b.shape)
            raise

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        return (g * b if na else None), (g * a if nb else None)

    def array_backward(self, g):
        a, b = self.saved_arrays
        na, nb = self.needs_input_grad
        return (np.multiply(g, b) if na else None), (np.multiply(g, a) if nb else None)


@register("div", "arith")
class Div(Function):
    keeps_state = False

    def forward(self, a, b):
        self.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            return binary("div", np.true_divide, a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        ga = g / b if na else None
        gb = -(g * a) / (b * b) if nb else None
        return ga, gb

    def array_backward(self, g):
        a, b = self.saved_arrays
        na, nb = self.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):  # as Div.forward
            ga = np.true_divide(g, b) if na else None
            gb = np.true_divide(np.negative(g * a), b * b) if nb else None
        return ga, gb


@register("neg", "arith")
class Neg(Function):
    keeps_state = False

    def forward(self, a):
        return np.negative(a)

    def backward(self, g):
        return -g

    def array_backward(self, g):
        return np.negative(g)


@register("pow", "arith")
class Pow(Function):
    """``a ** b`` with a tensor exponent; d/db = a**b * log(a), taken as 0 where a == 0."""

    keeps_state = False

    def forward(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            y = binary("pow", np.power, a, b)
        self.save_for_backward(a, b, y)
        return y

    def backward(self, g):
        a, b, y = self.saved_tensors
        na, nb = self.needs_input_grad
        ga = g * b * a ** (b - 1) if na else None
        gb = None
        if nb:
            zero = a == 0
            loga = zero.where(a._to_tensor(1.0), a).log()  # finite everywhere a != 0
            gb = zero.where(a._to_tensor(0.0), g * y * loga)
        return ga, gb

    def array_backward(self, g):
        # backward above, op for op: b - 1 is AddScalar, a ** t is Pow, where/log as named
        a, b, y = self.saved_arrays
        na, nb = self.needs_input_grad
        ga = gb = None
        if na:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                t = np.power(a, np.add(b, -1))
            ga = np.multiply(np.multiply(g, b), t)
        if nb:
            zero = a == 0
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as Log
                loga = np.asarray(np.log(np.where(zero, _like(1.0, a), a)))
            gb = np.where(zero, _like(0.0, a), np.multiply(np.multiply(g, y), loga))
        return ga, gb


def _like(value, a):
    """``Tensor._to_tensor(value)`` on arrays: a 0-d array of a's dtype (a floating)."""
    return np.array(value, dtype=a.dtype) if a.dtype.kind == "f" else value


@register("pow_scalar", "arith")
class PowScalar(Function):
    """``a ** p`` for a Python number ``p``."""

    def forward(self, a, exponent):
        self.exponent = exponent
        self.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.power(a, exponent)
        return out.astype(a.dtype, copy=False) if a.dtype.kind == "f" else out

    def backward(self, g):
        (a,) = self.saved_tensors
        p = self.exponent
        if p == 0:
            return g * 0
        if p == 1:
            return g
        if p == 2:
            return g * (a * 2)
        return g * (a ** (p - 1) * p)

    def array_backward(self, g):
        (a,) = self.saved_arrays
        p = self.exponent
        if p == 0:
            return np.multiply(g, 0)
        if p == 1:
            return g
        if p == 2:
            return np.multiply(g, np.multiply(a, 2))
        with np.errstate(divide="ignore", invalid="ignore"):  # as PowScalar.forward
            t = np.power(a, p - 1)
        if a.dtype.kind == "f":
            t = t.astype(a.dtype, copy=False)
        return np.multiply(g, np.multiply(t, p))


# -- a Python number on one side: no constant tensor, no edge, nothing saved (speed) --

def _scalar(op, a, s):
    """Check the scalar operand once, where the mistake is made."""
    if a.dtype.kind == "b":
        raise TypeError(f"{op}: arithmetic on a bool tensor; convert it with .float() first")
    return s


@register("add_scalar", "arith")
class AddScalar(Function):
    """``a + s`` for a Python number ``s``."""

    keeps_state = False

    def forward(self, a, s):
        return np.add(a, _scalar("add", a, s))

    def backward(self, g):
        return g

    def array_backward(self, g):
        return g


@register("rsub_scalar", "arith")
class RSubScalar(Function):
    """``s - a`` for a Python number ``s``."""

    keeps_state = False

    def forward(self, a, s):
        return np.subtract(_scalar("sub", a, s), a)

    def backward(self, g):
        return -g

    def array_backward(self, g):
        return np.negative(g)


@register("mul_scalar", "arith")
class MulScalar(Function):
    """``a * s`` for a Python number ``s``."""

    def forward(self, a, s):
        self.s = s
        return np.multiply(a, _scalar("mul", a, s))

    def backward(self, g):
        return g * self.s

    def array_backward(self, g):
        return np.multiply(g, self.s)


@register("div_scalar", "arith")
class DivScalar(Function):
    """``a / s`` for a Python number ``s``."""

    def forward(self, a, s):
        self.s = s
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(a, _scalar("div", a, s))

    def backward(self, g):
        return g / self.s

    def array_backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):  # as DivScalar.forward
            return np.true_divide(g, self.s)


@register("rdiv_scalar", "arith")
class RDivScalar(Function):
    """``s / a`` for a Python number ``s``: d/da = -s / a**2 = -y / a."""

    keeps_state = False

    def forward(self, a, s):
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.true_divide(_scalar("div", a, s), a)
        self.save_for_backward(a, y)
        return y

    def backward(self, g):
        a, y = self.saved_tensors
        return -(g * y) / a

    def array_backward(self, g):
        a, y = self.saved_arrays
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(np.negative(g * y), a)


_NUM = (float, int)  # exact types: bool and numpy scalars take the general path


@register("cast", "arith")
class Cast(Function):
    keeps_state = False

    def forward(self, a, dtype):
        return a.astype(dtype)

    def backward(self, g):
        return g  # the engine casts it back to the input's dtype

    def array_backward(self, g):
        return g


@register("clone", "arith")
class Clone(Function):
    keeps_state = False

    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return g

    def array_backward(self, g):
        return g


class ArithMethods:
    """Tensor arithmetic: ``+ - * / **`` with tensors or Python numbers on either side."""

    __slots__ = ()

    # Fast checks first: another Tensor of the same class (the common case) skips
    # _to_tensor; exact float/int types take the scalar primitives.
    def add(self, other, alpha=1):
        if type(other) is type(self) and alpha == 1:
            return self._apply(Add, self, other)
        if type(other) in _NUM:
            return self._apply(AddScalar, self, s=other * alpha)
        other = self._to_tensor(other)
        if alpha != 1:
            other = other * alpha
        return self._apply(Add, self, other)

    def sub(self, other, alpha=1):
        if type(other) is type(self) and alpha == 1:
            return self._apply(Sub, self, other)
        if type(other) in _NUM:
            return self._apply(AddScalar, self, s=-(other * alpha))
        other = self._to_tensor(other)
        if alpha != 1:
            other = other * alpha
        return self._apply(Sub, self, other)

    def mul(self, other):
        if type(other) is type(self):
            return self._apply(Mul, self, other)
        if type(other) in _NUM:
            return self._apply(MulScalar, self, s=other)
        return self._apply(Mul, self, self._to_tensor(other))

    def div(self, other):
        if type(other) is type(self):
            return self._apply(Div, self, other)
        if type(other) in _NUM:
            return self._apply(DivScalar, self, s=other)
        return self._apply(Div, self, self._to_tensor(other))

    def neg(self):
        return self._apply(Neg, self)

    def pow(self, exponent):
        if type(exponent) in _NUM:  # exact types, as the other scalar ops: numpy scalars
            return self._apply(PowScalar, self, exponent=exponent)  # promote like numpy
        return self._apply(Pow, self, self._to_tensor(exponent))

    def _cast(self, dtype):
        return self._apply(Cast, self, dtype=dtype)

    def _clone(self):
        return self._apply(Clone, self)

    __add__ = add
    __sub__ = sub
    __mul__ = mul
    __truediv__ = div
    __neg__ = neg
    __pow__ = pow
    multiply = mul
    subtract = sub
    divide = div
    true_divide = div
    negative = neg

    def __radd__(self, other):
        if type(other) in _NUM:
            return self._apply(AddScalar, self, s=other)
        return self._apply(Add, self._to_tensor(other), self)

    def __rsub__(self, other):
        if type(other) in _NUM:
            return self._apply(RSubScalar, self, s=other)
        return self._apply(Sub, self._to_tensor(other), self)

    def __rmul__(self, other):
        if type(other) in _NUM:
            return self._apply(MulScalar, self, s=other)
        return self._apply(Mul, self._to_tensor(other), self)

    def __rtruediv__(self, other):
        if type(other) in _NUM:
            return self._apply(RDivScalar, self, s=other)
        return self._apply(Div, self._to_tensor(other), self)

    def __rpow__(self, other):
        return self._apply(Pow, self._to_tensor(other), self)

    def __pos__(self):
        return self


# -- module-level functions (autograd_core.add(x, y), ...) ----------------------------------

def _pair(op, a, b):
    if hasattr(a, "_apply"):
        return a, b
    if hasattr(b, "_apply"):
        return b._to_tensor(a), b
    raise TypeError(f"{op}: expected at least one Tensor, got {type(a).__name__} and "
                    f"{type(b).__name__}")


def add(input, other, alpha=1):
    """``input + alpha * other`` with broadcasting."""
    a, b = _pair("add", input, other)
    return a.add(b, alpha=alpha)


def sub(input, other, alpha=1):
    """``input - alpha * other`` with broadcasting."""
    a, b = _pair("sub", input, other)
    return a.sub(b, alpha=alpha)


def mul(input, other):
    """Elementwise product with broadcasting."""
    a, b = _pair("mul", input, other)
    return a.mul(b)


def div(input, other):
    """Elementwise true division with broadcasting."""
    a, b = _pair("div", input, other)
    return a.div(b)


def pow(input, exponent):
    """``input ** exponent`` (either may be a number)."""
    a, b = _pair("pow", input, exponent)
    return a.pow(b) if a is input else b.__rpow__(input)


def neg(input):
    return input.neg()


multiply, subtract, divide, true_divide, negative = mul, sub, div, div, neg
__all__ += ["add", "sub", "mul", "div", "pow", "neg", "multiply", "subtract", "divide",
            "true_divide", "negative"]
