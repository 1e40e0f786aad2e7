"""dtype policy: what a Python value becomes, and the names users may pass.

Python floats and lists of them become float32 (PyTorch's default dtype); Python ints
int64; bools bool. numpy arrays keep their dtype. Mixed operands follow numpy's
promotion rules (NEP 50: a Python scalar adopts the tensor's dtype; float32 with a
float64 *tensor* gives float64).
"""
import numpy as np

__all__ = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
           "bool_", "resolve", "to_array", "is_float", "name", "get_default_dtype",
           "set_default_dtype"]

float16, float32, float64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
int8, int16, int32, int64 = np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.int64)
uint8, bool_ = np.dtype(np.uint8), np.dtype(np.bool_)

_ALIASES = {
    "float": float32, "float32": float32, "double": float64, "float64": float64,
    "half": float16, "float16": float16, "long": int64, "int64": int64, "int": int32,
    "int32": int32, "int16": int16, "int8": int8, "uint8": uint8, "bool": bool_,
}

_DEFAULT = [float32]


def get_default_dtype():
    """The dtype Python floats become (float32 unless changed)."""
    return _DEFAULT[0]


def set_default_dtype(dtype):
    """Set the dtype Python floats become (float32 or float64)."""
    dt = resolve(dtype)
    if dt not in (float32, float64):
        raise TypeError(f"set_default_dtype: only float32 or float64 are supported, got {dt}")
    _DEFAULT[0] = dt


def resolve(dtype):
    """A numpy dtype from a dtype, a type or a name like 'float32'/'double'."""
    if dtype is None:
        return None
    if isinstance(dtype, str) and dtype in _ALIASES:
        return _ALIASES[dtype]
    if dtype is float:
        return get_default_dtype()
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}") from None


def is_float(dt):
    return dt.kind == "f"


def name(dt):
    return np.dtype(dt).name


def to_array(data, dtype=None):
    """An ndarray for ``data`` following the policy above (always a new array for lists)."""
    dt = resolve(dtype)
    if isinstance(data, np.ndarray):
        return data if dt is None or data.dtype == dt else data.astype(dt)
    if hasattr(data, "__array__") and not isinstance(data, (list, tuple)):
        arr = np.asarray(data)
        return arr if dt is None else arr.astype(dt)
    try:
        arr = np.array(data)
    except ValueError as e:
        raise ValueError(f"tensor(): cannot build a tensor from ragged or mixed data: {e}") from None
    if arr.dtype == object:
        raise TypeError(f"tensor(): cannot build a tensor from {type(data).__name__} of non-numbers")
    if dt is None:
        if arr.dtype.kind == "f":
            dt = get_default_dtype()
        elif arr.dtype.kind in "iu":
            dt = int64
        elif arr.dtype.kind == "b":
            dt = bool_
        else:
            raise TypeError(f"tensor(): unsupported data of dtype {arr.dtype}")
    return arr.astype(dt, copy=False)
