"""Arithmetic on arrays: numpy's ufuncs (each already one compiled pass, so a Numba
kernel would only add dispatch cost)."""
import numpy as np

from .namespace import ARRAYS, IGNORE

define = ARRAYS.define

define("add", np.add)
define("sub", np.subtract)
define("mul", np.multiply)
define("neg", np.negative)
define("div", np.true_divide, errors=IGNORE)
define("pow", np.power, errors=IGNORE)


@define("add_scalar")
def add_scalar(a, s):
    return np.add(a, s)


@define("rsub_scalar")
def rsub_scalar(a, s):
    return np.subtract(s, a)


@define("mul_scalar")
def mul_scalar(a, s):
    return np.multiply(a, s)


@define("div_scalar", errors=IGNORE)
def div_scalar(a, s):
    return np.true_divide(a, s)


@define("rdiv_scalar", errors=IGNORE)
def rdiv_scalar(a, s):
    return np.true_divide(s, a)


@define("pow_scalar", errors=IGNORE)
def pow_scalar(a, exponent):
    """``a ** exponent`` for a Python number; floating ``a`` keeps its dtype."""
    out = np.power(a, exponent)
    return out.astype(a.dtype, copy=False) if a.dtype.kind == "f" else out


@define("cast")
def cast(a, dtype):
    return a.astype(dtype)


@define("clone")
def clone(a):
    return a.copy()
