"""Elementwise ops. (Being extended: see the core-engine issue's list.)"""
import numpy as np

from ..function import Function
from .registry import register

__all__ = ["Exp", "Log", "Where", "ElementwiseMethods"]


@register("exp", "elementwise")
class Exp(Function):
    def forward(self, a):
        with np.errstate(over="ignore"):
            y = np.exp(a)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * y


@register("log", "elementwise")
class Log(Function):
    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / a


@register("where", "elementwise")
class Where(Function):
    def forward(self, cond, a, b):
        self.save_for_backward(cond)
        return np.where(cond, a, b)

    def backward(self, g):
        (cond,) = self.saved_tensors
        zero = g._to_tensor(0.0)
        na, nb = self.needs_input_grad[1:]
        return None, (cond.where(g, zero) if na else None), (cond.where(zero, g) if nb else None)


class ElementwiseMethods:
    __slots__ = ()

    def exp(self):
        return self._apply(Exp, self)

    def log(self):
        return self._apply(Log, self)

    def where(self, a, b):
        """``cond.where(a, b)``: elementwise ``a`` where this boolean tensor is True, else ``b``.
        (PyTorch's ``Tensor.where(cond, other)`` is ``where(cond, self, other)``: see ``where``.)"""
        ref = a if hasattr(a, "_apply") else b if hasattr(b, "_apply") else self
        return self._apply(Where, self, ref._to_tensor(a), ref._to_tensor(b))
