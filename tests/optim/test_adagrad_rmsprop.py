"""Adagrad and RMSprop: documented rules by hand, the course's RMSprop, PyTorch."""
import numpy as np
import pytest

import autograd_core as ac
import optim

from ._helpers import SHAPES, arrays, assert_trajectories, grad_seq, run_ours, run_torch

STEPS = 6


def adagrad_reference(init, grads, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                      initial_accumulator_value=0.0, eps=1e-10, maximize=False):
    thetas = [a.astype(np.float64) for a in init]
    sums = [np.full(a.shape, float(initial_accumulator_value)) for a in init]
    out = []
    for t, gs in enumerate(grads, start=1):
        clr = lr / (1 + (t - 1) * lr_decay)
        for i, g in enumerate(gs):
            g = -g if maximize else g.astype(np.float64)
            g = g + weight_decay * thetas[i]
            sums[i] = sums[i] + g * g
            thetas[i] = thetas[i] - clr * g / (np.sqrt(sums[i]) + eps)
        out.append([x.astype(init[0].dtype) for x in thetas])
    return out


def rmsprop_reference(init, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0,
                      momentum=0.0, centered=False, maximize=False):
    thetas = [a.astype(np.float64) for a in init]
    v = [np.zeros(a.shape) for a in init]
    gbar = [np.zeros(a.shape) for a in init]
    buf = [np.zeros(a.shape) for a in init]
    out = []
    for gs in grads:
        for i, g in enumerate(gs):
            g = -g if maximize else g.astype(np.float64)
            g = g + weight_decay * thetas[i]
            v[i] = alpha * v[i] + (1 - alpha) * g * g
            vt = v[i]
            if centered:
                gbar[i] = alpha * gbar[i] + (1 - alpha) * g
                vt = v[i] - gbar[i] ** 2
            step = g / (np.sqrt(vt) + eps)
            if momentum > 0:
                buf[i] = momentum * buf[i] + step
                step = buf[i]
            thetas[i] = thetas[i] - lr * step
        out.append([x.astype(init[0].dtype) for x in thetas])
    return out


ADAGRAD = [
    dict(lr=0.1),
    dict(lr=0.1, lr_decay=0.05, weight_decay=0.1),
    dict(lr=0.1, initial_accumulator_value=0.3, eps=1e-6, maximize=True),
]
RMSPROP = [
    dict(lr=0.01),
    dict(lr=0.01, weight_decay=0.1, alpha=0.9),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, centered=True),
    dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.05, maximize=True),
    dict(lr=0.01, alpha=0.3, centered=True),  # lerp's other branch (weight >= 0.5)
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", ADAGRAD)
def test_adagrad_documented_rule(kw, dtype):
    init, grads = arrays(SHAPES, 11, dtype), grad_seq(SHAPES, STEPS, 12, dtype)
    assert_trajectories(run_ours(optim.Adagrad, kw, init, grads),
                        adagrad_reference(init, grads, **kw), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", RMSPROP)
def test_rmsprop_documented_rule(kw, dtype):
    init, grads = arrays(SHAPES, 13, dtype), grad_seq(SHAPES, STEPS, 14, dtype)
    assert_trajectories(run_ours(optim.RMSprop, kw, init, grads),
                        rmsprop_reference(init, grads, **kw), dtype)


def test_adagrad_by_hand():
    # g = 2 then 1, lr 1, eps 0: s = 4, 5; theta = 0 - 2/2 = -1, then -1 - 1/sqrt(5)
    p = ac.tensor(0.0, dtype=ac.float64, requires_grad=True)
    opt = optim.Adagrad([p], lr=1.0, eps=0.0)
    p.grad = ac.tensor(2.0, dtype=ac.float64)
    opt.step()
    assert p.item() == -1.0
    p.grad = ac.tensor(1.0, dtype=ac.float64)
    opt.step()
    np.testing.assert_allclose(p.item(), -1 - 1 / np.sqrt(5), rtol=1e-15)
    assert opt.state[p]["step"] == 2 and opt.state[p]["sum"].item() == 5.0


def test_rmsprop_course_form():
    """Course: s = beta s + (1 - beta) dW^2, W -= alpha dW / sqrt(s)  ==
    RMSprop(lr=alpha, alpha=beta, eps -> 0)."""
    beta, lr = 0.9, 0.01
    init, grads = arrays([(5,)], 15), grad_seq([(5,)], 6, 16)
    w, s = init[0].copy(), np.zeros(5)
    course = []
    for (g,) in grads:
        s = beta * s + (1 - beta) * g ** 2
        w = w - lr * g / np.sqrt(s)
        course.append([w.copy()])
    ours = run_ours(optim.RMSprop, dict(lr=lr, alpha=beta, eps=0.0), init, grads)
    assert_trajectories(ours, course, np.float64)


def test_rmsprop_first_step_by_hand():
    # v = 0.01 g^2 -> step = g / (0.1 |g|) = 10 sign(g) (eps 0)
    p = ac.tensor([1.0, 1.0], dtype=ac.float64, requires_grad=True)
    opt = optim.RMSprop([p], lr=0.01, alpha=0.99, eps=0.0)
    p.grad = ac.tensor([3.0, -0.5], dtype=ac.float64)
    opt.step()
    np.testing.assert_allclose(p.numpy(), [0.9, 1.1], rtol=1e-14)


def test_rmsprop_centered_clamps_negative_variance():
    # constant gradient: v - gbar^2 = alpha^t (1 - alpha^t) g^2 -> 0, and in float32 it
    # goes negative by rounding after ~1200 steps (PyTorch's step turns nan there)
    g = np.random.default_rng(0).standard_normal(100).astype(np.float32)
    p = ac.tensor(np.zeros(100, np.float32), requires_grad=True)
    opt = optim.RMSprop([p], lr=1e-3, centered=True)
    went_negative = False
    for _ in range(2500):
        p.grad = ac.tensor(g)
        opt.step()
        st = opt.state[p]
        went_negative |= bool((st["square_avg"].numpy() - st["grad_avg"].numpy() ** 2 < 0).any())
    assert went_negative  # the case the clamp exists for did happen
    assert np.isfinite(p.numpy()).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", ADAGRAD)
def test_adagrad_matches_torch(kw, dtype):
    torch = pytest.importorskip("torch")
    init, grads = arrays(SHAPES, 17, dtype), grad_seq(SHAPES, STEPS, 18, dtype)
    assert_trajectories(run_ours(optim.Adagrad, kw, init, grads),
                        run_torch(torch, "Adagrad", kw, init, grads), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", RMSPROP)
def test_rmsprop_matches_torch(kw, dtype):
    torch = pytest.importorskip("torch")
    init, grads = arrays(SHAPES, 19, dtype), grad_seq(SHAPES, STEPS, 20, dtype)
    assert_trajectories(run_ours(optim.RMSprop, kw, init, grads),
                        run_torch(torch, "RMSprop", kw, init, grads), dtype)


@pytest.mark.parametrize("cls, kw, arg", [
    (optim.Adagrad, dict(lr=-1.0), "lr"),
    (optim.Adagrad, dict(lr_decay=-0.1), "lr_decay"),
    (optim.Adagrad, dict(weight_decay=-0.1), "weight_decay"),
    (optim.Adagrad, dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (optim.Adagrad, dict(eps=-1e-10), "eps"),
    (optim.RMSprop, dict(lr=-1.0), "lr"),
    (optim.RMSprop, dict(eps=-1.0), "eps"),
    (optim.RMSprop, dict(momentum=-0.9), "momentum"),
    (optim.RMSprop, dict(weight_decay=-0.1), "weight_decay"),
    (optim.RMSprop, dict(alpha=-0.5), "alpha"),
    (optim.RMSprop, dict(alpha=1.5), "alpha"),
])
def test_bad_hyperparameters(cls, kw, arg):
    with pytest.raises(ValueError, match=arg):
        cls([ac.zeros(2, requires_grad=True)], **kw)
