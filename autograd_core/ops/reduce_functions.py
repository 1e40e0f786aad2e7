"""Module-level reduction functions (``autograd_core.sum(x, dim)`` ...): each checks that
its input is a Tensor and calls the Tensor method of the same name (see
``reduce.ReduceMethods`` for arguments, shapes and gradients).

These names shadow Python's builtins ``sum``, ``max`` and ``min`` in any module that
star-imports them, as ``torch.sum`` would.
"""

__all__ = ["sum", "mean", "var", "std", "var_mean", "std_mean", "prod", "norm",
           "logsumexp", "max", "min", "amax", "amin", "argmax", "argmin", "softmax",
           "log_softmax"]


def _tensor(op, x):
    if not hasattr(x, "_apply"):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    return x


def sum(input, dim=None, keepdim=False, **kwargs):
    """Sum of ``input`` over ``dim`` (all dims if None)."""
    return _tensor("sum", input).sum(dim, keepdim, **kwargs)


def mean(input, dim=None, keepdim=False, **kwargs):
    """Mean of ``input`` over ``dim``."""
    return _tensor("mean", input).mean(dim, keepdim, **kwargs)


def var(input, dim=None, unbiased=True, keepdim=False, **kwargs):
    """Variance of ``input`` over ``dim`` (``correction=`` overrides ``unbiased``)."""
    return _tensor("var", input).var(dim, unbiased, keepdim, **kwargs)


def std(input, dim=None, unbiased=True, keepdim=False, **kwargs):
    """Standard deviation of ``input`` over ``dim``."""
    return _tensor("std", input).std(dim, unbiased, keepdim, **kwargs)


def var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
             keepdims=None, ddof=None):
    """``(var, mean)`` of ``input`` over ``dim``, sharing the mean computation."""
    return _tensor("var_mean", input)._var_mean(
        "var_mean", dim, unbiased, keepdim, correction, axis, keepdims, ddof)


def std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
             keepdims=None, ddof=None):
    """``(std, mean)`` of ``input`` over ``dim``."""
    return _tensor("std_mean", input)._var_mean(
        "std_mean", dim, unbiased, keepdim, correction, axis, keepdims, ddof)


def prod(input, dim=None, keepdim=False, **kwargs):
    """Product of ``input`` over ``dim``."""
    return _tensor("prod", input).prod(dim, keepdim, **kwargs)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None, **kwargs):
    """p-norm of ``input`` over ``dim`` ('fro' = 2 over the given dims)."""
    return _tensor("norm", input).norm(p, dim, keepdim, dtype, **kwargs)


def logsumexp(input, dim=None, keepdim=False, **kwargs):
    """log(sum(exp(input))) over ``dim``, stable."""
    return _tensor("logsumexp", input).logsumexp(dim, keepdim, **kwargs)


def max(input, dim=None, keepdim=False, **kwargs):
    """``max(x)``, ``max(x, dim, keepdim)`` -> (values, indices), ``max(x, other)``."""
    return _tensor("max", input).max(dim, keepdim, **kwargs)


def min(input, dim=None, keepdim=False, **kwargs):
    """``min(x)``, ``min(x, dim, keepdim)`` -> (values, indices), ``min(x, other)``."""
    return _tensor("min", input).min(dim, keepdim, **kwargs)


def amax(input, dim=None, keepdim=False, **kwargs):
    """Maximum of ``input`` over ``dim`` (int, tuple or None)."""
    return _tensor("amax", input).amax(dim, keepdim, **kwargs)


def amin(input, dim=None, keepdim=False, **kwargs):
    """Minimum of ``input`` over ``dim`` (int, tuple or None)."""
    return _tensor("amin", input).amin(dim, keepdim, **kwargs)


def argmax(input, dim=None, keepdim=False, **kwargs):
    """int64 index of the first maximum (along ``dim``, or of the flattened input)."""
    return _tensor("argmax", input).argmax(dim, keepdim, **kwargs)


def argmin(input, dim=None, keepdim=False, **kwargs):
    """int64 index of the first minimum (along ``dim``, or of the flattened input)."""
    return _tensor("argmin", input).argmin(dim, keepdim, **kwargs)


def softmax(input, dim=None, dtype=None, **kwargs):
    """Softmax of ``input`` along ``dim``."""
    return _tensor("softmax", input).softmax(dim, dtype, **kwargs)


def log_softmax(input, dim=None, dtype=None, **kwargs):
    """Log-softmax of ``input`` along ``dim``."""
    return _tensor("log_softmax", input).log_softmax(dim, dtype, **kwargs)
