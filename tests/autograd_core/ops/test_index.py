"""Indexing: x[idx] with every kind of index numpy accepts, its scatter-add backward,
index_put, the masked ops and the slicing views (split, chunk, narrow, select, flip)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, layouts, leaf, seeds, shapes

COVERED_OPS = {"getitem", "getitem_backward", "index_put"}

SETTINGS = dict(max_examples=40, deadline=None)


@st.composite
def indices(draw, shape):
    """A numpy index for ``shape``: per dim an int, a slice (any step, empty ones too),
    or an integer array (all of one length, repeats allowed); or a bool mask over the
    leading dims; with None and Ellipsis sprinkled in."""
    entries = []
    n_arr = draw(st.integers(0, 4))
    dims = list(shape)
    if dims and draw(st.integers(0, 4)) == 0:
        k = draw(st.integers(1, len(dims)))
        entries.append(draw(hnp.arrays(np.bool_, tuple(dims[:k]))))
        dims = dims[k:]
        n_arr = None  # mask with int arrays would need matching counts: tested separately
    for n in dims:
        kind = draw(st.sampled_from(["int", "slice", "slice", "array", "all"]))
        if kind == "int":
            entries.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            b = st.none() | st.integers(-n - 2, n + 2)
            entries.append(slice(draw(b), draw(b), draw(st.sampled_from([None, 1, 2, 3, -1, -2]))))
        elif kind == "array" and n_arr is not None:
            entries.append(np.array(draw(st.lists(st.integers(-n, n - 1), min_size=n_arr,
                                                  max_size=n_arr)), dtype=np.int64))
        else:
            entries.append(slice(None))
    if entries and draw(st.booleans()):  # drop trailing entries: implicit full slices
        entries = entries[:draw(st.integers(0, len(entries)))]
    for _ in range(draw(st.integers(0, 2))):
        entries.insert(draw(st.integers(0, len(entries))), None)
    if draw(st.booleans()):
        # an Ellipsis standing for zero or more full slices at the end
        entries.append(Ellipsis)
    return tuple(entries)


@settings(**SETTINGS)
@given(shape=shapes, seed=seeds, layout=layouts, data=st.data())
def test_getitem_matches_numpy_and_gradchecks(shape, seed, layout, data):
    a = array(shape, seed)
    idx = data.draw(indices(shape))
    x = leaf(a, layout)
    y = x[idx]
    np.testing.assert_array_equal(y.numpy(), a[idx])
    assert gradcheck(lambda t: t[idx], (x,))
    # the gradient scatters (and adds up repeats) exactly like np.add.at
    w = np.random.default_rng(seed).standard_normal(y.shape)
    y.backward(w)
    want = np.zeros(shape)
    np.add.at(want, idx, w)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(shape=shapes, seed=seeds, data=st.data())
def test_getitem_gradgradcheck(shape, seed, data):
    idx = data.draw(indices(shape))
    x = leaf(array(shape, seed), "sliced")
    assert gradgradcheck(lambda t: t[idx] * t[idx], (x,))


def test_getitem_backward_is_differentiable_and_its_backward_is_getitem():
    x = leaf(array((4, 3), 0))
    idx = (np.array([0, 2, 2]), slice(None, None, -1))
    g = ac.tensor(array((3, 3), 1), dtype=ac.float64, requires_grad=True)
    (gx,) = ac.grad(x[idx], x, g, create_graph=True)
    assert gx.grad_fn.op_name == "getitem_backward"

    def vjp(gg):  # gg -> getitem_backward(gg); gradcheck's numerical pass runs under no_grad
        with ac.enable_grad():
            return ac.grad(x[idx], x, gg, create_graph=True)[0]

    assert gradcheck(vjp, (g,))
    assert gradgradcheck(vjp, (g,))


def test_repeated_indices_accumulate():
    x = ac.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])
    w = ac.zeros(5, 2, requires_grad=True)  # embedding-style lookup
    ids = ac.tensor([[1, 4], [1, 1]])
    (w[ids] * ac.tensor([1.0, 10.0])).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 1], [0, 30, 0, 0, 10])
    r = ac.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    r[[0, 0], [1, 1]].sum().backward()  # the same element through two arrays
    np.testing.assert_array_equal(r.grad.numpy(), [[0, 2], [0, 0]])


@pytest.mark.parametrize("as_tensor", [False, True])
def test_boolean_masks(as_tensor):
    a = array((3, 4), 5)
    x = leaf(a)
    m = a > 0
    mask = ac.tensor(m) if as_tensor else m
    np.testing.assert_array_equal(x[mask].numpy(), a[m])
    assert gradcheck(lambda t: t[mask], (x,))
    rows = np.array([True, False, True])
    rm = ac.tensor(rows) if as_tensor else rows
    np.testing.assert_array_equal(x[rm, 1:].numpy(), a[rows, 1:])
    np.testing.assert_array_equal(x[rm, [0, 3]].numpy(), a[rows, [0, 3]])  # mask + int array
    assert gradcheck(lambda t: t[rm, [0, 3]], (x,))
    assert x[np.zeros((3, 4), bool)].shape == (0,)
    assert x[True].shape == (1, 3, 4) and x[False].shape == (0, 3, 4)


def test_index_kinds_tensor_list_ndarray_agree():
    a = array((4, 3), 2)
    x = leaf(a)
    for idx in ([3, 0, 0], np.array([3, 0, 0]), ac.tensor([3, 0, 0]), (ac.tensor(1), 2),
                (slice(ac.tensor(1), ac.tensor(3)), [[0], [2]]), ([], ), ac.tensor([], dtype=ac.int64),
                np.int64(2), (..., None, 1), (None, ..., None)):
        want = a[tuple(i.numpy() if isinstance(i, ac.Tensor) else i for i in idx)] \
            if isinstance(idx, tuple) else a[idx.numpy() if isinstance(idx, ac.Tensor) else idx]
        np.testing.assert_array_equal(x[idx].numpy(), want)


def test_basic_index_is_a_view_sharing_the_version_counter_advanced_is_a_copy():
    x = ac.zeros(3, 4)
    v = x[1, ::2]
    assert np.shares_memory(v.numpy(), x.numpy()) and v._version is x._version
    s = x[1, 2]
    assert s.shape == () and np.shares_memory(s.numpy(), x.numpy())
    c = x[[0, 1]]
    assert not np.shares_memory(c.numpy(), x.numpy()) and c._version is not x._version


@pytest.mark.parametrize("idx, err, msg", [
    (5, IndexError, r"getitem: index 5 is out of bounds for axis 0 with size 3 \(indexing a tensor of shape \(3, 4\)\)"),
    ((0, 0, 0), IndexError, r"getitem: too many indices .*shape \(3, 4\)"),
    (np.array([0.5]), IndexError, r"getitem: tensors used as indices must be integer or bool tensors, got dtype float64"),
    (1.5, IndexError, r"getitem: only integers, slices, None, Ellipsis and integer or bool tensors/arrays are valid indices, got float"),
    (np.array([True, False]), IndexError, r"getitem: boolean index did not match"),
    (([0, 1], [0, 1, 2]), IndexError, r"getitem: shape mismatch"),
    (slice(None, None, 0), ValueError, r"getitem: slice step cannot be zero"),
    ("a", IndexError, r"got str"),
])
def test_getitem_errors(idx, err, msg):
    with pytest.raises(err, match=msg):
        ac.zeros(3, 4)[idx]


# -- index_put / masked ops ---------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(shape=shapes.filter(lambda s: len(s) >= 1), seed=seeds, accumulate=st.booleans(), data=st.data())
def test_index_put_gradcheck(shape, seed, accumulate, data):
    n = shape[0]
    # without accumulate, repeated positions are written in an unspecified order: keep them unique
    rows = data.draw(st.lists(st.integers(-n, n - 1), max_size=4, unique_by=lambda i: i % n)
                     if not accumulate else st.lists(st.integers(-n, n - 1), max_size=4))
    idx = (np.array(rows, dtype=np.int64),)
    a = array(shape, seed)
    v = array((len(rows),) + shape[1:], seed + 1)
    x, vt = leaf(a), leaf(v)
    want = a.copy()
    if accumulate:
        np.add.at(want, idx, v)
    else:
        want[idx] = v
    np.testing.assert_allclose(x.index_put(idx, vt, accumulate).numpy(), want)
    np.testing.assert_array_equal(x.numpy(), a)  # out of place
    f = lambda t, u: ac.index_put(t, idx, u, accumulate=accumulate)  # noqa: E731
    assert gradcheck(f, (x, vt))
    assert gradgradcheck(f, (x, vt))


def test_index_put_broadcasts_value_and_errors():
    x = leaf(array((3, 4), 0))
    s = ac.tensor(2.0, dtype=ac.float64, requires_grad=True)
    y = x.index_put((slice(None), [1, 3]), s)
    assert (y.numpy()[:, [1, 3]] == 2.0).all()
    y.sum().backward()
    assert s.grad.item() == 6.0 and x.grad.numpy()[:, [1, 3]].sum() == 0
    with pytest.raises(ValueError, match=r"index_put: .*tensor shape \(3, 4\), values shape \(2,\)"):
        x.index_put((slice(None), 0), ac.zeros(2, dtype=ac.float64))
    for bad in (3, -4):  # the row-kernel path checks bounds too, before writing
        with pytest.raises(IndexError, match=rf"index_put: index {bad} is out of bounds for axis 0 with size 3"):
            x.index_put(([0, bad],), ac.zeros(2, 4, dtype=ac.float64), accumulate=True)


def test_masked_fill_and_masked_select():
    a = array((3, 4), 3)
    x = leaf(a)
    m = a > 0.5
    np.testing.assert_array_equal(x.masked_fill(ac.tensor(m), -1.0).numpy(), np.where(m, -1.0, a))
    np.testing.assert_array_equal(ac.masked_fill(x, m[0], 7).numpy(), np.where(m[0], 7.0, a))
    assert gradcheck(lambda t: t.masked_fill(m, 0.0), (x,))
    v = ac.tensor(3.0, dtype=ac.float64, requires_grad=True)
    assert gradcheck(lambda t, u: t.masked_fill(m, u), (x, v))
    np.testing.assert_array_equal(x.masked_select(m).numpy(), a[m])
    np.testing.assert_array_equal(ac.masked_select(x, m[:1]).numpy(), a[np.broadcast_to(m[:1], a.shape)])
    assert gradcheck(lambda t: t.masked_select(m[:, :1]), (x,))
    with pytest.raises(TypeError, match="masked_fill: expected a bool mask, got dtype float64"):
        x.masked_fill(a, 0.0)
    with pytest.raises(RuntimeError, match=r"masked_fill: mask of shape \(2, 3, 4\) cannot be broadcast to the tensor's shape \(3, 4\)"):
        x.masked_fill(np.zeros((2, 3, 4), bool), 0.0)
    with pytest.raises(RuntimeError, match="masked_fill only supports a 0-dimensional value tensor"):
        x.masked_fill(m, ac.zeros(2))
    with pytest.raises(TypeError, match="masked_select: expected a bool mask"):
        x.masked_select(ac.zeros(3, 4))


# -- slicing views -------------------------------------------------------------------------------

@settings(**SETTINGS)
@given(shape=shapes.filter(lambda s: len(s) >= 1), seed=seeds, layout=layouts, data=st.data())
def test_slicing_views_gradcheck(shape, seed, layout, data):
    a = array(shape, seed)
    x = leaf(a, layout)
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[d]
    size = data.draw(st.integers(1, 4))
    parts = x.split(size, d)
    want = np.split(a, list(range(size, n, size)), axis=d)
    assert len(parts) == len(want)
    for p, w in zip(parts, want):
        np.testing.assert_array_equal(p.numpy(), w)
    assert gradcheck(lambda t: t.split(size, d), (x,))
    sections = data.draw(st.lists(st.integers(0, 2), max_size=3))
    sections = sections + [n - sum(sections)] if sum(sections) <= n else [n]
    assert [p.shape[d] for p in ac.split(x, sections, d)] == sections
    chunks = data.draw(st.integers(1, 5))
    got = x.chunk(chunks, d)
    assert [p.shape[d] for p in got] == [c.shape[d] for c in np.array_split(a, -(-n // -(-n // chunks)), axis=d)]
    assert gradcheck(lambda t: ac.chunk(t, chunks, d), (x,))
    assert gradcheck(lambda t: t.unbind(d), (x,))
    start = data.draw(st.integers(-n, n))
    length = data.draw(st.integers(0, n - start % (n + 1) if start >= 0 else -start))
    s0 = start + n if start < 0 else start
    np.testing.assert_array_equal(x.narrow(d, start, length).numpy(),
                                  np.take(a, range(s0, s0 + length), axis=d))
    i = data.draw(st.integers(-n, n - 1))
    np.testing.assert_array_equal(ac.select(x, d, i).numpy(), np.take(a, i, axis=d))
    dims = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True))
    f = lambda t: t.flip(dims)  # noqa: E731
    np.testing.assert_array_equal(f(x).numpy(), np.flip(a, dims) if dims else a)
    assert gradcheck(f, (x,))
    assert gradgradcheck(lambda t: ac.flip(t, dims) * t, (x,))


def test_split_chunk_views_share_memory_and_edge_cases():
    x = ac.arange(10.0)
    parts = x.split(4)
    assert [p.shape for p in parts] == [(4,), (4,), (2,)]
    assert all(p._version is x._version for p in parts)
    assert [p.shape[0] for p in x.chunk(6)] == [2, 2, 2, 2, 2]  # PyTorch: fewer than asked
    assert len(ac.zeros(0).chunk(3)) == 3
    assert ac.zeros(0, 2).split(2)[0].shape == (0, 2)
    assert ac.unbind(ac.zeros(2, 3), 1)[0].shape == (2,)


def test_slicing_errors():
    x = ac.zeros(4, 3)
    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes to sum exactly to 4 .* but got split_sizes=\[1, 2\]"):
        x.split([1, 2])
    with pytest.raises(RuntimeError, match="split: split_size must be positive"):
        x.split(0)
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        x.chunk(0)
    with pytest.raises(RuntimeError, match=r"narrow: start \(2\) \+ length \(3\) exceeds dimension size \(4\)"):
        x.narrow(0, 2, 3)
    with pytest.raises(IndexError, match=r"narrow: start \(5\) is out of range"):
        x.narrow(0, 5, 0)
    with pytest.raises(IndexError, match=r"select: index 3 out of range for tensor of shape \(4, 3\) at dimension 1"):
        x.select(1, 3)
    with pytest.raises(RuntimeError, match="flip: dims"):
        x.flip(0, -2)
    with pytest.raises(RuntimeError, match="unbind: .*no dimensions"):
        ac.tensor(1.0).unbind()


def test_indexing_matches_torch():
    torch = pytest.importorskip("torch")
    a = array((4, 5, 3), 11)
    idxs = [
        (1, slice(None, None, 2)),
        ([0, 0, 3], slice(1, 4), [2, 2, 1]),
        (slice(None), [1, 1, 4]),
        (a[:, 0, 0] > 0,),
        (Ellipsis, None, 1),
        ([[0, 1], [1, 1]], 2),
    ]
    rng = np.random.default_rng(0)
    for idx in idxs:
        x = ac.tensor(a, requires_grad=True)
        tx = torch.tensor(a, requires_grad=True)
        tidx = tuple(torch.tensor(i) if isinstance(i, (list, np.ndarray)) else i for i in idx)
        y, ty = x[idx], tx[tidx]
        np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
        g = rng.standard_normal(y.shape)
        y.backward(g)
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    x, tx = ac.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for ours, theirs in zip(x.split([1, 3], 0) + x.chunk(2, 1) + (x.flip(0, 2), x.narrow(2, 1, 2)),
                            tx.split([1, 3], 0) + tx.chunk(2, 1) + (tx.flip(0, 2), tx.narrow(2, 1, 2))):
        np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
        g = rng.standard_normal(ours.shape)
        ours.backward(g)
        theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
