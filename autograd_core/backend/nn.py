"""The fused nn primitives on arrays: cross-entropy, binary cross-entropy, batch norm
(training) and dropout, with their fused backwards. The Numba loops and their numpy
twins live in ``kernels/cross_entropy.py``, ``batch_norm.py`` and ``dropout.py``; here
the layouts are prepared (class dim last, contiguous) and the kernels called.

Each ``NAME`` below is the array function of the primitive registered as ``NAME``
(``ops/nnops.py``); ``*_forward`` functions also return what the primitive keeps for its
backward. The per-step state (the dropout key, batch norm's averaging factor) comes in
small arrays read at call time."""
import numpy as np

from ..kernels import batch_norm as BN, cross_entropy as CE, dropout as DO
from .namespace import ARRAYS, IGNORE

define = ARRAYS.define


def _rows(a):
    """(N, C, d1, ...) -> C-contiguous (M, C) with C last; (C,) -> (1, C); (N, C) as is."""
    if a.ndim == 1:
        return np.ascontiguousarray(a.reshape(1, -1))
    if a.ndim == 2:
        return np.ascontiguousarray(a)
    return np.ascontiguousarray(np.moveaxis(a, 1, -1)).reshape(-1, a.shape[1])


def _unrows(r, shape):
    """Inverse of ``_rows`` for an array of the original ``shape``."""
    if len(shape) <= 2:
        return r.reshape(shape)
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return np.moveaxis(r.reshape(moved), -1, 1)


# -- cross-entropy ---------------------------------------------------------------------

@define("cross_entropy_forward", errors=IGNORE)
def cross_entropy_forward(z, target, weight, reduction, ignore_index, label_smoothing,
                          use_index):
    """The loss (reduced as ``reduction`` says) and what its backward needs: (loss, lse
    (M,), index targets t (M,) int64, class weights w (C,) float64, the 'mean' divisor).
    An out-of-range class index raises IndexError."""
    C = z.shape[0] if z.ndim == 1 else z.shape[1]
    z2 = _rows(z)
    M = z2.shape[0]
    w = np.ones(C) if weight is None else np.asarray(weight, dtype=np.float64)
    if use_index:
        t = np.ascontiguousarray(target.reshape(-1), dtype=np.int64)
        bad = (t != ignore_index) & ((t < 0) | (t >= C))
        if bad.any():
            raise IndexError(
                f"cross_entropy: target {int(t[bad][0])} is out of bounds for {C} "
                f"classes (valid: 0..{C - 1}, or ignore_index={ignore_index})"
            )
        q = np.empty((0, 0), dtype=z.dtype)
        denom = float(w[t[t != ignore_index]].sum())
    else:
        t = np.empty(0, dtype=np.int64)
        q = _rows(target.astype(z.dtype, copy=False))
        denom = float(M)
    loss, lse = CE.ce_forward(z2, t, q, w, label_smoothing, ignore_index, use_index)
    if reduction == "none":
        out = loss.reshape(() if z.ndim == 1 else (z.shape[0],) + z.shape[2:])
    else:
        total = loss.sum(dtype=np.float64)
        if reduction == "mean":
            total = total / denom if denom else np.float64(np.nan)
        out = np.asarray(total, dtype=z.dtype)
    return out, lse, t, w, denom


@define("cross_entropy")
def cross_entropy(z, target, weight=None, reduction="mean", ignore_index=-100,
                  label_smoothing=0.0, use_index=True):
    return cross_entropy_forward(z, target, weight, reduction, ignore_index,
                                 label_smoothing, use_index)[0]


def _row_scale(g, reduction, denom, M):
    """Per-row factor (M,) float64 multiplying each row's gradient."""
    if reduction == "none":
        return np.ascontiguousarray(g, dtype=np.float64).reshape(-1)
    s = float(g)
    if reduction == "mean":
        s = s / denom if denom else 0.0  # all rows ignored: no gradient
    return np.full(M, s)


@define("cross_entropy_backward")
def cross_entropy_backward(g, z, *q, t, w, eps, ignore, reduction, denom, lse):
    """d loss / d z (z's shape): scale(g) * (S softmax(z) - a), one fused pass; ``q``
    (probability targets, z's shape) or index targets ``t``."""
    z2 = _rows(z)
    q2 = _rows(q[0].astype(z.dtype, copy=False)) if q else np.empty((0, 0), z.dtype)
    scale = _row_scale(g, reduction, denom, z2.shape[0])
    r = CE.ce_backward(z2, lse, t, q2, w, eps, ignore, not q, scale)
    return _unrows(r, z.shape)


@define("cross_entropy_target_backward")
def cross_entropy_target_backward(g, z, w, eps, reduction, denom, lse, dtype):
    """d loss / d q for probability targets, in ``dtype`` (the target's)."""
    z2 = _rows(z)
    scale = _row_scale(g, reduction, denom, z2.shape[0])
    return _unrows(CE.ce_target_backward(z2, lse, w, eps, scale, dtype), z.shape)


@define("cross_entropy_coefficients")
def cross_entropy_coefficients(shape, dtype, t, w, eps, ignore):
    """The loss's coefficients ``a`` for index targets, an array of the logits' shape
    (a constant of the second-order rules)."""
    C = shape[0] if len(shape) == 1 else shape[1]
    M = t.size
    a = CE.ce_coefficients(M, C, t, None, w, eps, ignore, True, dtype)
    return _unrows(a, shape)


@define("cross_entropy_weight")
def cross_entropy_weight(w, ndim, dtype):
    """Class weights (C,) shaped to broadcast along the class dim of an ``ndim`` input."""
    w = w.astype(dtype)
    return w if ndim == 1 else w.reshape((1, -1) + (1,) * (ndim - 2))


# -- binary cross-entropy ----------------------------------------------------------------

@define("binary_cross_entropy", errors=IGNORE)
def binary_cross_entropy(x, y):
    """-(y log x + (1 - y) log(1 - x)), each log clamped at -100; x must be in [0, 1]."""
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise ValueError(
            "binary_cross_entropy: all elements of input should be between 0 and 1 "
            f"(got min {np.nanmin(x) if not np.isnan(x).all() else np.nan}, max "
            f"{np.nanmax(x) if not np.isnan(x).all() else np.nan}); apply sigmoid "
            "first or use binary_cross_entropy_with_logits"
        )
    lx = np.maximum(np.log(x), -100)
    l1x = np.maximum(np.log1p(-x), -100)
    return (-(y * lx + (1 - y) * l1x)).astype(x.dtype, copy=False)


# -- batch norm ------------------------------------------------------------------------------

def _channels(x):
    N, C = x.shape[:2]
    return N, C, (x.shape[2] if x.ndim == 3 else 1)


@define("batch_norm_forward")
def batch_norm_forward(x, *wb, eps):
    """(y, mean, var) in x's dtype and the float64 (C,) mean and 1/std the backward
    reuses; ``wb``: () or (weight, bias)."""
    N, C, L = _channels(x)
    x3 = np.ascontiguousarray(x.reshape(N, C, L))
    w = wb[0].astype(np.float64) if wb else np.ones(C)
    b = wb[1].astype(np.float64) if wb else np.zeros(C)
    y, mean, var, invstd = BN.bn_forward(x3, w, b, eps)
    return y.reshape(x.shape), mean.astype(x.dtype), var.astype(x.dtype), mean, invstd


@define("batch_norm")
def batch_norm(x, *wb, eps=1e-5):
    return batch_norm_forward(x, *wb, eps=eps)[:3]


@define("batch_norm_backward")
def batch_norm_backward(g, x, *w, mean, invstd, eps):
    """The fused gradients: gx, or (gx, gw, gb) with a weight ``w``; ``mean``/``invstd``
    are the forward's float64 statistics of ``x``."""
    N, C, L = _channels(x)
    x3 = np.ascontiguousarray(x.reshape(N, C, L))
    g3 = np.ascontiguousarray(g.reshape(x3.shape), dtype=x.dtype)
    w64 = w[0].astype(np.float64) if w else np.ones(C)
    gx, gw, gb = BN.bn_backward(g3, x3, mean, invstd, w64)
    gx = gx.reshape(x.shape)
    if not w:
        return gx
    return gx, gw.astype(x.dtype), gb.astype(x.dtype)


define("batch_norm_count", BN.bn_count_batch)
define("batch_norm_update_running", BN.bn_update_running)


# -- dropout -----------------------------------------------------------------------------------

@define("dropout_forward")
def dropout_forward(x, p, seed):
    """(out, mask, scale): each element kept with probability 1 - p (the mask, a flat
    bool array) and scaled by 1 / (1 - p); ``seed`` the key array (or an integer)."""
    keep = 1.0 - p
    thr = min(int(round(keep * 2.0**32)), 2**32)
    scale = 1.0 / keep if keep > 0 else 0.0
    out, mask = DO.dropout_forward(np.ascontiguousarray(x).reshape(-1), seed, thr, scale)
    return out.reshape(x.shape), mask, scale


@define("dropout")
def dropout(x, p, seed):
    return dropout_forward(x, p, seed)[0]


@define("dropout_backward")
def dropout_backward(g, mask, scale):
    """``g * mask * scale`` in g's shape."""
    return DO.dropout_apply(np.ascontiguousarray(g).reshape(-1), mask, scale).reshape(g.shape)
