"""Loss functions (PyTorch's names, signatures and reductions; the deprecated
``size_average`` / ``reduce`` arguments sit where PyTorch has them and still work).

``reduction``: 'mean' (default), 'sum' or 'none' (the elementwise / per-sample loss);
anything else raises. Shape rules: see each function.
"""
import warnings

import numpy as np

from autograd_core.ops.nnops import (BinaryCrossEntropy, SoftmaxCrossEntropy,
                                     check_class_target)

from ._util import (broadcast_with_warning, check_reduction, float_arg, legacy_reduction,
                    reduce as _reduce, same_shape, tensor_arg)

__all__ = ["mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "cross_entropy", "nll_loss", "kl_div"]


def _pair(op, input, target, reduction):
    float_arg(op, "input", input)
    tensor_arg(op, "target", target)
    check_reduction(op, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """(x - y)**2, reduced. Shapes should match; broadcastable ones warn (PyTorch)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _pair("mse_loss", input, target, reduction)
    broadcast_with_warning("mse_loss", input, target)
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """|x - y|, reduced (gradient sign(x - y), 0 where equal)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _pair("l1_loss", input, target, reduction)
    broadcast_with_warning("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction)


def _weighted(op, loss, weight):
    if weight is None:
        return loss
    tensor_arg(op, "weight", weight)
    try:
        np.broadcast_shapes(weight.shape, loss.shape)
    except ValueError:
        raise ValueError(f"{op}: weight {tuple(weight.shape)} does not broadcast to input {tuple(loss.shape)}") from None
    return loss * weight


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x in [0, 1] and targets y of
    the same shape; logs clamped at -100 as PyTorch. ``weight`` broadcasts to input."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _pair("binary_cross_entropy", input, target, reduction)
    same_shape("binary_cross_entropy", input, target)
    if target.dtype != input.dtype:
        target = target.astype(input.dtype)
    loss = input._apply(BinaryCrossEntropy, input, target)
    return _reduce(_weighted("binary_cross_entropy", loss, weight), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable formula on logits x:
    max(x, 0) - x y + log1p(exp(-|x|)) = softplus(x) - x y, never exp of a large number;
    d/dx = sigmoid(x) - y. ``pos_weight`` (broadcasting to the last dim, e.g. (C,))
    weighs positives: (1 - y) x + (1 + (pw - 1) y) softplus(-x). ``weight`` weighs
    elements (broadcasts to input)."""
    op = "binary_cross_entropy_with_logits"
    reduction = legacy_reduction(size_average, reduce, reduction)
    _pair(op, input, target, reduction)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{op}: target size {tuple(target.shape)} must be the same as input size {tuple(input.shape)}")
    if target.dtype != input.dtype:
        target = target.astype(input.dtype)
    inf = float("inf")
    if pos_weight is None:
        loss = input.softplus(1.0, inf) - input * target
    else:
        tensor_arg(op, "pos_weight", pos_weight)
        lw = (pos_weight - 1.0) * target + 1.0
        loss = (1.0 - target) * input + lw * (-input).softplus(1.0, inf)
    return _reduce(_weighted(op, loss, weight), reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of logits, fused: log-softmax + NLL in one primitive whose
    gradient is (softmax - target) * g / N (the course's y - t), in one pass.

    input: (N, C), (N, C, d1, ...) or (C,) logits. target: class indices (int64, shape
    (N,), (N, d1, ...) or ()) with optional ``ignore_index``, or class probabilities
    (float, input's shape). ``weight`` (C,): per-class weights; 'mean' then divides by
    the summed weights of the targets (index targets) as PyTorch. ``label_smoothing``
    eps mixes the target with the uniform distribution: (1 - eps) t + eps / C.
    Probability targets get a gradient too; ``weight`` does not. The fused backward is
    a primitive with its own rule, so grad-of-grad (Hessian-vector products) is exact.
    """
    op = "cross_entropy"
    reduction = legacy_reduction(size_average, reduce, reduction)
    _pair(op, input, target, reduction)
    if weight is not None:
        tensor_arg(op, "weight", weight)
    if isinstance(label_smoothing, bool) or not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    return input._apply(
        SoftmaxCrossEntropy, input, target,
        weight=None if weight is None else weight.numpy(), reduction=reduction,
        ignore_index=int(ignore_index), label_smoothing=float(label_smoothing),
    )


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (N, C), (N, C, d1, ...) or
    (C,) at class indices ``target`` (N,), (N, d1, ...) or (): -w[t] * input[n, t]. 'mean'
    divides by the summed weights of the non-ignored targets (nan if there are none)."""
    op = "nll_loss"
    reduction = legacy_reduction(size_average, reduce, reduction)
    _pair(op, input, target, reduction)
    if weight is not None:
        tensor_arg(op, "weight", weight)
    w = None if weight is None else weight.numpy()
    C, use_index = check_class_target(op, input.numpy(), target.numpy(), w, reduction)
    if not use_index:
        raise ValueError(f"{op}: target must hold class indices (an integer tensor), got {target.dtype}")
    t = target.numpy().astype(np.int64)
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= C))
    if bad.any():
        raise IndexError(f"{op}: target {int(t[bad][0])} is out of bounds for {C} classes")
    w = np.ones(C) if w is None else w.astype(np.float64)
    ts = np.where(valid, t, 0)
    coef = np.where(valid, w[ts], 0.0)
    # a constant (..., C) mask holding w[t] at each target's class: the loss is a product
    # and a sum, whose gradient is exact and needs no gather
    cdim = 0 if input.ndim == 1 else 1
    a = np.zeros(input.shape, dtype=input.dtype)
    np.put_along_axis(a, np.expand_dims(ts, cdim), np.expand_dims(coef, cdim).astype(input.dtype), axis=cdim)
    loss = -(input * input._make(a)).sum(dim=cdim)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    denom = float(coef.sum())
    return loss.sum() / denom if denom else loss.sum() * float("nan")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise: target * (log target - input), 0 where
    target = 0; with ``log_target`` the target is given as log-probabilities:
    exp(t) * (t - input). ``input`` holds log-probabilities. 'batchmean' divides the sum
    by input.shape[0] (the true KL per sample); 'mean' divides by the element count and
    warns, as PyTorch."""
    op = "kl_div"
    reduction = legacy_reduction(size_average, reduce, reduction)
    float_arg(op, "input", input)
    float_arg(op, "target", target)
    check_reduction(op, reduction, ("mean", "batchmean", "sum", "none"))
    broadcast_with_warning(op, input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        pos = target > 0
        safe = pos.where(target, 1.0)
        loss = pos.where(target * safe.log(), 0.0) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size. 'batchmean' divides only by the batch size, and aligns with the KL div "
            "math definition.", UserWarning, stacklevel=2,
        )
    return _reduce(loss, reduction)
