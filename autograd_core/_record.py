"""What ``Tensor._apply`` records on a node besides the edges: interned shape/dtype
records, the flat saved-values tuple (``Function._sv``), and the outputs of ops with
several of them. Split out of ``tensor.py``; ``_apply`` itself stays there."""
import numpy as np

from . import anomaly

_ANOMALY = anomaly.STATE

# Interned shape/dtype records. A node keeps, per input and per output, (shape, dtype)
# for the engine; nodes of the same signature share one record instead of holding
# fresh tuples each (about 300 B/op in a deep chain of small ops). Keyed by the flat
# (shape0, dtype0, shape1, dtype1, ...); bounded so odd workloads cannot grow it forever.
_META = {}
_META_MAX = 4096


def _meta(key):
    m = _META.get(key)
    if m is None:
        m = tuple([(key[k], key[k + 1]) for k in range(0, len(key), 2)])
        if len(_META) < _META_MAX:
            _META[key] = m
    return m


def _input_meta(inputs):
    """The interned per-input (shape, dtype) record of a node."""
    key = []
    for t in inputs:
        a = t._data
        key.append(a.shape)
        key.append(a.dtype)
    return _meta(tuple(key))


_NEEDS = {(False,): (False,), (True,): (True,), (False, False): (False, False),
          (False, True): (False, True), (True, False): (True, False),
          (True, True): (True, True)}  # shared needs_input_grad tuples
_NEEDS_T = _NEEDS[(True,)]


def _resolve_saved(arrays, inputs, outs):
    """Map arrays an op saved to what they are: one of its input Tensors (by identity,
    preferring the same position), one of its output Tensors, or a constant. Returns the
    flat record ``Function._sv`` holds: (tensor, array, version box, version, out index)
    per saved value."""
    saved = []
    n_in = len(inputs)
    for k, arr in enumerate(arrays):
        if k < n_in and inputs[k]._data is arr:
            t = inputs[k]
            v = t._version
            saved += (t, arr, v, v[0], None)
            continue
        for t in inputs:
            if t._data is arr:
                v = t._version
                saved += (t, arr, v, v[0], None)
                break
        else:
            for i, o in enumerate(outs):
                if o._data is arr:
                    v = o._version
                    saved += (None, arr, v, v[0], i)
                    break
            else:
                arr = np.asarray(arr)
                saved += (outs[0]._make(arr), arr, [0], 0, None)
    return tuple(saved)


def _as_arrays(ctx, out):
    """Forward results as ndarrays: numpy ufuncs and reductions return numpy *scalars* for
    0-d results (np.add of two 0-d arrays, np.sum), which a Tensor must not hold (no
    shared memory, no in-place writes). A saved output is re-pointed at the new array so
    it is still recognised as the output (double backward flows through it)."""
    if type(out) is tuple:
        return tuple([o if type(o) is np.ndarray else _as_arrays(ctx, o) for o in out])
    arr = np.asarray(out)
    saved = ctx._sv if ctx is not None else None  # None: not recording, nothing saved
    if saved:
        ctx._sv = tuple([arr if s is out else s for s in saved])
    return arr


def _record_outputs(ctx, inputs, out):
    """The end of ``Tensor._apply`` for an op with several outputs (a tuple of arrays):
    shape/dtype records, output Tensors (floating, differentiable ones linked to the
    node), saved values resolved."""
    ctx.n_outputs = len(out)
    ctx._imeta = _input_meta(inputs)
    key = []
    for o in out:
        key.append(o.shape)
        key.append(o.dtype)
    ctx._ometa = _meta(tuple(key))
    ctx._oshape = ctx._odtype = None
    nondiff = getattr(ctx, "non_differentiable", ())
    make = ctx._tensor_cls._make
    results = tuple([make(o, True, ctx, i) if o.dtype.kind == "f" and i not in nondiff
                     else make(o) for i, o in enumerate(out)])
    if ctx._sv:
        ctx._sv = _resolve_saved(ctx._sv, inputs, results)
    if _ANOMALY.enabled:
        anomaly.record_creation(ctx)
    return results
