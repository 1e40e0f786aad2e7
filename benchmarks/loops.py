"""The suite's own Numba loops (imported by workers only): the STREAM-style triad, the
serial / parallel relu pair of the threading section and its parallel sigmoid. ``cache=True`` so that runs
after the first (and the smoke test) load them instead of compiling; parallel loops
take seconds to compile."""
from numba import njit, prange

from autograd_core.kernels import fastmath as _fm

__all__ = ["triad_serial", "triad_parallel", "relu_serial", "relu_parallel",
           "relu_bwd_serial", "relu_bwd_parallel", "sigmoid_parallel"]


@njit(cache=True)
def triad_serial(a, b, c, s):
    for i in range(a.size):
        a[i] = b[i] + s * c[i]


@njit(parallel=True, cache=True)
def triad_parallel(a, b, c, s):
    for i in prange(a.size):
        a[i] = b[i] + s * c[i]


@njit(cache=True)
def relu_serial(x, out):
    for i in range(x.size):
        out[i] = x[i] if x[i] > 0 else 0


@njit(parallel=True, cache=True)
def relu_parallel(x, out):
    for i in prange(x.size):
        out[i] = x[i] if x[i] > 0 else 0


@njit(cache=True)
def relu_bwd_serial(g, y, out):
    for i in range(g.size):
        out[i] = g[i] if y[i] > 0 else 0


@njit(parallel=True, cache=True)
def relu_bwd_parallel(g, y, out):
    for i in prange(g.size):
        out[i] = g[i] if y[i] > 0 else 0


@njit(parallel=True, cache=True, error_model="numpy")
def sigmoid_parallel(x, out):
    # the library's sigmoid loop (kernels/activations.py) as a prange loop
    one = out.dtype.type(1)
    for i in prange(out.size):
        z = x[i]
        e = _fm.exp(-abs(z))
        num = e if z < 0 else one
        out[i] = num / (one + e)
