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
        raise ValueError(
            f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
            f"({a.shape[-1] if a.ndim else '?'} != {b.shape[-2] if b.ndim > 1 else b.shape[0] if b.ndim else '?'})"
        ) from None


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
