"""Fused neural-network primitives: softmax cross-entropy, binary cross-entropy, batch
norm (training) and dropout. Each is fused for speed (one Numba pass instead of a chain
of temporaries) and cross-entropy also for stability (log-sum-exp of shifted logits,
never exp of a raw logit). ``nn.functional`` is the user-facing front end; these take
arrays and validate.

Each fused backward is a primitive of its own (``CrossEntropyGrad``,
``CrossEntropyTargetGrad``, ``BatchNormGrad``, ``DropoutGrad``): a plain ``backward()``
runs its kernel, and its own rule, written in registered primitives, makes grad-of-grad
exact (recorded under ``create_graph=True``, so to any order).
"""
from ..backend import ARRAYS
from ..function import Primitive
from .registry import register

__all__ = ["check_class_target", "SoftmaxCrossEntropy", "CrossEntropyGrad",
           "CrossEntropyTargetGrad", "BinaryCrossEntropy", "BatchNormTrain", "BatchNormGrad",
           "Dropout", "DropoutGrad"]

_REDUCTIONS = ("mean", "sum", "none")


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
    if weight is not None:
        wshape = tuple(ARRAYS.asarray(weight).shape)
        if wshape != (C,):
            raise ValueError(
                f"{op}: weight has shape {wshape}; expected ({C},), "
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


# -- cross-entropy, in the logits' layout: the class dim is 1 ((C,) inputs: 0) ----------

def _cdim(z):
    return 0 if z.ndim == 1 else 1


def _per_row(F, g, z, reduction, denom):
    """The incoming gradient as a per-row factor broadcasting against z."""
    if reduction == "none":
        shape = list(z.shape)
        shape[_cdim(z)] = 1
        return F.reshape(g, shape=tuple(shape))
    if reduction == "mean":
        return F.div_scalar(g, s=denom) if denom else F.mul_scalar(g, s=0.0)
    return g


def _contract(F, r, z, reduction, denom):
    """sum over classes of ``r`` (z's shape), reduced to the loss's shape: the gradient
    for g of a rule linear in g (the adjoint of ``_per_row``)."""
    if reduction == "none":
        return F.sum(r, dims=(_cdim(z),), keepdim=False)
    total = F.sum(r, dims=tuple(range(r.ndim)), keepdim=False)
    if reduction == "mean":
        return F.div_scalar(total, s=denom) if denom else F.mul_scalar(total, s=0.0)
    return total


@register("cross_entropy", "nn")
class SoftmaxCrossEntropy(Primitive):
    """Cross-entropy of logits ``z`` (N, C), (N, C, d1, ...) or (C,) against class indices
    (integer, shape (N,), (N, d1, ...) or ()) or class probabilities (float, z's shape).

    ``weight``: (C,) array or None; ``ignore_index`` (index targets only);
    ``label_smoothing`` in [0, 1]; ``reduction``: 'mean' (divided by the summed weights
    of the non-ignored targets, or by the number of rows for probability targets, as
    PyTorch), 'sum', or 'none' (shape of the target without the class dim).
    """

    def forward(self, F, z, target, weight=None, reduction="mean", ignore_index=-100,
                label_smoothing=0.0):
        _, use_index = check_class_target("cross_entropy", z, target, weight, reduction,
                                          label_smoothing)
        eps, ignore = float(label_smoothing), int(ignore_index)
        loss, self.lse, self.t, self.w, self.denom = F.cross_entropy_forward(
            z, target, weight, reduction, ignore, eps, use_index)
        self.eps, self.ignore, self.use_index, self.reduction = eps, ignore, use_index, reduction
        self.save_for_backward(z, target)
        return loss

    def backward(self, F, g):
        z, target = F.saved(self)
        nz, nt = self.needs_input_grad
        common = dict(w=self.w, eps=self.eps, reduction=self.reduction, denom=self.denom,
                      lse=self.lse)
        q = () if self.use_index else (target,)
        gz = F.cross_entropy_backward(g, z, *q, t=self.t, ignore=self.ignore,
                                      **common) if nz else None
        gt = F.cross_entropy_target_backward(g, z, dtype=target.dtype,
                                             **common) if nt else None
        return gz, gt


@register("cross_entropy_backward", "nn")
class CrossEntropyGrad(Primitive):
    """Cross-entropy's fused gradient for the logits: scale(g) * (S softmax(z) - a), with
    a the loss's coefficients (from index targets ``t`` or probabilities ``q``, class
    weights and smoothing) and S their sum over classes. Inputs (g, z) or (g, z, q)."""

    def forward(self, F, g, z, *q, t, w, eps, ignore, reduction, denom, lse):
        self.t, self.w, self.eps, self.ignore = t, w, eps, ignore
        self.reduction, self.denom = reduction, denom
        self.save_for_backward(g, z, *q)
        return F.cross_entropy_backward(g, z, *q, t=t, w=w, eps=eps, ignore=ignore,
                                        reduction=reduction, denom=denom, lse=lse)

    def backward(self, F, h):
        g, z, *q = F.saved(self)
        need = self.needs_input_grad
        d = _cdim(z)
        eps = self.eps
        p = F.softmax(z, dim=d)
        if q:
            wc = F.asarray(ARRAYS.cross_entropy_weight(self.w, z.ndim, z.dtype))
            C = z.shape[d]
            a = F.mul(wc, F.add_scalar(F.mul_scalar(q[0], s=1.0 - eps), s=eps / C))
        else:
            a = F.asarray(ARRAYS.cross_entropy_coefficients(
                z.shape, z.dtype, self.t, self.w, eps, self.ignore))
        S = F.sum(a, dims=(d,), keepdim=True)
        scale = _per_row(F, g, z, self.reduction, self.denom)
        gg = F.mul(F.mul(scale, S), F.softmax_backward(h, p, dim=d)) if need[1] else None
        gh = None
        if need[0]:
            gh = _contract(F, F.mul(h, F.sub(F.mul(S, p), a)), z, self.reduction, self.denom)
        gq = None
        if q and need[2]:  # d a / d q = (1 - eps) w; S moves with a
            hp = F.sum(F.mul(h, p), dims=(d,), keepdim=True)
            gq = F.mul(F.mul_scalar(F.mul(scale, wc), s=1.0 - eps), F.sub(hp, h))
        return (gh, gg) + ((gq,) if q else ())


@register("cross_entropy_target_backward", "nn")
class CrossEntropyTargetGrad(Primitive):
    """Cross-entropy's gradient for probability targets: -(1 - eps) w log_softmax(z)
    scale(g), in the target's ``dtype``. Inputs (g, z)."""

    def forward(self, F, g, z, w, eps, reduction, denom, lse, dtype):
        self.w, self.eps, self.reduction, self.denom = w, eps, reduction, denom
        self.save_for_backward(g, z)
        return F.cross_entropy_target_backward(g, z, w=w, eps=eps, reduction=reduction,
                                               denom=denom, lse=lse, dtype=dtype)

    def backward(self, F, h):
        g, z = F.saved(self)
        ng, nz = self.needs_input_grad
        d = _cdim(z)
        c = -(1.0 - self.eps)
        wc = F.asarray(ARRAYS.cross_entropy_weight(self.w, z.ndim, z.dtype))
        logp = F.log_softmax(z, dim=d)
        gh = _contract(F, F.mul(h, F.mul_scalar(F.mul(wc, logp), s=c)), z, self.reduction,
                       self.denom) if ng else None
        gz = None
        if nz:
            scale = _per_row(F, g, z, self.reduction, self.denom)
            gz = F.mul(F.mul_scalar(scale, s=c),
                       F.log_softmax_backward(F.mul(h, wc), logp, dim=d))
        return gh, gz


# -- binary cross-entropy --------------------------------------------------------------------

@register("binary_cross_entropy", "nn")
class BinaryCrossEntropy(Primitive):
    """Elementwise -(y log x + (1 - y) log(1 - x)) for probabilities x in [0, 1], each log
    clamped at -100 (PyTorch). A primitive for stability: composed log and clamp give a
    0/0 gradient where x is exactly 0 or 1 (a saturated float32 sigmoid); here
    d/dx = (x - y) / max(x (1 - x), 1e-12) and d/dy = log(1 - x) - log(x), as PyTorch."""

    stores_attributes = False

    def forward(self, F, x, y):
        if x.dtype.kind != "f":
            raise TypeError(f"binary_cross_entropy: input must be floating point, got {x.dtype}")
        if x.shape != y.shape:
            raise ValueError(f"binary_cross_entropy: target size {tuple(y.shape)} is different from input size {tuple(x.shape)}")
        out = F.binary_cross_entropy(x, y)  # raises for x outside [0, 1]
        self.save_for_backward(x, y)
        return out

    def backward(self, F, g):
        x, y = F.saved(self)
        nx, ny = self.needs_input_grad
        gx = gy = None
        if nx:
            d = F.clamp(F.mul(x, F.rsub_scalar(x, s=1.0)), min=1e-12)
            gx = F.div(F.mul(g, F.sub(x, y)), d)
        if ny:
            gy = F.mul(g, F.sub(F.clamp(F.log1p(F.neg(x)), min=-100.0),
                                F.clamp(F.log(x), min=-100.0)))
        return gx, gy


# -- batch norm ----------------------------------------------------------------------------------

@register("batch_norm", "nn")
class BatchNormTrain(Primitive):
    """Batch norm with batch statistics (training mode) of x (N, C) or (N, C, L), per
    channel over N (and L), with the biased variance: y = (x - mean) / sqrt(var + eps)
    * weight + bias. Inputs: x, or x, weight (C,), bias (C,). Outputs (y, mean, var):
    the batch mean and biased variance (C,), not differentiable, for running stats."""

    def forward(self, F, x, *wb, eps=1e-5):
        if x.dtype.kind != "f":
            raise TypeError(f"batch_norm: input must be floating point, got {x.dtype}")
        if x.ndim not in (2, 3):
            raise ValueError(f"batch_norm: expected 2D or 3D input (N, C) or (N, C, L), got {x.ndim}D input of shape {tuple(x.shape)}")
        C = x.shape[1]
        for name, a in zip(("weight", "bias"), wb):
            if a.shape != (C,):
                raise ValueError(f"batch_norm: {name} has shape {tuple(a.shape)}; expected ({C},) for input {tuple(x.shape)}")
        self.eps = float(eps)
        y, mean, var, self.mean, self.invstd = F.batch_norm_forward(x, *wb, eps=self.eps)
        self.non_differentiable = (1, 2)
        self.save_for_backward(x, *wb[:1])
        return y, mean, var

    def backward(self, F, g, _gmean, _gvar):
        x, *w = F.saved(self)
        out = F.batch_norm_backward(g, x, *w, mean=self.mean, invstd=self.invstd,
                                    eps=self.eps)
        if not w:
            return (out,)
        return tuple([a if need else None for a, need in zip(out, self.needs_input_grad)])


@register("batch_norm_backward", "nn")
class BatchNormGrad(Primitive):
    """Batch norm's fused gradients: gx = w/std (g - mean(g) - xhat mean(g xhat)) and,
    with a weight, gw = sum(g xhat), gb = sum(g) per channel. Inputs (g, x) or
    (g, x, w); ``mean``/``invstd`` are the forward's float64 statistics of x."""

    def forward(self, F, g, x, *w, mean, invstd, eps):
        self.eps = eps
        self.save_for_backward(g, x, *w)
        return F.batch_norm_backward(g, x, *w, mean=mean, invstd=invstd, eps=eps)

    def backward(self, F, hx, *hwb):
        # statistics recomputed from x in recorded ops, so the rule differentiates again
        g, x, *w = F.saved(self)
        need = self.needs_input_grad
        C = x.shape[1]
        dims = (0, 2) if x.ndim == 3 else (0,)
        cshape = (1, C, 1) if x.ndim == 3 else (1, C)
        M = float(x.shape[0] * (x.shape[2] if x.ndim == 3 else 1))

        def total(v):  # per channel, keeping dims
            return F.sum(v, dims=dims, keepdim=True)

        def avg(v):
            return F.div_scalar(total(v), s=M)

        xc = F.sub(x, avg(x))
        invstd = F.pow_scalar(F.add_scalar(avg(F.mul(xc, xc)), s=self.eps), exponent=-0.5)
        xh = F.mul(xc, invstd)

        def project(v):  # d xhat / d x, transposed, applied to v (symmetric)
            return F.mul(invstd, F.sub(F.sub(v, avg(v)), F.mul(xh, avg(F.mul(v, xh)))))

        wc = F.reshape(w[0], shape=cshape) if w else None
        u = F.mul(hx, wc) if w else hx  # hx seen from xhat
        gg = project(u) if need[0] else None
        gx = None
        if need[1]:
            # gx = w invstd (g - mean g - xhat mean(g xhat)) moves with x through invstd
            # and xhat: -(invstd^2 / M) (xhat K + Q (g - mean g) + P (u - mean u)
            # - 3 xhat P Q / M), K = sum(u g) - sum u sum g / M, P = sum g xhat,
            # Q = sum u xhat
            sg, su = total(g), total(u)
            K = F.sub(total(F.mul(u, g)), F.div_scalar(F.mul(su, sg), s=M))
            P, Q = total(F.mul(g, xh)), total(F.mul(u, xh))
            inner = F.add(F.add(F.mul(xh, K), F.mul(Q, F.sub(g, F.div_scalar(sg, s=M)))),
                          F.mul(P, F.sub(u, F.div_scalar(su, s=M))))
            inner = F.sub(inner, F.mul(xh, F.mul_scalar(F.mul(P, Q), s=3.0 / M)))
            gx = F.mul(F.mul_scalar(F.mul(invstd, invstd), s=-1.0 / M), inner)
        if not w:
            return gg, gx
        hw, hb = (F.reshape(a, shape=cshape) for a in hwb)
        if need[0]:  # gw = sum(g xhat), gb = sum(g)
            gg = F.add(F.add(gg, F.mul(hw, xh)), hb)
        if need[1]:
            gx = F.add(gx, project(F.mul(g, hw)))
        gw = None
        if need[2]:  # gx = w * project(g)
            gw = F.reshape(total(F.mul(hx, project(g))), shape=(C,))
        return gg, gx, gw


# -- dropout ----------------------------------------------------------------------------------------

@register("dropout", "nn")
class Dropout(Primitive):
    """Inverted dropout: each element kept with probability 1 - p and scaled by 1/(1-p),
    else 0. The mask is a function of ``seed`` alone: the key, a one-element uint64
    array read when the kernel runs (``autograd_core.random.dropout_key``; an integer
    in [0, 2**64) is accepted too)."""

    def forward(self, F, x, p, seed):
        if x.dtype.kind != "f":
            raise TypeError(f"dropout: input must be floating point, got {x.dtype}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
        out, self.mask, self.scale = F.dropout_forward(x, p, seed)
        return out

    def backward(self, F, g):
        return F.dropout_backward(g, mask=self.mask, scale=self.scale)


@register("dropout_backward", "nn")
class DropoutGrad(Primitive):
    """``g * mask * scale`` with a fixed bool mask: dropout's backward, linear in g, so
    its own backward is itself."""

    def forward(self, F, g, mask, scale):
        self.mask, self.scale = mask, scale
        return F.dropout_backward(g, mask=mask, scale=scale)

    def backward(self, F, h):
        return F.dropout_backward(h, mask=self.mask, scale=self.scale)
