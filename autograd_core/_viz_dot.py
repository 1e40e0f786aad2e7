"""DOT-building pieces of the graph drawing: colours, value summaries, the node/edge
collector that emits (nested) module clusters, and the legend. ``viz.draw_graph`` walks
the graph and feeds them."""
import graphviz
import numpy as np

__all__ = ["COLORS", "shape_text", "nonfinite", "stats", "Drawing", "legend"]

COLORS = {
    "op": "lightgrey",
    "param": "lightblue",
    "input": "lightyellow",
    "output": "darkolivegreen1",
    "intermediate": "white",
    "saved": "orange",
    "more": "white",
    "nonfinite": "#ff9999",
}


# -- summaries ----------------------------------------------------------------------------
def shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def nonfinite(a):
    """(nan count, inf count) of an array (0, 0 for non-float arrays)."""
    if a is None or a.dtype.kind not in "fc" or a.size == 0:
        return 0, 0
    fin = np.isfinite(a)
    if fin.all():
        return 0, 0
    nan = int(np.isnan(a).sum())
    return nan, int(a.size - fin.sum() - nan)


def stats(a, norm=False):
    """'min 0.1 mean 0.5 max 2' (+ norm, + NaN/Inf counts) for an array."""
    if a.size == 0:
        return "empty"
    x = a.astype(np.float64, copy=False)
    nan, inf = nonfinite(a)
    fin = x[np.isfinite(x)] if nan or inf else x
    parts = []
    if fin.size:
        parts.append(f"min {fin.min():.3g} mean {fin.mean():.3g} max {fin.max():.3g}")
        if norm:
            parts.append(f"norm {np.sqrt(np.sum(fin * fin)):.3g}")
    if nan:
        parts.append(f"NaN x{nan}")
    if inf:
        parts.append(f"Inf x{inf}")
    return " ".join(parts)


class Drawing:
    """Collects nodes (with their module group) and edges, then emits a Digraph."""

    def __init__(self, opts):
        self.o = opts
        self.nodes = []  # (group, id, label, attrs)
        self.edges = []  # (tail, head, attrs)
        self.made = set()

    def node(self, nid, lines, role, group=None, values=None, grad=None, **attrs):
        if nid in self.made:
            return nid
        self.made.add(nid)
        bad = sum(nonfinite(values)) + sum(nonfinite(grad))
        style = attrs.pop("style", "filled")
        attrs = {"style": style, "fillcolor": COLORS[role], **attrs}
        if bad:
            attrs.update(fillcolor=COLORS["nonfinite"], color="red", penwidth="2.5",
                         fontcolor="black")
        label = "\\n".join(lines)
        self.nodes.append((group, nid, graphviz.nohtml(label), attrs))
        return nid

    def tensor_lines(self, title, shape, dtype, values, grad):
        o = self.o
        lines = [title] if title else []
        if o["show_shapes"]:
            lines.append(shape_text(shape))
        if o["show_dtypes"]:
            lines.append(str(np.dtype(dtype)))
        if o["show_values"] and values is not None:
            lines.append(stats(values))
        elif values is not None and sum(nonfinite(values)):
            lines.append("value: " + stats(values))
        if grad is not None and (o["show_grads"] or sum(nonfinite(grad))):
            lines.append("grad: " + stats(grad, norm=True))
        return lines

    def edge(self, tail, head, **attrs):
        self.edges.append((tail, head, attrs))

    def emit(self, dot):
        groups = {}
        for g, nid, label, attrs in self.nodes:
            groups.setdefault(g, []).append((nid, label, attrs))
        for nid, label, attrs in groups.pop(None, []):
            dot.node(nid, label, **attrs)
        _emit_clusters(dot, groups)
        for tail, head, attrs in self.edges:
            dot.edge(tail, head, **attrs)


def _natural(name):
    """Sort key: '2' before '10', 'block.2' before 'block.10'."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in name.split(".")]


def _emit_clusters(dot, groups):
    """Nested clusters: a module's cluster holds its submodules' clusters."""
    names = set(groups)
    for g in list(groups):  # ancestors with no nodes of their own still nest
        parts = g.split(".")
        names.update(".".join(parts[:k]) for k in range(1, len(parts)))
    children = {}
    for n in sorted(names, key=_natural):
        parent = max((p for p in names if n.startswith(p + ".")), key=len, default=None)
        children.setdefault(parent, []).append(n)
    subs = {}
    for name in names:
        sub = subs[name] = graphviz.Digraph(name="cluster_" + name)
        sub.attr(label=name, style="rounded,dashed", color="gray40", fontcolor="gray25")
        for nid, label, attrs in groups.get(name, []):
            sub.node(nid, label, **attrs)
    # a subgraph's body is copied when it is attached, so attach the deepest first
    for name in sorted(names, key=lambda n: -n.count(".")):
        for c in children.get(name, []):
            subs[name].subgraph(subs[c])
    for c in children.get(None, []):
        dot.subgraph(subs[c])


def legend(dot):
    with dot.subgraph(name="cluster_legend") as c:
        c.attr(label="legend", style="rounded", color="gray60")
        roles = ["param", "input", "intermediate", "output", "saved", "nonfinite"]
        for r in roles:
            c.node("legend_" + r, r if r != "nonfinite" else "NaN / Inf", style="filled",
                   fillcolor=COLORS[r], color="red" if r == "nonfinite" else "black",
                   shape="box" if r == "saved" else "ellipse")
        c.node("legend_op", "op", shape="box", style="filled,rounded", fillcolor=COLORS["op"])
        for a, b in zip(["op"] + roles, roles):
            c.edge("legend_" + a, "legend_" + b, style="invis")
