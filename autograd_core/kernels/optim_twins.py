"""numpy twins of the fused optimizer loops in ``optim.py``: same arguments (flat 1-D
arrays written in place, the scalar array ``s``, the boolean flags), same operation
order, so the tests can compare each loop against its twin and
``AUTOGRAD_CORE_KERNELS=numpy`` (or float16) runs these instead. Each algorithm has one
general twin taking ``None`` for an absent buffer; the per-variant names below match
the loops' signatures one to one.
"""
import functools

import numpy as np

__all__ = [
    "sgd_flat_np", "sgd_momentum_flat_np", "adagrad_flat_np", "rmsprop_flat_np",
    "rmsprop_centered_flat_np", "rmsprop_momentum_flat_np",
    "rmsprop_centered_momentum_flat_np", "adam_flat_np", "amsgrad_flat_np",
]


def _quiet(fn):
    """inf/nan in, inf/nan out, as in the Numba loops and in PyTorch: no warnings (an
    overflowing square of a huge gradient is inf by design, its update then 0)."""
    @functools.wraps(fn)
    def run(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    return run


def _lerp_np(a, b, w, one_minus_w):
    """In place into ``a``: torch.lerp(a, b, w) for a scalar weight."""
    if w < 0.5:
        a += w * (b - a)
    else:
        a[...] = b - (b - a) * one_minus_w


def _direction(p, g, weight_decay, use_wd, maximize):
    d = -g if maximize else g.copy()
    if use_wd:
        d += weight_decay * p
    return d


@_quiet
def _sgd(p, g, buf, s, use_wd, nesterov, maximize, first):
    lr, weight_decay, momentum, one_minus_dampening = s
    d = _direction(p, g, weight_decay, use_wd, maximize)
    if buf is not None:
        if first:
            buf[...] = d
        else:
            buf *= momentum
            buf += one_minus_dampening * d
        if nesterov:
            d += momentum * buf
        else:
            d = buf
    p -= lr * d


def sgd_flat_np(p, g, s, use_wd, maximize):
    _sgd(p, g, None, s, use_wd, False, maximize, False)


def sgd_momentum_flat_np(p, g, buf, s, use_wd, nesterov, maximize, first):
    _sgd(p, g, buf, s, use_wd, nesterov, maximize, first)


@_quiet
def adagrad_flat_np(p, g, state_sum, s, use_wd, maximize):
    clr, weight_decay, eps = s
    d = _direction(p, g, weight_decay, use_wd, maximize)
    state_sum += d * d
    std = np.sqrt(state_sum)
    std += eps
    p -= clr * (d / std)


@_quiet
def _rmsprop(p, g, square_avg, grad_avg, buf, s, use_wd, maximize):
    lr, alpha, one_minus_alpha, lerp_w1, eps, weight_decay, momentum = s
    d = _direction(p, g, weight_decay, use_wd, maximize)
    square_avg *= alpha
    square_avg += one_minus_alpha * d * d
    if grad_avg is not None:
        _lerp_np(grad_avg, d, one_minus_alpha, lerp_w1)
        avg = np.sqrt(np.maximum(square_avg - grad_avg * grad_avg, 0))
    else:
        avg = np.sqrt(square_avg)
    avg += eps
    if buf is not None:
        buf *= momentum
        buf += d / avg
        p -= lr * buf
    else:
        p -= lr * (d / avg)


def rmsprop_flat_np(p, g, square_avg, s, use_wd, maximize):
    _rmsprop(p, g, square_avg, None, None, s, use_wd, maximize)


def rmsprop_centered_flat_np(p, g, square_avg, grad_avg, s, use_wd, maximize):
    _rmsprop(p, g, square_avg, grad_avg, None, s, use_wd, maximize)


def rmsprop_momentum_flat_np(p, g, square_avg, buf, s, use_wd, maximize):
    _rmsprop(p, g, square_avg, None, buf, s, use_wd, maximize)


def rmsprop_centered_momentum_flat_np(p, g, square_avg, grad_avg, buf, s, use_wd, maximize):
    _rmsprop(p, g, square_avg, grad_avg, buf, s, use_wd, maximize)


@_quiet
def _adam(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, s, use_wd, maximize):
    (step_size, one_minus_beta1, lerp_w1, beta2, one_minus_beta2, inv_bias_correction2_sqrt,
     eps, weight_decay, decay) = s
    d = -g if maximize else g.copy()
    p *= decay
    if use_wd:
        d += weight_decay * p
    _lerp_np(exp_avg, d, one_minus_beta1, lerp_w1)
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


def adam_flat_np(p, g, exp_avg, exp_avg_sq, s, use_wd, maximize):
    _adam(p, g, exp_avg, exp_avg_sq, None, s, use_wd, maximize)


def amsgrad_flat_np(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, s, use_wd, maximize):
    _adam(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, s, use_wd, maximize)
