"""Drawings of the recorded graph behind tensors (graphviz).

``draw_graph(loss, params=model)`` returns a ``graphviz.Digraph`` (shown inline in
Jupyter); ``save_graph(dot, "graph.svg")`` renders it with Graphviz's ``dot``, or saves
the DOT source where ``dot`` is not installed.

What is drawn: op nodes (rounded boxes) labelled with the op's registered name, and
tensor nodes (ellipses) for parameters (named), other leaves and constant inputs,
intermediate results, the requested outputs and, with ``show_saved``, the arrays each
op keeps for backward (dashed links). Colours tell the roles apart (``legend=True``
draws the key); a value or gradient containing NaN/Inf is drawn red.

The walk over the graph is iterative (breadth-first from the outputs), so chains of
any length draw without recursion; past ``max_nodes`` op nodes the rest of the graph
becomes one "... N more" node.
"""
import shutil
import warnings
from collections import deque
from pathlib import Path

import graphviz

from ._viz_dot import COLORS, Drawing, shape_text, stats
from ._viz_dot import legend as _draw_legend
from .tensor_type import is_tensor

__all__ = ["draw_graph", "save_graph", "GraphvizNotFoundWarning", "COLORS"]

INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH, so only the DOT source was saved. "
    "Install Graphviz to render SVG/PNG/PDF: `sudo apt-get install graphviz` (Debian/"
    "Ubuntu), `brew install graphviz` (macOS), `conda install graphviz`, or see "
    "https://graphviz.org/download/. The .dot file renders with `dot -Tsvg FILE -o out.svg`."
)


class GraphvizNotFoundWarning(UserWarning):
    """``save_graph`` fell back to writing DOT source because ``dot`` is missing."""


# -- the walk -------------------------------------------------------------------------------
def _as_outputs(outputs):
    if is_tensor(outputs):
        return [outputs]
    if isinstance(outputs, dict):
        outputs = list(outputs.values())
    outs = list(outputs)
    for o in outs:
        if not is_tensor(o):
            raise TypeError(f"draw_graph: outputs must be Tensors, got {type(o).__name__}")
    if not outs:
        raise ValueError("draw_graph: no output tensors given")
    return outs


def _param_names(params):
    """id(tensor) -> (name, tensor) from a dict, a Module or (name, tensor) pairs."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = dict(params.named_parameters())
    items = params.items() if isinstance(params, dict) else params
    out = {}
    for name, t in items:
        if not is_tensor(t):
            raise TypeError(f"draw_graph: parameter {name!r} is not a Tensor ({type(t).__name__})")
        out[id(t)] = (str(name), t)
    return out


def _saved_title(node, kind, k):
    """'saved output', 'saved input 1' or 'saved' (a constant the op made, or an input
    that needs no gradient)."""
    if kind == "output":
        return "saved output" if node.n_outputs == 1 else f"saved output {k}"
    if kind == "input" and node.edges[k] is not None:
        return f"saved input {k}"
    return "saved"


def _reachable(roots):
    """Every node reachable from ``roots``, breadth-first (nearest the outputs first)."""
    order, seen = [], set(roots)
    queue = deque(roots)
    while queue:
        node = queue.popleft()
        order.append(node)
        for e in node.edges:
            if e is not None and e[0] is not None and e[0] not in seen:
                seen.add(e[0])
                queue.append(e[0])
    return order

# -- public -----------------------------------------------------------------------------------
def draw_graph(outputs=None, params=None, show_shapes=True, show_dtypes=False,
               show_values=False, show_grads=False, rankdir="TB", max_nodes=2000,
               group_by_module=False, *, model=None, input=None, loss_fn=None,
               show_saved=True, legend=False):
    """Draw the graph recorded behind ``outputs`` (a Tensor or a sequence of Tensors).

    Args:
        params: names for leaf tensors: ``dict(model.named_parameters())``, a Module, or
            (name, tensor) pairs.
        show_shapes / show_dtypes: put each tensor's shape / dtype in its label.
        show_values: min/mean/max of a tensor's value where it is still known (leaves,
            outputs, arrays saved for backward; others are not kept by the graph).
        show_grads: min/mean/max and norm of ``.grad`` (leaves, and tensors that called
            ``retain_grad()``) after a backward.
        rankdir: Graphviz layout direction ('TB', 'LR', 'BT', 'RL').
        max_nodes: at most this many op nodes (None: no limit); the rest is one
            "... N more" node.
        group_by_module, model, input, loss_fn: instead of ``outputs``, pass ``model`` and
            ``input`` (a Tensor or a tuple of them): the forward is run again (without
            changing the model's buffers or the global random state) and, with
            ``group_by_module=True``, every op is drawn inside a cluster named after the
            innermost module that ran it (``0.linear``, ``1.bn``); parameters sit in
            their module's cluster. ``loss_fn(output)`` adds a loss to the drawing.
        show_saved: draw the arrays each op saved for backward (freed after backward).
        legend: add a key of the colours.

    Returns a ``graphviz.Digraph``; ``save_graph`` writes it to a file.
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"draw_graph: rankdir must be 'TB', 'LR', 'BT' or 'RL', got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    owner = {}
    if model is not None:
        if outputs is not None:
            raise ValueError("draw_graph: pass either outputs or model= and input=, not both")
        if input is None:
            raise ValueError("draw_graph: model= needs input= (the forward is run to draw it)")
        from ._module_trace import trace_modules  # local: only needed for model drawings
        outputs, owner = trace_modules(model, input, loss_fn)
        if params is None:
            params = model
    elif group_by_module:
        raise ValueError(
            "draw_graph: group_by_module=True needs model= and input= (the forward is run "
            "again to see which module creates each op)"
        )
    elif outputs is None:
        raise ValueError("draw_graph: nothing to draw: pass outputs, or model= and input=")
    outs = _as_outputs(outputs)
    names = _param_names(params)
    if not group_by_module:
        owner = {}
    opts = dict(show_shapes=show_shapes, show_dtypes=show_dtypes,
                show_values=show_values, show_grads=show_grads)
    d = Drawing(opts)

    roots = []
    for t in outs:
        if t.grad_fn is not None and t.grad_fn not in roots:
            roots.append(t.grad_fn)
    order = _reachable(roots)
    limit = len(order) if max_nodes is None else max_nodes
    drawn = order[:limit]
    op_id = {n: f"op{k}" for k, n in enumerate(drawn)}
    hidden = len(order) - len(drawn)
    more_id = None
    if hidden:
        more_id = d.node("more", [f"... {hidden} more op{'s' if hidden != 1 else ''}"],
                         "more", shape="note", style="dashed")

    # values and grads the graph still knows for intermediate results
    values, grads = {}, {}
    for n in drawn:
        for a, kind, k in n.saved or ():
            if kind == "output":
                values[(n, k)] = a
            elif kind == "input" and n.edges[k] is not None and n.edges[k][0] is not None:
                values[n.edges[k]] = a
        for i, ref in (getattr(n, "_retained", None) or {}).items():
            t = ref()
            if t is not None and t.grad is not None:
                grads[(n, i)] = t.grad._data
    out_role = {}
    for t in outs:
        key = (t.grad_fn, t._out_index) if t.grad_fn is not None else id(t)
        out_role[key] = t
        if t.grad_fn is not None:
            values[key] = t._data
            if t.grad is not None:
                grads[key] = t.grad._data

    module_groups = set(owner.values())

    def leaf_node(t):
        nid = f"leaf{id(t)}"
        if nid in d.made:
            return nid
        name, _ = names.get(id(t), (None, None))
        if id(t) in out_role:
            role = "output"
        else:
            role = "param" if name is not None else "input"
        g = None
        if name is not None and "." in name and name.rsplit(".", 1)[0] in module_groups:
            g = name.rsplit(".", 1)[0]
        grad = t.grad._data if t.grad is not None else None
        title = name if name is not None else ("output" if role == "output" else "leaf")
        return d.node(nid, d.tensor_lines(title, t.shape, t.dtype, t._data, grad), role,
                      group=g, values=t._data, grad=grad)

    def result_node(n, i):
        nid = f"{op_id[n]}_out{i}"
        if nid in d.made:
            return nid
        shape, dtype = n.output_meta[i]
        key = (n, i)
        role = "output" if key in out_role else "intermediate"
        v, g = values.get(key), grads.get(key)
        title = "output" if role == "output" else None
        if title and n.n_outputs > 1:
            title += f" {i}"
        d.node(nid, d.tensor_lines(title, shape, dtype, v, g), role, group=owner.get(n),
               values=v, grad=g)
        d.edge(op_id[n], nid)
        return nid

    saved_links = set()
    for n in drawn:
        oid = op_id[n]
        d.node(oid, [n.op_name], "op", group=owner.get(n), shape="box", style="filled,rounded")
        for i, e in enumerate(n.edges):
            if e is None:
                shape, dtype = n.input_meta[i]
                cid = d.node(f"{oid}_in{i}", d.tensor_lines("input", shape, dtype, None, None),
                             "input", group=owner.get(n), style="filled,dashed")
                d.edge(cid, oid)
            elif e[0] is None:
                d.edge(leaf_node(e[1]), oid)
            elif e[0] in op_id:
                d.edge(result_node(e[0], e[1]), oid)
            else:
                d.edge(more_id, oid, style="dashed")
        if show_saved:
            # one node per saved array, linked to every op that holds it (the same
            # array saved twice costs memory once)
            for a, kind, k in n.saved or ():
                lines = [_saved_title(n, kind, k)]
                if show_shapes:
                    lines.append(shape_text(a.shape))
                if show_values:
                    lines.append(stats(a))
                sid = f"saved{id(a)}"
                link = (sid, oid)
                if link in saved_links:
                    continue
                saved_links.add(link)
                d.node(sid, lines, "saved", group=owner.get(n), values=a,
                       shape="box", fontsize="10")
                d.edge(sid, oid, style="dashed", dir="none", color="darkorange")
    for t in outs:
        if t.grad_fn is None:
            leaf_node(t)
        elif t.grad_fn in op_id:
            result_node(t.grad_fn, t._out_index)

    dot = graphviz.Digraph(name="autograd_graph", graph_attr={"rankdir": rankdir},
                           node_attr={"fontname": "Helvetica", "fontsize": "11"},
                           edge_attr={"arrowsize": "0.7"})
    d.emit(dot)
    if legend:
        _draw_legend(dot)
    return dot


def save_graph(dot, path, format=None, strict=False):
    """Render ``dot`` (a ``graphviz.Digraph``) to ``path``; returns the path written.

    ``format`` is 'svg', 'png' or 'pdf' (default: from the suffix of ``path``, else
    'svg'; a missing suffix is added); 'dot' or 'gv' write the DOT source. Where
    Graphviz's ``dot`` program is missing, the DOT source is written next to it (suffix
    ``.dot``) and a ``GraphvizNotFoundWarning`` says how to install Graphviz; with
    ``strict=True`` a ``RuntimeError`` is raised instead (after saving the source).
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    if fmt not in ("svg", "png", "pdf", "dot", "gv"):
        raise ValueError(f"save_graph: format must be 'svg', 'png', 'pdf' or 'dot', got {fmt!r}")
    if path.suffix.lstrip(".").lower() != fmt:
        path = path.with_name(path.name + "." + fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("dot", "gv"):
        path.write_text(dot.source, encoding="utf-8")
        return path
    if shutil.which("dot") is not None:
        try:
            data = dot.pipe(format=fmt)
        except graphviz.ExecutableNotFound:
            pass
        except graphviz.CalledProcessError as e:
            err = (e.stderr or b"").decode(errors="replace").strip()
            raise RuntimeError(f"save_graph: Graphviz failed to render {path}: {err}") from None
        else:
            path.write_bytes(data)
            return path
    src = path.with_suffix(".dot")
    src.write_text(dot.source, encoding="utf-8")
    msg = f"save_graph: could not render {path.name}; wrote {src} instead. {INSTALL_HINT}"
    if strict:
        raise RuntimeError(msg)
    warnings.warn(msg, GraphvizNotFoundWarning, stacklevel=2)
    return src
