"""What the optimizer kernels share: the dispatcher, torch.lerp's formula (loop and
twin), the update direction and the errstate wrapper of the twins."""
import functools

import numpy as np

import autograd_core.kernels as _kernels  # USE_NUMBA, read at each call (tests switch it)
from .. import njit  # lazy: numba is imported on first use

__all__ = ["pick", "one_minus", "quiet", "direction", "lerp", "lerp_np"]

# keyed by dtype.char: hashing or comparing np.dtype objects costs ~1 us each
_FAST = frozenset("fd")


def pick(pair, dtype_char, use_numba=None):
    """The Numba loop of ``pair`` (loop, twin) for float32/float64 parameters when
    ``kernels.USE_NUMBA`` (or ``use_numba``) is set, else the numpy twin."""
    loop, twin = pair
    if not ((_kernels.USE_NUMBA if use_numba is None else use_numba)
            and dtype_char in _FAST):
        return twin
    # the Numba dispatcher itself: calling through the lazy wrapper costs ~2 us a call
    return loop.dispatcher or loop.materialize()


def one_minus(w, dt):
    """``1 - w`` as torch.lerp computes it from ``w`` rounded to ``dt`` (exact where it
    is used, w >= 0.5, by Sterbenz's lemma)."""
    return 1.0 - float(dt.type(w))


def quiet(fn):
    """inf/nan in, inf/nan out, as in the Numba loops and in PyTorch: no warnings (an
    overflowing square of a huge gradient is inf by design, its update then 0)."""
    @functools.wraps(fn)
    def run(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    return run


def direction(p, g, weight_decay, use_wd, maximize):
    """Twins: the gradient (negated when maximizing) plus the L2 term, a new array."""
    d = -g if maximize else g.copy()
    if use_wd:
        d += weight_decay * p
    return d


@njit(cache=True, error_model="numpy", inline="always")
def lerp(a, b, w, one_minus_w):
    # torch.lerp's formula. 1 - w is an argument: an integer literal would promote a
    # float32 loop to float64.
    if w < 0.5:
        return a + w * (b - a)
    return b - (b - a) * one_minus_w


def lerp_np(a, b, w, one_minus_w):
    """In place into ``a``: torch.lerp(a, b, w) for a scalar weight."""
    if w < 0.5:
        a += w * (b - a)
    else:
        a[...] = b - (b - a) * one_minus_w
