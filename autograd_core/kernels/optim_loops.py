"""Numba loops of the fused optimizer updates (dispatch, scalars and the list API are
in ``optim.py``, the numpy twins in ``optim_twins.py``).

One loop per *set of arrays* an algorithm variant touches: no loop takes an array it
does not use (a loop given unused buffers ran RMSprop 4-8x slower on 2^24 float32;
see ``optim.py``). Arrays are flat, C-contiguous and
of one dtype; ``s`` is the scalar array built by ``optim.*_scalars`` (same dtype, so a
float32 loop stays float32 and vectorizes 8 wide); the trailing booleans only select
arithmetic (LLVM keeps them as well-predicted branches inside the vector loop).
Checked with ``inspect_asm``: every variant, float32 and float64, runs a ymm loop
(``vsqrtps``/``vdivps`` on 8 floats).
"""
import math

from . import njit  # lazy: numba is imported on first use

__all__ = []


@njit(cache=True, error_model="numpy", inline="always")
def _lerp(a, b, w, one_minus_w):
    # torch.lerp's formula. 1 - w is an argument: an integer literal would promote a
    # float32 loop to float64.
    if w < 0.5:
        return a + w * (b - a)
    return b - (b - a) * one_minus_w


@njit(cache=True, error_model="numpy", inline="always")
def _centered_root(sa, ga):
    var = sa - ga * ga
    if var < 0:  # rounding can push it a hair below 0; sqrt would give nan
        # sa - sa: an exact 0 of the loop's dtype (var - var would be nan for -inf,
        # where the twin's np.maximum(var, 0) gives 0); sa is finite whenever var < 0
        var = sa - sa
    return math.sqrt(var)


@njit(cache=True, error_model="numpy")
def _sgd_nb(p, g, s, use_wd, maximize):
    lr, weight_decay = s[0], s[1]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        p[i] = p[i] - lr * d


@njit(cache=True, error_model="numpy")
def _sgd_momentum_nb(p, g, buf, s, use_wd, nesterov, maximize, first):
    lr, weight_decay, momentum, one_minus_dampening = s[0], s[1], s[2], s[3]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        if first:
            b = d
        else:
            b = buf[i] * momentum + one_minus_dampening * d
        buf[i] = b
        if nesterov:
            d = d + momentum * b
        else:
            d = b
        p[i] = p[i] - lr * d


@njit(cache=True, error_model="numpy")
def _adagrad_nb(p, g, state_sum, s, use_wd, maximize):
    clr, weight_decay, eps = s[0], s[1], s[2]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        acc = state_sum[i] + d * d
        state_sum[i] = acc
        p[i] = p[i] - clr * (d / (math.sqrt(acc) + eps))


# RMSprop scalars: lr, alpha, 1 - alpha, lerp's 1 - w, eps, weight_decay, momentum

@njit(cache=True, error_model="numpy")
def _rmsprop_nb(p, g, square_avg, s, use_wd, maximize):
    lr, alpha, one_minus_alpha, eps, weight_decay = s[0], s[1], s[2], s[4], s[5]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        sa = square_avg[i] * alpha + one_minus_alpha * d * d
        square_avg[i] = sa
        p[i] = p[i] - lr * (d / (math.sqrt(sa) + eps))


@njit(cache=True, error_model="numpy")
def _rmsprop_centered_nb(p, g, square_avg, grad_avg, s, use_wd, maximize):
    lr, alpha, one_minus_alpha, lerp_w1 = s[0], s[1], s[2], s[3]
    eps, weight_decay = s[4], s[5]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        sa = square_avg[i] * alpha + one_minus_alpha * d * d
        square_avg[i] = sa
        ga = _lerp(grad_avg[i], d, one_minus_alpha, lerp_w1)
        grad_avg[i] = ga
        p[i] = p[i] - lr * (d / (_centered_root(sa, ga) + eps))


@njit(cache=True, error_model="numpy")
def _rmsprop_momentum_nb(p, g, square_avg, buf, s, use_wd, maximize):
    lr, alpha, one_minus_alpha = s[0], s[1], s[2]
    eps, weight_decay, momentum = s[4], s[5], s[6]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        sa = square_avg[i] * alpha + one_minus_alpha * d * d
        square_avg[i] = sa
        b = buf[i] * momentum + d / (math.sqrt(sa) + eps)
        buf[i] = b
        p[i] = p[i] - lr * b


@njit(cache=True, error_model="numpy")
def _rmsprop_centered_momentum_nb(p, g, square_avg, grad_avg, buf, s, use_wd, maximize):
    lr, alpha, one_minus_alpha, lerp_w1 = s[0], s[1], s[2], s[3]
    eps, weight_decay, momentum = s[4], s[5], s[6]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        sa = square_avg[i] * alpha + one_minus_alpha * d * d
        square_avg[i] = sa
        ga = _lerp(grad_avg[i], d, one_minus_alpha, lerp_w1)
        grad_avg[i] = ga
        b = buf[i] * momentum + d / (_centered_root(sa, ga) + eps)
        buf[i] = b
        p[i] = p[i] - lr * b


# Adam scalars: lr / (1 - beta1^t), 1 - beta1, lerp's 1 - w, beta2, 1 - beta2,
# 1 / sqrt(1 - beta2^t), eps, weight_decay (L2, 0 for AdamW), decay (AdamW's
# 1 - lr * weight_decay; exactly 1 for Adam)

@njit(cache=True, error_model="numpy")
def _adam_nb(p, g, exp_avg, exp_avg_sq, s, use_wd, maximize):
    step_size, one_minus_beta1, lerp_w1, beta2, one_minus_beta2 = s[0], s[1], s[2], s[3], s[4]
    inv_bias_correction2_sqrt, eps, weight_decay, decay = s[5], s[6], s[7], s[8]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        x = p[i] * decay
        if use_wd:
            d = d + weight_decay * x
        m = _lerp(exp_avg[i], d, one_minus_beta1, lerp_w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + one_minus_beta2 * d * d
        exp_avg_sq[i] = v
        denom = math.sqrt(v) * inv_bias_correction2_sqrt + eps
        p[i] = x - step_size * (m / denom)


@njit(cache=True, error_model="numpy")
def _amsgrad_nb(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, s, use_wd, maximize):
    step_size, one_minus_beta1, lerp_w1, beta2, one_minus_beta2 = s[0], s[1], s[2], s[3], s[4]
    inv_bias_correction2_sqrt, eps, weight_decay, decay = s[5], s[6], s[7], s[8]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        x = p[i] * decay
        if use_wd:
            d = d + weight_decay * x
        m = _lerp(exp_avg[i], d, one_minus_beta1, lerp_w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + one_minus_beta2 * d * d
        exp_avg_sq[i] = v
        vm = max_exp_avg_sq[i]
        if vm > v or vm != vm:  # np.maximum / torch.maximum: a nan on either side wins
            v = vm
        max_exp_avg_sq[i] = v
        denom = math.sqrt(v) * inv_bias_correction2_sqrt + eps
        p[i] = x - step_size * (m / denom)
