"""Adagrad (loop, twin, dispatcher, scalars).

Scalars ``s``: the decayed lr ``lr / (1 + (step - 1) * lr_decay)``, weight_decay, eps.
"""
import math

import numpy as np

from .. import njit
from .common import direction, pick, quiet

__all__ = ["VARIANTS", "kernel", "fill", "SIZE"]

SIZE = 3


def fill(out, hyper, step):
    """``out[:]`` = the loop's scalars at step ``step`` (1 on the first) from ``hyper`` =
    (lr, lr_decay, weight_decay, eps)."""
    lr, lr_decay, weight_decay, eps = hyper.tolist()
    out[:] = (lr / (1 + (step - 1) * lr_decay), weight_decay, eps)


@njit(cache=True, error_model="numpy")
def adagrad_nb(p, g, state_sum, s, use_wd, maximize):
    clr, weight_decay, eps = s[0], s[1], s[2]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        acc = state_sum[i] + d * d
        state_sum[i] = acc
        p[i] = p[i] - clr * (d / (math.sqrt(acc) + eps))


@quiet
def adagrad_np(p, g, state_sum, s, use_wd, maximize):
    clr, weight_decay, eps = s
    d = direction(p, g, weight_decay, use_wd, maximize)
    state_sum += d * d
    std = np.sqrt(state_sum)
    std += eps
    p -= clr * (d / std)


#: variant -> (Numba loop, numpy twin with the same arguments)
VARIANTS = {"adagrad": (adagrad_nb, adagrad_np)}


def kernel(variant, dtype_char, use_numba=None):
    """The update for ``variant`` on parameters of dtype ``dtype_char``."""
    return pick(VARIANTS[variant], dtype_char, use_numba)
