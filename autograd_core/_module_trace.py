"""Which module created each graph node: run a forward with hooks and find out.

Used by ``viz.draw_graph(model=..., input=..., group_by_module=True)``. Nothing in the
core records module names; instead every module gets a forward pre-hook and a forward
hook (the PyTorch-style hooks ``nn.Module`` has). A node was created while module ``m``
ran iff it is reachable from ``m``'s outputs but not from its inputs; hooks fire
innermost-first on the way out, so the first module to claim a node is the innermost
one that ran it (a container's own ops, e.g. a residual add, go to the container).

Only duck typing is used (``named_modules``, ``register_forward_*hook``,
``named_buffers``), so ``autograd_core`` does not import ``nn``.
"""
import numpy as np

from . import random as _random
from .grad_mode import enable_grad
from .tensor_type import is_tensor

__all__ = ["trace_modules"]


def _tensors(obj):
    """Tensors inside a (possibly nested) output/argument structure."""
    out, stack = [], [obj]
    while stack:
        x = stack.pop()
        if is_tensor(x):
            out.append(x)
        elif isinstance(x, (tuple, list)):
            stack.extend(reversed(x))
        elif isinstance(x, dict):
            stack.extend(reversed(list(x.values())))
    return out


def _nodes_from(tensors, stop=frozenset()):
    """Nodes reachable from ``tensors`` (iterative), not entering nodes in ``stop``."""
    found = set()
    stack = [t.grad_fn for t in tensors if t.grad_fn is not None and t.grad_fn not in stop]
    found.update(stack)
    while stack:
        n = stack.pop()
        for e in n.edges:
            if e is not None and e[0] is not None and e[0] not in found and e[0] not in stop:
                found.add(e[0])
                stack.append(e[0])
    return found


def trace_modules(model, inputs, loss_fn=None):
    """Run ``model(*inputs)`` (and ``loss_fn(output)``) recording the graph.

    Returns ``(outputs, owner)``: the output tensor(s) and a dict node -> qualified
    name of the innermost module that created the node (the model's own ops map to no
    name and are left out). The model's buffers (e.g. BatchNorm running statistics)
    and the global random generator's state are restored afterwards, so drawing a
    model does not change it or the random stream of a run.
    """
    if not hasattr(model, "named_modules") or not hasattr(model, "register_forward_hook"):
        raise TypeError(f"draw_graph: model must be an nn.Module, got {type(model).__name__}")
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    names = {m: name for name, m in model.named_modules()}
    owner, pending, handles = {}, [], []

    def pre(module, a):
        pending.append(_nodes_from(_tensors(a)))

    def post(module, a, out):
        before = pending.pop()
        name = names[module]
        if name:
            for n in _nodes_from(_tensors(out), stop=before):
                owner.setdefault(n, name)

    buffers = [(m, k, b, b._data.copy()) for m in names
               for k, b in m.named_buffers(recurse=False)]
    rng = _random.default_generator()
    rng_state = rng.bit_generator.state
    try:
        for m in names:
            handles.append(m.register_forward_pre_hook(pre))
            handles.append(m.register_forward_hook(post))
        with enable_grad():
            out = model(*args)
            if loss_fn is not None:
                loss = loss_fn(out)
                out = loss if is_tensor(loss) else _tensors(loss)
    finally:
        for h in handles:
            h.remove()
        for m, k, b, saved in buffers:
            setattr(m, k, b)  # a forward may have replaced the buffer object
            if b._data.shape == saved.shape and b._data.flags.writeable:
                np.copyto(b._data, saved)
            else:
                b._data = saved
        rng.bit_generator.state = rng_state
    outs = _tensors(out)
    if not outs:
        raise TypeError("draw_graph: the model returned no Tensors")
    return outs if len(outs) > 1 else outs[0], owner
