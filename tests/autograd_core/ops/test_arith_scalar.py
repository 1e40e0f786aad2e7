"""Arithmetic with a Python number on one side (the scalar primitives)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, layouts, leaf, seeds, shapes

COVERED_OPS = {"add_scalar", "rsub_scalar", "mul_scalar", "div_scalar", "rdiv_scalar"}

CASES = {
    "x + s": (lambda x, s: x + s, lambda a, s: a + s),
    "s + x": (lambda x, s: s + x, lambda a, s: s + a),
    "x - s": (lambda x, s: x - s, lambda a, s: a - s),
    "s - x": (lambda x, s: s - x, lambda a, s: s - a),
    "x * s": (lambda x, s: x * s, lambda a, s: a * s),
    "s * x": (lambda x, s: s * x, lambda a, s: s * a),
    "x / s": (lambda x, s: x / s, lambda a, s: a / s),
    "s / x": (lambda x, s: s / x, lambda a, s: s / a),
}


@pytest.mark.parametrize("case", sorted(CASES))
@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=seeds, layout=layouts,
       s=st.sampled_from([2, -3, 0.5, -1.75, 1e-3]))
def test_scalar_ops_gradcheck(case, shape, seed, layout, s):
    f, ref = CASES[case]
    a = array(shape, seed, away_from=0.0)
    x = leaf(a, layout)
    np.testing.assert_allclose(f(x, s).numpy(), ref(a, s), rtol=1e-12)
    assert gradcheck(lambda t: f(t, s), (x,))
    assert gradgradcheck(lambda t: f(t, s), (x,))


def test_python_scalar_keeps_float32_and_int_promotes_like_numpy():
    x = ac.tensor([1.0, 2.0])
    for y in (x + 1, 1 + x, x * 2.5, 2.5 * x, x / 3, 3 / x, 1 - x, x - 1):
        assert y.dtype == np.float32
    i = ac.tensor([1, 2])
    assert (i * 2).dtype == np.int64
    assert (i * 2.5).dtype == np.float64  # numpy's promotion (PyTorch would give float32)
    assert (i / 2).dtype == np.float64


def test_scalar_grad_dtype_and_values():
    x = ac.tensor([1.0, -2.0, 4.0], requires_grad=True)
    (3 / x + x * 2 - 1).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), -3 / np.array([1.0, -2.0, 4.0]) ** 2 + 2, rtol=1e-6)


def test_bool_tensor_arithmetic_is_a_clear_error():
    b = ac.tensor([True, False])
    with pytest.raises(TypeError, match="bool tensor"):
        b * 2


def test_scalar_ops_match_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.5, -1.5], [2.0, 3.0]])
    x = ac.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    ((2 - x) * 3 / (1.5 / x) + 4).sum().backward()
    ((2 - t) * 3 / (1.5 / t) + 4).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
