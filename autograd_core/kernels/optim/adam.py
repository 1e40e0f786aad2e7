"""Adam / AdamW, with and without amsgrad's running maximum (loops, twins, dispatcher,
scalars).

Scalars ``s``: lr / (1 - beta1^t), 1 - beta1, lerp's 1 - w, beta2, 1 - beta2,
1 / sqrt(1 - beta2^t), eps, weight_decay (L2; 0 for AdamW), decay (AdamW's
1 - lr * weight_decay; exactly 1 for Adam). One deliberate difference from PyTorch:
``sqrt(v)`` is multiplied by ``1 / sqrt(1 - beta2^t)`` (computed once, in float64)
where PyTorch divides by ``sqrt(1 - beta2^t)``: one division per element fewer,
results within an ulp of the denominator.
"""
import math

import numpy as np

from .. import njit
from .common import lerp, lerp_np, one_minus, pick, quiet

__all__ = ["VARIANTS", "kernel", "fill", "SIZE"]

SIZE = 9


def fill(out, hyper, step):
    """``out[:]`` = the loops' scalars at step ``step`` (1 on the first) from ``hyper`` =
    (lr, beta1, beta2, eps, weight_decay, decoupled): bias corrections folded into the
    step size and a reciprocal root, in float64. With decoupled decay the loop's L2
    weight is 0 (pass ``use_wd=False``) and ``decay = 1 - lr * weight_decay``."""
    lr, beta1, beta2, eps, weight_decay, decoupled = hyper.tolist()
    if decoupled:
        decay, wd = 1.0 - lr * weight_decay, 0.0
    else:
        decay, wd = 1.0, weight_decay
    out[:] = (lr / (1 - beta1 ** step), 1.0 - beta1, one_minus(1.0 - beta1, out.dtype),
              beta2, 1.0 - beta2, (1 - beta2 ** step) ** -0.5, eps, wd, decay)


@njit(cache=True, error_model="numpy")
def adam_nb(p, g, exp_avg, exp_avg_sq, s, use_wd, maximize):
    step_size, one_minus_beta1, lerp_w1, beta2, one_minus_beta2 = s[0], s[1], s[2], s[3], s[4]
    inv_bias_correction2_sqrt, eps, weight_decay, decay = s[5], s[6], s[7], s[8]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        x = p[i] * decay
        if use_wd:
            d = d + weight_decay * x
        m = lerp(exp_avg[i], d, one_minus_beta1, lerp_w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + one_minus_beta2 * d * d
        exp_avg_sq[i] = v
        denom = math.sqrt(v) * inv_bias_correction2_sqrt + eps
        p[i] = x - step_size * (m / denom)


@njit(cache=True, error_model="numpy")
def amsgrad_nb(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, s, use_wd, maximize):
    step_size, one_minus_beta1, lerp_w1, beta2, one_minus_beta2 = s[0], s[1], s[2], s[3], s[4]
    inv_bias_correction2_sqrt, eps, weight_decay, decay = s[5], s[6], s[7], s[8]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        x = p[i] * decay
        if use_wd:
            d = d + weight_decay * x
        m = lerp(exp_avg[i], d, one_minus_beta1, lerp_w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + one_minus_beta2 * d * d
        exp_avg_sq[i] = v
        vm = max_exp_avg_sq[i]
        if vm > v or vm != vm:  # np.maximum / torch.maximum: a nan on either side wins
            v = vm
        max_exp_avg_sq[i] = v
        denom = math.sqrt(v) * inv_bias_correction2_sqrt + eps
        p[i] = x - step_size * (m / denom)


@quiet
def _adam_np(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, s, use_wd, maximize):
    (step_size, one_minus_beta1, lerp_w1, beta2, one_minus_beta2, inv_bias_correction2_sqrt,
     eps, weight_decay, decay) = s
    d = -g if maximize else g.copy()
    p *= decay
    if use_wd:
        d += weight_decay * p
    lerp_np(exp_avg, d, one_minus_beta1, lerp_w1)
    exp_avg_sq *= beta2
    exp_avg_sq += one_minus_beta2 * d * d
    v = exp_avg_sq
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        v = max_exp_avg_sq
    denom = np.sqrt(v)
    denom *= inv_bias_correction2_sqrt
    denom += eps
    p -= step_size * (exp_avg / denom)


def adam_np(p, g, exp_avg, exp_avg_sq, s, use_wd, maximize):
    _adam_np(p, g, exp_avg, exp_avg_sq, None, s, use_wd, maximize)


def amsgrad_np(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, s, use_wd, maximize):
    _adam_np(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, s, use_wd, maximize)


#: variant -> (Numba loop, numpy twin with the same arguments)
VARIANTS = {"adam": (adam_nb, adam_np), "amsgrad": (amsgrad_nb, amsgrad_np)}


def kernel(variant, dtype_char, use_numba=None):
    """The update for ``variant`` on parameters of dtype ``dtype_char``."""
    return pick(VARIANTS[variant], dtype_char, use_numba)
