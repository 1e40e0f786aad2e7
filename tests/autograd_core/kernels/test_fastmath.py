"""fastmath: vectorisable exp / expm1 / log1p against numpy over dense grids (ulp
distance), exact edge cases, the order keys, laziness of the numba import, and that the
loops really vectorise (LLVM vector types in the IR; no timing)."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from autograd_core.kernels import fastmath as fm

F32, F64 = np.float32, np.float64
REF = {"exp": np.exp, "expm1": np.expm1, "log1p": np.log1p}
#: max ulp distance from numpy allowed (numpy's own float32 exp is ~2.4 ulp from the
#: true value at worst; ours ~1.0)
MAX_ULP = {F32: 2, F64: 4}


def _ulps(a, b):
    """|a - b| in units in the last place, via the ordered integer bit patterns;
    NaN == NaN and +0 == -0 count as 0."""
    it = np.int32 if a.dtype == F32 else np.int64
    lo = np.iinfo(it).min

    def key(v):
        i = v.view(it).astype(np.int64)
        return np.where(i < 0, lo - i, i)

    d = np.abs(key(a) - key(b))
    d[(a == b) | (np.isnan(a) & np.isnan(b))] = 0
    return d


def _grid(name, dt):
    lo, hi = (-1.0, 1e30) if name == "log1p" else (-800.0, 800.0)
    parts = [np.linspace(lo, min(hi, 800.0), 400_001), np.linspace(-1.0, 2.0, 200_001),
             np.geomspace(1e-40, 1e3, 50_001), -np.geomspace(1e-40, 1.0, 50_001)]
    if name == "log1p":
        parts.append(np.geomspace(1.0, 1e300 if dt == F64 else 3e38, 50_001))
    else:
        parts.append(-np.geomspace(1.0, 1e3, 50_001))
    rng = np.random.default_rng(0)
    parts.append(rng.uniform(lo, min(hi, 100.0), 100_000))
    with np.errstate(over="ignore"):
        return np.concatenate(parts).astype(dt)


@pytest.mark.parametrize("dt", [F32, F64])
@pytest.mark.parametrize("name", ["exp", "expm1", "log1p"])
def test_within_a_few_ulp_of_numpy_over_the_range(name, dt):
    x = _grid(name, dt)
    got = fm.evaluate(name, x)
    with np.errstate(all="ignore"):
        want = REF[name](x)
    assert got.dtype == dt and got.shape == x.shape
    d = _ulps(got, want)
    worst = int(np.argmax(d))
    assert d.max() <= MAX_ULP[dt], (name, x[worst], got[worst], want[worst], d.max())
    assert d.mean() < 0.3  # mostly exact, not just bounded


@pytest.mark.parametrize("dt", [F32, F64])
def test_exp_is_about_as_accurate_as_the_true_value(dt):
    # against a float64 (for float32) / longdouble (for float64) reference: <= 1.5 ulp
    x = np.linspace(-80, 80, 300_001).astype(dt)
    wide = np.longdouble if dt == F64 else F64
    true = np.exp(x.astype(wide))
    err = np.abs(fm.evaluate("exp", x).astype(wide) - true) / np.spacing(true.astype(dt))
    assert float(err.max()) <= 1.5


@pytest.mark.parametrize("dt", [F32, F64])
def test_edges_exact(dt):
    inf, nan = dt(np.inf), dt(np.nan)
    fin = np.finfo(dt)
    x = np.array([inf, -inf, nan, -nan, 0.0, -0.0, fin.tiny, -fin.tiny, fin.smallest_subnormal,
                  fin.max, -fin.max, 1e4, -1e4], dtype=dt)
    for name in ("exp", "expm1"):
        with np.errstate(all="ignore"):
            want = REF[name](x)
        got = fm.evaluate(name, x)
        np.testing.assert_array_equal(got, want, err_msg=name)
        num = ~np.isnan(want)  # a NaN's sign means nothing
        np.testing.assert_array_equal(np.signbit(got[num]), np.signbit(want[num]), err_msg=name)
    xl = np.array([inf, nan, 0.0, -0.0, -1.0, -1.5, -inf, fin.max, fin.tiny,
                   fin.smallest_subnormal, -fin.smallest_subnormal], dtype=dt)
    with np.errstate(all="ignore"):
        want = np.log1p(xl)
    got = fm.evaluate("log1p", xl)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got[[0, 2, 3, 4]]), np.signbit(want[[0, 2, 3, 4]]))


@pytest.mark.parametrize("dt", [F32, F64])
def test_overflow_and_underflow_thresholds_match_numpy(dt):
    # exp around ln(max) and through the denormal range down to 0: inf/0 exactly where
    # numpy has them, gradual underflow (denormals) in between
    big = np.log(np.finfo(dt).max)
    tiny = np.log(np.finfo(dt).smallest_subnormal)
    x = np.concatenate([np.linspace(big - 0.01, big + 0.01, 20_001),
                        np.linspace(tiny - 1.0, np.log(np.finfo(dt).tiny) + 1, 50_001)]).astype(dt)
    with np.errstate(all="ignore"):
        want = np.exp(x)
        want_m1 = np.expm1(x)
    got = fm.evaluate("exp", x)
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    np.testing.assert_array_equal(got == 0, want == 0)
    assert (got[(got > 0) & (got < np.finfo(dt).tiny)]).size > 1000  # denormals reached
    fin = np.isfinite(want)
    assert _ulps(got[fin], want[fin]).max() <= MAX_ULP[dt]
    np.testing.assert_array_equal(np.isinf(fm.evaluate("expm1", x)), np.isinf(want_m1))


@pytest.mark.parametrize("dt", [F32, F64])
def test_near_zero_no_cancellation(dt):
    x = np.concatenate([np.geomspace(1e-30, 0.5, 20_001), -np.geomspace(1e-30, 0.5, 20_001)]).astype(dt)
    for name in ("expm1", "log1p"):
        got = fm.evaluate(name, x)
        d = _ulps(got, REF[name](x))
        assert d.max() <= MAX_ULP[dt], name
    tiny = np.array([1e-30, -1e-30], dtype=dt)  # expm1(x) = log1p(x) = x to the last bit
    np.testing.assert_array_equal(fm.evaluate("expm1", tiny), tiny)
    np.testing.assert_array_equal(fm.evaluate("log1p", tiny), tiny)


def test_evaluate_layouts_and_errors():
    a = np.linspace(-3, 3, 24).reshape(4, 6)
    np.testing.assert_allclose(fm.evaluate("exp", a.T), np.exp(a.T), rtol=1e-15)
    np.testing.assert_allclose(fm.evaluate("exp", a[:, ::2]), np.exp(a[:, ::2]), rtol=1e-15)
    assert fm.evaluate("exp", np.empty((0, 3), F32)).shape == (0, 3)
    assert fm.evaluate("log1p", np.array(1.0)).shape == ()
    with pytest.raises(ValueError, match="unknown function 'log'"):
        fm.evaluate("log", a)
    with pytest.raises(TypeError, match=r"evaluate\('exp'\): dtype int64 not supported"):
        fm.evaluate("exp", np.arange(3))


@pytest.mark.parametrize("dt", [F32, F64])
def test_order_keys_sort_like_floats_and_round_trip(dt):
    import numba

    @numba.njit
    def keys(x, back):
        out = np.empty(x.size, np.int64)
        for i in range(x.size):
            out[i] = fm.order_key(x[i])
            back[i] = fm.from_order_key(out[i], x[i])
        return out

    fin = np.finfo(dt)
    x = np.array([-np.inf, -fin.max, -1.0, -fin.tiny, -fin.smallest_subnormal, -0.0, 0.0,
                  fin.smallest_subnormal, fin.tiny, 1.0, fin.max, np.inf], dtype=dt)
    back = np.empty_like(x)
    k = keys(x, back)
    assert (np.diff(k) > 0).all()
    np.testing.assert_array_equal(back.view(np.uint8), x.view(np.uint8))  # bit-exact
    nan = np.array([np.nan, -np.nan], dtype=dt)
    kn = keys(nan, np.empty_like(nan))
    assert kn[0] > k[-1] and kn[1] < k[0]  # +NaN above +inf, -NaN below -inf


def test_importing_does_not_import_numba():
    code = ("import sys, autograd_core, autograd_core.kernels.fastmath as f, "
            "autograd_core.kernels.activations, autograd_core.kernels.reduce, "
            "autograd_core.kernels.cross_entropy, autograd_core.kernels.batch_norm, "
            "autograd_core.kernels.dropout; assert 'numba' not in sys.modules, 'numba imported'; "
            "f.evaluate; print('ok')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


@pytest.mark.parametrize("name", ["exp", "expm1", "log1p", "log1p_unit"])
def test_loops_vectorise(name):
    # a fresh (uncached) compile of the evaluate loop: its IR must hold vector types
    import numba
    getattr(fm, name)  # build the lazy pieces
    loop = numba.njit(error_model="numpy")(fm._LOOPS[name])
    for dt in (F32, F64):
        x = np.ones(64, dt)
        loop(x, np.empty_like(x))
    ir32 = loop.inspect_llvm(loop.signatures[0])
    ir64 = loop.inspect_llvm(loop.signatures[1])
    assert re.search(r"<(4|8|16) x float>", ir32), "float32 loop did not vectorise"
    assert re.search(r"<(2|4|8) x double>", ir64), "float64 loop did not vectorise"


@pytest.mark.parametrize("dt", [F32, F64])
def test_log1p_unit_on_its_interval(dt):
    # log1p for 0 <= x <= 1 (softplus's log1p(exp(-|z|))): same bound as log1p
    x = np.concatenate([np.linspace(0, 1, 300_001), np.geomspace(1e-40, 1, 50_001),
                        [0.0, 1.0, np.nan]]).astype(dt)
    got = fm.evaluate("log1p_unit", x)
    assert _ulps(got, np.log1p(x)).max() <= MAX_ULP[dt]
    assert got[-3] == 0 and np.isnan(got[-1])


def test_scale_paths_agree_bit_for_bit(tmp_path):
    # 2^n scaling is LLVM's ldexp (vscalef) on AVX-512 targets, two exponent factors
    # elsewhere; a process compiling for a named CPU without features (haswell) takes
    # the second path: both must give the same bits, edges and denormals included
    x = {dt: np.concatenate([np.linspace(-110, 90, 400_001), np.linspace(-760, 720, 100_001),
                             [-np.inf, np.inf, np.nan, 0.0, -0.0]]).astype(dt)
         for dt in (F32, F64)}
    np.savez(tmp_path / "x.npz", f32=x[F32], f64=x[F64])
    code = ("import numpy as np, autograd_core.kernels.fastmath as f; "
            f"d = np.load({str(tmp_path / 'x.npz')!r}); "
            "np.savez(" + repr(str(tmp_path / "y.npz")) + ", **{f'{n}_{k}': f.evaluate(n, d[k]) "
            "for n in ('exp', 'expm1') for k in ('f32', 'f64')}); "
            "print(f._avx512_target())")
    env = dict(os.environ, NUMBA_CPU_NAME="haswell", NUMBA_CACHE_DIR=str(tmp_path / "nb"))
    env.pop("NUMBA_CPU_FEATURES", None)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"  # the portable path was taken there
    y = np.load(tmp_path / "y.npz")
    for n in ("exp", "expm1"):
        for k, dt in (("f32", F32), ("f64", F64)):
            assert np.array_equal(fm.evaluate(n, x[dt]).view(f"u{dt(0).itemsize}"),
                                  y[f"{n}_{k}"].view(f"u{dt(0).itemsize}")), (n, k)
