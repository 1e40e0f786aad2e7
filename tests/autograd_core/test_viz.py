"""Graph drawings: content of the DOT source, highlighting, deep graphs, truncation,
module clusters, and rendering (with Graphviz's `dot`, and the fallback without it)."""
import re
import shutil
import sys

import numpy as np
import pytest

import autograd_core as ac
import nn
from autograd_core.viz import GraphvizNotFoundWarning, draw_graph, save_graph


def _labels(src):
    """node id -> label text of every node statement in a DOT source."""
    out = {}
    for m in re.finditer(r'^\s*(\w+) \[label=("(?:[^"\\]|\\.)*"|\S+)', src, re.M):
        out[m.group(1)] = m.group(2).strip('"')
    return out


def _cluster_own_lines(src, name):
    """Lines directly inside ``subgraph cluster_<name>`` (not in clusters nested in it)."""
    lines = src.splitlines()
    heads = (f"subgraph cluster_{name} {{", f'subgraph "cluster_{name}" {{')
    start = next(i for i, l in enumerate(lines) if l.strip() in heads)
    own, depth = [], 0
    for l in lines[start + 1:]:
        if l.strip().startswith("subgraph "):
            depth += 1
        elif l.strip() == "}":
            if depth == 0:
                return own
            depth -= 1
        elif depth == 0:
            own.append(l)
    raise AssertionError("unbalanced DOT source")


def _op_names(node_roots):
    """Registered names of every node reachable from the given tensors."""
    names, stack, seen = [], [t.grad_fn for t in node_roots], set()
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        names.append(n.op_name)
        stack.extend(e[0] for e in n.edges if e is not None and e[0] is not None)
    return names


def _mlp():
    ac.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(5, 3))
    x = ac.randn(8, 6)
    y = ac.tensor(np.arange(8) % 3)
    return model, x, y


def test_mlp_drawing_has_every_op_and_named_parameter_with_shapes():
    model, x, y = _mlp()
    loss = nn.CrossEntropyLoss()(model(x), y)
    src = draw_graph(loss, params=dict(model.named_parameters())).source
    labels = _labels(src)
    ops = [lab for nid, lab in labels.items() if re.fullmatch(r"op\d+", nid)]
    assert sorted(ops) == sorted(_op_names([loss]))
    for name, p in model.named_parameters():
        shape = "(" + ", ".join(map(str, p.shape)) + ("," if p.ndim == 1 else "") + ")"
        assert any(lab == f"{name}\\n{shape}" for lab in labels.values()), name
    assert "0.weight\\n(5, 6)" in labels.values() and "4.bias\\n(3,)" in labels.values()
    # the data batch is drawn as a constant input with its shape, the loss as output
    assert "input\\n(8, 6)" in labels.values()
    assert "output\\n()" in labels.values()
    # a Module works as params too
    assert draw_graph(loss, params=model).source.count("0.weight") == 1


def test_roles_have_distinct_colours_and_legend():
    W = ac.randn(4, 3, requires_grad=True)
    x = ac.randn(2, 4)
    out = (x @ W).tanh()
    src = draw_graph(out, params={"W": W}, legend=True).source
    assert re.search(r'label="W\\n\(4, 3\)" fillcolor=lightblue', src)
    assert re.search(r'label="input\\n\(2, 4\)" fillcolor=lightyellow', src)
    assert re.search(r'label="output\\n\(2, 3\)" fillcolor=darkolivegreen1', src)
    assert re.search(r'label="saved output\\n\(2, 3\)" fillcolor=orange', src)  # tanh keeps y
    assert "cluster_legend" in src


def test_saved_arrays_disappear_after_backward_but_structure_stays():
    W = ac.randn(4, 3, requires_grad=True)
    out = (ac.randn(2, 4) @ W).sum()
    before = draw_graph(out).source
    out.backward()
    after = draw_graph(out).source
    assert "saved" in before and "saved" not in after
    assert "matmul" in after and "sum" in after


def test_show_options_values_grads_dtypes():
    a = ac.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (a * a).sum()
    loss.backward(retain_graph=True)
    src = draw_graph(loss, params={"a": a}, show_values=True, show_grads=True,
                     show_dtypes=True).source
    assert "min 1 mean 2 max 3" in src  # a's value
    assert "grad: min 2 mean 4 max 6 norm 7.48" in src  # 2a, |2a| = sqrt(56)
    assert "float32" in src
    plain = draw_graph(loss, params={"a": a}, show_shapes=False).source
    assert "(3,)" not in plain and "grad:" not in plain and "mean" not in plain


def test_nan_and_inf_are_highlighted_red():
    a = ac.tensor([1.0, -1.0, 0.0], requires_grad=True)
    out = a.log()  # log(-1) = NaN, log(0) = -Inf
    with np.errstate(all="ignore"):
        src = draw_graph(out, params={"a": a}).source
    line = next(l for l in src.splitlines() if "output" in l and "label" in l)
    assert "color=red" in line and "NaN x1" in line and "Inf x1" in line
    a_line = next(l for l in src.splitlines() if 'label="a' in l)
    assert "color=red" not in a_line
    # a NaN gradient is highlighted on the leaf
    b = ac.tensor([0.0], requires_grad=True)
    with np.errstate(all="ignore"):
        (b.sqrt() * 0.0).sum().backward(retain_graph=True)  # 0 * Inf = NaN
    assert np.isnan(b.grad.numpy()).all()
    b_line = next(l for l in draw_graph(b.sqrt(), params={"b": b}).source.splitlines()
                  if 'label="b' in l)
    assert "color=red" in b_line and "grad:" in b_line


def test_ten_thousand_node_chain_draws_without_recursion():
    x = ac.ones(2, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(500)  # a recursive walk would die long before 10,000
    try:
        full = draw_graph(y, max_nodes=None, show_saved=False).source
        cut = draw_graph(y, max_nodes=100).source
    finally:
        sys.setrecursionlimit(old)
    assert len(re.findall(r"^\s*op\d+ \[", full, re.M)) == 10_000
    assert len(re.findall(r"^\s*op\d+ \[", cut, re.M)) == 100
    assert '"... 9900 more ops"' in cut
    assert re.search(r"more -> op99\b", cut)


def test_multiple_outputs_and_leaf_output():
    a = ac.randn(3, requires_grad=True)
    s, p = a.sum(), (a * 2.0).sum()
    src = draw_graph([s, p, a], params={"a": a}).source
    assert src.count("output") >= 2
    assert len(re.findall(r"\[label=sum ", src)) == 2


def test_bad_arguments():
    a = ac.randn(2, requires_grad=True)
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(a, rankdir="XY")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(a, max_nodes=0)
    with pytest.raises(TypeError, match="Tensors"):
        draw_graph([a, 3])
    with pytest.raises(ValueError, match="group_by_module"):
        draw_graph(a, group_by_module=True)
    with pytest.raises(ValueError, match="nothing to draw"):
        draw_graph()


def test_group_by_module_clusters_and_no_side_effects():
    model, x, y = _mlp()
    bn = model[1]
    mean_before = bn.running_mean.numpy().copy()
    state = ac.random.default_generator().bit_generator.state
    dot = draw_graph(model=model, input=x, loss_fn=lambda out: nn.functional.cross_entropy(out, y),
                     group_by_module=True)
    src = dot.source
    for name in ("0", "1", "2", "3", "4"):
        assert _cluster_own_lines(src, name)
    # the Linear's op sits in cluster 0 together with its weight
    c0 = "\n".join(_cluster_own_lines(src, "0"))
    assert "0.weight" in c0 and "0.bias" in c0
    assert re.search(r"label=(linear|matmul|addmm)", c0)
    assert "running" not in c0 and "label=relu" in "\n".join(_cluster_own_lines(src, "2"))
    # the loss ops belong to no module
    top = src[:src.index("subgraph cluster_")]
    assert "output" in top
    # drawing changed neither the running statistics nor the random stream
    np.testing.assert_array_equal(bn.running_mean.numpy(), mean_before)
    assert ac.random.default_generator().bit_generator.state == state


def test_group_by_module_nested_and_container_ops():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 4)
            self.bn = nn.BatchNorm1d(4)

        def forward(self, x):
            return self.bn(self.linear(x)) + x  # the residual add belongs to the block

    model = nn.Sequential(Block(), Block())
    src = draw_graph(model=model, input=ac.randn(5, 4), group_by_module=True).source
    for name in ("0", "0.linear", "0.bn", "1", "1.linear", "1.bn"):
        assert _cluster_own_lines(src, name)
    # nested: 0.linear's cluster sits inside 0's, and the clusters come in module order
    assert src.index('subgraph "cluster_0.linear"') < src.index("subgraph cluster_1 {")
    assert src.index("subgraph cluster_0 {") < src.index('subgraph "cluster_0.linear"')
    assert "label=add" in "\n".join(_cluster_own_lines(src, "0"))
    assert "label=add" not in "\n".join(_cluster_own_lines(src, "0.bn"))
    assert "0.linear.weight" in "\n".join(_cluster_own_lines(src, "0.linear"))


def test_save_graph_renders_with_dot(tmp_path):
    if not shutil.which("dot"):
        pytest.skip("Graphviz `dot` not installed")
    a = ac.randn(3, requires_grad=True)
    dot = draw_graph((a * a).sum())
    svg = save_graph(dot, tmp_path / "g.svg")
    assert svg == tmp_path / "g.svg" and svg.read_text().lstrip().startswith("<?xml")
    assert "<svg" in svg.read_text()
    png = save_graph(dot, tmp_path / "g", format="png")
    assert png.name == "g.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = save_graph(dot, tmp_path / "g.pdf")
    assert pdf.read_bytes()[:4] == b"%PDF"
    src = save_graph(dot, tmp_path / "g.dot")
    assert src.read_text().startswith("digraph")


def test_save_graph_without_dot_writes_source_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert shutil.which("dot") is None
    dot = draw_graph((ac.randn(3, requires_grad=True) * 2.0).sum())
    with pytest.warns(GraphvizNotFoundWarning, match="apt-get install graphviz"):
        out = save_graph(dot, tmp_path / "g.svg")
    assert out == tmp_path / "g.dot" and out.read_text() == dot.source
    assert not (tmp_path / "g.svg").exists()
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        save_graph(dot, tmp_path / "h.png", strict=True)
    assert (tmp_path / "h.dot").exists()
    with pytest.raises(ValueError, match="format"):
        save_graph(dot, tmp_path / "g.jpg")
