"""LBFGS: convergence on Rosenbrock, PyTorch's iterates step for step (fixed step and
strong-Wolfe line search), closure semantics, errors, and the line-search pieces."""
import numpy as np
import pytest

import autograd_core as ac
import optim
from optim._line_search import cubic_interpolate

X0 = np.array([-1.5, 2.0, -0.5, 1.2, 0.3])


def rosenbrock(x):
    """sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 for a 1-d Tensor (ours or torch's)."""
    a, b = x[1:], x[:-1]
    return (100 * (a - b * b) ** 2 + (1 - b) ** 2).sum()


def make_closure(opt, fn, *xs):
    def closure():
        opt.zero_grad()
        loss = fn(*xs)
        loss.backward()
        return loss
    return closure


def test_converges_on_rosenbrock_with_strong_wolfe():
    x = ac.tensor([-1.2, 1.0], dtype=ac.float64, requires_grad=True)
    opt = optim.LBFGS([x], lr=1, max_iter=50, line_search_fn="strong_wolfe")
    closure = make_closure(opt, rosenbrock, x)
    for _ in range(5):
        opt.step(closure)
    # from 24.2 down to ~1e-9 (it stops when the loss changes by < tolerance_change)
    np.testing.assert_allclose(x.numpy(), [1.0, 1.0], atol=1e-4)
    assert rosenbrock(x).item() < 1e-8


def test_converges_without_line_search():
    x = ac.tensor([-1.2, 1.0], dtype=ac.float64, requires_grad=True)
    opt = optim.LBFGS([x], lr=0.1, max_iter=100, history_size=10)
    closure = make_closure(opt, rosenbrock, x)
    first = closure().item()
    for _ in range(30):
        opt.step(closure)
    assert rosenbrock(x).item() < 1e-3 * first


def test_first_iteration_by_hand():
    # n_iter 1: d = -g, t = min(1, 1 / |g|_1) * lr; max_iter=1 -> one move, no re-eval
    x = ac.tensor([3.0, -4.0], dtype=ac.float64, requires_grad=True)
    opt = optim.LBFGS([x], lr=0.5, max_iter=1)
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 25.0 and len(calls) == 1  # the first evaluation's loss
    g = np.array([6.0, -8.0])
    np.testing.assert_allclose(x.numpy(), [3.0, -4.0] - 0.5 / 14 * g, rtol=1e-15)


def test_stops_at_an_optimum():
    x = ac.tensor([1.0, 1.0], dtype=ac.float64, requires_grad=True)
    opt = optim.LBFGS([x])
    opt.step(make_closure(opt, rosenbrock, x))
    assert opt.state[x]["func_evals"] == 1 and opt.state[x]["n_iter"] == 0
    np.testing.assert_array_equal(x.numpy(), [1.0, 1.0])


@pytest.mark.parametrize("kw", [
    dict(lr=1e-3),
    dict(lr=1e-3, history_size=3, max_iter=7),
    dict(lr=1, line_search_fn="strong_wolfe"),
    dict(lr=0.5, line_search_fn="strong_wolfe", history_size=2, max_iter=10, max_eval=12),
])
def test_matches_torch_iterates(kw):
    torch = pytest.importorskip("torch")
    p = ac.tensor(X0, requires_grad=True)
    q = torch.tensor(X0, requires_grad=True)
    ours, theirs = optim.LBFGS([p], **kw), torch.optim.LBFGS([q], **kw)
    c1, c2 = make_closure(ours, rosenbrock, p), make_closure(theirs, rosenbrock, q)
    for k in range(6):
        l1, l2 = ours.step(c1), theirs.step(c2)
        np.testing.assert_allclose(l1.item(), l2.item(), rtol=1e-10, err_msg=f"step {k}")
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=f"step {k}")
        s1, s2 = ours.state[p], theirs.state[q]
        assert s1["func_evals"] == s2["func_evals"] and s1["n_iter"] == s2["n_iter"]
        assert len(s1["old_dirs"]) == len(s2["old_dirs"])


def test_matches_torch_over_several_parameters():
    """The flat vector spans all parameters, in order, whatever their shapes."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 3))
    w0, b0 = rng.standard_normal((3, 2)), rng.standard_normal(2)
    T = rng.standard_normal((4, 2))

    def loss(W, b, lib):
        r = lib_A[lib] @ W + b - lib_T[lib]
        return (r * r).sum() + (W ** 4).sum()

    lib_A, lib_T = {ac: ac.tensor(A), torch: torch.tensor(A)}, {ac: ac.tensor(T), torch: torch.tensor(T)}
    W, b = ac.tensor(w0, requires_grad=True), ac.tensor(b0, requires_grad=True)
    Wt, bt = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    kw = dict(line_search_fn="strong_wolfe", max_iter=5)
    ours, theirs = optim.LBFGS([W, b], **kw), torch.optim.LBFGS([Wt, bt], **kw)
    for _ in range(3):
        ours.step(make_closure(ours, loss, W, b, ac))
        theirs.step(make_closure(theirs, loss, Wt, bt, torch))
        np.testing.assert_allclose(W.numpy(), Wt.detach().numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(b.numpy(), bt.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_float32_parameters_follow_torch_closely():
    torch = pytest.importorskip("torch")
    x0 = np.array([-1.2, 1.0], np.float32)
    p, q = ac.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    kw = dict(line_search_fn="strong_wolfe", max_iter=4)
    ours, theirs = optim.LBFGS([p], **kw), torch.optim.LBFGS([q], **kw)
    ours.step(make_closure(ours, rosenbrock, p))
    theirs.step(make_closure(theirs, rosenbrock, q))
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_closure_required_and_run_with_grad():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.LBFGS([x], max_iter=2)
    with pytest.raises(TypeError, match="closure"):
        opt.step()
    seen = []

    def closure():
        seen.append(ac.is_grad_enabled())
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with ac.no_grad():
        opt.step(closure)
    assert seen and all(seen)
    assert x.grad_fn is None and x.is_leaf


def test_one_group_only():
    a, b = (ac.zeros(2, requires_grad=True) for _ in range(2))
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])


@pytest.mark.parametrize("kw, arg", [
    (dict(lr=-1.0), "lr"),
    (dict(max_iter=0), "max_iter"),
    (dict(max_eval=0), "max_eval"),
    (dict(history_size=0), "history_size"),
    (dict(tolerance_grad=-1.0), "tolerance_grad"),
    (dict(tolerance_change=-1.0), "tolerance_change"),
    (dict(line_search_fn="armijo"), "line_search_fn"),
])
def test_bad_hyperparameters(kw, arg):
    with pytest.raises(ValueError, match=arg):
        optim.LBFGS([ac.zeros(2, requires_grad=True)], **kw)


def test_cubic_interpolate_is_exact_on_a_quadratic():
    # f = (x - 2)^2 through x = 0 (f 4, f' -4) and x = 3 (f 1, f' 2): minimum at 2
    assert cubic_interpolate(0.0, 4.0, -4.0, 3.0, 1.0, 2.0) == pytest.approx(2.0)
    assert cubic_interpolate(3.0, 1.0, 2.0, 0.0, 4.0, -4.0) == pytest.approx(2.0)
    # clipped to the bounds, and the midpoint when the cubic has no minimum
    assert cubic_interpolate(0.0, 4.0, -4.0, 3.0, 1.0, 2.0, bounds=(2.5, 4.0)) == 2.5
    assert cubic_interpolate(0.0, 0.0, 1.0, 1.0, 2.0 / 3.0, 1.0) == 0.5
