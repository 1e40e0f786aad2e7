"""Extremes: amax, amin, max/min (global and along a dim), argmax, argmin."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, layouts, leaf, seeds
from tests.autograd_core.ops.reduce_strategies import np_axes, shape_and_dim

COVERED_OPS = {"amax", "amin", "max", "min", "argmax", "argmin"}


@pytest.mark.parametrize("op", ["amax", "amin"])
@settings(max_examples=25, deadline=None)
@given(sd=shape_and_dim(), keepdim=st.booleans(), seed=seeds, layout=layouts)
def test_amax_amin_values_and_gradients(op, sd, keepdim, seed, layout):
    shape, dim = sd
    a = array(shape, seed)  # continuous draws: no ties, so finite differences are valid
    x = leaf(a, layout)
    y = getattr(x, op)(dim, keepdim)
    ref = getattr(np, "max" if op == "amax" else "min")(a, np_axes(dim, a.ndim), keepdims=keepdim)
    np.testing.assert_array_equal(y.numpy(), ref)
    assert gradcheck(lambda t: getattr(t, op)(dim, keepdim), (x,))
    assert gradgradcheck(lambda t: getattr(t, op)(dim, keepdim), (x,))


@pytest.mark.parametrize("op", ["max", "min"])
@settings(max_examples=25, deadline=None)
@given(sd=shape_and_dim(kinds=("int",)), keepdim=st.booleans(), seed=seeds, layout=layouts)
def test_max_min_along_dim_values_indices_and_gradients(op, sd, keepdim, seed, layout):
    shape, dim = sd
    a = array(shape, seed)
    x = leaf(a, layout)
    values, indices = getattr(x, op)(dim, keepdim)
    assert indices.dtype == np.int64 and not indices.requires_grad
    if a.ndim:
        arg = getattr(np, "arg" + op)(a, axis=dim, keepdims=keepdim)
        np.testing.assert_array_equal(indices.numpy(), arg)
        np.testing.assert_array_equal(
            values.numpy(), getattr(np, op)(a, axis=dim, keepdims=keepdim))
    else:
        assert indices.item() == 0 and values.item() == a.item()
    assert gradcheck(lambda t: getattr(t, op)(dim, keepdim).values, (x,))
    assert gradgradcheck(lambda t: getattr(t, op)(dim, keepdim)[0], (x,))
    assert gradcheck(lambda t: getattr(t, op)(), (x,))


def test_max_with_dim_returns_a_named_tuple():
    x = ac.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    r = x.max(1)
    assert type(r) is ac.return_types.max
    assert r.values.numpy().tolist() == [5.0, 7.0]
    assert r.indices.numpy().tolist() == [1, 0]
    v, i = ac.min(x, dim=0, keepdim=True)
    assert v.shape == i.shape == (1, 3)
    assert i.numpy().tolist() == [[0, 1, 0]]
    assert "values=" in repr(r) and "indices=" in repr(r)
    assert x.max(axis=0, keepdims=True).values.shape == (1, 3)  # numpy's names accepted


def test_ties_global_max_splits_evenly_max_dim_picks_the_index():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x = ac.tensor(a, requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0.5, 0.5], [0, 0, 0]])
    x = ac.tensor(a, requires_grad=True)
    x.max(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])
    x = ac.tensor(a, requires_grad=True)
    x.amin(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    x = ac.tensor(a, requires_grad=True)
    x.amax((0, 1), keepdim=True).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0.5, 0.5], [0, 0, 0]])


def test_ties_and_nan_match_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[[1.0, 4.0, 4.0], [np.nan, 2.0, np.nan]], [[0.0, 0.0, -1.0], [3.0, 3.0, 3.0]]])
    for op in ("max", "min"):
        for dim in (0, 1, 2, -1):
            x = ac.tensor(a, requires_grad=True)
            t = torch.tensor(a, requires_grad=True)
            r, rt = getattr(x, op)(dim), getattr(t, op)(dim)
            np.testing.assert_array_equal(r.values.numpy(), rt.values.detach().numpy())
            np.testing.assert_array_equal(r.indices.numpy(), rt.indices.numpy())
            r.values.sum().backward()
            rt.values.sum().backward()
            np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
        # amax/amin: PyTorch's gradient is NaN over a slice holding NaN (ours goes to
        # the NaN entries, as its global max() does: tested below), so compare on ties
        b = np.nan_to_num(a, nan=4.0)
        for amop in ("amax", "amin"):
            for dim in ((0, 2), 1, (0, 1, 2)):
                x = ac.tensor(b, requires_grad=True)
                t = torch.tensor(b, requires_grad=True)
                y, yt = getattr(x, amop)(dim), getattr(t, amop)(dim)
                np.testing.assert_array_equal(y.numpy(), yt.detach().numpy())
                y.sum().backward()
                yt.sum().backward()
                np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
        x = ac.tensor(a, requires_grad=True)
        t = torch.tensor(a, requires_grad=True)
        getattr(x, op)().backward()
        getattr(t, op)().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_nan_slices_send_the_gradient_to_the_nan_entries():
    x = ac.tensor([[np.nan, 1.0, np.nan], [0.0, 2.0, 1.0]], dtype="float64",
                  requires_grad=True)
    y = x.amax(1)
    assert np.isnan(y.numpy()[0]) and y.numpy()[1] == 2.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.5, 0, 0.5], [0, 1, 0]])


def test_empty_reductions_raise_naming_the_op():
    x = ac.zeros((0, 3))
    for op in ("max", "min", "amax", "amin", "argmax", "argmin"):
        with pytest.raises(RuntimeError, match=rf"^{op}\(\).*empty|^{op}\(\).*non-zero size"):
            getattr(x, op)()
        with pytest.raises(RuntimeError, match=rf"^{op}\(\): expected reduction dim 0"):
            getattr(x, op)(0)
    assert x.amax(1).shape == (0,)  # reducing a non-empty dim of an empty tensor is fine
    assert x.max(1).indices.shape == (0,)
    assert x.argmin(1, keepdim=True).shape == (0, 1)


def test_argmax_argmin():
    a = np.array([[3.0, 9.0, 9.0, -1.0], [0.0, -5.0, 2.0, -5.0]])
    x = ac.tensor(a, requires_grad=True)
    for op in ("argmax", "argmin"):
        f = getattr(np, op)
        for dim in (0, 1, -1):
            for keepdim in (False, True):
                r = getattr(x, op)(dim, keepdim)
                assert r.dtype == np.int64 and not r.requires_grad and r.grad_fn is None
                np.testing.assert_array_equal(r.numpy(), f(a, axis=dim, keepdims=keepdim))
        assert getattr(x, op)().item() == f(a)
        assert getattr(ac, op)(x, keepdim=True).shape == (1, 1)
    assert ac.OPS["argmax"].differentiable is False
    assert ac.OPS["argmin"].differentiable is False
    assert ac.tensor(5.0).argmax().item() == 0 and ac.tensor(5.0).argmin(0).shape == ()


def test_zero_dim_input():
    x = ac.tensor(2.5, dtype="float64", requires_grad=True)
    r = x.max(0)
    assert r.values.shape == () and r.indices.item() == 0
    r.values.backward()
    assert x.grad.item() == 1.0
    assert x.amin(-1).item() == 2.5 and x.max().item() == 2.5


def test_dim_must_be_an_int_for_max():
    x = ac.ones((2, 3))
    with pytest.raises(TypeError, match="max.*int.*amax"):
        x.max((0, 1))
    with pytest.raises(IndexError, match=r"min.*\[-2, 1\]"):
        x.min(5)


def test_max_with_a_tensor_is_elementwise():
    if not hasattr(ac.Tensor, "maximum"):
        pytest.skip("elementwise maximum not available")
    a, b = ac.tensor([1.0, 5.0]), ac.tensor([3.0, 2.0])
    assert a.max(b).numpy().tolist() == [3.0, 5.0]
    assert ac.min(a, b).numpy().tolist() == [1.0, 2.0]


def test_integer_extremes_work_without_grad():
    x = ac.tensor([[3, 1], [2, 8]])
    assert x.max().item() == 8 and x.amin(0).numpy().tolist() == [2, 1]
    assert x.max(1).values.dtype == np.int64


@pytest.mark.parametrize("keepdim", [False, True])
def test_max_dim_indices_changed_in_place_are_caught(keepdim):
    # the node saves its index output (as PyTorch): an in-place change is an error,
    # never a gradient sent to the wrong entry
    x = ac.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], requires_grad=True)
    values, idx = x.max(1, keepdim=keepdim)
    idx.mul_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*saved by max"):
        values.sum().backward()


def test_max_dim_double_backward_is_zero_and_leaves_indices_out():
    x = ac.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], requires_grad=True)
    (g,) = ac.grad((x.max(1).values ** 2).sum(), [x], create_graph=True)
    np.testing.assert_array_equal(g.numpy(), [[0, 10, 0], [0, 0, 12]])
    (gg,) = ac.grad(g.sum(), [x])
    np.testing.assert_array_equal(gg.numpy(), [[0, 2, 0], [0, 0, 2]])
