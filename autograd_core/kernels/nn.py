"""Fused neural-network kernels: softmax cross-entropy, batch norm (training), dropout.

Each public function takes plain ndarrays (float32 or float64) and picks the Numba loop
or its numpy twin (``*_np``) with ``kernels.USE_NUMBA``, read at call time so a test can
flip it. Why fused loops:

- cross-entropy: log-softmax + NLL in numpy is max, subtract, exp, sum, log, gather,
  with five (M, C) temporaries. Here one loop per row does it all (the exp is
  ``fastmath.exp``, which vectorises; the row max an integer max of order keys), with
  one scratch row of C elements; the gradient ``scale * (S * softmax - a)`` (the
  course's ``y - t`` generalised to class weights, label smoothing and ignored rows) is
  one more pass that writes the (M, C) result once.
- batch norm: mean, variance and the normalised output per channel in one loop nest,
  and the standard fused backward ``w*invstd/M * (M*g - sum g - xhat*sum(g*xhat))``.
- dropout: the mask comes from a counter-based generator (SplitMix64 of seed + index,
  32 bits per element), so the Numba loop draws, compares and scales in one pass and
  the numpy twin reproduces it bit for bit, vectorised.

Shapes: cross-entropy rows are (M, C) C-contiguous; batch norm takes (N, C, L)
C-contiguous (an (N, C) input is viewed as (N, C, 1)); dropout works on flat arrays.
Accumulations run in float64 whatever the input dtype.
"""
import numpy as np
from . import buffers as _buffers  # large outputs come from a pool (see buffers.py)
from . import fastmath as _fm  # numba-free until a kernel compiles
from . import njit  # lazy: numba is imported on first use

from .. import kernels as _switch

__all__ = [
    "ce_forward", "ce_backward", "bn_forward", "bn_backward",
    "dropout_forward", "dropout_apply", "dropout_bits",
    "ce_forward_np", "ce_backward_np", "bn_forward_np", "bn_backward_np",
    "dropout_forward_np", "dropout_apply_np",
]


def _numba():
    return _switch.USE_NUMBA


# ---------------------------------------------------------------------------------------
# Cross-entropy. Per row i the loss is -sum_c a_ic * logp_ic with
#   index targets: a_ic = (eps/C) w_c + (1-eps) w_t [c == t]   (all 0 on ignored rows)
#   prob targets:  a_ic = w_c * ((1-eps) q_ic + eps/C)
# and d loss_i / d z_ic = S_i * p_ic - a_ic, S_i = sum_c a_ic (= 1 without weights).
# ``t`` is an int64 (M,) array for index targets, ``q`` an (M, C) array for probability
# targets (pass an empty (0, 0) array for the unused one); ``w`` is (C,) (ones if none).
# ---------------------------------------------------------------------------------------

# ``reassoc`` lets LLVM vectorise the row sums without the no-nan/no-inf assumptions of
# full fastmath (-inf logits are legal: masked classes). fastmath.exp is compiled with
# its own flags (contract only) and inlined, so reassoc does not reach it.
_FM = {"reassoc", "contract"}


@njit(cache=True, error_model="numpy")
def _ce_row_max(z, i):
    # integer max of order keys: vectorises; a NaN of either sign ends in a NaN lse
    mk = _fm.order_key(z[i, 0])
    for c in range(1, z.shape[1]):
        k = _fm.order_key(z[i, c])
        mk = k if k > mk else mk
    return _fm.from_order_key(mk, z[i, 0])


@njit(cache=True, error_model="numpy")
def _ce_exp_row(z, i, mx, buf):
    for c in range(z.shape[1]):
        buf[c] = _fm.exp(z[i, c] - mx)  # <= 1: no overflow


@njit(cache=True, error_model="numpy", fastmath=_FM)
def _ce_sum(buf):
    s = 0.0
    for c in range(buf.size):
        s += buf[c]
    return s


@njit(cache=True, error_model="numpy", fastmath=_FM)
def _ce_fwd_nb(z, t, q, w, eps, ignore, use_index, loss, lse):
    M, C = z.shape
    buf = np.empty(C, z.dtype)
    for i in range(M):
        m = _ce_row_max(z, i)
        _ce_exp_row(z, i, m, buf)
        l = m + np.log(_ce_sum(buf))
        lse[i] = l
        acc = 0.0
        if use_index:
            ti = t[i]
            if ti == ignore:
                loss[i] = 0.0
                continue
            acc = (1.0 - eps) * w[ti] * (z[i, ti] - l)
            if eps > 0.0:
                sm = 0.0
                for c in range(C):
                    sm += w[c] * (z[i, c] - l)
                acc += eps / C * sm
        else:
            for c in range(C):
                acc += w[c] * ((1.0 - eps) * q[i, c] + eps / C) * (z[i, c] - l)
        loss[i] = -acc


def _ce_a_np(M, C, t, q, w, eps, ignore, use_index, dtype):
    """The (M, C) matrix of coefficients ``a`` described above."""
    if use_index:
        a = np.empty((M, C), dtype=np.float64)
        a[:] = (eps / C) * w
        rows = np.arange(M)
        keep = t != ignore
        tt = np.where(keep, t, 0)
        a[rows, tt] += (1.0 - eps) * w[tt]
        a[~keep] = 0.0
        return a
    return w * ((1.0 - eps) * q.astype(np.float64) + eps / C)


def ce_forward_np(z, t, q, w, eps, ignore, use_index):
    M, C = z.shape
    z64 = z.astype(np.float64)
    m = z64.max(axis=1, keepdims=True) if C else np.zeros((M, 1))
    with np.errstate(under="ignore"):
        lse = (m + np.log(np.exp(z64 - m).sum(axis=1, keepdims=True)))[:, 0]
    a = _ce_a_np(M, C, t, q, w, eps, ignore, use_index, z.dtype)
    loss = -(a * (z64 - lse[:, None])).sum(axis=1)
    return loss.astype(z.dtype), lse.astype(z.dtype)


def ce_forward(z, t, q, w, eps, ignore, use_index):
    """Per-row losses (M,) and log-sum-exps (M,) of logits ``z`` (M, C)."""
    if not _numba() or z.shape[1] == 0:
        return ce_forward_np(z, t, q, w, eps, ignore, use_index)
    loss = np.empty(z.shape[0], dtype=z.dtype)
    lse = np.empty(z.shape[0], dtype=z.dtype)
    _ce_fwd_nb(z, t, q, w, float(eps), int(ignore), bool(use_index), loss, lse)
    return loss, lse


@njit(cache=True, error_model="numpy", fastmath=_FM)
def _ce_bwd_nb(z, lse, t, q, w, eps, ignore, use_index, scale, out):
    # softmax p = exp(z - lse) computed in the loop that writes the gradient
    M, C = z.shape
    wsum = 0.0
    for c in range(C):
        wsum += w[c]
    for i in range(M):
        s_i = scale[i]
        l = lse[i]
        if use_index:
            ti = t[i]
            if ti == ignore or s_i == 0.0:
                for c in range(C):
                    out[i, c] = 0.0
                continue
            S = eps / C * wsum + (1.0 - eps) * w[ti]
            for c in range(C):
                out[i, c] = s_i * (S * _fm.exp(z[i, c] - l) - eps / C * w[c])
            out[i, ti] -= s_i * (1.0 - eps) * w[ti]
        else:
            S = 0.0
            for c in range(C):
                S += w[c] * ((1.0 - eps) * q[i, c] + eps / C)
            for c in range(C):
                out[i, c] = s_i * (S * _fm.exp(z[i, c] - l)
                                   - w[c] * ((1.0 - eps) * q[i, c] + eps / C))


def ce_backward_np(z, lse, t, q, w, eps, ignore, use_index, scale):
    M, C = z.shape
    a = _ce_a_np(M, C, t, q, w, eps, ignore, use_index, z.dtype)
    with np.errstate(under="ignore"):
        p = np.exp(z.astype(np.float64) - lse.astype(np.float64)[:, None])
    g = scale[:, None] * (a.sum(axis=1, keepdims=True) * p - a)
    return g.astype(z.dtype)


def ce_backward(z, lse, t, q, w, eps, ignore, use_index, scale):
    """Gradient (M, C) of sum_i scale_i * loss_i with respect to the logits."""
    if not _numba() or z.shape[1] == 0:
        return ce_backward_np(z, lse, t, q, w, eps, ignore, use_index, scale)
    out = _buffers.empty(z.shape, z.dtype)
    _ce_bwd_nb(z, lse.astype(z.dtype, copy=False), t, q, w, float(eps), int(ignore),
               bool(use_index), scale.astype(np.float64), out)
    return out


# ---------------------------------------------------------------------------------------
# Batch norm, training mode, on x of shape (N, C, L): statistics over N and L.
# ---------------------------------------------------------------------------------------

# Memory traffic: the statistics need one read of x and the output another (x is read
# twice by nature unless it fits in cache), plus the write of y. Mean and variance come
# from ONE pass of shifted sums, sum(x - K) and sum((x - K)^2) in float64 with K = the
# channel's first element (a sample of the data, so |mean - K| is of the order of the
# std and the subtraction var = (S2 - S1^2/M)/M loses at most a few bits; the textbook
# E[x^2] - E[x]^2 without the shift would cancel catastrophically for |mean| >> std).
# The backward is at its minimum already: sums over (g, x), then (g, x) again and gx.
# Inner-row sums (the L axis) go through helpers with ``reassoc`` so they vectorise;
# the (N, C) loops vectorise across channels without it.

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
    # (the (N, C, L) loops above would run an inner loop of length 1: 5-10x slower)
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
def _dropout_nb(x, seed, thr, scale, out, mask):
    # Pairs in the loop, the odd tail after it: a bounds test inside the loop, or a
    # kept/dropped branch (mispredicted on p of the elements), costs 2-5x. Multiplying
    # by 0 (not writing 0) keeps PyTorch's x * mask semantics: a dropped inf gives nan.
    n = x.size
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
    """The n 32-bit draws (as uint64) the kernels compare against the threshold."""
    j = np.arange(1, (n + 1) // 2 + 1, dtype=np.uint64)
    z = np.uint64(seed) + j * _GOLD  # uint64 arrays wrap modulo 2**64, as in the loop
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z ^= z >> np.uint64(31)
    bits = np.empty(2 * z.size, dtype=np.uint64)
    bits[0::2] = z & _LO
    bits[1::2] = z >> np.uint64(32)
    return bits[:n]


def dropout_forward_np(x, seed, thr, scale):
    mask = dropout_bits(x.size, seed) < np.uint64(thr)
    return x * np.where(mask, x.dtype.type(scale), x.dtype.type(0)), mask


def dropout_forward(x, seed, thr, scale):
    """Inverted dropout of flat contiguous ``x``: returns (out, mask) with out = x * scale
    where kept, 0 elsewhere, and mask a bool array (True = kept)."""
    if not _numba():
        return dropout_forward_np(x, seed, thr, scale)
    out = _buffers.empty(x.shape, x.dtype)
    mask = _buffers.empty(x.size, np.bool_)
    _dropout_nb(x, np.uint64(seed), np.uint64(thr), x.dtype.type(scale), out, mask)
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
