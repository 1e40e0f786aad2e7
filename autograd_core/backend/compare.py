"""Comparisons and logic on arrays: numpy's ufuncs, results always arrays (a 0-d
comparison gives an array, not a numpy bool)."""
import numpy as np

from .namespace import ARRAYS, IGNORE

define = ARRAYS.define


def _array_result(ufunc):
    asarray = np.asarray

    def run(*args):
        return asarray(ufunc(*args))

    run.__name__ = ufunc.__name__
    return run


for _name, _ufunc in [
    ("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
    ("gt", np.greater), ("ge", np.greater_equal), ("logical_and", np.logical_and),
    ("logical_or", np.logical_or), ("logical_xor", np.logical_xor),
    ("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
    ("bitwise_xor", np.bitwise_xor), ("isnan", np.isnan), ("isfinite", np.isfinite),
    ("isinf", np.isinf), ("logical_not", np.logical_not), ("bitwise_not", np.invert),
]:
    define(_name, _array_result(_ufunc))


@define("isclose", errors=IGNORE)  # |a - b| may overflow, inf - inf is invalid
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


define("array_equal", np.array_equal)  # a Python bool: same shape and values
