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
"""
import numpy as np

from . import anomaly
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


def _order(root_nodes):
    """Consumer counts of every node reachable from ``root_nodes`` (iterative)."""
    deps = {}
    roots = set(root_nodes)
    stack = list(root_nodes)
    while stack:
        node = stack.pop()
        for e in node.edges:
            if e is None:
                continue
            p = e[0]
            if p is None:
                continue
            d = deps.get(p)
            if d is None:
                deps[p] = 1
                if p not in roots:  # a root reached from another root is walked once
                    stack.append(p)
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


def _freed(node):
    return RuntimeError(
        f"Trying to backward through the graph a second time (in "
        f"{node.op_name}): its saved values were freed by the first backward. "
        "Specify retain_graph=True on the first backward (or autograd.grad) call "
        "if you need to backward through the graph a second time."
    )


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


def _loop_arrays(ready, deps, buffers, retain_graph, handed, capture, check_anomaly):
    """The walk with ndarray gradients (create_graph=False). One loop body per node, with
    the gradient delivery and the dependency count in one pass over the edges: at a few
    microseconds per node, every Python call and attribute lookup here shows. A node
    with one output (nearly all) has its gradient buffered as a bare array; several
    outputs, as a list."""
    pop = buffers.pop
    get = buffers.get
    ndarray = np.ndarray
    while ready:
        node = ready.pop()
        got = pop(node, None)
        if node._sv is None:
            raise _freed(node)
        edges = node.edges
        gins = g = None
        ran = False
        if got is not None:
            single = node.n_outputs == 1
            gouts = [got] if single else got
            if node._out_hooks or node._retained or capture:
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
            elif any(x is not None for x in gouts):
                if ab is not None:
                    outs = node.output_meta
                    gins = ab(*[x if x is not None else np.zeros(*outs[i])
                                for i, x in enumerate(gouts)])
                else:
                    gins = _tensor_backward(node, gouts)
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
                    ready.append(parent)
        if not retain_graph:
            node._sv = None  # release(), inlined; it also frees arrays an op stored on itself
            if node.__dict__:
                node.release()


def _wrap(node, a):
    """An ndarray gradient as a (leaf) Tensor, for hooks and Tensor-level backwards."""
    return node._tensor_cls._make(a)


def _output_hooks(node, gouts, capture, handed=None):
    if node._out_hooks:
        for i, hooks in node._out_hooks.items():
            for h in hooks:
                if gouts[i] is not None:
                    r = h(gouts[i])
                    if r is not None:
                        gouts[i] = r
    if node._retained:
        for i, ref in node._retained.items():
            t = ref()
            if t is not None and gouts[i] is not None and capture is None:
                g = gouts[i] if STATE.enabled else gouts[i].detach()
                if handed is not None:
                    handed.add(id(g._data))  # .grad of t: no leaf may get the same array
                t.grad = g if t.grad is None else t.grad + g
    if capture is not None:
        for i, g in enumerate(gouts):
            slot = capture.get((node, i))
            if slot is not None and g is not None:
                slot[0] = g if slot[0] is None else slot[0] + g
    return gouts


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


def _to_leaf(leaf, g, create_graph, handed, capture, raw=False):
    """Deliver gradient ``g`` (a Tensor; an ndarray when ``raw``) to ``leaf``."""
    if raw:
        if leaf._hooks is None and capture is None:
            # the common case, on arrays: no Tensor for the gradient until it is .grad
            grad = leaf.grad
            if grad is None:
                if id(g) in handed or not g.flags.owndata or not g.flags.writeable:
                    g = g.copy()
                handed.add(id(g))
                leaf.grad = leaf._make(g)
            else:
                leaf.grad = leaf._make(np.asarray(grad._data + g))
            return
        g = leaf._make(g)
    if leaf._hooks:
        for h in leaf._hooks:
            r = h(g)
            if r is not None:
                g = r
    if capture is not None:
        slot = capture.get(id(leaf))
        if slot is not None:
            slot[0] = g if slot[0] is None else slot[0] + g
        return
    if leaf.grad is None:
        if not create_graph:
            arr = g._data
            if id(arr) in handed or not arr.flags.owndata or not arr.flags.writeable:
                arr = arr.copy()
            handed.add(id(arr))
            g = leaf._make(arr)
        leaf.grad = g
    else:
        leaf.grad = leaf.grad + g if create_graph else leaf._make(leaf.grad._data + g._data)


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
