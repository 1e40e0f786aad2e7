"""Matrix products on arrays: numpy's BLAS through ``kernels.matmul`` (which chooses the
BLAS thread count); transposed operands arrive as views, which BLAS reads with its
transpose flag instead of a copy."""
from ..kernels import matmul as K
from .namespace import ARRAYS

define = ARRAYS.define


@define("matmul")
def matmul(a, b):
    """``a @ b`` with numpy's semantics; a shape mismatch names matmul and both shapes."""
    return K.matmul(a, b, "matmul")


define("linear", K.linear)  # x @ w.T + b in one product and an in-place bias add
