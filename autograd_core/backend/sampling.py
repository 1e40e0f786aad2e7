"""Sampling on arrays: categorical draws (``multinomial``) and Bernoulli draws, from a
``numpy.random.Generator`` handed in by the caller (``random.numpy_rng``)."""
import numpy as np

from .namespace import ARRAYS

define = ARRAYS.define


@define("multinomial")
def multinomial(rng, probs, num_samples, replacement):
    """int64 category indices, shape ``probs.shape[:-1] + (num_samples,)``, drawn from the
    rows of ``probs`` (non-negative, finite, positive row sums; the caller checked).

    With replacement: inverse CDF of one uniform per sample (float64 cumulative sums, so
    float32 rows do not drift). Without: the exponential race (the ``num_samples``
    smallest of E_i / p_i, E_i ~ Exp(1)), which is sampling one category at a time
    without replacement; zero-probability categories come last, in index order, as
    PyTorch takes them once the others are used up."""
    p = probs.reshape(-1, probs.shape[-1]).astype(np.float64)
    rows, n = p.shape
    if replacement:
        cdf = np.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        u = rng.random((rows, num_samples))
        # one searchsorted for all rows: row r's cdf and draws shifted by r
        shift = np.arange(rows, dtype=np.float64)[:, None]
        out = np.searchsorted((cdf + shift).ravel(), (u + shift).ravel(), side="right")
        out = out.reshape(rows, num_samples) - np.arange(rows)[:, None] * n
        # side="right" skips zero-probability categories (empty [cdf[i-1], cdf[i])); a
        # draw that rounding pushes past the row's end goes to its last positive one
        last = n - 1 - np.argmax(p[:, ::-1] > 0, axis=1)
        out = np.minimum(out, last[:, None]).astype(np.int64)
    else:
        e = rng.standard_exponential((rows, n))
        keys = np.where(p > 0, e / np.where(p > 0, p, 1.0), np.inf)
        out = np.argsort(keys, axis=1, kind="stable")[:, :num_samples].astype(np.int64)
    return out.reshape(probs.shape[:-1] + (num_samples,))


@define("bernoulli")
def bernoulli(rng, p, dtype):
    """1 with probability ``p`` (an array; the caller checked [0, 1]), else 0, in
    ``dtype`` and ``p``'s shape."""
    p = np.asarray(p)
    return (rng.random(p.shape) < p).astype(dtype)


@define("bernoulli_p")
def bernoulli_p(rng, shape, p, dtype):
    """``bernoulli`` of one probability ``p`` for every entry of ``shape``."""
    return (rng.random(shape) < p).astype(dtype)


@define("all_finite_nonneg")
def all_finite_nonneg(p):
    """Whether every entry is finite and >= 0 (NaN fails)."""
    return bool(np.all(np.isfinite(p) & (p >= 0)))


@define("rows_positive")
def rows_positive(p):
    """Whether every row (last dim) has a positive sum."""
    return bool(np.all(p.sum(axis=-1, dtype=np.float64) > 0))


@define("all_in_unit")
def all_in_unit(p):
    """Whether every entry lies in [0, 1] (NaN fails)."""
    return bool(np.all((p >= 0) & (p <= 1)))
