"""Matrix-product kernels: numpy's BLAS (float32 sgemm / float64 dgemm).

numpy's ``matmul`` hands 2-d operands, transposed views included, to BLAS with the
transpose flag instead of copying, so it is already at BLAS speed; a Numba loop would be
slower. ``linear`` adds the bias in place into the product (one pass, no temporary).

Threads: a product of fewer than ``blas.SERIAL_FLOPS`` FLOPs runs with one BLAS thread
unless the user set a thread count with ``set_num_threads`` (see ``kernels.blas``, and
docs/design-notes/shape-and-index.md for the measurements behind that rule). The result
is the same either way.
"""
import numpy as np

from . import blas

__all__ = ["matmul", "linear", "matmul_flops"]


def matmul_flops(sa, sb):
    """2*m*n*k times the batch size for ``(..., m, k) @ (..., k, n)`` (1-d operands count
    as a single row / column). Only sizes the thread choice; garbage in, garbage out."""
    if not sa or not sb:
        return 0
    k = sa[-1]
    m = sa[-2] if len(sa) > 1 else 1
    n = sb[-1] if len(sb) > 1 else 1
    f = 2 * m * n * k
    for d in (sa[:-2] if len(sa) > len(sb) else sb[:-2]):  # the longer batch shape
        f *= d
    return f


def matmul(a, b, op="matmul"):
    """``a @ b`` with numpy's semantics; a shape mismatch names ``op`` and both shapes."""
    try:
        if a.ndim == 2 and b.ndim == 2:  # the common case, inline (tiny products matter)
            sa = a.shape
            f = 2 * sa[0] * sa[1] * b.shape[1]
            if f <= blas.OPENBLAS_SERIAL_GEMM_FLOPS:  # one thread anyway: skip the switch
                return np.matmul(a, b)
        else:
            f = matmul_flops(a.shape, b.shape)
        return blas.run_serial_if_small(f, np.matmul, a, b)
    except ValueError:
        raise ValueError(_mismatch(op, a.shape, b.shape)) from None


def _mismatch(op, sa, sb):
    """Why ``sa @ sb`` fails: the contracted sizes differ, or the batch dims don't broadcast."""
    k_a = sa[-1] if sa else "?"
    k_b = sb[-2] if len(sb) > 1 else sb[0] if sb else "?"
    head = f"{op}: shapes {tuple(sa)} and {tuple(sb)} cannot be multiplied"
    if k_a != k_b:
        return f"{head} ({k_a} != {k_b})"
    ba, bb = tuple(sa[:-2]), tuple(sb[:-2])
    return f"{head}: batch dimensions {ba} and {bb} cannot be broadcast together"


def linear(x, w, b=None):
    """``x @ w.T + b`` for x (..., in), w (out, in), b (out,) or None."""
    wt = w.T
    f = 2 * x.size * w.shape[0]  # x.size = batch * in
    if f <= blas.OPENBLAS_SERIAL_GEMM_FLOPS and x.ndim == 2:
        out = np.matmul(x, wt)
    else:
        out = blas.run_serial_if_small(f, np.matmul, x, wt)
    if b is not None:
        if out.dtype == np.result_type(out, b):
            out += b
        else:
            out = out + b
    return out
