"""``Function``: the base of every op, and the graph node it becomes.

An instance is created for each call and, when the call is recorded, it *is* the graph
node (``tensor.grad_fn``). The node owns its recording: which inputs it came from
(``edges``), their and its outputs' shapes and dtypes, and what its forward saved for
backward (``saved_values``, checked against in-place changes on the way out).

Two kinds of op share this base:

- the library's primitives (``Primitive``): ``forward(self, F, *arrays, **params)`` and
  ``backward(self, F, *grads)`` are written once against an array namespace ``F``
  (``autograd_core.backend``). Forward always gets the array interpreter. Backward gets
  the array interpreter for a plain ``backward()`` and the Tensor interpreter under
  ``create_graph=True``, where every ``F.<op>`` call is itself a recorded op, so the same
  rule gives grad-of-grad.
- user-defined ops (``Function``, as ``torch.autograd.Function``): ``forward(self,
  *arrays, **params)`` on arrays, ``backward(self, *grads)`` with Tensors, reading
  ``self.saved_tensors``. The engine wraps and unwraps around it.

The glue that runs an op and records it is ``Tensor._apply``; the walk is ``engine.py``.
"""
from .backend import ARRAYS
from .tensor_type import is_tensor

__all__ = ["Function", "Primitive", "SavedTensorError"]


class SavedTensorError(RuntimeError):
    """Backward found its saved values freed or modified in place."""


# What a saved value is, in ``saved_sources``: an int k >= 0 is input k, -1 - i is
# output i, None a constant the forward made. Interned for the common saves, so a node
# holds a shared tuple instead of building one.
_SOURCES = {}
_NEEDS = {(False,): (False,), (True,): (True,), (False, False): (False, False),
          (False, True): (False, True), (True, False): (True, False),
          (True, True): (True, True)}  # shared needs_input_grad tuples
_NEEDS_ONE = _NEEDS[(True,)]
_CONSTANT_VERSION = [0]  # the version box of a constant: never changes
# Interned per-input (shape, dtype) records: nodes of one signature share one record
# instead of each holding fresh tuples; bounded so odd workloads cannot grow it forever.
_META = {}
_META_MAX = 4096


def _meta(key):
    m = _META.get(key)
    if m is None:
        m = tuple([(key[k], key[k + 1]) for k in range(0, len(key), 2)])
        if len(_META) < _META_MAX:
            _META[key] = m
    return m


def _arrays_meta(arrays):
    key = []
    for a in arrays:
        key.append(a.shape)
        key.append(a.dtype)
    return _meta(tuple(key))


def needs_input_grad(inputs):
    """Per input Tensor: does it require grad (the shared tuple for one input; _apply
    spells out the two-input case)."""
    if len(inputs) == 1:
        return _NEEDS_ONE
    return tuple([bool(t._requires_grad) for t in inputs])


def _edges(inputs):
    """Per input: None (needs no gradient), (creator node, output index), or
    (None, leaf tensor)."""
    return tuple([None if not t._requires_grad else
                  (t.grad_fn, t._out_index) if t.grad_fn is not None else
                  (None, t) for t in inputs])


_new = object.__new__


def _intern(sources):
    return _SOURCES.setdefault(sources, sources)


class Function:
    """Base class of ops; an instance is one node of the graph.

    User ops subclass it PyTorch-style (see the module doc) and run with
    ``MyOp.apply(x, y, alpha=2)``.
    """

    #: registered op name (set by ``ops.registry.register``)
    name = None
    #: False for ops whose outputs never carry a gradient (comparisons, argmax)
    differentiable = True
    #: True when forward/backward take the array namespace (``Primitive``)
    uses_namespace = False
    #: False when ``forward`` never stores anything on the node (``self.x = ...``):
    #: after backward the engine then frees only the saved values and does not look in
    #: the instance ``__dict__`` (reading it creates one). True is always safe.
    stores_attributes = True

    # Bookkeeping lives in slots; what a forward stores on itself goes to the instance
    # __dict__, so release() knows exactly what to free.
    __slots__ = (
        "_recording",       # whether save_for_backward keeps anything
        "needs_input_grad",  # per input: does it need a gradient (tuple of bools)
        "edges",            # per input: None, (node, out_index) or (None, leaf tensor)
        "n_outputs",
        "_input_meta",      # per input (shape, dtype); None when all equal the output's
        "_output_meta",     # per output (shape, dtype); None for one output (next two)
        "_out_shape", "_out_dtype",
        "saved_values",     # the saved arrays; None once released
        "saved_sources",    # per saved value: input k, output -1 - i, or None (constant)
        "saved_versions",   # per saved value: (version box, version when saved), flat
        "_trace",           # anomaly mode: where the forward ran
        "__dict__", "__weakref__",
    )
    # Rare per-node state (hooks on outputs, retain_grad) lives in the instance __dict__
    # when set: nothing to store per op on the common path.
    _out_hooks = None
    _retained = None

    def forward(self, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, *grads):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    # How Tensor._apply and the engine call an op: a primitive's own methods (set by
    # Primitive.__init_subclass__, no extra call), or these adapters for user ops.
    def _forward(self, F, *arrays, **params):
        return self.forward(*arrays, **params)

    @classmethod
    def apply(cls, *args, **params):
        """Run this op on Tensors ``args`` (non-tensor options as keywords), recording a
        node when an input requires grad: ``MyOp.apply(x, y, alpha=2)``."""
        for a in args:
            if is_tensor(a):
                break
        else:
            raise TypeError(f"{cls.__name__}.apply: expected at least one Tensor argument")
        args = tuple(x if is_tensor(x) else a._to_tensor(x) for x in args)
        return a._apply(cls, *args, **params)

    # -- recording (called by Tensor._apply) -----------------------------------------
    def save_for_backward(self, *arrays):
        """Save arrays for backward; nothing is kept when the call is not recorded.

        Pass the forward's own input arrays or its output array: under
        ``create_graph=True`` they come back as the corresponding Tensors (inputs with
        their graph, so double backward flows through them). Any other array is saved
        as a constant.
        """
        if self._recording:
            self.saved_values = arrays  # resolved by _link once outputs exist

    def _as_arrays(self, out):
        """Forward results as ndarrays: numpy ufuncs and reductions return numpy
        *scalars* for 0-d results, which a Tensor must not hold (no shared memory, no
        in-place writes). A saved output is re-pointed at the new array so it is still
        recognised as the output (double backward flows through it)."""
        if type(out) is tuple:
            return tuple([o if ARRAYS.is_array(o) else self._as_arrays(o) for o in out])
        arr = ARRAYS.asarray(out)
        if self._recording and self.saved_values:
            self.saved_values = tuple([arr if s is out else s for s in self.saved_values])
        return arr

    def _link(self, inputs, arrays, out, tensor_type):
        """Record this call: edges from ``inputs`` (Tensors whose ``arrays`` the forward
        got), shapes and dtypes, the saved values; returns the output Tensor(s), of
        ``tensor_type``. The one- and two-input, one-output case is spelled out: it is
        every small op's path, where each call and ``len`` shows."""
        if type(out) is tuple:
            self.edges = _edges(inputs)
            return self._link_outputs(inputs, arrays, out, tensor_type._make)
        self.n_outputs = 1
        self._output_meta = None
        self._out_shape = shape = out.shape
        self._out_dtype = dtype = out.dtype
        n = len(arrays)
        # no input record when every input has the output's shape and dtype (elementwise
        # ops without broadcasting): a few comparisons instead of building tuples
        if n == 2:
            t0, t1 = inputs
            e0 = e1 = None
            if t0._requires_grad:
                f = t0.grad_fn
                e0 = (f, t0._out_index) if f is not None else (None, t0)
            if t1._requires_grad:
                f = t1.grad_fn
                e1 = (f, t1._out_index) if f is not None else (None, t1)
            self.edges = (e0, e1)
            a, b = arrays
            same = (a.shape == shape and b.shape == shape and a.dtype is dtype
                    and b.dtype is dtype)
        elif n == 1:
            t0 = inputs[0]
            f = t0.grad_fn
            self.edges = ((f, t0._out_index) if f is not None else (None, t0),)
            a = arrays[0]
            same = a.dtype is dtype and a.shape == shape
        else:
            self.edges = _edges(inputs)
            same = False
        self._input_meta = None if same else _arrays_meta(arrays)
        t = _new(tensor_type)
        t._data = out
        t._version = version = [0]
        t.grad = None
        t._out_index = 0
        if dtype.kind == "f":
            t._requires_grad = True
            t.grad_fn = self
        else:
            t._requires_grad = False
            t.grad_fn = None
        saved = self.saved_values
        if saved:
            k = len(saved)
            if k == 2 and n == 2 and saved[0] is a and saved[1] is b:
                v0, v1 = t0._version, t1._version  # a binary op saving both inputs
                self.saved_sources = _BOTH_INPUTS
                self.saved_versions = (v0, v0[0], v1, v1[0])
            elif k == 1 and saved[0] is out:  # a unary op saving its output
                self.saved_sources = _FIRST_OUTPUT
                self.saved_versions = (version, 0)
            else:
                self._resolve_saved(saved, inputs, arrays, (t,))
        return t

    def _link_outputs(self, inputs, arrays, out, make):
        self.n_outputs = len(out)
        self._input_meta = _arrays_meta(arrays)
        self._output_meta = _arrays_meta(out)
        self._out_shape = self._out_dtype = None
        nondiff = getattr(self, "non_differentiable", ())
        results = tuple([make(o, True, self, i, None)
                         if o.dtype.kind == "f" and i not in nondiff else
                         make(o, False, None, 0, None) for i, o in enumerate(out)])
        if self.saved_values:
            self._resolve_saved(self.saved_values, inputs, arrays, results)
        return results

    def _resolve_saved(self, saved, inputs, arrays, outputs):
        """Name each saved array: one of the inputs (by identity, preferring the same
        position), one of the outputs, or a constant; note its version."""
        if len(saved) == 1 and saved[0] is arrays[0]:  # a unary op saving its input
            v = inputs[0]._version
            self.saved_sources = _FIRST_INPUT
            self.saved_versions = (v, v[0])
            return
        sources, versions, values = [], [], []
        for k, s in enumerate(saved):
            if k < len(arrays) and arrays[k] is s:
                src = k
            else:
                src = next((j for j, a in enumerate(arrays) if a is s), None)
                if src is None:
                    src = next((-1 - i for i, o in enumerate(outputs) if o._data is s), None)
            if src is None:
                box = _CONSTANT_VERSION
                s = ARRAYS.asarray(s)
            elif src >= 0:
                box = inputs[src]._version
            else:
                box = outputs[-1 - src]._version
            sources.append(src)
            versions += (box, box[0])
            values.append(s)
        self.saved_values = tuple(values)
        self.saved_sources = _intern(tuple(sources))
        self.saved_versions = tuple(versions)

    # -- reading what was saved ----------------------------------------------------------
    #: the saved arrays, after checking none was freed or modified in place (the array
    #: interpreter's ``saved``, which backward rules call directly as ``F.saved(self)``)
    saved_arrays = property(ARRAYS.saved)

    @property
    def saved_tensors(self):
        """The saved values as Tensors (user ops, inside ``backward``)."""
        unpacked = self.__dict__.get("_unpacked")
        if unpacked is None:
            self.saved_arrays  # raises the freed / modified error
            raise RuntimeError(f"{self.op_name}: saved_tensors is only available inside backward")
        return unpacked

    def _freed_error(self):
        return SavedTensorError(
            f"Trying to backward through the graph a second time (or directly access "
            f"saved tensors after they have already been freed) in {self.op_name}. "
            "Saved intermediate values of the graph are freed when you call "
            ".backward() or autograd.grad(). Specify retain_graph=True if you need "
            "to backward through the graph a second time or if you need to access "
            "saved tensors after calling backward."
        )

    def _version_error(self, k):
        box, at = self.saved_versions[2 * k], self.saved_versions[2 * k + 1]
        return SavedTensorError(
            f"one of the variables needed for gradient computation has been "
            f"modified by an inplace operation: a tensor of shape "
            f"{tuple(self.saved_values[k].shape)} saved by {self.op_name} is at version "
            f"{box[0]}; expected version {at} instead. "
            "Modify a copy (x.clone()) instead, or do the in-place change "
            "after backward."
        )

    @property
    def saved(self):
        """(array, source) per saved value (source: ``('input', k)``, ``('output', i)``
        or ``('constant', None)``), or None once released: for readers such as the
        graph drawing."""
        values = self.saved_values
        if not values:
            return values
        out = []
        for a, s in zip(values, self.saved_sources):
            kind = "constant" if s is None else "input" if s >= 0 else "output"
            out.append((a, kind, None if s is None else s if s >= 0 else -1 - s))
        return tuple(out)

    @property
    def output_meta(self):
        """Per output: (shape, dtype)."""
        if self._output_meta is not None:
            return self._output_meta
        return ((self._out_shape, self._out_dtype),)

    @property
    def input_meta(self):
        """Per input: (shape, dtype) when the op ran."""
        if self._input_meta is not None:
            return self._input_meta
        return ((self._out_shape, self._out_dtype),) * len(self.edges)

    @property
    def released(self):
        """True once ``release()`` freed the saved values."""
        return self.saved_values is None

    # -- description --------------------------------------------------------------
    @property
    def op_name(self):
        return self.name or type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__}Backward>"  # PyTorch style: <MulBackward>

    @property
    def next_functions(self):
        """Per input: (node, out_index) for non-leaves, ('AccumulateGrad', leaf) for leaves."""
        out = []
        for e in self.edges:
            if e is None:
                out.append((None, 0))
            elif e[0] is None:
                out.append(("AccumulateGrad", e[1]))
            else:
                out.append(e)
        return tuple(out)

    def release(self):
        """Free what was saved for backward (called by the engine unless retain_graph).

        Saved values and every array an op stored on itself are dropped; the graph's
        structure (edges) stays, so drawing it still works.
        """
        self.saved_values = None
        d = self.__dict__
        if d:
            for k in [k for k, v in d.items() if ARRAYS.is_array(v) or is_tensor(v)]:
                del d[k]


_BOTH_INPUTS = _intern((0, 1))
_FIRST_INPUT = _intern((0,))
_FIRST_OUTPUT = _intern((-1,))


class Primitive(Function):
    """A library op: ``forward(self, F, *arrays, **params)`` and ``backward(self, F,
    *grads)``, each written once against the array namespace ``F`` (see the module doc).

    Backward reads its saved values with ``F.saved(self)`` and returns one gradient per
    input (or None), in the output's broadcast shape: the engine reduces it.
    """

    uses_namespace = True
    __slots__ = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls._forward = cls.forward
