"""Matrix products: matmul (1-d, 2-d, batched n-d with broadcast batch dims, transposed
operands) and the fused linear primitive (Tensor._linear: x @ W.T + b). Gradients are
gradchecked and gradgradchecked in float64 over hypothesis-drawn shapes and layouts;
values and gradients are compared with numpy and PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, layouts, leaf, seeds

COVERED_OPS = {"matmul", "linear"}

SETTINGS = dict(max_examples=30, deadline=None)
dims = st.integers(1, 4)


@st.composite
def matmul_shapes(draw):
    """Two shapes numpy's matmul accepts: 1-d or n-d on each side, batch dims that
    broadcast (missing and size-1 dims included)."""
    n, k, m = draw(dims), draw(dims), draw(dims)
    ba, bb = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2,
                                                    max_side=3)).input_shapes
    sa = (k,) if draw(st.booleans()) else ba + (n, k)
    sb = (k,) if draw(st.booleans()) else bb + (k, m)
    return sa, sb


@settings(**SETTINGS)
@given(sh=matmul_shapes(), seed=seeds, la=layouts, lb=layouts)
def test_matmul_gradcheck(sh, seed, la, lb):
    sa, sb = sh
    a, b = array(sa, seed), array(sb, seed + 1)
    x, y = leaf(a, la), leaf(b, lb)
    out = x @ y
    want = np.matmul(a, b)
    assert out.shape == want.shape and type(out.numpy()) is np.ndarray
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-14)
    assert gradcheck(lambda p, q: p @ q, (x, y))
    assert gradgradcheck(lambda p, q: p.matmul(q), (x, y))


@settings(max_examples=20, deadline=None)
@given(n=dims, k=dims, m=dims, seed=seeds)
def test_matmul_of_transposed_operands_in_the_graph(n, k, m, seed):
    a, b = array((k, n), seed), array((m, k), seed + 1)
    x, y = leaf(a), leaf(b)
    f = lambda p, q: p.T @ q.T  # noqa: E731  both operands non-contiguous views
    np.testing.assert_allclose(f(x, y).numpy(), a.T @ b.T, rtol=1e-12)
    assert gradcheck(f, (x, y))
    assert gradgradcheck(f, (x, y))


@pytest.mark.parametrize("sa, sb, out", [
    ((3,), (3,), ()), ((3,), (3, 2), (2,)), ((2, 3), (3,), (2,)), ((2, 3), (3, 4), (2, 4)),
    ((5, 2, 3), (3, 4), (5, 2, 4)), ((3,), (5, 3, 4), (5, 4)), ((5, 2, 3), (3,), (5, 2)),
    ((2, 1, 3, 4), (5, 4, 2), (2, 5, 3, 2)),
])
def test_matmul_result_shapes_and_gradient_shapes(sa, sb, out):
    x = ac.tensor(np.ones(sa), requires_grad=True)
    y = ac.tensor(np.ones(sb), requires_grad=True)
    z = x @ y
    assert z.shape == out
    z.sum().backward()
    assert x.grad.shape == sa and y.grad.shape == sb


def test_matmul_only_one_operand_requires_grad():
    w = ac.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    x = ac.tensor(np.ones((4, 3)))
    (x @ w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 2), 4.0))
    assert x.grad is None


def test_matmul_dtypes():
    a32 = ac.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    b32 = ac.tensor(np.ones((3, 2), dtype=np.float32))
    b64 = ac.tensor(np.ones((3, 2)), requires_grad=True)
    assert (a32 @ b32).dtype == np.float32
    z = a32 @ b64
    assert z.dtype == np.float64
    z.sum().backward()
    assert a32.grad.dtype == np.float32 and b64.grad.dtype == np.float64
    i = ac.tensor([[1, 2]]) @ ac.tensor([[3], [4]])
    assert i.dtype == np.int64 and i.tolist() == [[11]]


@pytest.mark.parametrize("sa, sb, match", [
    ((2, 3), (4, 5), r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied \(3 != 4\)"),
    ((3,), (4,), r"matmul: shapes \(3,\) and \(4,\) cannot be multiplied \(3 != 4\)"),
    ((5,), (4, 3), r"matmul: shapes \(5,\) and \(4, 3\) cannot be multiplied \(5 != 4\)"),
    ((2, 3, 4), (3, 4, 5),
     r"matmul: shapes \(2, 3, 4\) and \(3, 4, 5\).*batch dimensions \(2,\) and \(3,\)"),
])
def test_matmul_shape_errors_name_the_op_and_both_shapes(sa, sb, match):
    x = ac.tensor(np.ones(sa), requires_grad=True)
    with pytest.raises(ValueError, match=match):
        x @ ac.tensor(np.ones(sb))


def test_matmul_0d_mm_and_dot_errors():
    with pytest.raises(RuntimeError, match=r"matmul: .*at least 1 dimension.*\(\) and \(3,\)"):
        ac.tensor(2.0) @ ac.ones(3)
    with pytest.raises(RuntimeError, match="mm: expected 2-D"):
        ac.ones(3).mm(ac.ones(3, 2))
    with pytest.raises(RuntimeError, match="dot: expected 1-D"):
        ac.ones(2, 2).dot(ac.ones(2))
    assert ac.ones(3).dot(ac.ones(3)).item() == 3.0
    assert ac.ones(2, 3).mm(ac.ones(3, 4)).shape == (2, 4)


# -- linear --------------------------------------------------------------------------------
@st.composite
def linear_shapes(draw):
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    n_in, n_out = draw(dims), draw(dims)
    return batch + (n_in,), (n_out, n_in), draw(st.booleans())


@settings(**SETTINGS)
@given(sh=linear_shapes(), seed=seeds, lx=layouts, lw=layouts)
def test_linear_gradcheck(sh, seed, lx, lw):
    sx, sw, with_bias = sh
    a, w = array(sx, seed), array(sw, seed + 1)
    x, W = leaf(a, lx), leaf(w, lw)
    args = (x, W)
    want = a @ w.T
    if with_bias:
        bv = array((sw[0],), seed + 2)
        args += (leaf(bv),)
        want = want + bv
    out = x._linear(*args[1:])
    assert out.grad_fn.op_name == "linear"
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-14)
    f = lambda p, *rest: p._linear(*rest)  # noqa: E731
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


def test_linear_with_constant_weight_and_float32():
    x = ac.tensor(np.ones((4, 3), dtype=np.float32), requires_grad=True)
    W = ac.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    b = ac.tensor(np.array([1.0, -1.0], dtype=np.float32), requires_grad=True)
    y = x._linear(W, b)
    assert y.dtype == np.float32 and y.shape == (4, 2)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.tile(W.numpy().sum(0), (4, 1)))
    np.testing.assert_array_equal(b.grad.numpy(), [4.0, 4.0])
    assert W.grad is None and x.grad.dtype == np.float32


@pytest.mark.parametrize("sx, sw, sb", [((2, 3), (4, 5), None), ((2, 3), (4, 3), (5,)),
                                        ((3,), (3,), None), ((), (2, 3), None)])
def test_linear_shape_errors(sx, sw, sb):
    x = ac.tensor(np.ones(sx), requires_grad=True)
    args = (ac.tensor(np.ones(sw)),) + (() if sb is None else (ac.tensor(np.ones(sb)),))
    with pytest.raises(ValueError, match=rf"linear: input {sx}.*weight {sw}".replace("(", r"\(")
                       .replace(")", r"\)")):
        x._linear(*args)


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    cases = [((3,), (3,)), ((2, 3), (3, 4)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)),
             ((2, 3, 4), (4,))]
    for sa, sb in cases:
        a, b = rng.standard_normal(sa), rng.standard_normal(sb)
        x, y = ac.tensor(a, requires_grad=True), ac.tensor(b, requires_grad=True)
        tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        out, tout = x @ y, tx @ ty
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)
        g = rng.standard_normal(out.shape)
        out.backward(g)
        tout.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-12)
    a, w, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    ours = [ac.tensor(v, requires_grad=True) for v in (a, w, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, w, b)]
    out = ours[0]._linear(ours[1], ours[2])
    tout = torch.nn.functional.linear(*theirs)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12)
