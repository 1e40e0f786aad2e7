"""``Identity``, ``Linear`` and ``Flatten``."""
import math

import numpy as np

from autograd_core import dtypes

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Identity", "Linear", "Flatten", "Unflatten"]


def _float_dtype(dtype, layer):
    dt = dtypes.resolve(dtype) if dtype is not None else dtypes.get_default_dtype()
    if dt.kind != "f":
        raise TypeError(f"{layer}: dtype must be floating point, got {dt}")
    return dt


def _check_device(device, layer):
    if device not in (None, "cpu"):
        raise ValueError(f"{layer}: only device='cpu' is supported, got {device!r}")


class Identity(Module):
    """Returns its input unchanged (any arguments to the constructor are ignored)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """Fully connected layer ``y = x @ W.T + b``: x (..., in_features) ->
    y (..., out_features); weight (out_features, in_features), bias (out_features,).

    Default init (PyTorch's): weight by ``kaiming_uniform_(a=sqrt(5))``, which is
    U(-1/sqrt(in_features), 1/sqrt(in_features)); bias U(-1/sqrt(in_features),
    1/sqrt(in_features)). For the course's He init (ReLU nets) call
    ``init.kaiming_normal_(layer.weight, nonlinearity='relu')``; for tanh nets
    ``init.lecun_normal_(layer.weight)``.

    ``penalized_parameters``: the weight (not the bias) is what L2/L1 regularisation
    (``nn.utils.l2_penalty``) acts on.
    """

    penalized_parameters = ("weight",)

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        _check_device(device, "Linear")
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"Linear: {name} must be a non-negative integer, got {v!r}")
        dt = _float_dtype(dtype, "Linear")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-draw weight and bias with the default init (see the class docstring)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Flatten dims ``start_dim``..``end_dim`` into one: (N, *rest) -> (N, prod(rest))
    with the defaults (start_dim=1, end_dim=-1)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim ``dim`` into ``unflattened_size``: the inverse of Flatten."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
