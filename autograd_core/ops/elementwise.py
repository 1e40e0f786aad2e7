"""Elementwise math: exp/log family, sqrt, abs, sign, trig, rounding.

Two neighbours belong to the same family and are re-exported from here (primitives,
functions, and their Tensor methods through ``ElementwiseMethods``): ``activation.py``
(relu, sigmoid, tanh, ... with fused backwards) and ``where.py`` (where, clamp,
maximum, minimum).

The array functions are numpy's ufuncs (``backend/elementwise.py``), where numpy's
special value *is* the answer (exp(1e4) = inf, log(0) = -inf, sqrt(-1) = nan, 1/0 =
inf): users get PyTorch's results without warning spam.

Every op maps a tensor of shape (*) to one of shape (*).
"""
import math

import numpy as np

from ..function import Primitive
from .activation import *  # noqa: F401,F403  (re-exported: one family for the package)
from .activation import __all__ as _activation_all
from .activation import ActivationMethods, floating, tensor_arg
from .registry import register
from .where import *  # noqa: F401,F403  (re-exported, as above)
from .where import __all__ as _where_all
from .where import SelectMethods

__all__ = ["Exp", "Expm1", "Log", "Log1p", "Log2", "Log10", "Sqrt", "Rsqrt",
           "Reciprocal", "Abs", "Sin", "Cos", "Sign", "Floor", "Ceil", "Round", "Trunc",
           "ElementwiseMethods",
           "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "reciprocal",
           "square", "absolute", "sign", "sin", "cos", "floor", "ceil",
           "trunc", "fix"] + _activation_all + _where_all

_LN2, _LN10 = math.log(2.0), math.log(10.0)


@register("exp", "elementwise")
class Exp(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        y = F.exp(a)
        self.save_for_backward(y)
        return y

    def backward(self, F, g):
        (y,) = F.saved(self)
        return F.mul(g, y)


@register("expm1", "elementwise")
class Expm1(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        y = F.expm1(a)
        self.save_for_backward(y)
        return y

    def backward(self, F, g):
        (y,) = F.saved(self)
        return F.mul(g, F.add_scalar(y, s=1))


@register("log", "elementwise")
class Log(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        self.save_for_backward(a)
        return F.log(a)

    def backward(self, F, g):
        (a,) = F.saved(self)
        return F.div(g, a)


@register("log1p", "elementwise")
class Log1p(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        self.save_for_backward(a)
        return F.log1p(a)

    def backward(self, F, g):
        (a,) = F.saved(self)
        return F.div(g, F.add_scalar(a, s=1))


@register("log2", "elementwise")
class Log2(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        self.save_for_backward(a)
        return F.log2(a)

    def backward(self, F, g):
        (a,) = F.saved(self)
        return F.div(g, F.mul_scalar(a, s=_LN2))


@register("log10", "elementwise")
class Log10(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        self.save_for_backward(a)
        return F.log10(a)

    def backward(self, F, g):
        (a,) = F.saved(self)
        return F.div(g, F.mul_scalar(a, s=_LN10))


@register("sqrt", "elementwise")
class Sqrt(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        y = F.sqrt(a)
        self.save_for_backward(y)
        return y

    def backward(self, F, g):
        (y,) = F.saved(self)
        return F.div(g, F.mul_scalar(y, s=2))  # inf at 0, as PyTorch


@register("rsqrt", "elementwise")
class Rsqrt(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        y = F.rsqrt(a)
        self.save_for_backward(y)
        return y

    def backward(self, F, g):
        (y,) = F.saved(self)
        return F.mul_scalar(F.mul(g, F.mul(F.mul(y, y), y)), s=-0.5)


@register("reciprocal", "elementwise")
class Reciprocal(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        y = F.reciprocal(a)
        self.save_for_backward(y)
        return y

    def backward(self, F, g):
        (y,) = F.saved(self)
        return F.neg(F.mul(g, F.mul(y, y)))


@register("abs", "elementwise")
class Abs(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        self.save_for_backward(a)
        return F.abs(a)

    def backward(self, F, g):
        (a,) = F.saved(self)
        return F.mul(g, F.sign(a))  # sign(0) = 0: abs'(0) = 0, as PyTorch


@register("sin", "elementwise")
class Sin(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        self.save_for_backward(a)
        return F.sin(a)

    def backward(self, F, g):
        (a,) = F.saved(self)
        return F.mul(g, F.cos(a))


@register("cos", "elementwise")
class Cos(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        self.save_for_backward(a)
        return F.cos(a)

    def backward(self, F, g):
        (a,) = F.saved(self)
        return F.neg(F.mul(g, F.sin(a)))


class _Piecewise(Primitive):
    """Piecewise-constant ops: the gradient is zero everywhere (PyTorch's convention,
    including at the jumps). Integer and bool inputs come back unchanged (a copy; the
    sign of an integer is computed)."""

    stores_attributes = False

    def forward(self, F, a):
        return getattr(F, self.name)(a)

    def backward(self, F, g):
        return F.zeros_like(g)


@register("sign", "elementwise")
class Sign(_Piecewise):
    pass


@register("floor", "elementwise")
class Floor(_Piecewise):
    pass


@register("ceil", "elementwise")
class Ceil(_Piecewise):
    pass


@register("round", "elementwise")
class Round(_Piecewise):
    """Round half to even (as PyTorch and numpy), to ``decimals`` places."""

    def forward(self, F, a, decimals=0):
        return F.round(a, decimals=decimals)


@register("trunc", "elementwise")
class Trunc(_Piecewise):
    pass


class ElementwiseMethods(ActivationMethods, SelectMethods):
    """Tensor methods of the elementwise family: input (*) -> output (*).

    Ops whose result is a float (exp, log, sqrt, sin, ...) turn integer tensors into the
    default float dtype first, as PyTorch; abs, sign and rounding keep integers.
    """

    __slots__ = ()

    def _unary(self, fn_cls, **kw):
        x = floating(self)
        return x._apply(fn_cls, x, **kw)

    def exp(self):
        return self._unary(Exp)

    def expm1(self):
        """``exp(x) - 1``, accurate for small x."""
        return self._unary(Expm1)

    def log(self):
        """Natural log; log(0) = -inf and log(x < 0) = nan, without warnings."""
        return self._unary(Log)

    def log1p(self):
        """``log(1 + x)``, accurate for small x; -inf at -1."""
        return self._unary(Log1p)

    def log2(self):
        return self._unary(Log2)

    def log10(self):
        return self._unary(Log10)

    def sqrt(self):
        """Square root; its gradient at 0 is inf, as PyTorch."""
        return self._unary(Sqrt)

    def rsqrt(self):
        """``1 / sqrt(x)``."""
        return self._unary(Rsqrt)

    def reciprocal(self):
        """``1 / x``."""
        return self._unary(Reciprocal)

    def square(self):
        """``x * x`` (integers stay integers)."""
        return self ** 2

    def abs(self):
        """``|x|``; gradient sign(x), so 0 at 0 (PyTorch's convention)."""
        return self._apply(Abs, self)

    absolute = abs
    __abs__ = abs

    def sign(self):
        """-1, 0 or 1 (nan stays nan); zero gradient everywhere."""
        if self._data.dtype == np.bool_:
            return self._apply(Trunc, self)  # bools are their own sign: a copy
        return self._apply(Sign, self)

    def sin(self):
        return self._unary(Sin)

    def cos(self):
        return self._unary(Cos)

    def floor(self):
        """Zero gradient; integer tensors are returned as a copy."""
        return self._apply(Floor, self)

    def ceil(self):
        """Zero gradient; integer tensors are returned as a copy."""
        return self._apply(Ceil, self)

    def round(self, decimals=0):
        """Round half to even to ``decimals`` places (as PyTorch); zero gradient."""
        if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
            raise TypeError(f"round(): 'decimals' must be an int, not {type(decimals).__name__}")
        return self._apply(Round, self, decimals=int(decimals))

    def __round__(self, ndigits=None):
        return self.round(0 if ndigits is None else ndigits)

    def trunc(self):
        """Round toward zero; zero gradient."""
        return self._apply(Trunc, self)

    fix = trunc


def _fn(name, doc_args=""):
    """A module-level function ``name(input, ...)`` calling ``Tensor.name``."""

    def f(input, *args, **kwargs):
        return getattr(tensor_arg(name, input), name)(*args, **kwargs)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"``autograd_core.{name}(input{doc_args})``: see ``Tensor.{name}``."
    return f


exp = _fn("exp")
expm1 = _fn("expm1")
log = _fn("log")
log1p = _fn("log1p")
log2 = _fn("log2")
log10 = _fn("log10")
sqrt = _fn("sqrt")
rsqrt = _fn("rsqrt")
reciprocal = _fn("reciprocal")
square = _fn("square")
absolute_value = _fn("abs")
absolute = _fn("absolute")
sign = _fn("sign")
sin = _fn("sin")
cos = _fn("cos")
floor = _fn("floor")
ceil = _fn("ceil")
round_half_even = _fn("round", ", decimals=0")
trunc = _fn("trunc")
fix = _fn("fix")

# names that would shadow builtins here: autograd_core.abs / .round are these
PUBLIC_NAMES = {"abs": absolute_value, "round": round_half_even}
