"""Activations (relu, sigmoid, tanh, leaky_relu, elu, softplus) and their fused backward
primitives: gradcheck + gradgradcheck in float64, PyTorch's values and gradient
conventions, stability at +-1e4 with warnings as errors, on both kernel paths."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from autograd_core.kernels import activations as K
from autograd_core.ops.activation import (EluGrad, LeakyReluGrad, ReluGrad,
                                          SigmoidGrad, SoftplusGrad, TanhGrad)
from tests.strategies import array, layouts, leaf, seeds, shapes

COVERED_OPS = {"relu", "sigmoid", "tanh", "leaky_relu", "elu", "softplus",
               "relu_backward", "sigmoid_backward", "tanh_backward", "leaky_relu_backward",
               "elu_backward", "softplus_backward"}

# name -> (function, values away from this kink (or None))
ACTS = {
    "relu": (lambda x: x.relu(), 0.0),
    "sigmoid": (lambda x: x.sigmoid(), None),
    "tanh": (lambda x: x.tanh(), None),
    "leaky_relu": (lambda x: x.leaky_relu(), 0.0),
    "leaky_relu(0.2)": (lambda x: ac.leaky_relu(x, negative_slope=0.2), 0.0),
    "leaky_relu(-0.5)": (lambda x: x.leaky_relu(-0.5), 0.0),
    "elu": (lambda x: x.elu(), 0.0),
    "elu(0.5)": (lambda x: ac.elu(x, alpha=0.5), 0.0),
    "softplus": (lambda x: x.softplus(), None),
    "softplus(2, 1)": (lambda x: ac.softplus(x, beta=2, threshold=1), 0.5),
    "softplus(-1.5)": (lambda x: x.softplus(beta=-1.5), None),
}


def torch_act(torch, name, t):
    F = torch.nn.functional
    return {
        "relu": lambda: torch.relu(t),
        "sigmoid": lambda: torch.sigmoid(t),
        "tanh": lambda: torch.tanh(t),
        "leaky_relu": lambda: F.leaky_relu(t),
        "leaky_relu(0.2)": lambda: F.leaky_relu(t, 0.2),
        "leaky_relu(-0.5)": lambda: F.leaky_relu(t, -0.5),
        "elu": lambda: F.elu(t),
        "elu(0.5)": lambda: F.elu(t, 0.5),
        "softplus": lambda: F.softplus(t),
        "softplus(2, 1)": lambda: F.softplus(t, 2, 1),
        "softplus(-1.5)": lambda: F.softplus(t, -1.5),
    }[name]()


@pytest.mark.parametrize("name", sorted(ACTS))
@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=seeds, layout=layouts)
def test_activation_gradients(name, shape, seed, layout):
    f, away = ACTS[name]
    x = leaf(array(shape, seed, -3, 3, away_from=away), layout)
    y = f(x)
    assert y.shape == x.shape and y.dtype == np.float64
    assert isinstance(y.numpy(), np.ndarray)
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


# fused backward primitives as functions of (g, saved); saved drawn in its range
FUSED = {
    "relu_backward": (lambda g, y: g._apply(ReluGrad, g, y), (0, 3), 0.0),
    "sigmoid_backward": (lambda g, y: g._apply(SigmoidGrad, g, y), (0.01, 0.99), None),
    "tanh_backward": (lambda g, y: g._apply(TanhGrad, g, y), (-0.99, 0.99), None),
    "leaky_relu_backward": (lambda g, x: g._apply(LeakyReluGrad, g, x, negative_slope=0.1),
                            (-3, 3), 0.0),
    "elu_backward": (lambda g, x: g._apply(EluGrad, g, x, alpha=1.3), (-3, 3), 0.0),
    "softplus_backward": (lambda g, x: g._apply(SoftplusGrad, g, x, beta=2.0,
                                                threshold=3.0), (-3, 3), 1.5),
}


@pytest.mark.parametrize("name", sorted(FUSED))
@settings(max_examples=12, deadline=None)
@given(shape=shapes, seed=seeds, layout=layouts)
def test_fused_backward_primitives(name, shape, seed, layout):
    f, (low, high), away = FUSED[name]
    g = leaf(array(shape, seed, -2, 2), layout)
    s = leaf(array(shape, seed + 1, low, high, away_from=away), "contiguous")
    assert gradcheck(f, (g, s))
    assert gradgradcheck(f, (g, s))


@pytest.mark.parametrize("name", sorted(FUSED))
def test_fused_backward_broadcast_incoming_gradient(name):
    # g may reach a fused backward as a broadcast view (e.g. from sum's backward)
    f, (low, high), away = FUSED[name]
    g = ac.from_numpy(np.full((1, 3), 0.7)).requires_grad_()
    s = leaf(array((2, 3), 5, low, high, away_from=away))
    assert gradcheck(f, (g, s))


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_second_derivative_values(name):
    a = np.array([-2.0, -0.3, 0.0, 0.7, 2.5])
    x = ac.tensor(a, dtype=ac.float64, requires_grad=True)
    (g,) = ac.grad(getattr(x, name)().sum(), x, create_graph=True)
    (h,) = ac.grad(g.sum(), x)
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-a))
        want_g, want_h = s * (1 - s), s * (1 - s) * (1 - 2 * s)
    else:
        t = np.tanh(a)
        want_g, want_h = 1 - t * t, -2 * t * (1 - t * t)
    np.testing.assert_allclose(g.detach().numpy(), want_g, rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=1e-10, atol=1e-15)


def test_gradient_conventions_at_zero():
    x = ac.tensor([0.0, 0.0], dtype=ac.float64, requires_grad=True)
    for f, want in [(lambda t: t.relu(), 0.0), (lambda t: t.leaky_relu(0.2), 0.2),
                    (lambda t: t.elu(0.5), 0.5), (lambda t: t.softplus(), 0.5)]:
        x.grad = None
        f(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), want)


@pytest.mark.parametrize("use_numba", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [6, 3000])  # one loop, and the split path
def test_stable_at_large_magnitudes(monkeypatch, use_numba, dtype, n):
    monkeypatch.setattr(K, "USE_NUMBA", use_numba)
    a = np.resize(np.array([1e4, -1e4, 1e3, -1e3, 88.0, -104.0]), n).astype(dtype)
    want = {
        "sigmoid": (np.resize([1, 0, 1, 0, 1, 0], n), np.resize([0, 0, 0, 0, 0, 0], n)),
        "softplus": (np.resize([1e4, 0, 1e3, 0, 88.0, 0], n), np.resize([1, 0, 1, 0, 1, 0], n)),
        "tanh": (np.resize([1, -1, 1, -1, 1, -1], n), np.zeros(n)),
        "elu": (np.resize([1e4, -1, 1e3, -1, 88.0, -1], n), np.resize([1, 0, 1, 0, 1, 0], n)),
        "leaky_relu": (np.where(a > 0, a, 0.01 * a), np.where(a > 0, 1, 0.01)),
        "relu": (np.maximum(a, 0), (a > 0).astype(dtype)),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, (val, grad) in want.items():
            x = ac.tensor(a, requires_grad=True)
            y = getattr(x, name)()
            y.backward(ac.ones_like(y))
            assert y.dtype == np.dtype(dtype) and x.grad.dtype == np.dtype(dtype)
            assert np.isfinite(y.numpy()).all() and np.isfinite(x.grad.numpy()).all(), name
            np.testing.assert_allclose(y.numpy(), val, rtol=1e-6, atol=1e-30, err_msg=name)
            np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-6, atol=1e-30, err_msg=name)
            (gg,) = ac.grad(getattr(x, name)().sum(), x, create_graph=True)
            (h,) = ac.grad(gg.sum(), x)
            assert np.isfinite(h.numpy()).all(), name


def test_softplus_large_beta_and_small_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = ac.tensor([1e4, -1e4, 1e-3], dtype=ac.float64)
        y = x.softplus(beta=100)
        np.testing.assert_allclose(y.numpy(), [1e4, 0.0, np.log1p(np.exp(0.1)) / 100])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(ACTS))
@pytest.mark.parametrize("n", [7, 2500])
def test_matches_torch(name, dtype, n):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(n)
    a = (rng.standard_normal(n) * 4).astype(dtype)
    a[:3] = [0.0, 25.0, -25.0]
    g = rng.standard_normal(n).astype(dtype)
    f, _ = ACTS[name]
    x = ac.tensor(a, requires_grad=True)
    y = f(x)
    y.backward(ac.tensor(g))
    tx = torch.tensor(a, requires_grad=True)
    ty = torch_act(torch, name, tx)
    ty.backward(torch.tensor(g))
    tol = dict(rtol=2e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **tol)


def test_integer_inputs():
    i = ac.tensor([-2, 0, 3])
    assert i.relu().dtype == np.int64
    np.testing.assert_array_equal(ac.relu(i).numpy(), [0, 0, 3])
    for name in ("sigmoid", "tanh", "leaky_relu", "elu", "softplus"):
        assert getattr(i, name)().dtype == np.float32, name


def test_argument_errors():
    x = ac.tensor([1.0])
    with pytest.raises(TypeError, match="leaky_relu.*negative_slope"):
        x.leaky_relu("0.1")
    with pytest.raises(TypeError, match="elu.*alpha"):
        x.elu(None)
    with pytest.raises(ValueError, match="softplus.*beta"):
        x.softplus(beta=0)
    with pytest.raises(TypeError, match="relu.*Tensor"):
        ac.relu(np.ones(3))
    with pytest.raises(TypeError, match="relu"):
        ac.tensor([True]).relu()


def test_no_graph_without_grad():
    x = ac.tensor([1.0, -1.0], requires_grad=True)
    with ac.no_grad():
        for name in ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "softplus"):
            assert getattr(x, name)().grad_fn is None


@settings(max_examples=10, deadline=None)
@given(seed=seeds, slope=st.floats(-1, 1, allow_nan=False))
def test_leaky_relu_any_slope(seed, slope):
    a = array((3, 2), seed, away_from=0.0)
    x = leaf(a)
    np.testing.assert_allclose(x.leaky_relu(slope).numpy(), np.where(a > 0, a, slope * a))
    assert gradcheck(lambda t: t.leaky_relu(slope), (x,))


@pytest.mark.parametrize("n", [5, 1000])  # one loop, and the split path
@pytest.mark.parametrize("name", sorted(ACTS))
def test_nan_and_inf_match_torch(name, n):
    torch = pytest.importorskip("torch")
    a = np.resize(np.array([np.nan, np.inf, -np.inf, 0.0, 1.5]), n)
    g = np.resize(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), n)
    f, _ = ACTS[name]
    x = ac.tensor(a, dtype=ac.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = f(x)
        y.backward(ac.tensor(g, dtype=ac.float64))
    tx = torch.tensor(a, requires_grad=True)
    ty = torch_act(torch, name, tx)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    keep = np.ones(n, bool)
    if name.startswith("elu"):
        # torch's elu gradient at NaN depends on its code path (g from the scalar loop,
        # NaN from the vectorized one, e.g. n=5 vs n=1000); ours is g on both paths
        keep = ~np.isnan(a)
        np.testing.assert_array_equal(x.grad.numpy()[~keep], g[~keep])
    np.testing.assert_allclose(x.grad.numpy()[keep], tx.grad.numpy()[keep], rtol=1e-12)
