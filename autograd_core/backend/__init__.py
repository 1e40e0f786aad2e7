"""The array namespace: the only way ops reach numpy or the kernels.

``ARRAYS`` computes on ndarrays (numpy, the Numba kernels and their numpy twins are
chosen in this package, and the floating-point error policy is set here, once per
function). ``TensorNamespace`` gives the same names as recorded Tensor operations, for
backward under ``create_graph=True``. See ``namespace.py`` for the conventions.
"""
from .namespace import ARRAYS, IGNORE, Namespace
from . import (arrays, arith, compare, elementwise, activation, select, reduce, softmax,  # noqa: F401
               shape, index, linalg, nn, inplace)  # each defines its family's functions on ARRAYS
from . import sampling, scan, sort, truth, special, rounddiv, matrix  # noqa: F401,E402
from .tensors import TensorNamespace

__all__ = ["ARRAYS", "IGNORE", "Namespace", "TensorNamespace"]
