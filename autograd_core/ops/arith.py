"""Arithmetic primitives (+ - * / ** neg, cast, clone) and the Tensor dunders that call them.

The array functions are numpy's ufuncs (``backend/arith.py``). Broadcast gradients are
left for the engine to reduce.
"""
from ..function import Primitive
from ..shapes import broadcast_shape
from .registry import register
from ..tensor_type import is_tensor

__all__ = ["Add", "Sub", "Mul", "Div", "Neg", "Pow", "PowScalar", "Cast", "Clone",
           "AddScalar", "RSubScalar", "MulScalar", "DivScalar", "RDivScalar",
           "ArithMethods"]


def binary(op, fn, a, b):
    """``fn(a, b)``; a broadcasting failure is re-raised naming ``op`` and both shapes."""
    try:
        return fn(a, b)
    except ValueError:
        broadcast_shape(op, a.shape, b.shape)
        raise


@register("add", "arith")
class Add(Primitive):
    stores_attributes = False

    def forward(self, F, a, b):
        try:  # inline rather than binary(): this is the hottest call of the library
            return F.add(a, b)
        except ValueError:
            broadcast_shape("add", a.shape, b.shape)
            raise

    def backward(self, F, g):
        return g, g


@register("sub", "arith")
class Sub(Primitive):
    stores_attributes = False

    def forward(self, F, a, b):
        try:
            return F.sub(a, b)
        except ValueError:
            broadcast_shape("sub", a.shape, b.shape)
            raise

    def backward(self, F, g):
        return g, (F.neg(g) if self.needs_input_grad[1] else None)


@register("mul", "arith")
class Mul(Primitive):
    stores_attributes = False

    def forward(self, F, a, b):
        self.save_for_backward(a, b)
        try:
            return F.mul(a, b)
        except ValueError:
            broadcast_shape("mul", a.shape, b.shape)
            raise

    def backward(self, F, g):
        a, b = F.saved(self)
        na, nb = self.needs_input_grad
        return (F.mul(g, b) if na else None), (F.mul(g, a) if nb else None)


@register("div", "arith")
class Div(Primitive):
    stores_attributes = False

    def forward(self, F, a, b):
        self.save_for_backward(a, b)
        return binary("div", F.div, a, b)

    def backward(self, F, g):
        a, b = F.saved(self)
        na, nb = self.needs_input_grad
        ga = F.div(g, b) if na else None
        gb = F.div(F.neg(F.mul(g, a)), F.mul(b, b)) if nb else None
        return ga, gb


@register("neg", "arith")
class Neg(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        return F.neg(a)

    def backward(self, F, g):
        return F.neg(g)


@register("pow", "arith")
class Pow(Primitive):
    """``a ** b`` with a tensor exponent; d/db = a**b * log(a), taken as 0 where a == 0."""

    stores_attributes = False

    def forward(self, F, a, b):
        y = binary("pow", F.pow, a, b)
        self.save_for_backward(a, b, y)
        return y

    def backward(self, F, g):
        a, b, y = F.saved(self)
        na, nb = self.needs_input_grad
        ga = F.mul(F.mul(g, b), F.pow(a, F.add_scalar(b, s=-1))) if na else None
        gb = None
        if nb:
            zero = F.eq(a, F.constant(0.0, a))
            loga = F.log(F.where(zero, F.constant(1.0, a), a))  # finite everywhere a != 0
            gb = F.where(zero, F.constant(0.0, a), F.mul(F.mul(g, y), loga))
        return ga, gb


@register("pow_scalar", "arith")
class PowScalar(Primitive):
    """``a ** p`` for a Python number ``p``."""

    def forward(self, F, a, exponent):
        self.exponent = exponent
        self.save_for_backward(a)
        return F.pow_scalar(a, exponent=exponent)

    def backward(self, F, g):
        (a,) = F.saved(self)
        p = self.exponent
        if p == 0:
            return F.mul_scalar(g, s=0)
        if p == 1:
            return g
        if p == 2:
            return F.mul(g, F.mul_scalar(a, s=2))
        return F.mul(g, F.mul_scalar(F.pow_scalar(a, exponent=p - 1), s=p))


# -- a Python number on one side: no constant tensor, no edge, nothing saved (speed) --

def _scalar(op, a, s):
    """Check the scalar operand once, where the mistake is made."""
    if a.dtype.kind == "b":
        raise TypeError(f"{op}: arithmetic on a bool tensor; convert it with .float() first")
    return s


@register("add_scalar", "arith")
class AddScalar(Primitive):
    """``a + s`` for a Python number ``s``."""

    stores_attributes = False

    def forward(self, F, a, s):
        return F.add_scalar(a, _scalar("add", a, s))

    def backward(self, F, g):
        return g


@register("rsub_scalar", "arith")
class RSubScalar(Primitive):
    """``s - a`` for a Python number ``s``."""

    stores_attributes = False

    def forward(self, F, a, s):
        return F.rsub_scalar(a, _scalar("sub", a, s))

    def backward(self, F, g):
        return F.neg(g)


@register("mul_scalar", "arith")
class MulScalar(Primitive):
    """``a * s`` for a Python number ``s``."""

    def forward(self, F, a, s):
        self.s = s
        return F.mul_scalar(a, _scalar("mul", a, s))

    def backward(self, F, g):
        return F.mul_scalar(g, s=self.s)


@register("div_scalar", "arith")
class DivScalar(Primitive):
    """``a / s`` for a Python number ``s``."""

    def forward(self, F, a, s):
        self.s = s
        return F.div_scalar(a, _scalar("div", a, s))

    def backward(self, F, g):
        return F.div_scalar(g, s=self.s)


@register("rdiv_scalar", "arith")
class RDivScalar(Primitive):
    """``s / a`` for a Python number ``s``: d/da = -s / a**2 = -y / a."""

    stores_attributes = False

    def forward(self, F, a, s):
        y = F.rdiv_scalar(a, _scalar("div", a, s))
        self.save_for_backward(a, y)
        return y

    def backward(self, F, g):
        a, y = F.saved(self)
        return F.div(F.neg(F.mul(g, y)), a)


_NUM = (float, int)  # exact types: bool and numpy scalars take the general path


@register("cast", "arith")
class Cast(Primitive):
    stores_attributes = False

    def forward(self, F, a, dtype):
        return F.cast(a, dtype=dtype)

    def backward(self, F, g):
        return g  # the engine casts it back to the input's dtype


@register("clone", "arith")
class Clone(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        return F.clone(a)

    def backward(self, F, g):
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
    if is_tensor(a):
        return a, b
    if is_tensor(b):
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


def power(input, exponent):
    """``input ** exponent`` (either may be a number); ``autograd_core.pow``."""
    a, b = _pair("pow", input, exponent)
    return a.pow(b) if a is input else b.__rpow__(input)


def neg(input):
    return input.neg()


multiply, subtract, divide, true_divide, negative = mul, sub, div, div, neg
PUBLIC_NAMES = {"pow": power}
__all__ += ["add", "sub", "mul", "div", "power", "neg", "multiply", "subtract", "divide",
            "true_divide", "negative"]
