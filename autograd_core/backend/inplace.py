"""In-place writes into arrays, for the Tensor methods with a trailing ``_`` and
``x[idx] = v``: the only array functions that modify an operand. Each writes into ``a``
and returns it; the caller has checked shapes and dtypes (``ops/inplace.py``). No
backward rule uses them (in-place ops are not recorded)."""
import numpy as np

from .index import scatter_add_into
from .namespace import ARRAYS, IGNORE

define = ARRAYS.define


def _into(ufunc):
    def write(a, b):
        return ufunc(a, b, out=a)

    write.__name__ = ufunc.__name__ + "_"
    return write


define("add_", _into(np.add))
define("sub_", _into(np.subtract))
define("mul_", _into(np.multiply))
define("div_", _into(np.true_divide), errors=IGNORE)
define("pow_", _into(np.power), errors=IGNORE)
define("maximum_", _into(np.maximum))
define("minimum_", _into(np.minimum))


@define("neg_")
def neg_(a):
    return np.negative(a, out=a)


@define("fill_")
def fill_(a, value):
    """Every element set to the scalar ``value`` (cast to ``a``'s dtype)."""
    a[...] = value
    return a


@define("copy_")
def copy_(a, b, where=True):
    """``b`` broadcast into ``a`` (where ``where`` is True), cast unsafely as PyTorch's
    ``copy_`` does."""
    np.copyto(a, b, casting="unsafe", where=where)
    return a


@define("setitem_")
def setitem_(a, index, v):
    a[index] = v
    return a


@define("index_add_")
def index_add_(a, index, v):
    """``a[index] += v``, repeated indices adding up."""
    scatter_add_into(a, index, v)
    return a


@define("normal_")
def normal_(a, rng, mean, std):
    """``a`` filled with N(mean, std^2) draws of the numpy Generator ``rng``, drawn in
    ``a``'s own precision (float16 via float32): no float64 temporary."""
    x = rng.standard_normal(a.shape, dtype=_draw_dtype(a))
    x *= std
    x += mean
    a[...] = x
    return a


@define("uniform_")
def uniform_(a, rng, low, high):
    """``a`` filled with U[low, high) draws of ``rng`` (in ``a``'s precision, as above)."""
    x = rng.random(a.shape, dtype=_draw_dtype(a))
    x *= high - low
    x += low
    a[...] = x
    return a


def _draw_dtype(a):
    return a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float32)
