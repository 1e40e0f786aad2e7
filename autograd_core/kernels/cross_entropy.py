"""Softmax cross-entropy on rows: the Numba loops, their numpy twins (``*_np``) and the
dispatchers (``ce_forward``, ``ce_backward``) side by side; ``kernels.USE_NUMBA``, read at
call time, picks the loop or the twin. Rows are (M, C) C-contiguous, float32 or float64;
accumulations run in float64. Why one loop per row instead of numpy's chain of (M, C)
temporaries: docs/design-notes/nn-kernels.md.
"""
import numpy as np
from . import buffers as _buffers  # large outputs come from a pool (see buffers.py)
from . import fastmath as _fm  # numba-free until a kernel compiles
from . import njit  # lazy: numba is imported on first use

from .. import kernels as _switch

__all__ = ["ce_forward", "ce_backward", "ce_forward_np", "ce_backward_np",
           "ce_coefficients", "ce_target_backward"]


def _numba():
    return _switch.USE_NUMBA


# ---------------------------------------------------------------------------------------
# Per row i the loss is -sum_c a_ic * logp_ic with
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


def ce_coefficients(M, C, t, q, w, eps, ignore, use_index, dtype):
    """The (M, C) coefficients ``a`` of the loss (see above) in ``dtype``."""
    return _ce_a_np(M, C, t, q, w, eps, ignore, use_index, dtype).astype(dtype)


def ce_target_backward(z, lse, w, eps, scale, dtype):
    """d (sum_i scale_i loss_i) / d q for probability targets: -(1-eps) w_c logp_ic
    scale_i, (M, C) in ``dtype`` (computed in float64)."""
    logp = z.astype(np.float64) - lse[:, None]
    r = -(1.0 - eps) * w * logp * scale[:, None]
    return r.astype(dtype)
