"""Datasets and DataLoader: batching, drop_last, reproducible shuffling, collation."""
import numpy as np
import pytest

import autograd_core as ac
from autograd_core.data import (DataLoader, Dataset, Subset, TensorDataset,
                                default_collate, random_split)


def _ds(n=10):
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(ac.tensor(X), ac.tensor(y))


class ListDataset(Dataset):
    """A non-tensor dataset: forces the per-item path and default_collate."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.full(2, i, dtype=np.float32), i


def test_tensor_dataset_items_and_errors():
    ds = _ds(4)
    assert len(ds) == 4
    x, y = ds[2]
    assert x.tolist() == [6.0, 7.0, 8.0] and y.item() == 2
    with pytest.raises(ValueError, match=r"size mismatch.*\[4, 3\]"):
        TensorDataset(ac.zeros(4, 2), ac.zeros(3))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(TypeError, match="Tensors or numpy arrays"):
        TensorDataset([1, 2, 3])
    # numpy arrays are wrapped without copying
    a = np.zeros((3, 2))
    assert TensorDataset(a).tensors[0].numpy() is a


def test_batches_in_order_with_last_partial_batch():
    dl = DataLoader(_ds(10), batch_size=4)
    batches = list(dl)
    assert len(dl) == 3 == len(batches)
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    xb, yb = batches[0]
    assert isinstance(xb, ac.Tensor) and xb.shape == (4, 3) and xb.dtype == np.float32
    assert yb.dtype == np.int64
    assert not xb.requires_grad and xb.grad_fn is None


def test_drop_last():
    dl = DataLoader(_ds(10), batch_size=4, drop_last=True)
    batches = list(dl)
    assert len(dl) == 2 == len(batches)
    assert all(b[0].shape[0] == 4 for b in batches)
    assert len(DataLoader(_ds(3), batch_size=4, drop_last=True)) == 0
    assert list(DataLoader(_ds(3), batch_size=4, drop_last=True)) == []


def test_shuffle_covers_every_sample_once_per_epoch_and_changes_between_epochs():
    dl = DataLoader(_ds(50), batch_size=7, shuffle=True, seed=3)
    e1 = np.concatenate([b[1].numpy() for b in dl])
    e2 = np.concatenate([b[1].numpy() for b in dl])
    assert sorted(e1) == list(range(50)) == sorted(e2)
    assert not np.array_equal(e1, e2)
    assert not np.array_equal(e1, np.arange(50))


def test_seeded_loader_is_reproducible_and_independent_of_global_rng():
    def run(seed):
        dl = DataLoader(_ds(30), batch_size=8, shuffle=True, seed=seed)
        return [np.concatenate([b[1].numpy() for b in dl]) for _ in range(3)]

    ac.manual_seed(1)
    a = run(5)
    ac.manual_seed(2)
    b = run(5)
    c = run(6)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_unseeded_loader_follows_manual_seed():
    def run():
        dl = DataLoader(_ds(30), batch_size=8, shuffle=True)
        return [np.concatenate([b[1].numpy() for b in dl]) for _ in range(2)]

    ac.manual_seed(11)
    a = run()
    ac.manual_seed(11)
    b = run()
    ac.manual_seed(12)
    c = run()
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_generator_argument():
    g1, g2 = np.random.default_rng(0), np.random.default_rng(0)
    o1 = [b[1].tolist() for b in DataLoader(_ds(9), batch_size=9, shuffle=True, generator=g1)]
    o2 = [b[1].tolist() for b in DataLoader(_ds(9), batch_size=9, shuffle=True, generator=g2)]
    assert o1 == o2
    with pytest.raises(ValueError, match="not both"):
        DataLoader(_ds(), generator=g1, seed=1)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        DataLoader(_ds(), generator=123)


@pytest.mark.parametrize("kwargs, exc", [
    (dict(batch_size=0), ValueError),
    (dict(batch_size=-2), ValueError),
    (dict(batch_size=2.5), TypeError),
    (dict(seed=-1), ValueError),
    (dict(batch_size=None, drop_last=True), ValueError),
])
def test_bad_arguments(kwargs, exc):
    with pytest.raises(exc, match="DataLoader"):
        DataLoader(_ds(), **kwargs)


def test_generic_dataset_path_matches_fast_path():
    ds = ListDataset(7)
    batches = list(DataLoader(ds, batch_size=3))
    assert len(batches) == 3
    xb, yb = batches[0]
    assert xb.shape == (3, 2) and xb.dtype == np.float32
    assert yb.tolist() == [0, 1, 2] and yb.dtype == np.int64
    # same shuffled order as a TensorDataset with the same seed: one permutation rule
    o_generic = np.concatenate([b[1].numpy() for b in DataLoader(ds, 3, shuffle=True, seed=4)])
    o_fast = np.concatenate([b[1].numpy() for b in DataLoader(_ds(7), 3, shuffle=True, seed=4)])
    assert np.array_equal(o_generic, o_fast)


def test_batch_size_none_yields_samples():
    items = list(DataLoader(ListDataset(3), batch_size=None))
    assert [i for _, i in items] == [0, 1, 2]


def test_subset_of_tensor_dataset_uses_fast_take():
    ds = _ds(10)
    sub = Subset(ds, [9, 0, 5])
    (xb, yb), = list(DataLoader(sub, batch_size=5))
    assert yb.tolist() == [9, 0, 5]
    assert xb.numpy()[0].tolist() == [27.0, 28.0, 29.0]
    with pytest.raises(IndexError, match="out of range"):
        Subset(ds, [10])


def test_collate_fn_and_default_collate():
    dl = DataLoader(_ds(4), batch_size=2, collate_fn=lambda items: len(items))
    assert list(dl) == [2, 2]
    out = default_collate([{"a": 1.0, "b": True}, {"a": 2.0, "b": False}])
    assert out["a"].dtype == np.float32 and out["b"].dtype == np.bool_
    with pytest.raises(ValueError, match="different shapes"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="collate_fn"):
        default_collate(["a", "b"])


def test_random_split_sizes_and_disjointness():
    ds = _ds(10)
    parts = random_split(ds, [0.5, 0.3, 0.2], seed=0)
    assert [len(p) for p in parts] == [5, 3, 2]
    idx = np.concatenate([p.indices for p in parts])
    assert sorted(idx) == list(range(10))
    again = random_split(ds, [5, 3, 2], seed=0)
    assert all(np.array_equal(a.indices, b.indices) for a, b in zip(parts, again))
    # PyTorch's remainder rule: floor each, then hand out the rest from the first part on
    assert [len(p) for p in random_split(_ds(7), [0.34, 0.33, 0.33], seed=1)] == [3, 2, 2]
    with pytest.raises(ValueError, match="does not equal"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="sum to 1"):
        random_split(ds, [0.5, 0.4])


def test_tensor_dataset_batches_without_per_item_getitem():
    class NoItems(TensorDataset):
        def __getitem__(self, index):
            raise AssertionError("the fast path must not read items one by one")

    ds = NoItems(ac.arange(10), ac.arange(10) * 2)
    batches = list(DataLoader(ds, batch_size=4, shuffle=True, seed=0))
    assert sum(len(b[0]) for b in batches) == 10
    for xb, yb in batches:
        assert np.array_equal(yb.numpy(), xb.numpy() * 2)
    sub = Subset(ds, [1, 3, 5])
    assert [b[1].tolist() for b in DataLoader(sub, batch_size=3)] == [[2, 6, 10]]
