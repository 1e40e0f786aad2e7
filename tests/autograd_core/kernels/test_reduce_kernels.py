"""Reduction kernels: the Numba row loops against their numpy twins, and the dispatch."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from autograd_core import kernels
from autograd_core.kernels import reduce as K

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-6, atol=1e-7), np.float64: dict(rtol=1e-13, atol=1e-300)}
# log-softmax errors are absolute near 0 (a few ulp of the log of the row sum, ~1; the
# vectorised sum takes another order than numpy's, and numpy's float32 exp is itself
# up to ~2.5 ulp off), so its atol is a few ulp of 1
LOG_TOL = {np.float32: dict(rtol=2e-6, atol=3e-7), np.float64: dict(rtol=1e-13, atol=1e-15)}

row_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=7)


def _draw(shape, seed, dtype, scale=5.0):
    return (np.random.default_rng(seed).normal(size=shape) * scale).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=30, deadline=None)
@given(shape=row_shapes, seed=st.integers(0, 2**31 - 1),
       scale=st.sampled_from([1.0, 50.0, 1e4]))
def test_forward_loops_match_twins(dtype, shape, seed, scale):
    x = _draw(shape, seed, dtype, scale)
    axis = x.ndim - 1
    for nb, tw, tol in ((K.softmax_nb, K.softmax_np, TOL), (K.log_softmax_nb, K.log_softmax_np, LOG_TOL)):
        got, ref = nb(x), tw(x, axis)
        assert got.dtype == dtype and got.shape == x.shape and got.flags.c_contiguous
        np.testing.assert_allclose(got, ref, **tol[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=30, deadline=None)
@given(shape=row_shapes, seed=st.integers(0, 2**31 - 1))
def test_backward_loops_match_twins(dtype, shape, seed):
    x = _draw(shape, seed, dtype)
    g = _draw(shape, seed + 1, dtype, 1.0)
    axis = x.ndim - 1
    y = K.softmax_np(x, axis)
    got, ref = K.softmax_backward_nb(g, y), K.softmax_backward_np(g, y, axis)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, ref, rtol=TOL[dtype]["rtol"] * 10, atol=1e-6 if dtype ==
                               np.float32 else 1e-14)
    ly = K.log_softmax_np(x, axis)
    got, ref = K.log_softmax_backward_nb(g, ly), K.log_softmax_backward_np(g, ly, axis)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, ref, rtol=TOL[dtype]["rtol"] * 10, atol=1e-5 if dtype ==
                               np.float32 else 1e-13)


@pytest.mark.parametrize("dtype", DTYPES)
def test_twins_are_right_on_known_values(dtype):
    x = np.array([[0.0, np.log(3.0)], [1e4, -1e4]], dtype=dtype)
    for impl in (lambda a: K.softmax_nb(a), lambda a: K.softmax_np(a, 1)):
        np.testing.assert_allclose(impl(x), [[0.25, 0.75], [1.0, 0.0]], rtol=1e-6)
    for impl in (lambda a: K.log_softmax_nb(a), lambda a: K.log_softmax_np(a, 1)):
        np.testing.assert_allclose(impl(x), [[np.log(0.25), np.log(0.75)], [0.0, -2e4]],
                                   rtol=1e-6)
    g = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    y = np.array([[0.25, 0.75], [0.5, 0.5]], dtype=dtype)
    for impl in (K.softmax_backward_nb, lambda g, y: K.softmax_backward_np(g, y, 1)):
        np.testing.assert_allclose(impl(g, y), [[0.1875, -0.1875], [-0.25, 0.25]], rtol=1e-6)
    ly = np.log(y)
    for impl in (K.log_softmax_backward_nb, lambda g, y: K.log_softmax_backward_np(g, y, 1)):
        np.testing.assert_allclose(impl(g, ly), [[0.75, -0.75], [-0.5, 0.5]], rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_special_values_agree_and_do_not_warn(dtype):
    x = np.array([[np.nan, 1.0, 2.0], [np.inf, 1.0, 0.0], [-np.inf, 1.0, 0.0],
                  [-np.inf, -np.inf, -np.inf], [1e4, 1e4, -1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for nb, tw in ((K.softmax_nb, K.softmax_np), (K.log_softmax_nb, K.log_softmax_np)):
            np.testing.assert_allclose(nb(x), tw(x, 1), rtol=TOL[dtype]["rtol"])  # NaN = NaN
        assert np.isnan(K.softmax_nb(x)[:2]).all()
        assert np.isnan(K.softmax_nb(x)[3]).all()
        np.testing.assert_array_equal(K.softmax_nb(x)[4], np.array([0.5, 0.5, 0.0], dtype))


def test_dispatch_uses_the_loop_only_for_the_last_axis_of_contiguous_floats(monkeypatch):
    calls = []
    real = K.softmax_nb
    monkeypatch.setattr(K, "softmax_nb", lambda x: calls.append(x.shape) or real(x))
    monkeypatch.setattr(kernels, "USE_NUMBA", True)
    x = _draw((4, 3), 0, np.float32)
    K.softmax(x, 1)
    assert calls == [(4, 3)]
    K.softmax(x, 0)                      # not the last axis
    K.softmax(np.asfortranarray(x), 1)   # not C-contiguous
    K.softmax(x.astype(np.float16), 1)   # not float32/float64
    K.softmax(np.empty((0, 3), np.float32), 1)
    assert calls == [(4, 3)]
    big = _draw((2, 5000), 0, np.float32)  # vectorised exp: the loop at any size
    np.testing.assert_allclose(K.softmax(big, 1), K.softmax_np(big, 1), rtol=1e-5, atol=1e-8)
    assert calls == [(4, 3), (2, 5000)]
    monkeypatch.setattr(kernels, "USE_NUMBA", False)
    np.testing.assert_allclose(K.softmax(x, 1), real(x), rtol=1e-6)
    assert calls == [(4, 3), (2, 5000)]


def test_backward_dispatch_needs_both_operands_contiguous(monkeypatch):
    calls = []
    real = K.softmax_backward_nb
    monkeypatch.setattr(K, "softmax_backward_nb", lambda g, y: calls.append(1) or real(g, y))
    monkeypatch.setattr(kernels, "USE_NUMBA", True)
    y = K.softmax_np(_draw((3, 4), 1, np.float64), 1)
    g = np.ones((3, 4))
    K.softmax_backward(g, y, 1)
    assert calls == [1]
    big = np.ones((3, 5000))  # the loop runs at any size
    K.softmax_backward(big, big, 1)
    assert calls == [1, 1]
    np.testing.assert_allclose(K.softmax_backward(np.broadcast_to(1.0, (3, 4)), y, 1), 0,
                               atol=1e-15)
    assert calls == [1, 1]  # the broadcast (non-contiguous) gradient took the twin


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsumexp_kernel(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = np.array([[1e4, 1e4], [-1e4, 0.0]], dtype=dtype)
        np.testing.assert_allclose(K.logsumexp(x, (1,), False), [1e4 + np.log(2), 0.0],
                                   rtol=1e-7, atol=1e-6)
        assert K.logsumexp(x, (0, 1), True).shape == (1, 1)
        assert K.logsumexp(x, (), False).tolist() == x.tolist()  # no dims: identity
        assert K.logsumexp(np.zeros((0, 2), dtype), (0,), False).tolist() == [-np.inf] * 2
        a = _draw((3, 4, 5), 7, dtype)
        ref = np.log(np.exp(a.astype(np.float64)).sum(axis=(0, 2)))
        np.testing.assert_allclose(K.logsumexp(a, (0, 2), False), ref, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_rows_with_nan_of_either_sign_inf_and_long_rows(dtype):
    # the row max is an integer max of order keys: a NaN with the sign bit set sorts
    # below -inf there, and must still turn its whole row NaN (through the exp sum)
    neg_nan = np.copysign(np.nan, -1.0)
    x = np.array([[1.0, neg_nan, 2.0], [neg_nan, neg_nan, neg_nan], [np.nan, -1.0, 3.0],
                  [-np.inf, 0.0, -np.inf], [np.inf, 0.0, 1.0]], dtype=dtype)
    assert np.signbit(x[0, 1])
    for nb, tw in ((K.softmax_nb, K.softmax_np), (K.log_softmax_nb, K.log_softmax_np)):
        got, ref = nb(x), tw(x, 1)
        assert np.isnan(got[:3]).all() and np.isnan(ref[:3]).all()
        np.testing.assert_array_equal(got[3:], ref[3:])
    # long rows (the loops run at any size now), masked -inf logits, both axis spellings
    rng = np.random.default_rng(0)
    big = (rng.normal(size=(3, 5000)) * 20).astype(dtype)
    big[:, ::7] = -np.inf
    np.testing.assert_allclose(K.softmax(big, -1), K.softmax_np(big, 1), **TOL[dtype])
    np.testing.assert_allclose(K.log_softmax(big, 1), K.log_softmax_np(big, 1), **LOG_TOL[dtype])
    g = rng.normal(size=big.shape).astype(dtype)
    y = K.softmax_np(big, 1)
    np.testing.assert_allclose(K.softmax_backward(g, y, -1), K.softmax_backward_np(g, y, 1),
                               rtol=TOL[dtype]["rtol"] * 10, atol=1e-6 if dtype == np.float32 else 1e-14)
    ly = K.log_softmax_np(big, 1)
    np.testing.assert_allclose(K.log_softmax_backward(g, ly, -1), K.log_softmax_backward_np(g, ly, 1),
                               rtol=TOL[dtype]["rtol"] * 10, atol=1e-4 if dtype == np.float32 else 1e-11)


def test_negative_axis_takes_the_loop(monkeypatch):
    calls = []
    real = K.log_softmax_nb
    monkeypatch.setattr(K, "log_softmax_nb", lambda x: calls.append(1) or real(x))
    monkeypatch.setattr(kernels, "USE_NUMBA", True)
    x = _draw((4, 3), 0, np.float64)
    np.testing.assert_allclose(K.log_softmax(x, -1), K.log_softmax_np(x, 1), rtol=1e-13)
    K.log_softmax(x, -2)  # not the last axis: the twin
    assert calls == [1]
