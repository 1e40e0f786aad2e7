"""End to end with autograd (no nn): every optimizer fits a small regression, with
gradients from backward, through closures, under a scheduler."""
import numpy as np
import pytest

import autograd_core as ac
import optim

RNG = np.random.default_rng(0)
X = RNG.standard_normal((64, 5))
W_TRUE = RNG.standard_normal((5, 1))
Y = X @ W_TRUE + 0.5


def problem():
    w = ac.zeros((5, 1), dtype=ac.float64, requires_grad=True)
    b = ac.zeros(1, dtype=ac.float64, requires_grad=True)
    x, y = ac.tensor(X), ac.tensor(Y)

    def loss():
        r = x @ w + b - y
        return (r * r).mean()
    return [w, b], loss


OPTIMIZERS = [
    (optim.SGD, dict(lr=0.1)),
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (optim.Adagrad, dict(lr=0.5)),
    (optim.RMSprop, dict(lr=0.01, centered=True)),
    (optim.Adam, dict(lr=0.05)),
    (optim.AdamW, dict(lr=0.05, weight_decay=1e-4, amsgrad=True)),
]


@pytest.mark.parametrize("cls, kw", OPTIMIZERS)
def test_fits_a_regression(cls, kw):
    params, loss_fn = problem()
    opt = cls(params, **kw)
    first = loss_fn().item()
    for _ in range(300):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
    assert loss_fn().item() < 1e-3 * first
    np.testing.assert_allclose(params[1].item(), 0.5, atol=0.05)


@pytest.mark.parametrize("cls, kw", OPTIMIZERS)
def test_step_with_closure_returns_the_loss(cls, kw):
    params, loss_fn = problem()
    opt = cls(params, **kw)

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    before = loss_fn().item()
    got = opt.step(closure)
    assert isinstance(got, ac.Tensor) and got.item() == before
    assert loss_fn().item() < before


def test_lbfgs_solves_least_squares():
    params, loss_fn = problem()
    opt = optim.LBFGS(params, line_search_fn="strong_wolfe", max_iter=50,
                      tolerance_grad=1e-12, tolerance_change=1e-15)

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(params[0].numpy(), W_TRUE, atol=1e-5)
    np.testing.assert_allclose(params[1].item(), 0.5, atol=1e-5)


def test_adam_with_warmup_and_decay():
    params, loss_fn = problem()
    opt = optim.Adam(params, lr=0.1)
    S = optim.lr_scheduler
    sched = S.SequentialLR(opt, [S.LinearLR(opt, 0.1, total_iters=20),
                                 S.InverseTimeDecay(opt, decay_rate=0.01)], milestones=[20])
    for _ in range(300):
        opt.zero_grad()
        loss_fn().backward()
        opt.step()
        sched.step()
    assert loss_fn().item() < 1e-4
    np.testing.assert_allclose(sched.get_last_lr(), [0.1 / (1 + 0.01 * 280)])
