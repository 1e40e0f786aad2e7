"""Datasets: anything with ``__len__`` and ``__getitem__``; ``TensorDataset`` and ``Subset``.

Data tensors are treated as constants: items and batches never carry a graph (a
dataset that holds tensors requiring grad hands out detached slices of them).
"""
import numpy as np

from ..tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "as_index_array", "has_fast_take"]


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


def _as_tensor(x, what):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._make(x)
    raise TypeError(f"{what}: expected Tensors or numpy arrays, got {type(x).__name__}")


def as_index_array(indices, n, what):
    """``indices`` as an int64 array, checked to lie in ``[-n, n)`` (negatives wrap)."""
    idx = np.asarray(indices)
    if idx.size == 0:
        return np.zeros(0, dtype=np.int64)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{what}: indices must be integers, got dtype {idx.dtype}")
    idx = idx.astype(np.int64, copy=False).reshape(-1)
    lo, hi = idx.min(), idx.max()
    if lo < -n or hi >= n:
        bad = lo if lo < -n else hi
        raise IndexError(f"{what}: index {int(bad)} is out of range for a dataset of length {n}")
    return np.where(idx < 0, idx + n, idx)


class TensorDataset(Dataset):
    """Samples of several tensors that share their first dimension.

    ``TensorDataset(X, y)`` with ``X`` of shape ``(N, ...)`` and ``y`` of shape
    ``(N, ...)``: item ``i`` is the tuple ``(X[i], y[i])``. numpy arrays are accepted and
    wrapped without copying.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: at least one tensor is required")
        ts = tuple(_as_tensor(t, "TensorDataset") for t in tensors)
        for i, t in enumerate(ts):
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-d; every tensor needs a first (sample) dimension")
        sizes = [t.shape[0] for t in ts]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: first dimensions are {sizes}"
            )
        self.tensors = ts

    def __len__(self):
        return self.tensors[0].shape[0]

    def __getitem__(self, index):
        return tuple(Tensor._make(t._data[index]) for t in self.tensors)

    def take(self, idx):
        """A batch as a tuple of Tensors: rows ``idx`` (an int array) of every tensor.

        This is the loader's fast path: one fancy-index per tensor, no per-item loop.
        """
        return tuple(Tensor._make(np.take(t._data, idx, axis=0)) for t in self.tensors)

    def __repr__(self):
        shapes = ", ".join(str(tuple(t.shape)) for t in self.tensors)
        return f"TensorDataset({shapes})"


class Subset(Dataset):
    """The items of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = as_index_array(indices, len(dataset), "Subset")

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[int(i)] for i in self.indices[index]]
        return self.dataset[int(self.indices[index])]

    def take(self, idx):
        """Batch fast path; only valid when ``has_fast_take(self)`` (a TensorDataset beneath)."""
        return self.dataset.take(self.indices[idx])

    def __repr__(self):
        return f"Subset({self.dataset!r}, {len(self)} items)"


def has_fast_take(dataset):
    """Whether ``dataset`` is a TensorDataset, possibly under Subsets, so that a whole
    batch can be gathered with ``dataset.take(indices)``."""
    while isinstance(dataset, Subset):
        dataset = dataset.dataset
    return isinstance(dataset, TensorDataset)
