"""The tutorial tensor ops: remainder/fmod/floor_divide, cumsum/cumprod, sort/argsort/
topk, erf/erfc/erfinv, all/any, histc/histogram, tril/triu/diag/diagonal/outer/bmm/
roll/trace, einsum: values against numpy (and PyTorch behind importorskip),
gradcheck and gradgradcheck in float64 over drawn shapes and layouts, special points
(zeros for cumprod, ties for sort/topk), and the errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, broadcast_pairs, layouts, leaf, seeds
from tests.autograd_core.ops.reduce_strategies import shape_and_dim

COVERED_OPS = {"remainder", "fmod", "floor_divide", "cumsum", "cumprod", "argsort", "topk",
               "cummax", "cummin",
               "erf", "erfc", "erfinv", "all", "any"}

FEW = settings(max_examples=15, deadline=None)


def _both(fn, xs):
    assert gradcheck(fn, xs)
    assert gradgradcheck(fn, xs)


# -- remainder / fmod / floor_divide --------------------------------------------------------
@FEW
@given(pair=broadcast_pairs(), seed=seeds, layout=layouts)
def test_remainder_fmod_values_and_gradients(pair, seed, layout):
    a = array(pair[0], seed, -5, 5)
    b = array(pair[1], seed + 1, 0.5, 2.0) * np.where(array(pair[1], seed + 2) > 0, 1, -1)
    # keep a / b away from integers, where the quotient (and the gradient) jumps
    q = a / b
    a = np.where(np.abs(q - np.round(q)) < 0.1, a + 0.3 * b, a)
    x, y = leaf(a, layout), leaf(b, layout)
    np.testing.assert_allclose((x % y).numpy(), np.mod(a, b), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ac.fmod(x, y).numpy(), np.fmod(a, b), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal((x // y).numpy(), np.floor_divide(a, b))
    _both(lambda s, t: s % t, (x, y))
    _both(lambda s, t: s.fmod(t), (x, y))


def test_remainder_sign_rules_match_python_and_torch():
    a = [7, -7, 7, -7, 5, 0]
    b = [3, 3, -3, -3, 5, 2]
    ta, tb = ac.tensor(a), ac.tensor(b)
    assert (ta % tb).tolist() == [x % y for x, y in zip(a, b)]
    assert (ta // tb).tolist() == [x // y for x, y in zip(a, b)]
    assert ac.fmod(ta, tb).tolist() == [int(math.fmod(x, y)) for x, y in zip(a, b)]
    assert (7 % ac.tensor([3, -3])).tolist() == [1, -2]
    assert (7 // ac.tensor([2, -2])).tolist() == [3, -4]
    assert (ac.tensor([-7.5]) % 2).tolist() == [0.5]
    with pytest.raises(ZeroDivisionError, match="remainder: integer division by zero"):
        ac.tensor([1, 2]) % ac.tensor([1, 0])
    with pytest.raises(ZeroDivisionError, match="floor_divide: integer division by zero"):
        ac.tensor([1, 2]) // 0
    x = ac.tensor([1.0, -1.0], requires_grad=True)
    assert not (x // 2).requires_grad  # not differentiable, as in PyTorch
    np.testing.assert_array_equal((x // 0.0).numpy(), [np.inf, -np.inf])  # as PyTorch
    assert np.isnan((x % 0.0).numpy()).all()


def test_remainder_against_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[-3.7, 2.2, 5.1], [0.4, -8.3, 9.9]])
    b = np.array([1.3, -2.1, 0.7])
    x, y = ac.tensor(a, requires_grad=True), ac.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    for ours, theirs in [((x % y), (tx % ty)), (ac.fmod(x, y), torch.fmod(tx, ty))]:
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
        g = np.arange(6.0).reshape(2, 3)
        gx, gy = ac.grad(ours, [x, y], ac.tensor(g))
        tgx, tgy = torch.autograd.grad(theirs, [tx, ty], torch.tensor(g))
        np.testing.assert_allclose(gx.numpy(), tgx.numpy())
        np.testing.assert_allclose(gy.numpy(), tgy.numpy())
    np.testing.assert_array_equal((x // y).numpy(), (tx // ty).detach().numpy())


# -- cumsum / cumprod -----------------------------------------------------------------------
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@FEW
@given(sd=shape_and_dim(kinds=("int",)), seed=seeds, layout=layouts)
def test_scans_values_and_gradients(op, sd, seed, layout):
    shape, dim = sd
    a = array(shape, seed, 0.5, 1.5) * np.where(array(shape, seed + 1) > 0, 1, -1)
    x = leaf(a, layout)
    y = getattr(x, op)(dim)
    ref = getattr(np, op)(a.reshape(-1) if a.ndim == 0 else a, axis=dim % max(a.ndim, 1))
    np.testing.assert_allclose(y.numpy(), ref.reshape(a.shape), rtol=1e-12)
    _both(lambda t: getattr(t, op)(dim), (x,))


@pytest.mark.parametrize("row", [
    [0.0, 2.0, 3.0, 4.0], [2.0, 0.0, 3.0, 4.0], [2.0, 3.0, 4.0, 0.0],
    [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [1.5, -2.0, 0.5, 3.0],
])
@pytest.mark.parametrize("quadratic", [True, False])
def test_cumprod_gradient_is_exact_with_zeros(row, quadratic, monkeypatch):
    if not quadratic:  # the linear-memory rule long slices take: first order exact
        monkeypatch.setattr("autograd_core.ops.scan.QUADRATIC_LIMIT", 0)
    a = np.array([row, row[::-1]])
    x = ac.tensor(a, requires_grad=True)
    assert gradcheck(lambda t: t.cumprod(1), (x,))
    assert gradcheck(lambda t: t.cumprod(0), (x,))
    if quadratic:  # the products rule is a polynomial: second order exact at zeros too
        assert gradgradcheck(lambda t: t.cumprod(1), (x,))
        assert gradgradcheck(lambda t: t.cumprod(0), (x,))
    # against the explicit derivative: d y_i / d x_k = prod_{j <= i, j != k} x_j
    g = np.arange(1.0, 5.0)
    x1 = ac.tensor(np.array(row), requires_grad=True)
    (gx,) = ac.grad(x1.cumprod(0), [x1], ac.tensor(g))
    want = [sum(g[i] * np.prod([row[j] for j in range(i + 1) if j != k]) for i in range(k, 4))
            for k in range(4)]
    np.testing.assert_allclose(gx.numpy(), want, rtol=1e-12)


def test_cumprod_second_order_without_zeros():
    x = ac.tensor(np.array([[0.5, -1.2, 2.0], [1.1, 0.9, -0.3]]), requires_grad=True)
    assert gradgradcheck(lambda t: t.cumprod(1), (x,))


def test_scan_dtypes_empty_and_errors():
    assert ac.tensor([True, True, False]).cumsum(0).tolist() == [1, 2, 2]
    assert ac.tensor([1, 2], dtype=ac.int32).cumsum(0).dtype == np.int64
    assert ac.tensor([1, 2, 3]).cumprod(0).tolist() == [1, 2, 6]
    assert ac.tensor([1.0, 2.0]).cumsum(0, dtype=ac.float64).dtype == np.float64
    assert ac.cumsum(ac.zeros(0, 3), 1).shape == (0, 3)
    assert ac.cumsum(ac.tensor(2.5), 0).shape == ()
    with pytest.raises(IndexError, match="cumsum: dimension out of range"):
        ac.zeros(2, 3).cumsum(2)
    with pytest.raises(TypeError, match="cumsum"):
        ac.cumsum([1.0], 0)


def test_scans_against_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.5, 0.0, 2.0, -1.0], [0.0, 3.0, 0.0, 2.0], [1.5, -0.5, 2.5, 0.25]])
    g = np.linspace(-1, 1, 12).reshape(3, 4)
    for op in ["cumsum", "cumprod"]:
        for dim in [0, 1, -1]:
            x = ac.tensor(a, requires_grad=True)
            tx = torch.tensor(a, requires_grad=True)
            y, ty = getattr(x, op)(dim), getattr(tx, op)(dim)
            np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
            y.backward(ac.tensor(g))
            ty.backward(torch.tensor(g))
            np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


# -- sort / argsort / topk ------------------------------------------------------------------
@FEW
@given(sd=shape_and_dim(kinds=("int",)), descending=st.booleans(), seed=seeds, layout=layouts)
def test_sort_values_indices_gradients(sd, descending, seed, layout):
    shape, dim = sd
    a = array(shape, seed)
    x = leaf(a, layout)
    values, indices = x.sort(dim, descending=descending)
    assert indices.dtype == np.int64 and not indices.requires_grad
    if a.ndim:
        ref = np.sort(a, axis=dim)
        if descending:
            ref = np.flip(ref, dim)
        np.testing.assert_array_equal(values.numpy(), ref)
        np.testing.assert_array_equal(np.take_along_axis(a, indices.numpy(), dim), ref)
        np.testing.assert_array_equal(x.argsort(dim, descending).numpy(), indices.numpy())
    _both(lambda t: t.sort(dim, descending=descending).values, (x,))


@FEW
@given(sd=shape_and_dim(kinds=("int",)), largest=st.booleans(), seed=seeds, layout=layouts,
       data=st.data())
def test_topk_values_indices_gradients(sd, largest, seed, layout, data):
    shape, dim = sd
    a = array(shape, seed)
    x = leaf(a, layout)
    n = shape[dim] if shape else 1
    k = data.draw(st.integers(0, n))
    values, indices = x.topk(k, dim, largest=largest)
    if a.ndim:
        ref = np.sort(a, axis=dim)
        ref = np.flip(ref, dim) if largest else ref
        ref = np.take(ref, range(k), axis=dim)
        np.testing.assert_array_equal(values.numpy(), ref)
        np.testing.assert_array_equal(np.take_along_axis(a, indices.numpy(), dim), ref)
    _both(lambda t: t.topk(k, dim, largest=largest).values, (x,))


def test_sort_ties_are_stable_and_nan_is_largest():
    x = ac.tensor([[3.0, 1.0, 3.0, np.nan, 1.0, 2.0]])
    v, i = x.sort(1)
    assert i.tolist() == [[1, 4, 5, 0, 2, 3]]
    v, i = x.sort(1, descending=True, stable=True)
    assert i.tolist() == [[3, 0, 2, 5, 1, 4]]
    assert ac.tensor([1, 5, 5, 2]).topk(2).indices.tolist() == [1, 2]
    # ties: each tied value's gradient goes to the entry it was taken from
    t = ac.tensor([2.0, 5.0, 5.0, 1.0], requires_grad=True)
    vals = t.topk(1).values
    vals.sum().backward()
    assert t.grad.tolist() == [0.0, 1.0, 0.0, 0.0]
    t.grad = None
    (t.sort(descending=True).values * ac.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert t.grad.tolist() == [3.0, 1.0, 2.0, 4.0]


def test_sort_topk_edge_cases_and_errors():
    z = ac.tensor(4.0, requires_grad=True)
    assert z.sort().values.item() == 4.0 and z.sort().indices.item() == 0
    assert z.topk(1).values.item() == 4.0
    e = ac.zeros(0, 3)
    assert e.sort(0).values.shape == (0, 3) and e.topk(0, 0).values.shape == (0, 3)
    assert ac.msort(ac.tensor([[2.0, 1.0], [0.0, 3.0]])).tolist() == [[0.0, 1.0], [2.0, 3.0]]
    with pytest.raises(ValueError, match=r"topk: k \(4\) is out of range for dimension -1 of size 3"):
        ac.zeros(3).topk(4)
    with pytest.raises(TypeError, match="topk: k must be an int"):
        ac.zeros(3).topk(1.5)
    with pytest.raises(IndexError, match="sort: dimension out of range"):
        ac.zeros(3).sort(1)


def test_sort_topk_against_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).normal(size=(4, 5))
    g = np.random.default_rng(1).normal(size=(4, 3))
    for dim in [0, 1]:
        x, tx = ac.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        s, ts = x.sort(dim, descending=True), tx.sort(dim, descending=True)
        np.testing.assert_array_equal(s.values.numpy(), ts.values.detach().numpy())
        np.testing.assert_array_equal(s.indices.numpy(), ts.indices.numpy())
    x, tx = ac.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    v, i = x.topk(3, largest=False)
    tv, ti = tx.topk(3, largest=False)
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    v.backward(ac.tensor(g))
    tv.backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(ac.argsort(ac.tensor(a), 0).numpy(),
                                  torch.argsort(torch.tensor(a), 0).numpy())


# -- erf / erfc / erfinv --------------------------------------------------------------------
@FEW
@given(pair=broadcast_pairs(), seed=seeds, layout=layouts)
def test_erf_family_gradients(pair, seed, layout):
    x = leaf(array(pair[0], seed), layout)
    _both(lambda t: t.erf(), (x,))
    _both(lambda t: ac.erfc(t), (x,))
    u = leaf(array(pair[1], seed, -0.9, 0.9), layout)
    _both(lambda t: t.erfinv(), (u,))


def test_erf_values():
    xs = np.array([-np.inf, -3.0, -0.5, 0.0, 1e-10, 0.5, 2.0, 6.0, np.inf, np.nan])
    np.testing.assert_allclose(ac.tensor(xs).erf().numpy(), [math.erf(v) for v in xs],
                               rtol=1e-15)
    np.testing.assert_allclose(ac.tensor(xs).erfc().numpy(), [math.erfc(v) for v in xs],
                               rtol=1e-15)
    u = np.linspace(-0.999, 0.999, 41)
    np.testing.assert_allclose(ac.tensor(u).erfinv().erf().numpy(), u, rtol=1e-14)
    np.testing.assert_array_equal(ac.tensor([-1.0, 1.0, 1.5]).erfinv().numpy(),
                                  [-np.inf, np.inf, np.nan])
    assert ac.tensor([0.5], dtype=ac.float32).erf().dtype == np.float32
    assert ac.tensor([1, 2]).erf().dtype == np.float32


def test_erf_numpy_twin_matches_the_loop():
    from autograd_core.kernels import special as K
    x = np.random.default_rng(3).normal(size=1000) * 3
    np.testing.assert_array_equal(K.erf(x), K.erf_np(x))
    np.testing.assert_array_equal(K.erfc(x), K.erfc_np(x))


def test_erf_against_torch():
    torch = pytest.importorskip("torch")
    a = np.linspace(-0.95, 0.95, 13)
    for op in ["erf", "erfc", "erfinv"]:
        x, tx = ac.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = getattr(x, op)(), getattr(tx, op)()
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


# -- all / any ------------------------------------------------------------------------------
@FEW
@given(sd=shape_and_dim(), keepdim=st.booleans(), seed=seeds)
def test_all_any_against_numpy(sd, keepdim, seed):
    shape, dim = sd
    a = np.random.default_rng(seed).integers(0, 3, shape) > 0
    t = ac.tensor(a)
    axes = None if dim is None else dim
    if a.ndim == 0 and axes is not None:
        axes = None if isinstance(dim, int) else ()
    for op in ["all", "any"]:
        y = getattr(t, op)(dim, keepdim)
        ref = getattr(np, op)(a, axis=axes, keepdims=keepdim)
        assert y.dtype == np.bool_
        np.testing.assert_array_equal(y.numpy(), ref)
    assert getattr(ac, "all")(ac.tensor([1.0, 2.0])).item() is True
    assert getattr(ac, "any")(ac.zeros(3)).item() is False


def test_all_any_edge_cases():
    assert ac.zeros(0).all().item() is True and ac.zeros(0).any().item() is False
    assert ac.tensor([[1, 0], [1, 1]]).all(1).tolist() == [False, True]
    assert ac.tensor([[0.0, 0.0], [0.0, 2.0]]).any(-1, keepdim=True).shape == (2, 1)
    assert ac.tensor([np.nan]).all().item() is True  # NaN is nonzero
    with pytest.raises(IndexError, match="all: dimension out of range"):
        ac.zeros(2).all(1)


# -- histograms -----------------------------------------------------------------------------
def test_histc_and_histogram_against_torch():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, 2.0, 1.0, 4.0, 10.0, -3.0, 2.5])
    for args in [(4,), (4, 0, 3), (5, -1, 11)]:
        np.testing.assert_array_equal(ac.histc(ac.tensor(a), *args).numpy(),
                                      torch.histc(torch.tensor(a), *args).numpy())
    np.testing.assert_array_equal(ac.histc(ac.tensor([2.0, 2.0]), 3).numpy(),
                                  torch.histc(torch.tensor([2.0, 2.0]), 3).numpy())
    h, e = ac.histogram(ac.tensor(a), 3)
    th, te = torch.histogram(torch.tensor(a), 3)
    np.testing.assert_allclose(h.numpy(), th.numpy())
    np.testing.assert_allclose(e.numpy(), te.numpy())
    h, e = ac.tensor(a).histogram(ac.tensor([0.0, 2.0, 5.0]), density=True)
    th, te = torch.histogram(torch.tensor(a), torch.tensor([0.0, 2.0, 5.0], dtype=torch.float64),
                             density=True)
    np.testing.assert_allclose(h.numpy(), th.numpy())
    w = np.arange(7.0)
    h, _ = ac.histogram(ac.tensor(a), 2, range=(0.0, 4.0), weight=ac.tensor(w))
    th, _ = torch.histogram(torch.tensor(a), 2, range=(0.0, 4.0), weight=torch.tensor(w))
    np.testing.assert_allclose(h.numpy(), th.numpy())


def test_histogram_errors():
    with pytest.raises(ValueError, match="histc: bins must be > 0"):
        ac.histc(ac.zeros(3), 0)
    with pytest.raises(ValueError, match="histc: max must be larger than min"):
        ac.histc(ac.zeros(3), 3, 2, 1)
    with pytest.raises(TypeError, match="histc: input must be a floating point"):
        ac.histc(ac.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"histc: range of \[.*\] is not finite"):
        ac.histc(ac.tensor([1.0, np.inf]))
    with pytest.raises(ValueError, match="histogram: weight of shape"):
        ac.histogram(ac.zeros(3), 2, weight=ac.zeros(2))
    assert ac.histc(ac.tensor([0.5, 1.5, 9.0]), 2, 0, 2).tolist() == [1.0, 1.0]


def test_stable_sort_with_ties_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[2.0, 1.0, 2.0, 1.0, 3.0], [0.0, 0.0, -1.0, 0.0, -1.0]])
    g = np.arange(10.0).reshape(2, 5)
    for descending in (False, True):
        x, tx = ac.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        v, i = x.sort(1, descending=descending, stable=True)
        tv, ti = tx.sort(dim=1, descending=descending, stable=True)
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        v.backward(ac.tensor(g))
        tv.backward(torch.tensor(g))
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_multinomial_of_no_rows():
    assert ac.zeros(0, 3).multinomial(2).shape == (0, 2)
    assert ac.zeros(0, 3).multinomial(4, True).shape == (0, 4)


@settings(max_examples=40, deadline=None)
@given(shape=st.sampled_from([(7,), (3, 9), (4, 2, 6), (1, 12)]), seed=seeds,
       largest=st.booleans(), data=st.data())
def test_topk_partition_path_equals_the_stable_sort(shape, seed, largest, data):
    # few distinct values: many ties at the k-th value, which the partition must settle
    # exactly as the stable sort does (earlier index first)
    a = np.random.default_rng(seed).integers(-2, 3, shape).astype(np.float64)
    a[a == 0] = -0.0 if seed % 2 else 0.0
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    k = data.draw(st.integers(0, shape[dim]))
    x = ac.tensor(a)
    want = x.argsort(dim, descending=largest).numpy()
    want = np.take(want, range(k), axis=dim)
    np.testing.assert_array_equal(x.topk(k, dim, largest=largest).indices.numpy(), want)


@pytest.mark.parametrize("op", ["cummax", "cummin"])
@FEW
@given(sd=shape_and_dim(kinds=("int",)), seed=seeds, layout=layouts)
def test_cummax_cummin_values_indices_gradients(op, sd, seed, layout):
    shape, dim = sd
    a = array(shape, seed)
    x = leaf(a, layout)
    values, indices = getattr(x, op)(dim)
    assert indices.dtype == np.int64 and not indices.requires_grad
    if a.ndim:
        acc = (np.maximum if op == "cummax" else np.minimum).accumulate(a, axis=dim)
        np.testing.assert_array_equal(values.numpy(), acc)
        np.testing.assert_array_equal(np.take_along_axis(a, indices.numpy(), dim), acc)
    _both(lambda t: getattr(t, op)(dim).values, (x,))


def test_cummax_cummin_ties_and_nan_against_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 3.0, 3.0, 2.0, np.nan, 5.0, np.nan, 1.0],
                  [2.0, 2.0, 1.0, 1.0, 0.0, 4.0, 4.0, -1.0]])
    g = np.arange(16.0).reshape(2, 8)
    for op in ["cummax", "cummin"]:
        x, tx = ac.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        (v, i), (tv, ti) = getattr(x, op)(1), getattr(tx, op)(1)
        np.testing.assert_array_equal(v.numpy(), tv.detach().numpy())
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        v.backward(ac.tensor(g))
        tv.backward(torch.tensor(g))
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert ac.cummax(ac.tensor(2.0), 0).indices.item() == 0
    assert ac.tensor([3, 1, 1, 2]).cummin(0).indices.tolist() == [0, 1, 2, 2]
