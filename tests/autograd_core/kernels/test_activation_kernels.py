"""Elementwise kernels: every Numba loop against its numpy twin in float32 and float64,
on contiguous, transposed, sliced and broadcast operands, special values included;
the dispatcher's choice of path; dtype and shape of the results."""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from autograd_core.kernels import activations as K

# name -> (loop, twin, number of array operands, scalar parameters)
KERNELS = {
    "relu": (K._relu_nb, K.relu_np, 1, ()),
    "relu_backward": (K._relu_backward_nb, K.relu_backward_np, 2, ()),
    "sigmoid": (K._sigmoid_nb, K.sigmoid_np, 1, ()),
    "sigmoid_backward": (K._sigmoid_backward_nb, K.sigmoid_backward_np, 2, ()),
    "tanh_backward": (K._tanh_backward_nb, K.tanh_backward_np, 2, ()),
    "leaky_relu": (K._leaky_relu_nb, K.leaky_relu_np, 1, (0.01,)),
    "leaky_relu_backward": (K._leaky_relu_backward_nb, K.leaky_relu_backward_np, 2, (-0.3,)),
    "elu": (K._elu_nb, K.elu_np, 1, (1.3,)),
    "elu_backward": (K._elu_backward_nb, K.elu_backward_np, 2, (0.7,)),
    "softplus": (K._softplus_nb, K.softplus_np, 1, (1.0, 20.0)),
    "softplus_backward": (K._softplus_backward_nb, K.softplus_backward_np, 2, (2.0, 5.0)),
}

SPECIAL = [0.0, -0.0, 1e4, -1e4, 88.5, -88.5, 1e-30, np.inf, -np.inf, np.nan, 20.0, 2.5]


def _tol(dt):
    # the loops may compute in float64 where numpy stays float32: a few ulp apart
    return dict(rtol=4e-7, atol=1e-37) if dt == np.float32 else dict(rtol=1e-14, atol=1e-300)


def _operands(n_arrays, shape, dt, seed):
    rng = np.random.default_rng(seed)
    arrays = []
    for _ in range(n_arrays):
        a = rng.standard_normal(shape) * 6
        flat = a.reshape(-1)
        k = min(len(SPECIAL), flat.size // 2)
        flat[rng.choice(flat.size, k, replace=False)] = SPECIAL[:k]
        arrays.append(a.astype(dt))
    return arrays


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(KERNELS))
def test_loop_matches_twin(name, dtype):
    loop, twin, n, params = KERNELS[name]
    arrays = _operands(n, (4099,), dtype, 0)
    out = np.empty(4099, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loop(*arrays, *[dtype(p) for p in params], out)
        want = twin(*arrays, *params)
    assert want.dtype == dtype
    np.testing.assert_allclose(out, want, **_tol(dtype), err_msg=name)


def _layout(a, layout):
    if layout == "transposed":
        return np.ascontiguousarray(a.T).T
    if layout == "sliced":
        big = np.zeros(a.shape[:-1] + (a.shape[-1] * 3,), a.dtype)
        big[..., 1::3] = a
        return big[..., 1::3]
    return a


@pytest.mark.parametrize("use_numba", [True, False])
@pytest.mark.parametrize("name", sorted(KERNELS))
# the patched flag is the same for every example, so the shared fixture is fine
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=40),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**16),
       layout=st.sampled_from(["contiguous", "transposed", "sliced"]))
def test_public_kernel_any_layout(monkeypatch, use_numba, name, shape, dtype, seed, layout):
    monkeypatch.setattr(K, "USE_NUMBA", use_numba)
    _, twin, n, params = KERNELS[name]
    arrays = _operands(n, shape, dtype, seed)
    views = [_layout(a, layout) if a.ndim >= 2 or layout == "sliced" and a.ndim else a
             for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = getattr(K, name)(*views, *params)
        want = twin(*arrays, *params)
    assert got.shape == tuple(shape) and got.dtype == dtype
    np.testing.assert_allclose(got, want, **_tol(dtype), err_msg=name)


@pytest.mark.parametrize("use_numba", [True, False])
@pytest.mark.parametrize("name", [k for k in sorted(KERNELS) if KERNELS[k][2] == 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_broadcast_operands(monkeypatch, use_numba, name, dtype):
    monkeypatch.setattr(K, "USE_NUMBA", use_numba)
    _, twin, _, params = KERNELS[name]
    g, x = _operands(2, (5, 1, 7), dtype, 3)
    g_b = np.broadcast_to(g[:1], (3, 5, 6, 7))[:, :, :, :]  # zero strides
    x_b = np.broadcast_to(x, (3, 5, 6, 7))
    got = getattr(K, name)(g[0, 0], x, *params)  # (7,) with (5, 1, 7)
    want = twin(np.broadcast_to(g[0, 0], (5, 1, 7)).copy(), x, *params)
    np.testing.assert_allclose(got, want, **_tol(dtype))
    got = getattr(K, name)(g_b, x_b, *params)
    assert got.shape == (3, 5, 6, 7)
    np.testing.assert_allclose(got, twin(g_b.copy(), x_b.copy(), *params), **_tol(dtype))


def test_mixed_and_integer_dtypes_promote():
    g = np.ones(5, np.float32)
    x = np.arange(-2.0, 3.0)  # float64
    assert K.relu_backward(g, x).dtype == np.float64
    assert K.sigmoid(np.arange(3)).dtype == np.float64
    assert K.sigmoid(np.arange(3, dtype=np.int8)).dtype == np.float32
    assert K.leaky_relu(np.arange(-2, 3), 0.5).dtype == np.float64
    np.testing.assert_array_equal(K.leaky_relu(np.arange(-2, 3), 0.5), [-1, -0.5, 0, 1, 2])


def test_float16_runs_the_twin():
    x = np.linspace(-5, 5, 11).astype(np.float16)
    y = K.sigmoid(x)
    assert y.dtype == np.float16
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-x.astype(np.float64))), rtol=2e-3)


def test_empty_and_0d():
    for name, (_, twin, n, params) in KERNELS.items():
        e = [np.empty((0, 3)) for _ in range(n)]
        assert getattr(K, name)(*e, *params).shape == (0, 3)
        z = [np.array(0.5) for _ in range(n)]
        out = getattr(K, name)(*z, *params)
        assert isinstance(out, np.ndarray) and out.shape == ()
        np.testing.assert_allclose(out, twin(*z, *params), rtol=1e-15)


@pytest.mark.parametrize("use_numba", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_values_as_pytorch(monkeypatch, use_numba, dtype):
    # torch.relu: NaN stays NaN, -0.0 stays -0.0, negatives (and -inf) become +0.0
    monkeypatch.setattr(K, "USE_NUMBA", use_numba)
    x = np.array([np.nan, -0.0, 0.0, -3.5, 2.0, -np.inf, np.inf], dtype)
    y = K.relu(x)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, [np.nan, 0, 0, 0, 2, 0, np.inf])
    np.testing.assert_array_equal(np.signbit(y), [False, True, False, False, False, False,
                                                 False])


def test_gradient_conventions_in_the_loops():
    g = np.ones(3)
    x = np.array([0.0, -0.0, 1.0])
    np.testing.assert_array_equal(K.relu_backward(g, x), [0, 0, 1])
    np.testing.assert_array_equal(K.leaky_relu_backward(g, x, 0.2), [0.2, 0.2, 1])
    np.testing.assert_array_equal(K.elu_backward(g, x, 0.5), [0.5, 0.5, 1])
    nan_g = np.array([np.nan, np.nan])
    np.testing.assert_array_equal(K.relu_backward(nan_g, np.array([-1.0, 0.0])), [0, 0])


def test_dispatch_paths(monkeypatch):
    # exp-based kernels: one vectorised loop at every size (fastmath's exp); the twin
    # only when Numba is off (or for float16)
    calls = []

    def spy(name, fn):
        def run(*args):
            calls.append(name)
            return fn(*args)
        monkeypatch.setattr(K, name, run)

    spy("_sigmoid_nb", K._sigmoid_nb)
    spy("sigmoid_np", K.sigmoid_np)
    monkeypatch.setattr(K, "USE_NUMBA", True)
    K.sigmoid(np.zeros(3))
    K.sigmoid(np.zeros(100_001))
    K.sigmoid(np.zeros(5, np.float16))
    monkeypatch.setattr(K, "USE_NUMBA", False)
    K.sigmoid(np.zeros(5))
    assert calls == ["_sigmoid_nb", "_sigmoid_nb", "sigmoid_np", "sigmoid_np"]


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_tiny_1d_operands_same_as_general_path(monkeypatch, name):
    # _run's shortcut for small 1-D operands of one dtype, length and contiguity must
    # give what the general route gives; anything else (a strided view, a mixed dtype,
    # a length-1 operand to broadcast, float16) must still take the general route
    monkeypatch.setattr(K, "USE_NUMBA", True)
    _, twin, n, params = KERNELS[name]
    kern = getattr(K, name)
    for dt in (np.float32, np.float64):
        arrays = _operands(n, (7,), dt, 5)
        got = kern(*arrays, *params)
        big = [np.tile(a, (2, 1)) for a in arrays]  # 2-D: the general route
        assert got.dtype == dt and got.shape == (7,)
        np.testing.assert_array_equal(got, kern(*big, *params)[0])
        strided = [np.repeat(a, 2)[::2] for a in arrays]
        np.testing.assert_array_equal(kern(*strided, *params), got)
    if n == 2:
        g, x = _operands(2, (7,), np.float32, 6)
        mixed = kern(g, x.astype(np.float64), *params)
        assert mixed.dtype == np.float64
        np.testing.assert_allclose(mixed, twin(g, x.astype(np.float64), *params),
                                   **_tol(np.float64))
        one = kern(g[:1], x, *params)
        assert one.shape == (7,)
        np.testing.assert_allclose(one, twin(np.repeat(g[:1], 7), x, *params),
                                   **_tol(np.float32))
        # the two-operand shortcut checks the second operand too: length 1, strided
        two = kern(g, x[:1], *params)
        assert two.shape == (7,)
        np.testing.assert_array_equal(two, kern(g, np.repeat(x[:1], 7), *params))
        xs = np.repeat(x, 2)[::2]
        np.testing.assert_array_equal(kern(g, xs, *params), kern(g, x, *params))
    # a float32 of the other byte order is another descriptor: not the shortcut (the
    # general route hands it to the numpy twin, a few ulp from the loop)
    arrays = _operands(n, (7,), np.float32, 8)
    swapped = [a.astype(a.dtype.newbyteorder()) for a in arrays]
    np.testing.assert_allclose(kern(*swapped, *params), twin(*arrays, *params),
                               **_tol(np.float32))
    h = [a.astype(np.float16) for a in _operands(n, (7,), np.float32, 7)]
    assert kern(*h, *params).dtype == np.float16
