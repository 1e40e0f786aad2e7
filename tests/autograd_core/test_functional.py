"""autograd_core.functional: vjp, jvp, jacobian, hessian, vhp, hvp -- values against
analytic derivatives and finite differences, PyTorch's return shapes, errors."""
import tracemalloc

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import functional as F

DTYPES = [np.float32, np.float64]


def T(a, dtype=np.float64, requires_grad=False):
    return ac.tensor(np.asarray(a, dtype=dtype), requires_grad=requires_grad)


def cube_sum(x):
    return (x * x * x).sum()


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def sigmoid(x):
    return 1.0 / (1.0 + (-x).exp())


def mlp_loss(w1, w2, x):
    """A 2-layer MLP's scalar loss; x (4, 3), w1 (3, 5), w2 (5, 2)."""
    h = sigmoid(x @ w1)
    y = h @ w2
    return (y * y).sum() * 0.5


def num_grad(f, x, eps=1e-6):
    """Central differences of scalar numpy function f at float64 array x."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        fp = f(x)
        x[idx] = old - eps
        fm = f(x)
        x[idx] = old
        g[idx] = (fp - fm) / (2 * eps)
    return g


# -- vjp / jvp --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_vjp_single_tensor(dtype):
    x = T([1.0, -2.0, 3.0], dtype)
    v = T([1.0, 0.5, -1.0], dtype)
    out, g = F.vjp(lambda x: x * x * x, x, v)
    assert isinstance(g, ac.Tensor) and g.dtype == dtype and g.shape == (3,)
    np.testing.assert_allclose(out.numpy(), x.numpy() ** 3, **tol(dtype))
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2 * v.numpy(), **tol(dtype))
    assert out.grad_fn is None and not g.requires_grad


def test_vjp_v_none_only_for_single_element_output():
    x = T([1.0, 2.0])
    out, g = F.vjp(cube_sum, x)
    np.testing.assert_allclose(g.numpy(), [3.0, 12.0])
    assert out.item() == 9.0
    with pytest.raises(RuntimeError, match="v can only be None"):
        F.vjp(lambda x: x * 2, x)


def test_vjp_tuples_in_and_out():
    a, b = T([1.0, 2.0]), T([[3.0], [4.0], [5.0]])  # broadcast to (3, 2)
    va, vb = T(np.ones((3, 2))), T(np.full((3, 2), 2.0))
    outs, (ga, gb) = F.vjp(lambda a, b: (a * b, a + b), (a, b), (va, vb))
    assert isinstance(outs, tuple) and len(outs) == 2
    # d<va, a*b> + d<vb, a+b>
    np.testing.assert_allclose(ga.numpy(), (b.numpy() * va.numpy() + vb.numpy()).sum(0))
    np.testing.assert_allclose(gb.numpy(),
                               (a.numpy() * va.numpy() + vb.numpy()).sum(1, keepdims=True))


def test_vjp_v_shape_and_length_errors():
    x = T([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"entry 0 of v has shape \(2,\).*\(3,\)"):
        F.vjp(lambda x: x * 2, x, T([1.0, 1.0]))
    with pytest.raises(RuntimeError, match="v has 2 elements"):
        F.vjp(lambda x: x * 2, x, (T([1.0, 1.0, 1.0]), T([1.0, 1.0, 1.0])))


def test_unused_input_gives_zeros_and_strict_raises():
    a, b = T([1.0, 2.0]), T([5.0, 6.0, 7.0])
    _, (ga, gb) = F.vjp(lambda a, b: (a * a).sum(), (a, b))
    np.testing.assert_array_equal(gb.numpy(), np.zeros(3))
    np.testing.assert_allclose(ga.numpy(), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="independent of input 1.*strict"):
        F.vjp(lambda a, b: (a * a).sum(), (a, b), strict=True)
    _, j = F.jvp(lambda a, b: a * 2, (a, b), (T([1.0, 1.0]), T([1.0, 1.0, 1.0])))
    np.testing.assert_allclose(j.numpy(), [2.0, 2.0])
    # output not depending on the input at all
    _, j = F.jvp(lambda a: T([1.0, 2.0]), a, T([1.0, 1.0]))
    np.testing.assert_array_equal(j.numpy(), [0.0, 0.0])
    with pytest.raises(RuntimeError, match="strict"):
        F.jvp(lambda a: T([1.0, 2.0]), a, T([1.0, 1.0]), strict=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_jvp_double_backward_trick(dtype):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 3))
    x, v = T(rng.standard_normal(3), dtype), T(rng.standard_normal(3), dtype)
    Ad = T(A, dtype)
    out, j = F.jvp(lambda x: (Ad @ x).exp(), x, v)
    # J = diag(exp(Ax)) A
    y = np.exp(A @ x.numpy().astype(np.float64))
    assert j.dtype == dtype and j.shape == (4,)
    np.testing.assert_allclose(j.numpy(), y * (A @ v.numpy().astype(np.float64)),
                               rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(out.numpy(), y, rtol=1e-5)


def test_jvp_identity_and_tuple_outputs():
    x, v = T([1.0, 2.0]), T([3.0, -1.0])
    _, j = F.jvp(lambda x: x, x, v)  # output is the input itself
    np.testing.assert_array_equal(j.numpy(), v.numpy())
    outs, (j1, j2) = F.jvp(lambda x: (x * x, x.sum()), x, v)
    np.testing.assert_allclose(j1.numpy(), 2 * x.numpy() * v.numpy())
    np.testing.assert_allclose(j2.numpy(), v.numpy().sum())
    assert j2.shape == ()


def test_jvp_v_none_for_single_element_input():
    _, j = F.jvp(lambda x: x * 3.0, T(2.0))
    assert j.item() == 3.0
    with pytest.raises(RuntimeError, match="v can only be None"):
        F.jvp(lambda x: x * 3.0, T([1.0, 2.0]))


# -- jacobian ---------------------------------------------------------------------------
@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_jacobian_matches_analytic(strategy, dtype):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((2, 3, 4))
    x = T(rng.standard_normal(4), dtype)
    Ad = T(A, dtype)
    J = F.jacobian(lambda x: (Ad @ x) * (Ad @ x), x, strategy=strategy)
    assert isinstance(J, ac.Tensor) and J.shape == (2, 3, 4) and J.dtype == dtype
    ax = A @ x.numpy().astype(np.float64)
    np.testing.assert_allclose(J.numpy(), 2 * ax[..., None] * A,
                               rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_return_structure(strategy):
    a, b = T(np.arange(6.0).reshape(2, 3)), T([1.0, 2.0, 3.0])
    # one in, one out; 0-d cases
    assert F.jacobian(lambda x: x.sum(), a, strategy=strategy).shape == (2, 3)
    assert F.jacobian(lambda x: x * 2, T(3.0), strategy=strategy).shape == ()
    assert F.jacobian(lambda x: x * 2, T(3.0), strategy=strategy).item() == 2.0
    # tuple in, one out
    ja, jb = F.jacobian(lambda a, b: a * b, (a, b), strategy=strategy)
    assert ja.shape == (2, 3, 2, 3) and jb.shape == (2, 3, 3)
    np.testing.assert_allclose(jb.numpy()[1], np.diag(a.numpy()[1]))
    # one in, tuple out
    j1, j2 = F.jacobian(lambda b: (b.sum(), b * b), b, strategy=strategy)
    assert j1.shape == (3,) and j2.shape == (3, 3)
    np.testing.assert_allclose(j2.numpy(), np.diag(2 * b.numpy()))
    # tuple in, tuple out: J[i][j] is output i by input j
    J = F.jacobian(lambda a, b: (a.sum(), a * b), (a, b), strategy=strategy)
    assert [[t.shape for t in row] for row in J] == [[(2, 3), (3,)], [(2, 3, 2, 3), (2, 3, 3)]]
    np.testing.assert_array_equal(J[0][1].numpy(), np.zeros(3))  # a.sum() ignores b


def test_jacobian_forward_and_reverse_agree_and_vectorize_is_accepted():
    rng = np.random.default_rng(2)
    x, y = T(rng.standard_normal((3, 2))), T(rng.standard_normal(2))

    def f(x, y):
        return ((x * y).exp() @ y, (x + y).sum(0))

    Jr = F.jacobian(f, (x, y))
    Jf = F.jacobian(f, (x, y), strategy="forward-mode")
    Jv = F.jacobian(f, (x, y), vectorize=True)
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(Jr[i][j].numpy(), Jf[i][j].numpy(), rtol=1e-12)
            np.testing.assert_array_equal(Jr[i][j].numpy(), Jv[i][j].numpy())
    with pytest.raises(ValueError, match="strategy"):
        F.jacobian(f, (x, y), strategy="sideways")


def test_jacobian_strict():
    a, b = T([1.0, 2.0]), T([3.0])
    for strategy in ("reverse-mode", "forward-mode"):
        with pytest.raises(RuntimeError, match="strict"):
            F.jacobian(lambda a, b: a * 2, (a, b), strict=True, strategy=strategy)


def test_inputs_are_not_touched():
    x = T([1.0, 2.0])
    F.jacobian(lambda x: x * x, x)
    F.hessian(cube_sum, x)
    F.hvp(cube_sum, x, T([1.0, 1.0]))
    assert not x.requires_grad and x.grad is None and x.is_leaf
    w = T([1.0, 2.0], requires_grad=True)
    F.vjp(lambda w: (w * w).sum(), w)
    assert w.grad is None


def test_input_and_output_type_errors():
    with pytest.raises(TypeError, match="jacobian: the inputs must be a Tensor"):
        F.jacobian(lambda x: x, [1.0, 2.0])
    with pytest.raises(TypeError, match="vjp: the outputs of the user-provided function"):
        F.vjp(lambda x: 3.0, T([1.0]))
    with pytest.raises(TypeError, match="jvp: input 0 has dtype int64"):
        F.jvp(lambda x: x, ac.tensor([1, 2]), ac.tensor([1, 1]))


# -- hessian ----------------------------------------------------------------------------
@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_hessian_analytic(strategy, dtype):
    x = T([1.0, -2.0, 0.5], dtype)
    H = F.hessian(cube_sum, x, outer_jacobian_strategy=strategy)
    assert H.shape == (3, 3) and H.dtype == dtype
    np.testing.assert_allclose(H.numpy(), np.diag(6 * x.numpy()), **tol(dtype))
    # exp(x*y): d2/dx2 = y^2 e, d2/dxdy = (1 + xy) e, d2/dy2 = x^2 e
    a, b = T(0.3, dtype), T(-0.7, dtype)
    (hxx, hxy), (hyx, hyy) = F.hessian(lambda x, y: (x * y).exp(), (a, b),
                                       outer_jacobian_strategy=strategy)
    xv, yv = 0.3, -0.7
    e = np.exp(xv * yv)
    for got, want in [(hxx, yv * yv * e), (hxy, (1 + xv * yv) * e), (hyx, (1 + xv * yv) * e),
                      (hyy, xv * xv * e)]:
        assert got.shape == ()
        np.testing.assert_allclose(got.item(), want, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_hessian_tuple_shapes_and_linear_parts():
    a, b = T(np.ones(2)), T(np.ones((3, 1)))
    H = F.hessian(lambda x, y: (x * y).sum(), (a, b))
    assert [[t.shape for t in row] for row in H] == [[(2, 2), (2, 3, 1)],
                                                     [(3, 1, 2), (3, 1, 3, 1)]]
    np.testing.assert_array_equal(H[0][0].numpy(), np.zeros((2, 2)))  # linear in x
    np.testing.assert_array_equal(H[0][1].numpy(), np.ones((2, 3, 1)))
    np.testing.assert_array_equal(H[1][1].numpy(), np.zeros((3, 1, 3, 1)))


def test_hessian_of_mlp_matches_finite_differences_of_gradients():
    rng = np.random.default_rng(3)
    x = T(rng.standard_normal((4, 3)))
    w2 = T(rng.standard_normal((5, 2)))
    w1_0 = rng.standard_normal((3, 5))
    H = F.hessian(lambda w1: mlp_loss(w1, w2, x), T(w1_0)).numpy().reshape(15, 15)

    def grad_at(w):
        w1 = T(w, requires_grad=True)
        mlp_loss(w1, w2, x).backward()
        return w1.grad.numpy().ravel()

    eps = 1e-6
    num = np.zeros((15, 15))
    for k in range(15):
        wp, wm = w1_0.copy().ravel(), w1_0.copy().ravel()
        wp[k] += eps
        wm[k] -= eps
        num[:, k] = (grad_at(wp.reshape(3, 5)) - grad_at(wm.reshape(3, 5))) / (2 * eps)
    np.testing.assert_allclose(H, num, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(H, H.T, atol=1e-12)


def test_hessian_requires_scalar_function():
    with pytest.raises(RuntimeError, match="hessian: the function given must return a single"):
        F.hessian(lambda x: x * x, T([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="hvp: the function given must return a single"):
        F.hvp(lambda x: (x.sum(), x.sum()), T([1.0, 2.0]), T([1.0, 1.0]))


# -- hvp / vhp --------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [F.hvp, F.vhp])
@pytest.mark.parametrize("dtype", DTYPES)
def test_hessian_vector_products_equal_hessian_times_v(fn, dtype):
    rng = np.random.default_rng(4)
    x = T(rng.standard_normal((4, 3)), dtype)
    w2 = T(rng.standard_normal((5, 2)), dtype)
    w1 = T(rng.standard_normal((3, 5)), dtype)
    v = T(rng.standard_normal((3, 5)), dtype)
    f = lambda w1: mlp_loss(w1, w2, x)  # noqa: E731
    out, hv = fn(f, w1, v)
    assert hv.shape == (3, 5) and hv.dtype == dtype and out.shape == ()
    H = F.hessian(f, w1).numpy().reshape(15, 15)
    np.testing.assert_allclose(hv.numpy().ravel(), H @ v.numpy().ravel(),
                               rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-5)


def test_hvp_tuple_inputs():
    a, b = T([1.0, 2.0]), T([3.0])
    va, vb = T([1.0, -1.0]), T([2.0])
    # f = sum(a^2) * b: H = [[2b I, 2a], [2a^T, 0]]
    _, (ha, hb) = F.hvp(lambda a, b: (a * a).sum() * b.sum(), (a, b), (va, vb))
    np.testing.assert_allclose(ha.numpy(), 2 * 3.0 * va.numpy() + 2 * a.numpy() * 2.0)
    np.testing.assert_allclose(hb.numpy(), [2 * (a.numpy() * va.numpy()).sum()])


def test_hvp_does_not_form_the_hessian():
    """n = 3000: a float64 Hessian would take 72 MB; an HVP needs a few vectors."""
    n = 3000
    rng = np.random.default_rng(5)
    x, v = T(rng.standard_normal(n)), T(rng.standard_normal(n))
    tracemalloc.start()
    try:
        _, hv = F.hvp(lambda x: (x * x).exp().sum(), x, v)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    xs = x.numpy()
    want = (2 + 4 * xs * xs) * np.exp(xs * xs) * v.numpy()
    np.testing.assert_allclose(hv.numpy(), want, rtol=1e-12)
    assert peak < 5 * 2**20, f"hvp peaked at {peak / 2**20:.1f} MB"


def test_hvp_v_none_and_errors():
    _, h = F.hvp(lambda x: x * x * x, T(2.0))  # one-element input: v defaults to 1
    assert h.item() == 12.0
    with pytest.raises(RuntimeError, match="hvp: v can only be None"):
        F.hvp(cube_sum, T([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="vhp: entry 0 of v has shape"):
        F.vhp(cube_sum, T([1.0, 2.0]), T([1.0]))


def test_hvp_strict_and_linear_functions():
    x = T([1.0, 2.0])
    _, h = F.hvp(lambda x: (x * 3.0).sum(), x, T([1.0, 1.0]))  # linear: zero Hessian
    np.testing.assert_array_equal(h.numpy(), [0.0, 0.0])
    with pytest.raises(RuntimeError, match="strict"):
        F.hvp(lambda x: (x * 3.0).sum(), x, T([1.0, 1.0]), strict=True)


# -- create_graph ------------------------------------------------------------------------
def test_create_graph_results_stay_connected_to_the_callers_graph():
    x = T([1.0, 2.0], requires_grad=True)
    _, g = F.vjp(cube_sum, x, create_graph=True)  # g = 3 x^2
    assert g.requires_grad
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy())

    y = T([0.5, -1.0], requires_grad=True)
    v = T([1.0, 2.0])
    _, hv = F.hvp(cube_sum, y, v, create_graph=True)  # 6 y v
    (gy,) = ac.grad(hv.sum(), y)
    np.testing.assert_allclose(gy.numpy(), 6 * v.numpy())

    z = T([0.3, 0.4], requires_grad=True)
    _, j = F.jvp(lambda z: (z * z * z), z, T([1.0, 1.0]), create_graph=True)  # 3 z^2
    (gz,) = ac.grad(j.sum(), z)
    np.testing.assert_allclose(gz.numpy(), 6 * z.numpy())


def test_without_create_graph_results_are_detached():
    x = T([1.0, 2.0], requires_grad=True)
    out, g = F.vjp(cube_sum, x)
    assert not g.requires_grad and not out.requires_grad
    out, h = F.hvp(cube_sum, x, T([1.0, 1.0]))
    assert not h.requires_grad and not out.requires_grad


# -- PyTorch comparison ------------------------------------------------------------------
def test_against_torch():
    torch = pytest.importorskip("torch")
    TF = torch.autograd.functional
    rng = np.random.default_rng(6)
    xa, wa, va = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((2, 3))

    def ours(x, w):
        return ((x @ w).exp() * 0.1).sum(), (x @ w) * (x @ w)

    def theirs(x, w):
        return ((x @ w).exp() * 0.1).sum(), (x @ w) * (x @ w)

    a, b = (T(xa), T(wa)), (torch.tensor(xa), torch.tensor(wa))
    J, Jt = F.jacobian(ours, a), TF.jacobian(theirs, b)
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(J[i][j].numpy(), Jt[i][j].numpy(), rtol=1e-12)
    f0 = lambda x, w: ours(x, w)[0]  # noqa: E731
    f0t = lambda x, w: theirs(x, w)[0]  # noqa: E731
    H, Ht = F.hessian(f0, a), TF.hessian(f0t, b)
    for i in range(2):
        for j in range(2):
            assert H[i][j].shape == tuple(Ht[i][j].shape)
            np.testing.assert_allclose(H[i][j].numpy(), Ht[i][j].numpy(), rtol=1e-10, atol=1e-12)
    vs = (T(va), T(np.ones((3, 4))))
    vts = (torch.tensor(va), torch.ones(3, 4, dtype=torch.float64))
    for ours_fn, their_fn in [(F.hvp, TF.hvp), (F.vhp, TF.vhp)]:
        _, got = ours_fn(f0, a, vs)
        _, want = their_fn(f0t, b, vts)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-10)
    _, got = F.jvp(lambda x: ours(x, a[1])[1], a[0], vs[0])
    _, want = TF.jvp(lambda x: theirs(x, b[1])[1], b[0], vts[0])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_and_hessian_with_create_graph_are_differentiable(strategy):
    x = T([0.5, 1.0, -2.0], requires_grad=True)
    J = F.jacobian(lambda x: x * x * x, x, create_graph=True, strategy=strategy)  # diag(3x^2)
    assert J.requires_grad and J.shape == (3, 3)
    (g,) = ac.grad(J.sum(), x)
    np.testing.assert_allclose(g.numpy(), 6 * x.numpy())
    H = F.hessian(cube_sum, x, create_graph=True, outer_jacobian_strategy=strategy)  # diag(6x)
    (g,) = ac.grad((H * H).sum(), x)
    np.testing.assert_allclose(g.numpy(), 72 * x.numpy())


def test_jacobian_of_a_jacobian_is_the_third_derivative():
    x = T([0.5, 2.0])
    JJ = F.jacobian(lambda x: F.jacobian(lambda y: (y * y * y).sum(), x, create_graph=True), x)
    np.testing.assert_allclose(JJ.numpy(), np.diag(6 * x.numpy()))


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_integer_outputs_have_zero_derivatives(strategy):
    x = T([1.0, 3.0, 2.0])

    def f(x):
        return x * 2, (x * 1.0).long()  # an integer output carries no gradient

    (ja, jb) = F.jacobian(f, x, strategy=strategy)
    np.testing.assert_array_equal(ja.numpy(), 2 * np.eye(3))
    np.testing.assert_array_equal(jb.numpy(), np.zeros((3, 3)))
    _, (da, db) = F.jvp(f, x, T([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(da.numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(db.numpy(), [0, 0, 0])
    _, g = F.vjp(f, x, (T([1.0, 1.0, 1.0]), ac.tensor([1, 1, 1])))
    np.testing.assert_array_equal(g.numpy(), [2.0, 2.0, 2.0])


def test_works_inside_no_grad():
    x = T([1.0, 2.0], requires_grad=True)
    with ac.no_grad():
        H = F.hessian(cube_sum, x)
        _, hv = F.hvp(cube_sum, x, T([1.0, 1.0]), create_graph=True)
        _, j = F.jvp(lambda x: x * x, x, T([1.0, 1.0]))
        assert not ac.is_grad_enabled()
    np.testing.assert_allclose(H.numpy(), np.diag(6 * x.numpy()))
    np.testing.assert_allclose(j.numpy(), 2 * x.numpy())
    (g,) = ac.grad(hv.sum(), x)  # connected to x although computed under no_grad
    np.testing.assert_allclose(g.numpy(), [6.0, 6.0])
