"""Activation primitives: relu, sigmoid, tanh, leaky_relu, elu, softplus, each with its
fused backward as a primitive of its own.

Why fused backwards: ``g * (y > 0)`` or ``g * y * (1 - y)`` written with Tensor ops is a
chain of passes and temporaries; the kernels in ``kernels/activations.py`` do it in one
loop. Because each fused backward is itself a registered primitive with a backward
(written in Tensor ops), ``create_graph=True`` and grad-of-grad still work.

What is saved: relu, sigmoid and tanh keep their output (PyTorch does the same), the
others their input. Gradient conventions are PyTorch's: relu'(0) = 0,
leaky_relu'(0) = negative_slope, elu'(0) = alpha, softplus is the identity (gradient 1)
where ``beta * x > threshold``.
"""
import numpy as np

from ..dtypes import get_default_dtype
from ..function import Function
from ..kernels import activations as K
from .registry import register

__all__ = ["Relu", "ReluBackward", "Sigmoid", "SigmoidBackward", "Tanh", "TanhBackward",
           "LeakyRelu", "LeakyReluBackward", "Elu", "EluBackward", "Softplus",
           "SoftplusBackward", "ActivationMethods",
           "relu", "sigmoid", "tanh", "leaky_relu", "elu", "softplus"]


def _zeros_if(needed, like):
    """A constant zero gradient shaped like ``like``, or None when not needed."""
    return like._make(np.zeros(like._data.shape, like._data.dtype)) if needed else None


def _zeros_array_if(needed, like):
    """``_zeros_if`` for an ndarray ``like`` (the array backwards)."""
    return np.zeros(like.shape, like.dtype) if needed else None


def _zero(a):
    """``t._to_tensor(0.0)`` for a float array: the 0 of ``where(mask, 0.0, t)``."""
    return np.array(0.0, dtype=a.dtype)

# Each ``array_backward`` is its ``backward`` on ndarrays, op for op (Tensor * is
# np.multiply, a nested primitive is its forward's kernel), so the results are equal.


@register("relu", "elementwise")
class Relu(Function):
    stores_attributes = False

    def forward(self, x):
        # floats: a Numba select (see docs/design-notes/activation-kernels.md)
        y = K.relu(x) if x.dtype.kind == "f" else np.asarray(np.maximum(x, 0))
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g._apply(ReluBackward, g, y)

    def array_backward(self, g):
        (y,) = self.saved_arrays
        return K.relu_backward(g, y)


@register("relu_backward", "elementwise")
class ReluBackward(Function):
    """``g`` where ``y > 0``, else 0. Inputs (g, y), y = relu(x): same (broadcast) shape."""

    stores_attributes = False

    def forward(self, g, y):
        self.save_for_backward(y)
        return K.relu_backward(g, y)

    def backward(self, gg):
        (y,) = self.saved_tensors
        # linear in g; the mask is piecewise constant in y: a zero gradient (as PyTorch,
        # so relu's second derivative is 0 rather than "unused")
        return gg._apply(ReluBackward, gg, y), _zeros_if(self.needs_input_grad[1], y)

    def array_backward(self, gg):
        (y,) = self.saved_arrays
        return K.relu_backward(gg, y), _zeros_array_if(self.needs_input_grad[1], y)


@register("sigmoid", "elementwise")
class Sigmoid(Function):
    stores_attributes = False

    def forward(self, x):
        y = K.sigmoid(x)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g._apply(SigmoidBackward, g, y)

    def array_backward(self, g):
        (y,) = self.saved_arrays
        return K.sigmoid_backward(g, y)


@register("sigmoid_backward", "elementwise")
class SigmoidBackward(Function):
    """``g * y * (1 - y)`` for y = sigmoid(x)."""

    stores_attributes = False

    def forward(self, g, y):
        self.save_for_backward(g, y)
        return K.sigmoid_backward(g, y)

    def backward(self, gg):
        g, y = self.saved_tensors
        ng, ny = self.needs_input_grad
        dg = gg._apply(SigmoidBackward, gg, y) if ng else None
        dy = gg * g * (1 - 2 * y) if ny else None
        return dg, dy

    def array_backward(self, gg):
        g, y = self.saved_arrays
        ng, ny = self.needs_input_grad
        dg = K.sigmoid_backward(gg, y) if ng else None
        dy = np.multiply(np.multiply(gg, g), np.subtract(1, np.multiply(y, 2))) if ny else None
        return dg, dy


@register("tanh", "elementwise")
class Tanh(Function):
    stores_attributes = False

    def forward(self, x):
        y = np.tanh(x)  # a numpy scalar for 0-d x: _apply makes it an array (and the save)
        self.save_for_backward(y)
        return y

    def backward(self, g):
        (y,) = self.saved_tensors
        return g._apply(TanhBackward, g, y)

    def array_backward(self, g):
        (y,) = self.saved_arrays
        return K.tanh_backward(g, y)


@register("tanh_backward", "elementwise")
class TanhBackward(Function):
    """``g * (1 - y * y)`` for y = tanh(x)."""

    stores_attributes = False

    def forward(self, g, y):
        self.save_for_backward(g, y)
        return K.tanh_backward(g, y)

    def backward(self, gg):
        g, y = self.saved_tensors
        ng, ny = self.needs_input_grad
        dg = gg._apply(TanhBackward, gg, y) if ng else None
        dy = gg * g * y * -2 if ny else None
        return dg, dy

    def array_backward(self, gg):
        g, y = self.saved_arrays
        ng, ny = self.needs_input_grad
        dg = K.tanh_backward(gg, y) if ng else None
        dy = np.multiply(np.multiply(np.multiply(gg, g), y), -2) if ny else None
        return dg, dy


@register("leaky_relu", "elementwise")
class LeakyRelu(Function):
    def forward(self, x, negative_slope=0.01):
        self.negative_slope = negative_slope
        self.save_for_backward(x)
        return K.leaky_relu(x, negative_slope)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g._apply(LeakyReluBackward, g, x, negative_slope=self.negative_slope)

    def array_backward(self, g):
        (x,) = self.saved_arrays
        return K.leaky_relu_backward(g, x, self.negative_slope)


@register("leaky_relu_backward", "elementwise")
class LeakyReluBackward(Function):
    """``g`` where ``x > 0``, else ``negative_slope * g``."""

    def forward(self, g, x, negative_slope=0.01):
        self.negative_slope = negative_slope
        self.save_for_backward(x)
        return K.leaky_relu_backward(g, x, negative_slope)

    def backward(self, gg):
        (x,) = self.saved_tensors
        dg = gg._apply(LeakyReluBackward, gg, x, negative_slope=self.negative_slope)
        return dg, _zeros_if(self.needs_input_grad[1], x)

    def array_backward(self, gg):
        (x,) = self.saved_arrays
        dg = K.leaky_relu_backward(gg, x, self.negative_slope)
        return dg, _zeros_array_if(self.needs_input_grad[1], x)


@register("elu", "elementwise")
class Elu(Function):
    def forward(self, x, alpha=1.0):
        self.alpha = alpha
        self.save_for_backward(x)
        return K.elu(x, alpha)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g._apply(EluBackward, g, x, alpha=self.alpha)

    def array_backward(self, g):
        (x,) = self.saved_arrays
        return K.elu_backward(g, x, self.alpha)


@register("elu_backward", "elementwise")
class EluBackward(Function):
    """``g`` where ``x > 0``, else ``g * alpha * exp(x)``."""

    def forward(self, g, x, alpha=1.0):
        self.alpha = alpha
        self.save_for_backward(g, x)
        return K.elu_backward(g, x, alpha)

    def backward(self, gg):
        g, x = self.saved_tensors
        ng, nx = self.needs_input_grad
        dg = gg._apply(EluBackward, gg, x, alpha=self.alpha) if ng else None
        dx = None
        if nx:
            # d/dx (g alpha e^x) on x <= 0; clamp keeps exp from overflowing where x > 0
            curv = gg * g * x.clamp(max=0).exp() * self.alpha
            dx = (x > 0).where(0.0, curv)
        return dg, dx

    def array_backward(self, gg):
        g, x = self.saved_arrays
        ng, nx = self.needs_input_grad
        dg = K.elu_backward(gg, x, self.alpha) if ng else None
        dx = None
        if nx:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as Exp
                e = np.asarray(np.exp(np.asarray(np.clip(x, None, 0))))
            curv = np.multiply(np.multiply(np.multiply(gg, g), e), self.alpha)
            dx = np.where(x > 0, _zero(curv), curv)
        return dg, dx


@register("softplus", "elementwise")
class Softplus(Function):
    def forward(self, x, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold
        self.save_for_backward(x)
        return K.softplus(x, beta, threshold)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g._apply(SoftplusBackward, g, x, beta=self.beta, threshold=self.threshold)

    def array_backward(self, g):
        (x,) = self.saved_arrays
        return K.softplus_backward(g, x, self.beta, self.threshold)


@register("softplus_backward", "elementwise")
class SoftplusBackward(Function):
    """``g * sigmoid(beta x)``, or ``g`` where ``beta x > threshold``."""

    def forward(self, g, x, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold
        self.save_for_backward(g, x)
        return K.softplus_backward(g, x, beta, threshold)

    def backward(self, gg):
        g, x = self.saved_tensors
        ng, nx = self.needs_input_grad
        b, t = self.beta, self.threshold
        dg = gg._apply(SoftplusBackward, gg, x, beta=b, threshold=t) if ng else None
        dx = None
        if nx:
            z = x * b
            s = z.sigmoid()
            dx = (z > t).where(0.0, gg._apply(SigmoidBackward, gg * g * b, s))
        return dg, dx

    def array_backward(self, gg):
        g, x = self.saved_arrays
        ng, nx = self.needs_input_grad
        b, t = self.beta, self.threshold
        dg = K.softplus_backward(gg, x, b, t) if ng else None
        dx = None
        if nx:
            z = np.multiply(x, b)
            s = K.sigmoid(z)
            c = K.sigmoid_backward(np.multiply(np.multiply(gg, g), b), s)
            dx = np.where(z > t, _zero(c), c)
        return dg, dx


def floating(t):
    """``t`` itself if floating point, else its values as the default float dtype
    (PyTorch's rule for ops whose result is a float: relu keeps integers, sigmoid not).
    Integer tensors never require grad, so the cast needs no node."""
    if t._data.dtype.kind == "f":
        return t
    return t._make(t._data.astype(get_default_dtype()))


def number(op, name, value):
    """``value`` as a float, or a TypeError naming ``op`` and the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}(): argument '{name}' must be a number, not {type(value).__name__}")
    return float(value)


class ActivationMethods:
    """Tensor methods of the activation family (mixed into ``Tensor`` via
    ``ElementwiseMethods``). Shapes are kept: input (*) -> output (*)."""

    __slots__ = ()

    def relu(self):
        """``max(x, 0)``; integer tensors stay integer."""
        if self._data.dtype.kind not in "fiu":
            raise TypeError(f"relu(): not supported for tensors of dtype {self._data.dtype}")
        return self._apply(Relu, self)

    def sigmoid(self):
        """``1 / (1 + exp(-x))``, without overflow for any x."""
        x = floating(self)
        return x._apply(Sigmoid, x)

    def tanh(self):
        x = self if self._data.dtype.kind == "f" else floating(self)
        return x._apply(Tanh, x)

    def leaky_relu(self, negative_slope=0.01):
        """``x`` where ``x > 0``, else ``negative_slope * x``."""
        s = number("leaky_relu", "negative_slope", negative_slope)
        x = floating(self)
        return x._apply(LeakyRelu, x, negative_slope=s)

    def elu(self, alpha=1.0):
        """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``."""
        a = number("elu", "alpha", alpha)
        x = floating(self)
        return x._apply(Elu, x, alpha=a)

    def softplus(self, beta=1.0, threshold=20.0):
        """``log(1 + exp(beta * x)) / beta``; ``x`` itself where ``beta * x > threshold``."""
        b = number("softplus", "beta", beta)
        t = number("softplus", "threshold", threshold)
        if b == 0:
            raise ValueError("softplus(): beta must be nonzero")
        x = floating(self)
        return x._apply(Softplus, x, beta=b, threshold=t)


def tensor_arg(op, t):
    """``t`` if it is a Tensor, else a TypeError naming ``op`` (as PyTorch's functions)."""
    if not hasattr(t, "_apply"):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(t).__name__}")
    return t


def relu(input):
    """``autograd_core.relu(x)``: see ``Tensor.relu``."""
    return tensor_arg("relu", input).relu()


def sigmoid(input):
    """``autograd_core.sigmoid(x)``: see ``Tensor.sigmoid``."""
    return tensor_arg("sigmoid", input).sigmoid()


def tanh(input):
    """``autograd_core.tanh(x)``: see ``Tensor.tanh``."""
    return tensor_arg("tanh", input).tanh()


def leaky_relu(input, negative_slope=0.01):
    """``autograd_core.leaky_relu(x, negative_slope=0.01)``: see ``Tensor.leaky_relu``."""
    return tensor_arg("leaky_relu", input).leaky_relu(negative_slope)


def elu(input, alpha=1.0):
    """``autograd_core.elu(x, alpha=1.0)``: see ``Tensor.elu``."""
    return tensor_arg("elu", input).elu(alpha)


def softplus(input, beta=1.0, threshold=20.0):
    """``autograd_core.softplus(x, beta=1, threshold=20)``: see ``Tensor.softplus``."""
    return tensor_arg("softplus", input).softplus(beta, threshold)
