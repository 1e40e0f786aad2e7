"""The backward walk: dependency-counted topological order, accumulation, freeing.

Order is Kahn's algorithm over the nodes reachable from the roots (iterative, linear
in the graph size, each shared node visited once). Every gradient a node returns is
reduced here, once, to its input's shape and dtype (``_fit``), so no op has to undo
broadcasting itself. Each node's saved arrays are released right after its backward
unless ``retain_graph`` is set.

Two representations of the gradients in flight. With ``create_graph=True`` they are
Tensors and every node runs its Tensor-level ``backward`` (recorded, so grad-of-grad
works). Otherwise (the common case) they are plain ndarrays: a node with an
``array_backward`` runs it directly, and any other node gets its gradients wrapped in
Tensors for its ``backward`` and unwrapped after. Hooks, retained grads, ``grad()``
captures and anomaly checks always see Tensors. This keeps per-op backward cost at a
few numpy calls on small tensors (no Tensor or node objects per intermediate gradient).
The array walk is in ``engine_arrays.py``; what both walks share in ``_engine_common.py``.
"""
import numpy as np

from . import anomaly
from ._engine_common import _freed, _output_hooks, _to_leaf
from .engine_arrays import _loop_arrays
from .grad_mode import STATE
from .shapes import unbroadcast_axes

__all__ = ["backward", "grad"]


def _root_grads(tensors, grad_tensors, fn_name):
    out = []
    for i, t in enumerate(tensors):
        if not t._requires_grad:
            raise RuntimeError(
                f"{fn_name}: element {i} of tensors does not require grad and does not "
                "have a grad_fn (call requires_grad_() on a leaf, or compute it from one)"
            )
        g = None if grad_tensors is None else grad_tensors[i]
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"{fn_name}: grad can be implicitly created only for scalar outputs; "
                    f"this tensor has shape {tuple(t.shape)}, so pass gradient= of that shape"
                )
            g = t._make(np.ones(t._data.shape, dtype=t._data.dtype))
        else:
            g = t._to_tensor(g)
            if g._data.shape != t._data.shape:
                raise RuntimeError(
                    f"{fn_name}: gradient has shape {tuple(g.shape)} but the tensor it is "
                    f"for has shape {tuple(t.shape)}"
                )
            if g._data.dtype != t._data.dtype:
                g = g.astype(t._data.dtype)
        out.append(g)
    return out


def _fit(g, shape, dtype, node, i):
    """Reduce gradient ``g`` (broadcast by the forward op) to the input's shape and dtype."""
    if g._data.shape != shape:
        lead, keep = unbroadcast_axes(g._data.shape, shape)
        if len(g._data.shape) < len(shape) or any(
            g._data.shape[a] != s for a, s in zip(range(len(lead), g._data.ndim), shape)
            if s != 1
        ):
            raise RuntimeError(
                f"backward of {node.op_name}: gradient for input {i} has shape "
                f"{tuple(g.shape)}, which does not reduce to the input's shape {tuple(shape)}"
            )
        if lead or keep:
            g = g.sum(dim=lead + keep, keepdim=True)
        g = g.reshape(shape)
    if g._data.dtype != dtype:
        g = g.astype(dtype)
    return g


def _order(root_nodes):
    """Consumer counts of every node reachable from ``root_nodes`` (iterative)."""
    deps = {}
    roots = set(root_nodes)
    stack = list(root_nodes)
    get, push, pop = deps.get, stack.append, stack.pop  # bound once: ~0.2 us per node
    while stack:
        for e in pop().edges:
            if e is not None:
                p = e[0]
                if p is not None:
                    d = get(p)
                    if d is None:
                        deps[p] = 1
                        if p not in roots:  # a root reached from another root is walked once
                            push(p)
                    else:
                        deps[p] = d + 1
    return deps


def _run(tensors, grads, retain_graph, create_graph, capture=None):
    """Propagate ``grads`` from ``tensors``. With ``capture`` (for ``grad()``), gradients
    of the captured tensors are stored there and no ``.grad`` is written."""
    handed = {id(g._data) for g in grads}  # arrays that must not become two leaves' .grad
    raw = not create_graph
    buffers = {}
    roots = []
    for t, g in zip(tensors, grads):
        if t.grad_fn is None:
            _to_leaf(t, g, create_graph, handed, capture)
            continue
        if raw and t.grad_fn.n_outputs == 1:  # the array path keeps one-output grads bare
            g = g._data
            b = buffers.get(t.grad_fn)
            buffers[t.grad_fn] = g if b is None else np.asarray(b + g)
        else:
            if raw:
                g = g._data
            buf = buffers.setdefault(t.grad_fn, [None] * t.grad_fn.n_outputs)
            i = t._out_index
            buf[i] = g if buf[i] is None else buf[i] + g
        if t.grad_fn not in roots:
            roots.append(t.grad_fn)
    deps = _order(roots)
    ready = [n for n in roots if deps.get(n, 0) == 0]
    prev = STATE.enabled
    STATE.enabled = create_graph
    check_anomaly = anomaly.STATE.enabled
    try:
        if raw:
            _loop_arrays(ready, deps, buffers, retain_graph, handed, capture, check_anomaly)
        else:
            _loop_tensors(ready, deps, buffers, retain_graph, handed, capture, check_anomaly)
    finally:
        STATE.enabled = prev


def _loop_tensors(ready, deps, buffers, retain_graph, handed, capture, check_anomaly):
    """The walk with Tensor gradients (create_graph=True: the backward is recorded)."""
    pop = buffers.pop
    while ready:
        node = ready.pop()
        gouts = pop(node, None)
        if node._sv is None:
            raise _freed(node)
        if gouts is not None and (node._out_hooks or node._retained or capture):
            gouts = _output_hooks(node, gouts, capture, handed)
        if gouts is not None:
            for g in gouts:
                if g is not None:
                    _step(node, gouts, buffers, True, handed, capture, check_anomaly)
                    break
        if not retain_graph:
            node.release()
        for e in node.edges:
            if e is not None:
                p = e[0]
                if p is not None:
                    d = deps[p] - 1
                    deps[p] = d
                    if d == 0:
                        ready.append(p)


def _step(node, gouts, buffers, create_graph, handed, capture, check_anomaly):
    if len(gouts) == 1:
        gins = node.backward(gouts[0])
    else:
        outs = node.output_meta
        gins = node.backward(*[
            g if g is not None else node._tensor_cls._make(np.zeros(*outs[i]))
            for i, g in enumerate(gouts)
        ])
    edges = node.edges
    if type(gins) is not tuple:
        gins = (gins,)
    if len(gins) != len(edges):
        raise RuntimeError(
            f"backward of {node.op_name} returned {len(gins)} gradients for "
            f"{len(edges)} inputs"
        )
    if check_anomaly:
        anomaly.check(node, gins)
    meta = node.input_meta
    for i, edge in enumerate(edges):
        g = gins[i]
        if edge is None or g is None:
            continue
        shape, dtype = meta[i]
        a = g._data
        if a.shape != shape or a.dtype != dtype:
            g = _fit(g, shape, dtype, node, i)
        parent, idx = edge
        if parent is None:
            _to_leaf(idx, g, create_graph, handed, capture)
        else:
            buf = buffers.get(parent)
            if buf is None:
                buf = buffers[parent] = [None] * parent.n_outputs
            buf[idx] = g if buf[idx] is None else buf[idx] + g


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves they depend on.

    ``grad_tensors``: one gradient per tensor (None allowed for scalars).
    ``inputs``: if given, only these leaves get ``.grad`` written.
    """
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _root_grads(tensors, grad_tensors, "backward")
    if inputs is None:
        _run(tensors, grads, retain_graph, create_graph)
        return
    inputs = _as_tuple(inputs)
    got = grad(tensors, inputs, grads, retain_graph=retain_graph,
               create_graph=create_graph, allow_unused=True)
    for t, g in zip(inputs, got):
        if g is not None:
            _to_leaf_plain(t, g, create_graph)


def _to_leaf_plain(t, g, create_graph):
    if not create_graph:
        g = g.detach()
        g = g._make(g._data.copy())
    t.grad = g if t.grad is None else t.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated).

    Returns a tuple with one entry per input (None for unused inputs when
    ``allow_unused=True``). With ``create_graph=True`` the result is differentiable.
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(inputs):
        if not t._requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    grads = _root_grads(outputs, _as_tuple(grad_outputs), "grad")
    capture = {}
    slots = []
    for t in inputs:
        key = id(t) if t.grad_fn is None else (t.grad_fn, t._out_index)
        slot = capture.setdefault(key, [None])
        slots.append(slot)
    _run(outputs, grads, retain_graph, create_graph, capture=capture)
    result = []
    for i, (t, slot) in enumerate(zip(inputs, slots)):
        g = slot[0]
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: one of the differentiated tensors (input {i}, shape "
                f"{tuple(t.shape)}) appears to not have been used in the graph; "
                "set allow_unused=True if this is the desired behavior"
            )
        if g is not None and not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)
