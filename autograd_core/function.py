"""``Function``: the base of every primitive op, and the graph node it becomes.

A primitive is a subclass with two methods side by side:

- ``forward(ctx, *arrays, **params)`` gets numpy arrays and returns an array (or a
  tuple of arrays); it may call ``ctx.save_for_backward(...)``.
- ``backward(ctx, *grads)`` gets the output gradient(s) as Tensors and returns one
  gradient per input (a Tensor or None), written with Tensor operations so that,
  under ``create_graph=True``, the backward pass is itself recorded.
- optionally ``array_backward(ctx, *grads)``: the same rule on ndarrays (saved values
  from ``ctx.saved_arrays``), returning arrays or None. The engine uses it when the
  backward is not recorded (``create_graph=False``, the common case): no Tensor is
  built per intermediate gradient, which is most of the per-op cost on small tensors.

An instance is created for each call and, when the call is recorded, it *is* the graph
node (``tensor.grad_fn``). The glue that runs a primitive and records it lives in
``Tensor._apply``; the walk over nodes lives in ``engine.py``.
"""

import numpy as np

__all__ = ["Function", "SavedTensorError"]


class SavedTensorError(RuntimeError):
    """Backward found its saved tensors freed or modified in place."""


class _Saved(tuple):
    """A tensor saved for backward, with the version it had when saved:
    (tensor, array, version box, saved version, output index).

    Outputs are stored as (array, version box) only, with ``tensor`` None, so that a node
    never holds the Tensor that holds the node (no reference cycle); unpacking rebuilds a
    Tensor that points back at the node, which is what double backward needs.
    """

    __slots__ = ()

    def __new__(cls, tensor, array, version, saved_version, out_index):
        return tuple.__new__(cls, (tensor, array, version, saved_version, out_index))

    tensor = property(lambda s: s[0])
    array = property(lambda s: s[1])
    version = property(lambda s: s[2])
    saved_version = property(lambda s: s[3])
    out_index = property(lambda s: s[4])


class Function:
    """Base class of primitive ops; an instance is one node of the graph."""

    #: registered op name (set by ``ops.registry.register``)
    name = None
    #: False for ops whose outputs never carry a gradient (comparisons, argmax)
    differentiable = True

    # Bookkeeping lives in slots (set by Tensor._apply); what an op's forward stores on
    # itself goes to the instance __dict__, so release() knows exactly what to free.
    #: optional array-level twin of ``backward`` (see the module doc); None: not provided
    array_backward = None

    # _sv holds what was saved, flat: five fields per saved value (tensor, array, version
    # box, saved version, output index), in one tuple rather than a tuple of records (one
    # object per node instead of 1 + k: less memory and time per op). () when nothing
    # was saved, None once released (so no separate "released" flag). ``_saved`` gives
    # the records (``_Saved``) for readers such as the graph drawing.
    __slots__ = ("_recording", "needs_input_grad", "edges", "_imeta", "_ometa", "_oshape",
                 "_odtype", "n_outputs", "_sv", "_tensor_cls", "_trace",
                 "__dict__", "__weakref__")
    # Rare per-node state (hooks on outputs, retain_grad) lives in the instance __dict__
    # when set: nothing to store per op on the common path.
    _out_hooks = None
    _retained = None
    #: False when ``forward`` never stores anything on the node (``self.x = ...``).
    #: After backward the engine then frees only the saved values and does not look in
    #: the instance ``__dict__`` for arrays: reading ``node.__dict__`` creates an empty
    #: dict on a node that has none (1.2% of the instructions of a small op on the
    #: per-op chain, by callgrind). True (the default) is always safe.
    keeps_state = True

    # Attributes every node gets from Tensor._apply:
    #   needs_input_grad  tuple of bools, one per input
    #   edges             per input: None, (node, out_index) or (None, leaf_tensor)
    #   _imeta            per input: (shape, dtype), or None when all are the output's
    #   _oshape, _odtype  the output's shape and dtype (one output); _ometa: several
    #   _recording        whether save_for_backward keeps anything
    #   _outputs          weak references to output tensors (for hooks / retain_grad)

    def forward(self, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, *grads):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    @classmethod
    def apply(cls, *args, **params):
        """Run this op on Tensors ``args`` (non-tensor options as keywords), recording a
        node when an input requires grad: ``MyOp.apply(x, y, alpha=2)``."""
        for a in args:
            if hasattr(a, "_apply"):
                break
        else:
            raise TypeError(f"{cls.__name__}.apply: expected at least one Tensor argument")
        args = tuple(x if hasattr(x, "_apply") else a._to_tensor(x) for x in args)
        return a._apply(cls, *args, **params)

    # -- saving -----------------------------------------------------------------
    def save_for_backward(self, *arrays):
        """Save arrays for backward; nothing is kept when the call is not recorded.

        Pass the forward's own input arrays or its output array: ``saved_tensors`` then
        returns the corresponding Tensors (inputs with their graph, so double backward
        flows through them). Any other array is saved as a constant.
        """
        if self._recording:
            self._sv = arrays  # resolved in Tensor._apply once outputs exist

    def _freed_error(self):
        return SavedTensorError(
            f"Trying to backward through the graph a second time (or directly access "
            f"saved tensors after they have already been freed) in {self.op_name}. "
            "Saved intermediate values of the graph are freed when you call "
            ".backward() or autograd.grad(). Specify retain_graph=True if you need "
            "to backward through the graph a second time or if you need to access "
            "saved tensors after calling backward."
        )

    def _version_error(self, sv, k):
        arr, version, saved_version = sv[k + 1], sv[k + 2], sv[k + 3]
        return SavedTensorError(
            f"one of the variables needed for gradient computation has been "
            f"modified by an inplace operation: a tensor of shape "
            f"{tuple(arr.shape)} saved by {self.op_name} is at version "
            f"{version[0]}; expected version {saved_version} instead. "
            "Modify a copy (x.clone()) instead, or do the in-place change "
            "after backward."
        )

    @property
    def _saved(self):
        """The saved values as ``_Saved`` records (None once released)."""
        sv = self._sv
        if sv is None:
            return None
        return tuple([tuple.__new__(_Saved, sv[k:k + 5]) for k in range(0, len(sv), 5)])

    @property
    def saved_tensors(self):
        """The saved Tensors, after checking none was freed or modified in place."""
        sv = self._sv
        if sv is None:
            raise self._freed_error()
        out = []
        for k in range(0, len(sv), 5):
            if sv[k + 2][0] != sv[k + 3]:
                raise self._version_error(sv, k)
            t = sv[k]
            out.append(t if t is not None else
                       self._tensor_cls._output_of(self, tuple.__new__(_Saved, sv[k:k + 5])))
        return tuple(out)

    @property
    def saved_arrays(self):
        """The saved values as ndarrays (for ``array_backward``), with the same checks as
        ``saved_tensors``; no Tensor is built."""
        sv = self._sv
        if sv is None:
            raise self._freed_error()
        n = len(sv)
        if n == 10:  # two saved values, the common case (binary ops): no loop
            if sv[2][0] != sv[3]:
                raise self._version_error(sv, 0)
            if sv[7][0] != sv[8]:
                raise self._version_error(sv, 5)
            return sv[1], sv[6]
        if n == 5:  # one saved value (unary ops)
            if sv[2][0] != sv[3]:
                raise self._version_error(sv, 0)
            return (sv[1],)
        for k in range(0, n, 5):
            if sv[k + 2][0] != sv[k + 3]:
                raise self._version_error(sv, k)
        return sv[1::5]

    @property
    def output_meta(self):
        """Per output: (shape, dtype)."""
        if self._ometa is not None:
            return self._ometa
        return ((self._oshape, self._odtype),)

    @property
    def input_meta(self):
        """Per input: (shape, dtype) when the op ran (``_imeta`` None: all as the output)."""
        if self._imeta is not None:
            return self._imeta
        return ((self._oshape, self._odtype),) * len(self.edges)

    @property
    def _released(self):
        """True once ``release()`` freed the saved values."""
        return self._sv is None

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

        Saved tensors and every array an op stored on itself are dropped; the graph's
        structure (edges) stays, so drawing it still works.
        """
        self._sv = None
        d = self.__dict__
        if d:
            for k in [k for k, v in d.items() if isinstance(v, np.ndarray) or hasattr(v, "_data")]:
                del d[k]
