"""Ops that pick elements: where, clamp/clip (number and tensor bounds), maximum,
minimum. Gradients are masks of the incoming gradient; PyTorch's masks at ties and
bounds are checked explicitly, the rest by gradcheck over broadcast shapes."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, broadcast_pairs, layouts, leaf, seeds, shapes

COVERED_OPS = {"where", "clamp", "clamp_tensor", "maximum", "minimum"}

triples = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)


@settings(max_examples=25, deadline=None)
@given(shapes3=triples, seed=seeds, layout=layouts)
def test_where_gradients_broadcast(shapes3, seed, layout):
    sc, sa, sb = shapes3.input_shapes
    rng = np.random.default_rng(seed)
    cond = ac.from_numpy(np.asarray(rng.random(sc) < 0.5))
    a, b = leaf(array(sa, seed), layout), leaf(array(sb, seed + 1), layout)
    y = ac.where(cond, a, b)
    np.testing.assert_array_equal(y.numpy(), np.where(cond.numpy(), a.numpy(), b.numpy()))
    assert gradcheck(lambda p, q: ac.where(cond, p, q), (a, b))
    assert gradgradcheck(lambda p, q: ac.where(cond, p, q), (a, b))
    # the library's own form and PyTorch's Tensor.where agree
    np.testing.assert_array_equal(cond.where(a, b).numpy(), y.numpy())
    np.testing.assert_array_equal(a.where(cond, b).numpy(), y.numpy())


def test_where_with_numbers():
    x = ac.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    y = ac.where(x > 0, x, 0.0)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), [0, 2, 0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 0])
    np.testing.assert_array_equal(ac.where(x > 0, 1.0, x).numpy(), [-1, 1, -3])
    both = ac.where(x > 0, 1.0, 0)
    assert both.dtype == np.float32  # as torch.where(cond, 1.0, 0)
    np.testing.assert_array_equal(both.numpy(), [0, 1, 0])
    np.testing.assert_array_equal(x.where(x > 0, -1.0).numpy(), [-1, 2, -1])


def test_where_single_argument_is_nonzero():
    c = ac.tensor([[True, False], [False, True]])
    rows, cols = ac.where(c)
    assert rows.dtype == np.int64
    np.testing.assert_array_equal(rows.numpy(), [0, 1])
    np.testing.assert_array_equal(cols.numpy(), [0, 1])


def test_where_errors():
    x = ac.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="where.*boolean"):
        ac.where(x, x, x)
    with pytest.raises(ValueError, match=r"where.*\(2,\).*\(3,\)"):
        ac.where(x > 0, x, ac.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="where"):
        ac.where(x > 0, x)


def _away_from_bounds(a, lo, hi):
    for v in (lo, hi):
        close = np.abs(a - v) < 0.1
        a[close] = v + 0.15 * np.where(a[close] >= v, 1, -1)
    return a


@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=seeds, layout=layouts,
       bounds=st.sampled_from([(-0.5, 0.7), (None, 0.3), (-0.2, None), (1.0, -1.0)]))
def test_clamp_number_bounds_gradients(shape, seed, layout, bounds):
    lo, hi = bounds
    a = _away_from_bounds(array(shape, seed), *(b if b is not None else 9 for b in bounds))
    x = leaf(a, layout)
    np.testing.assert_array_equal(x.clamp(lo, hi).numpy(), np.clip(a, lo, hi))
    assert gradcheck(lambda t: t.clamp(min=lo, max=hi), (x,))
    assert gradgradcheck(lambda t: ac.clip(t, lo, hi), (x,))


@settings(max_examples=25, deadline=None)
@given(shapes3=triples, seed=seeds, which=st.sampled_from(["min", "max", "both"]))
def test_clamp_tensor_bounds_gradients(shapes3, seed, which):
    sx, sl, sh = shapes3.input_shapes
    x = leaf(array(sx, seed))
    lo = leaf(array(sl, seed + 1, -1.5, 0.5))
    hi = leaf(array(sh, seed + 2, -0.5, 1.5))  # overlaps lo: min > max happens too
    if which == "min":
        f, args = (lambda t, m: t.clamp(min=m)), (x, lo)
        want = np.maximum(x.numpy(), lo.numpy())
    elif which == "max":
        f, args = (lambda t, m: t.clamp(max=m)), (x, hi)
        want = np.minimum(x.numpy(), hi.numpy())
    else:
        f, args = (lambda t, m, n: ac.clamp(t, m, n)), (x, lo, hi)
        want = np.minimum(np.maximum(x.numpy(), lo.numpy()), hi.numpy())
    np.testing.assert_array_equal(f(*args).numpy(), want)
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


def test_clamp_gradient_passes_at_the_bounds():
    x = ac.tensor([-1.0, 0.0, 0.5, 1.0, 2.0, np.nan], requires_grad=True)
    x.clamp(0.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1, 1, 0, 0])


def test_clamp_errors_and_dtypes():
    x = ac.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="clamp.*min.*max"):
        x.clamp()
    with pytest.raises(TypeError, match="clamp.*'min'"):
        x.clamp(min="0")
    with pytest.raises(ValueError, match=r"clamp.*\(2,\).*\(3,\)"):
        x.clamp(min=ac.tensor([0.0, 1.0, 2.0]))
    i = ac.tensor([1, 5, 9])
    assert i.clamp(2, 6).dtype == np.int64
    np.testing.assert_array_equal(i.clamp(2, 6).numpy(), [2, 5, 6])
    assert i.clamp(min=1.5).dtype == np.float32  # as PyTorch: a float bound makes floats
    assert x.clamp(0.5, 1.5).dtype == np.float32
    np.testing.assert_array_equal(x.clamp_min(1.5).numpy(), [1.5, 2.0])
    np.testing.assert_array_equal(x.clamp_max(ac.tensor(1.5)).numpy(), [1.0, 1.5])


@pytest.mark.parametrize("op", ["maximum", "minimum"])
@settings(max_examples=25, deadline=None)
@given(pair=broadcast_pairs(), seed=seeds, layout=layouts)
def test_maximum_minimum_gradients(op, pair, seed, layout):
    a, b = leaf(array(pair[0], seed), layout), leaf(array(pair[1], seed + 1), layout)
    f = getattr(ac, op)
    np.testing.assert_array_equal(f(a, b).numpy(), getattr(np, op)(a.numpy(), b.numpy()))
    assert gradcheck(f, (a, b))
    assert gradgradcheck(f, (a, b))


def test_maximum_minimum_ties_split_the_gradient():
    a = ac.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ac.tensor([1.0, 5.0, 0.0], requires_grad=True)
    ac.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0, 1])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1, 0])
    a.grad = b.grad = None
    a.minimum(b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 1, 0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 0, 1])
    np.testing.assert_array_equal(ac.maximum(2.0, a).numpy(), [2, 2, 3])


def test_binary_shape_errors_name_the_op():
    with pytest.raises(ValueError, match=r"maximum.*\(2,\).*\(3,\)"):
        ac.maximum(ac.ones(2), ac.ones(3))
    with pytest.raises(ValueError, match=r"minimum.*\(2,\).*\(3,\)"):
        ac.minimum(ac.ones(2), ac.ones(3))


def test_matches_torch_at_ties_bounds_and_nan():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, 2.0, np.nan, 0.0, -1.0, 3.0])
    b = np.array([1.0, np.nan, 2.0, 0.0, 4.0, -3.0])
    lo = np.array([0.0, 1.0, 0.5, 2.0, -1.0, 0.0])
    hi = np.array([1.0, 0.5, 1.0, 1.0, 0.0, 5.0])
    g = np.arange(1.0, 7.0)
    cases = [
        ("maximum", lambda p, q, m, n, lib: lib.maximum(p, q)),
        ("minimum", lambda p, q, m, n, lib: lib.minimum(p, q)),
        ("clamp both", lambda p, q, m, n, lib: lib.clamp(p, m, n)),
        ("clamp min", lambda p, q, m, n, lib: lib.clamp(p, min=m)),
        ("clamp max", lambda p, q, m, n, lib: lib.clamp(p, max=n)),
        ("clamp numbers", lambda p, q, m, n, lib: lib.clamp(p, 0.0, 1.0)),
        ("where", lambda p, q, m, n, lib: lib.where(p > q, m, n)),
    ]
    for name, f in cases:
        ours = [ac.tensor(v, dtype=ac.float64, requires_grad=True) for v in (a, b, lo, hi)]
        theirs = [torch.tensor(v, requires_grad=True) for v in (a, b, lo, hi)]
        y, ty = f(*ours, ac), f(*theirs, torch)
        y.backward(ac.tensor(g, dtype=ac.float64))
        ty.backward(torch.tensor(g))
        np.testing.assert_array_equal(y.numpy(), ty.detach().numpy(), err_msg=name)
        for o, t in zip(ours, theirs):
            want = np.zeros(6) if t.grad is None else t.grad.numpy()
            got = np.zeros(6) if o.grad is None else o.grad.numpy()
            np.testing.assert_array_equal(got, want, err_msg=name)
