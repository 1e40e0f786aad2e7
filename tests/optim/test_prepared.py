"""The per-parameter preparation cache (``Optimizer._prepare``): whatever replaces a
parameter's array, its state dict or a state buffer between steps must be seen, so
every trajectory here equals a run that never cached (PyTorch, or a fresh optimizer
built from the state at that point)."""
import copy

import numpy as np
import pytest

import autograd_core as ac
import optim

from ._helpers import SHAPES, arrays, assert_trajectories, grad_seq, params

torch = pytest.importorskip("torch")

CASES = [
    ("Adam", dict(lr=1e-2, weight_decay=0.1)),
    ("Adam", dict(lr=1e-2, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.01)),
    ("RMSprop", dict(lr=1e-2, momentum=0.5, centered=True)),
    ("RMSprop", dict(lr=1e-2)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
]
IDS = [f"{n}-{'-'.join(k)}" for n, k in CASES]


def drive(ours, theirs, ps, ts, grads, between=None):
    """Step both optimizers on the same gradients; ``between(k)`` runs before step k
    (on both sides). Returns both trajectories."""
    a, b = [], []
    for k, gs in enumerate(grads):
        if between is not None:
            between(k)
        for p, t, g in zip(ps, ts, gs):
            p.grad = ac.tensor(g)
            t.grad = torch.tensor(g)
        ours.step()
        theirs.step()
        a.append([p.numpy().copy() for p in ps])
        b.append([t.detach().numpy().copy() for t in ts])
    return a, b


def pair(name, kw, dtype=np.float64, shapes=SHAPES, seed=0):
    init = arrays(shapes, seed, dtype)
    ps = params(init)
    ts = [torch.tensor(a, requires_grad=True) for a in init]
    return ps, ts, getattr(optim, name)(ps, **kw), getattr(torch.optim, name)(ts, **kw)


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_param_data_replaced_mid_run(name, kw, dtype):
    ps, ts, ours, theirs = pair(name, kw, dtype)
    grads = grad_seq(SHAPES, 6, 1, dtype)
    fresh = arrays(SHAPES, 7, dtype)

    def between(k):
        if k == 3:  # a new array (same shape and dtype) under the same parameter
            for p, t, a in zip(ps, ts, fresh):
                p.data = a.copy()
                t.data = torch.tensor(a)

    a, b = drive(ours, theirs, ps, ts, grads, between)
    assert_trajectories(a, b, dtype)


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_load_state_dict_into_the_same_optimizer_mid_run(name, kw):
    ps, ts, ours, theirs = pair(name, kw)
    grads = grad_seq(SHAPES, 8, 2)
    saved = {}

    def between(k):
        if k == 2:
            # torch's state_dict holds its live tensors: deep-copy for a snapshot
            saved["ours"], saved["theirs"] = ours.state_dict(), copy.deepcopy(theirs.state_dict())
            saved["p"] = [p.numpy().copy() for p in ps]
        if k == 5:  # rewind both to step 2: the cached views must follow the new state
            ours.load_state_dict(saved["ours"])
            theirs.load_state_dict(saved["theirs"])
            for p, t, x in zip(ps, ts, saved["p"]):
                p.data = x.copy()
                t.data = torch.tensor(x)

    a, b = drive(ours, theirs, ps, ts, grads, between)
    assert_trajectories(a, b, np.float64)
    # and the loaded state objects are the ones being updated
    for p in ps:
        for v in ours.state.get(p, {}).values():
            if isinstance(v, ac.Tensor):
                assert v._data.flags.c_contiguous


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_lr_changes_and_add_param_group_mid_run(name, kw):
    shapes = [(3, 4), (5,), (2, 2)]
    init = arrays(shapes, 3, np.float64)
    ps, ts = params(init[:2]), [torch.tensor(a, requires_grad=True) for a in init[:2]]
    ours, theirs = getattr(optim, name)(ps, **kw), getattr(torch.optim, name)(ts, **kw)
    late_p = params(init[2:])
    late_t = [torch.tensor(init[2], requires_grad=True)]
    s_ours = optim.lr_scheduler.StepLR(ours, step_size=2, gamma=0.5)
    s_theirs = torch.optim.lr_scheduler.StepLR(theirs, step_size=2, gamma=0.5)
    grads = grad_seq(shapes, 7, 4)
    all_p, all_t = ps + late_p, ts + late_t

    a, b = [], []
    for k, gs in enumerate(grads):
        if k == 3:
            ours.add_param_group({"params": late_p, "lr": 0.03})
            theirs.add_param_group({"params": late_t, "lr": 0.03})
        for i, (p, t, g) in enumerate(zip(all_p, all_t, gs)):
            if i < 2 or k >= 3:
                p.grad, t.grad = ac.tensor(g), torch.tensor(g)
        ours.step()
        theirs.step()
        s_ours.step()
        s_theirs.step()
        a.append([p.numpy().copy() for p in all_p])
        b.append([t.detach().numpy().copy() for t in all_t])
    assert_trajectories(a, b, np.float64)


def test_state_buffer_replaced_or_its_array_swapped():
    """Assigning a new Tensor to a state entry, or a new array into the buffer Tensor,
    is what the next step updates (PyTorch has no such cache; it reads state anew)."""
    ps, ts, ours, theirs = pair("Adam", dict(lr=1e-2))
    grads = grad_seq(SHAPES, 5, 5)

    def between(k):
        if k == 2:
            for p, t in zip(ps, ts):
                x = np.full(p.shape, 0.01)
                ours.state[p]["exp_avg"] = ac.tensor(x)
                theirs.state[t]["exp_avg"] = torch.tensor(x)
        if k == 3:
            for p, t in zip(ps, ts):
                y = ours.state[p]["exp_avg_sq"].numpy() * 2
                ours.state[p]["exp_avg_sq"]._data = y.copy()
                theirs.state[t]["exp_avg_sq"] = torch.tensor(y)

    a, b = drive(ours, theirs, ps, ts, grads, between)
    assert_trajectories(a, b, np.float64)
    for p, t in zip(ps, ts):
        np.testing.assert_allclose(ours.state[p]["exp_avg_sq"].numpy(),
                                   theirs.state[t]["exp_avg_sq"].numpy(), rtol=1e-12)


def test_mixed_dtypes_in_one_group_and_float32_arithmetic():
    shapes = [(3, 4), (5,)]
    init = [arrays(shapes[:1], 6, np.float32)[0], arrays(shapes[1:], 6, np.float64)[0]]
    ps = params(init)
    ts = [torch.tensor(a, requires_grad=True) for a in init]
    ours, theirs = optim.Adam(ps, lr=1e-2), torch.optim.Adam(ts, lr=1e-2)
    grads = [[g.astype(x.dtype) for g, x in zip(gs, init)] for gs in grad_seq(shapes, 4, 6)]
    a, b = drive(ours, theirs, ps, ts, grads)
    for xs, ys in zip(a, b):
        assert xs[0].dtype == np.float32 and xs[1].dtype == np.float64
        np.testing.assert_allclose(xs[0], ys[0], rtol=2e-5, atol=2e-6)
        np.testing.assert_allclose(xs[1], ys[1], rtol=1e-12, atol=1e-14)


def test_non_contiguous_parameter_and_gradient_every_step():
    base = np.random.default_rng(8).standard_normal((4, 3))
    p = ac.tensor(np.zeros(1), requires_grad=True)
    p.data = base.T  # an F-ordered view: updated through a copy written back
    t = torch.tensor(base.T.copy(), requires_grad=True)
    ours, theirs = optim.Adam([p], lr=0.1), torch.optim.Adam([t], lr=0.1)
    for k in range(4):
        g = np.random.default_rng(20 + k).standard_normal((8, 3))[::2].T  # strided
        p.grad = ac.tensor(np.zeros((3, 4)))
        p.grad._data = g
        t.grad = torch.tensor(np.ascontiguousarray(g))
        ours.step()
        theirs.step()
        np.testing.assert_allclose(base.T, t.detach().numpy(), rtol=1e-12)
    assert p._data.base is base or np.shares_memory(p._data, base)


def test_shape_changed_under_the_parameter_raises_and_changes_nothing():
    p = ac.tensor(np.ones((2, 3)), requires_grad=True)
    q = ac.tensor(np.ones(4), requires_grad=True)
    opt = optim.Adam([q, p], lr=0.1)
    for x in (p, q):
        x.grad = ac.ones(x.shape, dtype=ac.float64)
    opt.step()
    before = {x: {k: (v.numpy().copy() if isinstance(v, ac.Tensor) else v)
                  for k, v in opt.state[x].items()} for x in (p, q)}
    q_before = q.numpy().copy()
    p.data = np.ones((3, 2))
    p.grad = ac.ones((3, 2), dtype=ac.float64)
    with pytest.raises(ValueError, match=r"Adam.step: state\['exp_avg'\].*\(2, 3\).*\(3, 2\)"):
        opt.step()
    np.testing.assert_array_equal(q.numpy(), q_before)  # q (prepared first) untouched
    for x in (p, q):
        assert opt.state[x]["step"] == before[x]["step"] == 1
        np.testing.assert_array_equal(opt.state[x]["exp_avg"].numpy(), before[x]["exp_avg"])


def test_zero_grad_in_place_reuses_gradient_arrays():
    ps, ts, ours, theirs = pair("SGD", dict(lr=0.1, momentum=0.9))
    grads = grad_seq(SHAPES, 4, 9)
    a, b = [], []
    for gs in grads:
        ours.zero_grad(set_to_none=False)
        for p, t, g in zip(ps, ts, gs):
            if p.grad is None:
                p.grad = ac.tensor(np.zeros(p.shape))
            p.grad._data[...] = g
            t.grad = torch.tensor(g)
        ours.step()
        theirs.step()
        a.append([p.numpy().copy() for p in ps])
        b.append([t.detach().numpy().copy() for t in ts])
    assert_trajectories(a, b, np.float64)


def test_switching_options_mid_run_creates_buffers_as_needed():
    ps, ts, ours, theirs = pair("Adam", dict(lr=1e-2))
    grads = grad_seq(SHAPES, 4, 10)
    for k, gs in enumerate(grads):
        if k == 2:
            ours.param_groups[0]["amsgrad"] = True
        for p, g in zip(ps, gs):
            p.grad = ac.tensor(g)
        ours.step()
    assert all("max_exp_avg_sq" in ours.state[p] for p in ps)
    r = optim.RMSprop(ps, lr=1e-2)
    r.step()
    assert all(set(r.state[p]) == {"step", "square_avg"} for p in ps)
    r.param_groups[0].update(centered=True, momentum=0.9)
    r.step()
    assert all(set(r.state[p]) == {"step", "square_avg", "grad_avg", "momentum_buffer"}
               for p in ps)
    assert all(r.state[p]["step"] == 2 for p in ps)
    s = optim.SGD(ps, lr=0.1)
    s.step()
    assert len(s.state) == 0  # no momentum: no state at all, as PyTorch


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_deepcopied_optimizer_updates_its_own_copies(name, kw):
    ps, ts, ours, theirs = pair(name, kw)
    grads = grad_seq(SHAPES, 5, 11)
    a, b = drive(ours, theirs, ps, ts, grads[:2])
    twin = copy.deepcopy({"opt": ours, "ps": ps})  # params and optimizer copied together
    c, d = drive(ours, theirs, ps, ts, grads[2:])
    for k, gs in enumerate(grads[2:]):
        for p, g in zip(twin["ps"], gs):
            p.grad = ac.tensor(g)
        twin["opt"].step()
    assert_trajectories([[p.numpy() for p in twin["ps"]]], [c[-1]], np.float64)
    assert_trajectories(c, d, np.float64)


SPECIAL_CASES = [
    ("Adam", dict(lr=1e-2, weight_decay=0.1)),
    ("Adam", dict(lr=1e-2, amsgrad=True)),
    ("AdamW", dict(lr=1e-2)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1)),
    ("RMSprop", dict(lr=1e-2, momentum=0.5)),
    ("Adagrad", dict(lr=0.1)),
]


@pytest.mark.parametrize("name,kw", SPECIAL_CASES,
                         ids=[f"{n}-{'-'.join(k)}" for n, k in SPECIAL_CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_inf_huge_and_tiny_gradients_as_pytorch(name, kw, dtype):
    fi = np.finfo(dtype)
    shapes = [(12,)]
    ps, ts, ours, theirs = pair(name, kw, dtype, shapes, seed=12)
    g0 = np.array([np.nan, np.inf, -np.inf, fi.max / 4, -fi.max / 4, fi.tiny / 8, 0.0,
                   -0.0, 1e-3, -2.0, 3.0, 1e-30], dtype=dtype)
    grads = [[g0], [np.roll(g0, 3)], [np.ones(12, dtype)]]
    a, b = drive(ours, theirs, ps, ts, grads)
    for xs, ys in zip(a, b):
        np.testing.assert_array_equal(np.isnan(xs[0]), np.isnan(ys[0]))
        np.testing.assert_allclose(xs[0], ys[0], equal_nan=True,
                                   **(dict(rtol=1e-12) if dtype == np.float64
                                      else dict(rtol=2e-5, atol=2e-6)))


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_float16_parameters_run_the_twins_as_pytorch(name, kw):
    ps, ts, ours, theirs = pair(name, kw, np.float16, shapes=[(3, 4), (5,)], seed=13)
    grads = grad_seq([(3, 4), (5,)], 3, 14, np.float16)
    a, b = drive(ours, theirs, ps, ts, grads)
    for xs, ys in zip(a, b):
        for x, y in zip(xs, ys):
            assert x.dtype == np.float16
            np.testing.assert_allclose(x.astype(np.float64), y.astype(np.float64),
                                       rtol=2e-3, atol=2e-3)
