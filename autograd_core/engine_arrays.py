"""The array walk of backward (``create_graph=False``, the common case): gradients in
flight are plain ndarrays; a node with an ``array_backward`` runs it on them directly,
any other node gets them wrapped in Tensors for its ``backward``. See ``engine.py`` for
the order and the Tensor walk (``create_graph=True``)."""
import numpy as np

from . import anomaly
from ._engine_common import _freed, _output_hooks, _to_leaf
from .shapes import unbroadcast_axes


def _fit_array(a, shape, dtype, node, i):
    """``_fit`` on an ndarray gradient (the unrecorded path)."""
    if a.shape != shape:
        lead, keep = unbroadcast_axes(a.shape, shape)
        if len(a.shape) < len(shape) or any(
            a.shape[k] != s for k, s in zip(range(len(lead), a.ndim), shape) if s != 1
        ):
            raise RuntimeError(
                f"backward of {node.op_name}: gradient for input {i} has shape "
                f"{tuple(a.shape)}, which does not reduce to the input's shape {tuple(shape)}"
            )
        if lead or keep:
            a = np.sum(a, axis=lead + keep, keepdims=True)
        a = a.reshape(shape)
    if a.dtype != dtype:
        a = a.astype(dtype)
    return a


def _loop_arrays(ready, deps, buffers, retain_graph, handed, capture, check_anomaly):
    """The walk with ndarray gradients (create_graph=False). One loop body per node, with
    the gradient delivery and the dependency count in one pass over the edges: at a few
    microseconds per node, every Python call and attribute lookup here shows. A node
    with one output (nearly all) has its gradient buffered as a bare array; several
    outputs, as a list."""
    pop = buffers.pop
    get = buffers.get
    ndarray = np.ndarray
    take, push = ready.pop, ready.append
    while ready:
        node = take()
        got = pop(node, None)
        if node._sv is None:
            raise _freed(node)
        edges = node.edges
        gins = g = None
        ran = False
        if got is not None:
            single = node.n_outputs == 1
            if node._out_hooks or node._retained or capture:
                gouts = [got] if single else got
                gouts = [None if x is None else _wrap(node, x) for x in gouts]
                gouts = _output_hooks(node, gouts, capture, handed)
                gouts = [None if x is None else _unwrap(x) for x in gouts]
                got = gouts[0] if single else gouts
            ab = node.array_backward
            if single:
                g = got
                if g is not None:
                    gins = ab(g) if ab is not None else _tensor_backward(node, (g,))
                    ran = True
            elif any(x is not None for x in got):  # got: the list of output gradients
                if ab is not None:
                    outs = node.output_meta
                    gins = ab(*[x if x is not None else np.zeros(*outs[i])
                                for i, x in enumerate(got)])
                else:
                    gins = _tensor_backward(node, got)
                ran = True
            if ran:
                if type(gins) is not tuple:
                    gins = (gins,)
                if len(gins) != len(edges):
                    raise RuntimeError(
                        f"backward of {node.op_name} returned {len(gins)} gradients for "
                        f"{len(edges)} inputs"
                    )
                if check_anomaly:
                    anomaly.check(node, [None if a is None else _wrap(node, a) for a in gins])
        meta = node._imeta
        if meta is None:
            shape, dtype = node._oshape, node._odtype
        i = -1
        for e in edges:
            i += 1
            if e is None:
                continue
            parent, idx = e
            if ran:
                a = gins[i]
                if a is not None:
                    if a is g and meta is None:
                        pass  # the output gradient passed through: already the input's shape
                    else:
                        if type(a) is not ndarray:  # ufuncs give numpy scalars for 0-d
                            a = np.asarray(a)
                        if meta is not None:
                            shape, dtype = meta[i]
                        if a.shape != shape or (a.dtype is not dtype and a.dtype != dtype):
                            a = _fit_array(a, shape, dtype, node, i)
                    if parent is None:
                        _to_leaf(idx, a, False, handed, capture, raw=True)
                        continue
                    if parent.n_outputs == 1:
                        b = get(parent)
                        if b is None:
                            buffers[parent] = a
                        else:
                            b = b + a
                            buffers[parent] = b if type(b) is ndarray else np.asarray(b)
                    else:
                        buf = get(parent)
                        if buf is None:
                            buffers[parent] = buf = [None] * parent.n_outputs
                        b = buf[idx]
                        if b is None:
                            buf[idx] = a
                        else:
                            b = b + a
                            buf[idx] = b if type(b) is ndarray else np.asarray(b)
            if parent is not None:
                d = deps[parent] - 1
                deps[parent] = d
                if d == 0:
                    push(parent)
        if not retain_graph:
            node._sv = None  # release(), inlined; it also frees arrays an op stored on itself
            if node.keeps_state and node.__dict__:
                node.release()


def _wrap(node, a):
    """An ndarray gradient as a (leaf) Tensor, for hooks and Tensor-level backwards."""
    return node._tensor_cls._make(a)


def _tensor_backward(node, gouts):
    """Run a node's Tensor-level backward on ndarray gradients; arrays back out."""
    make = node._tensor_cls._make
    if len(gouts) == 1:
        gins = node.backward(make(gouts[0]))
    else:
        outs = node.output_meta
        gins = node.backward(*[
            make(g) if g is not None else make(np.zeros(*outs[i]))
            for i, g in enumerate(gouts)
        ])
    if type(gins) is not tuple:
        return None if gins is None else _unwrap(gins)
    return tuple([None if g is None else _unwrap(g) for g in gins])


def _unwrap(g):
    a = g._data
    return a if type(a) is np.ndarray else np.asarray(a)
