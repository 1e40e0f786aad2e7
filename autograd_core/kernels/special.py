"""Special functions: erf, erfc (Numba loops over libm's erf/erfc, numpy lacks them) and
erfinv (numpy arithmetic on top of erf). Each loop has its numpy twin beside it
(``<name>_np``, Python's ``math.erf`` element by element: the reference the loops are
tested against, and the path for ``AUTOGRAD_CORE_KERNELS=numpy``).

Inputs of any layout; float32 and float16 are computed in float64 and rounded, so every
dtype gets a correctly rounded result of libm's double-precision value.
"""
import math

import numpy as np

from . import USE_NUMBA, njit

__all__ = ["erf", "erfc", "erfinv", "erf_np", "erfc_np"]


@njit(cache=True, error_model="numpy")
def _erf_nb(x, out):
    for i in range(x.size):
        out[i] = math.erf(x[i])


@njit(cache=True, error_model="numpy")
def _erfc_nb(x, out):
    for i in range(x.size):
        out[i] = math.erfc(x[i])


def _vectorized(fn):
    ufunc = np.frompyfunc(fn, 1, 1)

    def twin(x):
        x = np.asarray(x, dtype=np.float64)
        return np.asarray(ufunc(x), dtype=np.float64).reshape(x.shape)

    return twin


erf_np = _vectorized(math.erf)
erfc_np = _vectorized(math.erfc)


def _run(loop, twin, x):
    dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    x64 = np.ascontiguousarray(x, dtype=np.float64)
    if USE_NUMBA:
        out = np.empty(x64.shape, np.float64)
        loop(x64.reshape(-1), out.reshape(-1))
    else:
        out = twin(x64)
    return out.astype(dt, copy=False)


def erf(x):
    """The error function, elementwise (integers give float32, as PyTorch)."""
    return _run(_erf_nb, erf_np, x)


def erfc(x):
    """1 - erf(x), accurate where erf(x) is near 1."""
    return _run(_erfc_nb, erfc_np, x)


# Giles (2010), "Approximating the erfinv function": single-precision polynomials in
# w = -log(1 - x^2), refined below by two Newton steps on erf in float64.
_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
            0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
         0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def erfinv(y):
    """The inverse of erf on (-1, 1); +-inf at +-1, NaN outside [-1, 1]."""
    dt = y.dtype if y.dtype.kind == "f" else np.dtype(np.float32)
    y64 = np.asarray(y, dtype=np.float64)
    inside = np.abs(y64) < 1
    t = np.where(inside, y64, 0.0)
    w = -np.log1p(-t * t)
    central = w < 5.0
    wc = w - 2.5
    wt = np.sqrt(w) - 3.0
    pc = np.zeros_like(w)
    pt = np.zeros_like(w)
    for c in _CENTRAL:
        pc = pc * wc + c
    for c in _TAIL:
        pt = pt * wt + c
    x = np.where(central, pc, pt) * t
    for _ in range(2):
        x = x - (erf(x) - t) / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
    edge = np.where(np.abs(y64) == 1, np.copysign(np.inf, y64), np.nan)
    return np.where(inside, x, edge).astype(dt, copy=False)
