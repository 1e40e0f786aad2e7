"""Helpers shared by the functional modules: argument checks and loss reduction."""
import numpy as np

from autograd_core import Tensor

REDUCTIONS = ("mean", "sum", "none")


def tensor_arg(op, name, x):
    """``x`` must be a Tensor; raise TypeError naming ``op`` otherwise."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def float_arg(op, name, x):
    tensor_arg(op, name, x)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}(): argument '{name}' must be floating point, got dtype {x.dtype}")
    return x


def legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated ``size_average`` / ``reduce`` arguments, when given, decide
    the reduction (with PyTorch's deprecation warning); otherwise ``reduction`` does."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    out = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    import warnings
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{out}' instead.",
                  UserWarning, stacklevel=3)
    return out


def check_reduction(op, reduction, allowed=REDUCTIONS):
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {allowed}, got {reduction!r}")


def reduce(loss, reduction):
    """Apply 'mean' / 'sum' / 'none' to an elementwise loss Tensor."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean()


def same_shape(op, input, target):
    """Input and target must have the same shape (PyTorch's BCE rule)."""
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{op}: target size {tuple(target.shape)} is different from input size "
            f"{tuple(input.shape)}; please ensure they have the same size"
        )


def broadcast_with_warning(op, input, target):
    """MSE/L1 rule (PyTorch): different but broadcastable shapes warn, others raise."""
    if tuple(input.shape) == tuple(target.shape):
        return
    try:
        np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise ValueError(
            f"{op}: input {tuple(input.shape)} and target {tuple(target.shape)} have "
            "different shapes that do not broadcast"
        ) from None
    import warnings
    warnings.warn(
        f"{op}: using a target size ({tuple(target.shape)}) that is different to the input "
        f"size ({tuple(input.shape)}). This will likely lead to incorrect results due to "
        "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=3,
    )


def maybe_inplace(x, out, inplace):
    """``inplace=True``: write ``out`` into ``x`` and return ``x`` when ``x`` is outside
    any graph; otherwise return ``out`` (in-place ops are never recorded in this
    library, so an in-place activation on a graph tensor is computed out of place)."""
    from autograd_core import is_grad_enabled, no_grad
    if not inplace or (x.requires_grad and is_grad_enabled()) or not x.numpy().flags.writeable:
        return out
    with no_grad():
        x.copy_(out)
    return x
