"""The fused update kernels (autograd_core/kernels/optim/): each Numba loop against
its numpy twin in float32 and float64 over every flag combination, the scalar arrays,
and the dispatch through the optimizers' base class (layouts, dtypes, the USE_NUMBA
switch) and its errors."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
import autograd_core.kernels
import optim
from autograd_core.kernels.optim import adagrad as KA, adam as KM, rmsprop as KR, sgd as KS
from autograd_core.kernels.optim.common import one_minus
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


MODULES = {v: m for m in (KS, KA, KR, KM) for v in m.VARIANTS}


def flat(variant, arrays, scalars, flags, dtype):
    """Run the loop and the twin of ``variant`` on copies of the same flat arrays."""
    loop, twin = MODULES[variant].VARIANTS[variant]
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
    scalars = (0.01, alpha, 1 - alpha, one_minus(1 - alpha, np.dtype(dtype)), 1e-8, 0.1,
               momentum)
    assert_same(flat(KR.variant(centered, momentum), arrays, scalars, flags, dtype),
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
    scalars = (1e-2 / (1 - beta1 ** t), 1 - beta1, one_minus(1 - beta1, np.dtype(dtype)),
               0.999, 0.001, (1 - 0.999 ** t) ** -0.5, 1e-8, 0.1, decay)
    assert_same(flat("amsgrad" if amsgrad else "adam", arrays, scalars, flags, dtype), dtype)


def test_scalar_arrays_match_the_loop_layout():
    s = np.empty(KM.SIZE, np.float32)
    KM.fill(s, np.array([1e-2, 0.9, 0.999, 1e-8, 0.1, 1.0]), 3)
    np.testing.assert_allclose(s, [1e-2 / (1 - 0.9 ** 3), 0.1, 0.9, 0.999, 0.001,
                                   (1 - 0.999 ** 3) ** -0.5, 1e-8, 0.0, 1 - 1e-3], rtol=1e-6)
    a = np.empty(KA.SIZE)
    KA.fill(a, np.array([1.0, 0.5, 0.0, 0.0]), 3)
    assert a[0] == 0.5
    assert KM.kernel("adam", "e") is KM.VARIANTS["adam"][1]  # float16: the twin
    assert KM.kernel("adam", "f", use_numba=False) is KM.VARIANTS["adam"][1]


def test_scalar_arrays_are_refilled_in_place_each_step():
    """The kernels read the same small arrays every step; the scheduler's lr and the
    bias corrections reach them through in-place refills."""
    p = ac.tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    seen = []
    for k in range(3):
        p.grad = ac.ones(3, dtype=ac.float64)
        opt.step()
        sc = opt._group_scalars(opt.param_groups[0])
        seen.append((sc.hyper, next(iter(sc.packs.values()))))
        opt.param_groups[0]["lr"] = 0.05
    assert all(h is seen[0][0] and s is seen[0][1] for h, s in seen)
    assert seen[0][0][0] == 0.05 and seen[0][1][0] == 0.05 / (1 - 0.9 ** 3)


LIST_CASES = {
    "SGD": dict(lr=0.1, weight_decay=0.01, momentum=0.9, dampening=0.0, nesterov=True),
    "Adagrad": dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, eps=1e-10),
    "RMSprop": dict(lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.01, momentum=0.9,
                    centered=True, maximize=True),
    "Adam": dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=True),
}


def run_opt(monkeypatch, use_numba, name, kw, inits, grads):
    """``name`` over parameters ``inits`` stepped on ``grads`` (lists per step) with
    the loops or the twins; the parameters' and the state's final arrays."""
    monkeypatch.setattr(autograd_core.kernels, "USE_NUMBA", use_numba)
    ps = [ac.tensor(a.copy(), requires_grad=True) for a in inits]
    opt = getattr(optim, name)(ps, **kw)
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = ac.tensor(g)
        opt.step()
    return [p.numpy() for p in ps] + [v.numpy() for p in ps for v in opt.state[p].values()
                                      if isinstance(v, ac.Tensor)]


@pytest.mark.parametrize("name", sorted(LIST_CASES))
def test_twins_equal_loops_through_the_optimizers(monkeypatch, name):
    inits = [rand((3, 4), 20, np.float64), rand((), 21, np.float64)]
    grads = [[rand(x.shape, 30 + t, np.float64) for x in inits] for t in (1, 2)]
    outs = [run_opt(monkeypatch, u, name, LIST_CASES[name], inits, grads)
            for u in (True, False)]
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, **TOL[np.float64])


def test_large_rmsprop_without_momentum_matches_twin():
    # the variant that used to receive empty placeholder buffers (scalar-loop fallback);
    # large enough that a wrong alias guard would matter; values checked, not speed
    n = 1 << 18
    p, g = rand(n, 50, np.float32), rand(n, 51, np.float32)
    sq = rand(n, 52, np.float32, positive=True)
    s = np.empty(KR.SIZE, np.float32)
    KR.fill(s, np.array([1e-3, 0.99, 1e-8, 1e-4, 0.0]), 1)
    outs = both(*KR.VARIANTS["rmsprop"], [p, g, sq], s, (True, False), np.float32)
    for x, y in zip(*outs):
        np.testing.assert_allclose(x, y, **TOL[np.float32])


@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2 ** 16), amsgrad=st.booleans(),
       dtype=st.sampled_from(DTYPES), steps=st.integers(1, 4))
def test_public_adam_numba_equals_numpy(shape, seed, amsgrad, dtype, steps):
    """The whole dispatch (shapes incl. 0-d, per-step bias corrections) on both paths."""
    results = []
    saved = autograd_core.kernels.USE_NUMBA
    for use_numba in (True, False):
        autograd_core.kernels.USE_NUMBA = use_numba
        try:
            p = ac.tensor(rand(shape, seed, dtype), requires_grad=True)
            opt = optim.Adam([p], lr=1e-2, weight_decay=0.01, amsgrad=amsgrad)
            for t in range(1, steps + 1):
                p.grad = ac.tensor(rand(shape, seed + t, dtype))
                opt.step()
        finally:
            autograd_core.kernels.USE_NUMBA = saved
        st_ = opt.state[p]
        results.append([p.numpy()] + [st_[k].numpy() for k in opt._buffers if k in st_])
    for a, b in zip(*results):
        assert a.dtype == np.dtype(dtype) and a.shape == tuple(shape)
        np.testing.assert_allclose(a, b, **TOL[dtype])


@pytest.mark.parametrize("use_numba", [True, False])
def test_non_contiguous_parameter_is_updated_in_place(monkeypatch, use_numba):
    monkeypatch.setattr(autograd_core.kernels, "USE_NUMBA", use_numba)
    base = np.arange(12.0).reshape(3, 4)
    p = ac.tensor(np.zeros(1), requires_grad=True)
    p.data = base.T  # F-ordered view
    opt = optim.SGD([p], lr=0.5, momentum=0.9)
    p.grad = ac.ones((4, 3), dtype=ac.float64)
    opt.step()
    np.testing.assert_allclose(base, np.arange(12.0).reshape(3, 4) - 0.5)
    np.testing.assert_allclose(opt.state[p]["momentum_buffer"].numpy(), 1.0)


def test_gradient_layout_and_dtype_are_normalised():
    p = ac.tensor(np.zeros((3, 2), np.float32), requires_grad=True)
    g = np.arange(1.0, 7.0).reshape(2, 3).T  # float64, non-contiguous
    opt = optim.Adagrad([p], lr=1.0, eps=0.0)
    p.grad = ac.tensor(g)
    opt.step()
    s = opt.state[p]["sum"].numpy()
    assert p.dtype == np.float32 and s.dtype == np.float32
    np.testing.assert_allclose(s, g ** 2)
    np.testing.assert_allclose(p.numpy(), -1.0)  # first Adagrad step: -lr * g / |g|


def test_float16_runs_the_twin():
    p = ac.tensor(np.ones(5, np.float16), requires_grad=True)
    opt = optim.Adam([p], lr=0.1, eps=1e-4)
    p.grad = ac.tensor(np.full(5, 0.5, np.float16))
    opt.step()
    assert p.dtype == np.float16
    np.testing.assert_allclose(p.numpy().astype(np.float64), 0.9, rtol=2e-3)


def test_errors_come_before_any_write():
    p1 = ac.tensor(np.ones(3), requires_grad=True)
    p2 = ac.tensor(np.ones(4), requires_grad=True)
    opt = optim.SGD([p1, p2], lr=1.0, momentum=0.9)
    p1.grad, p2.grad = ac.ones(3, dtype=ac.float64), ac.ones(3, dtype=ac.float64)
    with pytest.raises(ValueError, match=r"gradient of parameter 1 .* shape \(3,\).*\(4,\)"):
        opt.step()
    assert (p1.numpy() == 1).all() and len(opt.state) == 0
    p2.grad = ac.ones(4, dtype=ac.float64)
    opt.step()
    opt.state[p2]["momentum_buffer"] = ac.zeros(4, dtype=ac.float32)
    before = p1.numpy().copy()
    with pytest.raises(ValueError, match="state\\['momentum_buffer'\\]"):
        opt.step()
    np.testing.assert_array_equal(p1.numpy(), before)
    ro = np.ones(3)
    ro.flags.writeable = False
    q = ac.tensor(np.ones(3), requires_grad=True)
    q.data = ro
    q.grad = ac.ones(3, dtype=ac.float64)
    with pytest.raises(ValueError, match="read-only"):
        optim.SGD([q], lr=1.0).step()


def test_float32_parameters_are_updated_in_float32_arithmetic():
    # the scalar array has the parameter's dtype, so the loop rounds like the float32
    # twin (and like PyTorch), not like float64 arithmetic rounded at the end
    p, g = rand(1000, 40, np.float32), rand(1000, 41, np.float32)
    lr = 0.1 / 3
    a = ac.tensor(p.copy(), requires_grad=True)
    opt = optim.SGD([a], lr=lr)
    a.grad = ac.tensor(g)
    opt.step()
    b = p.copy()
    KS.VARIANTS["sgd"][1](b, g, np.array([lr, 0, 0, 1], np.float32), False, False)
    np.testing.assert_array_equal(a.numpy(), b)
    in_float64 = (p.astype(np.float64) - lr * g.astype(np.float64)).astype(np.float32)
    assert (in_float64 != a.numpy()).any()  # the check can tell the two apart


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
    monkeypatch.setattr(autograd_core.kernels, "USE_NUMBA", use_numba)
    for shape in [(0,), (3, 0), ()]:
        p = ac.tensor(np.full(shape, 2.0, np.float32), requires_grad=True)
        opt = optim.Adam([p], lr=0.5)
        p.grad = ac.tensor(np.ones(shape, np.float32))
        opt.step()
        assert p.shape == shape and p.dtype == np.float32
        np.testing.assert_allclose(p.numpy(), 1.5, rtol=1e-6)  # first Adam step: lr * sign(g)
