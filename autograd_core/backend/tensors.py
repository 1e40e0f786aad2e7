"""The Tensor interpreter: the namespace's names as recorded Tensor operations.

Each name a primitive is registered under runs that primitive (``Primitive.apply``), so
a backward rule run through this namespace under ``create_graph=True`` builds the graph
of its own computation, and its results equal the array interpreter's bit for bit (the
primitive's forward calls the array function of the same name). The rest (saved values,
constants, the engine's helpers) is spelled out below."""
import numpy as np

from ..shapes import reduction_to

__all__ = ["TensorNamespace"]


class TensorNamespace:
    """Built once per Tensor class: ``TensorNamespace(Tensor, REGISTRY)``."""

    records = True

    def __init__(self, tensor_type, registry):
        self.value_type = tensor_type
        self._registry = registry

    def __getattr__(self, name):  # a primitive by its registered name, cached
        try:
            cls = self._registry[name]
        except KeyError:
            raise AttributeError(f"tensor namespace: no function or primitive {name!r}") from None
        fn = cls.apply
        setattr(self, name, fn)
        return fn

    def names(self):
        return set(self._registry) | {k for k in type(self).__dict__ if not k.startswith("_")}

    def __repr__(self):
        return "<tensors namespace>"

    # -- saved values -------------------------------------------------------------------
    def saved(self, node):
        """``node``'s saved values as Tensors: an input with its graph (a leaf as itself,
        a non-leaf rebuilt on its creator node), an output on ``node``, a constant as a
        Tensor that needs no grad."""
        arrays = node.saved_arrays
        if not arrays:
            return ()
        make = self.value_type._make
        out = []
        versions = node.saved_versions
        for k, (a, src) in enumerate(zip(arrays, node.saved_sources)):
            if src is None:
                out.append(make(a))
            elif src >= 0:
                e = node.edges[src]
                if e is None:
                    out.append(make(a, version=versions[2 * k]))
                elif e[0] is None:
                    out.append(e[1])
                else:
                    out.append(make(a, True, e[0], e[1], versions[2 * k]))
            else:
                out.append(make(a, True, node, -1 - src, versions[2 * k]))
        return tuple(out)

    # -- constants and metadata ---------------------------------------------------------
    def asarray(self, x):
        return x if isinstance(x, self.value_type) else self.value_type._make(np.asarray(x))

    def is_array(self, x):
        return isinstance(x, self.value_type)

    def zeros(self, shape, dtype):
        return self.value_type._make(np.zeros(shape, dtype))

    def zeros_like(self, x):
        return self.value_type._make(np.zeros(x.shape, x.dtype))

    def full(self, shape, value, dtype):
        return self.value_type._make(np.full(shape, value, dtype))

    def constant(self, value, like):
        return like._to_tensor(value)

    def detach(self, x):
        """``x``'s value as a constant (no graph): what a rule derives from the data."""
        return self.value_type._make(x._data)

    # -- what the engine needs ------------------------------------------------------------
    def sum_to(self, g, shape):
        axes = reduction_to(g.shape, shape)
        if axes is None:
            return None
        if axes:
            g = self.sum(g, dims=axes, keepdim=True)
        return self.reshape(g, shape=shape) if g.shape != shape else g

    def astype(self, x, dtype):
        return x if x.dtype == dtype else self.cast(x, dtype=dtype)

    def to_tensor(self, t, tensor_type):
        return t

    def from_tensor(self, t):
        return t

    def data(self, t):
        return t._data

    def adopt(self, t, adopted):
        return t
