"""Softmax and log-softmax: values, first/second/third-order gradients, stability."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck, kernels
from autograd_core.ops.softmax import LogSoftmaxGrad, SoftmaxGrad
from tests.strategies import array, layouts, leaf, seeds
from tests.autograd_core.ops.reduce_strategies import shape_and_dim

COVERED_OPS = {"softmax", "log_softmax", "softmax_backward", "log_softmax_backward"}


def np_log_softmax(a, axis):
    z = a - a.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


@pytest.fixture(params=["numba", "numpy"])
def kernel_switch(request, monkeypatch):
    """Run a test on the Numba loops and again on the numpy twins."""
    monkeypatch.setattr(kernels, "USE_NUMBA", request.param == "numba")
    return request.param


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("use_numba", [True, False])
@settings(max_examples=20, deadline=None)
@given(sd=shape_and_dim(kinds=("int",)), seed=seeds, layout=layouts,
       scale=st.sampled_from([1.0, 30.0]))
def test_values_and_gradients(op, use_numba, sd, seed, layout, scale):
    shape, dim = sd
    old = kernels.USE_NUMBA
    kernels.USE_NUMBA = use_numba
    try:
        a = array(shape, seed) * scale
        x = leaf(a, layout)
        y = getattr(x, op)(dim)
        ref = np_log_softmax(a, dim) if a.ndim else np.zeros_like(a)
        if op == "softmax":
            ref = np.exp(ref)
        # atol: log-softmax near 0 is (x - max) - log(s) with s ~ 1, so its error is
        # absolute (an ulp of s, 2.2e-16), whatever order the row sum takes
        np.testing.assert_allclose(y.numpy(), ref, rtol=1e-12, atol=1e-15)
        assert y.shape == a.shape and y.dtype == np.float64
        assert gradcheck(lambda t: getattr(t, op)(dim), (x,))
        assert gradgradcheck(lambda t: getattr(t, op)(dim), (x,))
    finally:
        kernels.USE_NUMBA = old


@pytest.mark.parametrize("cls", [SoftmaxGrad, LogSoftmaxGrad])
@settings(max_examples=20, deadline=None)
@given(sd=shape_and_dim(kinds=("int",)), seed=seeds, layout=layouts)
def test_backward_primitives_have_gradients_of_their_own(cls, sd, seed, layout):
    """gradcheck/gradgradcheck of the fused backward ops = 2nd/3rd derivatives of softmax."""
    shape, dim = sd
    d = dim % len(shape) if shape else 0
    a = array(shape, seed)
    with ac.no_grad():
        y0 = ac.tensor(a).softmax(dim) if cls is SoftmaxGrad else ac.tensor(a).log_softmax(dim)
    g = leaf(array(shape, seed + 1), layout)
    y = leaf(y0.numpy(), layout)

    def f(g, y):
        return g._apply(cls, g, y, dim=d)

    assert gradcheck(f, (g, y))
    assert gradgradcheck(f, (g, y))


def test_stable_and_exact_for_large_logits(kernel_switch):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dt in ("float32", "float64"):
            x = ac.tensor([[1e4, -1e4, 1e4], [-1e4, -1e4, -1e4], [0.0, 1e4, -1e4]],
                          dtype=dt, requires_grad=True)
            s = x.softmax(1)
            np.testing.assert_allclose(s.numpy(), [[0.5, 0, 0.5], [1 / 3] * 3, [0, 1, 0]],
                                       rtol=1e-6, atol=0)
            ls = x.log_softmax(-1)
            np.testing.assert_allclose(
                ls.numpy(),
                [[-np.log(2), -2e4 - np.log(2), -np.log(2)], [-np.log(3)] * 3, [-1e4, 0, -2e4]],
                rtol=1e-6)
            assert np.isfinite(ls.numpy()).all()
            ls.sum().backward()
            assert np.isfinite(x.grad.numpy()).all()
            x.grad = None
            (s * ac.tensor(np.arange(9.0).reshape(3, 3), dtype=dt)).sum().backward()
            assert np.isfinite(x.grad.numpy()).all()
            # softmax along dim 0 (the numpy twin's layout) is just as stable
            np.testing.assert_array_equal(x.softmax(0).numpy()[:, 1], [0, 0, 1])


def test_matches_torch_including_grad_of_grad(kernel_switch):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).normal(size=(4, 5)) * 10
    w = np.random.default_rng(1).normal(size=(4, 5))
    for op in ("softmax", "log_softmax"):
        for dim in (0, 1):
            x = ac.tensor(a, requires_grad=True)
            t = torch.tensor(a, requires_grad=True)
            y, yt = getattr(x, op)(dim), getattr(t, op)(dim)
            np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-300)
            (gx,) = ac.grad((y * ac.tensor(w)).sum(), x, create_graph=True)
            (gt,) = torch.autograd.grad((yt * torch.tensor(w)).sum(), t, create_graph=True)
            np.testing.assert_allclose(gx.numpy(), gt.detach().numpy(), rtol=1e-10, atol=1e-14)
            (gx * gx).sum().backward()
            (gt * gt).sum().backward()
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-14)


def test_float32_results(kernel_switch):
    a = np.random.default_rng(2).normal(size=(64, 10)).astype(np.float32) * 5
    x = ac.tensor(a, requires_grad=True)
    y = x.log_softmax(1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), np_log_softmax(a.astype(np.float64), 1), rtol=2e-6,
                               atol=2e-6)
    p = x.softmax(-1)
    np.testing.assert_allclose(p.numpy().sum(1), 1.0, rtol=1e-6)
    p.backward(ac.tensor(np.ones_like(a)))
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), 0.0, atol=1e-6)  # softmax sums to 1


def test_rows_with_nan_or_inf_become_nan_as_pytorch(kernel_switch):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = ac.tensor([[np.nan, 1.0], [np.inf, 1.0], [-np.inf, 1.0], [1.0, 2.0]])
        s = x.softmax(1).numpy()
        assert np.isnan(s[0]).all() and np.isnan(s[1]).all()
        np.testing.assert_array_equal(s[2], [0.0, 1.0])
        assert np.isfinite(s[3]).all()
        ls = x.log_softmax(1).numpy()
        assert np.isnan(ls[0]).all() and ls[2, 0] == -np.inf and ls[2, 1] == 0.0


def test_zero_dim_and_empty():
    x = ac.tensor(3.0, dtype="float64", requires_grad=True)
    assert x.softmax(0).item() == 1.0 and x.log_softmax(-1).item() == 0.0
    x.softmax(0).backward()
    assert x.grad.item() == 0.0
    assert gradgradcheck(lambda t: t.log_softmax(0), (x,))
    e = ac.zeros((0, 4))
    assert e.softmax(1).shape == (0, 4) and e.log_softmax(0).shape == (0, 4)


def test_arguments():
    x = ac.tensor([[1.0, 2.0]])
    with pytest.raises(TypeError, match="softmax.*dim is required"):
        x.softmax()
    with pytest.raises(TypeError, match="log_softmax.*floating point.*int64"):
        ac.tensor([1, 2]).log_softmax(0)
    assert ac.tensor([1, 2]).softmax(0, dtype="float64").dtype == np.float64
    with pytest.raises(IndexError, match=r"softmax.*\[-2, 1\].*got 2"):
        x.softmax(2)
    with pytest.raises(TypeError, match="softmax.*int"):
        x.softmax((0, 1))
    np.testing.assert_allclose(ac.softmax(x, axis=1).numpy(), [[0.26894142, 0.7310586]])
    np.testing.assert_allclose(ac.log_softmax(x, 0).numpy(), [[0.0, 0.0]])
