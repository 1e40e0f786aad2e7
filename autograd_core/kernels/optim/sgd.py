"""SGD: with and without a momentum buffer (loop, twin, dispatcher, scalars).

Scalars ``s``: lr, weight_decay, momentum, 1 - dampening.
"""

from .. import njit
from .common import direction, pick, quiet

__all__ = ["VARIANTS", "kernel", "fill", "SIZE"]

SIZE = 4


def fill(out, hyper, step):
    """``out[:]`` = the loops' scalars from ``hyper`` = (lr, weight_decay, momentum,
    dampening); ``step`` is not used."""
    lr, weight_decay, momentum, dampening = hyper.tolist()
    out[:] = (lr, weight_decay, momentum, 1.0 - dampening)


@njit(cache=True, error_model="numpy")
def sgd_nb(p, g, s, use_wd, maximize):
    lr, weight_decay = s[0], s[1]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        p[i] = p[i] - lr * d


@njit(cache=True, error_model="numpy")
def sgd_momentum_nb(p, g, buf, s, use_wd, nesterov, maximize, first):
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


@quiet
def _sgd_np(p, g, buf, s, use_wd, nesterov, maximize, first):
    lr, weight_decay, momentum, one_minus_dampening = s
    d = direction(p, g, weight_decay, use_wd, maximize)
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


def sgd_np(p, g, s, use_wd, maximize):
    _sgd_np(p, g, None, s, use_wd, False, maximize, False)


def sgd_momentum_np(p, g, buf, s, use_wd, nesterov, maximize, first):
    _sgd_np(p, g, buf, s, use_wd, nesterov, maximize, first)


#: variant -> (Numba loop, numpy twin with the same arguments)
VARIANTS = {
    "sgd": (sgd_nb, sgd_np),
    "sgd_momentum": (sgd_momentum_nb, sgd_momentum_np),
}


def kernel(variant, dtype_char, use_numba=None):
    """The update for ``variant`` on parameters of dtype ``dtype_char``: arguments are
    the flat parameter, gradient and state arrays, ``s``, then the flags."""
    return pick(VARIANTS[variant], dtype_char, use_numba)


