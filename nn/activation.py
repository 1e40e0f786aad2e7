"""Activation layers (PyTorch's names and defaults) and ``Maxout`` (not in PyTorch).
All map any input shape to the same shape unless stated."""
import numpy as np

from autograd_core import no_grad

from . import functional as F
from .linear import Linear, _check_device, _float_dtype
from .module import Module
from .parameter import Parameter

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "Sigmoid", "Tanh", "SiLU",
           "Softplus", "Softmax", "LogSoftmax", "Hardtanh", "Maxout"]


class ReLU(Module):
    """max(0, x). ``inplace``: see ``nn.functional`` (honoured outside the graph)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU6(ReLU):
    """min(max(0, x), 6)."""

    def forward(self, input):
        return F.relu6(input, self.inplace)


class Hardtanh(Module):
    """clamp(x, min_val, max_val)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class LeakyReLU(Module):
    """x for x > 0 else negative_slope * x (the course's leaky ReLU, slope 0.01)."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """Parametric ReLU, max(a x, x) for a < 1 (the course's PReLU): x for x > 0 else
    a * x with a learnable slope ``weight`` of shape (num_parameters,): one shared slope
    (default) or one per channel (dim 1 of the input). Init: all ``init`` (0.25).
    The slope is not in ``penalized_parameters`` (PyTorch advises no weight decay on it)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        _check_device(device, "PReLU")
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, (int, np.integer)) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive integer, got {num_parameters!r}")
        self.num_parameters, self.init = int(num_parameters), init
        self.weight = Parameter(np.full(self.num_parameters, init, dtype=_float_dtype(dtype, "PReLU")))

    def reset_parameters(self):
        with no_grad():
            self.weight.fill_(self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x for x > 0 else alpha * (exp(x) - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + exp(-x))."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    def forward(self, input):
        return F.tanh(input)


class SiLU(Module):
    """x * sigmoid(x)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input, self.inplace)


class Softplus(Module):
    """1/beta * log(1 + exp(beta x)); linear where beta * x > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x - logsumexp(x) along ``dim``."""

    def forward(self, input):
        return F.log_softmax(input, self.dim)


class Maxout(Module):
    """Maxout unit (Goodfellow et al.; the course's max(W1 x + b1, W2 x + b2)): a Linear
    to ``out_features * pieces`` then the max over each group of ``pieces``:
    y[..., j] = max_k (x @ W.T + b)[..., j * pieces + k]. Input (..., in_features),
    output (..., out_features). A learned piecewise-linear convex activation.

    Not in PyTorch. Parameters: ``linear.weight`` (out_features * pieces, in_features) and
    ``linear.bias``, with Linear's default init; the weight is penalised by
    ``nn.utils.l2_penalty``. At ties the gradient is split between the tied pieces.
    """

    def __init__(self, in_features, out_features, pieces=2, bias=True, device=None, dtype=None):
        super().__init__()
        if isinstance(pieces, bool) or not isinstance(pieces, (int, np.integer)) or pieces < 1:
            raise ValueError(f"Maxout: pieces must be a positive integer, got {pieces!r}")
        self.in_features, self.out_features, self.pieces = in_features, out_features, int(pieces)
        self.linear = Linear(in_features, out_features * self.pieces, bias, device, dtype)

    def forward(self, input):
        z = self.linear(input)
        z = z.reshape(tuple(z.shape[:-1]) + (self.out_features, self.pieces))
        return z.amax(dim=-1)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}"
