"""nn kernels beyond the small hypothesis cases in ops/test_nnops.py: cross-entropy on
wide rows with masked (-inf), NaN and huge logits; batch norm statistics when the mean
dwarfs the std (the one-pass shifted sums); both layouts of batch norm."""
import warnings

import numpy as np
import pytest

from autograd_core import kernels
from autograd_core.kernels import batch_norm as BN, cross_entropy as CE

DTYPES = [np.float32, np.float64]


@pytest.fixture
def numba_on(monkeypatch):
    monkeypatch.setattr(kernels, "USE_NUMBA", True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("prob", [False, True])
def test_ce_wide_rows_match_twin(numba_on, dtype, prob):
    rng = np.random.default_rng(1)
    M, C = 37, 1000
    z = (rng.normal(size=(M, C)) * 30).astype(dtype)
    z[0, ::3] = -np.inf  # masked classes
    z[1] *= 1e3          # huge logits: no overflow anywhere
    w = rng.uniform(0.5, 2, C)
    if prob:
        t, q = np.empty(0, np.int64), rng.dirichlet(np.ones(C), M).astype(dtype)
        q[0, ::3] = 0  # no mass on masked classes (loss NaN from 0 * -inf, as PyTorch)
    else:
        t, q = rng.integers(0, C, M), np.empty((0, 0), dtype)
        t[0] = 1  # a class that is not masked
        t[5] = -100
    args = (t, q, w, 0.1 if not prob else 0.0, -100, not prob)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, lse = CE.ce_forward(z, *args)
        scale = rng.uniform(size=M)
        g = CE.ce_backward(z, lse, *args, scale)
    with np.errstate(invalid="ignore"):
        loss_np, lse_np = CE.ce_forward_np(z, *args)
    if prob:
        assert np.isnan(loss[0]) and np.isnan(loss_np[0])
    tol = dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)
    if not prob:
        loss, loss_np = loss[1:], loss_np[1:]  # row 0 has eps mass on -inf classes: inf
    np.testing.assert_allclose(loss, loss_np, **tol)
    np.testing.assert_allclose(lse, lse_np, **tol)
    assert loss.dtype == lse.dtype == g.dtype == dtype and g.shape == (M, C)
    np.testing.assert_allclose(g, CE.ce_backward_np(z, lse_np, *args, scale), **tol)
    if prob:
        assert (g[0, ::3] == 0).all()  # masked classes without target mass: no gradient
    else:
        assert (g[5] == 0).all()  # ignored row


@pytest.mark.parametrize("dtype", DTYPES)
def test_ce_nan_rows(numba_on, dtype):
    z = np.array([[0.0, np.nan, 1.0], [np.copysign(np.nan, -1), 0.0, 1.0], [0.0, 1.0, 2.0]], dtype)
    t = np.array([0, 2, 1])
    args = (t, np.empty((0, 0), dtype), np.ones(3), 0.0, -100, True)
    loss, lse = CE.ce_forward(z, *args)
    ref, ref_lse = CE.ce_forward_np(z, *args)
    assert np.isnan(loss[:2]).all() and np.isnan(lse[:2]).all()
    np.testing.assert_allclose(loss[2], ref[2], rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("L", [1, 5])
def test_bn_large_mean_small_std(numba_on, dtype, L):
    # one-pass shifted sums: var stays accurate when |mean| / std = 1e4 (the unshifted
    # E[x^2] - E[x]^2 would lose every digit in float32 and 8 of them in float64)
    rng = np.random.default_rng(2)
    N, C = 300, 6
    x = (1e4 + rng.normal(size=(N, C, L))).astype(dtype)
    x[0] += 3.0  # the shift (first element) is an outlier: still fine
    w, b = rng.normal(size=C), rng.normal(size=C)
    y, mean, var, invstd = BN.bn_forward(x, w, b, 1e-5)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(mean, x64.mean(axis=(0, 2)), rtol=1e-13)
    np.testing.assert_allclose(var, x64.var(axis=(0, 2)), rtol=1e-9)
    ref = BN.bn_forward_np(x, w, b, 1e-5)
    tol = 2e-3 if dtype == np.float32 else 1e-8  # y in float32: x - mean loses 4 digits
    np.testing.assert_allclose(y, ref[0], rtol=tol, atol=tol)
    g = rng.normal(size=x.shape).astype(dtype)
    for u, v in zip(BN.bn_backward(g, x, mean, invstd, w), BN.bn_backward_np(g, x, ref[1], ref[3], w)):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bn_constant_channel_and_both_layouts(numba_on, dtype):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 4, 1)).astype(dtype)
    x[:, 1] = 2.5  # zero variance: var exactly 0 (never negative), y = b
    w, b = np.ones(4), np.arange(4.0)
    y, mean, var, invstd = BN.bn_forward(x, w, b, 1e-5)
    assert var[1] == 0 and (y[:, 1] == 1).all()
    ref = BN.bn_forward_np(x, w, b, 1e-5)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for u, v in zip((y, mean, var, invstd), ref):
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol)
    x3 = np.ascontiguousarray(np.broadcast_to(x, (64, 4, 3)))  # (N, C, L) path, same stats
    _, mean3, var3, _ = BN.bn_forward(x3, w, b, 1e-5)
    np.testing.assert_allclose(mean3, mean, rtol=1e-12)
    np.testing.assert_allclose(var3, var, rtol=1e-9, atol=1e-15)
