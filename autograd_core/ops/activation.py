"""Activation primitives: relu, sigmoid, tanh, leaky_relu, elu, softplus, each with its
fused backward as a primitive of its own (``ReluGrad``, ... registered as
"relu_backward", ...).

Why fused backwards: ``g * (y > 0)`` or ``g * y * (1 - y)`` as separate array ops is a
chain of passes and temporaries; the kernels (``kernels/activations.py``, chosen in
``backend/activation.py``) do it in one loop. Because each fused backward is itself a
primitive with its own rule, ``create_graph=True`` and grad-of-grad stay exact.

What is saved: relu, sigmoid and tanh keep their output (PyTorch does the same), the
others their input. Gradient conventions are PyTorch's: relu'(0) = 0,
leaky_relu'(0) = negative_slope, elu'(0) = alpha, softplus is the identity (gradient 1)
where ``beta * x > threshold``.
"""
import numpy as np

from ..dtypes import get_default_dtype
from ..function import Primitive
from .registry import register
from ..tensor_type import is_tensor

__all__ = ["Relu", "ReluGrad", "Sigmoid", "SigmoidGrad", "Tanh", "TanhGrad",
           "LeakyRelu", "LeakyReluGrad", "Elu", "EluGrad", "Softplus",
           "SoftplusGrad", "ActivationMethods",
           "relu", "sigmoid", "tanh", "leaky_relu", "elu", "softplus"]


@register("relu", "elementwise")
class Relu(Primitive):
    stores_attributes = False

    def forward(self, F, x):
        y = F.relu(x)
        self.save_for_backward(y)
        return y

    def backward(self, F, g):
        (y,) = F.saved(self)
        return F.relu_backward(g, y)


@register("relu_backward", "elementwise")
class ReluGrad(Primitive):
    """``g`` where ``y > 0``, else 0. Inputs (g, y), y = relu(x): same (broadcast) shape."""

    stores_attributes = False

    def forward(self, F, g, y):
        self.save_for_backward(y)
        return F.relu_backward(g, y)

    def backward(self, F, gg):
        (y,) = F.saved(self)
        # linear in g; the mask is piecewise constant in y: a zero gradient (as PyTorch,
        # so relu's second derivative is 0 rather than "unused")
        return F.relu_backward(gg, y), (F.zeros_like(y) if self.needs_input_grad[1] else None)


@register("sigmoid", "elementwise")
class Sigmoid(Primitive):
    stores_attributes = False

    def forward(self, F, x):
        y = F.sigmoid(x)
        self.save_for_backward(y)
        return y

    def backward(self, F, g):
        (y,) = F.saved(self)
        return F.sigmoid_backward(g, y)


@register("sigmoid_backward", "elementwise")
class SigmoidGrad(Primitive):
    """``g * y * (1 - y)`` for y = sigmoid(x)."""

    stores_attributes = False

    def forward(self, F, g, y):
        self.save_for_backward(g, y)
        return F.sigmoid_backward(g, y)

    def backward(self, F, gg):
        g, y = F.saved(self)
        ng, ny = self.needs_input_grad
        dg = F.sigmoid_backward(gg, y) if ng else None
        dy = F.mul(F.mul(gg, g), F.rsub_scalar(F.mul_scalar(y, s=2), s=1)) if ny else None
        return dg, dy


@register("tanh", "elementwise")
class Tanh(Primitive):
    stores_attributes = False

    def forward(self, F, x):
        y = F.tanh(x)  # a numpy scalar for 0-d x: _apply makes it an array (and the save)
        self.save_for_backward(y)
        return y

    def backward(self, F, g):
        (y,) = F.saved(self)
        return F.tanh_backward(g, y)


@register("tanh_backward", "elementwise")
class TanhGrad(Primitive):
    """``g * (1 - y * y)`` for y = tanh(x)."""

    stores_attributes = False

    def forward(self, F, g, y):
        self.save_for_backward(g, y)
        return F.tanh_backward(g, y)

    def backward(self, F, gg):
        g, y = F.saved(self)
        ng, ny = self.needs_input_grad
        dg = F.tanh_backward(gg, y) if ng else None
        dy = F.mul_scalar(F.mul(F.mul(gg, g), y), s=-2) if ny else None
        return dg, dy


@register("leaky_relu", "elementwise")
class LeakyRelu(Primitive):
    def forward(self, F, x, negative_slope=0.01):
        self.negative_slope = negative_slope
        self.save_for_backward(x)
        return F.leaky_relu(x, negative_slope=negative_slope)

    def backward(self, F, g):
        (x,) = F.saved(self)
        return F.leaky_relu_backward(g, x, negative_slope=self.negative_slope)


@register("leaky_relu_backward", "elementwise")
class LeakyReluGrad(Primitive):
    """``g`` where ``x > 0``, else ``negative_slope * g``."""

    def forward(self, F, g, x, negative_slope=0.01):
        self.negative_slope = negative_slope
        self.save_for_backward(x)
        return F.leaky_relu_backward(g, x, negative_slope=negative_slope)

    def backward(self, F, gg):
        (x,) = F.saved(self)
        dg = F.leaky_relu_backward(gg, x, negative_slope=self.negative_slope)
        return dg, (F.zeros_like(x) if self.needs_input_grad[1] else None)


@register("elu", "elementwise")
class Elu(Primitive):
    def forward(self, F, x, alpha=1.0):
        self.alpha = alpha
        self.save_for_backward(x)
        return F.elu(x, alpha=alpha)

    def backward(self, F, g):
        (x,) = F.saved(self)
        return F.elu_backward(g, x, alpha=self.alpha)


@register("elu_backward", "elementwise")
class EluGrad(Primitive):
    """``g`` where ``x > 0``, else ``g * alpha * exp(x)``."""

    def forward(self, F, g, x, alpha=1.0):
        self.alpha = alpha
        self.save_for_backward(g, x)
        return F.elu_backward(g, x, alpha=alpha)

    def backward(self, F, gg):
        g, x = F.saved(self)
        ng, nx = self.needs_input_grad
        dg = F.elu_backward(gg, x, alpha=self.alpha) if ng else None
        dx = None
        if nx:
            # d/dx (g alpha e^x) on x <= 0; clamp keeps exp from overflowing where x > 0
            e = F.exp(F.clamp(x, min=None, max=0))
            curv = F.mul_scalar(F.mul(F.mul(gg, g), e), s=self.alpha)
            dx = F.where(F.gt(x, 0), F.constant(0.0, curv), curv)
        return dg, dx


@register("softplus", "elementwise")
class Softplus(Primitive):
    def forward(self, F, x, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold
        self.save_for_backward(x)
        return F.softplus(x, beta=beta, threshold=threshold)

    def backward(self, F, g):
        (x,) = F.saved(self)
        return F.softplus_backward(g, x, beta=self.beta, threshold=self.threshold)


@register("softplus_backward", "elementwise")
class SoftplusGrad(Primitive):
    """``g * sigmoid(beta x)``, or ``g`` where ``beta x > threshold``."""

    def forward(self, F, g, x, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold
        self.save_for_backward(g, x)
        return F.softplus_backward(g, x, beta=beta, threshold=threshold)

    def backward(self, F, gg):
        g, x = F.saved(self)
        ng, nx = self.needs_input_grad
        b, t = self.beta, self.threshold
        dg = F.softplus_backward(gg, x, beta=b, threshold=t) if ng else None
        dx = None
        if nx:
            z = F.mul_scalar(x, s=b)
            c = F.sigmoid_backward(F.mul_scalar(F.mul(gg, g), s=b), F.sigmoid(z))
            dx = F.where(F.gt(z, t), F.constant(0.0, c), c)
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
    if not is_tensor(t):
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
