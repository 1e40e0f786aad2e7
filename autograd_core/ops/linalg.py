"""Matrix products: ``matmul`` (1-d, 2-d, batched with broadcast batch dims) and the
fused ``linear`` (x @ W.T + b in one node: one BLAS call plus an in-place bias add).

Forward and backward go through ``kernels.matmul`` (numpy's BLAS); transposed operands
are passed as views so BLAS reads them with its transpose flag, without a copy.
"""
import numpy as np

from ..function import Function
from ..kernels import matmul as K
from .registry import register

__all__ = ["MatMul", "Linear", "LinalgMethods"]


def _mT(t):
    return t.transpose(-1, -2)


@register("matmul", "linalg")
class MatMul(Function):
    stores_attributes = False

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(
                f"matmul: both arguments need at least 1 dimension, got shapes "
                f"{tuple(a.shape)} and {tuple(b.shape)}"
            )
        self.save_for_backward(a, b)
        return K.matmul(a, b, "matmul")

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:
            return (g * b if na else None), (g * a if nb else None)
        if a.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
            g2 = g.unsqueeze(-2)  # (..., 1, m)
            ga = (g2 @ _mT(b)) if na else None  # (..., 1, k): the engine sums it to (k,)
            gb = (a.unsqueeze(-1) @ g2) if nb else None
            return ga, gb
        if b.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
            g2 = g.unsqueeze(-1)  # (..., n, 1)
            ga = (g2 @ b.unsqueeze(-2)) if na else None
            gb = (_mT(a) @ g2).squeeze(-1) if nb else None
            return ga, gb
        ga = g @ _mT(b) if na else None
        gb = _mT(a) @ g if nb else None
        return ga, gb

    def array_backward(self, g):
        # backward above on arrays: same products, transposes as views (no copies)
        a, b = self.saved_arrays
        na, nb = self.needs_input_grad
        mm = K.matmul
        if a.ndim == 1 and b.ndim == 1:
            return (np.multiply(g, b) if na else None), (np.multiply(g, a) if nb else None)
        if a.ndim == 1:
            g2 = g[..., None, :]
            return (mm(g2, np.swapaxes(b, -1, -2)) if na else None,
                    mm(a[:, None], g2) if nb else None)
        if b.ndim == 1:
            g2 = g[..., :, None]
            return (mm(g2, b[None, :]) if na else None,
                    mm(np.swapaxes(a, -1, -2), g2)[..., 0] if nb else None)
        return (mm(g, np.swapaxes(b, -1, -2)) if na else None,
                mm(np.swapaxes(a, -1, -2), g) if nb else None)


@register("linear", "linalg")
class Linear(Function):
    """``x @ W.T + b`` for x of shape (..., in), W (out, in), b (out,) or absent."""

    stores_attributes = False

    def forward(self, x, w, b=None):
        if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1] or (
            b is not None and b.shape != (w.shape[0],)
        ):
            bs = "" if b is None else f", bias {tuple(b.shape)}"
            raise ValueError(
                f"linear: input {tuple(x.shape)} and weight {tuple(w.shape)}{bs} do not fit: "
                f"expected input (..., {w.shape[-1] if w.ndim else '?'}), weight (out, in), bias (out,)"
            )
        self.save_for_backward(x, w)
        return K.linear(x, w, b)

    def backward(self, g):
        x, w = self.saved_tensors
        need = self.needs_input_grad
        gx = g @ w if need[0] else None
        gw = gb = None
        if need[1]:
            if x.ndim == 1:
                gw = g.unsqueeze(-1) @ x.unsqueeze(0)
            else:
                g2 = g.reshape(-1, g.shape[-1])
                gw = _mT(g2) @ x.reshape(-1, x.shape[-1])
        if len(need) > 2 and need[2]:
            gb = g  # the engine sums it over the batch dimensions
        return (gx, gw, gb) if len(need) > 2 else (gx, gw)

    def array_backward(self, g):
        x, w = self.saved_arrays
        need = self.needs_input_grad
        gx = K.matmul(g, w) if need[0] else None
        gw = None
        if need[1]:
            if x.ndim == 1:
                gw = K.matmul(g[:, None], x[None, :])
            else:
                gw = K.matmul(g.reshape(-1, g.shape[-1]).T, x.reshape(-1, x.shape[-1]))
        if len(need) > 2:
            return gx, gw, (g if need[2] else None)
        return gx, gw


class LinalgMethods:
    __slots__ = ()

    def matmul(self, other):
        """Matrix product with numpy's semantics (1-d operands, broadcast batch dims)."""
        return self._apply(MatMul, self, self._to_tensor(other))

    __matmul__ = matmul

    def __rmatmul__(self, other):
        return self._apply(MatMul, self._to_tensor(other), self)

    def mm(self, other):
        if self.ndim != 2 or getattr(other, "ndim", 0) != 2:
            raise RuntimeError(f"mm: expected 2-D tensors, got {self.ndim}-D and {getattr(other, 'ndim', 0)}-D")
        return self.matmul(other)

    def dot(self, other):
        if self.ndim != 1 or getattr(other, "ndim", 0) != 1:
            raise RuntimeError("dot: expected 1-D tensors")
        return self.matmul(other)

    def _linear(self, weight, bias=None):
        if bias is None:
            return self._apply(Linear, self, weight)
        return self._apply(Linear, self, weight, bias)


def matmul(input, other):
    """Matrix product with numpy's semantics: 1-d operands, broadcast batch dimensions.
    Shapes (..., n, k) @ (..., k, m) -> (..., n, m)."""
    if not hasattr(input, "_apply"):
        return other.__rmatmul__(input)
    return input.matmul(other)


def mm(input, mat2):
    """(n, k) @ (k, m) -> (n, m); both must be 2-d."""
    return input.mm(mat2)


def dot(input, other):
    """Inner product of two 1-d tensors -> 0-d."""
    return input.dot(other)


__all__ += ["matmul", "mm", "dot"]
