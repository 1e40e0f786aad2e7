"""gather / scatter_add / scatter and the derived take_along_dim / index_select."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, layouts, leaf, seeds, shapes

COVERED_OPS = {"gather", "scatter_add", "scatter"}

SETTINGS = dict(max_examples=30, deadline=None)

nonscalar = shapes.filter(lambda s: len(s) >= 1)


@st.composite
def gather_case(draw):
    """(input shape, dim, index array): index no larger than the input outside ``dim``."""
    shape = draw(nonscalar)
    d = draw(st.integers(-len(shape), len(shape) - 1))
    ishape = tuple(draw(st.integers(0, 4)) if k == d % len(shape) else draw(st.integers(0, s))
                   for k, s in enumerate(shape))
    seed = draw(seeds)
    index = np.random.default_rng(seed).integers(0, shape[d], size=ishape)
    return shape, d, index


def _np_gather(a, d, index):
    sub = tuple(slice(0, n) if k != d % a.ndim else slice(None) for k, n in enumerate(index.shape))
    return np.take_along_axis(a[sub], index, axis=d)


@settings(**SETTINGS)
@given(case=gather_case(), seed=seeds, layout=layouts)
def test_gather_gradcheck(case, seed, layout):
    shape, d, index = case
    a = array(shape, seed)
    x = leaf(a, layout)
    idx = ac.tensor(index)
    np.testing.assert_array_equal(x.gather(d, idx).numpy(), _np_gather(a, d, index))
    f = lambda t: ac.gather(t, d, idx)  # noqa: E731
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


@settings(**SETTINGS)
@given(case=gather_case(), seed=seeds, layout=layouts)
def test_scatter_add_and_scatter_gradcheck(case, seed, layout):
    shape, d, index = case
    a = array(shape, seed)
    src = array(index.shape, seed + 1)
    x, s, idx = leaf(a, layout), leaf(src), ac.tensor(index)
    want = a.copy()
    dd = d % len(shape)
    for pos in np.ndindex(index.shape):  # the definition, element by element
        tgt = list(pos)
        tgt[dd] = index[pos]
        want[tuple(tgt)] += src[pos]
    np.testing.assert_allclose(x.scatter_add(d, idx, s).numpy(), want, rtol=1e-12)
    f = lambda t, u: ac.scatter_add(t, d, idx, u)  # noqa: E731
    assert gradcheck(f, (x, s))
    assert gradgradcheck(f, (x, s))
    # scatter: only index with no repeated target (else which write wins is unspecified)
    moved = np.moveaxis(index, dd, -1)
    cols = moved.reshape(int(np.prod(moved.shape[:-1])), moved.shape[-1])
    if all(len(set(c)) == len(c) for c in cols):
        g = lambda t, u: t.scatter(d, idx, u)  # noqa: E731
        assert gradcheck(g, (x, s))
        assert gradgradcheck(g, (x, s))


def test_scatter_values_and_repeats():
    x = ac.zeros(2, 4, dtype=ac.float64, requires_grad=True)
    idx = ac.tensor([[0, 0, 3], [1, 2, 2]])
    src = ac.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=ac.float64, requires_grad=True)
    y = x.scatter_add(1, idx, src)
    np.testing.assert_array_equal(y.numpy(), [[3, 0, 0, 3], [0, 4, 11, 0]])
    (y * ac.arange(8.0).reshape(2, 4).double()).sum().backward()
    np.testing.assert_array_equal(src.grad.numpy(), [[0, 0, 3], [5, 6, 6]])
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(8.0).reshape(2, 4))
    one_hot = ac.zeros(3, 4).scatter(1, ac.tensor([[2], [0], [3]]), value=1.0)
    np.testing.assert_array_equal(one_hot.numpy(), np.eye(4)[[2, 0, 3]])
    big = ac.ones(2, 5)  # src larger than index: its leading block is used (PyTorch)
    assert ac.zeros(2, 4).scatter_add(1, idx, big).numpy().sum() == 6


@settings(**SETTINGS)
@given(shape=nonscalar, seed=seeds, layout=layouts, data=st.data())
def test_take_along_dim_and_index_select(shape, seed, layout, data):
    a = array(shape, seed)
    x = leaf(a, layout)
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    rng = np.random.default_rng(seed)
    n = shape[d]
    ishape = tuple(data.draw(st.sampled_from([1, s])) for s in shape)
    ishape = ishape[:d % len(shape)] + (data.draw(st.integers(0, 3)),) + ishape[d % len(shape) + 1:]
    index = rng.integers(-n, n, size=ishape)
    want = np.take_along_axis(a, np.broadcast_to(index, tuple(
        i if k == d % len(shape) else s for k, (i, s) in enumerate(zip(ishape, shape)))), axis=d)
    f = lambda t: ac.take_along_dim(t, ac.tensor(index), d)  # noqa: E731
    np.testing.assert_array_equal(f(x).numpy(), want)
    assert gradcheck(f, (x,))
    flat = rng.integers(0, a.size, size=3)
    np.testing.assert_array_equal(x.take_along_dim(ac.tensor(flat)).numpy(), a.ravel()[flat])
    sel = rng.integers(0, n, size=data.draw(st.integers(0, 4)))
    g = lambda t: ac.index_select(t, d, ac.tensor(sel))  # noqa: E731
    np.testing.assert_array_equal(g(x).numpy(), np.take(a, sel, axis=d))
    assert gradcheck(g, (x,))
    assert gradgradcheck(g, (x,))


def test_zero_dim_inputs():
    s = ac.tensor(5.0, dtype=ac.float64, requires_grad=True)
    assert s.gather(0, ac.tensor(0)).shape == () and s.index_select(0, ac.tensor(0)).shape == ()
    assert gradcheck(lambda t: t.gather(0, ac.tensor([0, 0])), (s,))


def test_index_tensor_modified_in_place_makes_backward_fail():
    x = ac.zeros(2, 3, requires_grad=True)
    idx = ac.tensor([[0, 1], [2, 2]])
    y = x.gather(1, idx)
    idx.fill_(0)
    with pytest.raises(ac.SavedTensorError, match="saved by gather.*inplace|inplace.*saved by gather"):
        y.sum().backward()


def test_gather_family_errors():
    x = ac.zeros(2, 3)
    with pytest.raises(TypeError, match="gather: index must be an integer tensor, got dtype float32"):
        x.gather(1, ac.zeros(2, 1))
    with pytest.raises(RuntimeError, match=r"gather: index tensor must have the same number of dimensions as the input tensor: index shape \(2,\), input shape \(2, 3\)"):
        x.gather(1, ac.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"gather: size of index \(3, 1\) exceeds the input's \(2, 3\) at dim 0"):
        x.gather(1, ac.zeros(3, 1, dtype=ac.int64))
    with pytest.raises(IndexError, match=r"gather: index 3 is out of bounds for dimension 1 with size 3"):
        x.gather(1, ac.tensor([[3]]))
    with pytest.raises(IndexError, match=r"gather: index -1 is out of bounds"):
        x.gather(1, ac.tensor([[-1]]))
    with pytest.raises(IndexError, match="gather: dimension out of range"):
        x.gather(2, ac.tensor([[0]]))
    with pytest.raises(RuntimeError, match=r"scatter_add: index of shape \(1, 2\) must be no larger than src of shape \(1, 1\)"):
        x.scatter_add(1, ac.tensor([[0, 1]]), ac.ones(1, 1))
    with pytest.raises(TypeError, match="scatter: pass exactly one of src or value"):
        x.scatter(1, ac.tensor([[0]]))
    with pytest.raises(RuntimeError, match="take_along_dim: input and indices should have the same number of dimensions"):
        x.take_along_dim(ac.tensor([0]), 1)
    with pytest.raises(IndexError, match="take_along_dim: index 3 is out of bounds for dimension 1 with size 3"):
        x.take_along_dim(ac.tensor([[3]]), 1)
    with pytest.raises(RuntimeError, match=r"take_along_dim: shapes \(2, 3\) and \(3, 1\) cannot be broadcast together outside dim 1"):
        x.take_along_dim(ac.zeros(3, 1, dtype=ac.int64), 1)
    with pytest.raises(RuntimeError, match=r"index_select: index should have 1 or 0 dimensions, got shape \(1, 1\)"):
        x.index_select(0, ac.tensor([[0]]))
    with pytest.raises(IndexError, match=r"index_select: index -1 is out of range for dimension 0 with size 2"):
        x.index_select(0, ac.tensor([-1]))


def test_gather_family_matches_torch():
    torch = pytest.importorskip("torch")
    a = array((3, 4), 9)
    index = np.array([[0, 3, 3], [1, 1, 0], [2, 0, 1]])
    src = array((3, 3), 10)
    x, s = ac.tensor(a, requires_grad=True), ac.tensor(src, requires_grad=True)
    tx, ts = torch.tensor(a, requires_grad=True), torch.tensor(src, requires_grad=True)
    ti = torch.tensor(index)
    pairs = [
        (x.gather(1, ac.tensor(index)), tx.gather(1, ti)),
        (x.scatter_add(1, ac.tensor(index), s), tx.scatter_add(1, ti, ts)),
        (x.take_along_dim(ac.tensor(index - 2), 1), torch.take_along_dim(tx, ti - 2, 1)),
        (x.take_along_dim(ac.tensor([[1], [0], [2]]), 0), torch.take_along_dim(tx, torch.tensor([[1], [0], [2]]), 0)),
        (x.index_select(1, ac.tensor([3, 0, 3])), tx.index_select(1, torch.tensor([3, 0, 3]))),
    ]
    rng = np.random.default_rng(1)
    for o, t in pairs:
        np.testing.assert_allclose(o.numpy(), t.detach().numpy())
        g = rng.standard_normal(o.shape)
        o.backward(g)
        t.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy(), rtol=1e-12)
