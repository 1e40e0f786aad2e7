"""RMSprop: plain, centered, with momentum, both (loops, twins, dispatcher, scalars).

Scalars ``s``: lr, alpha, 1 - alpha, lerp's 1 - w, eps, weight_decay, momentum.
"""
import math

import numpy as np

from .. import njit
from .common import direction, lerp, lerp_np, one_minus, pick, quiet

__all__ = ["VARIANTS", "kernel", "fill", "variant", "SIZE"]

SIZE = 7


def fill(out, hyper, step):
    """``out[:]`` = the loops' scalars from ``hyper`` = (lr, alpha, eps, weight_decay,
    momentum); ``step`` is not used."""
    lr, alpha, eps, weight_decay, momentum = hyper.tolist()
    out[:] = (lr, alpha, 1.0 - alpha, one_minus(1.0 - alpha, out.dtype), eps,
              weight_decay, momentum)


def variant(centered, momentum):
    return "rmsprop" + ("_centered" if centered else "") + ("_momentum" if momentum > 0
                                                            else "")


@njit(cache=True, error_model="numpy", inline="always")
def _centered_root(sa, ga):
    var = sa - ga * ga
    if var < 0:  # rounding can push it a hair below 0; sqrt would give nan
        # sa - sa: an exact 0 of the loop's dtype (var - var would be nan for -inf,
        # where the twin's np.maximum(var, 0) gives 0); sa is finite whenever var < 0
        var = sa - sa
    return math.sqrt(var)


@njit(cache=True, error_model="numpy")
def rmsprop_nb(p, g, square_avg, s, use_wd, maximize):
    lr, alpha, one_minus_alpha, eps, weight_decay = s[0], s[1], s[2], s[4], s[5]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        sa = square_avg[i] * alpha + one_minus_alpha * d * d
        square_avg[i] = sa
        p[i] = p[i] - lr * (d / (math.sqrt(sa) + eps))


@njit(cache=True, error_model="numpy")
def rmsprop_centered_nb(p, g, square_avg, grad_avg, s, use_wd, maximize):
    lr, alpha, one_minus_alpha, lerp_w1 = s[0], s[1], s[2], s[3]
    eps, weight_decay = s[4], s[5]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        sa = square_avg[i] * alpha + one_minus_alpha * d * d
        square_avg[i] = sa
        ga = lerp(grad_avg[i], d, one_minus_alpha, lerp_w1)
        grad_avg[i] = ga
        p[i] = p[i] - lr * (d / (_centered_root(sa, ga) + eps))


@njit(cache=True, error_model="numpy")
def rmsprop_momentum_nb(p, g, square_avg, buf, s, use_wd, maximize):
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
def rmsprop_centered_momentum_nb(p, g, square_avg, grad_avg, buf, s, use_wd, maximize):
    lr, alpha, one_minus_alpha, lerp_w1 = s[0], s[1], s[2], s[3]
    eps, weight_decay, momentum = s[4], s[5], s[6]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        sa = square_avg[i] * alpha + one_minus_alpha * d * d
        square_avg[i] = sa
        ga = lerp(grad_avg[i], d, one_minus_alpha, lerp_w1)
        grad_avg[i] = ga
        b = buf[i] * momentum + d / (_centered_root(sa, ga) + eps)
        buf[i] = b
        p[i] = p[i] - lr * b


@quiet
def _rmsprop_np(p, g, square_avg, grad_avg, buf, s, use_wd, maximize):
    lr, alpha, one_minus_alpha, lerp_w1, eps, weight_decay, momentum = s
    d = direction(p, g, weight_decay, use_wd, maximize)
    square_avg *= alpha
    square_avg += one_minus_alpha * d * d
    if grad_avg is not None:
        lerp_np(grad_avg, d, one_minus_alpha, lerp_w1)
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


def rmsprop_np(p, g, square_avg, s, use_wd, maximize):
    _rmsprop_np(p, g, square_avg, None, None, s, use_wd, maximize)


def rmsprop_centered_np(p, g, square_avg, grad_avg, s, use_wd, maximize):
    _rmsprop_np(p, g, square_avg, grad_avg, None, s, use_wd, maximize)


def rmsprop_momentum_np(p, g, square_avg, buf, s, use_wd, maximize):
    _rmsprop_np(p, g, square_avg, None, buf, s, use_wd, maximize)


def rmsprop_centered_momentum_np(p, g, square_avg, grad_avg, buf, s, use_wd, maximize):
    _rmsprop_np(p, g, square_avg, grad_avg, buf, s, use_wd, maximize)


#: variant -> (Numba loop, numpy twin with the same arguments)
VARIANTS = {
    "rmsprop": (rmsprop_nb, rmsprop_np),
    "rmsprop_centered": (rmsprop_centered_nb, rmsprop_centered_np),
    "rmsprop_momentum": (rmsprop_momentum_nb, rmsprop_momentum_np),
    "rmsprop_centered_momentum": (rmsprop_centered_momentum_nb,
                                  rmsprop_centered_momentum_np),
}


def kernel(variant, dtype_char, use_numba=None):
    """The update for ``variant`` on parameters of dtype ``dtype_char``."""
    return pick(VARIANTS[variant], dtype_char, use_numba)
