"""SGD: documented update rule by hand, the course's momentum/Nesterov forms, PyTorch."""
import numpy as np
import pytest

import autograd_core as ac
import optim

from ._helpers import SHAPES, arrays, assert_trajectories, grad_seq, run_ours, run_torch

STEPS = 5


def sgd_reference(init, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
                  nesterov=False, maximize=False):
    """PyTorch's documented SGD, plainly in float64 numpy."""
    thetas = [a.astype(np.float64) for a in init]
    bufs = [None] * len(init)
    out = []
    for gs in grads:
        new = []
        for i, (theta, g) in enumerate(zip(thetas, gs)):
            g = g.astype(np.float64)
            g = -g if maximize else g
            if weight_decay:
                g = g + weight_decay * theta
            if momentum:
                bufs[i] = g.copy() if bufs[i] is None else momentum * bufs[i] + (1 - dampening) * g
                g = g + momentum * bufs[i] if nesterov else bufs[i]
            new.append(theta - lr * g)
        thetas = new
        out.append([t.astype(init[0].dtype) for t in thetas])
    return out


CASES = [
    dict(lr=0.1),
    dict(lr=0.1, weight_decay=0.05),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1, maximize=True),
    dict(lr=0.1, maximize=True),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", CASES)
def test_matches_documented_rule(kw, dtype):
    init, grads = arrays(SHAPES, 1, dtype), grad_seq(SHAPES, STEPS, 2, dtype)
    assert_trajectories(run_ours(optim.SGD, kw, init, grads),
                        sgd_reference(init, grads, **kw), dtype)


def test_momentum_by_hand():
    # g = 1 every step, lr 0.1, mu 0.9: buffers 1, 1.9, 2.71 -> theta -0.1, -0.29, -0.561
    p = ac.tensor(0.0, dtype=ac.float64, requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    got = []
    for _ in range(3):
        p.grad = ac.tensor(1.0, dtype=ac.float64)
        opt.step()
        got.append(p.item())
    np.testing.assert_allclose(got, [-0.1, -0.29, -0.561], rtol=1e-14)
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"].item(), 2.71, rtol=1e-14)


def test_nesterov_by_hand():
    # g = 1: b = 1, 1.9; step = g + mu b = 1.9, 2.71
    p = ac.tensor(0.0, dtype=ac.float64, requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    got = []
    for _ in range(2):
        p.grad = ac.tensor(1.0, dtype=ac.float64)
        opt.step()
        got.append(p.item())
    np.testing.assert_allclose(got, [-0.19, -0.19 - 0.271], rtol=1e-14)


def test_course_momentum_is_lr_scaled_sgd():
    """Course: v = beta v + (1 - beta) dW, W -= alpha v  ==  SGD(lr=alpha (1 - beta),
    momentum=beta), exactly (up to rounding)."""
    alpha, beta = 0.1, 0.9
    init, grads = arrays([(4,)], 3), grad_seq([(4,)], 8, 4)
    w, v = init[0].copy(), np.zeros(4)
    course = []
    for (g,) in grads:
        v = beta * v + (1 - beta) * g
        w = w - alpha * v
        course.append([w.copy()])
    ours = run_ours(optim.SGD, dict(lr=alpha * (1 - beta), momentum=beta), init, grads)
    assert_trajectories(ours, course, np.float64)


def test_course_momentum_vs_dampening():
    """With dampening=beta the recursion is the course's, but PyTorch seeds the buffer
    with the whole first gradient: buffer_t = v_t + beta^t g_1 (the documented gap)."""
    beta = 0.9
    init, grads = arrays([(4,)], 5), grad_seq([(4,)], 6, 6)
    p = ac.tensor(init[0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=beta, dampening=beta)
    v = np.zeros(4)
    for t, (g,) in enumerate(grads, start=1):
        p.grad = ac.tensor(g)
        opt.step()
        v = beta * v + (1 - beta) * g
        np.testing.assert_allclose(opt.state[p]["momentum_buffer"].numpy(),
                                   v + beta ** t * grads[0][0], rtol=1e-12)


def test_course_nesterov_change_of_variable():
    """Course: v = rho v - alpha grad f(w + rho v), w = w + v. PyTorch's Nesterov on
    theta = w + rho v gives the same iterates (gradient taken at theta)."""
    a = np.array([1.0, 10.0, 0.5])  # f(x) = 0.5 sum a x^2, grad = a x
    alpha, rho = 0.05, 0.9
    w, v = np.array([1.0, -2.0, 3.0]), np.zeros(3)
    p = ac.tensor(w.copy(), requires_grad=True)
    opt = optim.SGD([p], lr=alpha, momentum=rho, nesterov=True)
    for _ in range(10):
        v = rho * v - alpha * a * (w + rho * v)
        w = w + v
        p.grad = ac.tensor(a * p.numpy())
        opt.step()
        np.testing.assert_allclose(p.numpy(), w + rho * v, rtol=1e-12, atol=1e-15)


def test_sgd_descends_a_quadratic_with_autograd():
    target = ac.tensor([1.0, -2.0, 0.5])
    x = ac.zeros(3, requires_grad=True)
    opt = optim.SGD([x], lr=0.1, momentum=0.9)
    for _ in range(200):
        opt.zero_grad()
        ((x - target) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(x.numpy(), target.numpy(), atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", CASES)
def test_matches_torch(kw, dtype):
    torch = pytest.importorskip("torch")
    init, grads = arrays(SHAPES, 7, dtype), grad_seq(SHAPES, STEPS, 8, dtype)
    assert_trajectories(run_ours(optim.SGD, kw, init, grads),
                        run_torch(torch, "SGD", kw, init, grads), dtype)


@pytest.mark.parametrize("kw, arg", [
    (dict(lr=-0.1), "lr"),
    (dict(lr=0.1, momentum=-0.5), "momentum"),
    (dict(lr=0.1, weight_decay=-1e-4), "weight_decay"),
    (dict(lr=float("nan")), "lr"),
    (dict(lr=0.1, nesterov=True), "nesterov"),
    (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "nesterov"),
])
def test_bad_hyperparameters(kw, arg):
    p = ac.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=arg):
        optim.SGD([p], **kw)


def test_non_numeric_hyperparameter_is_a_type_error():
    with pytest.raises(TypeError, match="lr"):
        optim.SGD([ac.zeros(2, requires_grad=True)], lr="0.1")


def test_weight_decay_is_the_courses_l2_term():
    """Course: J + lambda / (2m) ||W||^2 adds (lambda / m) W to dW, i.e. W shrinks by
    (1 - alpha lambda / m) each step: SGD(weight_decay=lambda / m) on the plain loss."""
    lam, m, alpha = 0.7, 10, 0.1
    target = ac.tensor([1.0, -2.0, 0.5], dtype=ac.float64)
    a = ac.tensor([0.3, 0.1, -0.2], dtype=ac.float64, requires_grad=True)
    b = ac.tensor([0.3, 0.1, -0.2], dtype=ac.float64, requires_grad=True)
    opt_a = optim.SGD([a], lr=alpha)
    opt_b = optim.SGD([b], lr=alpha, weight_decay=lam / m)
    for _ in range(5):
        opt_a.zero_grad()
        (((a - target) ** 2).sum() + lam / (2 * m) * (a * a).sum()).backward()
        opt_a.step()
        opt_b.zero_grad()
        ((b - target) ** 2).sum().backward()
        opt_b.step()
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-13)
