"""Fused NN primitives (ops/nnops.py; kernels/cross_entropy.py, batch_norm.py, dropout.py): gradcheck and gradgradcheck in
float64 for cross-entropy (index / probability targets, weights, ignore_index, label
smoothing, (N, C, d) layouts), batch norm (training), dropout and BCE; the Numba
kernels against their numpy twins; float32 runs."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from autograd_core import kernels
from autograd_core.kernels import batch_norm as BN, cross_entropy as CE, dropout as DO
from autograd_core.ops.nnops import (BatchNormTrain, BinaryCrossEntropy, Dropout,
                                     SoftmaxCrossEntropy)
from tests.strategies import seeds

COVERED_OPS = {"cross_entropy", "cross_entropy_backward", "cross_entropy_target_backward",
               "batch_norm", "batch_norm_backward", "dropout", "dropout_backward",
               "binary_cross_entropy"}


@pytest.fixture(params=["numba", "numpy"])
def kernel_path(request, monkeypatch):
    monkeypatch.setattr(kernels, "USE_NUMBA", request.param == "numba")
    return request.param


def _ce(z, t, **kw):
    return z._apply(SoftmaxCrossEntropy, z, t, **kw)


def _leaf(a):
    return ac.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


CE_CASES = [
    # (input shape, kwargs, prob targets?)
    ((5, 4), dict(), False),
    ((5, 4), dict(reduction="sum"), False),
    ((5, 4), dict(reduction="none"), False),
    ((5, 4), dict(weight=np.array([0.5, 2.0, 1.0, 3.0])), False),
    ((6, 4), dict(ignore_index=2), False),
    ((6, 4), dict(label_smoothing=0.2), False),
    ((6, 4), dict(label_smoothing=0.3, weight=np.array([1.0, 2.0, 0.5, 1.5]), ignore_index=1), False),
    ((3, 4, 2), dict(), False),
    ((3, 4, 2, 2), dict(reduction="none", label_smoothing=0.1), False),
    ((4,), dict(), False),
    ((5, 4), dict(), True),
    ((5, 4), dict(label_smoothing=0.25, weight=np.array([0.5, 2.0, 1.0, 3.0])), True),
    ((3, 4, 2), dict(reduction="none"), True),
    ((3, 4, 2), dict(reduction="sum"), True),
]


def _targets(shape, prob, seed, kw):
    rng = np.random.default_rng(seed)
    C = shape[0] if len(shape) == 1 else shape[1]
    if prob:
        q = rng.dirichlet(np.ones(C), size=int(np.prod(shape)) // C)
        q = np.moveaxis(q.reshape((shape[0],) + shape[2:] + (C,)), -1, 1) if len(shape) > 1 else q[0]
        return _leaf(q)
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = rng.integers(0, C, size=tshape)
    if "ignore_index" in kw and t.ndim:
        t.reshape(-1)[0] = kw["ignore_index"]
    return ac.tensor(np.asarray(t, dtype=np.int64))


@pytest.mark.parametrize("case", range(len(CE_CASES)))
def test_cross_entropy_gradcheck(case, kernel_path):
    shape, kw, prob = CE_CASES[case]
    rng = np.random.default_rng(case)
    z = _leaf(rng.normal(size=shape) * 2)
    t = _targets(shape, prob, case, kw)
    assert gradcheck(lambda z, t: _ce(z, t, **kw), (z, t))


@pytest.mark.parametrize("case", [0, 3, 6, 8, 11, 12])
def test_cross_entropy_gradgradcheck(case):
    shape, kw, prob = CE_CASES[case]
    rng = np.random.default_rng(case)
    z = _leaf(rng.normal(size=shape))
    t = _targets(shape, prob, case, kw)
    assert gradgradcheck(lambda z, t: _ce(z, t, **kw), (z, t))


def test_cross_entropy_noncontiguous_input():
    base = np.random.default_rng(0).normal(size=(4, 6))
    z = ac.from_numpy(base.copy()).requires_grad_()
    t = ac.tensor([0, 3, 1, 2, 1, 0])
    # (6, 4) transposed view
    assert gradcheck(lambda z: _ce(z.T, t, label_smoothing=0.1), (z,))


def test_cross_entropy_extreme_logits_are_finite():
    z = ac.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], dtype=np.float32), requires_grad=True)
    t = ac.tensor([0, 0])
    with np.errstate(all="raise"):
        loss = _ce(z, t)
        loss.backward()
    assert np.isfinite(loss.item()) and np.isclose(loss.item(), (0 + 2e4 + np.log(2)) / 2, rtol=1e-6)
    assert np.isfinite(z.grad.numpy()).all()


def test_cross_entropy_all_ignored_is_nan_with_zero_grad():
    z = _leaf(np.zeros((2, 3)))
    loss = _ce(z, ac.tensor([-100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    assert (z.grad.numpy() == 0).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=25, deadline=None)
@given(seed=seeds, M=st.integers(1, 9), C=st.integers(1, 7), eps=st.sampled_from([0.0, 0.15]),
       prob=st.booleans(), weighted=st.booleans())
def test_ce_kernels_match_twins(dtype, seed, M, C, eps, prob, weighted):
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=(M, C)) * 3).astype(dtype)
    w = rng.uniform(0.1, 2, C) if weighted else np.ones(C)
    if prob:
        t, q = np.empty(0, np.int64), rng.dirichlet(np.ones(C), M).astype(dtype)
    else:
        t, q = rng.integers(-1, C, M), np.empty((0, 0), dtype)
    args = (t, q, w, eps, -1, not prob)
    loss, lse = CE.ce_forward(z, *args)
    loss_np, lse_np = CE.ce_forward_np(z, *args)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(loss, loss_np, rtol=tol, atol=tol)
    np.testing.assert_allclose(lse, lse_np, rtol=tol, atol=tol)
    scale = rng.uniform(size=M)
    np.testing.assert_allclose(CE.ce_backward(z, lse, *args, scale),
                               CE.ce_backward_np(z, lse_np, *args, scale), rtol=tol, atol=tol)


def test_cross_entropy_errors():
    z = ac.randn(3, 4)
    with pytest.raises(IndexError, match="target 4 is out of bounds for 4 classes"):
        _ce(z, ac.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match=r"cross_entropy: input \(3, 4\) and target \(4,\)"):
        _ce(z, ac.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="weight has shape"):
        _ce(z, ac.tensor([0, 1, 2]), weight=np.ones(3))
    with pytest.raises(ValueError, match="reduction"):
        _ce(z, ac.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(TypeError, match="floating point"):
        _ce(ac.tensor([[1, 2]]), ac.tensor([0]))


# -- batch norm ---------------------------------------------------------------------------

def _bn(x, *wb, eps=1e-5):
    return x._apply(BatchNormTrain, x, *wb, eps=eps)[0]


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 1), (3, 2, 1)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_gradcheck(shape, affine, kernel_path):
    rng = np.random.default_rng(len(shape))
    x = _leaf(rng.normal(size=shape) * 2 + 1)
    wb = (_leaf(rng.normal(size=shape[1])), _leaf(rng.normal(size=shape[1]))) if affine else ()
    assert gradcheck(lambda x, *wb: _bn(x, *wb), (x,) + wb)


@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4)])
def test_batch_norm_gradgradcheck(shape):
    rng = np.random.default_rng(1)
    x = _leaf(rng.normal(size=shape))
    w, b = _leaf(rng.normal(size=shape[1])), _leaf(rng.normal(size=shape[1]))
    assert gradgradcheck(lambda x, w, b: _bn(x, w, b), (x, w, b))


def test_batch_norm_noncontiguous_and_outputs():
    a = np.random.default_rng(2).normal(size=(3, 6))
    x = ac.from_numpy(a.copy()).requires_grad_()
    w = _leaf(np.ones(3))
    b = _leaf(np.zeros(3))
    assert gradcheck(lambda x, w, b: _bn(x.T, w, b), (x, w, b))
    y, mean, var = x._apply(BatchNormTrain, x.T, w, b, eps=1e-5)
    np.testing.assert_allclose(mean.numpy(), a.T.mean(0))
    np.testing.assert_allclose(var.numpy(), a.T.var(0))
    assert not mean.requires_grad and not var.requires_grad
    np.testing.assert_allclose(y.numpy(), (a.T - a.T.mean(0)) / np.sqrt(a.T.var(0) + 1e-5))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=25, deadline=None)
@given(seed=seeds, N=st.integers(2, 6), C=st.integers(1, 4), L=st.integers(1, 4))
def test_bn_kernels_match_twins(dtype, seed, N, C, L):
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=(N, C, L)) * 3 + 2).astype(dtype)
    w, b = rng.normal(size=C), rng.normal(size=C)
    out, ref = BN.bn_forward(x, w, b, 1e-5), BN.bn_forward_np(x, w, b, 1e-5)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for u, v in zip(out, ref):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)
    g = rng.normal(size=x.shape).astype(dtype)
    for u, v in zip(BN.bn_backward(g, x, out[1], out[3], w), BN.bn_backward_np(g, x, ref[1], ref[3], w)):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        _bn(ac.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"weight has shape \(2,\); expected \(3,\)"):
        _bn(ac.randn(4, 3), ac.ones(2), ac.zeros(2))


# -- dropout -------------------------------------------------------------------------------

def _drop(x, p=0.3, seed=7):
    return x._apply(Dropout, x, p=p, seed=seed)


@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), ()])
def test_dropout_gradcheck(shape, kernel_path):
    x = _leaf(np.random.default_rng(0).normal(size=shape))
    assert gradcheck(lambda x: _drop(x), (x,))
    assert gradgradcheck(lambda x: _drop(x), (x,))


def test_dropout_values_and_mask():
    x = ac.tensor(np.arange(1.0, 1001.0))
    y = _drop(x, p=0.25).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], x.numpy()[kept] / 0.75)
    assert 0.68 < kept.mean() < 0.82
    assert (_drop(x, p=1.0).numpy() == 0).all()
    np.testing.assert_array_equal(_drop(x, p=0.0).numpy(), x.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), n=st.integers(0, 301), p=st.floats(0, 1))
def test_dropout_kernel_matches_twin_bit_for_bit(dtype, seed, n, p):
    x = np.random.default_rng(n).normal(size=n).astype(dtype)
    thr = min(int(round((1 - p) * 2.0**32)), 2**32)
    scale = 1 / (1 - p) if p < 1 else 0.0
    out, mask = DO.dropout_forward(x, seed, thr, scale)
    out_np, mask_np = DO.dropout_forward_np(x, seed, thr, scale)
    np.testing.assert_array_equal(mask, mask_np)
    np.testing.assert_array_equal(out, out_np)
    np.testing.assert_array_equal(DO.dropout_apply(x, mask, scale), DO.dropout_apply_np(x, mask, scale))


def test_dropout_bits_look_uniform():
    bits = DO.dropout_bits(200_000, 12345).astype(np.float64) / 2.0**32
    hist = np.histogram(bits, bins=20, range=(0, 1))[0]
    assert abs(bits.mean() - 0.5) < 0.005
    assert hist.min() > 0.95 * 10_000 and hist.max() < 1.05 * 10_000
    # neighbouring draws (two halves of one 64-bit word) are uncorrelated
    assert abs(np.corrcoef(bits[0::2], bits[1::2])[0, 1]) < 0.01


# -- binary cross-entropy ---------------------------------------------------------------------

def _bce(x, y):
    return x._apply(BinaryCrossEntropy, x, y)


def test_bce_gradcheck_and_saturated_inputs():
    rng = np.random.default_rng(3)
    x = _leaf(rng.uniform(0.05, 0.95, size=(4, 3)))
    y = _leaf(rng.uniform(size=(4, 3)))
    assert gradcheck(_bce, (x, y))
    assert gradgradcheck(_bce, (x, y))
    # x exactly 0 or 1 (a saturated float32 sigmoid): finite loss and gradient
    x = ac.tensor(np.array([0.0, 1.0, 1.0, 0.0], dtype=np.float32), requires_grad=True)
    t = ac.tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=np.float32))
    loss = _bce(x, t)
    np.testing.assert_allclose(loss.numpy(), [0, 0, 100, 100])
    loss.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_bce_errors():
    with pytest.raises(ValueError, match="between 0 and 1"):
        _bce(ac.tensor([0.5, 1.5]), ac.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="different from input size"):
        _bce(ac.tensor([0.5, 0.5]), ac.tensor([0.0]))


@settings(max_examples=30, deadline=None)
@given(seed=seeds, N=st.integers(1, 4), C=st.integers(1, 5), d=st.sampled_from([(), (2,), (1, 3)]),
       prob=st.booleans(), weighted=st.booleans(), eps=st.sampled_from([0.0, 0.3]),
       reduction=st.sampled_from(["mean", "sum", "none"]), ignore=st.booleans())
def test_cross_entropy_gradcheck_hypothesis(seed, N, C, d, prob, weighted, eps, reduction, ignore):
    rng = np.random.default_rng(seed)
    shape = (N, C) + d
    z = _leaf(rng.normal(size=shape) * 2)
    kw = dict(reduction=reduction, label_smoothing=eps)
    if weighted:
        kw["weight"] = rng.uniform(0.2, 2.0, C)
    if prob:
        q = rng.dirichlet(np.ones(C), size=N * int(np.prod(d)))
        t = _leaf(np.moveaxis(q.reshape((N,) + d + (C,)), -1, 1))
    else:
        t = rng.integers(0, C, size=(N,) + d)
        if ignore:
            kw["ignore_index"] = int(t.reshape(-1)[0])  # some rows ignored, maybe all
        t = ac.tensor(t.astype(np.int64))
    assert gradcheck(lambda z, t: _ce(z, t, **kw), (z, t))


# -- the fused-backward primitives themselves: gradgradcheck of the first gradient checks
# their own rules and the rules of those (third order overall) -----------------------------

def _first_grad(fn, n_diff):
    """x -> d(fn(x) . v)/dx as a function of the inputs and v (recorded)."""
    def run(*ins):
        # finite differences call this with inputs that need no grad: make them leaves
        xs = [x if x.requires_grad else x.detach().requires_grad_() for x in ins[:n_diff]]
        v = ins[n_diff]
        with ac.enable_grad():
            gs = ac.grad(fn(*xs), xs, v, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)
    return run


@pytest.mark.parametrize("case", [0, 2, 6, 8, 11, 12])
def test_cross_entropy_backward_primitives_gradgradcheck(case):
    shape, kw, prob = CE_CASES[case]
    rng = np.random.default_rng(case)
    z = _leaf(rng.normal(size=shape))
    t = _targets(shape, prob, case, kw)
    out = _ce(z, t, **kw)
    v = _leaf(rng.uniform(0.5, 1.5, out.shape))
    if prob:
        fn = _first_grad(lambda z, t: _ce(z, t, **kw), 2)
        assert gradgradcheck(fn, (z, t, v))
    else:
        fn = _first_grad(lambda z: _ce(z, t, **kw), 1)
        assert gradgradcheck(fn, (z, v))


@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_backward_primitive_gradgradcheck(shape, affine):
    rng = np.random.default_rng(2)
    x = _leaf(rng.normal(size=shape))
    wb = (_leaf(rng.normal(size=shape[1])), _leaf(rng.normal(size=shape[1]))) if affine else ()
    v = _leaf(rng.normal(size=shape))
    fn = _first_grad(lambda *xs: _bn(*xs), 1 + len(wb))
    assert gradgradcheck(fn, (x,) + wb + (v,))


def test_dropout_key_array_matches_the_integer_seed():
    from autograd_core import random as R
    x = ac.tensor(np.arange(1.0, 101.0))
    ac.manual_seed(5)
    key = R.dropout_key()
    a = _drop(x, p=0.5, seed=key).numpy()
    ac.manual_seed(5)
    seed = int(np.random.default_rng(5).integers(0, 2**63, dtype=np.int64))
    np.testing.assert_array_equal(a, _drop(x, p=0.5, seed=seed).numpy())
