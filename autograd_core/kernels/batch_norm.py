"""Batch norm in training mode: the Numba loops, their numpy twins (``*_np``) and the
dispatchers (``bn_forward``, ``bn_backward``) side by side, plus the running-statistics
update, whose averaging factor is a small array updated in place each step (so a
captured step replays with the factor of the step it replays). ``x`` is (N, C, L)
C-contiguous (an (N, C) input is viewed as (N, C, 1)); statistics in float64. Why one
pass of shifted sums: docs/design-notes/nn-kernels.md.
"""
import numpy as np
from . import buffers as _buffers  # large outputs come from a pool (see buffers.py)
from . import njit  # lazy: numba is imported on first use

from .. import kernels as _switch

__all__ = ["bn_forward", "bn_backward", "bn_forward_np", "bn_backward_np",
           "bn_update_running", "bn_count_batch"]


def _numba():
    return _switch.USE_NUMBA

# ---------------------------------------------------------------------------------------
# Batch norm, training mode, on x of shape (N, C, L): statistics over N and L.
# ---------------------------------------------------------------------------------------

# Mean and variance from ONE pass of shifted sums (K = the channel's first element),
# stable for |mean| >> std; the reasoning and the traffic count:
# docs/design-notes/nn-kernels.md. Inner-row sums use ``reassoc`` so they vectorise.

_RA = {"reassoc", "contract"}


@njit(cache=True, error_model="numpy", fastmath=_RA)
def _shifted_sums(row, k):
    s1 = 0.0
    s2 = 0.0
    for j in range(row.size):
        d = row[j] - k
        s1 += d
        s2 += d * d
    return s1, s2


@njit(cache=True, error_model="numpy")
def _bn_stats(s1, s2, M, k, w, b, eps, mean, var, invstd, sc, sh):
    # per channel: mean, biased var (clamped: rounding may leave a tiny negative), scale
    # and shift of y = x * sc + sh
    for c in range(k.size):
        m1 = s1[c] / M
        v = max((s2[c] - s1[c] * m1) / M, 0.0)
        mean[c] = k[c] + m1
        var[c] = v
        invstd[c] = 1.0 / np.sqrt(v + eps)
        sc[c] = invstd[c] * w[c]
        sh[c] = b[c] - mean[c] * sc[c]


@njit(cache=True, error_model="numpy")
def _bn_fwd_nb(x, w, b, eps, y, mean, var, invstd):
    N, C, L = x.shape
    k = np.empty(C)
    s1 = np.zeros(C)
    s2 = np.zeros(C)
    for c in range(C):
        k[c] = x[0, c, 0]
    for n in range(N):
        for c in range(C):
            a1, a2 = _shifted_sums(x[n, c], k[c])
            s1[c] += a1
            s2[c] += a2
    sc = np.empty(C)
    sh = np.empty(C)
    _bn_stats(s1, s2, N * L, k, w, b, eps, mean, var, invstd, sc, sh)
    for n in range(N):
        for c in range(C):
            scc, shc = sc[c], sh[c]
            for j in range(L):
                y[n, c, j] = x[n, c, j] * scc + shc


@njit(cache=True, error_model="numpy")
def _bn_fwd2_nb(x, w, b, eps, y, mean, var, invstd):
    # (N, C): the channel is the contiguous axis, so every inner loop runs along it
    # (the (N, C, L) loops above would run an inner loop of length 1; see the notes)
    N, C = x.shape
    k = np.empty(C)
    s1 = np.zeros(C)
    s2 = np.zeros(C)
    for c in range(C):
        k[c] = x[0, c]
    for n in range(N):
        for c in range(C):
            d = x[n, c] - k[c]
            s1[c] += d
            s2[c] += d * d
    sc = np.empty(C)
    sh = np.empty(C)
    _bn_stats(s1, s2, N, k, w, b, eps, mean, var, invstd, sc, sh)
    for n in range(N):
        for c in range(C):
            y[n, c] = x[n, c] * sc[c] + sh[c]


def bn_forward_np(x, w, b, eps):
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=(0, 2))
    var = ((x64 - mean[:, None]) ** 2).mean(axis=(0, 2))
    invstd = 1.0 / np.sqrt(var + eps)
    y = (x64 - mean[:, None]) * (invstd * w)[:, None] + b[:, None]
    return y.astype(x.dtype), mean, var, invstd


def bn_forward(x, w, b, eps):
    """Normalise (N, C, L) ``x`` per channel; ``w``, ``b`` (C,) float64 (ones/zeros when
    not affine). Returns y (x's dtype) and float64 (C,) mean, biased var and 1/std."""
    if not _numba() or x.size == 0:
        return bn_forward_np(x, w, b, eps)
    C = x.shape[1]
    y = _buffers.empty(x.shape, x.dtype)
    mean, var, invstd = np.empty(C), np.empty(C), np.empty(C)
    if x.shape[2] == 1:
        _bn_fwd2_nb(x[:, :, 0], w, b, float(eps), y[:, :, 0], mean, var, invstd)
    else:
        _bn_fwd_nb(x, w, b, float(eps), y, mean, var, invstd)
    return y, mean, var, invstd


@njit(cache=True, error_model="numpy", fastmath=_RA)
def _grad_sums(g, x, m):
    sg = 0.0
    sgx = 0.0
    for j in range(g.size):
        gg = g[j]
        sg += gg
        sgx += gg * (x[j] - m)
    return sg, sgx


@njit(cache=True, error_model="numpy")
def _bn_bwd_nb(g, x, mean, invstd, w, gx, gw, gb):
    N, C, L = x.shape
    M = N * L
    for c in range(C):
        gw[c] = 0.0
        gb[c] = 0.0
    for n in range(N):
        for c in range(C):
            a1, a2 = _grad_sums(g[n, c], x[n, c], mean[c])
            gb[c] += a1
            gw[c] += a2
    for c in range(C):
        gw[c] *= invstd[c]
    for n in range(N):
        for c in range(C):
            mc, ic = mean[c], invstd[c]
            f = w[c] * ic / M
            # gx = f * (M g - gb - xhat gw) = A g + B (x - mean) + D; x stays centred
            # (B x - B mean would cancel when |mean| >> std)
            A = f * M
            B = -f * ic * gw[c]
            D = -f * gb[c]
            for j in range(L):
                gx[n, c, j] = A * g[n, c, j] + B * (x[n, c, j] - mc) + D


@njit(cache=True, error_model="numpy")
def _bn_bwd2_nb(g, x, mean, invstd, w, gx, gw, gb):
    N, C = x.shape
    for c in range(C):
        gw[c] = 0.0
        gb[c] = 0.0
    for n in range(N):
        for c in range(C):
            gg = g[n, c]
            gb[c] += gg
            gw[c] += gg * (x[n, c] - mean[c])
    A = np.empty(C)
    B = np.empty(C)
    D = np.empty(C)
    for c in range(C):
        gw[c] *= invstd[c]
        f = w[c] * invstd[c] / N
        A[c] = f * N
        B[c] = -f * invstd[c] * gw[c]
        D[c] = -f * gb[c]
    for n in range(N):
        for c in range(C):
            gx[n, c] = A[c] * g[n, c] + B[c] * (x[n, c] - mean[c]) + D[c]


def bn_backward_np(g, x, mean, invstd, w):
    M = x.shape[0] * x.shape[2]
    g64 = g.astype(np.float64)
    xh = (x.astype(np.float64) - mean[:, None]) * invstd[:, None]
    gb = g64.sum(axis=(0, 2))
    gw = (g64 * xh).sum(axis=(0, 2))
    gx = (w * invstd / M)[:, None] * (M * g64 - gb[:, None] - xh * gw[:, None])
    return gx.astype(x.dtype), gw, gb


def bn_backward(g, x, mean, invstd, w):
    """Gradients of batch norm (training): gx (N, C, L) in x's dtype, gw and gb (C,)
    float64; ``g`` and ``x`` C-contiguous of the same dtype."""
    if not _numba() or x.size == 0:
        return bn_backward_np(g, x, mean, invstd, w)
    C = x.shape[1]
    gx = _buffers.empty(x.shape, x.dtype)
    gw, gb = np.empty(C), np.empty(C)
    if x.shape[2] == 1:
        _bn_bwd2_nb(g[:, :, 0], x[:, :, 0], mean, invstd, w, gx[:, :, 0], gw, gb)
    else:
        _bn_bwd_nb(g, x, mean, invstd, w, gx, gw, gb)
    return gx, gw, gb


# -- running statistics: the per-step state lives in small arrays --------------------

def bn_count_batch(count, factor, momentum):
    """One more training batch: ``count`` (the int64 0-d ``num_batches_tracked``) += 1
    and ``factor`` (a (1,) float64 array) <- ``momentum``, or 1 / count for the
    cumulative average (``momentum=None``); both in place."""
    count[...] += 1
    factor[0] = 1.0 / float(count) if momentum is None else momentum


def bn_update_running(running_mean, running_var, mean, var, n, factor):
    """running <- (1 - f) running + f batch, in place, f = ``factor[0]`` (a (1,) array
    read at call time); ``running_var`` takes the unbiased batch variance (``var`` is
    the biased one of ``n`` values per channel). Runs in the running stats' dtype."""
    m = float(factor[0])
    running_mean *= 1.0 - m
    running_mean += m * mean.astype(running_mean.dtype)
    running_var *= 1.0 - m
    running_var += m * (var * (n / (n - 1))).astype(running_var.dtype)
