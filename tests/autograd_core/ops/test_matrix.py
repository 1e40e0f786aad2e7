"""Matrix structure and contractions, derived from primitives: tril/triu, diag/diagonal,
trace, outer, bmm, roll (flip is in test_shape), einsum: values against numpy, gradcheck and
gradgradcheck in float64 (drawn shapes, non-contiguous layouts), PyTorch behind
importorskip, and the errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, layouts, leaf, seeds

COVERED_OPS = set()  # no primitives of their own: each is a composition

FEW = settings(max_examples=15, deadline=None)
mats = hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4)


def _both(fn, xs):
    assert gradcheck(fn, xs)
    assert gradgradcheck(fn, xs)


@FEW
@given(shape=mats, k=st.integers(-4, 4), seed=seeds, layout=layouts)
def test_tril_triu(shape, k, seed, layout):
    a = array(shape, seed)
    x = leaf(a, layout)
    np.testing.assert_array_equal(x.tril(k).numpy(), np.tril(a, k))
    np.testing.assert_array_equal(ac.triu(x, k).numpy(), np.triu(a, k))
    _both(lambda t: t.tril(k), (x,))
    _both(lambda t: t.triu(k), (x,))


def test_tril_keeps_nonfinite_values_out_of_the_zeros():
    x = ac.tensor([[1.0, np.inf], [np.nan, 2.0]])
    np.testing.assert_array_equal(x.tril().numpy(), [[1.0, 0.0], [np.nan, 2.0]])
    assert ac.tensor([[1, 2], [3, 4]]).triu().tolist() == [[1, 2], [0, 4]]
    with pytest.raises(ValueError, match=r"tril: input must have at least 2 dims, got shape \(3,\)"):
        ac.zeros(3).tril()
    with pytest.raises(TypeError, match="triu: diagonal must be an int"):
        ac.zeros(2, 2).triu(0.5)


@FEW
@given(n=st.integers(0, 4), m=st.integers(1, 4), k=st.integers(-3, 3), seed=seeds,
       layout=layouts)
def test_diag_both_directions(n, m, k, seed, layout):
    v = leaf(array((n,), seed), "contiguous")
    np.testing.assert_array_equal(v.diag(k).numpy(), np.diag(v.numpy(), k))
    _both(lambda t: ac.diag(t, k), (v,))
    a = array((n + 1, m), seed)
    x = leaf(a, layout)
    np.testing.assert_array_equal(x.diag(k).numpy(), np.diag(a, k))
    _both(lambda t: t.diag(k), (x,))


def test_diagonal_trace_and_errors():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ac.tensor(a, requires_grad=True)
    np.testing.assert_array_equal(x.diagonal(1, 1, 2).numpy(), np.diagonal(a, 1, 1, 2))
    np.testing.assert_array_equal(x.diagonal(-1, -1, 0).numpy(), np.diagonal(a, -1, -1, 0))
    assert gradcheck(lambda t: t.diagonal(0, 0, 2), (x,))
    assert ac.trace(ac.tensor([[1.0, 2.0], [3.0, 4.0]])).item() == 5.0
    with pytest.raises(ValueError, match=r"diag: input must be 1-d or 2-d, got shape \(2, 3, 4\)"):
        x.diag()
    with pytest.raises(ValueError, match="diagonal: dim1 and dim2 cannot be the same"):
        x.diagonal(0, 1, -2)


@FEW
@given(n=st.integers(0, 4), m=st.integers(0, 4), seed=seeds)
def test_outer(n, m, seed):
    u, v = leaf(array((n,), seed)), leaf(array((m,), seed + 1))
    np.testing.assert_array_equal(ac.outer(u, v).numpy(), np.outer(u.numpy(), v.numpy()))
    _both(lambda a, b: a.outer(b), (u, v))


def test_outer_bmm_errors():
    with pytest.raises(ValueError, match="outer: expected 1-d tensors"):
        ac.outer(ac.zeros(2, 2), ac.zeros(2))
    with pytest.raises(ValueError, match="bmm: expected 3-d tensors"):
        ac.bmm(ac.zeros(2, 2), ac.zeros(2, 2))
    with pytest.raises(ValueError, match=r"bmm: shapes \(2, 3, 4\) and \(3, 4, 5\) do not match"):
        ac.bmm(ac.zeros(2, 3, 4), ac.zeros(3, 4, 5))


@FEW
@given(b=st.integers(1, 3), n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3),
       seed=seeds, layout=layouts)
def test_bmm(b, n, k, m, seed, layout):
    x, y = leaf(array((b, n, k), seed), layout), leaf(array((b, k, m), seed + 1), layout)
    np.testing.assert_allclose(x.bmm(y).numpy(), np.matmul(x.numpy(), y.numpy()), rtol=1e-12)
    _both(ac.bmm, (x, y))


@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
       seed=seeds, layout=layouts, data=st.data())
def test_roll(shape, seed, layout, data):
    a = array(shape, seed)
    x = leaf(a, layout)
    nd = len(shape)
    dims = data.draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd, unique=True))
    shifts = data.draw(st.lists(st.integers(-6, 6), min_size=len(dims), max_size=len(dims)))
    np.testing.assert_array_equal(x.roll(shifts, dims).numpy(), np.roll(a, shifts, dims))
    np.testing.assert_array_equal(ac.roll(x, shifts[0]).numpy(), np.roll(a, shifts[0]))
    _both(lambda t: t.roll(shifts, dims), (x,))
    _both(lambda t: t.roll(shifts[0]), (x,))


def test_roll_errors_and_0d():
    assert ac.tensor(3.0).roll(2, 0).item() == 3.0
    with pytest.raises(ValueError, match="roll: shifts \\(2\\) and dims \\(1\\)"):
        ac.zeros(3).roll((1, 2), 0)
    with pytest.raises(ValueError, match="roll: without dims, shifts must be one int"):
        ac.zeros(3).roll((1, 2))


def test_matrix_ops_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4))
    cases = [
        (lambda m, t: m.tril(-1), None), (lambda m, t: m.triu(2), None),
        (lambda m, t: m.diag(1), None), (lambda m, t: m[0].diag(-2), None),
        (lambda m, t: m.roll((1, -2), (0, 1)), None), (lambda m, t: m.roll(5), None),
        (lambda m, t: m[0].outer(m[1]), None), (lambda m, t: m.trace(), None),
        (lambda m, t: m.reshape(2, 3, 2).bmm(m.reshape(2, 2, 3)), None),
    ]
    for fn, _ in cases:
        x, tx = ac.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = fn(x, ac), fn(tx, torch)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
        g = rng.normal(size=ty.shape)
        y.backward(ac.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-14)


# -- einsum ---------------------------------------------------------------------------------
EQUATIONS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("i,j->ij", [(3,), (2,)]),
    ("i,i->", [(4,), (4,)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("bii->b", [(2, 3, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ijk->kj", [(2, 3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("...ij->...ji", [(2, 3, 4)]),
    ("i...->...", [(3, 2)]),
    ("ij,ij,ij->i", [(2, 3), (2, 3), (1, 3)]),
    ("ab,bc,cd->ad", [(2, 3), (3, 2), (2, 2)]),
    ("iij,jk->ik", [(2, 2, 3), (3, 2)]),
    ("bn,anm,bm->ba", [(2, 3), (2, 3, 4), (2, 4)]),
    ("ij,kl->ijkl", [(2, 1), (1, 2)]),
    ("i,i->i", [(1,), (3,)]),
    ("Ab,bA->A", [(2, 3), (3, 2)]),
    (",->", [(), ()]),
    ("i,->i", [(3,), ()]),
    ("ij,jk->ik", [(0, 3), (3, 2)]),
]


@pytest.mark.parametrize("eq, shapes", EQUATIONS)
def test_einsum_values_and_gradients(eq, shapes):
    xs = [leaf(array(s, 10 + k), "transposed" if len(s) == 2 else "contiguous")
          for k, s in enumerate(shapes)]
    out = ac.einsum(eq, *xs)
    ref = np.einsum(eq, *[x.numpy() for x in xs])
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)
    assert out.shape == ref.shape
    _both(lambda *ts: ac.einsum(eq, *ts), xs)


def test_einsum_list_form_and_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    for eq, shapes in EQUATIONS:
        arrs = [rng.normal(size=s) for s in shapes]
        xs = [ac.tensor(a, requires_grad=True) for a in arrs]
        ts = [torch.tensor(a, requires_grad=True) for a in arrs]
        y, ty = ac.einsum(eq, xs), torch.einsum(eq, ts)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
        g = rng.normal(size=tuple(ty.shape))
        y.backward(ac.tensor(g))
        ty.backward(torch.tensor(g))
        for x, t in zip(xs, ts):
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("eq, shapes, match", [
    ("ij,jk->ik", [(2, 3), (4, 2)], "einsum: subscript 'j' has size 4 in operand 1 but 3"),
    ("ij->ik", [(2, 3)], "einsum: output subscript 'k' does not appear"),
    ("ij->ii", [(2, 2)], "einsum: output subscript 'i' appears more than once"),
    ("ijk->i", [(2, 3)], "einsum: operand 0 has 2 dims but subscript 'ijk' describes 3"),
    ("ij,jk", [(2, 3)], "einsum: equation 'ij,jk' has 2 operand subscripts but 1 operands"),
    ("i1->i", [(2, 3)], "einsum: invalid subscript '1'"),
    ("ij->i->j", [(2, 3)], "more than one '->'"),
])
def test_einsum_errors(eq, shapes, match):
    with pytest.raises(ValueError, match=match):
        ac.einsum(eq, *[ac.zeros(s) for s in shapes])


def test_einsum_type_errors():
    with pytest.raises(TypeError, match="einsum: operand 1 must be a Tensor"):
        ac.einsum("i,i", ac.zeros(2), [1.0, 2.0])
    with pytest.raises(TypeError, match="einsum: equation must be a str"):
        ac.einsum(ac.zeros(2), ac.zeros(2))
