"""Vector p-norms over dims: ``norm(p, dims)``, a primitive for stability (scaling by the
largest magnitude where squares would overflow or underflow) and for PyTorch's
subgradient at the zero vector (0, not NaN).

p: any positive float, ``inf`` (max |x|), ``-inf`` (min |x|), 0 (number of non-zeros,
gradient 0), negative floats; 'fro' is p=2. Negative p and +-inf have no value on an
empty slice and raise, as in PyTorch; the others give 0 there. Shapes: S over dims D -> S without D (or
with D set to 1 under keepdim). The Tensor method lives in ``reduce.ReduceMethods``.
"""
import numpy as np

from ..function import Function
from .minmax import keep_shape, check_nonempty
from .registry import register

__all__ = ["Norm", "norm_order"]


def norm_order(p):
    """The numeric order for ``p`` (a number, 'fro'); raises ValueError naming norm."""
    if p == "fro":
        return 2.0
    if isinstance(p, str):
        if p == "nuc":
            raise NotImplementedError("norm: the nuclear norm (p='nuc') is not supported")
        raise ValueError(f"norm: unknown order p={p!r}; expected a number, inf or 'fro'")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"norm: p must be a number or 'fro', got {type(p).__name__}")
    p = float(p)
    if np.isnan(p):
        raise ValueError("norm: p must not be NaN")
    return p


def _pnorm(a, p, dims, keepdim):
    """(sum |a|^p)^(1/p), computed as m * (sum (|a|/m)^p)^(1/p) with m = max |a| per
    slice, so that neither huge nor tiny entries overflow or underflow."""
    ax = np.asarray(np.abs(a))
    m = np.asarray(np.max(ax, axis=dims, keepdims=True, initial=0))  # 0: empty slices
    m[(m == 0) | ~np.isfinite(m)] = 1  # all-zero slices stay 0; inf/NaN propagate below
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ax /= m
        y = np.sum(ax ** p, axis=dims, keepdims=True) ** (1.0 / p) * m
    return y if keepdim else y.reshape([s for i, s in enumerate(y.shape) if i not in dims])


@register("norm", "reduce")
class Norm(Function):
    """p-norm of the entries over ``dims`` (a tuple of axes)."""

    def forward(self, a, p, dims, keepdim):
        if p < 0 or p == np.inf:  # min/max-like: no identity on an empty slice (PyTorch raises)
            check_nonempty("norm", a, dims)
        self.p, self.dims, self.keepdim = p, dims, keepdim
        if p == 2:
            with np.errstate(over="ignore", under="ignore"):
                y = np.sqrt(np.sum(np.square(a), axis=dims, keepdims=keepdim))
            bad = (y == 0) | ~np.isfinite(y)
            if np.any(bad) and a.size:  # overflow or underflow of the squares: rescale
                y = _pnorm(a, p, dims, keepdim)
        elif p == 1:
            y = np.sum(np.abs(a), axis=dims, keepdims=keepdim)
        elif p == np.inf:
            y = np.max(np.abs(a), axis=dims, keepdims=keepdim)
        elif p == -np.inf:
            y = np.min(np.abs(a), axis=dims, keepdims=keepdim)
        elif p == 0:
            y = np.count_nonzero(a, axis=dims, keepdims=keepdim).astype(a.dtype)
        elif p < 0:
            with np.errstate(divide="ignore", over="ignore"):
                y = np.sum(np.abs(a) ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)
        else:
            y = _pnorm(a, p, dims, keepdim)
        y = np.asarray(y, dtype=a.dtype)
        self.save_for_backward(a, y)
        return y

    def backward(self, g):
        x, y = self.saved_tensors
        p = self.p
        kshape = keep_shape(x.shape, self.dims)
        if not self.keepdim:
            g, y = g.reshape(kshape), y.reshape(kshape)
        xa = x._data
        dt = xa.dtype
        if p == 0:
            return g * x._make(np.zeros(xa.shape, dtype=dt))
        s = x._make(np.sign(xa))  # constant: the norm is piecewise smooth in x
        if p == 1:
            return g * s
        if p in (np.inf, -np.inf):
            return g * x._make(self._extreme_weights(xa, y._data))
        # d/dx (sum |x|^p)^(1/p) = sign(x) |x|^(p-1) / y^(p-1). Where y == 0 (the zero
        # vector) the +1 below makes the denominator 1 and x = 0 gives 0: PyTorch's
        # subgradient. Where x == 0, sign(x) = 0 zeroes |x|^(p-1) even for p < 1.
        ys = y + x._make((y._data == 0).astype(dt))
        if p == 2:
            return x * (g / ys)
        if p < 0:  # a zero entry makes y = 0 for p < 0, flat in the other entries
            g = g * x._make((y._data != 0).astype(dt))
        xs = x * s + x._make((xa == 0).astype(dt))  # |x| with zeros replaced by 1
        return g * s * xs ** (p - 1) / ys ** (p - 1)

    def array_backward(self, g):
        # backward above on arrays, op for op (Tensor + - * / and ** are the ufuncs here)
        x, y = self.saved_arrays
        p = self.p
        if not self.keepdim:
            kshape = keep_shape(x.shape, self.dims)
            g, y = g.reshape(kshape), y.reshape(kshape)
        dt = x.dtype
        if p == 0:
            return np.multiply(g, np.zeros(x.shape, dtype=dt))
        s = np.sign(x)
        if p == 1:
            return np.multiply(g, s)
        if p in (np.inf, -np.inf):
            return np.multiply(g, self._extreme_weights(x, y))
        ys = np.add(y, (y == 0).astype(dt))
        if p == 2:
            with np.errstate(divide="ignore", invalid="ignore"):  # as Div
                q = np.true_divide(g, ys)
            return np.multiply(x, q)
        if p < 0:
            g = np.multiply(g, (y != 0).astype(dt))
        xs = np.add(np.multiply(x, s), (x == 0).astype(dt))
        t = np.multiply(np.multiply(g, s), _pow(xs, p - 1))
        with np.errstate(divide="ignore", invalid="ignore"):  # as Div
            return np.true_divide(t, _pow(ys, p - 1))

    def _extreme_weights(self, x, y):
        """p = +-inf: sign(x) shared among a slice's tied extremes of |x|, x's dtype."""
        mask = np.abs(x) == y
        w = np.sign(x) * mask / np.maximum(mask.sum(axis=self.dims, keepdims=True), 1)
        return w.astype(x.dtype, copy=False)


def _pow(a, e):
    """``PowScalar.forward`` (Tensor ``a ** e`` for a float e) on arrays."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.power(a, e)
    return out.astype(a.dtype, copy=False)
