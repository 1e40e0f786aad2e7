"""Tensor creation functions (PyTorch names). Floats default to float32."""
import numpy as np

from . import dtypes
from .random import numpy_rng
from .tensor import Tensor
from .tensor_type import is_tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange",
           "linspace", "eye", "rand", "randn", "randint", "zeros_like", "ones_like",
           "full_like", "rand_like", "randn_like", "empty_like", "randperm", "normal", "numel"]


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise ValueError(f"negative dimension in size {shape}")
    return shape


def _float(dtype):
    dt = dtypes.resolve(dtype) or dtypes.get_default_dtype()
    return dt


def tensor(data, dtype=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (number, nested list, ndarray, Tensor)."""
    if is_tensor(data):
        data = data._data
    if isinstance(data, np.ndarray):
        data = data.copy()
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def as_tensor(data, dtype=None):
    """``data`` as a Tensor, sharing memory with an ndarray when the dtype allows."""
    if is_tensor(data):
        return data if dtype is None else data.astype(dtype)
    return Tensor(data, dtype=dtype)


def from_numpy(arr):
    """A tensor sharing memory with ``arr`` (its dtype kept)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(arr).__name__}")
    return Tensor._make(arr)


def _new(arr, requires_grad):
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad = True
    return t


def zeros(*size, dtype=None, requires_grad=False):
    return _new(np.zeros(_shape(size), _float(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _new(np.ones(_shape(size), _float(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _new(np.empty(_shape(size), _float(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = dtypes.to_array(fill_value).dtype
    return _new(np.full(_shape((size,)), fill_value, dtypes.resolve(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Like PyTorch: integers give int64, any float argument gives float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.get_default_dtype()
    return _new(np.arange(start, end, step, dtype=dtypes.resolve(dtype)), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    if int(steps) < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    return _new(np.linspace(start, end, int(steps), dtype=_float(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    if n < 0 or (m is not None and m < 0):
        raise ValueError(f"eye: n and m must be non-negative, got n={n}, m={m}")
    return _new(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False):
    """Uniform on [0, 1) from the global generator (or ``generator``)."""
    rng = numpy_rng(generator, "rand")
    dt = _float(dtype)
    return _new(rng.random(_shape(size), dtype=dt), requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False):
    """Standard normal from the global generator (or ``generator``)."""
    rng = numpy_rng(generator, "randn")
    dt = _float(dtype)
    return _new(rng.standard_normal(_shape(size), dtype=dt), requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Integers in [low, high) (int64 unless ``dtype``), of shape ``size``:
    ``randint(high, size)`` or ``randint(low, high, size)`` as in PyTorch."""
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint: missing the required argument 'size' (a tuple of ints)")
    low, high = int(low), int(high)
    if low >= high:
        raise ValueError(f"randint: low must be less than high, got low={low} >= high={high}")
    rng = numpy_rng(generator, "randint")
    dt = dtypes.resolve(dtype) or dtypes.int64
    shape = (size,) if isinstance(size, int) else _shape((size,))
    return _new(rng.integers(low, high, size=shape).astype(dt), requires_grad)


def randperm(n, *, generator=None, dtype=None, requires_grad=False):
    """A random permutation of 0..n-1 (int64 unless ``dtype``)."""
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise TypeError(f"randperm: n must be an int, got {type(n).__name__}")
    n = n.__index__()
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    rng = numpy_rng(generator, "randperm")
    dt = dtypes.resolve(dtype) or dtypes.int64
    return _new(rng.permutation(n).astype(dt), requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Draws from N(mean, std^2): ``mean`` and ``std`` are tensors (broadcast together;
    the result has their shape and float dtype) or numbers (then ``size`` is required).
    Not differentiable in ``mean``/``std`` (see the README)."""
    rng = numpy_rng(generator, "normal")
    tm, ts = is_tensor(mean), is_tensor(std)
    if not (tm or ts):
        if size is None:
            raise TypeError("normal: with float mean and std, pass size= (a tuple of ints)")
        if std < 0:
            raise ValueError(f"normal: expects std >= 0.0, but found std {std}")
        dt = _float(dtype)
        x = rng.standard_normal(_shape((size,)), dtype=dt)
        x *= dt.type(std)
        x += dt.type(mean)
        return _new(x, requires_grad)
    m = mean._data if tm else mean
    s = std._data if ts else std
    for name, v, t in (("mean", m, tm), ("std", s, ts)):
        if t and v.dtype.kind != "f":
            raise TypeError(f"normal: {name} must be a floating point tensor, got dtype {v.dtype}")
    if np.any(np.asarray(s) < 0):
        raise ValueError("normal: expects all elements of std >= 0.0")
    dt = dtypes.resolve(dtype) or np.result_type(*[v.dtype for v, t in ((m, tm), (s, ts)) if t])
    shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    x = (rng.standard_normal(shape) * s + m).astype(dt)
    return _new(x, requires_grad)


def numel(input):
    """The number of elements of ``input``."""
    if not is_tensor(input):
        raise TypeError(f"numel(): argument 'input' must be a Tensor, not {type(input).__name__}")
    return input.numel()


def _like(t, dtype):
    return dtypes.resolve(dtype) or t.dtype


def zeros_like(t, dtype=None, requires_grad=False):
    return _new(np.zeros(t.shape, _like(t, dtype)), requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _new(np.ones(t.shape, _like(t, dtype)), requires_grad)


def empty_like(t, dtype=None, requires_grad=False):
    return _new(np.empty(t.shape, _like(t, dtype)), requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return _new(np.full(t.shape, fill_value, _like(t, dtype)), requires_grad)


def rand_like(t, dtype=None, requires_grad=False, *, generator=None):
    return rand(*t.shape, dtype=_like(t, dtype), requires_grad=requires_grad,
                generator=generator)


def randn_like(t, dtype=None, requires_grad=False, *, generator=None):
    return randn(*t.shape, dtype=_like(t, dtype), requires_grad=requires_grad,
                 generator=generator)
