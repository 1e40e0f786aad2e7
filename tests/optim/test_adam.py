"""Adam / AdamW: PyTorch's documented algorithm by hand (bias correction, amsgrad,
L2 vs decoupled decay), the course's formulas, PyTorch step for step."""
import numpy as np
import pytest

import autograd_core as ac
import optim

from ._helpers import SHAPES, arrays, assert_trajectories, grad_seq, run_ours, run_torch

STEPS = 6


def adam_reference(init, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                   amsgrad=False, maximize=False, decoupled=False):
    """The algorithm box of torch.optim.Adam / AdamW, in float64."""
    b1, b2 = betas
    th = [a.astype(np.float64) for a in init]
    m = [np.zeros(a.shape) for a in init]
    v = [np.zeros(a.shape) for a in init]
    vmax = [np.zeros(a.shape) for a in init]
    out = []
    for t, gs in enumerate(grads, start=1):
        for i, g in enumerate(gs):
            g = -g if maximize else g.astype(np.float64)
            if decoupled:
                th[i] = th[i] * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * th[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1 ** t)
            if amsgrad:
                vmax[i] = np.maximum(vmax[i], v[i])
                v_hat = vmax[i] / (1 - b2 ** t)
            else:
                v_hat = v[i] / (1 - b2 ** t)
            th[i] = th[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append([x.astype(init[0].dtype) for x in th])
    return out


ADAM = [
    dict(lr=0.01),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, amsgrad=True, weight_decay=0.05, maximize=True),
    dict(lr=0.01, betas=(0.3, 0.5), eps=1e-6),  # lerp's other branch (1 - beta1 >= 0.5)
    dict(lr=0.01, betas=(0.0, 0.0)),
]
ADAMW = [dict(lr=0.01), dict(lr=0.01, weight_decay=0.3, amsgrad=True),
         dict(lr=0.01, weight_decay=0.0, maximize=True)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", ADAM)
def test_adam_documented_rule(kw, dtype):
    init, grads = arrays(SHAPES, 21, dtype), grad_seq(SHAPES, STEPS, 22, dtype)
    assert_trajectories(run_ours(optim.Adam, kw, init, grads),
                        adam_reference(init, grads, **kw), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", ADAMW)
def test_adamw_documented_rule(kw, dtype):
    init, grads = arrays(SHAPES, 23, dtype), grad_seq(SHAPES, STEPS, 24, dtype)
    ref_kw = dict(kw, decoupled=True)
    ref_kw.setdefault("weight_decay", 1e-2)  # AdamW's default
    assert_trajectories(run_ours(optim.AdamW, kw, init, grads),
                        adam_reference(init, grads, **ref_kw), dtype)


def test_first_step_is_lr_times_sign():
    # bias correction makes m^ = g and v^ = g^2 on step 1: theta -= lr g / (|g| + eps)
    p = ac.tensor([1.0, 1.0, 1.0], dtype=ac.float64, requires_grad=True)
    opt = optim.Adam([p], lr=0.1, eps=0.0)
    p.grad = ac.tensor([1e-3, -5.0, 2.0], dtype=ac.float64)
    opt.step()
    np.testing.assert_allclose(p.numpy(), [0.9, 1.1, 0.9], rtol=1e-14)
    st = opt.state[p]
    assert st["step"] == 1
    np.testing.assert_allclose(st["exp_avg"].numpy(), 0.1 * np.array([1e-3, -5.0, 2.0]))
    np.testing.assert_allclose(st["exp_avg_sq"].numpy(), 0.001 * np.array([1e-6, 25.0, 4.0]))


def test_second_step_by_hand():
    # g = 1 then 3 (betas 0.9, 0.999): m2 = 0.09 + 0.3 = 0.39, v2 = 0.000999 + 0.009,
    # m^ = 0.39 / 0.19, v^ = 0.009999 / 0.001999
    p = ac.tensor(0.0, dtype=ac.float64, requires_grad=True)
    opt = optim.Adam([p], lr=0.1, eps=0.0)
    for g in (1.0, 3.0):
        p.grad = ac.tensor(g, dtype=ac.float64)
        opt.step()
    expected = -0.1 - 0.1 * (0.39 / 0.19) / np.sqrt(0.009999 / 0.001999)
    np.testing.assert_allclose(p.item(), expected, rtol=1e-13)


def test_course_adam_formula():
    """Course: V = b1 V + (1 - b1) dW; S = b2 S + (1 - b2) dW^2; corrected by
    1 - b^t; W -= alpha V_c / (sqrt(S_c) + eps)."""
    alpha, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    init, grads = arrays([(6,)], 25), grad_seq([(6,)], 10, 26)
    w, V, S = init[0].copy(), np.zeros(6), np.zeros(6)
    course = []
    for t, (g,) in enumerate(grads, start=1):
        V = b1 * V + (1 - b1) * g
        S = b2 * S + (1 - b2) * g ** 2
        w = w - alpha * (V / (1 - b1 ** t)) / (np.sqrt(S / (1 - b2 ** t)) + eps)
        course.append([w.copy()])
    assert_trajectories(run_ours(optim.Adam, dict(lr=alpha), init, grads), course,
                        np.float64)


def test_amsgrad_uses_running_max():
    # a big gradient then small ones: amsgrad keeps the big second moment
    p = ac.tensor(0.0, dtype=ac.float64, requires_grad=True)
    opt = optim.Adam([p], lr=0.1, betas=(0.0, 0.5), amsgrad=True)
    for g in (10.0, 0.1):
        p.grad = ac.tensor(g, dtype=ac.float64)
        opt.step()
    st = opt.state[p]
    assert st["max_exp_avg_sq"].item() == 50.0 and st["exp_avg_sq"].item() == 25.005


def test_step_counts_per_parameter():
    # a parameter without a gradient is skipped: its step count (and bias correction)
    # lags behind the others', as in PyTorch
    a = ac.tensor([1.0], requires_grad=True)
    b = ac.tensor([1.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = ac.tensor([1.0])
    opt.step()
    b.grad = ac.tensor([1.0])
    opt.step()
    assert opt.state[a]["step"] == 2 and opt.state[b]["step"] == 1
    np.testing.assert_allclose(b.numpy(), [0.9], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", ADAM)
def test_adam_matches_torch(kw, dtype):
    torch = pytest.importorskip("torch")
    init, grads = arrays(SHAPES, 27, dtype), grad_seq(SHAPES, STEPS, 28, dtype)
    assert_trajectories(run_ours(optim.Adam, kw, init, grads),
                        run_torch(torch, "Adam", kw, init, grads), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", ADAMW)
def test_adamw_matches_torch(kw, dtype):
    torch = pytest.importorskip("torch")
    init, grads = arrays(SHAPES, 29, dtype), grad_seq(SHAPES, STEPS, 30, dtype)
    assert_trajectories(run_ours(optim.AdamW, kw, init, grads),
                        run_torch(torch, "AdamW", kw, init, grads), dtype)


def test_adamw_keeps_decoupled_after_load():
    p = ac.zeros(2, requires_grad=True)
    sd = optim.Adam([p]).state_dict()
    opt = optim.AdamW([ac.zeros(2, requires_grad=True)])
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
@pytest.mark.parametrize("kw, arg", [
    (dict(lr=-1e-3), "lr"),
    (dict(eps=-1e-8), "eps"),
    (dict(weight_decay=-0.1), "weight_decay"),
    (dict(betas=(1.0, 0.999)), r"betas\[0\]"),
    (dict(betas=(-0.1, 0.999)), r"betas\[0\]"),
    (dict(betas=(0.9, 1.0)), r"betas\[1\]"),
    (dict(betas=(0.9, float("nan"))), r"betas\[1\]"),
    (dict(betas=(0.9,)), "betas"),
])
def test_bad_hyperparameters(cls, kw, arg):
    with pytest.raises(ValueError, match=arg):
        cls([ac.zeros(2, requires_grad=True)], **kw)


def test_float16_parameters_use_the_numpy_path():
    p = ac.tensor(np.ones(4, np.float16), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = ac.tensor(np.full(4, 0.5, np.float16))
    opt.step()
    assert p.dtype == np.float16 and opt.state[p]["exp_avg"].dtype == np.float16
    np.testing.assert_allclose(p.numpy().astype(np.float64), 0.9, rtol=1e-3)
