"""The backward walk: dependency-counted topological order, accumulation, freeing.

Order is Kahn's algorithm over the nodes reachable from the roots (iterative, linear
in the graph size, each shared node visited once). Every gradient a node returns is
reduced here, once, to its input's shape and dtype (``_fit``), so no op has to undo
broadcasting itself. Each node's saved values are released right after its backward
unless ``retain_graph`` is set.

One walk, parametrised by the interpreter its gradients live in (``backend``): ndarrays
for a plain ``backward()`` (``ARRAYS``: no Tensor or node per intermediate gradient) or
Tensors under ``create_graph=True`` (the Tensor namespace: every step is recorded, so
grad-of-grad works). A primitive's one rule runs on either; a user ``Function`` gets
Tensors. Hooks, retained grads and ``grad()`` captures always see Tensors.

Leaves get their gradients only when the walk is over: totals are kept per leaf and
written to ``.grad`` together at the end (after leaf hooks ran), so a backward that
raises part-way (a hook, a custom Function, Ctrl-C) leaves every ``.grad`` as it was.
"""
from . import anomaly
from .backend import ARRAYS
from .grad_mode import GRAD

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
            g = t._make(ARRAYS.full(t._data.shape, 1, t._data.dtype))
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


def _freed(node):
    return RuntimeError(
        f"Trying to backward through the graph a second time (or directly access saved "
        f"tensors after they have already been freed) in {node.op_name}: its saved "
        "values were freed by the first backward. Specify retain_graph=True on the "
        "first backward (or autograd.grad) call if you need to backward through the "
        "graph a second time."
    )


def _fit(F, g, shape, dtype, node, i):
    """Reduce gradient ``g`` (broadcast by the forward op) to the input's shape and dtype."""
    if g.shape != shape:
        r = F.sum_to(g, shape)
        if r is None:
            raise RuntimeError(
                f"backward of {node.op_name}: gradient for input {i} has shape "
                f"{tuple(g.shape)}, which does not reduce to the input's shape {tuple(shape)}"
            )
        g = r
    if g.dtype != dtype:
        g = F.astype(g, dtype)
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
    T = type(tensors[0])
    F = T._tensor_namespace if create_graph else ARRAYS
    buffers = {}
    leaves = {}
    roots = []
    adopted = set()  # arrays that must not become a leaf's .grad as they are
    for t, g in zip(tensors, grads):
        v = F.from_tensor(g)
        adopted.add(id(v))  # the caller's gradient stays the caller's
        node = t.grad_fn
        if node is None:
            _add_to_leaf(F, leaves, t, v)
            continue
        if node.n_outputs == 1:
            b = buffers.get(node)
            buffers[node] = v if b is None else _plus(F, b, v)
        else:
            buf = buffers.setdefault(node, [None] * node.n_outputs)
            i = t._out_index
            buf[i] = v if buf[i] is None else _plus(F, buf[i], v)
        if node not in roots:
            roots.append(node)
    deps = _order(roots)
    ready = [n for n in roots if deps.get(n, 0) == 0]
    retained = []
    prev = GRAD.get()
    GRAD.set(create_graph)
    try:
        _walk(F, T, ready, deps, buffers, leaves, retained, retain_graph, capture)
        _deliver(F, T, leaves, retained, capture, adopted)
    finally:
        GRAD.set(prev)


def _plus(F, b, a):
    s = b + a
    return s if type(s) is F.value_type else F.asarray(s)  # ufuncs give scalars for 0-d


def _add_to_leaf(F, leaves, leaf, v):
    total = leaves.get(id(leaf))
    if total is None:
        leaves[id(leaf)] = [leaf, v]
    else:
        total[1] = _plus(F, total[1], v)


def _walk(F, T, ready, deps, buffers, leaves, retained, retain_graph, capture):
    """The walk. One loop body per node, with the gradient delivery and the dependency
    count in one pass over the edges: at a few microseconds per node, every Python call
    and attribute lookup here shows. A node with one output (nearly all) has its
    gradient buffered as a bare value; several outputs, as a list."""
    pop = buffers.pop
    get = buffers.get
    vtype = F.value_type
    take, push = ready.pop, ready.append
    check_anomaly = anomaly.ANOMALY.get()
    while ready:
        node = take()
        got = pop(node, None)
        if node.saved_values is None:
            raise _freed(node)
        edges = node.edges
        gins = g = None
        ran = False
        if got is not None:
            single = node.n_outputs == 1
            if node._out_hooks or node._retained or capture:
                got = _output_hooks(F, T, node, [got] if single else got, capture, retained)
                if single:
                    got = got[0]
            if single:
                g = got
                if g is not None:
                    gins = node.backward(F, g) if node.uses_namespace else \
                        _user_backward(F, T, node, (g,))
                    ran = True
            elif any([x is not None for x in got]):
                outs = node.output_meta
                got = [x if x is not None else F.zeros(*outs[i]) for i, x in enumerate(got)]
                gins = node.backward(F, *got) if node.uses_namespace else \
                    _user_backward(F, T, node, got)
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
                    anomaly.check(node, [None if a is None else F.data(a) for a in gins])
        meta = node._input_meta
        if meta is None:
            shape, dtype = node._out_shape, node._out_dtype
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
                        if type(a) is not vtype:  # ufuncs give numpy scalars for 0-d
                            a = F.asarray(a)
                        if meta is not None:
                            shape, dtype = meta[i]
                        if a.shape != shape or (a.dtype is not dtype and a.dtype != dtype):
                            a = _fit(F, a, shape, dtype, node, i)
                    if parent is None:
                        _add_to_leaf(F, leaves, idx, a)
                        continue
                    if parent.n_outputs == 1:
                        b = get(parent)
                        if b is None:
                            buffers[parent] = a
                        else:
                            b = b + a
                            buffers[parent] = b if type(b) is vtype else F.asarray(b)
                    else:
                        buf = get(parent)
                        if buf is None:
                            buffers[parent] = buf = [None] * parent.n_outputs
                        b = buf[idx]
                        if b is None:
                            buf[idx] = a
                        else:
                            b = b + a
                            buf[idx] = b if type(b) is vtype else F.asarray(b)
            if parent is not None:
                d = deps[parent] - 1
                deps[parent] = d
                if d == 0:
                    push(parent)
        if not retain_graph:
            node.saved_values = None  # release(), inlined; it also frees arrays an op stored on itself
            if node.stores_attributes and node.__dict__:
                node.release()


def _user_backward(F, T, node, gouts):
    """A user ``Function``'s backward: Tensors in, Tensors out, its saved values as
    Tensors in ``saved_tensors`` for the call."""
    tf = T._tensor_namespace
    node.__dict__["_unpacked"] = tf.saved(node)
    try:
        gins = node.backward(*[F.to_tensor(g, T) for g in gouts])
    finally:
        del node.__dict__["_unpacked"]
    if type(gins) is not tuple:
        return None if gins is None else F.from_tensor(gins)
    return tuple([None if g is None else F.from_tensor(g) for g in gins])


def _output_hooks(F, T, node, gouts, capture, retained):
    """Hooks on a node's outputs (which may replace a gradient), retained grads (kept
    for the end of the walk) and ``grad()`` captures of non-leaf inputs."""
    gouts = list(gouts)
    if node._out_hooks:
        for i, hooks in node._out_hooks.items():
            for h in hooks:
                if gouts[i] is not None:
                    r = h(F.to_tensor(gouts[i], T))
                    if r is not None:
                        gouts[i] = F.from_tensor(r)
    if node._retained and capture is None:
        for i, ref in node._retained.items():
            t = ref()
            if t is not None and gouts[i] is not None:
                retained.append((t, gouts[i]))
    if capture is not None:
        for i, g in enumerate(gouts):
            slot = capture.get((node, i))
            if slot is not None and g is not None:
                g = F.to_tensor(g, T)
                slot[0] = g if slot[0] is None else slot[0] + g
    return gouts


def _deliver(F, T, leaves, retained, capture, adopted):
    """Write the leaves' totals (after their hooks) and retained grads, all at once."""
    for t, v in retained:
        if not F.records:
            adopted.add(id(v))  # t.grad holds it: no leaf may get the same array
    final = []
    for leaf, v in leaves.values():
        hooks = leaf._hooks
        if hooks or capture is not None:
            g = F.to_tensor(v, T)
            for h in hooks or ():
                r = h(g)
                if r is not None:
                    g = r
            if capture is not None:
                slot = capture.get(id(leaf))
                if slot is not None:
                    slot[0] = g if slot[0] is None else slot[0] + g
                continue
            v = F.from_tensor(g)
        final.append((leaf, v))
    if capture is not None:
        return
    # computed above; below, nothing can fail half-way
    if F.records:
        for t, v in retained + final:
            t.grad = v if t.grad is None else t.grad + v
        return
    for t, v in retained:
        t.grad = T._make(v) if t.grad is None else T._make(F.asarray(t.grad._data + v))
    for t, v in final:
        old = t.grad
        if old is None:
            t.grad = T._make(F.adopt(v, adopted))
        else:
            t.grad = T._make(F.asarray(old._data + v))


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
