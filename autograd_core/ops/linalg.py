"""Matrix products: ``matmul`` (1-d, 2-d, batched with broadcast batch dims) and the
fused ``linear`` (x @ W.T + b in one node: one BLAS call plus an in-place bias add).

Forward and backward call ``F.matmul`` / ``F.linear`` (numpy's BLAS, ``backend/linalg.py``);
transposed operands are passed as views so BLAS reads them with its transpose flag,
without a copy.
"""
import math

from ..function import Primitive
from .registry import register
from ..tensor_type import is_tensor

__all__ = ["MatMul", "Linear", "LinalgMethods"]


def _mT(F, x):
    """The last two dims swapped: a view, so the product reads it with BLAS's transpose
    flag instead of copying."""
    dims = list(range(x.ndim))
    dims[-2], dims[-1] = dims[-1], dims[-2]
    return F.permute(x, dims=tuple(dims))


def _unsqueeze(F, x, d):
    """``x`` with a size-1 dim inserted at ``d`` (a negative ``d`` counts from the end)."""
    d = d % (x.ndim + 1)
    return F.reshape(x, shape=x.shape[:d] + (1,) + x.shape[d:])


@register("matmul", "linalg")
class MatMul(Primitive):
    stores_attributes = False

    def forward(self, F, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(
                f"matmul: both arguments need at least 1 dimension, got shapes "
                f"{tuple(a.shape)} and {tuple(b.shape)}"
            )
        self.save_for_backward(a, b)
        return F.matmul(a, b)

    def backward(self, F, g):
        a, b = F.saved(self)
        na, nb = self.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:
            return (F.mul(g, b) if na else None), (F.mul(g, a) if nb else None)
        if a.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
            g2 = _unsqueeze(F, g, -2)  # (..., 1, m)
            ga = F.matmul(g2, _mT(F, b)) if na else None  # (..., 1, k): the engine sums it
            gb = F.matmul(_unsqueeze(F, a, -1), g2) if nb else None
            return ga, gb
        if b.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
            g2 = _unsqueeze(F, g, -1)  # (..., n, 1)
            ga = F.matmul(g2, _unsqueeze(F, b, 0)) if na else None
            gb = None
            if nb:
                gb = F.matmul(_mT(F, a), g2)  # (..., k, 1)
                gb = F.reshape(gb, shape=gb.shape[:-1])
            return ga, gb
        ga = F.matmul(g, _mT(F, b)) if na else None
        gb = F.matmul(_mT(F, a), g) if nb else None
        return ga, gb


@register("linear", "linalg")
class Linear(Primitive):
    """``x @ W.T + b`` for x of shape (..., in), W (out, in), b (out,) or absent."""

    stores_attributes = False

    def forward(self, F, x, w, b=None):
        if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1] or (
            b is not None and b.shape != (w.shape[0],)
        ):
            bs = "" if b is None else f", bias {tuple(b.shape)}"
            raise ValueError(
                f"linear: input {tuple(x.shape)} and weight {tuple(w.shape)}{bs} do not fit: "
                f"expected input (..., {w.shape[-1] if w.ndim else '?'}), weight (out, in), bias (out,)"
            )
        self.save_for_backward(x, w)
        return F.linear(x, w, b)

    def backward(self, F, g):
        x, w = F.saved(self)
        need = self.needs_input_grad
        gx = F.matmul(g, w) if need[0] else None
        gw = None
        if need[1]:
            if x.ndim == 1:  # (out, 1) @ (1, in)
                gw = F.matmul(_unsqueeze(F, g, -1), _unsqueeze(F, x, 0))
            else:  # the batch dims flattened: (out, batch) @ (batch, in)
                g2, x2 = g, x
                if g.ndim != 2:
                    g2 = F.reshape(g, shape=(math.prod(g.shape[:-1]), g.shape[-1]))
                    x2 = F.reshape(x, shape=(math.prod(x.shape[:-1]), x.shape[-1]))
                gw = F.matmul(_mT(F, g2), x2)
        if len(need) > 2:
            return gx, gw, (g if need[2] else None)  # the engine sums gb over the batch
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
    if not is_tensor(input):
        return other.__rmatmul__(input)
    return input.matmul(other)


def mm(input, mat2):
    """(n, k) @ (k, m) -> (n, m); both must be 2-d."""
    return input.mm(mat2)


def dot(input, other):
    """Inner product of two 1-d tensors -> 0-d."""
    return input.dot(other)


__all__ += ["matmul", "mm", "dot"]
