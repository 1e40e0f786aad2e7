"""Gradient clipping (the course's remedy for exploding gradients)."""
import math

import numpy as np

from autograd_core import Tensor, no_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _params(parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of ``parameters`` in place so that their total norm (the norm
    of all gradients concatenated) is at most ``max_norm``: each grad is multiplied by
    min(1, max_norm / (total_norm + 1e-6)). ``norm_type``: a p >= 0 or inf. Returns the
    total norm before clipping as a 0-d Tensor (float32, or float64 if any grad is).
    ``error_if_nonfinite``: raise if the norm is nan/inf (otherwise the grads become nan,
    as PyTorch). ``foreach`` is accepted and ignored."""
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    max_norm, norm_type = float(max_norm), float(norm_type)
    dt = np.float64 if any(g.dtype == np.float64 for g in grads) else np.float32
    if not grads:
        return Tensor(np.array(0.0, dtype=dt))
    arrs = [g.numpy() for g in grads]
    with np.errstate(over="ignore", invalid="ignore"):
        if math.isinf(norm_type):
            total = max(float(np.max(np.abs(a))) if a.size else 0.0 for a in arrs)
        elif norm_type == 0:
            total = float(sum(np.count_nonzero(a) for a in arrs))
        else:
            norms = [np.linalg.norm(a.ravel().astype(np.float64), ord=norm_type) if a.size else 0.0
                     for a in arrs]
            total = float(np.linalg.norm(np.asarray(norms), ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0 or math.isnan(coef):
        for g in grads:
            a = g.numpy()
            if a.flags.writeable:
                with no_grad():
                    g.mul_(a.dtype.type(coef))
            else:
                g._written(a * a.dtype.type(coef))
    return Tensor(np.array(total, dtype=dt))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element of ``parameters`` to [-clip_value, clip_value] in
    place."""
    clip_value = float(clip_value)
    for p in _params(parameters):
        if p.grad is None:
            continue
        g = p.grad
        if g.numpy().flags.writeable:
            with no_grad():
                g.clamp_(-clip_value, clip_value)
        else:
            g._written(np.clip(g.numpy(), -clip_value, clip_value))
