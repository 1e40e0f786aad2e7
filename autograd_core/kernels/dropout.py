"""Inverted dropout: the Numba loops, their numpy twins (``*_np``) and the dispatchers
(``dropout_forward``, ``dropout_apply``) side by side. The mask comes from a
counter-based generator (SplitMix64 of the key + element index, 32 bits per element), so
the loop draws, compares and scales in one pass and the numpy twin reproduces it bit for
bit. The key is read from a one-element uint64 array (``autograd_core.random``
refreshes it in place each call), never baked into the call. Flat contiguous arrays.
"""
import numpy as np
from . import buffers as _buffers  # large outputs come from a pool (see buffers.py)
from . import njit  # lazy: numba is imported on first use

from .. import kernels as _switch

__all__ = ["dropout_forward", "dropout_apply", "dropout_bits", "dropout_forward_np",
           "dropout_apply_np"]


def _numba():
    return _switch.USE_NUMBA

# ---------------------------------------------------------------------------------------
# Dropout. Element i keeps iff its 32-bit draw is below ``thr`` = round(keep * 2**32);
# draws are the low/high halves of SplitMix64(seed + (i//2 + 1) * golden).
# ---------------------------------------------------------------------------------------

_GOLD = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_LO = np.uint64(0xFFFFFFFF)


@njit(cache=True, inline="always")
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def _dropout_nb(x, key, thr, scale, out, mask):
    # Pairs in the loop, the odd tail after it, no kept/dropped branch (why:
    # docs/design-notes/nn-kernels.md). Multiplying by 0 (not writing 0) keeps
    # PyTorch's x * mask semantics: a dropped inf gives nan.
    n = x.size
    seed = key[0]
    gold = np.uint64(0x9E3779B97F4A7C15)
    lo32 = np.uint64(0xFFFFFFFF)
    zero = x.dtype.type(0)
    for j in range(n // 2):
        z = _mix(seed + np.uint64(j + 1) * gold)
        i = 2 * j
        k0 = (z & lo32) < thr
        k1 = (z >> np.uint64(32)) < thr
        mask[i] = k0
        mask[i + 1] = k1
        out[i] = x[i] * (scale if k0 else zero)
        out[i + 1] = x[i + 1] * (scale if k1 else zero)
    if n % 2:
        z = _mix(seed + np.uint64(n // 2 + 1) * gold)
        k0 = (z & lo32) < thr
        mask[n - 1] = k0
        out[n - 1] = x[n - 1] * (scale if k0 else zero)


def dropout_bits(n, seed):
    """The n 32-bit draws (as uint64) the kernels compare against the threshold, for
    the key ``seed`` (an integer or a one-element uint64 array)."""
    j = np.arange(1, (n + 1) // 2 + 1, dtype=np.uint64)
    z = np.uint64(np.asarray(seed, dtype=np.uint64).reshape(-1)[0]) + j * _GOLD  # uint64 arrays wrap modulo 2**64, as in the loop
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z ^= z >> np.uint64(31)
    bits = np.empty(2 * z.size, dtype=np.uint64)
    bits[0::2] = z & _LO
    bits[1::2] = z >> np.uint64(32)
    return bits[:n]


def _key(seed):
    """The key as a one-element uint64 array (the form the loop reads)."""
    if type(seed) is np.ndarray and seed.dtype == np.uint64 and seed.shape == (1,):
        return seed
    return np.array([seed], dtype=np.uint64).reshape(1)


def dropout_forward_np(x, seed, thr, scale):
    mask = dropout_bits(x.size, seed) < np.uint64(thr)
    return x * np.where(mask, x.dtype.type(scale), x.dtype.type(0)), mask


def dropout_forward(x, seed, thr, scale):
    """Inverted dropout of flat contiguous ``x``: returns (out, mask) with out = x * scale
    where kept, 0 elsewhere, and mask a bool array (True = kept). ``seed``: the key, a
    one-element uint64 array read at call time (an integer is accepted too)."""
    if not _numba():
        return dropout_forward_np(x, seed, thr, scale)
    out = _buffers.empty(x.shape, x.dtype)
    mask = _buffers.empty(x.size, np.bool_)
    _dropout_nb(x, _key(seed), np.uint64(thr), x.dtype.type(scale), out, mask)
    return out, mask


@njit(cache=True)
def _apply_nb(g, mask, scale, out):
    zero = g.dtype.type(0)
    for i in range(g.size):
        out[i] = g[i] * (scale if mask[i] else zero)


def dropout_apply_np(g, mask, scale):
    return g * np.where(mask, g.dtype.type(scale), g.dtype.type(0))


def dropout_apply(g, mask, scale):
    """``g * mask * scale`` for flat contiguous ``g`` and bool ``mask`` (the backward)."""
    if not _numba():
        return dropout_apply_np(g, mask, scale)
    out = _buffers.empty(g.shape, g.dtype)
    _apply_nb(g, mask, g.dtype.type(scale), out)
    return out
