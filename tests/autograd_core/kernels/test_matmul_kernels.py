"""kernels.matmul and kernels.blas: products equal numpy's, small products run on one
BLAS thread and restore the pool's count, an explicit set_num_threads wins."""
import os
import subprocess
import sys

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import gradcheck
from autograd_core.kernels import blas
from autograd_core.kernels import matmul as K

@pytest.fixture
def pool2():
    """The pool at 2 threads and no explicit choice; everything restored afterwards."""
    g, s = blas._lib()
    if s is None:
        pytest.skip("numpy's BLAS is not a reachable OpenBLAS")
    before, explicit = g(), blas._state["explicit"]
    s(2)
    blas._state["explicit"] = None
    yield g
    s(before)
    blas._state["explicit"] = explicit


def _probe():
    return blas.get_num_threads()


SHAPES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
          ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((0, 4), (4, 5)), ((3, 0), (0, 5)),
          ((64, 300), (300, 400)), ((600, 300), (300, 400))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_matmul_equals_numpy_bitwise(pool2, sa, sb, dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(sa).astype(dtype)
    b = rng.standard_normal(sb).astype(dtype)
    got = K.matmul(a, b)
    small = K.matmul_flops(a.shape, b.shape) < blas.SERIAL_FLOPS
    if small:  # the same computation numpy does with one thread
        blas._state["set"](1)
    try:
        ref = np.matmul(a, b)
    finally:
        blas._state["set"](2)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    np.testing.assert_array_equal(got, ref)
    assert pool2() == 2  # restored


def test_transposed_and_sliced_operands(pool2):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((40, 30)).T  # (30, 40), F-ordered
    b = rng.standard_normal((80, 50))[::2]  # (40, 50), strided
    np.testing.assert_allclose(K.matmul(a, b), np.ascontiguousarray(a) @ np.ascontiguousarray(b),
                               rtol=1e-12, atol=1e-12)
    x = rng.standard_normal((7, 40))[:, ::2]  # (7, 20) non-contiguous
    w = rng.standard_normal((5, 20))
    np.testing.assert_allclose(K.linear(x, w, np.arange(5.0)), x @ w.T + np.arange(5.0),
                               rtol=1e-12, atol=1e-12)


def test_nan_inf_and_huge_values_propagate(pool2):
    a = np.array([[np.nan, 1.0], [np.inf, 0.0], [1e300, 1e300]])
    b = np.array([[1.0, 0.0], [0.0, 1.0]])
    with np.errstate(invalid="ignore"):  # nan * 0, inf * 0
        got = K.matmul(a, b)
    assert np.isnan(got[0]).all()  # [nan, 1] @ I: nan*1 + 1*0, nan*0 + 1*1
    assert got[1, 0] == np.inf and np.isnan(got[1, 1])
    np.testing.assert_array_equal(got[2], [1e300, 1e300])
    f32 = np.full((2, 2), 3e38, np.float32)
    with np.errstate(over="ignore"):
        assert np.isinf(K.matmul(f32, f32)).all()


def test_linear_bias_dtypes_and_1d(pool2):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    w = np.ones((4, 3), np.float32)
    out = K.linear(x, w, np.ones(4, np.float32))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, x @ w.T + 1)
    out64 = K.linear(x, w, np.ones(4, np.float64))  # promotes, like numpy
    assert out64.dtype == np.float64
    np.testing.assert_array_equal(K.linear(x[0], w), x[0] @ w.T)
    assert K.linear(x, w).shape == (2, 4)


def test_flops_count():
    assert K.matmul_flops((3, 4), (4, 5)) == 2 * 3 * 4 * 5
    assert K.matmul_flops((4,), (4, 5)) == 2 * 4 * 5
    assert K.matmul_flops((3, 4), (4,)) == 2 * 3 * 4
    assert K.matmul_flops((7, 3, 4), (4, 5)) == 7 * 2 * 3 * 4 * 5
    assert K.matmul_flops((3, 4), (6, 4, 5)) == 6 * 2 * 3 * 4 * 5
    assert K.matmul_flops((0, 4), (4, 5)) == 0
    assert K.matmul_flops((), (4,)) == 0


def test_small_products_run_on_one_thread_large_on_the_pool(pool2):
    assert blas.run_serial_if_small(blas.SERIAL_FLOPS - 1, _probe) == 1
    assert pool2() == 2
    assert blas.run_serial_if_small(blas.SERIAL_FLOPS, _probe) == 2


def test_pool_count_restored_after_an_error(pool2):
    def boom():
        assert blas.get_num_threads() == 1
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        blas.run_serial_if_small(10, boom)
    assert pool2() == 2
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 6\)"):
        K.matmul(np.ones((3, 4)), np.ones((5, 6)))
    assert pool2() == 2


def test_user_pool_setting_is_the_large_product_count(pool2):
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        assert blas.run_serial_if_small(blas.SERIAL_FLOPS * 10, _probe) == 1
        assert blas.run_serial_if_small(10, _probe) == 1
    assert pool2() == 2


def test_explicit_set_num_threads_wins(pool2):
    blas.set_num_threads(2)
    assert blas._state["explicit"] == 2 and not blas.serial_rule_active()
    assert blas.run_serial_if_small(10, _probe) == 2  # small, but the user said 2
    blas.set_num_threads(np.int64(1))
    assert blas.get_num_threads() == 1
    assert blas.run_serial_if_small(blas.SERIAL_FLOPS * 10, _probe) == 1
    a = np.random.default_rng(2).standard_normal((50, 60))
    np.testing.assert_allclose(K.matmul(a, a.T), a @ a.T, rtol=1e-12)


@pytest.mark.parametrize("bad,err", [(0, ValueError), (-3, ValueError), (1.5, TypeError),
                                     ("2", TypeError), (True, TypeError), (None, TypeError)])
def test_set_num_threads_rejects_bad_counts_before_changing_anything(pool2, bad, err):
    with pytest.raises(err, match="set_num_threads"):
        blas.set_num_threads(bad)
    assert pool2() == 2 and blas._state["explicit"] is None and blas.serial_rule_active()


def test_blas_info_names_the_library(pool2):
    info = blas.blas_info()
    assert "openblas" in os.path.basename(info["library"]).lower()
    assert info["num_threads"] == 2 and info["explicit"] is None
    assert info["serial_flops"] == blas.SERIAL_FLOPS


@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((2, 3, 4), (4, 5)), ((4,), (4, 3))])
def test_gradcheck_through_the_rule(pool2, shapes):
    rng = np.random.default_rng(3)
    a = ac.tensor(rng.standard_normal(shapes[0]), requires_grad=True)
    b = ac.tensor(rng.standard_normal(shapes[1][::-1]), requires_grad=True)
    bt = b.transpose(0, -1) if b.ndim > 1 else b  # a non-contiguous operand
    assert gradcheck(lambda x, y: x @ (y.transpose(0, -1) if y.ndim > 1 else y), (a, b))
    assert (a @ bt).shape == np.matmul(a.numpy(), bt.numpy()).shape
    assert pool2() == 2


def test_single_thread_environment():
    code = ("import numpy as np\n"
            "from autograd_core.kernels import blas, matmul as K\n"
            "a = np.ones((30, 40)); r = K.matmul(a, a.T)\n"
            "print(blas.get_num_threads(), r[0, 0])\n")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1", "40.0"]
