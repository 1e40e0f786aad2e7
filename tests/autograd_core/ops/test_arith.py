"""Arithmetic primitives between tensors: add, sub, mul, div, neg, pow (tensor and Python
exponent), cast, clone. Gradients are gradchecked and gradgradchecked in float64 over
hypothesis-drawn broadcast pairs (0-d and size-1 dims included) and layouts
(contiguous, transposed, sliced); values, result dtypes and gradients are compared with
numpy's promotion rules and with PyTorch where installed."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, broadcast_pairs, layouts, leaf, seeds, shapes

COVERED_OPS = {"add", "sub", "mul", "div", "neg", "pow", "pow_scalar", "cast", "clone"}

SETTINGS = dict(max_examples=25, deadline=None)

# name -> (function of two tensors, numpy reference, (low, high) of the second operand)
BINARY = {
    "add": (lambda a, b: a + b, np.add, (-2, 2)),
    "sub": (lambda a, b: a - b, np.subtract, (-2, 2)),
    "mul": (lambda a, b: a * b, np.multiply, (-2, 2)),
    "div": (lambda a, b: a / b, np.true_divide, (0.5, 2)),
    "add_alpha": (lambda a, b: a.add(b, alpha=-1.5), lambda a, b: a - 1.5 * b, (-2, 2)),
    "sub_alpha": (lambda a, b: a.sub(b, alpha=2), lambda a, b: a - 2 * b, (-2, 2)),
}


def _operands(pair, seed, layout_a, layout_b, low_b, high_b, low_a=-2.0, high_a=2.0):
    (sa, sb) = pair
    a = array(sa, seed, low_a, high_a)
    b = array(sb, seed + 1, low_b, high_b)
    if low_b > 0 and np.random.default_rng(seed).random() < 0.5:
        b = -b  # both signs for the divisor, still away from 0
    return a, b, leaf(a, layout_a), leaf(b, layout_b)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(**SETTINGS)
@given(pair=broadcast_pairs(), seed=seeds, la=layouts, lb=layouts)
def test_binary_gradcheck(name, pair, seed, la, lb):
    f, ref, (low, high) = BINARY[name]
    a, b, x, y = _operands(pair, seed, la, lb, low, high)
    out = f(x, y)
    want = ref(a, b)
    assert out.shape == np.shape(want) and isinstance(out.numpy(), np.ndarray)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-14)
    assert gradcheck(f, (x, y))
    assert gradgradcheck(f, (x, y))


@settings(**SETTINGS)
@given(pair=broadcast_pairs(), seed=seeds, la=layouts, lb=layouts)
def test_pow_tensor_exponent_gradcheck(pair, seed, la, lb):
    a, b, x, y = _operands(pair, seed, la, lb, -2.0, 2.0, low_a=0.3, high_a=2.0)
    np.testing.assert_allclose((x ** y).numpy(), a ** b, rtol=1e-12)
    assert gradcheck(lambda p, q: p ** q, (x, y))
    assert gradgradcheck(lambda p, q: p.pow(q), (x, y))


@pytest.mark.parametrize("p", [0, 1, 2, 3, -1, 0.5, -2.5, 1.7])
@settings(max_examples=10, deadline=None)
@given(shape=shapes, seed=seeds, layout=layouts)
def test_pow_scalar_gradcheck(p, shape, seed, layout):
    a = array(shape, seed, 0.3, 2.0)
    x = leaf(a, layout)
    y = x ** p
    assert y.grad_fn is not None and y.grad_fn.op_name == "pow_scalar"
    np.testing.assert_allclose(y.numpy(), a ** p, rtol=1e-12)
    assert isinstance(y.numpy(), np.ndarray) and y.dtype == np.float64
    assert gradcheck(lambda t: t ** p, (x,))
    assert gradgradcheck(lambda t: t ** p, (x,))


@settings(**SETTINGS)
@given(shape=shapes, seed=seeds, layout=layouts)
def test_neg_clone_cast_gradcheck(shape, seed, layout):
    a = array(shape, seed)
    x = leaf(a, layout)
    np.testing.assert_array_equal((-x).numpy(), -a)
    for f in (lambda t: t.neg(), lambda t: t.clone(), lambda t: t._cast(np.float64),
              lambda t: t.float()):
        out = f(x)
        assert type(out.numpy()) is np.ndarray and out.shape == a.shape
        assert out.grad_fn is not None
    for f in (lambda t: -t, lambda t: t.clone(), lambda t: t._cast(np.float64)):
        assert gradcheck(f, (x,))
        assert gradgradcheck(f, (x,))


SCALAR_SIDES = {
    "x + s": lambda x, s: x + s, "s + x": lambda x, s: s + x,
    "x - s": lambda x, s: x - s, "s - x": lambda x, s: s - x,
    "x * s": lambda x, s: x * s, "s * x": lambda x, s: s * x,
    "x / s": lambda x, s: x / s, "s / x": lambda x, s: s / x,
    "x ** s": lambda x, s: x ** s, "s ** x": lambda x, s: s ** x,
}


@pytest.mark.parametrize("name", sorted(SCALAR_SIDES))
@settings(max_examples=10, deadline=None)
@given(shape=shapes, seed=seeds, layout=layouts,
       s=st.sampled_from([1.7, 3, np.float64(0.6), np.float32(2.5), np.int64(2)]))
def test_scalar_on_either_side_gradcheck(name, shape, seed, layout, s):
    """Python numbers take the scalar primitives, numpy scalars the tensor ops (as a
    0-d constant); both must differentiate the same way."""
    f = SCALAR_SIDES[name]
    a = array(shape, seed, 0.3, 2.0)
    x = leaf(a, layout)
    with np.errstate(all="ignore"):
        want = f(a, s)
    np.testing.assert_allclose(f(x, s).numpy(), want, rtol=1e-6 if s == np.float32(2.5) else 1e-12)
    assert gradcheck(lambda t: f(t, s), (x,))
    assert gradgradcheck(lambda t: f(t, s), (x,))


@pytest.mark.parametrize("name", ["x + s", "s + x", "x - s", "s - x", "x * s", "s * x",
                                  "x / s", "s / x", "x ** s", "s ** x"])
@pytest.mark.parametrize("s", [2.5, np.float64(2.5), np.float32(2.5), 3, np.int64(3)])
def test_scalar_operands_on_either_side_follow_numpy_promotion(name, s):
    a = np.array([0.5, 1.25, 2.0], dtype=np.float32)
    x = ac.tensor(a, requires_grad=True)
    f = eval(f"lambda x, s: {name}")
    out = f(x, s)
    want = f(a, s)
    assert out.dtype == want.dtype, f"{name} with {type(s).__name__}"
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
    out.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == (3,)


def test_float32_with_python_float_stays_float32():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    for y in (x * 0.1, 0.1 * x, x + 1e-3, x / 3.0, x ** 2.0, 2.0 ** x, x - 1, 1 - x):
        assert y.dtype == np.float32


def test_mixed_float_dtypes_promote_and_grads_keep_each_inputs_dtype():
    a = ac.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    b = ac.tensor(np.array([3.0, 4.0], dtype=np.float64), requires_grad=True)
    for f in (lambda p, q: p + q, lambda p, q: p * q, lambda p, q: q / p, lambda p, q: p ** q,
              lambda p, q: p - q):
        a.grad = b.grad = None
        y = f(a, b)
        assert y.dtype == np.float64
        y.sum().backward()
        assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_int_tensors_promote_like_numpy():
    i = ac.tensor([1, 2, 3])
    f = ac.tensor(np.array([0.5, 0.5, 0.5], dtype=np.float32), requires_grad=True)
    y = i * f
    assert y.dtype == np.result_type(np.int64, np.float32) and y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(f.grad.numpy(), [1.0, 2.0, 3.0])
    assert f.grad.dtype == np.float32
    assert (i + i).dtype == np.int64 and not (i + i).requires_grad
    assert (i / i).dtype == np.float64


def test_broadcast_gradients_are_reduced_to_each_input_shape():
    a = ac.tensor(np.ones((3, 1)), requires_grad=True)
    b = ac.tensor(np.arange(4.0), requires_grad=True)
    c = ac.tensor(np.array(2.0), requires_grad=True)
    ((a * b + c) * 1.0).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,) and c.grad.shape == ()
    np.testing.assert_array_equal(a.grad.numpy(), np.full((3, 1), 6.0))
    np.testing.assert_array_equal(b.grad.numpy(), np.full(4, 3.0))
    assert c.grad.item() == 12.0


def test_zero_dim_results_are_arrays():
    x = ac.tensor(np.array(2.0), requires_grad=True)
    c = ac.tensor(np.array(3.0))
    for y in (x + c, x - c, x * c, x / c, x ** c, -x, x ** 2, x + 1.0, 2.0 * x, 1.0 / x,
              c * c, c + 1.0, x.clone(), x.float()):
        assert type(y.numpy()) is np.ndarray and y.shape == ()
    y = c * c
    y.add_(1.0)  # a 0-d result is writable like any tensor
    assert y.item() == 10.0


@pytest.mark.parametrize("op, f", [("add", lambda a, b: a + b), ("sub", lambda a, b: a - b),
                                   ("mul", lambda a, b: a * b), ("div", lambda a, b: a / b),
                                   ("pow", lambda a, b: a ** b)])
def test_broadcast_errors_name_the_op_and_both_shapes(op, f):
    a, b = ac.tensor(np.ones((2, 3)), requires_grad=True), ac.tensor(np.ones(4))
    with pytest.raises(ValueError, match=rf"{op}: shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        f(a, b)


def test_unsupported_operands_are_type_errors():
    x = ac.tensor([1.0])
    with pytest.raises(TypeError, match="str"):
        x + "a"
    with pytest.raises(TypeError):
        x * object()


def test_division_by_zero_gives_inf_without_warnings():
    x = ac.tensor([1.0, -1.0, 0.0], requires_grad=True)
    z = ac.tensor([0.0, 0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x / z
    assert y.numpy()[0] == np.inf and y.numpy()[1] == -np.inf and np.isnan(y.numpy()[2])


def test_pow_exponent_gradient_at_zero_base_is_zero():
    a = ac.tensor(np.array([0.0, 2.0]), requires_grad=True)
    b = ac.tensor(np.array([2.0, 3.0]), requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 8 * np.log(2.0)])
    np.testing.assert_allclose(a.grad.numpy(), [0.0, 12.0])


def test_clone_copies_and_cast_between_float_dtypes():
    x = ac.tensor(np.array([1.0, 2.0]), requires_grad=True)
    c = x.clone()
    assert not np.shares_memory(c.numpy(), x.numpy()) and c.grad_fn is not None
    h = x.float()
    assert h.dtype == np.float32 and h.grad_fn.op_name == "cast"
    (h * h).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.5, 2, (3, 1, 4)), rng.uniform(0.5, 2, (2, 4))
    x, y = ac.tensor(a, requires_grad=True), ac.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)

    def expr(p, q):
        return ((p + q) * (p - q) / q) ** q - (-p) ** 2 + p ** 0.5 * 3.0 - 1.0 / q

    out, tout = expr(x, y), expr(tx, ty)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-10)
    # float32 tensor with a Python float, and float32 with float64 tensor, as in PyTorch
    f32 = torch.tensor([1.0, 2.0])
    assert (ac.tensor([1.0, 2.0]) * 0.5).dtype == np.float32 and (f32 * 0.5).dtype == torch.float32
    assert (f32 + torch.tensor([1.0], dtype=torch.float64)).dtype == torch.float64
    assert (ac.tensor([1.0, 2.0]) + ac.tensor(np.array([1.0]))).dtype == np.float64
