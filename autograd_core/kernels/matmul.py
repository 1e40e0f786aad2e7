"""Matrix-product kernels: numpy's BLAS (float32 sgemm / float64 dgemm).

numpy's ``matmul`` hands 2-d operands, transposed views included, to BLAS with the
transpose flag instead of copying, so it is already at BLAS speed; a Numba loop would be
slower. ``linear`` adds the bias in place into the product (one pass, no temporary).
"""
import numpy as np

__all__ = ["matmul", "linear"]


def matmul(a, b, op="matmul"):
    """``a @ b`` with numpy's semantics; a shape mismatch names ``op`` and both shapes."""
    try:
        return np.matmul(a, b)
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
    if x.ndim == 2:
        out = x @ w.T
    else:
        out = np.matmul(x, w.T)
    if b is not None:
        if out.dtype == np.result_type(out, b):
            out += b
        else:
            out = out + b
    return out
