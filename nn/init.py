"""Weight initialisers (PyTorch's ``torch.nn.init``): each fills a Tensor in place,
outside the graph, and returns it. Random ones draw from
``autograd_core.random.default_generator()`` (so ``manual_seed`` makes them
reproducible) unless ``generator=`` (an ``autograd_core.Generator``, or a ``numpy.random.Generator``)
is given.

The course notes' rules, by name here:
- "He" init for ReLU, W = randn * sqrt(2 / n_in): ``kaiming_normal_(w, nonlinearity='relu')``
  (std = sqrt(2 / fan_in)); ``kaiming_uniform_`` is the uniform with that variance.
- tanh, W = randn * sqrt(1 / n_in): ``lecun_normal_(w)`` (variance 1 / fan_in; not in
  PyTorch). The notes call this "Xavier"; PyTorch's (and Glorot's) ``xavier_normal_`` uses
  variance 2 / (fan_in + fan_out), the average of the forward and backward rules.

fan_in / fan_out of a (out, in) Linear weight are in / out; for (out, in, k...) weights
both are multiplied by the receptive field prod(k...).
"""
import math

import numpy as np

from autograd_core import no_grad, random as _random

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "lecun_normal_", "lecun_uniform_", "orthogonal_",
           "_calculate_fan_in_and_fan_out", "_calculate_correct_fan"]


def _gen(generator):
    return _random.numpy_rng(generator, "nn.init")


def _fill(tensor, values):
    """Write ``values`` into ``tensor`` in place (cast to its dtype), outside the graph."""
    arr = tensor.numpy()
    if arr.flags.writeable:
        with no_grad():
            tensor.copy_(values)
    else:
        tensor._written(np.array(np.broadcast_to(values, arr.shape), dtype=arr.dtype))
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for ``nonlinearity``: 1 for linear/conv/sigmoid, 5/3 for
    tanh, sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for leaky_relu (slope ``param``,
    default 0.01), 3/4 for selu."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
              "conv_transpose2d", "conv_transpose3d", "sigmoid", "identity")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)})"
        )
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b)."""
    return _fill(tensor, _gen(generator).uniform(a, b, size=tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std**2)."""
    return _fill(tensor, _gen(generator).normal(mean, std, size=tensor.shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std**2) redrawn until inside [a, b] (absolute bounds, as PyTorch)."""
    gen = _gen(generator)
    out = gen.normal(mean, std, size=tensor.shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = gen.normal(mean, std, size=int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out)


def constant_(tensor, val):
    return _fill(tensor, val)


def ones_(tensor):
    return _fill(tensor, 1)


def zeros_(tensor):
    return _fill(tensor, 0)


def eye_(tensor):
    """Fill a 2-D tensor with the identity (ones on the diagonal)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)): variance
    gain**2 * 2 / (fan_in + fan_out) (Glorot & Bengio)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound) with bound = gain * sqrt(3 / fan), gain =
    ``calculate_gain(nonlinearity, a)``: variance gain**2 / fan (He et al.). With
    nonlinearity='relu' the variance is 2 / fan_in, the course's He rule."""
    fan = _calculate_correct_fan(tensor, mode)
    if fan == 0:
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std**2) with std = gain / sqrt(fan). nonlinearity='relu': std = sqrt(2 / fan_in),
    the course's ``randn * sqrt(2 / n_in)``."""
    fan = _calculate_correct_fan(tensor, mode)
    if fan == 0:
        return tensor
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), generator)


def lecun_normal_(tensor, generator=None):
    """N(0, 1 / fan_in): the course's tanh rule ``randn * sqrt(1 / n_in)`` (LeCun; not in
    PyTorch, where it is ``kaiming_normal_(w, nonlinearity='linear')``)."""
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, 1.0 / math.sqrt(fan_in), generator)


def lecun_uniform_(tensor, generator=None):
    """U(-sqrt(3 / fan_in), sqrt(3 / fan_in)): variance 1 / fan_in (not in PyTorch)."""
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0 / fan_in)
    return uniform_(tensor, -bound, bound, generator)


def orthogonal_(tensor, gain=1.0, generator=None):
    """Fill with a (semi-)orthogonal matrix times ``gain`` (Saxe et al.): the tensor
    viewed as (rows, prod(rest)) has orthonormal rows or columns, whichever are fewer."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape {tuple(tensor.shape)}")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _gen(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # makes Q uniform over the orthogonal group
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))
