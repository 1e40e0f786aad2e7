"""Comparisons and logic ops: bool results that never require grad, numpy's values over
broadcast shapes and layouts, PyTorch's operator semantics (== returning a Tensor,
~ on bool/int tensors, & | ^), and clear errors."""
import operator

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_core as ac
from tests.strategies import array, broadcast_pairs, layouts, leaf, seeds, shapes

COVERED_OPS = {"eq", "ne", "lt", "le", "gt", "ge", "isnan", "isfinite", "isinf",
               "logical_not", "logical_and", "logical_or", "logical_xor", "bitwise_not",
               "bitwise_and", "bitwise_or", "bitwise_xor", "isclose"}

BINARY = {
    "eq": (operator.eq, np.equal), "ne": (operator.ne, np.not_equal),
    "lt": (operator.lt, np.less), "le": (operator.le, np.less_equal),
    "gt": (operator.gt, np.greater), "ge": (operator.ge, np.greater_equal),
    "logical_and": (ac.logical_and, np.logical_and),
    "logical_or": (ac.logical_or, np.logical_or),
    "logical_xor": (ac.logical_xor, np.logical_xor),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=20, deadline=None)
@given(pair=broadcast_pairs(), seed=seeds, layout=layouts)
def test_binary_values_and_no_grad(name, pair, seed, layout):
    op, ref = BINARY[name]
    a = np.round(array(pair[0], seed), 1)  # rounding makes ties (==) actually happen
    b = np.round(array(pair[1], seed + 1), 1)
    x, y = leaf(a, layout), leaf(b, layout)
    out = op(x, y)
    assert out.dtype == np.bool_
    assert not out.requires_grad and out.grad_fn is None
    assert isinstance(out.numpy(), np.ndarray)
    np.testing.assert_array_equal(out.numpy(), ref(a, b))
    method = getattr(x, name)(y)
    np.testing.assert_array_equal(method.numpy(), ref(a, b))
    np.testing.assert_array_equal(getattr(ac, name)(x, y).numpy(), ref(a, b))


@settings(max_examples=20, deadline=None)
@given(shape=shapes, seed=seeds)
def test_unary_predicates(shape, seed):
    a = array(shape, seed)
    a.reshape(-1)[::3] = np.nan
    a.reshape(-1)[1::5] = np.inf
    a.reshape(-1)[2::7] = -np.inf
    x = leaf(a)
    for name in ("isnan", "isfinite", "isinf", "logical_not"):
        out = getattr(x, name)()
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.numpy(), getattr(np, name)(a))
        np.testing.assert_array_equal(getattr(ac, name)(x).numpy(), getattr(np, name)(a))


def test_comparisons_with_numbers_and_reflected():
    x = ac.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal((x == 2).numpy(), [False, True, False])
    np.testing.assert_array_equal((x != 2).numpy(), [True, False, True])
    np.testing.assert_array_equal((2 < x).numpy(), [False, False, True])
    np.testing.assert_array_equal((2 >= x).numpy(), [True, True, False])
    np.testing.assert_array_equal((x == [1.0, 0.0, 3.0]).numpy(), [True, False, True])
    np.testing.assert_array_equal(x.greater(1).numpy(), [False, True, True])
    np.testing.assert_array_equal(ac.less_equal(x, 2).numpy(), [True, True, False])
    np.testing.assert_array_equal(ac.not_equal(x, 2).numpy(), [True, False, True])


def test_eq_with_unrelated_objects_and_hashing():
    x = ac.tensor([1.0])
    assert (x == None) is False  # noqa: E711  (NotImplemented -> identity comparison)
    assert (x != "a") is True
    assert len({x, ac.tensor([1.0])}) == 2  # hashed by identity
    assert {x: 1}[x] == 1


def test_invert_and_bitwise():
    b = ac.tensor([True, False, True])
    c = ac.tensor([True, True, False])
    np.testing.assert_array_equal((~b).numpy(), [False, True, False])
    np.testing.assert_array_equal((b & c).numpy(), [True, False, False])
    np.testing.assert_array_equal((b | c).numpy(), [True, True, True])
    np.testing.assert_array_equal((b ^ c).numpy(), [False, True, True])
    np.testing.assert_array_equal((True & b).numpy(), [True, False, True])
    np.testing.assert_array_equal((False | b).numpy(), [True, False, True])
    i = ac.tensor([5, 12])
    np.testing.assert_array_equal((~i).numpy(), [-6, -13])
    np.testing.assert_array_equal((i & 4).numpy(), [4, 4])
    np.testing.assert_array_equal((i | 1).numpy(), [5, 13])
    np.testing.assert_array_equal((3 ^ i).numpy(), [6, 15])
    assert (~i).dtype == np.int64


def test_bitwise_on_floats_is_an_error():
    x = ac.tensor([1.0, 0.0])
    with pytest.raises(TypeError, match="bitwise_not.*float32"):
        ~x
    with pytest.raises(TypeError, match="bitwise_and.*float32"):
        x & ac.tensor([True, False])
    with pytest.raises(TypeError, match="bitwise_or.*float64"):
        ac.tensor([True]) | 1.5


def test_logical_ops_on_numbers_treat_nonzero_as_true():
    x = ac.tensor([0.0, 2.0, -1.0])
    np.testing.assert_array_equal(x.logical_not().numpy(), [True, False, False])
    np.testing.assert_array_equal(x.logical_and(ac.tensor([1, 1, 0])).numpy(), [False, True, False])
    np.testing.assert_array_equal(ac.logical_or(x, 0).numpy(), [False, True, True])


def test_shape_errors_name_the_op():
    with pytest.raises(ValueError, match=r"lt.*\(2,\).*\(3,\)"):
        ac.ones(2) < ac.ones(3)
    with pytest.raises(ValueError, match=r"eq.*\(2, 2\).*\(3,\)"):
        ac.ones(2, 2) == ac.ones(3)


def test_comparison_never_requires_grad_and_masks_gradients():
    x = ac.tensor([-1.0, 2.0], requires_grad=True)
    m = x > 0
    assert not m.requires_grad and m.is_leaf
    (x * m.float()).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1])


def test_isclose_allclose_equal():
    a = ac.tensor([1.0, np.nan, 3.0])
    b = ac.tensor([1.0 + 1e-7, np.nan, 3.1])
    np.testing.assert_array_equal(a.isclose(b).numpy(), [True, False, False])
    np.testing.assert_array_equal(ac.isclose(a, b, equal_nan=True).numpy(), [True, True, False])
    np.testing.assert_array_equal(a.isclose(b, atol=0.2, equal_nan=True).numpy(), [True] * 3)
    assert not a.allclose(b) and a.allclose(b, atol=0.2, equal_nan=True)
    assert ac.equal(ac.tensor([1, 2]), ac.tensor([1, 2]))
    assert not ac.equal(ac.tensor([1, 2]), ac.tensor([[1, 2]]))
    assert not ac.tensor([1, 2]).equal(ac.tensor([1, 3]))


def test_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, np.nan, -np.inf, 0.0, 2.0, -0.0], dtype=np.float32)
    b = np.array([1.0, np.nan, -np.inf, -0.0, np.inf, 1.0], dtype=np.float32)
    x, y = ac.tensor(a), ac.tensor(b)
    tx, ty = torch.tensor(a), torch.tensor(b)
    for name in ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or",
                 "logical_xor", "isclose"):
        np.testing.assert_array_equal(getattr(x, name)(y).numpy(),
                                      getattr(tx, name)(ty).numpy(), err_msg=name)
    for name in ("isnan", "isfinite", "isinf", "logical_not"):
        np.testing.assert_array_equal(getattr(x, name)().numpy(),
                                      getattr(tx, name)().numpy(), err_msg=name)
    i = np.array([5, -3, 0], dtype=np.int64)
    np.testing.assert_array_equal((~ac.tensor(i)).numpy(), (~torch.tensor(i)).numpy())
