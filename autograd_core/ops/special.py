"""Special functions: ``erf``, ``erfc``, ``erfinv`` (elementwise, (*) -> (*); integer
inputs give float32). The array work is in ``kernels/special.py``.

d/dx erf(x) = 2/sqrt(pi) exp(-x^2); erfc' = -erf'; d/dy erfinv(y) = sqrt(pi)/2 exp(x^2)
with x = erfinv(y) (saved output), each composed of primitives so grad-of-grad works.
"""
import math

from ..function import Primitive
from ._dims import tensor_arg
from .registry import register

__all__ = ["Erf", "Erfc", "Erfinv", "SpecialMethods", "erf", "erfc", "erfinv"]

_C = 2.0 / math.sqrt(math.pi)


def _gauss(F, x, s):
    """``s * exp(-x^2)``."""
    return F.mul_scalar(F.exp(F.neg(F.mul(x, x))), s=s)


@register("erf", "elementwise")
class Erf(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        self.save_for_backward(a)
        return F.erf(a)

    def backward(self, F, g):
        (x,) = F.saved(self)
        return F.mul(g, _gauss(F, x, _C))


@register("erfc", "elementwise")
class Erfc(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        self.save_for_backward(a)
        return F.erfc(a)

    def backward(self, F, g):
        (x,) = F.saved(self)
        return F.mul(g, _gauss(F, x, -_C))


@register("erfinv", "elementwise")
class Erfinv(Primitive):
    stores_attributes = False

    def forward(self, F, a):
        y = F.erfinv(a)
        self.save_for_backward(y)
        return y

    def backward(self, F, g):
        (y,) = F.saved(self)
        return F.mul(g, F.mul_scalar(F.exp(F.mul(y, y)), s=1.0 / _C))


class SpecialMethods:
    """Tensor erf/erfc/erfinv."""

    __slots__ = ()

    def erf(self):
        """The error function, elementwise."""
        return self._apply(Erf, self)

    def erfc(self):
        """1 - erf(self), accurate in the tails."""
        return self._apply(Erfc, self)

    def erfinv(self):
        """The inverse error function on [-1, 1] (+-inf at +-1, NaN outside)."""
        return self._apply(Erfinv, self)


def erf(input):
    return tensor_arg("erf", input).erf()


def erfc(input):
    return tensor_arg("erfc", input).erfc()


def erfinv(input):
    return tensor_arg("erfinv", input).erfinv()
