"""The fused update kernels (autograd_core/kernels/optim.py): each Numba loop against
its numpy twin in float32 and float64 over every flag combination, the dispatch
(layouts, dtypes, the USE_NUMBA switch) and its errors."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from autograd_core.kernels import optim as K
from tests.strategies import shapes

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-6, atol=1e-7), np.float64: dict(rtol=1e-14, atol=1e-16)}


def rand(shape, seed, dtype, positive=False):
    a = np.random.default_rng(seed).standard_normal(shape)
    return (np.abs(a) if positive else a).astype(dtype)


def both(loop, twin, arrays, scalars, flags, dtype):
    """Run ``loop`` and ``twin`` on copies of the same flat arrays; return both results."""
    outs = []
    for fn in (loop, twin):
        arrs = [a.copy() for a in arrays]
        fn(*arrs, np.array(scalars, dtype=dtype), *flags)
        outs.append(arrs)
    return outs


def assert_same(outs, dtype):
    for a, b in zip(*outs):
        assert a.dtype == b.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, **TOL[dtype])


def flat(variant, arrays, scalars, flags, dtype):
    """Run the loop and the twin of ``variant`` on copies of the same flat arrays."""
    loop, twin = K.VARIANTS[variant]
    return both(loop, twin, arrays, scalars, flags, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=2)))
def test_sgd_loop_vs_twin(flags, dtype):
    n = 37
    arrays = [rand(n, 0, dtype), rand(n, 1, dtype)]
    scalars = (0.1, 0.01 if flags[0] else 0.0, 0.0, 1.0)
    assert_same(flat("sgd", arrays, scalars, flags, dtype), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=4)))
def test_sgd_momentum_loop_vs_twin(flags, dtype):
    n = 37
    arrays = [rand(n, 0, dtype), rand(n, 1, dtype), rand(n, 2, dtype)]
    scalars = (0.1, 0.01 if flags[0] else 0.0, 0.9, 0.7)
    assert_same(flat("sgd_momentum", arrays, scalars, flags, dtype), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=2)))
def test_adagrad_loop_vs_twin(flags, dtype):
    n = 37
    arrays = [rand(n, 3, dtype), rand(n, 4, dtype), rand(n, 5, dtype, positive=True)]
    assert_same(flat("adagrad", arrays, (0.05, 0.1, 1e-10), flags, dtype), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha", [0.99, 0.3])
@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=2)))
def test_rmsprop_loop_vs_twin(flags, momentum, centered, alpha, dtype):
    n = 37
    g = rand(n, 7, dtype)
    arrays = [rand(n, 6, dtype), g, (g * g).astype(dtype)]
    if centered:
        arrays.append((0.5 * g).astype(dtype))
    if momentum:
        arrays.append(rand(n, 8, dtype))
    scalars = (0.01, alpha, 1 - alpha, K._one_minus(1 - alpha, np.dtype(dtype)), 1e-8, 0.1,
               momentum)
    assert_same(flat(K.rmsprop_variant(centered, momentum), arrays, scalars, flags, dtype),
                dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta1", [0.9, 0.2])
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize("decay", [1.0, 0.999])
def test_adam_loop_vs_twin(decay, flags, amsgrad, beta1, dtype):
    n = 37
    arrays = [rand(n, 9, dtype), rand(n, 10, dtype), rand(n, 11, dtype),
              rand(n, 12, dtype, positive=True)]
    if amsgrad:
        arrays.append(rand(n, 13, dtype, positive=True))
    t = 3
    scalars = (1e-2 / (1 - beta1 ** t), 1 - beta1, K._one_minus(1 - beta1, np.dtype(dtype)),
               0.999, 0.001, (1 - 0.999 ** t) ** -0.5, 1e-8, 0.1, decay)
    assert_same(flat("amsgrad" if amsgrad else "adam", arrays, scalars, flags, dtype), dtype)


def test_scalar_builders_match_the_loop_layout():
    s = K.adam_scalars(np.float32, 3, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=0.1, decoupled_weight_decay=True)
    assert s.dtype == np.float32 and s.shape == (9,)
    np.testing.assert_allclose(s, [1e-2 / (1 - 0.9 ** 3), 0.1, 0.9, 0.999, 0.001,
                                   (1 - 0.999 ** 3) ** -0.5, 1e-8, 0.0, 1 - 1e-3], rtol=1e-6)
    assert K.adagrad_scalars(np.float64, 3, lr=1.0, lr_decay=0.5, weight_decay=0.0,
                             eps=0.0)[0] == 0.5
    assert K.kernel("adam", "e") is K.VARIANTS["adam"][1]  # float16: the twin
    assert K.kernel("adam", "f", use_numba=False) is K.VARIANTS["adam"][1]


@pytest.mark.parametrize("name", ["sgd", "adagrad", "rmsprop", "adam"])
def test_list_twins_equal_list_loops(name):
    """``adam_np`` & co: the list API on the twins (the benchmark's numpy contender)."""
    kw = {"sgd": dict(lr=0.1, weight_decay=0.01, momentum=0.9, dampening=0.0,
                      nesterov=True, maximize=False),
          "adagrad": dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, eps=1e-10,
                          maximize=False),
          "rmsprop": dict(lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.01, momentum=0.9,
                          centered=True, maximize=True),
          "adam": dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01,
                       decoupled_weight_decay=False, amsgrad=True, maximize=False)}[name]
    outs = []
    for fn in (getattr(K, name), getattr(K, name + "_np")):
        p = [rand((3, 4), 20, np.float64), rand((), 21, np.float64)]
        st = [[np.abs(rand(x.shape, 22 + j, np.float64)) for x in p] for j in range(3)]
        for t in (1, 2):
            g = [rand(x.shape, 30 + t, np.float64) for x in p]
            if name == "sgd":
                fn(p, g, st[0], [t == 1] * 2, **kw)
            elif name == "adagrad":
                fn(p, g, st[0], [t] * 2, **kw)
            elif name == "rmsprop":
                fn(p, g, st[0], st[1], st[2], **kw)
            else:
                fn(p, g, st[0], st[1], st[2], [t] * 2, **kw)
        outs.append(p + st[0] + st[1] + st[2])
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, **TOL[np.float64])


def test_unused_buffers_may_be_none_and_needed_ones_may_not():
    p, g, sq = np.ones(4), np.ones(4), np.zeros(4)
    K.rmsprop([p], [g], [sq], [None], [None], lr=0.1, alpha=0.5, eps=0.0, weight_decay=0.0,
              momentum=0.0, centered=False, maximize=False)
    np.testing.assert_allclose(p, 1 - 0.1 / np.sqrt(0.5))
    with pytest.raises(ValueError, match="RMSprop: parameter 0 .* no state buffer"):
        K.rmsprop([p], [g], [sq], [None], [None], lr=0.1, alpha=0.5, eps=0.0,
                  weight_decay=0.0, momentum=0.9, centered=False, maximize=False)
    np.testing.assert_allclose(sq, 0.5)  # nothing written by the failed call


def test_large_rmsprop_without_momentum_matches_twin():
    # the variant that used to receive empty placeholder buffers (scalar-loop fallback);
    # large enough that a wrong alias guard would matter; values checked, not speed
    n = 1 << 18
    p, g = rand(n, 50, np.float32), rand(n, 51, np.float32)
    sq = rand(n, 52, np.float32, positive=True)
    outs = []
    for fn in (K.rmsprop, K.rmsprop_np):
        a, b = p.copy(), sq.copy()
        fn([a], [g], [b], [None], [None], lr=1e-3, alpha=0.99, eps=1e-8, weight_decay=1e-4,
           momentum=0.0, centered=False, maximize=False)
        outs.append((a, b))
    for x, y in zip(*outs):
        np.testing.assert_allclose(x, y, **TOL[np.float32])


@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2 ** 16), amsgrad=st.booleans(),
       dtype=st.sampled_from(DTYPES), steps=st.integers(1, 4))
def test_public_adam_numba_equals_numpy(shape, seed, amsgrad, dtype, steps):
    """The whole dispatch (shapes incl. 0-d, per-step bias corrections) on both paths."""
    results = []
    saved = K.USE_NUMBA
    for use_numba in (True, False):
        K.USE_NUMBA = use_numba
        try:
            p = rand(shape, seed, dtype)
            m, v, vm = (np.zeros(shape, dtype) for _ in range(3))
            for t in range(1, steps + 1):
                g = rand(shape, seed + t, dtype)
                K.adam([p], [g], [m], [v], [vm], [t], lr=1e-2, beta1=0.9, beta2=0.999,
                       eps=1e-8, weight_decay=0.01, decoupled_weight_decay=False,
                       amsgrad=amsgrad, maximize=False)
        finally:
            K.USE_NUMBA = saved
        results.append((p, m, v, vm))
    for a, b in zip(*results):
        assert a.dtype == np.dtype(dtype) and a.shape == tuple(shape)
        np.testing.assert_allclose(a, b, **TOL[dtype])


@pytest.mark.parametrize("use_numba", [True, False])
def test_non_contiguous_parameter_is_updated_in_place(monkeypatch, use_numba):
    monkeypatch.setattr(K, "USE_NUMBA", use_numba)
    base = np.arange(12.0).reshape(3, 4)
    p = base.T  # F-ordered view
    g = np.ones((4, 3))
    buf = np.zeros((4, 3))
    K.sgd([p], [g], [buf], [True], lr=0.5, weight_decay=0.0, momentum=0.9, dampening=0.0,
          nesterov=False, maximize=False)
    np.testing.assert_allclose(base, np.arange(12.0).reshape(3, 4) - 0.5)
    np.testing.assert_allclose(buf, 1.0)


def test_gradient_layout_and_dtype_are_normalised():
    p = np.zeros((3, 2), np.float32)
    g = np.arange(1.0, 7.0).reshape(2, 3).T  # float64, non-contiguous
    s = np.zeros((3, 2), np.float32)
    K.adagrad([p], [g], [s], [1], lr=1.0, lr_decay=0.0, weight_decay=0.0, eps=0.0,
              maximize=False)
    assert p.dtype == np.float32 and s.dtype == np.float32
    np.testing.assert_allclose(s, g ** 2)
    np.testing.assert_allclose(p, -1.0)  # first Adagrad step: -lr * g / |g|


def test_float16_runs_the_twin():
    p = np.ones(5, np.float16)
    m, v = np.zeros(5, np.float16), np.zeros(5, np.float16)
    K.adam([p], [np.full(5, 0.5, np.float16)], [m], [v], [None], [1], lr=0.1, beta1=0.9,
           beta2=0.999, eps=1e-4, weight_decay=0.0, decoupled_weight_decay=False,
           amsgrad=False, maximize=False)
    assert p.dtype == np.float16
    np.testing.assert_allclose(p.astype(np.float64), 0.9, rtol=2e-3)


def test_errors_come_before_any_write():
    p1, p2 = np.ones(3), np.ones(4)
    m = [np.zeros(3), np.zeros(4)]
    with pytest.raises(ValueError, match=r"gradient shape \(3,\).*\(4,\).*parameter 1"):
        K.sgd([p1, p2], [np.ones(3), np.ones(3)], m, [True, True], lr=1.0, weight_decay=0.0,
              momentum=0.9, dampening=0.0, nesterov=False, maximize=False)
    assert (p1 == 1).all() and (m[0] == 0).all()
    with pytest.raises(ValueError, match="state buffer"):
        K.sgd([p1], [np.ones(3)], [np.zeros(3, np.float32)], [True], lr=1.0,
              weight_decay=0.0, momentum=0.9, dampening=0.0, nesterov=False, maximize=False)
    ro = np.ones(3)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        K.sgd([ro], [np.ones(3)], [None], [False], lr=1.0, weight_decay=0.0, momentum=0.0,
              dampening=0.0, nesterov=False, maximize=False)


def test_float32_parameters_are_updated_in_float32_arithmetic():
    # the dispatch casts the scalars to float32, so the loop rounds like the float32 twin
    # (and like PyTorch), not like float64 arithmetic rounded at the end
    p, g = rand(1000, 40, np.float32), rand(1000, 41, np.float32)
    lr = 0.1 / 3
    a, b = p.copy(), p.copy()
    K.sgd([a], [g], [None], [False], lr=lr, weight_decay=0.0, momentum=0.0, dampening=0.0,
          nesterov=False, maximize=False)
    K.VARIANTS["sgd"][1](b, g, np.array([lr, 0, 0, 1], np.float32), False, False)
    np.testing.assert_array_equal(a, b)
    in_float64 = (p.astype(np.float64) - lr * g.astype(np.float64)).astype(np.float32)
    assert (in_float64 != a).any()  # the check can tell the two apart


def special(n, dtype, seed):
    """Ordinary values mixed with nan, +-inf, huge, tiny (subnormal) and signed zeros."""
    fi = np.finfo(dtype)
    a = rand(n, seed, dtype)
    vals = np.array([np.nan, np.inf, -np.inf, fi.max / 2, -fi.max / 2, fi.tiny / 4, 0.0,
                     -0.0, 1e-3], dtype=dtype)
    idx = np.random.default_rng(seed).choice(n, size=n // 3, replace=False)
    a[idx] = vals[np.arange(idx.size) % vals.size]
    return a


VARIANT_SHAPES = {  # variant -> (number of state arrays, scalars, number of flags)
    "sgd": (0, (0.1, 0.01, 0.0, 1.0), 2),
    "sgd_momentum": (1, (0.1, 0.01, 0.9, 0.7), 4),
    "adagrad": (1, (0.05, 0.1, 1e-10), 2),
    "rmsprop": (1, (0.01, 0.99, 0.01, 0.99, 1e-8, 0.1, 0.0), 2),
    "rmsprop_centered": (2, (0.01, 0.99, 0.01, 0.99, 1e-8, 0.1, 0.0), 2),
    "rmsprop_momentum": (2, (0.01, 0.99, 0.01, 0.99, 1e-8, 0.1, 0.9), 2),
    "rmsprop_centered_momentum": (3, (0.01, 0.99, 0.01, 0.99, 1e-8, 0.1, 0.9), 2),
    "adam": (2, (0.1, 0.1, 0.9, 0.999, 0.001, 1.2, 1e-8, 0.1, 1.0), 2),
    "amsgrad": (3, (0.1, 0.1, 0.9, 0.999, 0.001, 1.2, 1e-8, 0.0, 0.999), 2),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("variant", sorted(VARIANT_SHAPES))
def test_loops_equal_twins_on_special_values(variant, dtype):
    """nan/inf propagate exactly as in the twin (and so as in PyTorch's formulas), huge
    values overflow to inf rather than wrapping, subnormals survive; the twins raise no
    floating-point warnings (they run under errstate)."""
    nstate, scalars, nflags = VARIANT_SHAPES[variant]
    n = 301
    arrays = [special(n, dtype, 60), special(n, dtype, 61)]
    arrays += [np.abs(special(n, dtype, 62 + j)) for j in range(nstate)]
    for flags in itertools.product([False, True], repeat=nflags):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            outs = flat(variant, arrays, scalars, flags, dtype)
        for a, b in zip(*outs):
            np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
            np.testing.assert_allclose(a, b, equal_nan=True, **TOL[dtype])


@pytest.mark.parametrize("use_numba", [True, False])
def test_empty_and_zero_d_parameters(monkeypatch, use_numba):
    monkeypatch.setattr(K, "USE_NUMBA", use_numba)
    for shape in [(0,), (3, 0), ()]:
        p = np.full(shape, 2.0, np.float32)
        m, v = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
        K.adam([p], [np.ones(shape, np.float32)], [m], [v], [None], [1], lr=0.5, beta1=0.9,
               beta2=0.999, eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False,
               amsgrad=False, maximize=False)
        assert p.shape == shape and p.dtype == np.float32
        np.testing.assert_allclose(p, 1.5, rtol=1e-6)  # first Adam step: lr * sign(g)
