"""Elementwise math: exp/log family, sqrt, abs, sign, trig, rounding.

Two neighbours belong to the same family and are re-exported from here (primitives,
functions, and their Tensor methods through ``ElementwiseMethods``): ``activation.py``
(relu, sigmoid, tanh, ... with fused backwards) and ``where.py`` (where, clamp,
maximum, minimum).

Forward calls numpy's ufuncs: each is already one compiled pass. ``np.errstate`` is
used only where numpy's special value *is* the answer (exp(1e4) = inf, log(0) = -inf,
sqrt(-1) = nan, 1/0 = inf), so users get PyTorch's results without warning spam.
Ufuncs return numpy scalars for 0-d input; ``np.asarray`` keeps every result an array.

Every op maps a tensor of shape (*) to one of shape (*); binary and ternary ones
broadcast, and return gradients in the broadcast shape for the engine to reduce.
"""
import numpy as np

from ..function import Function
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
           "square", "abs", "absolute", "sign", "sin", "cos", "floor", "ceil", "round",
           "trunc", "fix"] + _activation_all + _where_all

_LN2, _LN10 = float(np.log(2.0)), float(np.log(10.0))


def _quiet(ufunc, a, **kw):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.asarray(ufunc(a, **kw))


def _div(a, b):
    """``Div.forward`` on arrays (for the array backwards that mirror a Tensor ``/``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.true_divide(a, b)


# Each ``array_backward`` below is its ``backward`` on ndarrays, op for op: Tensor
# ``+ - * /`` and the unary methods are these ufuncs (see arith.py), so both give
# identical results (tests/autograd_core/test_array_backward.py).


@register("exp", "elementwise")
class Exp(Function):
    stores_attributes = False

    def forward(self, a):
        y = _quiet(np.exp, a)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * y

    def array_backward(self, g):
        (y,) = self.saved_arrays
        return np.multiply(g, y)


@register("expm1", "elementwise")
class Expm1(Function):
    stores_attributes = False

    def forward(self, a):
        y = _quiet(np.expm1, a)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * (y + 1)

    def array_backward(self, g):
        (y,) = self.saved_arrays
        return np.multiply(g, np.add(y, 1))


@register("log", "elementwise")
class Log(Function):
    stores_attributes = False

    def forward(self, a):
        self.save_for_backward(a)
        return _quiet(np.log, a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / a

    def array_backward(self, g):
        (a,) = self.saved_arrays
        with np.errstate(divide="ignore", invalid="ignore"):  # as Div.forward
            return np.true_divide(g, a)


@register("log1p", "elementwise")
class Log1p(Function):
    stores_attributes = False

    def forward(self, a):
        self.save_for_backward(a)
        return _quiet(np.log1p, a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / (a + 1)

    def array_backward(self, g):
        (a,) = self.saved_arrays
        return _div(g, np.add(a, 1))


@register("log2", "elementwise")
class Log2(Function):
    stores_attributes = False

    def forward(self, a):
        self.save_for_backward(a)
        return _quiet(np.log2, a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / (a * _LN2)

    def array_backward(self, g):
        (a,) = self.saved_arrays
        return _div(g, np.multiply(a, _LN2))


@register("log10", "elementwise")
class Log10(Function):
    stores_attributes = False

    def forward(self, a):
        self.save_for_backward(a)
        return _quiet(np.log10, a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / (a * _LN10)

    def array_backward(self, g):
        (a,) = self.saved_arrays
        return _div(g, np.multiply(a, _LN10))


@register("sqrt", "elementwise")
class Sqrt(Function):
    stores_attributes = False

    def forward(self, a):
        y = _quiet(np.sqrt, a)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g / (y * 2)  # inf at 0, as PyTorch

    def array_backward(self, g):
        (y,) = self.saved_arrays
        return _div(g, np.multiply(y, 2))


@register("rsqrt", "elementwise")
class Rsqrt(Function):
    stores_attributes = False

    def forward(self, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.asarray(1 / np.sqrt(a))
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * (y * y * y) * -0.5

    def array_backward(self, g):
        (y,) = self.saved_arrays
        return np.multiply(np.multiply(g, np.multiply(np.multiply(y, y), y)), -0.5)


@register("reciprocal", "elementwise")
class Reciprocal(Function):
    stores_attributes = False

    def forward(self, a):
        y = _quiet(np.reciprocal, a)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return -(g * (y * y))

    def array_backward(self, g):
        (y,) = self.saved_arrays
        return np.negative(np.multiply(g, np.multiply(y, y)))


@register("abs", "elementwise")
class Abs(Function):
    stores_attributes = False

    def forward(self, a):
        self.save_for_backward(a)
        return np.asarray(np.abs(a))

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * a.sign()  # sign(0) = 0: abs'(0) = 0, as PyTorch

    def array_backward(self, g):
        (a,) = self.saved_arrays
        return np.multiply(g, np.asarray(np.sign(a)))


@register("sin", "elementwise")
class Sin(Function):
    stores_attributes = False

    def forward(self, a):
        self.save_for_backward(a)
        return _quiet(np.sin, a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * a.cos()

    def array_backward(self, g):
        (a,) = self.saved_arrays
        return np.multiply(g, _quiet(np.cos, a))


@register("cos", "elementwise")
class Cos(Function):
    stores_attributes = False

    def forward(self, a):
        self.save_for_backward(a)
        return _quiet(np.cos, a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return -(g * a.sin())

    def array_backward(self, g):
        (a,) = self.saved_arrays
        return np.negative(np.multiply(g, _quiet(np.sin, a)))


class _Piecewise(Function):
    """Piecewise-constant ops: the gradient is zero everywhere (PyTorch's convention,
    including at the jumps). Integer and bool inputs are returned unchanged (a copy)."""

    def forward(self, a, **kw):
        if a.dtype.kind not in "fc":
            return a.copy()
        return np.asarray(self.ufunc(a, **kw))

    def backward(self, g):
        return g._make(np.zeros(g._data.shape, dtype=g._data.dtype))

    def array_backward(self, g):
        return np.zeros(g.shape, dtype=g.dtype)


@register("sign", "elementwise")
class Sign(_Piecewise):
    ufunc = staticmethod(np.sign)

    def forward(self, a):
        if a.dtype.kind in "iu":
            return np.asarray(np.sign(a))
        return super().forward(a)


@register("floor", "elementwise")
class Floor(_Piecewise):
    ufunc = staticmethod(np.floor)


@register("ceil", "elementwise")
class Ceil(_Piecewise):
    ufunc = staticmethod(np.ceil)


@register("round", "elementwise")
class Round(_Piecewise):
    """Round half to even (as PyTorch and numpy), to ``decimals`` places."""
    ufunc = staticmethod(np.round)


@register("trunc", "elementwise")
class Trunc(_Piecewise):
    ufunc = staticmethod(np.trunc)


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
abs = _fn("abs")  # noqa: A001  (torch.abs; the builtin is not used in this module)
absolute = _fn("absolute")
sign = _fn("sign")
sin = _fn("sin")
cos = _fn("cos")
floor = _fn("floor")
ceil = _fn("ceil")
round = _fn("round", ", decimals=0")  # noqa: A001  (torch.round)
trunc = _fn("trunc")
fix = _fn("fix")
