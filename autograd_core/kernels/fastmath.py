"""Vectorisable ``exp``, ``expm1``, ``log1p`` (+ ``log1p_unit``) and float order keys for
Numba kernels, float32 and float64.

Why: Numba here has no SVML, so ``math.exp`` in a loop is a scalar libm call and the loop
does not vectorise (sigmoid, softplus, softmax ran at 0.2-0.4x memory bandwidth). These
are written in plain arithmetic that LLVM turns into SIMD code inside the caller's loop:

- exp: x = n ln2 + r with n = round(x / ln2) (by adding 1.5 * 2^(mantissa bits), which
  rounds to an integer held in the low mantissa bits: no float->int conversion), ln2
  split Cody-Waite style into a short ``hi`` (n * hi is exact) and ``lo``; exp(r) on
  |r| <= ln2/2 by a polynomial (float32: Taylor, degree 7, truncation error
  r^8/8! below 0.05 ulp at |r| = ln2/2; float64: degree 12, interpolated at Chebyshev
  nodes, ~0.03 ulp, where Taylor needs 13; see the coefficients); 2^n put into the
  exponent bits by integer arithmetic in the float's own width (an LLVM-IR intrinsic,
  so float32 lanes stay 8 to a 256-bit vector), as two factors 2^(n//2) * 2^(n - n//2) so that the
  whole range from overflow to the last denormal is reached with normal scale factors
  and one final rounding. On AVX-512 targets the scaling is LLVM's ``ldexp`` instead,
  one ``vscalefps``/``vscalefpd`` per vector with the same single rounding (same bits).
- expm1: the same reduction, q = expm1(r) by the polynomial without its constant term,
  then 2^n q + (2^n - 1): no cancellation near 0 (q is exactly the polynomial for
  |x| <= ln2/2), one rounding of a sum otherwise.
- log1p: u = 1 + x split into 2^k m with m in [sqrt(1/2), sqrt(2)) from the bits,
  log(m) = f - (f^2/2 - s (f^2/2 + R(s^2))) with f = m - 1, s = f / (2 + f) and R the
  series of 2 atanh(s) - 2s, plus k ln2 (hi/lo) and the correction c/u for the rounding
  of 1 + x. (The classic decomposition; the series coefficients are 2/(2j+1).)
- log1p_unit: log1p for 0 <= x <= 1 only (softplus's log1p(exp(-|z|))): the same form
  with f = x itself (1 + x is never formed): no bit work, no correction term, one
  division (general log1p has two); within 2 ulp of numpy there, NaN propagates.
- order_key / from_order_key: a float's bits as a signed integer whose order is the
  float order (negative values have their magnitude bits flipped), and back. Integer
  max/min reductions vectorise where a float compare-and-select reduction does not
  (LLVM will not vectorise the latter here even under full fastmath), so a row maximum
  is ``from_order_key(max of order_key(x), x)``. A NaN with the sign bit clear orders
  above +inf, one with it set below -inf.

Edges are exact: overflow gives inf, underflow gradually to denormals then 0, NaN
propagates, exp(-inf) = 0, exp(inf) = inf, expm1(-inf) = -1, log1p(-1) = -inf,
log1p(x < -1) = NaN, and -0.0 passes through expm1 / log1p. Accuracy against numpy
(tests/autograd_core/kernels/test_fastmath.py, dense grids over the whole range):
float32 within 2 ulp, float64 within 4 ulp (exp is within 1.04 ulp of the true value
for float32, numpy's own float32 exp within 2.44). The only fastmath flag is ``contract``
(multiply-adds fuse into FMA): reassociation would fold the rounding trick
``(t + S) - S`` away, and nnan/ninf would drop the NaN/inf selects.

Laziness: ``import autograd_core`` must not import numba (HACKING.md). This module
imports only numpy; its public names (``exp``, ``expm1``, ...) do not exist until
first looked up, and the module ``__getattr__`` then imports numba and builds the
bit-cast intrinsics, per-dtype overloads and the dispatchers. Kernel bodies refer to
them as ``_fm.exp(v)`` (``from . import fastmath as _fm``): Numba looks the attribute up
when it compiles the kernel, i.e. only on the kernel's first call. ``exp`` etc. are
Numba dispatchers, so they are also callable from Python on a scalar (slowly);
``evaluate(name, array)`` runs one vectorised loop over an array (for tests).

Caching caveat: Numba's on-disk cache (``cache=True``) keys a kernel on its own source
file only. After editing this file, delete the ``__pycache__/*.nbi``/``*.nbc`` files
of the kernel modules that call it, or they keep the old machine code.
"""
import numpy as np

__all__ = ["exp", "expm1", "log1p", "log1p_unit", "order_key", "from_order_key", "evaluate"]

_f32, _f64 = np.float32, np.float64

# -- constants ------------------------------------------------------------------------
# float32: 12 significant bits in _LN2_HI32 so n * hi is exact for |n| <= 2^12.
_LOG2E32 = _f32(1.4426950408889634)
_SH32 = _f32(12582912.0)             # 1.5 * 2^23: adding it rounds to an integer
_LN2_HI32 = _f32(0.693145751953125)  # 0x3F317200
_LN2_LO32 = _f32(1.4286068203094172e-06)  # ln2 - hi, rounded
_EXP_LO32 = _f32(-104.0)             # below: exp rounds to 0 (2^-149 / 2 = e^-103.97)
_EXP_HI32 = _f32(89.0)               # above: inf (FLT_MAX = e^88.72)
_EM1_LO32 = _f32(-30.0)              # below: expm1 rounds to -1
_INF32 = _f32(np.inf)
_NAN32 = _f32(np.nan)
# float64: ln2 hi has 32 significant bits (low 20 bits of its pattern zero).
_LOG2E64 = 1.4426950408889634
_SH64 = 6755399441055744.0           # 1.5 * 2^52
_LN2_HI64 = 6.93147180369123816490e-01   # 0x3FE62E42FEE00000
_LN2_LO64 = 1.90821492927058770002e-10
_EXP_LO64 = -746.0                   # e^-745.13 = 2^-1074 / 2
_EXP_HI64 = 710.0                    # DBL_MAX = e^709.78
_EM1_LO64 = -60.0
_INF64 = np.inf
_NAN64 = np.nan


def _taylor(d, dtype):
    """1/j! for j = d .. 2, highest first (Horner order)."""
    from math import factorial
    return tuple(dtype(1.0 / factorial(j)) for j in range(d, 1, -1))


# Horner coefficients, unrolled below as named globals (Numba freezes them as constants)
# exp(r) = 1 + r + r^2 h(r) on |r| <= ln2/2. float32: Taylor, degree 7. A degree-6 h
# interpolated at Chebyshev nodes (approximation error 0.08 ulp) was tried: within 1.5
# ulp of the true exp, but 3 ulp from numpy's float32 exp at x = 1.04078 (numpy's own
# error reaches 2.4 ulp), over this module's 2-ulp contract; so float32 keeps degree 7.
# float64: h of degree 10 interpolated at Chebyshev nodes in 40-digit arithmetic (near
# minimax, ~0.03 ulp; Taylor needs degree 13): one multiply-add less than before.
(_E32_7, _E32_6, _E32_5, _E32_4, _E32_3, _E32_2) = _taylor(7, _f32)
(_E64_12, _E64_11, _E64_10, _E64_9, _E64_8, _E64_7, _E64_6, _E64_5, _E64_4, _E64_3,
 _E64_2) = (2.0914679376583935e-09, 2.510520637395701e-08, 2.7557273661348637e-07,
            2.7557255425746435e-06, 2.4801587325533363e-05, 0.00019841269874800493,
            0.0013888888888883752, 0.008333333333326141, 0.04166666666666667,
            0.1666666666666667, 0.5)
# 2 atanh(s) = 2s + s R(z), z = s^2, R = sum_j 2 z^j / (2j + 1)
(_L32_1, _L32_2, _L32_3, _L32_4, _L32_5) = (_f32(2.0 / (2 * j + 1)) for j in range(1, 6))
(_L64_1, _L64_2, _L64_3, _L64_4, _L64_5, _L64_6, _L64_7, _L64_8, _L64_9, _L64_10) = (
    2.0 / (2 * j + 1) for j in range(1, 11))
# log1p on [0, 1] (log1p_unit): with f = x exact (1 + x is never formed), s = f/(2 + f)
# <= 1/3, z = s^2 <= 1/9, R = sum_j 2 z^j / (2j + 1); the first neglected term is
# 9^-(K+1) / (2K + 3) relative: 1.4e-8 for float32 (K = 6), 1.6e-17 for float64 (K = 15)
(_V32_1, _V32_2, _V32_3, _V32_4, _V32_5, _V32_6) = (_f32(2.0 / (2 * j + 1)) for j in range(1, 7))
(_V64_1, _V64_2, _V64_3, _V64_4, _V64_5, _V64_6, _V64_7, _V64_8, _V64_9, _V64_10, _V64_11,
 _V64_12, _V64_13, _V64_14, _V64_15) = (2.0 / (2 * j + 1) for j in range(1, 16))
_SQRTH32 = 0x3F3504F3               # bits of sqrt(1/2), float32
_SQRTH64 = 0x3FE6A09E667F3BCD       # bits of sqrt(1/2), float64


# -- bodies (plain Python, compiled by Numba; the intrinsics _bits, _f32_of, _f64_of,
# _scale2, _key, _unkey are defined by _build) ---------------------------------------

def _reduce32(x, lo):
    """x clamped to [lo, _EXP_HI32] = n ln2 + r; returns (r, t = S + n), n in t's bits."""
    xc = x if x > lo else lo          # NaN -> lo: callers put NaN back
    xc = xc if xc < _EXP_HI32 else _EXP_HI32
    t = xc * _LOG2E32 + _SH32
    n = t - _SH32
    r = xc - n * _LN2_HI32
    r = r - n * _LN2_LO32
    return r, t


def _em1poly32(r):
    """expm1(r) for |r| <= ln2/2."""
    h = _E32_7
    h = h * r + _E32_6
    h = h * r + _E32_5
    h = h * r + _E32_4
    h = h * r + _E32_3
    h = h * r + _E32_2
    return r + (r * r) * h  # r exact, the rest small: rounding errors of h shrink by r^2


def _exp32(x):
    r, t = _reduce32(x, _EXP_LO32)
    y = _scale2(_em1poly32(r) + _f32(1.0), t)
    return y if x == x else x


def _expm132(x):
    r, t = _reduce32(x, _EM1_LO32)
    q = _em1poly32(r)
    s = _scale2(_f32(1.0), t)         # 2^n, finite for n <= 127
    y = s * q + (s - _f32(1.0)) if t - _SH32 < 100 else _scale2(q + _f32(1.0), t)
    return x if (x != x or x == 0) else y


def _log1p32(x):
    u = x + _f32(1.0)
    ui = np.int64(_bits(u)) + (0x3F800000 - _SQRTH32)
    k = (ui >> 23) - 127
    m = _f32_of((ui & 0x7FFFFF) + _SQRTH32)   # u / 2^k in [sqrt(1/2), sqrt(2))
    # rounding error of u = 1 + x, as log(u + c) ~ log(u) + c/u; exact differences
    c = (_f32(1.0) - (u - x)) if k > 0 else (x - (u - _f32(1.0)))
    c = c / u if k < 25 else _f32(0.0)
    f = m - _f32(1.0)
    s = f / (_f32(2.0) + f)
    z = s * s
    R = _L32_5
    R = R * z + _L32_4
    R = R * z + _L32_3
    R = R * z + _L32_2
    R = R * z + _L32_1
    R = R * z
    hf = _f32(0.5) * f * f
    kf = _f32(k)
    y = kf * _LN2_HI32 - ((hf - (s * (hf + R) + (kf * _LN2_LO32 + c))) - f)
    y = y if u < _INF32 else u                # +inf (and huge finite x rounding to inf)
    y = y if u > 0 else (-_INF32 if u == 0 else _NAN32)  # x = -1: -inf; x < -1: NaN
    return x if (x != x or x == 0) else y


def _log1p_unit32(x):
    # f - (f^2/2 - s (f^2/2 + R)) with f = x exact: the error of s only touches a small term
    f = x
    s = f / (_f32(2.0) + f)
    z = s * s
    R = _V32_6
    R = R * z + _V32_5
    R = R * z + _V32_4
    R = R * z + _V32_3
    R = R * z + _V32_2
    R = R * z + _V32_1
    R = R * z
    hf = _f32(0.5) * f * f
    return f - (hf - s * (hf + R))


def _log1p_unit64(x):
    f = x
    s = f / (2.0 + f)
    z = s * s
    R = _V64_15
    R = R * z + _V64_14
    R = R * z + _V64_13
    R = R * z + _V64_12
    R = R * z + _V64_11
    R = R * z + _V64_10
    R = R * z + _V64_9
    R = R * z + _V64_8
    R = R * z + _V64_7
    R = R * z + _V64_6
    R = R * z + _V64_5
    R = R * z + _V64_4
    R = R * z + _V64_3
    R = R * z + _V64_2
    R = R * z + _V64_1
    R = R * z
    hf = 0.5 * f * f
    return f - (hf - s * (hf + R))


def _reduce64(x, lo):
    xc = x if x > lo else lo
    xc = xc if xc < _EXP_HI64 else _EXP_HI64
    t = xc * _LOG2E64 + _SH64
    n = t - _SH64
    r = xc - n * _LN2_HI64
    r = r - n * _LN2_LO64
    return r, t


def _em1poly64(r):
    h = _E64_12
    h = h * r + _E64_11
    h = h * r + _E64_10
    h = h * r + _E64_9
    h = h * r + _E64_8
    h = h * r + _E64_7
    h = h * r + _E64_6
    h = h * r + _E64_5
    h = h * r + _E64_4
    h = h * r + _E64_3
    h = h * r + _E64_2
    return r + (r * r) * h


def _exp64(x):
    r, t = _reduce64(x, _EXP_LO64)
    y = _scale2(_em1poly64(r) + 1.0, t)
    return y if x == x else x


def _expm164(x):
    r, t = _reduce64(x, _EM1_LO64)
    q = _em1poly64(r)
    s = _scale2(1.0, t)
    y = s * q + (s - 1.0) if t - _SH64 < 1000 else _scale2(q + 1.0, t)
    return x if (x != x or x == 0) else y


def _log1p64(x):
    u = x + 1.0
    ui = _bits(u) + (0x3FF0000000000000 - _SQRTH64)
    k = (ui >> 52) - 1023
    m = _f64_of((ui & 0xFFFFFFFFFFFFF) + _SQRTH64)
    c = (1.0 - (u - x)) if k > 0 else (x - (u - 1.0))
    c = c / u if k < 54 else 0.0
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    R = _L64_10
    R = R * z + _L64_9
    R = R * z + _L64_8
    R = R * z + _L64_7
    R = R * z + _L64_6
    R = R * z + _L64_5
    R = R * z + _L64_4
    R = R * z + _L64_3
    R = R * z + _L64_2
    R = R * z + _L64_1
    R = R * z
    hf = 0.5 * f * f
    kf = np.float64(k)
    y = kf * _LN2_HI64 - ((hf - (s * (hf + R) + (kf * _LN2_LO64 + c))) - f)
    y = y if u < _INF64 else u
    y = y if u > 0 else (-_INF64 if u == 0 else _NAN64)
    return x if (x != x or x == 0) else y


# generic entry points: one Python function each, specialised per dtype by the overloads
def _exp_any(x):
    return _exp_ov(x)


def _expm1_any(x):
    return _expm1_ov(x)


def _log1p_any(x):
    return _log1p_ov(x)


def _log1p_unit_any(x):
    return _log1p_unit_ov(x)


def _order_key_any(x):
    return _key(x)


def _from_order_key_any(k, like):
    return _unkey(k, like)


def _exp_loop(x, out):
    for i in range(x.size):
        out[i] = exp(x[i])  # noqa: F821 (built lazily)


def _expm1_loop(x, out):
    for i in range(x.size):
        out[i] = expm1(x[i])  # noqa: F821


def _log1p_unit_loop(x, out):
    for i in range(x.size):
        out[i] = log1p_unit(x[i])  # noqa: F821


def _log1p_loop(x, out):
    for i in range(x.size):
        out[i] = log1p(x[i])  # noqa: F821


_built = {}
_PUBLIC = ("exp", "expm1", "log1p", "log1p_unit", "order_key", "from_order_key")
_LOOPS = {"exp": _exp_loop, "expm1": _expm1_loop, "log1p": _log1p_loop,
          "log1p_unit": _log1p_unit_loop}


def _stub(name):
    def f(x):
        raise NotImplementedError(f"fastmath.{name}: overload stub, for Numba only")
    f.__name__ = name
    return f


def _typer(types, f32, f64):
    """Overload typer: the float32 or float64 body (None: no match, Numba says so)."""
    def typer(x):
        if x == types.float32:
            return f32
        if x == types.float64:
            return f64
        return None
    return typer


def _avx512_target():
    """True when Numba compiles for a CPU with AVX-512F (the features it passes LLVM:
    ``NUMBA_CPU_FEATURES``, else the host's unless ``NUMBA_CPU_NAME`` names another
    CPU). There ``ldexp`` on a vector is one ``vscalef``: exp 0.57 -> 0.33 ns per float32
    element in cache (2-core Zen 4), the same results bit for bit."""
    from numba.core import config
    feats = config.CPU_FEATURES
    if feats is None:
        if config.CPU_NAME not in (None, "host"):
            return False  # features implied by a named CPU: not known here; stay portable
        import llvmlite.binding as llb
        feats = llb.get_host_cpu_features().flatten()
    return "+avx512f" in feats.split(",")


def _build():
    """Import numba; define the intrinsics, the per-dtype overloads and the dispatchers
    (nothing compiles here: Numba compiles each on its first use)."""
    import numba
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic, overload

    g = globals()

    @intrinsic
    def _bits(typingctx, x):
        """The IEEE bit pattern of a float32/float64 as int32/int64 (LLVM bitcast)."""
        if x == types.float32:
            return types.int32(x), lambda c, b, s, a: b.bitcast(a[0], ir.IntType(32))
        if x == types.float64:
            return types.int64(x), lambda c, b, s, a: b.bitcast(a[0], ir.IntType(64))
        return None

    def _int_to_float(width, fty):
        @intrinsic
        def cast(typingctx, i):
            """The float whose bit pattern is the low ``width`` bits of integer ``i``."""
            if not isinstance(i, types.Integer):
                return None

            def codegen(context, builder, sig, args):
                v = args[0]
                it = ir.IntType(width)
                if i.bitwidth > width:
                    v = builder.trunc(v, it)
                elif i.bitwidth < width:
                    v = builder.sext(v, it) if i.signed else builder.zext(v, it)
                return builder.bitcast(v, context.get_value_type(fty))

            return fty(i), codegen
        return cast

    def _layout(x):
        """(bits, mantissa bits, exponent bias, pattern of the shifter 1.5 * 2^mant)"""
        if x == types.float32:
            return 32, 23, 127, 0x4B400000
        if x == types.float64:
            return 64, 52, 1023, 0x4338000000000000
        return None

    scalef = _avx512_target()

    @intrinsic
    def _scale2(typingctx, p, t):
        """p * 2^n for t = S + n (the shifter sum: n sits in t's low bits), one rounding
        (gradual underflow). On AVX-512 targets LLVM's ``ldexp``, one ``vscalefps``/``pd``
        per vector; elsewhere p * 2^(n >> 1) * 2^(n - (n >> 1)), both factors normal over
        exp's whole range, integer work in the float's width (an AVX2 target turns a
        vector ldexp into scalar code: 7x slower; measured, see _avx512_target)."""
        lay = _layout(p)
        if lay is None or t != p:
            return None
        w, mant, bias, shb = lay

        def codegen(context, builder, sig, args):
            pv, tv = args
            it = ir.IntType(w)
            ft = context.get_value_type(p)
            n = builder.sub(builder.bitcast(tv, it), ir.Constant(it, shb))
            if scalef:
                i32 = ir.IntType(32)
                f = builder.module.declare_intrinsic(
                    "llvm.ldexp", [ft, i32], ir.FunctionType(ft, [ft, i32]))
                return builder.call(f, [pv, n if w == 32 else builder.trunc(n, i32)])
            n1 = builder.ashr(n, ir.Constant(it, 1))
            n2 = builder.sub(n, n1)

            def pow2(k):
                e = builder.shl(builder.add(k, ir.Constant(it, bias)), ir.Constant(it, mant))
                return builder.bitcast(e, ft)

            return builder.fmul(builder.fmul(pv, pow2(n1)), pow2(n2))

        return p(p, t), codegen

    @intrinsic
    def _key(typingctx, x):
        """Order key: the bits, magnitude bits flipped for negative values."""
        lay = _layout(x)
        if lay is None:
            return None
        w = lay[0]

        def codegen(context, builder, sig, args):
            it = ir.IntType(w)
            i = builder.bitcast(args[0], it)
            m = builder.lshr(builder.ashr(i, ir.Constant(it, w - 1)), ir.Constant(it, 1))
            return builder.xor(i, m)

        return (types.int32 if w == 32 else types.int64)(x), codegen

    @intrinsic
    def _unkey(typingctx, k, like):
        """Inverse of _key (an involution on the bits), as a float of like's type."""
        lay = _layout(like)
        if lay is None or not isinstance(k, types.Integer):
            return None
        w = lay[0]

        def codegen(context, builder, sig, args):
            it = ir.IntType(w)
            i = args[0]
            if k.bitwidth > w:
                i = builder.trunc(i, it)
            elif k.bitwidth < w:
                i = builder.sext(i, it)
            m = builder.lshr(builder.ashr(i, ir.Constant(it, w - 1)), ir.Constant(it, 1))
            return builder.bitcast(builder.xor(i, m), context.get_value_type(like))

        return like(k, like), codegen

    g["_scale2"], g["_key"], g["_unkey"] = _scale2, _key, _unkey
    g["_bits"] = _bits
    g["_f32_of"] = _int_to_float(32, types.float32)
    g["_f64_of"] = _int_to_float(64, types.float64)

    for name in ("_reduce32", "_em1poly32", "_reduce64", "_em1poly64"):
        g[name] = numba.njit(inline="always")(g[name])  # helpers of the bodies
    impls = {"exp": (_exp32, _exp64), "expm1": (_expm132, _expm164),
             "log1p": (_log1p32, _log1p64), "log1p_unit": (_log1p_unit32, _log1p_unit64)}
    for name, (f32, f64) in impls.items():
        stub = _stub(name)
        overload(stub, inline="always")(_typer(types, f32, f64))
        g[f"_{name}_ov"] = stub

    disp = {}
    for name, fn in (("exp", _exp_any), ("expm1", _expm1_any), ("log1p", _log1p_any),
                     ("log1p_unit", _log1p_unit_any),
                     ("order_key", _order_key_any), ("from_order_key", _from_order_key_any)):
        # contract only (fused multiply-add): one rounding per Horner step, NaN/inf kept
        disp[name] = numba.njit(error_model="numpy", fastmath={"contract"})(fn)
    g.update(disp)  # the dispatchers, as the public names (the loops below need them)
    for name, fn in _LOOPS.items():
        disp[name + "_loop"] = numba.njit(cache=True, error_model="numpy")(fn)
    _built.update(disp)


def __getattr__(name):  # PEP 562: build on first lookup of a public name
    if name in _PUBLIC or name.endswith("_loop") and name[:-5] in _LOOPS:
        if not _built:
            _build()
        return _built[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def evaluate(name, x):
    """``name`` ('exp', 'expm1' or 'log1p') of every element of float32/float64 array
    ``x``, by one compiled loop; a new array of x's shape and dtype."""
    if name not in _LOOPS:
        raise ValueError(f"fastmath.evaluate: unknown function {name!r}; "
                         f"expected one of {tuple(_LOOPS)}")
    x = np.asarray(x)
    if x.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"fastmath.evaluate({name!r}): dtype {x.dtype} not supported "
                        "(float32 or float64)")
    xc = np.ascontiguousarray(x).ravel()
    out = np.empty_like(xc)
    __getattr__(name + "_loop")(xc, out)
    return out.reshape(x.shape)
