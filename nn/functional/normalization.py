"""Normalisation: ``batch_norm`` (train and eval behaviour, as taught) and ``layer_norm``.

Batch norm, training (course notes): per channel, mu = mean of the mini-batch,
sigma^2 = its biased variance, z_norm = (z - mu) / sqrt(sigma^2 + eps),
z~ = gamma * z_norm + beta; one fused primitive (``batch_norm``) computes it and its
backward. The running estimates used at test time are exponential averages of the
batch statistics: running = (1 - momentum) * running + momentum * batch, with the
*unbiased* batch variance for ``running_var`` (as PyTorch). Evaluation mode normalises
with the running estimates instead of the batch.
"""
import numpy as np

from autograd_core.backend import ARRAYS
from autograd_core.ops.nnops import BatchNormTrain

from ._util import float_arg, tensor_arg

__all__ = ["batch_norm", "layer_norm"]


def _channels_check(input, running_mean, running_var, weight, bias):
    if input.ndim not in (2, 3):
        raise ValueError(
            f"batch_norm: expected 2D or 3D input (N, C) or (N, C, L), got {input.ndim}D "
            f"input of shape {tuple(input.shape)}"
        )
    C = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(
                f"batch_norm: {name} has shape {tuple(t.shape)}, expected ({C},) for input "
                f"{tuple(input.shape)} with {C} channels"
            )


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation of ``input`` (N, C) or (N, C, L) over N (and L) per channel C.

    ``training=True``: normalise with the batch mean and biased variance; if running
    stats are given (Tensors of shape (C,)) update them in place:
    running_mean <- (1 - momentum) running_mean + momentum * mean,
    running_var <- (1 - momentum) running_var + momentum * var * n / (n - 1).
    ``momentum`` may also be a (1,) float64 array read when the update runs (how
    ``BatchNorm1d`` passes its per-step averaging factor).
    ``training=False``: normalise with ``running_mean`` / ``running_var``.
    ``weight`` (gamma) and ``bias`` (beta), shape (C,), are optional.
    Raises ValueError for a single value per channel in training.
    """
    float_arg("batch_norm", "input", input)
    _channels_check(input, running_mean, running_var, weight, bias)
    if (weight is None) != (bias is None):
        # the fused primitive takes both or neither; a missing one is the identity
        C = input.shape[1]
        if weight is None:
            weight = input._make(np.ones(C, dtype=input.dtype))
        else:
            bias = input._make(np.zeros(C, dtype=input.dtype))
    n = input.shape[0] * (input.shape[2] if input.ndim == 3 else 1)
    if training:
        if n <= 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"{tuple(input.shape)}"
            )
        wb = () if weight is None else (weight, bias)
        y, mean, var = input._apply(BatchNormTrain, input, *wb, eps=eps)
        if running_mean is not None and running_var is not None:
            factor = momentum if isinstance(momentum, np.ndarray) else \
                np.array([float(momentum)])
            ARRAYS.batch_norm_update_running(running_mean.numpy(), running_var.numpy(),
                                             mean.numpy(), var.numpy(), n, factor)
            running_mean._written()
            running_var._written()
        return y
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are required when training=False")
    shape = (1, -1) + ((1,) if input.ndim == 3 else ())
    inv = 1.0 / np.sqrt(running_var.numpy().astype(np.float64) + eps)
    scale = input._make((inv).astype(input.dtype))
    shift = input._make((-running_mean.numpy() * inv).astype(input.dtype))
    if weight is not None:  # keep gamma and beta in the graph
        scale, shift = weight * scale, weight * shift + bias
    return input * scale.reshape(shape) + shift.reshape(shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims of ``input`` (which must be
    ``normalized_shape``) with their mean and biased variance, then ``* weight + bias``
    (each of shape ``normalized_shape``, optional). Same in training and evaluation."""
    float_arg("layer_norm", "input", input)
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    k = len(normalized_shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != normalized_shape or input.ndim < k:
        raise ValueError(
            f"layer_norm: given normalized_shape={list(normalized_shape)}, expected input "
            f"with shape [*, {', '.join(map(str, normalized_shape))}], but got input of "
            f"size {tuple(input.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None:
            tensor_arg("layer_norm", name, t)
            if tuple(t.shape) != normalized_shape:
                raise ValueError(f"layer_norm: {name} has shape {tuple(t.shape)}, expected {normalized_shape}")
    dims = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(dim=dims, keepdim=True)
    xc = input - mean
    var = (xc * xc).mean(dim=dims, keepdim=True)
    y = xc * (var + eps).rsqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y
