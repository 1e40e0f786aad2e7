"""Reductions: sum, mean, var, std, prod, norm, logsumexp (values, gradients, edge cases)."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, layouts, leaf, seeds
from tests.autograd_core.ops.reduce_strategies import count, np_axes, shape_and_dim

COVERED_OPS = {"sum", "prod", "norm", "logsumexp"}


def _np_norm(a, p, axis, keepdims):
    if p == np.inf:
        return np.max(np.abs(a), axis=axis, keepdims=keepdims)
    if p == 0:
        return np.count_nonzero(a, axis=axis, keepdims=keepdims).astype(a.dtype)
    return np.sum(np.abs(a) ** p, axis=axis, keepdims=keepdims) ** (1 / p)


def _np_lse(a, axis, keepdims):
    m = np.max(a, axis=axis, keepdims=True)
    s = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)


# name -> (our call, numpy reference); c is a var/std correction
CASES = {
    "sum": (lambda x, d, k: x.sum(d, k), lambda a, ax, k: np.sum(a, ax, keepdims=k)),
    "mean": (lambda x, d, k: x.mean(d, k), lambda a, ax, k: np.mean(a, ax, keepdims=k)),
    "var": (lambda x, d, k, c=1: x.var(d, keepdim=k, correction=c),
            lambda a, ax, k, c=1: np.var(a, ax, ddof=c, keepdims=k)),
    "var_unbiased_false": (lambda x, d, k: x.var(d, False, k),
                           lambda a, ax, k: np.var(a, ax, keepdims=k)),
    "std": (lambda x, d, k, c=1: x.std(d, keepdim=k, correction=c),
            lambda a, ax, k, c=1: np.std(a, ax, ddof=c, keepdims=k)),
    "prod": (lambda x, d, k: x.prod(d, k), lambda a, ax, k: np.prod(a, ax, keepdims=k)),
    "norm2": (lambda x, d, k: x.norm(2, d, k), lambda a, ax, k: _np_norm(a, 2, ax, k)),
    "norm1": (lambda x, d, k: x.norm(1, d, k), lambda a, ax, k: _np_norm(a, 1, ax, k)),
    "norm3": (lambda x, d, k: x.norm(3, d, k), lambda a, ax, k: _np_norm(a, 3, ax, k)),
    "norm0.5": (lambda x, d, k: x.norm(0.5, d, k), lambda a, ax, k: _np_norm(a, 0.5, ax, k)),
    "norm_inf": (lambda x, d, k: x.norm(np.inf, d, k),
                 lambda a, ax, k: _np_norm(a, np.inf, ax, k)),
    "norm_fro": (lambda x, d, k: x.norm("fro", d, k), lambda a, ax, k: _np_norm(a, 2, ax, k)),
    "logsumexp": (lambda x, d, k: x.logsumexp(d, k), _np_lse),
}


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=20, deadline=None)
@given(sd=shape_and_dim(), keepdim=st.booleans(), seed=seeds, layout=layouts)
def test_values_and_gradients(name, sd, keepdim, seed, layout):
    shape, dim = sd
    f, ref = CASES[name]
    axes = np_axes(dim, len(shape))
    kw = {}
    if name in ("var", "std"):
        kw["c"] = 1 if count(shape, axes) > 1 else 0  # n - c must stay positive
    a = array(shape, seed, low=-1.5, high=1.5, away_from=0.0)
    x = leaf(a, layout)
    y = f(x, dim, keepdim, **kw)
    expected = ref(a, axes, keepdim, **kw)
    assert y.shape == np.shape(expected)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda t: f(t, dim, keepdim, **kw), (x,))
    assert gradgradcheck(lambda t: f(t, dim, keepdim, **kw), (x,))


# -- sum ------------------------------------------------------------------------------------

def test_sum_of_empty_is_zero_and_its_gradient_is_empty():
    x = ac.zeros((0, 3), dtype="float64", requires_grad=True)
    s = x.sum()
    assert s.shape == () and s.item() == 0.0
    s.backward()
    assert x.grad.shape == (0, 3)
    assert ac.zeros((0, 3)).sum(0).numpy().tolist() == [0.0, 0.0, 0.0]


def test_sum_dtypes_follow_pytorch():
    assert ac.tensor([True, False, True]).sum().dtype == np.int64
    assert ac.tensor([1, 2, 3]).sum().item() == 6
    assert ac.tensor([1.5, 2.5]).sum().dtype == np.float32
    assert ac.tensor([1, 2]).sum(dtype="float64").dtype == np.float64


def test_sum_numpy_aliases_and_dim_forms():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ac.tensor(a)
    np.testing.assert_array_equal(x.sum(axis=(0, 2), keepdims=True).numpy(),
                                  a.sum(axis=(0, 2), keepdims=True))
    np.testing.assert_array_equal(x.sum([-1, 0]).numpy(), a.sum(axis=(0, 2)))
    np.testing.assert_array_equal(ac.sum(x, -2).numpy(), a.sum(axis=1))
    assert x.sum(dim=()).shape == (2, 3, 4)  # numpy's rule: an empty tuple reduces nothing
    with pytest.raises(TypeError, match="sum.*both dim"):
        x.sum(0, axis=1)


def test_dim_errors_name_the_op_and_range():
    x = ac.ones((2, 3))
    for op in ("sum", "mean", "var", "std", "prod", "norm", "logsumexp", "amax"):
        with pytest.raises(IndexError, match=rf"{op}.*\[-2, 1\].*got 2"):
            getattr(x, op)(dim=2)
    with pytest.raises(ValueError, match="sum.*multiple times"):
        x.sum((1, -1))


def test_sum_backward_broadcasts_the_gradient():
    x = ac.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x.sum(1).backward(ac.tensor([1.0, 10.0], dtype="float64"))
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 1, 1], [10, 10, 10]])


def test_engine_uses_sum_to_unbroadcast():
    x = ac.tensor(np.ones((3, 1)), requires_grad=True)
    y = ac.tensor(np.ones((2, 1, 4)), requires_grad=True)
    (x * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 1), 8.0))
    np.testing.assert_array_equal(y.grad.numpy(), np.full((2, 1, 4), 3.0))


def test_module_functions_need_a_tensor():
    with pytest.raises(TypeError, match="sum.*must be a Tensor, not list"):
        ac.sum([1.0, 2.0])


def test_no_graph_without_grad():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    with ac.no_grad():
        for y in (x.sum(), x.mean(), x.var(), x.prod(), x.norm(), x.logsumexp(0)):
            assert y.grad_fn is None and not y.requires_grad


# -- mean, var, std ----------------------------------------------------------------------

def test_mean_of_empty_is_nan_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = ac.zeros((0,)).mean()
        assert np.isnan(m.item())
        assert ac.zeros((0, 2)).mean(0).shape == (2,)


def test_mean_of_integers_needs_a_dtype():
    x = ac.tensor([1, 2, 4])
    with pytest.raises(TypeError, match="mean.*floating point.*int64"):
        x.mean()
    assert x.mean(dtype="float64").item() == pytest.approx(7 / 3)


def test_var_correction_overrides_unbiased():
    a = np.array([[1.0, 2.0, 4.0, 8.0], [0.5, -1.0, 3.0, 2.0]])
    x = ac.tensor(a)
    np.testing.assert_allclose(x.var(1).numpy(), a.var(1, ddof=1))
    np.testing.assert_allclose(x.var(1, unbiased=False).numpy(), a.var(1))
    np.testing.assert_allclose(x.var(1, unbiased=False, correction=2).numpy(), a.var(1, ddof=2))
    np.testing.assert_allclose(x.var(1, correction=0).numpy(), a.var(1))
    np.testing.assert_allclose(x.std(ddof=3).numpy(), a.std(ddof=3))
    np.testing.assert_allclose(x.var(False).numpy(), a.var())  # legacy var(unbiased)
    with pytest.raises(TypeError, match="var.*correction.*ddof"):
        x.var(correction=1, ddof=1)


def test_var_with_no_degrees_of_freedom_is_nan_or_inf_quietly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(ac.tensor([3.0]).var().item())  # 0 / 0
        assert np.isinf(ac.tensor([1.0, 2.0]).var(correction=3).item())  # 0.5 / 0


def test_std_gradient_is_zero_not_nan_for_constant_input():
    x = ac.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]], dtype="float64", requires_grad=True)
    x.std(1).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_array_equal(x.grad.numpy()[0], 0.0)
    np.testing.assert_allclose(x.grad.numpy()[1], [-0.5, 0.0, 0.5])


def test_var_mean_and_std_mean():
    a = np.random.default_rng(0).normal(size=(3, 4))
    x = ac.tensor(a, requires_grad=True)
    v, m = ac.var_mean(x, 1)
    np.testing.assert_allclose(v.numpy(), a.var(1, ddof=1))
    np.testing.assert_allclose(m.numpy(), a.mean(1))
    s, m = ac.std_mean(x, (0, 1), keepdim=True, correction=0)
    assert s.shape == m.shape == (1, 1)
    np.testing.assert_allclose(s.numpy(), [[a.std()]])
    assert gradcheck(lambda t: ac.var_mean(t, 0), (x,))
    assert gradgradcheck(lambda t: ac.std_mean(t, 1), (x,))


def test_float32_stays_float32():
    x = ac.tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
    for y in (x.sum(0), x.mean(), x.var(1), x.std(), x.prod(), x.norm(dim=1),
              x.logsumexp(1)):
        assert y.dtype == np.float32
        y.sum().backward()
        assert x.grad.dtype == np.float32
        x.grad = None


# -- prod with zeros ----------------------------------------------------------------------

@pytest.mark.parametrize("row", [
    [2.0, 0.0, 3.0, -1.5],    # one zero
    [0.0, 2.0, 0.0, 5.0],     # two zeros
    [0.0, 0.0, 0.0, 4.0],     # three zeros
    [0.0],                    # only a zero
    [1.5, -2.0, 0.5, 3.0],    # none
])
def test_prod_gradient_is_product_of_the_others(row):
    a = np.array(row)
    x = ac.tensor(a, requires_grad=True)
    x.prod().backward()
    others = [np.prod(np.delete(a, i)) for i in range(a.size)]
    np.testing.assert_array_equal(x.grad.numpy(), others)
    # prod is multilinear, so central differences are exact even at the zeros
    assert gradcheck(lambda t: t.prod(), (ac.tensor(a, requires_grad=True),))
    assert gradgradcheck(lambda t: t.prod(), (ac.tensor(a, requires_grad=True),))


def test_prod_with_zeros_along_dims_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[[0.0, 2.0], [3.0, 0.0]], [[1.0, 2.0], [0.0, 4.0]], [[0.5, -1.0], [2.0, 3.0]]])
    for dim in (None, 0, 1, 2, (1, 2), (0, 2)):
        x = ac.tensor(a, requires_grad=True)
        t = torch.tensor(a, requires_grad=True)
        g = np.random.default_rng(1).normal(size=np.prod(a, axis=dim).shape)
        x.prod(dim).backward(ac.tensor(g))
        if dim is None:
            yt = t.prod()
        elif isinstance(dim, int):
            yt = t.prod(dim)
        else:  # torch.prod takes one dim: reduce the later one first
            yt = t.prod(dim[1]).prod(dim[0])
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(sd=shape_and_dim(), keepdim=st.booleans(), seed=seeds,
       zeros=st.integers(1, 3), layout=layouts)
def test_prod_gradients_with_drawn_zeros(sd, keepdim, seed, zeros, layout):
    shape, dim = sd
    a = array(shape, seed, away_from=0.0)
    flat = a.reshape(-1)
    rng = np.random.default_rng(seed)
    flat[rng.choice(flat.size, size=min(zeros, flat.size), replace=False)] = 0.0
    x = leaf(a, layout)
    assert gradcheck(lambda t: t.prod(dim, keepdim), (x,))
    assert gradgradcheck(lambda t: t.prod(dim, keepdim), (x,))


def test_prod_of_empty_is_one():
    assert ac.zeros((0,)).prod().item() == 1.0
    assert ac.zeros((0, 3)).prod(0).numpy().tolist() == [1.0, 1.0, 1.0]


# -- norm -----------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [2, "fro", 1, np.inf, -np.inf, 0.5, 3, 0])
def test_norm_gradient_at_zero_vector_is_zero(p):
    x = ac.zeros((4,), dtype="float64", requires_grad=True)
    x.norm(p).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(4))
    x = ac.tensor([[0.0, 0.0], [3.0, 4.0]], dtype="float64", requires_grad=True)
    x.norm(p, dim=1).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_array_equal(x.grad.numpy()[0], [0.0, 0.0])


def test_norm_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, -0.5, 2.0], [1.0, 1.0, -3.0]])
    for p in (2, 1, np.inf, -np.inf, 0.5, 3, 0, -1):
        for dim in (None, 1, (0, 1)):
            x = ac.tensor(a, requires_grad=True)
            t = torch.tensor(a, requires_grad=True)
            y = x.norm(p, dim)
            yt = torch.linalg.vector_norm(t, p, dim)
            np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12)
            if p == -1:  # torch's gradient there is NaN at the zero entry; ours is 0
                continue
            y.sum().backward()
            yt.sum().backward()
            tg = np.zeros_like(a) if t.grad is None else t.grad.numpy()  # p=0: no grad
            np.testing.assert_allclose(x.grad.numpy(), tg, rtol=1e-12,
                                       err_msg=f"p={p} dim={dim}")


def test_norm_without_overflow_or_underflow_in_float32():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = ac.tensor([3e30, 4e30], requires_grad=True)
        y = big.norm()
        assert y.item() == pytest.approx(5e30, rel=1e-6)
        y.backward()
        np.testing.assert_allclose(big.grad.numpy(), [0.6, 0.8], rtol=1e-6)
        tiny = ac.tensor([3e-30, 4e-30])
        assert tiny.norm().item() == pytest.approx(5e-30, rel=1e-6)
        assert ac.tensor([3e30, 4e30]).norm(3).item() == pytest.approx(91 ** (1 / 3) * 1e30, rel=1e-5)


@pytest.mark.parametrize("p", [0.5, 3.0, 2.0, 1.0, 0.0])
def test_norm_of_empty_slices_is_zero(p):
    # the scaled p-norm used to take the max of an empty slice (a ValueError)
    x = ac.zeros((0, 3), dtype=np.float64, requires_grad=True)
    y = x.norm(p, dim=0)
    np.testing.assert_array_equal(y.numpy(), np.zeros(3))  # as PyTorch
    assert x.norm(p).shape == ()
    y.sum().backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("p", [-0.5, -1.0, -2.0, float("inf"), float("-inf")])
def test_norm_without_identity_raises_on_empty_slices(p):
    # (sum |x|^p)^(1/p) for p < 0 and max/min |x| have no value on an empty slice; PyTorch
    # raises there too, while a slice of a non-empty dim still works
    x = ac.zeros((0, 3), dtype=np.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^norm\(\).*dim 0.*non-zero size"):
        x.norm(p, dim=0)
    with pytest.raises(RuntimeError, match=r"^norm\(\).*non-zero size"):
        x.norm(p)  # every dim
    assert x.norm(p, dim=1).shape == (0,)


def test_norm_argument_errors():
    x = ac.ones((2, 2))
    with pytest.raises(NotImplementedError, match="norm.*nuc"):
        x.norm("nuc")
    with pytest.raises(ValueError, match="norm.*'abc'"):
        x.norm("abc")
    with pytest.raises(TypeError, match="norm.*floating point.*int64"):
        ac.tensor([1, 2]).norm()
    assert ac.norm(x, dim=(0, 1)).item() == pytest.approx(2.0)


# -- logsumexp ---------------------------------------------------------------------------

def test_logsumexp_is_exact_for_large_logits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dt in ("float32", "float64"):
            x = ac.tensor([[1e4, -1e4, 1e4], [-1e4, -1e4, -1e4]], dtype=dt, requires_grad=True)
            y = x.logsumexp(1)
            np.testing.assert_allclose(y.numpy(), [1e4 + np.log(2), -1e4 + np.log(3)],
                                       rtol=1e-7)
            y.sum().backward()
            np.testing.assert_allclose(x.grad.numpy(), [[0.5, 0, 0.5], [1 / 3] * 3], rtol=1e-6)


def test_logsumexp_infinities_and_empty():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inf = np.inf
        assert ac.tensor([inf, 1.0]).logsumexp(0).item() == inf
        assert ac.tensor([-inf, -inf]).logsumexp(0).item() == -inf
        assert ac.tensor([-inf, 0.0]).logsumexp(0).item() == 0.0
        assert ac.zeros((0,)).logsumexp(0).item() == -inf
        assert np.isnan(ac.tensor([np.nan, 1.0]).logsumexp(0).item())
        assert ac.tensor([1, 2]).logsumexp(0).dtype == np.float32  # ints become floats


def test_logsumexp_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).normal(size=(2, 3, 4)) * 50
    for dim in (0, -1, (0, 2)):
        x = ac.tensor(a, requires_grad=True)
        t = torch.tensor(a, requires_grad=True)
        y, yt = x.logsumexp(dim), torch.logsumexp(t, dim)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-300)


def test_reductions_match_torch_for_var_std_mean():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).normal(size=(3, 5))
    for dim in (None, 0, 1):
        for c in (0, 1, 2):
            for name in ("var", "std"):
                x = ac.tensor(a, requires_grad=True)
                t = torch.tensor(a, requires_grad=True)
                y = getattr(x, name)(dim, correction=c)
                yt = getattr(t, name)(dim, correction=c)
                np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12)
                y.sum().backward()
                yt.sum().backward()
                np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10)
