"""Unary elementwise math: exp/log family, sqrt, abs, sign, trig, rounding.

Each differentiable op is gradchecked and gradgradchecked in float64 over hypothesis-
drawn shapes (0-d, size-1 dims) and layouts (contiguous, transposed, sliced), with
values inside its domain and away from kinks; values and gradients are compared with
PyTorch where installed; special values (0, +-1e4, inf) give numpy's/PyTorch's answer
without warnings.
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, layouts, leaf, seeds, shapes

COVERED_OPS = {"exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt",
               "reciprocal", "abs", "sin", "cos", "sign", "floor", "ceil", "round", "trunc"}

# name -> (method, numpy reference, low, high, away_from)
UNARY = {
    "exp": (lambda x: x.exp(), np.exp, -2, 2, None),
    "expm1": (lambda x: x.expm1(), np.expm1, -2, 2, None),
    "log": (lambda x: x.log(), np.log, 0.2, 3, None),
    "log1p": (lambda x: x.log1p(), np.log1p, -0.8, 2, None),
    "log2": (lambda x: x.log2(), np.log2, 0.2, 3, None),
    "log10": (lambda x: x.log10(), np.log10, 0.2, 3, None),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, 0.2, 3, None),
    "rsqrt": (lambda x: x.rsqrt(), lambda a: 1 / np.sqrt(a), 0.3, 3, None),
    "reciprocal": (lambda x: x.reciprocal(), np.reciprocal, -2, 2, 0.0),
    "square": (lambda x: x.square(), np.square, -2, 2, None),
    "abs": (lambda x: x.abs(), np.abs, -2, 2, 0.0),
    "sin": (lambda x: x.sin(), np.sin, -3, 3, None),
    "cos": (lambda x: x.cos(), np.cos, -3, 3, None),
    # piecewise constant: zero gradient; random values are never within eps of a jump
    "sign": (lambda x: x.sign(), np.sign, -2, 2, 0.0),
    "floor": (lambda x: x.floor(), np.floor, -3, 3, None),
    "ceil": (lambda x: x.ceil(), np.ceil, -3, 3, None),
    "round": (lambda x: x.round(), np.round, -3, 3, None),
    "round2": (lambda x: x.round(decimals=1), lambda a: np.round(a, 1), -3, 3, None),
    "trunc": (lambda x: x.trunc(), np.trunc, -3, 3, None),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=seeds, layout=layouts)
def test_unary_values_and_gradients(name, shape, seed, layout):
    f, ref, low, high, away = UNARY[name]
    a = array(shape, seed, low, high, away_from=away)
    x = leaf(a, layout)
    y = f(x)
    assert y.shape == a.shape and y.dtype == np.float64
    assert isinstance(y.numpy(), np.ndarray)
    np.testing.assert_allclose(y.numpy(), ref(a), rtol=1e-12, atol=1e-15)
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "sign", "sin", "cos"])
def test_module_functions_match_methods(name):
    x = ac.tensor([0.5, 1.5, 2.0])
    np.testing.assert_array_equal(getattr(ac, name)(x).numpy(), getattr(x, name)().numpy())


def test_module_function_rejects_non_tensor():
    with pytest.raises(TypeError, match="exp.*Tensor"):
        ac.exp([1.0, 2.0])


def test_aliases_and_python_protocols():
    x = ac.tensor([-1.25, 2.5])
    np.testing.assert_array_equal(abs(x).numpy(), [1.25, 2.5])
    np.testing.assert_array_equal(ac.absolute(x).numpy(), [1.25, 2.5])
    np.testing.assert_array_equal(round(x).numpy(), [-1.0, 2.0])  # half to even
    np.testing.assert_array_equal(x.fix().numpy(), [-1.0, 2.0])
    np.testing.assert_allclose(ac.round(x, decimals=1).numpy(), [-1.2, 2.5], rtol=1e-7)
    with pytest.raises(TypeError, match="decimals"):
        x.round(1.5)


def test_float_results_promote_integers_to_default_float():
    i = ac.tensor([1, 4, 9])
    for name in ("exp", "log", "sqrt", "sin", "rsqrt", "reciprocal", "log1p", "expm1"):
        assert getattr(i, name)().dtype == np.float32, name
    np.testing.assert_allclose(i.sqrt().numpy(), [1, 2, 3])


def test_integer_results_stay_integer():
    i = ac.tensor([-2, 0, 3])
    for name in ("abs", "sign", "floor", "ceil", "round", "trunc", "square"):
        y = getattr(i, name)()
        assert y.dtype == np.int64, name
    np.testing.assert_array_equal(i.sign().numpy(), [-1, 0, 1])
    np.testing.assert_array_equal(i.square().numpy(), [4, 0, 9])
    b = ac.tensor([True, False])
    assert b.sign().dtype == np.bool_
    np.testing.assert_array_equal(b.sign().numpy(), [True, False])


def test_float32_stays_float32():
    x = ac.tensor([0.5, 2.0], requires_grad=True)
    for name in ("exp", "log", "sqrt", "abs", "sin", "rsqrt", "square", "floor"):
        y = getattr(x, name)()
        assert y.dtype == np.float32, name
        y.sum().backward()
        assert x.grad.dtype == np.float32
        x.grad = None


def test_gradient_conventions_at_kinks():
    x = ac.tensor([0.0, -0.0, 2.0, -3.0], dtype=ac.float64, requires_grad=True)
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 1, -1])  # abs'(0) = 0

    x.grad = None
    x.sign().sum().backward()
    assert x.grad is not None  # a zero gradient, not a missing one (as PyTorch)
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 0, 0])

    for name in ("floor", "ceil", "round", "trunc"):
        x.grad = None
        getattr(x, name)().sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), 0.0)


def test_special_values_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = ac.tensor([0.0, -1.0, 1e4, -1e4], dtype=ac.float64, requires_grad=True)
        np.testing.assert_array_equal(z.log().numpy()[:2], [-np.inf, np.nan])
        np.testing.assert_array_equal(z.log1p().numpy()[:2], [0.0, -np.inf])
        np.testing.assert_allclose(z.log1p().numpy()[2], np.log(10001.0))
        assert np.isnan(z.log1p().numpy()[3])
        np.testing.assert_array_equal(z.exp().numpy()[2:], [np.inf, 0.0])
        np.testing.assert_array_equal(z.expm1().numpy()[2:], [np.inf, -1.0])
        np.testing.assert_array_equal(z.sqrt().numpy()[:2], [0.0, np.nan])
        np.testing.assert_array_equal(z.rsqrt().numpy()[0], np.inf)
        np.testing.assert_array_equal(z.reciprocal().numpy()[0], np.inf)
        for dt in (ac.float32, ac.float64):
            w = ac.tensor([0.0, 4.0], dtype=dt, requires_grad=True)
            w.sqrt().sum().backward()  # d sqrt / dx at 0 is inf, as PyTorch
            np.testing.assert_array_equal(w.grad.numpy(), [np.inf, 0.25])
            w.grad = None
            w.log().sum().backward()
            np.testing.assert_array_equal(w.grad.numpy(), [np.inf, 0.25])
        big = ac.tensor([1e4, -1e4], requires_grad=True)  # float32: exp overflows to inf
        big.exp().sum().backward()
        np.testing.assert_array_equal(big.grad.numpy(), [np.inf, 0.0])
        inf = ac.tensor([np.inf, -np.inf, np.nan])
        assert np.isnan(inf.sin().numpy()).all() and np.isnan(inf.cos().numpy()).all()


def test_0d_results_are_arrays():
    x = ac.tensor(2.0, requires_grad=True)
    for name in ("exp", "log", "sqrt", "abs", "sign", "sin", "floor", "reciprocal"):
        y = getattr(x, name)()
        assert y.shape == () and isinstance(y.numpy(), np.ndarray), name


def test_second_derivative_of_log_through_create_graph():
    x = ac.tensor([0.5, 2.0], dtype=ac.float64, requires_grad=True)
    (g,) = ac.grad(x.log().sum(), x, create_graph=True)
    (h,) = ac.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), -1 / np.array([0.5, 2.0]) ** 2)


TORCH_CASES = {
    "exp": np.array([-3.0, 0.0, 2.5]),
    "expm1": np.array([-3.0, 1e-8, 2.5]),
    "log": np.array([0.0, 0.5, 3.0]),
    "log1p": np.array([-1.0, 1e-8, 3.0]),
    "log2": np.array([0.0, 0.5, 3.0]),
    "log10": np.array([0.0, 0.5, 3.0]),
    "sqrt": np.array([0.0, 0.5, 3.0]),
    "rsqrt": np.array([0.0, 0.5, 3.0]),
    "reciprocal": np.array([0.0, -0.5, 3.0]),
    "square": np.array([-2.0, 0.0, 3.0]),
    "abs": np.array([-2.0, 0.0, 3.0]),
    "sign": np.array([-2.0, 0.0, 3.0]),
    "sin": np.array([-2.0, 0.0, 3.0]),
    "cos": np.array([-2.0, 0.0, 3.0]),
    "floor": np.array([-2.5, 0.0, 3.7]),
    "ceil": np.array([-2.5, 0.0, 3.7]),
    "round": np.array([-2.5, 0.5, 1.5]),
    "trunc": np.array([-2.5, 0.0, 3.7]),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    a = TORCH_CASES[name].astype(dtype)
    g = np.array([0.5, -1.5, 2.0], dtype=dtype)
    x = ac.tensor(a, requires_grad=True)
    y = getattr(x, name)()
    y.backward(ac.tensor(g))
    tx = torch.tensor(a, requires_grad=True)
    ty = getattr(tx, name)()
    ty.backward(torch.tensor(g))
    tol = dict(rtol=1e-6, atol=1e-7) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **tol)
