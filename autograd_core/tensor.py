"""``Tensor``: an ndarray plus what autograd needs (grad, requires_grad, creator node).

This module is the thin front end. The math lives in ``ops/`` (each family brings
its primitives and the Tensor methods that call them, as a mixin); the backward walk
lives in ``engine.py``. The one glue routine, ``Tensor._apply``, runs a primitive's
forward on arrays and, when recording, links the new node into the graph.
"""
import weakref

import numpy as np

from . import dtypes, engine
from .backend import ARRAYS as _ARRAYS, TensorNamespace
from .function import _NEEDS, _NEEDS_ONE, needs_input_grad
from .grad_mode import GRAD as _GRAD
from .ops.registry import REGISTRY
from .tensor_type import TensorType
from .size import Size
from .ops.arith import ArithMethods
from .ops.elementwise import ElementwiseMethods
from .ops.reduce import ReduceMethods
from .ops.shape import ShapeMethods
from .ops.index import IndexMethods
from .ops.linalg import LinalgMethods
from .ops.compare import CompareMethods
from .ops.inplace import InplaceMethods
from .ops.sampling import SamplingMethods
from .ops.rounddiv import DivModMethods
from .ops.scan import ScanMethods
from .ops.sort import SortMethods
from .ops.truth import TruthMethods
from .ops.special import SpecialMethods
from .ops.matrix import MatrixMethods
from . import anomaly

__all__ = ["Tensor"]


_new = object.__new__
_size = tuple.__new__
_SIZES = {}  # shape tuple -> its Size (immutable, so shared; bounded)
_ndarray = np.ndarray
_ANOMALY = anomaly.ANOMALY
# the threads whose grad / anomaly mode is not the default (see thread_flag): while
# empty, every thread records and none checks anomalies, read without a thread-local
_GRAD_CHANGED = _GRAD.changed
_ANOMALY_CHANGED = _ANOMALY.changed


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook out again."""

    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


class Tensor(
    TensorType,
    ArithMethods,
    ElementwiseMethods,
    ReduceMethods,
    ShapeMethods,
    IndexMethods,
    LinalgMethods,
    CompareMethods,
    InplaceMethods,
    SamplingMethods,
    DivModMethods,
    ScanMethods,
    SortMethods,
    TruthMethods,
    SpecialMethods,
    MatrixMethods,
):
    """An n-dimensional array that records the operations applied to it.

    ``Tensor(data, dtype=None, requires_grad=False)`` is the same as
    ``autograd_core.tensor(...)``: Python numbers and lists become float32 (integers
    int64, bools bool), numpy arrays keep their dtype.
    """

    # Hot attributes are slots: a Tensor is then one GC-tracked object, not two (the
    # cyclic GC walks every live graph object, so fewer objects = cheaper recording).
    # Rare ones (hooks, retain_grad flags, user attributes) live in a lazily made __dict__.
    __slots__ = ("_data", "_version", "_requires_grad", "grad_fn", "grad", "_out_index",
                 "__dict__", "__weakref__")
    _retains_grad = False
    _hooks = None

    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected op

    def __init__(self, data, dtype=None, requires_grad=False):
        if isinstance(data, Tensor):
            data = data._data
        arr = dtypes.to_array(data, dtype)
        self._data = arr
        self._version = [0]
        self._requires_grad = False
        self.grad_fn = None
        self.grad = None
        self._out_index = 0
        if requires_grad:
            self.requires_grad = True

    # -- construction without checks (hot path) ------------------------------------
    @classmethod
    def _make(cls, arr, requires_grad=False, grad_fn=None, out_index=0, version=None):
        t = _new(Tensor)
        t._data = arr
        t._version = [0] if version is None else version
        t._requires_grad = requires_grad
        t.grad_fn = grad_fn
        t.grad = None
        t._out_index = out_index
        return t

    def _to_tensor(self, other):
        """``other`` as a Tensor; Python scalars take the dtype numpy's promotion gives them."""
        if isinstance(other, Tensor):
            return other
        tp = type(other)
        if (tp is float or tp is int) and self._data.dtype.kind == "f":
            # NEP 50: a Python number adopts a float tensor's dtype
            return Tensor._make(np.array(other, dtype=self._data.dtype))
        if isinstance(other, np.ndarray):
            return Tensor._make(other)
        if isinstance(other, (bool, int, float, np.number, np.bool_)):
            dt = np.result_type(self._data, other)
            if dt == np.float16 and self._data.dtype != np.float16:
                dt = self._data.dtype
            return Tensor._make(np.asarray(other, dtype=dt))
        if isinstance(other, (list, tuple)):
            return Tensor(other, dtype=self._data.dtype if dtypes.is_float(self._data.dtype) else None)
        raise TypeError(
            f"unsupported operand: expected a Tensor, ndarray or number, got {type(other).__name__}"
        )

    # -- the glue routine -----------------------------------------------------------
    @staticmethod  # not a classmethod: no bound method to build on every op
    def _apply(fn_cls, *inputs, **params):
        """Run op ``fn_cls`` on Tensors ``inputs``; the node records itself when an input
        requires grad and grad mode is on."""
        node = _new(fn_cls)
        n = len(inputs)
        # one and two inputs spelled out: positional calls, no tuple unless recording
        if n == 2:
            t0, t1 = inputs
            a, b = t0._data, t1._data
            record = (t0._requires_grad or t1._requires_grad) and fn_cls.differentiable \
                and (not _GRAD_CHANGED or _GRAD.get())
            if record:
                node.saved_values = ()
                node.needs_input_grad = _NEEDS.get((t0._requires_grad, t1._requires_grad)) \
                    or needs_input_grad(inputs)
                arrays = (a, b)
            else:
                node.needs_input_grad = None
            node._recording = record
            out = node._forward(_ARRAYS, a, b, **params) if params else \
                node._forward(_ARRAYS, a, b)
        elif n == 1:
            t0 = inputs[0]
            a = t0._data
            record = t0._requires_grad and fn_cls.differentiable \
                and (not _GRAD_CHANGED or _GRAD.get())
            if record:
                node.saved_values = ()
                node.needs_input_grad = _NEEDS_ONE
                arrays = (a,)
            else:
                node.needs_input_grad = None
            node._recording = record
            out = node._forward(_ARRAYS, a, **params) if params else node._forward(_ARRAYS, a)
        else:
            arrays = tuple([t._data for t in inputs])
            record = any([t._requires_grad for t in inputs]) and fn_cls.differentiable \
                and (not _GRAD_CHANGED or _GRAD.get())
            node._recording = record
            node.needs_input_grad = needs_input_grad(inputs) if record else None
            if record:
                node.saved_values = ()
            out = node._forward(_ARRAYS, *arrays, **params)
        if type(out) is not _ndarray:
            out = node._as_arrays(out)
        if record:
            out = node._link(inputs, arrays, out, Tensor)
            if _ANOMALY_CHANGED and _ANOMALY.get():
                anomaly.record_creation(node)
            return out
        if type(out) is tuple:
            return tuple([_make(o) for o in out])
        t = _new(Tensor)
        t._data = out
        t._version = [0]
        t._requires_grad = False
        t.grad_fn = None
        t.grad = None
        t._out_index = 0
        return t

    # -- autograd attributes ----------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = bool(flag)
        if flag and not dtypes.is_float(self._data.dtype):
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients "
                f"(this tensor has dtype {self._data.dtype})"
            )
        if not flag and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; "
                "use .detach() to get a tensor that does not require grad"
            )
        self._requires_grad = flag

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def retain_grad(self):
        """Make ``.grad`` of this non-leaf tensor filled in by backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        node = self.grad_fn
        if node._retained is None:
            node._retained = {}
        node._retained[self._out_index] = weakref.ref(self)

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, fn):
        """Call ``fn(grad)`` when this tensor's gradient is computed; a non-None return replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node._out_hooks is None:
                node._out_hooks = {}
            hooks = node._out_hooks.setdefault(self._out_index, [])
        hooks.append(fn)
        return _HookHandle(hooks, fn)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad.

        ``gradient`` is required for non-scalar tensors and must have ``self.shape``.
        """
        engine.backward((self,), None if gradient is None else (gradient,),
                        retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def detach(self):
        """A new leaf sharing this tensor's data (and version counter), with no graph."""
        return Tensor._make(self._data, version=self._version)

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    # -- array attributes ----------------------------------------------------------------
    @property
    def data(self):
        """A detached tensor sharing storage (as PyTorch's ``.data``)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        value = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._data = value

    def _written(self, array=None):
        """Record a write the in-place methods did not make: a fused kernel wrote this
        tensor's array (``array`` None), or ``array`` replaces it (a new value the old
        array cannot take: read-only, another dtype). Bumps the version counter as
        ``copy_`` would, so a graph that saved the old value notices. nn and optim use
        this, never ``_data``/``_version`` (HACKING.md)."""
        if array is not None:
            self._data = array
        self._version[0] += 1
        return self

    @property
    def shape(self):
        """The shape, a ``Size`` (a tuple of ints with ``numel()``)."""
        shp = self._data.shape
        size = _SIZES.get(shp)  # shapes repeat: a lookup costs half a new Size
        if size is None:
            size = _size(Size, shp)
            if len(_SIZES) < 4096:
                _SIZES[shp] = size
        return size

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    def size(self, dim=None):
        """The shape (a ``Size``), or the size of one dimension."""
        if dim is None:
            return self.shape
        return self._data.shape[dim]

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return dtypes.is_float(self._data.dtype)

    def is_contiguous(self):
        return self._data.flags.c_contiguous

    def numpy(self):
        """The underlying ndarray (shared, not copied)."""
        return self._data

    def item(self):
        if self._data.size != 1:
            raise ValueError(
                f"item(): a Tensor with {self._data.size} elements cannot be converted to a Python scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def astype(self, dtype):
        """A copy with another dtype; differentiable between float dtypes."""
        dt = dtypes.resolve(dtype)
        if dt == self._data.dtype:
            return self
        return self._cast(dt)

    to = astype

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def long(self):
        return self.astype(np.int64)

    def int(self):
        return self.astype(np.int32)

    def bool(self):
        return self.astype(np.bool_)

    def clone(self):
        """A copy that stays in the graph."""
        return self._clone()

    # -- Python protocol ------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        if copy:
            return self._data.copy()
        return self._data

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} values is ambiguous"
            )
        return bool(self._data.reshape(()))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if not np.issubdtype(self._data.dtype, np.integer) or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self):
        body = np.array2string(
            self._data, separator=", ", precision=4, threshold=200, edgeitems=3,
            prefix="tensor(",
        )
        extras = []
        if self._data.dtype not in (np.float32, np.int64, np.bool_):
            extras.append(f"dtype={dtypes.name(self._data.dtype)}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        tail = "".join(", " + e for e in extras)
        return f"tensor({body}{tail})"

    def __reduce_ex__(self, protocol):
        return (Tensor, (self._data.copy(), None, self._requires_grad))


_make = Tensor._make
#: the Tensor interpreter of the array namespace (backward under create_graph=True)
Tensor._tensor_namespace = TensorNamespace(Tensor, REGISTRY)
