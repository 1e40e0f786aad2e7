"""``BatchNorm1d`` (train vs test behaviour, as taught) and ``LayerNorm``."""
import numpy as np

from autograd_core import Tensor, no_grad
from autograd_core.backend import ARRAYS

from . import functional as F
from .functional._util import float_arg
from .linear import _check_device, _float_dtype
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "LayerNorm"]


class BatchNorm1d(Module):
    """Batch normalisation over (N, C) or (N, C, L) input, per channel C.

    Training: z_norm = (z - mu_B) / sqrt(sigma_B^2 + eps) with the mini-batch mean and
    biased variance, then gamma * z_norm + beta (``weight``, ``bias``; init 1 and 0).
    Running estimates for test time (buffers ``running_mean`` init 0, ``running_var``
    init 1): exponential averages
    running = (1 - momentum) * running + momentum * batch_stat, with the *unbiased*
    batch variance for ``running_var``; ``momentum=None`` gives the cumulative average
    (factor 1 / num_batches_tracked). ``num_batches_tracked`` (int64 buffer) counts
    training batches. Evaluation (``eval()``) normalises with the running estimates.
    ``track_running_stats=False``: no buffers, batch statistics in both modes.
    Training with one value per channel raises ValueError, as PyTorch.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None):
        super().__init__()
        _check_device(device, "BatchNorm1d")
        if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)) or num_features < 1:
            raise ValueError(f"BatchNorm1d: num_features must be a positive integer, got {num_features!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm1d: momentum must be in [0, 1] or None, got {momentum}")
        dt = _float_dtype(dtype, "BatchNorm1d")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        C = self.num_features
        if affine:
            self.weight = Parameter(np.ones(C, dtype=dt))
            self.bias = Parameter(np.zeros(C, dtype=dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(C, dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones(C, dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        # the running average's factor for this step, in place (a captured step replays it)
        self._avg_factor = np.zeros(1)

    def reset_running_stats(self):
        if self.track_running_stats:
            for name, v in (("running_mean", 0), ("running_var", 1), ("num_batches_tracked", 0)):
                with no_grad():
                    getattr(self, name).fill_(v)

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            with no_grad():
                for p, v in ((self.weight, 1), (self.bias, 0)):
                    p.fill_(v)

    def forward(self, input):
        float_arg("BatchNorm1d", "input", input)  # all checks before the counter moves
        if input.ndim not in (2, 3):
            raise ValueError(f"BatchNorm1d: expected 2D or 3D input (got {input.ndim}D input of shape {tuple(input.shape)})")
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d: input {tuple(input.shape)} has {input.shape[1]} channels (dim 1); "
                f"expected num_features={self.num_features}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            n = input.shape[0] * (input.shape[2] if input.ndim == 3 else 1)
            if n > 1:  # F.batch_norm raises otherwise, before anything changes
                nbt = self.num_batches_tracked
                factor = self._avg_factor
                ARRAYS.batch_norm_count(nbt.numpy(), factor, self.momentum)
                nbt._written()
        use_batch = self.training or not self.track_running_stats
        track = not self.training or self.track_running_stats
        return F.batch_norm(
            input, self.running_mean if track else None, self.running_var if track else None,
            self.weight, self.bias, use_batch, factor, self.eps,
        )

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class LayerNorm(Module):
    """Normalise over the last dims ``normalized_shape`` of each sample with its own mean
    and biased variance, then ``* weight + bias`` (shape ``normalized_shape``, init 1 and
    0, when ``elementwise_affine``). Same in training and evaluation."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        _check_device(device, "LayerNorm")
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dt = _float_dtype(dtype, "LayerNorm")
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
