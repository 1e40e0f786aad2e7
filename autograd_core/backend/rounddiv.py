"""Rounded division on arrays: remainder (Python's sign rule: the divisor's sign),
fmod (C's rule: the dividend's sign), floor_divide (rounding down, as Python's //)."""
import numpy as np

from .namespace import ARRAYS, IGNORE

define = ARRAYS.define

define("remainder", np.remainder, errors=IGNORE)
define("fmod", np.fmod, errors=IGNORE)
define("floor_divide", np.floor_divide, errors=IGNORE)


@define("has_zero")
def has_zero(a):
    """Whether an array holds a zero (integer division by zero raises, as in PyTorch)."""
    return bool(a.size) and not bool(np.all(a))
