"""Sampling from a tensor of probabilities: ``multinomial`` and ``bernoulli`` (and the
in-place ``bernoulli_``), each taking ``generator=`` (an ``autograd_core.Generator``;
the global generator by default). The draws are not differentiable: results never
require grad. The array work is in ``backend/sampling.py``; ``randperm`` and ``normal``
(which make new tensors) are in ``creation.py``.
"""
from ..backend import ARRAYS
from ..random import numpy_rng
from ._dims import tensor_arg

__all__ = ["SamplingMethods", "multinomial", "bernoulli"]


def _probs_ok(op, p):
    """No NaN, no inf, no negative entry (PyTorch's wording)."""
    if p.size and not bool(ARRAYS.all_finite_nonneg(p)):
        raise ValueError(
            f"{op}: probability tensor contains either `inf`, `nan` or element < 0")


class SamplingMethods:
    """Tensor methods: multinomial, bernoulli, bernoulli_."""

    __slots__ = ()

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """int64 indices of ``num_samples`` categories drawn from each row of self (1-d:
        shape (num_samples,); 2-d (rows, n): (rows, num_samples)), category i with
        probability self[..., i] / row sum. Without ``replacement`` a category is drawn
        at most once per row."""
        p = self._data
        if p.dtype.kind != "f":
            raise TypeError(
                f"multinomial: input must be a floating point tensor of probabilities, got "
                f"dtype {p.dtype}")
        if p.ndim not in (1, 2):
            raise ValueError(
                f"multinomial: input (prob_dist) must be 1 or 2 dim, got shape {tuple(p.shape)}")
        if isinstance(num_samples, bool) or not hasattr(num_samples, "__index__"):
            raise TypeError(
                f"multinomial: num_samples must be an int, got {type(num_samples).__name__}")
        num_samples = num_samples.__index__()
        if num_samples <= 0:
            raise ValueError(
                f"multinomial: cannot sample num_samples={num_samples} <= 0 samples")
        n = p.shape[-1]
        if n == 0:
            raise ValueError("multinomial: input has no categories (last dim of size 0)")
        if not replacement and num_samples > n:
            raise ValueError(
                f"multinomial: cannot sample num_samples={num_samples} > input.size(-1)={n} "
                f"samples without replacement")
        rng = numpy_rng(generator, "multinomial")
        _probs_ok("multinomial", p)
        if p.size and not bool(ARRAYS.rows_positive(p)):
            raise ValueError(
                "multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
        return self._make(ARRAYS.multinomial(rng, p, num_samples, bool(replacement)))

    def bernoulli(self, p=None, *, generator=None):
        """0/1 draws in self's dtype and shape: 1 with probability self[i] (or ``p``)."""
        if p is not None:
            return self._make(ARRAYS.zeros(self.shape, self.dtype)).bernoulli_(
                p, generator=generator)
        if self._data.dtype.kind != "f":
            raise TypeError(
                f"bernoulli: input must be a floating point tensor of probabilities, got "
                f"dtype {self._data.dtype}")
        rng = numpy_rng(generator, "bernoulli")
        if self._data.size and not bool(ARRAYS.all_in_unit(self._data)):
            raise ValueError("bernoulli: expected all probabilities in input to be in [0, 1]")
        return self._make(ARRAYS.bernoulli(rng, self._data, self._data.dtype))

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill self in place with 0/1 draws, 1 with probability ``p`` (a number, or a
        tensor broadcast to self's shape)."""
        rng = numpy_rng(generator, "bernoulli_")
        if hasattr(p, "_data") or isinstance(p, (list, tuple)):
            pa = self._to_tensor(p)._data
            if pa.size and not bool(ARRAYS.all_in_unit(pa)):
                raise ValueError("bernoulli_: expected all probabilities in p to be in [0, 1]")
            draw = ARRAYS.bernoulli(rng, ARRAYS.expand(pa, shape=self.shape), self.dtype)
        else:
            p = float(p)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"bernoulli_: expects p to be in [0, 1], but got p={p}")
            draw = ARRAYS.bernoulli_p(rng, self.shape, p, self.dtype)
        return self.copy_(self._make(draw))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """See ``Tensor.multinomial``."""
    return tensor_arg("multinomial", input).multinomial(num_samples, replacement,
                                                        generator=generator)


def bernoulli(input, p=None, *, generator=None):
    """See ``Tensor.bernoulli``."""
    return tensor_arg("bernoulli", input).bernoulli(p, generator=generator)


