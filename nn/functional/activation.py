"""Activation functions (PyTorch's names and defaults). Shapes: any input shape; the
output has the input's shape (softmax/log_softmax normalise along ``dim``).

``inplace=True`` is honoured for tensors outside any graph; on a tensor that requires
grad the result is computed out of place (this library never records in-place ops).
"""
import warnings

from ._util import float_arg, maybe_inplace, tensor_arg

__all__ = ["relu", "relu6", "leaky_relu", "prelu", "elu", "sigmoid", "tanh", "softplus",
           "softmax", "log_softmax", "hardtanh", "silu"]


def relu(input, inplace=False):
    """max(0, x); gradient 0 at x = 0 (PyTorch's convention)."""
    return maybe_inplace(input, float_arg("relu", "input", input).relu(), inplace)


def relu6(input, inplace=False):
    """min(max(0, x), 6)."""
    return maybe_inplace(input, float_arg("relu6", "input", input).clamp(0.0, 6.0), inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return maybe_inplace(input, float_arg("hardtanh", "input", input).clamp(min_val, max_val), inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise (the course's max(0.01 x, x) by default)."""
    out = float_arg("leaky_relu", "input", input).leaky_relu(negative_slope)
    return maybe_inplace(input, out, inplace)


def prelu(input, weight):
    """Parametric ReLU: x for x > 0, a * x otherwise, with a learnable slope ``weight``
    of shape (1,) (shared) or (C,), C = input.shape[1] (input.shape[0] for 1-D input).
    Gradients flow to both; d/dx at 0 is the slope, as PyTorch."""
    float_arg("prelu", "input", input)
    float_arg("prelu", "weight", weight)
    if weight.ndim > 1:
        raise ValueError(f"prelu: weight must be 0-d or 1-d, got shape {tuple(weight.shape)}")
    n = weight.numel()
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else (input.shape[0] if input.ndim == 1 else 1)
        if input.ndim == 0 or n != channels:
            raise ValueError(
                f"prelu: mismatch in parameter count: weight has {n} elements but input "
                f"{tuple(input.shape)} has {channels} channels (dim 1); use 1 or {channels}"
            )
        if input.ndim >= 2:
            weight = weight.reshape((1, n) + (1,) * (input.ndim - 2))
    elif weight.ndim == 1:
        weight = weight.reshape(())
    return (input > 0).where(input, weight * input)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return maybe_inplace(input, float_arg("elu", "input", input).elu(alpha), inplace)


def sigmoid(input):
    """1 / (1 + exp(-x)), computed without overflow."""
    return float_arg("sigmoid", "input", input).sigmoid()


def tanh(input):
    return float_arg("tanh", "input", input).tanh()


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    float_arg("silu", "input", input)
    return maybe_inplace(input, input * input.sigmoid(), inplace)


def softplus(input, beta=1.0, threshold=20.0):
    """1/beta * log(1 + exp(beta * x)), linear where beta * x > threshold."""
    return float_arg("softplus", "input", input).softplus(beta, threshold)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.", UserWarning, stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim`` (stable: shifted by the max)."""
    tensor_arg("softmax", "input", input)
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return input.softmax(dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along ``dim`` (stable)."""
    tensor_arg("log_softmax", "input", input)
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return input.log_softmax(dim, dtype=dtype)
