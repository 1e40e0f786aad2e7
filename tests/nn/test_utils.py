"""nn.utils: gradient clipping, parameters <-> vector, L2/L1 penalties as taught."""
import math

import numpy as np
import pytest

import autograd_core as ac
import nn
from nn.utils import (clip_grad_norm_, clip_grad_value_, l1_penalty, l2_penalty,
                      parameters_to_vector, penalized_parameters, vector_to_parameters,
                      weight_decay_groups)


def _with_grads(*grads):
    ps = []
    for g in grads:
        p = nn.Parameter(ac.zeros(*np.shape(g)))
        p.grad = ac.tensor(np.array(g, dtype=np.float32))
        ps.append(p)
    return ps


def test_clip_grad_norm_scales_and_returns_norm():
    ps = _with_grads([3.0, 0.0], [[4.0]])
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert isinstance(total, ac.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), 5.0)
    np.testing.assert_allclose(ps[0].grad.numpy(), [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(ps[1].grad.numpy(), [[0.8]], rtol=1e-5)
    # already small: unchanged
    ps = _with_grads([0.3, 0.4])
    np.testing.assert_allclose(clip_grad_norm_(ps, 1.0).item(), 0.5, rtol=1e-6)
    np.testing.assert_allclose(ps[0].grad.numpy(), [0.3, 0.4])


def test_clip_grad_norm_types_and_edge_cases():
    ps = _with_grads([3.0, -4.0], [1.0])
    np.testing.assert_allclose(clip_grad_norm_(ps, 10, norm_type=1).item(), 8.0)
    np.testing.assert_allclose(clip_grad_norm_(ps, 10, norm_type=math.inf).item(), 4.0)
    single = _with_grads([6.0, 8.0])[0]
    np.testing.assert_allclose(clip_grad_norm_(single, 5.0).item(), 10.0)  # a lone Tensor
    np.testing.assert_allclose(single.grad.numpy(), [3.0, 4.0], rtol=1e-5)
    no_grad = nn.Parameter(ac.ones(2))
    assert clip_grad_norm_([no_grad], 1.0).item() == 0.0
    bad = _with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)) * 5, rng.normal(size=(4,))]
    ours = _with_grads(*grads)
    theirs = [torch.zeros(*g.shape, requires_grad=True) for g in grads]
    for t, g in zip(theirs, grads):
        t.grad = torch.tensor(g, dtype=torch.float32)
    for norm_type in (2.0, 1.0, 3.0, math.inf):
        a = clip_grad_norm_(ours, 2.0, norm_type).item()
        b = torch.nn.utils.clip_grad_norm_(theirs, 2.0, norm_type).item()
        np.testing.assert_allclose(a, b, rtol=1e-5)
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-5)


def test_clip_grad_value():
    ps = _with_grads([-3.0, 0.5, 2.0])
    clip_grad_value_(ps, 1.0)
    np.testing.assert_array_equal(ps[0].grad.numpy(), [-1.0, 0.5, 1.0])


def test_parameters_vector_round_trip():
    m = nn.Linear(3, 2)
    v = parameters_to_vector(m.parameters())
    assert v.shape == (8,)
    np.testing.assert_array_equal(v.numpy()[:6], m.weight.numpy().ravel())
    vector_to_parameters(ac.arange(8, dtype=ac.float32), m.parameters())
    np.testing.assert_array_equal(m.bias.numpy(), [6, 7])
    with pytest.raises(ValueError, match="8"):
        vector_to_parameters(ac.ones(5), m.parameters())
    # differentiable: the gradient of sum(v**2) is 2 * params
    v = parameters_to_vector(m.parameters())
    (v * v).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), 2 * m.weight.numpy())


def _net():
    return nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.PReLU(), nn.Maxout(5, 3, 2),
                         nn.Linear(3, 2))


def test_penalized_parameters_are_the_weights():
    net = _net()
    names = [n for n, _ in penalized_parameters(net)]
    assert names == ["0.weight", "3.linear.weight", "4.weight"]
    assert len(penalized_parameters(net, include_all=True)) == len(list(net.parameters()))


def test_l2_penalty_equals_course_formula_and_gradient():
    net = _net().double()
    lambd, m = 0.7, 32
    pen = l2_penalty(net, lambd, m)
    ws = [net[0].weight, net[3].linear.weight, net[4].weight]
    want = lambd / (2 * m) * sum((w.numpy() ** 2).sum() for w in ws)
    np.testing.assert_allclose(pen.item(), want, rtol=1e-12)
    pen.backward()
    for w in ws:  # dW += lambda / m * W
        np.testing.assert_allclose(w.grad.numpy(), lambd / m * w.numpy(), rtol=1e-12)
    assert net[0].bias.grad is None and net[1].weight.grad is None and net[2].weight.grad is None
    everything = l2_penalty(net, 1.0, include_all=True).item()
    np.testing.assert_allclose(everything, 0.5 * sum((p.numpy() ** 2).sum() for p in net.parameters()))


def test_l1_penalty():
    net = _net().double()
    pen = l1_penalty(net, 0.5, m=10)
    ws = [net[0].weight, net[3].linear.weight, net[4].weight]
    np.testing.assert_allclose(pen.item(), 0.05 * sum(np.abs(w.numpy()).sum() for w in ws))
    pen.backward()
    np.testing.assert_allclose(net[0].weight.grad.numpy(), 0.05 * np.sign(net[0].weight.numpy()))
    params = [nn.Parameter(ac.tensor([1.0, -2.0]))]
    np.testing.assert_allclose(l1_penalty(params, 2.0).item(), 6.0)
    with pytest.raises(ValueError, match="lambd"):
        l2_penalty(net, -1.0)
    with pytest.raises(ValueError, match="m"):
        l2_penalty(net, 1.0, m=0)


def test_l2_penalty_equals_sgd_weight_decay_step():
    """One plain gradient step on loss + l2_penalty(lambda, m) equals the step with
    dW + lambda/m * W on the weights only: the exact SGD weight_decay equivalence."""
    ac.manual_seed(0)
    net = _net().double()
    x, y = ac.randn(8, 4, dtype=ac.float64), ac.tensor(np.arange(8) % 2)
    lambd, m, lr = 0.3, 8, 0.1
    loss = nn.functional.cross_entropy(net(x), y)
    grads = ac.grad(loss, list(net.parameters()))
    total = nn.functional.cross_entropy(net(x), y) + l2_penalty(net, lambd, m)
    grads_reg = ac.grad(total, list(net.parameters()))
    groups = weight_decay_groups(net, lambd / m)
    decay = {id(p): g["weight_decay"] for g in groups for p in g["params"]}
    for p, g, gr in zip(net.parameters(), grads, grads_reg):
        manual = p.numpy() - lr * (g.numpy() + decay[id(p)] * p.numpy())
        np.testing.assert_allclose(p.numpy() - lr * gr.numpy(), manual, rtol=1e-12)
    assert sum(len(g["params"]) for g in groups) == len(list(net.parameters()))
