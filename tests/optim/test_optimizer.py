"""The Optimizer base: param groups, defaults, state keyed by parameter, zero_grad,
step/closure semantics, version counters, argument errors."""
import numpy as np
import pytest

import autograd_core as ac
import optim


def leaf(values, dtype=ac.float64):
    return ac.tensor(values, dtype=dtype, requires_grad=True)


class MyParam(ac.Tensor):
    """Stands in for nn.Parameter: a Tensor subclass."""


# -- constructing ---------------------------------------------------------------------

def test_params_may_be_a_generator_of_tensor_subclasses():
    ps = [MyParam(np.ones(3), requires_grad=True) for _ in range(2)]
    opt = optim.SGD((p for p in ps), lr=0.1)
    assert len(opt.param_groups) == 1
    got = opt.param_groups[0]["params"]
    assert isinstance(got, list) and len(got) == 2 and all(a is b for a, b in zip(got, ps))
    for p in ps:
        p.grad = ac.tensor(np.ones(3))
    opt.step()
    np.testing.assert_allclose(ps[1].numpy(), 0.9)


def test_groups_get_defaults_and_their_own_options():
    a, b = leaf([1.0]), leaf([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    g0, g1 = opt.param_groups
    assert g0["lr"] == 0.1 and g0["momentum"] == 0 and g0["nesterov"] is False
    assert g1["lr"] == 0.5 and g1["momentum"] == 0.9 and g1["params"][0] is b
    a.grad, b.grad = ac.tensor([1.0], dtype=ac.float64), ac.tensor([1.0], dtype=ac.float64)
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5])  # per-group lr


def test_per_group_lr_with_adam():
    a, b = leaf([0.0]), leaf([0.0])
    opt = optim.Adam([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.01}])
    a.grad, b.grad = ac.tensor([2.0], dtype=ac.float64), ac.tensor([2.0], dtype=ac.float64)
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [-0.1, -0.01], rtol=1e-7)


def test_named_parameters():
    a, b = leaf([1.0]), leaf([2.0])
    opt = optim.SGD([("w", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_empty_parameter_list():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)


@pytest.mark.parametrize("params, exc, msg", [
    (lambda: leaf([1.0]), TypeError, "single Tensor"),
    (lambda: {"params": [leaf([1.0])]}, TypeError, "dict"),
    (lambda: [{"params": {leaf([1.0])}}], TypeError, "ordered collections"),
    (lambda: [np.ones(2)], TypeError, "can only optimize Tensors"),
    (lambda: [leaf([1.0]) * 2], ValueError, "non-leaf"),
    (lambda: [{"lr": 0.1}], ValueError, "'params'"),
])
def test_bad_params(params, exc, msg):
    with pytest.raises(exc, match=msg):
        optim.SGD(params(), lr=0.1)


def test_parameter_twice_in_a_group():
    p = leaf([1.0])
    with pytest.raises(ValueError, match="repeats"):
        optim.SGD([p, p], lr=0.1)


def test_parameter_in_two_groups():
    p, q = leaf([1.0]), leaf([1.0])
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p, q]}, {"params": [q]}], lr=0.1)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [q, p]})
    assert len(opt.param_groups) == 1  # nothing added


def test_add_param_group_fills_defaults_and_steps():
    p, q = leaf([1.0]), leaf([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": q, "lr": 1.0})
    g = opt.param_groups[1]
    assert g["momentum"] == 0.5 and g["lr"] == 1.0
    assert len(g["params"]) == 1 and g["params"][0] is q
    q.grad = ac.tensor([1.0], dtype=ac.float64)
    opt.step()
    np.testing.assert_allclose(q.item(), 0.0)
    assert p.item() == 1.0  # no grad: untouched


def test_bad_option_in_a_group_names_it():
    with pytest.raises(ValueError, match="lr .*param group 1"):
        optim.SGD([{"params": [leaf([1.0])]}, {"params": [leaf([1.0])], "lr": -1}], lr=0.1)
    opt = optim.Adam([leaf([1.0])])
    with pytest.raises(ValueError, match=r"betas\[1\].*param group 1"):
        opt.add_param_group({"params": [leaf([1.0])], "betas": (0.9, 1.5)})
    assert len(opt.param_groups) == 1


def test_required_default():
    class Custom(optim.Optimizer):
        def __init__(self, params, lr=optim.required):
            super().__init__(params, dict(lr=lr))

    with pytest.raises(ValueError, match="required optimization parameter lr"):
        Custom([leaf([1.0])])
    assert Custom([{"params": [leaf([1.0])], "lr": 0.1}]).param_groups[0]["lr"] == 0.1


# -- state ----------------------------------------------------------------------------

def test_state_is_lazy_and_keyed_by_the_parameter():
    a, b = leaf([1.0, 2.0]), leaf([3.0])
    opt = optim.Adam([a, b], lr=0.1)
    assert len(opt.state) == 0
    a.grad = ac.tensor([1.0, 1.0], dtype=ac.float64)
    opt.step()
    assert len(opt.state) == 1 and next(iter(opt.state)) is a
    assert b not in opt.state  # b had no grad: no state
    assert all(isinstance(k, ac.Tensor) for k in opt.state)
    assert isinstance(opt.state[a]["exp_avg"], ac.Tensor)
    assert opt.state[a]["exp_avg"].shape == (2,)
    assert b.item() == 3.0


def test_params_without_grad_are_skipped():
    a, b = leaf([1.0]), leaf([1.0])
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad = ac.tensor([1.0], dtype=ac.float64)
    v_a, v_b = a._version[0], b._version[0]
    opt.step()
    assert b.item() == 1.0 and b._version[0] == v_b and a._version[0] == v_a + 1


# -- zero_grad ------------------------------------------------------------------------

def test_zero_grad_to_none():
    p = leaf([1.0, 2.0])
    (p * p).sum().backward()
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad()
    assert p.grad is None


def test_zero_grad_in_place():
    p = leaf([1.0, 2.0])
    (p * p).sum().backward()
    g = p.grad
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and np.all(g.numpy() == 0) and not g.requires_grad
    (p * p).sum().backward()  # accumulates from zero
    np.testing.assert_allclose(p.grad.numpy(), [2.0, 4.0])


# -- step -----------------------------------------------------------------------------

def test_step_writes_in_place_without_recording():
    p = leaf([1.0, 2.0])
    arr = p._data
    (p * 3).sum().backward()
    opt = optim.SGD([p], lr=0.1)
    with ac.enable_grad():
        opt.step()
    assert p._data is arr and p.grad_fn is None and p.is_leaf and p.requires_grad
    np.testing.assert_allclose(p.numpy(), [0.7, 1.7])


def test_step_bumps_the_version_so_stale_graphs_fail():
    p = leaf([1.0, 2.0])
    y = (p * p).sum()  # saves p
    p.grad = ac.tensor([1.0, 1.0], dtype=ac.float64)
    before = p._version[0]
    optim.SGD([p], lr=0.1).step()
    assert p._version[0] == before + 1
    with pytest.raises(RuntimeError, match="version"):
        y.backward()


def test_closure_is_evaluated_with_grad_enabled_and_returned():
    p = leaf([1.0, -1.0])
    opt = optim.SGD([p], lr=0.1)
    calls = []

    def closure():
        calls.append(ac.is_grad_enabled())
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ac.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert loss.item() == 2.0  # the value before the update
    np.testing.assert_allclose(p.numpy(), [0.8, -0.8])  # updated with the closure's grads
    assert opt.step() is None


def test_grad_shape_mismatch_raises_before_any_update():
    a, b = leaf([1.0, 2.0]), leaf([1.0, 2.0, 3.0])
    opt = optim.Adam([{"params": [a]}, {"params": [b]}], lr=0.1)
    a.grad = ac.tensor([1.0, 1.0], dtype=ac.float64)
    b.grad = ac.tensor([1.0, 1.0], dtype=ac.float64)
    with pytest.raises(ValueError, match=r"parameter 0 in param group 1.*\(2,\).*\(3,\)"):
        opt.step()
    np.testing.assert_allclose(a.numpy(), [1.0, 2.0])  # group 0 untouched too
    assert len(opt.state) == 0


def test_read_only_parameter_raises():
    p = ac.Tensor(np.broadcast_to(np.ones(1), (3,)), requires_grad=True)
    p.grad = ac.tensor([1.0, 1.0, 1.0], dtype=ac.float64)
    with pytest.raises(ValueError, match="read-only"):
        optim.SGD([p], lr=0.1).step()


def test_non_contiguous_parameter_and_gradient():
    base = np.arange(12.0).reshape(3, 4)
    p = ac.Tensor(base.T, requires_grad=True)  # a transposed view: updated in place
    g = np.asfortranarray(np.ones((4, 3)))
    p.grad = ac.Tensor(g)
    opt = optim.Adam([p], lr=0.1)
    opt.step()
    np.testing.assert_allclose(p.numpy(), np.arange(12.0).reshape(3, 4).T - 0.1, rtol=1e-7)
    np.testing.assert_allclose(base, np.arange(12.0).reshape(3, 4) - 0.1, rtol=1e-7)


def test_gradient_of_another_dtype_is_cast():
    p = leaf([1.0, 2.0], dtype=ac.float32)
    p.grad = ac.tensor([1.0, 1.0], dtype=ac.float64)
    optim.SGD([p], lr=0.5).step()
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.numpy(), [0.5, 1.5])


def test_repr_lists_groups():
    r = repr(optim.SGD([leaf([1.0])], lr=0.25))
    assert r.startswith("SGD (") and "Parameter Group 0" in r and "lr: 0.25" in r
