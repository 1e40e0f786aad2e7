"""What both backward walks share: delivering a gradient to a leaf (``.grad``, leaf hooks,
``grad()`` captures), output hooks and retained grads of a node, the freed-graph error.
Split from ``engine.py`` so the Tensor walk (there) and the array walk
(``engine_arrays.py``) can both use it without importing each other."""
import numpy as np

from .grad_mode import STATE
from .kernels.buffers import owns_data  # a pooled result owns its block alone


def _freed(node):
    return RuntimeError(
        f"Trying to backward through the graph a second time (in "
        f"{node.op_name}): its saved values were freed by the first backward. "
        "Specify retain_graph=True on the first backward (or autograd.grad) call "
        "if you need to backward through the graph a second time."
    )


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


def _to_leaf(leaf, g, create_graph, handed, capture, raw=False):
    """Deliver gradient ``g`` (a Tensor; an ndarray when ``raw``) to ``leaf``."""
    if raw:
        if leaf._hooks is None and capture is None:
            # the common case, on arrays: no Tensor for the gradient until it is .grad
            grad = leaf.grad
            if grad is None:
                if id(g) in handed or not owns_data(g) or not g.flags.writeable:
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
            if id(arr) in handed or not owns_data(arr) or not arr.flags.writeable:
                arr = arr.copy()
            handed.add(id(arr))
            g = leaf._make(arr)
        leaf.grad = g
    else:
        leaf.grad = leaf.grad + g if create_graph else leaf._make(leaf.grad._data + g._data)
