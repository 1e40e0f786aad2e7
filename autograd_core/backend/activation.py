"""Activations on arrays: the fused Numba kernels (``kernels/activations.py``; each picks
its loop or its numpy twin by dtype and ``kernels.USE_NUMBA``), numpy where one ufunc is
already one pass (tanh, relu on integers)."""
import numpy as np

from ..kernels import activations as K
from .namespace import ARRAYS

define = ARRAYS.define


@define("relu")
def relu(x):
    """``max(x, 0)``: a Numba select for floats (several times faster than np.maximum,
    see docs/design-notes/activation-kernels.md); integers keep their dtype."""
    return K.relu(x) if x.dtype.kind == "f" else np.maximum(x, 0)


define("tanh", np.tanh)
# the kernels by name; their parameter names are the primitives' (negative_slope, alpha,
# beta, threshold), so they take the keyword calls of backward rules as they are
for _name in ("relu_backward", "sigmoid", "sigmoid_backward", "tanh_backward",
              "leaky_relu", "leaky_relu_backward", "elu", "elu_backward", "softplus",
              "softplus_backward"):
    define(_name, getattr(K, _name))
