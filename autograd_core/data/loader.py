"""``DataLoader``: batches of a dataset, optionally shuffled, reproducibly.

Shuffling draws one permutation per pass (per ``iter(loader)``) from:

- the loader's own ``numpy.random.Generator`` when ``seed=`` or ``generator=`` is given
  (so the sequence of epoch orders is fixed by that seed alone), or
- ``autograd_core.random.default_generator()`` otherwise, looked up at the start of
  each pass, so ``autograd_core.manual_seed(s)`` reproduces a whole run.

A ``TensorDataset`` (or a ``Subset`` of one) is batched by fancy-indexing its arrays
once per batch; any other dataset is read item by item and collated.
"""
import numbers

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from .dataset import has_fast_take

__all__ = ["DataLoader", "default_collate"]


def default_collate(items):
    """Stack a list of samples into a batch.

    Samples that are tuples/lists give a tuple of batches (one per field), dicts a dict;
    Tensors, arrays and numbers are stacked along a new first dimension into a Tensor
    (Python floats become float32, ints int64).
    """
    first = items[0]
    if isinstance(first, (tuple, list)):
        n = len(first)
        if any(len(it) != n for it in items):
            raise ValueError("default_collate: samples have different numbers of fields")
        return tuple(default_collate([it[k] for it in items]) for k in range(n))
    if isinstance(first, dict):
        return {k: default_collate([it[k] for it in items]) for k in first}
    if isinstance(first, Tensor):
        arrs = [it._data for it in items]
    elif isinstance(first, (np.ndarray, np.generic)):
        arrs = [np.asarray(it) for it in items]
    elif isinstance(first, bool):
        return Tensor._make(np.asarray(items, dtype=np.bool_))
    elif isinstance(first, numbers.Integral):
        return Tensor._make(np.asarray(items, dtype=np.int64))
    elif isinstance(first, numbers.Real):
        return Tensor._make(np.asarray(items, dtype=np.float32))
    else:
        raise TypeError(
            f"default_collate: cannot batch samples of type {type(first).__name__}; "
            "pass collate_fn="
        )
    shapes = {a.shape for a in arrs}
    if len(shapes) > 1:
        raise ValueError(f"default_collate: samples have different shapes {sorted(shapes)}")
    return Tensor._make(np.stack(arrs))


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"DataLoader: {name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"DataLoader: {name} must be >= {minimum}, got {value}")
    return int(value)


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style dataset (``len`` and integer ``__getitem__``).
        batch_size: samples per batch (the last batch may be smaller); ``None`` yields
            single samples, uncollated.
        shuffle: draw a fresh permutation at the start of every pass.
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        generator: an ``autograd_core.Generator`` (or a ``numpy.random.Generator``) for
            shuffling.
        seed: shorthand for ``generator=numpy.random.default_rng(seed)``.
        collate_fn: turns a list of samples into a batch (default ``default_collate``).

    Yields, for a ``TensorDataset(X, y)`` with ``X`` of shape ``(N, ...)``: tuples
    ``(xb, yb)`` of Tensors with ``xb.shape == (B, ...)``, ``B <= batch_size``.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False,
                 generator=None, seed=None, collate_fn=None):
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(
                f"DataLoader: dataset must define __len__ and __getitem__, got {type(dataset).__name__}"
            )
        if batch_size is not None:
            batch_size = _check_int("batch_size", batch_size, 1)
        elif drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass generator= or seed=, not both")
        if generator is not None and not isinstance(generator, (np.random.Generator,
                                                                 _random.Stream)):
            raise TypeError(
                f"DataLoader: generator must be an autograd_core.Generator or a "
                f"numpy.random.Generator, got {type(generator).__name__}"
            )
        if seed is not None:
            seed = _check_int("seed", seed, 0)
            generator = np.random.default_rng(seed)
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn
        self._fast = collate_fn is None and batch_size is not None and has_fast_take(dataset)

    def __len__(self):
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        rng = _random.numpy_rng(self.generator, "DataLoader")  # read now: reseeding counts
        return rng.permutation(n).astype(np.int64, copy=False)

    def __iter__(self):
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield self.dataset[int(i)]
            return
        bs = self.batch_size
        stop = len(self) * bs
        collate = self.collate_fn or default_collate
        for start in range(0, min(stop, len(order)), bs):
            idx = order[start:start + bs]
            if self._fast:
                yield self.dataset.take(idx)
            else:
                yield collate([self.dataset[int(i)] for i in idx])

    def __repr__(self):
        return (f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")
