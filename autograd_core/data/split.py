"""Splitting data: ``random_split`` (datasets), ``train_dev_test_split`` (arrays), ``KFold``.

Randomness follows the loader's rule: a ``seed=`` (or a numpy ``generator=``) gives a
private generator; without either, the global ``autograd_core.random`` generator is
used, so ``manual_seed`` reproduces the split.
"""
import math
import numbers

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from .dataset import Subset

__all__ = ["random_split", "train_dev_test_split", "KFold", "split_sizes"]


def _rng(generator, seed, what):
    if generator is not None and seed is not None:
        raise ValueError(f"{what}: pass generator= or seed=, not both")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"{what}: seed must be a non-negative int, got {seed!r}")
        return np.random.default_rng(int(seed))
    if generator is not None:
        if not isinstance(generator, (np.random.Generator, _random.Stream)):
            raise TypeError(f"{what}: generator must be an autograd_core.Generator or a "
                            f"numpy.random.Generator, got {type(generator).__name__}")
        return _random.numpy_rng(generator, what)
    return _random.default_generator()


def split_sizes(n, lengths, what="split"):
    """Integer part sizes for ``n`` items from ``lengths``: ints summing to ``n``, or
    fractions summing to 1 (each part gets ``floor(n * f)``; the remainder is handed
    out one by one from the first part on, as PyTorch's ``random_split`` does)."""
    lengths = list(lengths)
    if not lengths:
        raise ValueError(f"{what}: lengths must not be empty")
    if all(isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in lengths):
        if any(x < 0 for x in lengths):
            raise ValueError(f"{what}: lengths must be non-negative, got {lengths}")
        if sum(lengths) != n:
            raise ValueError(
                f"{what}: sum of input lengths {sum(lengths)} does not equal the length of "
                f"the input dataset ({n})"
            )
        return [int(x) for x in lengths]
    fr = [float(x) for x in lengths]
    if any(not (0.0 <= f <= 1.0) for f in fr) or not math.isclose(sum(fr), 1.0, abs_tol=1e-6):
        raise ValueError(
            f"{what}: fractions must each lie in [0, 1] and sum to 1, got {lengths}"
        )
    sizes = [int(math.floor(n * f)) for f in fr]
    for i in range(n - sum(sizes)):
        sizes[i % len(sizes)] += 1
    return sizes


def random_split(dataset, lengths, generator=None, seed=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths
    (ints summing to ``len(dataset)`` or fractions summing to 1)."""
    n = len(dataset)
    sizes = split_sizes(n, lengths, "random_split")
    perm = _rng(generator, seed, "random_split").permutation(n)
    out, start = [], 0
    for s in sizes:
        out.append(Subset(dataset, perm[start:start + s]))
        start += s
    return out


def _array(x, what):
    if isinstance(x, Tensor):
        return x._data, True
    if isinstance(x, np.ndarray):
        return x, False
    raise TypeError(f"train_dev_test_split: {what} must be a Tensor or ndarray, got {type(x).__name__}")


def train_dev_test_split(X, y, fractions=(0.8, 0.1, 0.1), seed=None, stratify=False,
                         generator=None):
    """Shuffle and split paired samples into train, dev (validation) and test parts.

    Args:
        X: shape ``(N, ...)``; y: shape ``(N, ...)`` (Tensors or ndarrays).
        fractions: three fractions summing to 1 (sizes as in ``split_sizes``).
        stratify: split every class of ``y`` (1-d labels) separately with the same
            fractions, so each part keeps the class proportions.

    Returns ``((X_train, y_train), (X_dev, y_dev), (X_test, y_test))``, each of the
    input's type (Tensor or ndarray), the rows of each part in random order.
    """
    xa, x_is_t = _array(X, "X")
    ya, y_is_t = _array(y, "y")
    if xa.ndim == 0 or ya.ndim == 0 or xa.shape[0] != ya.shape[0]:
        raise ValueError(
            f"train_dev_test_split: X and y need the same first dimension, got shapes "
            f"{tuple(xa.shape)} and {tuple(ya.shape)}"
        )
    if len(fractions) != 3:
        raise ValueError(f"train_dev_test_split: fractions must have 3 entries, got {fractions}")
    fr = tuple(float(f) for f in fractions)
    split_sizes(0, fr, "train_dev_test_split")  # validates the fractions
    rng = _rng(generator, seed, "train_dev_test_split")
    n = xa.shape[0]
    if stratify:
        if ya.ndim != 1:
            raise ValueError(f"train_dev_test_split: stratify needs 1-d labels, got shape {tuple(ya.shape)}")
        # Give each sample its relative rank (j + 0.5) / n_c inside its shuffled class
        # and cut the samples sorted by that rank: the parts get exactly the sizes of an
        # unstratified split and each class's share of a part is within one sample of
        # its fraction.
        keys = np.empty(n, dtype=np.float64)
        for c in np.unique(ya):
            members = np.flatnonzero(ya == c)
            members = members[rng.permutation(len(members))]
            keys[members] = (np.arange(len(members)) + 0.5) / len(members)
        order = np.lexsort((rng.permutation(n), keys))
    else:
        order = rng.permutation(n)
    idx, start = [], 0
    for s in split_sizes(n, fr):
        part = order[start:start + s]
        idx.append(part[rng.permutation(len(part))] if stratify else part)
        start += s

    def pick(a, is_t, i):
        out = np.take(a, i, axis=0)
        return Tensor._make(out) if is_t else out

    return tuple((pick(xa, x_is_t, i), pick(ya, y_is_t, i)) for i in idx)


class KFold:
    """K-fold cross-validation indices.

    ``split(X)`` (``X`` anything with ``len``, or an int) yields ``n_splits`` pairs
    ``(train_idx, val_idx)`` of int64 index arrays; every sample is in exactly one
    validation fold; the first ``N % n_splits`` folds have one sample more.
    With ``shuffle=True`` the samples are permuted first (by ``seed``, or the global
    generator if no seed is given); ``seed`` without ``shuffle`` is an error, since it
    would have no effect.
    """

    def __init__(self, n_splits=5, shuffle=False, seed=None):
        if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral) or n_splits < 2:
            raise ValueError(f"KFold: n_splits must be an int >= 2, got {n_splits!r}")
        if seed is not None and not shuffle:
            raise ValueError("KFold: seed has no effect unless shuffle=True")
        if seed is not None:
            _rng(None, seed, "KFold")
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.seed = seed

    def get_n_splits(self, X=None):
        return self.n_splits

    def split(self, X):
        n = int(X) if isinstance(X, numbers.Integral) else len(X)
        if n < self.n_splits:
            raise ValueError(
                f"KFold: cannot have n_splits={self.n_splits} greater than the number of samples {n}"
            )
        order = np.arange(n, dtype=np.int64)
        if self.shuffle:
            order = order[_rng(None, self.seed, "KFold").permutation(n)]
        sizes = np.full(self.n_splits, n // self.n_splits, dtype=np.int64)
        sizes[: n % self.n_splits] += 1
        start = 0
        for s in sizes:
            val = order[start:start + s]
            train = np.concatenate([order[:start], order[start + s:]])
            yield train, val
            start += s

    def __repr__(self):
        return f"KFold(n_splits={self.n_splits}, shuffle={self.shuffle}, seed={self.seed})"
