"""Fused neural-network primitives: softmax cross-entropy, batch norm (training) and
dropout. Each is fused for speed (one Numba pass instead of a chain of temporaries) and
cross-entropy also for stability (log-sum-exp of shifted logits, never exp of a raw
logit). ``nn.functional`` is the user-facing front end; these take arrays and validate.

Higher-order gradients: the fast fused backward runs when the backward pass is not
recorded (the default; ``array_backward`` runs it on ndarrays for the engine's array
walk, ``backward`` wraps the same arrays in Tensors). With ``create_graph=True`` the backward is instead written in
composed Tensor operations (exp, sum, mul, ...), so grad-of-grad is exact to any order;
dropout's backward is its own primitive (``dropout_backward``, linear, its own backward).
"""
import numpy as np

from ..function import Function
from ..grad_mode import STATE
from ..kernels import nn as K
from .registry import register

__all__ = ["check_class_target", "SoftmaxCrossEntropy", "BinaryCrossEntropy", "BatchNormTrain", "Dropout", "DropoutBackward"]

_REDUCTIONS = ("mean", "sum", "none")


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


def _rows_t(t):
    """``_rows`` for a Tensor (recorded, for the composed backward)."""
    if t.ndim == 1:
        return t.reshape(1, -1)
    if t.ndim == 2:
        return t
    perm = (0,) + tuple(range(2, t.ndim)) + (1,)
    return t.permute(*perm).reshape(-1, t.shape[1])


def _unrows_t(r, shape):
    if len(shape) <= 2:
        return r.reshape(shape)
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    nd = len(shape)
    perm = (0, nd - 1) + tuple(range(1, nd - 1))
    return r.reshape(moved).permute(*perm)


def check_class_target(op, z, target, weight, reduction, eps=0.0):
    """Validate a classification loss's arguments; returns (C, uses class indices)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if z.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got {z.dtype}")
    if z.ndim == 0:
        raise ValueError(f"{op}: input must have at least 1 dimension (C,) or (N, C, ...), got a 0-d input")
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {eps}")
    C = z.shape[0] if z.ndim == 1 else z.shape[1]
    if weight is not None and np.shape(weight) != (C,):
        raise ValueError(
            f"{op}: weight has shape {tuple(np.shape(weight))}; expected ({C},), "
            f"one per class of input {tuple(z.shape)}"
        )
    use_index = target.dtype.kind in "iu"
    want = () if z.ndim == 1 else (z.shape[0],) + tuple(z.shape[2:])
    if use_index and target.shape == want:
        return C, True
    if target.dtype.kind == "f" and target.shape == z.shape:
        return C, False
    raise ValueError(
        f"{op}: input {tuple(z.shape)} and target {tuple(target.shape)} "
        f"({target.dtype}) do not fit: class-index targets need an integer target of "
        f"shape {want}, probability targets a float target of shape {tuple(z.shape)}"
    )


@register("cross_entropy", "nn")
class SoftmaxCrossEntropy(Function):
    """Cross-entropy of logits ``z`` (N, C), (N, C, d1, ...) or (C,) against class indices
    (integer, shape (N,), (N, d1, ...) or ()) or class probabilities (float, z's shape).

    ``weight``: (C,) array or None; ``ignore_index`` (index targets only);
    ``label_smoothing`` in [0, 1]; ``reduction``: 'mean' (divided by the summed weights
    of the non-ignored targets, or by the number of rows for probability targets, as
    PyTorch), 'sum', or 'none' (shape of the target without the class dim).
    """

    def forward(self, z, target, weight=None, reduction="mean", ignore_index=-100,
                label_smoothing=0.0):
        C, use_index = check_class_target("cross_entropy", z, target, weight, reduction,
                                          label_smoothing)
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
            valid = t != ignore_index
            denom = float(w[t[valid]].sum())
        else:
            t = np.empty(0, dtype=np.int64)
            q = _rows(target.astype(z.dtype, copy=False))
            denom = float(M)
        loss, lse = K.ce_forward(z2, t, q, w, float(label_smoothing), int(ignore_index),
                                 use_index)
        self.z2, self.t, self.q, self.w, self.lse = z2, t, q, w, lse
        self.eps, self.ignore, self.use_index = float(label_smoothing), int(ignore_index), use_index
        self.reduction, self.denom, self.shape = reduction, denom, z.shape
        self.save_for_backward(z, target)
        if reduction == "none":
            if z.ndim == 1:
                return loss.reshape(())
            return loss.reshape((z.shape[0],) + z.shape[2:])
        total = loss.sum(dtype=np.float64)
        if reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                total = total / denom if denom else np.float64(np.nan)
        return np.asarray(total, dtype=z.dtype)

    def _scale(self, gd):
        """Per-row factor (M,) float64 multiplying each row's gradient."""
        M = self.z2.shape[0]
        if self.reduction == "none":
            return np.ascontiguousarray(gd, dtype=np.float64).reshape(-1)
        s = float(gd)
        if self.reduction == "mean":
            s = s / self.denom if self.denom else 0.0  # all rows ignored: no gradient
        return np.full(M, s)

    def backward(self, g):
        z, target = self.saved_tensors
        nz, nt = self.needs_input_grad
        if STATE.enabled:
            return self._composed(g, z, target)
        scale = self._scale(g._data)
        gz = gt = None
        if nz:
            r = K.ce_backward(self.z2, self.lse, self.t, self.q, self.w, self.eps,
                              self.ignore, self.use_index, scale)
            gz = g._make(_unrows(r, self.shape))
        if nt:  # probability targets: d loss / d q_ic = -(1-eps) w_c logp_ic
            gt = g._make(self._target_grad(scale, target.dtype))
        return gz, gt

    def array_backward(self, g):
        # backward's fused branch on arrays (no Tensors): the same kernel calls
        z, target = self.saved_arrays
        nz, nt = self.needs_input_grad
        scale = self._scale(g)
        gz = gt = None
        if nz:
            r = K.ce_backward(self.z2, self.lse, self.t, self.q, self.w, self.eps,
                              self.ignore, self.use_index, scale)
            gz = _unrows(r, self.shape)
        if nt:
            gt = self._target_grad(scale, target.dtype)
        return gz, gt

    def _target_grad(self, scale, dtype):
        """d loss / d q_ic = -(1-eps) w_c logp_ic (probability targets), z's shape."""
        logp = self.z2.astype(np.float64) - self.lse[:, None]
        r = -(1.0 - self.eps) * self.w * logp * scale[:, None]
        return _unrows(r.astype(dtype), self.shape)

    def _composed(self, g, z, target):
        """The same gradient in recorded Tensor ops (create_graph=True)."""
        C = self.z2.shape[1]
        zr = _rows_t(z)
        m = g._make(self.z2.max(axis=1, keepdims=True))  # a constant shift: exact for softmax
        e = (zr - m).exp()
        se = e.sum(dim=1, keepdim=True)
        p = e / se
        w = g._make(self.w.astype(z.dtype))
        if self.use_index:
            a = g._make(K._ce_a_np(self.z2.shape[0], C, self.t, self.q, self.w, self.eps,
                                   self.ignore, True, z.dtype).astype(z.dtype))
        else:
            a = (_rows_t(target) * (1.0 - self.eps) + self.eps / C) * w
        if self.reduction == "none":
            scale = g.reshape(-1, 1)
        elif self.reduction == "mean":
            scale = g / self.denom if self.denom else g * 0.0
        else:
            scale = g
        nz, nt = self.needs_input_grad
        gz = _unrows_t((p * a.sum(dim=1, keepdim=True) - a) * scale, self.shape) if nz else None
        gt = None
        if nt:
            logp = zr - m - se.log()
            gt = _unrows_t(-(logp * w) * (1.0 - self.eps) * scale, self.shape)
        return gz, gt


@register("binary_cross_entropy", "nn")
class BinaryCrossEntropy(Function):
    """Elementwise -(y log x + (1 - y) log(1 - x)) for probabilities x in [0, 1], each log
    clamped at -100 (PyTorch). A primitive for stability: composed log and clamp give a
    0/0 gradient where x is exactly 0 or 1 (a saturated float32 sigmoid); here
    d/dx = (x - y) / max(x (1 - x), 1e-12) and d/dy = log(1 - x) - log(x), as PyTorch."""

    stores_attributes = False

    def forward(self, x, y):
        if x.dtype.kind != "f":
            raise TypeError(f"binary_cross_entropy: input must be floating point, got {x.dtype}")
        if x.shape != y.shape:
            raise ValueError(f"binary_cross_entropy: target size {tuple(y.shape)} is different from input size {tuple(x.shape)}")
        if x.size and not ((x >= 0) & (x <= 1)).all():
            raise ValueError(
                "binary_cross_entropy: all elements of input should be between 0 and 1 "
                f"(got min {np.nanmin(x) if not np.isnan(x).all() else np.nan}, max "
                f"{np.nanmax(x) if not np.isnan(x).all() else np.nan}); apply sigmoid "
                "first or use binary_cross_entropy_with_logits"
            )
        self.save_for_backward(x, y)
        with np.errstate(divide="ignore"):
            lx = np.maximum(np.log(x), -100)
            l1x = np.maximum(np.log1p(-x), -100)
        return (-(y * lx + (1 - y) * l1x)).astype(x.dtype, copy=False)

    def backward(self, g):
        x, y = self.saved_tensors
        nx, ny = self.needs_input_grad
        gx = g * (x - y) / (x * (1.0 - x)).clamp(min=1e-12) if nx else None
        gy = None
        if ny:
            gy = g * ((-x).log1p().clamp(min=-100.0) - x.log().clamp(min=-100.0))
        return gx, gy

    def array_backward(self, g):
        # backward above, op for op: Tensor log/log1p quiet their warnings, / is Div's
        x, y = self.saved_arrays
        nx, ny = self.needs_input_grad
        gx = gy = None
        if nx:
            d = np.asarray(np.clip(np.multiply(x, np.subtract(1.0, x)), 1e-12, None))
            with np.errstate(divide="ignore", invalid="ignore"):
                gx = np.true_divide(np.multiply(g, np.subtract(x, y)), d)
        if ny:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                l1 = np.asarray(np.log1p(np.negative(x)))
                l0 = np.asarray(np.log(x))
            gy = np.multiply(g, np.subtract(np.asarray(np.clip(l1, -100.0, None)),
                                            np.asarray(np.clip(l0, -100.0, None))))
        return gx, gy


@register("batch_norm", "nn")
class BatchNormTrain(Function):
    """Batch norm with batch statistics (training mode) of x (N, C) or (N, C, L), per
    channel over N (and L), with the biased variance: y = (x - mean) / sqrt(var + eps)
    * weight + bias. Inputs: x, or x, weight (C,), bias (C,). Outputs (y, mean, var):
    the batch mean and biased variance (C,), not differentiable, for running stats."""

    def forward(self, x, *wb, eps=1e-5):
        if x.dtype.kind != "f":
            raise TypeError(f"batch_norm: input must be floating point, got {x.dtype}")
        if x.ndim not in (2, 3):
            raise ValueError(f"batch_norm: expected 2D or 3D input (N, C) or (N, C, L), got {x.ndim}D input of shape {tuple(x.shape)}")
        N, C = x.shape[:2]
        L = x.shape[2] if x.ndim == 3 else 1
        for name, a in zip(("weight", "bias"), wb):
            if a.shape != (C,):
                raise ValueError(f"batch_norm: {name} has shape {tuple(a.shape)}; expected ({C},) for input {tuple(x.shape)}")
        x3 = np.ascontiguousarray(x.reshape(N, C, L))
        w = wb[0].astype(np.float64) if wb else np.ones(C)
        b = wb[1].astype(np.float64) if wb else np.zeros(C)
        y, mean, var, invstd = K.bn_forward(x3, w, b, float(eps))
        self.x3, self.mean, self.invstd, self.w, self.eps = x3, mean, invstd, w, float(eps)
        self.non_differentiable = (1, 2)
        self.save_for_backward(x, *wb[:1])
        return y.reshape(x.shape), mean.astype(x.dtype), var.astype(x.dtype)

    def backward(self, g, _gmean=None, _gvar=None):
        saved = self.saved_tensors
        x = saved[0]
        need = self.needs_input_grad
        if STATE.enabled:
            return self._composed(g, x, saved[1] if len(saved) > 1 else None)
        make = g._make
        return tuple([None if a is None else make(a)
                      for a in self._fused(g._data, x.shape, x.dtype)])

    def array_backward(self, g, _gmean=None, _gvar=None):
        x = self.saved_arrays[0]
        return self._fused(g, x.shape, x.dtype)

    def _fused(self, g, shape, dtype):
        """The fused kernel's gradients as arrays: (gx,) or (gx, gw, gb), None where
        an input needs none."""
        need = self.needs_input_grad
        g3 = np.ascontiguousarray(g.reshape(self.x3.shape), dtype=dtype)
        gx, gw, gb = K.bn_backward(g3, self.x3, self.mean, self.invstd, self.w)
        out = [gx.reshape(shape) if need[0] else None]
        if len(need) > 1:
            out.append(gw.astype(dtype) if need[1] else None)
            out.append(gb.astype(dtype) if need[2] else None)
        return tuple(out)

    def _composed(self, g, x, w):
        """The same gradients in recorded Tensor ops (create_graph=True)."""
        dims = (0, 2) if x.ndim == 3 else (0,)
        cshape = (1, -1, 1) if x.ndim == 3 else (1, -1)
        M = x.shape[0] * (x.shape[2] if x.ndim == 3 else 1)
        mean = x.sum(dim=dims, keepdim=True) / M
        xc = x - mean
        invstd = ((xc * xc).sum(dim=dims, keepdim=True) / M + self.eps) ** -0.5
        xh = xc * invstd
        gxh = g if w is None else g * w.reshape(cshape)
        gx = (gxh * M - gxh.sum(dim=dims, keepdim=True)
              - xh * (gxh * xh).sum(dim=dims, keepdim=True)) * (invstd / M)
        if w is None:
            return (gx,)
        need = self.needs_input_grad
        gw = (g * xh).sum(dim=dims) if need[1] else None
        gb = g.sum(dim=dims) if need[2] else None
        return gx, gw, gb


@register("dropout", "nn")
class Dropout(Function):
    """Inverted dropout: each element kept with probability 1 - p and scaled by 1/(1-p),
    else 0. The mask is a function of ``seed`` (an integer in [0, 2**64)) alone."""

    def forward(self, x, p, seed):
        if x.dtype.kind != "f":
            raise TypeError(f"dropout: input must be floating point, got {x.dtype}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
        keep = 1.0 - p
        thr = min(int(round(keep * 2.0**32)), 2**32)
        scale = 1.0 / keep if keep > 0 else 0.0
        out, mask = K.dropout_forward(np.ascontiguousarray(x).reshape(-1), seed, thr, scale)
        self.mask, self.scale = mask, scale
        return out.reshape(x.shape)

    def backward(self, g):
        return g._apply(DropoutBackward, g, mask=self.mask, scale=self.scale)

    def array_backward(self, g):
        return _dropout_apply(g, self.mask, self.scale)


def _dropout_apply(g, mask, scale):
    """``g * mask * scale`` in g's shape (``DropoutBackward.forward`` on arrays)."""
    return K.dropout_apply(np.ascontiguousarray(g).reshape(-1), mask, scale).reshape(g.shape)


@register("dropout_backward", "nn")
class DropoutBackward(Function):
    """``g * mask * scale`` with a fixed bool mask: dropout's backward, linear in g, so
    its own backward is itself."""

    def forward(self, g, mask, scale):
        self.mask, self.scale = mask, scale
        return _dropout_apply(g, mask, scale)

    def backward(self, gg):
        return gg._apply(DropoutBackward, gg, mask=self.mask, scale=self.scale)

    def array_backward(self, gg):
        return _dropout_apply(gg, self.mask, self.scale)
