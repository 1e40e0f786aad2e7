"""state_dict / load_state_dict: PyTorch's layout, snapshots, resuming gives the same
trajectory as never stopping, and load errors that say what mismatched."""
import pickle

import numpy as np
import pytest

import autograd_core as ac
import optim

from ._helpers import SHAPES, arrays, grad_seq, params, run_ours

CONFIGS = [
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adam, dict(lr=0.01, amsgrad=True)),
    (optim.AdamW, dict(lr=0.01)),
]
GROUPS = [([0, 2], {"lr": 0.05}), ([1], {})]


def _steps(opt, ps, grads):
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = ac.tensor(g)
        opt.step()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls, kw", CONFIGS)
def test_resume_equals_uninterrupted(cls, kw, dtype):
    init, grads = arrays(SHAPES, 31, dtype), grad_seq(SHAPES, 6, 32, dtype)
    full = run_ours(cls, kw, init, grads, groups=GROUPS)[-1]

    ps = params(init)
    opt = cls([{"params": [ps[i] for i in idx], **o} for idx, o in GROUPS], **kw)
    _steps(opt, ps, grads[:3])
    saved = pickle.loads(pickle.dumps(opt.state_dict()))  # as if written to disk
    values = [p.numpy().copy() for p in ps]

    ps2 = params(values)
    opt2 = cls([{"params": [ps2[i] for i in idx]} for idx, _ in GROUPS], **kw)  # group lr
    opt2.load_state_dict(saved)                                               # comes back
    assert opt2.param_groups[0]["lr"] == 0.05
    _steps(opt2, ps2, grads[3:])
    for a, b in zip(ps2, full):
        np.testing.assert_array_equal(a.numpy(), b)


def test_layout_is_pytorchs():
    a, b, c = (ac.tensor(np.ones(s), requires_grad=True) for s in [(2,), (3,), ()])
    opt = optim.Adam([{"params": [a, b], "lr": 0.1}, {"params": [c]}], lr=0.01)
    for p in (a, c):
        p.grad = ac.ones_like(p)
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 2]  # b had no gradient: no state
    assert sd["param_groups"][0]["params"] == [0, 1] and sd["param_groups"][1]["params"] == [2]
    assert sd["param_groups"][0]["lr"] == 0.1 and sd["param_groups"][1]["lr"] == 0.01
    assert sd["param_groups"][1]["betas"] == (0.9, 0.999)
    st = sd["state"][0]
    assert st["step"] == 1 and isinstance(st["exp_avg"], ac.Tensor)
    assert st["exp_avg"].shape == (2,)


def test_state_dict_is_a_snapshot():
    p = ac.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = ac.tensor([1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    opt.step()  # moves the live buffer
    np.testing.assert_allclose(sd["state"][0]["momentum_buffer"].numpy(), [1.0, 1.0])
    sd["param_groups"][0]["lr"] = 5.0
    assert opt.param_groups[0]["lr"] == 0.1


def test_loaded_state_is_copied_and_cast_to_the_parameter_dtype():
    p = ac.tensor([1.0, 2.0], dtype=ac.float64, requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = ac.tensor([1.0, 1.0], dtype=ac.float64)
    opt.step()
    sd = opt.state_dict()
    q = ac.tensor([1.0, 2.0], dtype=ac.float32, requires_grad=True)
    opt2 = optim.Adam([q], lr=0.1)
    opt2.load_state_dict(sd)
    st = opt2.state[q]
    assert st["exp_avg"].dtype == np.float32 and st["exp_avg"].numpy().flags.c_contiguous
    assert st["exp_avg"]._data is not sd["state"][0]["exp_avg"]._data
    q.grad = ac.tensor([1.0, 1.0], dtype=ac.float32)
    opt2.step()
    assert opt2.state[q]["step"] == 2


def _trained_sgd(shapes=((2,), (3,))):
    ps = [ac.tensor(np.ones(s), requires_grad=True) for s in shapes]
    opt = optim.SGD(ps, lr=0.1, momentum=0.9)
    for p in ps:
        p.grad = ac.ones_like(p)
    opt.step()
    return ps, opt


def test_load_rejects_a_different_number_of_groups():
    _, opt = _trained_sgd()
    a, b = (ac.tensor(np.ones(s), requires_grad=True) for s in [(2,), (3,)])
    other = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match=r"number of parameter groups \(1\).*\(2\)"):
        other.load_state_dict(opt.state_dict())


def test_load_rejects_group_sizes_listing_them():
    _, opt = _trained_sgd()
    sd = opt.state_dict()
    ps = [ac.tensor(np.ones(2), requires_grad=True) for _ in range(3)]
    other = optim.SGD(ps, lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="group 0: 2 in the state dict, 3 in the optimizer"):
        other.load_state_dict(sd)


def test_load_rejects_buffer_shapes_and_changes_nothing():
    _, opt = _trained_sgd()
    ps, other = _trained_sgd(((3,), (2,)))  # same counts, swapped shapes
    before = [other.state[p]["momentum_buffer"].numpy().copy() for p in ps]
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 7.0
    with pytest.raises(ValueError, match=r"state\[0\]\['momentum_buffer'\] has shape \(2,\), "
                                         r"the parameter \(3,\)"):
        other.load_state_dict(sd)
    assert other.param_groups[0]["lr"] == 0.1
    for p, b in zip(ps, before):
        np.testing.assert_array_equal(other.state[p]["momentum_buffer"].numpy(), b)


def test_load_rejects_malformed_dicts():
    _, opt = _trained_sgd()
    with pytest.raises(ValueError, match="'state'"):
        opt.load_state_dict({"param_groups": []})
    sd = opt.state_dict()
    sd["state"][9] = {"momentum_buffer": ac.ones(2)}
    with pytest.raises(ValueError, match="parameter index 9"):
        opt.load_state_dict(sd)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError, match="lr"):
        opt.load_state_dict(sd)


def test_lbfgs_state_round_trip():
    def make():
        x = ac.tensor([-1.2, 1.0], dtype=ac.float64, requires_grad=True)
        return x, optim.LBFGS([x], max_iter=3, history_size=5, line_search_fn="strong_wolfe")

    def closure_for(x, opt):
        def closure():
            opt.zero_grad()
            loss = ((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2)
            loss.backward()
            return loss
        return closure

    x, opt = make()
    for _ in range(4):
        opt.step(closure_for(x, opt))
    ref_x, ref_opt = make()
    for _ in range(2):
        ref_opt.step(closure_for(ref_x, ref_opt))
    sd = pickle.loads(pickle.dumps(ref_opt.state_dict()))
    y, opt2 = make()
    y._data[...] = ref_x.numpy()
    opt2.load_state_dict(sd)
    for _ in range(2):
        opt2.step(closure_for(y, opt2))
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    assert opt2.state[y]["func_evals"] == opt.state[x]["func_evals"]
