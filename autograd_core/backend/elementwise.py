"""Elementwise math on arrays: numpy's ufuncs, each already one compiled pass.

Special values are the answer here (exp(1e4) = inf, log(0) = -inf, sqrt(-1) = nan,
1/0 = inf), as in PyTorch, so the functions that can meet them run under ``IGNORE``.
Piecewise-constant ops (sign, floor, ceil, round, trunc) return integer and bool inputs
as a copy, as PyTorch (sign of an integer is computed; of a bool, the bool itself)."""
import numpy as np

from .namespace import ARRAYS, IGNORE

define = ARRAYS.define

for _name, _ufunc in [("exp", np.exp), ("expm1", np.expm1), ("log", np.log),
                      ("log1p", np.log1p), ("log2", np.log2), ("log10", np.log10),
                      ("sqrt", np.sqrt), ("reciprocal", np.reciprocal), ("sin", np.sin),
                      ("cos", np.cos)]:
    define(_name, _ufunc, errors=IGNORE)
define("abs", np.abs)


@define("rsqrt", errors=IGNORE)
def rsqrt(a):
    return np.true_divide(1, np.sqrt(a))


@define("sign")
def sign(a):
    return np.sign(a) if a.dtype.kind in "fciu" else a.copy()


def _piecewise(ufunc):
    def run(a):
        return ufunc(a) if a.dtype.kind in "fc" else a.copy()

    run.__name__ = ufunc.__name__
    return run


for _name, _ufunc in [("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc)]:
    define(_name, _piecewise(_ufunc))


@define("round")
def round_half_even(a, decimals=0):
    """Half to even, to ``decimals`` places (numpy's and PyTorch's rule)."""
    return np.round(a, decimals=decimals) if a.dtype.kind in "fc" else a.copy()
