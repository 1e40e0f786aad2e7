"""Ops that pick elements: ``where``, ``clamp``/``clip`` (number or tensor bounds),
``maximum``, ``minimum``. Each output element is one of the inputs' elements, so each gradient is
the incoming one routed by a mask (PyTorch's masks, ties included).

Shapes: all inputs broadcast together; the output has the broadcast shape (*), and
gradients are returned in it for the engine to reduce.
"""
import numpy as np

from ..backend import ARRAYS
from ..dtypes import get_default_dtype, to_array
from ..function import Primitive
from ..shapes import broadcast_shape
from .registry import register
from ..tensor_type import is_tensor

__all__ = ["Where", "Clamp", "ClampTensor", "Maximum", "Minimum", "SelectMethods",
           "where", "clamp", "clip", "maximum", "minimum"]


def _broadcast_error(op, *arrays):
    broadcast_shape(op, *[a.shape for a in arrays])  # raises, naming op and the shapes


@register("where", "elementwise")
class Where(Primitive):
    """``cond ? a : b`` elementwise; shapes broadcast; cond is bool and gets no gradient."""

    stores_attributes = False

    def forward(self, F, cond, a, b):
        if cond.dtype != np.bool_:
            raise TypeError(
                f"where: expected condition to be a boolean tensor, but got a tensor with "
                f"dtype {cond.dtype}"
            )
        try:
            out = F.where(cond, a, b)
        except ValueError:
            _broadcast_error("where", cond, a, b)
            raise
        self.save_for_backward(cond)
        return out

    def backward(self, F, g):
        (cond,) = F.saved(self)
        zero = F.constant(0.0, g)
        na, nb = self.needs_input_grad[1:]
        return (None, (F.where(cond, g, zero) if na else None),
                (F.where(cond, zero, g) if nb else None))


def _clamp_mask(F, x, lo, hi):
    """Where clamp passes the gradient to x: ``lo <= x <= hi`` (bounds inclusive, as
    PyTorch; False at NaN). A number bound is an operand: the Tensor namespace makes it
    a constant as ``x <= hi`` would."""
    if lo is None:
        return F.le(x, hi)
    if hi is None:
        return F.ge(x, lo)
    return F.bitwise_and(F.ge(x, lo), F.le(x, hi))


@register("clamp", "elementwise")
class Clamp(Primitive):
    """``x`` limited to [min, max] by number bounds (either may be None)."""

    def forward(self, F, x, min=None, max=None):  # noqa: A002  (PyTorch's names)
        self.lo, self.hi = min, max
        self.save_for_backward(x)
        return F.clamp(x, min=min, max=max)

    def backward(self, F, g):
        (x,) = F.saved(self)
        return F.where(_clamp_mask(F, x, self.lo, self.hi), g, F.constant(0.0, g))


@register("clamp_tensor", "elementwise")
class ClampTensor(Primitive):
    """``x`` limited by tensor bounds: inputs (x, min), (x, max) or (x, min, max) as
    ``which`` says; all broadcast. PyTorch's gradients: x where min <= x <= max, min
    where x < min (and min < max), max where x > max (or max < min)."""

    def forward(self, F, x, *bounds, which):
        self.which = which
        try:
            out = F.clamp_tensor(x, *bounds, which=which)
        except ValueError:
            _broadcast_error("clamp", x, *bounds)
            raise
        self.save_for_backward(x, *bounds)
        return out

    def backward(self, F, g):
        x, *bounds = F.saved(self)
        which = self.which
        lo = bounds[0] if which != "max" else None
        hi = bounds[-1] if which != "min" else None
        need = self.needs_input_grad
        zero = F.constant(0.0, g)
        grads = [F.where(_clamp_mask(F, x, lo, hi), g, zero) if need[0] else None]
        if lo is not None:
            below = F.lt(x, lo) if hi is None else F.bitwise_and(F.lt(x, lo), F.lt(lo, hi))
            grads.append(F.where(below, g, zero) if need[1] else None)
        if hi is not None:
            above = F.gt(x, hi) if lo is None else F.bitwise_or(F.gt(x, hi), F.lt(hi, lo))
            grads.append(F.where(above, g, zero) if need[-1] else None)
        return tuple(grads)


def _binary(op, fn, a, b):
    try:
        return fn(a, b)
    except ValueError:
        _broadcast_error(op, a, b)
        raise


def _split_ties(F, g, a, b):
    """The gradient routed by ``maximum``/``minimum``: a tie splits it in halves, as
    PyTorch."""
    return F.where(F.eq(a, b), F.mul_scalar(g, s=0.5), g)


@register("maximum", "elementwise")
class Maximum(Primitive):
    stores_attributes = False

    def forward(self, F, a, b):
        self.save_for_backward(a, b)
        return _binary("maximum", F.maximum, a, b)

    def backward(self, F, g):
        a, b = F.saved(self)
        na, nb = self.needs_input_grad
        half = _split_ties(F, g, a, b)
        zero = F.constant(0.0, half)
        return ((F.where(F.lt(a, b), zero, half) if na else None),
                (F.where(F.gt(a, b), zero, half) if nb else None))


@register("minimum", "elementwise")
class Minimum(Primitive):
    stores_attributes = False

    def forward(self, F, a, b):
        self.save_for_backward(a, b)
        return _binary("minimum", F.minimum, a, b)

    def backward(self, F, g):
        a, b = F.saved(self)
        na, nb = self.needs_input_grad
        half = _split_ties(F, g, a, b)
        zero = F.constant(0.0, half)
        return ((F.where(F.gt(a, b), zero, half) if na else None),
                (F.where(F.lt(a, b), zero, half) if nb else None))


def _number(v):
    return isinstance(v, (bool, int, float, np.number, np.bool_))


def _is_tensor(v):
    return is_tensor(v)


class SelectMethods:
    """Tensor methods: ``where``, ``clamp``/``clip``, ``maximum``, ``minimum``."""

    __slots__ = ()

    def where(self, a, b):
        """Two readings, told apart by dtype:

        - ``cond.where(a, b)`` on a *bool* tensor: ``a`` where ``cond`` is True, else
          ``b`` (this library's own form, used inside backward rules);
        - ``x.where(condition, other)`` on any other tensor: PyTorch's
          ``Tensor.where``, i.e. ``where(condition, x, other)``.

        ``a``/``b``/``other`` may be Python numbers; all shapes broadcast.
        """
        if self._data.dtype != np.bool_:
            return where(a, self, b)
        if _is_tensor(a):
            ta, tb = a, a._to_tensor(b)
        elif _is_tensor(b):
            ta, tb = b._to_tensor(a), b
        elif _number(a) and _number(b):
            # both numbers: the first takes the default dtypes (1.0 -> float32), the
            # second adapts to it, as torch.where(cond, 1.0, 0) gives float32
            ta = self._make(to_array(a))
            tb = ta._to_tensor(b)
        else:
            ta = self._to_tensor(a)
            tb = ta._to_tensor(b)
        return self._apply(Where, self, ta, tb)

    def clamp(self, min=None, max=None):
        """Limit to [min, max]; either bound may be None (not both), a number or a
        tensor that broadcasts with this one. Gradient passes where min <= x <= max."""
        lo, hi = min, max
        if lo is None and hi is None:
            raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
        for name, v in (("min", lo), ("max", hi)):
            if v is not None and not (_number(v) or _is_tensor(v) or isinstance(v, np.ndarray)):
                raise TypeError(f"clamp: '{name}' must be a number or a Tensor, not {type(v).__name__}")
        x = self
        if not _is_tensor(lo) and not _is_tensor(hi) and not isinstance(lo, np.ndarray) \
                and not isinstance(hi, np.ndarray):
            if x._data.dtype.kind in "biu" and any(isinstance(v, (float, np.floating))
                                                   for v in (lo, hi)):
                # an integer tensor clamped by a float bound becomes float32, as PyTorch
                x = x._make(x._data.astype(get_default_dtype()))
            return x._apply(Clamp, x, min=lo, max=hi)
        if lo is None:
            return x._apply(ClampTensor, x, x._to_tensor(hi), which="max")
        if hi is None:
            return x._apply(ClampTensor, x, x._to_tensor(lo), which="min")
        return x._apply(ClampTensor, x, x._to_tensor(lo), x._to_tensor(hi), which="both")

    clip = clamp

    def clamp_min(self, min):
        """``clamp(min=min)``."""
        return self.clamp(min=min)

    def clamp_max(self, max):
        """``clamp(max=max)``."""
        return self.clamp(max=max)

    def maximum(self, other):
        """Elementwise larger of two broadcasting tensors (NaN propagates); a tie splits
        the gradient in halves, as PyTorch."""
        return self._apply(Maximum, self, self._to_tensor(other))

    def minimum(self, other):
        """Elementwise smaller of two broadcasting tensors (NaN propagates); a tie splits
        the gradient in halves, as PyTorch."""
        return self._apply(Minimum, self, self._to_tensor(other))


def where(condition, input=None, other=None):
    """``where(condition, input, other)``: ``input`` where ``condition`` is True, else
    ``other``; all three broadcast; ``input``/``other`` may be numbers.

    ``where(condition)`` alone is ``condition.nonzero(as_tuple=True)``: a tuple of int64
    index tensors, one per dimension.
    """
    if input is None and other is None:
        if not _is_tensor(condition):
            raise TypeError(f"where(): argument 'condition' must be Tensor, not {type(condition).__name__}")
        return tuple(condition._make(i) for i in ARRAYS.nonzero(condition._data))
    if input is None or other is None:
        raise TypeError("where(): expected condition, input and other (or condition alone)")
    ref = next((t for t in (condition, input, other) if _is_tensor(t)), None)
    if ref is None:
        raise TypeError("where(): at least one argument must be a Tensor")
    cond = ref._to_tensor(condition) if not _is_tensor(condition) else condition
    if cond._data.dtype != np.bool_:
        raise TypeError(
            f"where: expected condition to be a boolean tensor, but got a tensor with "
            f"dtype {cond._data.dtype}"
        )
    return SelectMethods.where(cond, input, other)


def clamp(input, min=None, max=None):
    """``clamp(x, min=None, max=None)``: see ``Tensor.clamp``."""
    if not _is_tensor(input):
        raise TypeError(f"clamp(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input.clamp(min, max)


clip = clamp


def maximum(input, other):
    """``maximum(a, b)``: see ``Tensor.maximum``."""
    if not _is_tensor(input):
        if not _is_tensor(other):
            raise TypeError("maximum(): expected Tensor arguments")
        return other._apply(Maximum, other._to_tensor(input), other)
    return input.maximum(other)


def minimum(input, other):
    """``minimum(a, b)``: see ``Tensor.minimum``."""
    if not _is_tensor(input):
        if not _is_tensor(other):
            raise TypeError("minimum(): expected Tensor arguments")
        return other._apply(Minimum, other._to_tensor(input), other)
    return input.minimum(other)
