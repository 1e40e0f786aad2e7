"""The array interpreter's basics: saved values, constants, metadata and the few
functions the engine itself needs (reducing a broadcast gradient, casting, wrapping
for hooks). Each family's functions are defined in its own module beside this one."""
import numpy as np

from ..kernels import buffers
from ..shapes import reduction_to
from .namespace import ARRAYS

define = ARRAYS.define
ndarray = np.ndarray

#: what a value of this interpreter is
ARRAYS.value_type = ndarray
ARRAYS.records = False  # its calls are not recorded


@define("saved")
def saved(node):
    """``node``'s saved values as arrays, after checking none was freed (the graph ran
    backward without ``retain_graph``) or modified in place since it was saved. Also
    the node's ``saved_arrays`` property."""
    values = node.saved_values
    if not values:
        if values is None:
            raise node._freed_error()
        return values
    v = node.saved_versions  # (counter, version when saved) per value
    if len(v) == 4:  # two values, the common case: no loop
        if v[0][0] != v[1] or v[2][0] != v[3]:
            raise node._version_error(0 if v[0][0] != v[1] else 1)
    elif len(v) == 2:
        if v[0][0] != v[1]:
            raise node._version_error(0)
    else:
        for k in range(0, len(v), 2):
            if v[k][0] != v[k + 1]:
                raise node._version_error(k // 2)
    return values


define("asarray", np.asarray)


@define("is_array")
def is_array(x):
    return isinstance(x, ndarray)


@define("zeros")
def zeros(shape, dtype):
    return np.zeros(shape, dtype)


@define("zeros_like")
def zeros_like(x):
    return np.zeros(x.shape, x.dtype)


@define("full")
def full(shape, value, dtype):
    return np.full(shape, value, dtype)


@define("constant")
def constant(value, like):
    """``value`` as a 0-d array of ``like``'s dtype (``like`` floating), else as given:
    the scalar of ``where(mask, 0.0, x)``, as ``Tensor._to_tensor`` makes it."""
    return np.array(value, dtype=like.dtype) if like.dtype.kind == "f" else value


@define("sum_to")
def sum_to(g, shape):
    """``g`` (a broadcast result) summed back to ``shape``; None when it cannot be."""
    axes = reduction_to(g.shape, shape)
    if axes is None:
        return None
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return g.reshape(shape)


@define("astype")
def astype(x, dtype):
    return x.astype(dtype)


@define("detach")
def detach(x):
    """``x``'s value as a constant of the rule (masks and weights a rule derives from
    the data, as JAX's ``stop_gradient``): an array is one already."""
    return x


define("may_share_memory", np.may_share_memory)  # bounds only: O(1)


# -- between values and Tensors (hooks, retain_grad and grad() see Tensors) -----------

@define("to_tensor")
def to_tensor(a, tensor_type):
    return tensor_type._make(a)


@define("from_tensor")
def from_tensor(t):
    a = t._data
    return a if type(a) is ndarray else np.asarray(a)


@define("data")
def data(a):
    """The ndarray behind a value (anomaly checks)."""
    return a


@define("adopt")
def adopt(a, adopted):
    """``a`` as a leaf's new ``.grad``: the allocator decides whether it may be kept
    as it is (see ``kernels.buffers.adopt``)."""
    return buffers.adopt(a, adopted)
