"""train_dev_test_split, KFold and Standardizer."""
import numpy as np
import pytest

import autograd_core as ac
from autograd_core.data import KFold, Standardizer, train_dev_test_split


def _xy(n=100, classes=4):
    X = np.arange(n * 2, dtype=np.float64).reshape(n, 2)
    y = np.arange(n) % classes
    return X, y


def test_split_sizes_disjoint_and_rows_stay_paired():
    X, y = _xy(100)
    (Xa, ya), (Xb, yb), (Xc, yc) = train_dev_test_split(X, y, seed=0)
    assert (len(Xa), len(Xb), len(Xc)) == (80, 10, 10)
    rows = np.concatenate([Xa[:, 0], Xb[:, 0], Xc[:, 0]]) // 2
    assert sorted(rows.astype(int)) == list(range(100))
    for Xp, yp in ((Xa, ya), (Xb, yb), (Xc, yc)):
        assert np.array_equal((Xp[:, 0] // 2).astype(int) % 4, yp)
    assert isinstance(Xa, np.ndarray)


def test_split_is_seeded_and_keeps_tensor_type():
    X, y = _xy(50)
    a = train_dev_test_split(ac.tensor(X), ac.tensor(y), seed=1)
    b = train_dev_test_split(ac.tensor(X), ac.tensor(y), seed=1)
    c = train_dev_test_split(ac.tensor(X), ac.tensor(y), seed=2)
    assert isinstance(a[0][0], ac.Tensor) and a[0][0].dtype == np.float64
    assert all(np.array_equal(p[1].numpy(), q[1].numpy()) for p, q in zip(a, b))
    assert not np.array_equal(a[0][0].numpy(), c[0][0].numpy())
    ac.manual_seed(3)
    d = train_dev_test_split(X, y)
    ac.manual_seed(3)
    e = train_dev_test_split(X, y)
    assert np.array_equal(d[2][0], e[2][0])


def test_stratified_split_keeps_class_proportions():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [500, 300, 200])
    X = rng.normal(size=(1000, 3))
    parts = train_dev_test_split(X, y, fractions=(0.6, 0.2, 0.2), seed=0, stratify=True)
    assert [len(p[1]) for p in parts] == [600, 200, 200]
    for (_, yp), frac in zip(parts, (0.6, 0.2, 0.2)):
        counts = np.bincount(yp, minlength=3)
        assert np.all(np.abs(counts - frac * np.array([500, 300, 200])) <= 1)
    # rows are shuffled within each part (not grouped by class)
    assert not np.all(np.diff(parts[0][1]) >= 0)
    with pytest.raises(ValueError, match="1-d labels"):
        train_dev_test_split(X, np.zeros((1000, 2)), stratify=True)


@pytest.mark.parametrize("fractions", [(0.8, 0.1), (0.5, 0.5, 0.5), (1.2, -0.1, -0.1)])
def test_split_rejects_bad_fractions(fractions):
    X, y = _xy(10)
    with pytest.raises(ValueError, match="fractions"):
        train_dev_test_split(X, y, fractions=fractions)


def test_split_rejects_mismatched_rows():
    with pytest.raises(ValueError, match=r"\(5, 2\) and \(4,\)"):
        train_dev_test_split(np.zeros((5, 2)), np.zeros(4))


def test_kfold_partitions_every_sample_once():
    folds = list(KFold(3).split(10))
    assert [len(v) for _, v in folds] == [4, 3, 3]
    val = np.concatenate([v for _, v in folds])
    assert np.array_equal(val, np.arange(10))
    for tr, v in folds:
        assert len(np.intersect1d(tr, v)) == 0 and len(tr) + len(v) == 10
        assert tr.dtype == np.int64


def test_kfold_shuffle_seeded():
    X = np.zeros((20, 2))
    a = [v for _, v in KFold(4, shuffle=True, seed=0).split(X)]
    b = [v for _, v in KFold(4, shuffle=True, seed=0).split(X)]
    c = [v for _, v in KFold(4, shuffle=True, seed=1).split(X)]
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c))
    assert sorted(np.concatenate(a)) == list(range(20))
    assert KFold(4).get_n_splits() == 4


def test_kfold_errors():
    with pytest.raises(ValueError, match="n_splits must be an int >= 2"):
        KFold(1)
    with pytest.raises(ValueError, match="shuffle=True"):
        KFold(3, seed=0)
    with pytest.raises(ValueError, match="greater than the number of samples 2"):
        list(KFold(3).split(2))


def test_standardizer_fit_on_train_transform_others_with_same_stats():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 3.0, size=(200, 4)).astype(np.float32)
    test = rng.normal(5.0, 3.0, size=(50, 4)).astype(np.float32)
    s = Standardizer().fit(train)
    z = s.transform(train)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(0), 1, atol=1e-5)
    zt = s.transform(test)
    np.testing.assert_allclose(zt, (test - train.mean(0)) / train.std(0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(s.inverse_transform(zt), test, rtol=1e-5, atol=1e-5)


def test_standardizer_constant_feature_and_tensors():
    X = ac.tensor([[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]])
    s = Standardizer()
    Z = s.fit_transform(X)
    assert isinstance(Z, ac.Tensor)
    assert np.all(np.isfinite(Z.numpy()))
    assert Z.numpy()[:, 1].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(s.inverse_transform(Z).numpy(), X.numpy(), rtol=1e-6)
    # integer input gives float32
    assert s.transform(np.array([[1, 7]])).dtype == np.float32
    s2 = Standardizer().load_state_dict(s.state_dict())
    np.testing.assert_array_equal(s2.transform(X).numpy(), Z.numpy())


def test_standardizer_errors():
    s = Standardizer()
    with pytest.raises(RuntimeError, match="fit"):
        s.transform(np.zeros((2, 3)))
    s.fit(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"feature shape \(4,\).*\(3,\)"):
        s.transform(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        Standardizer().fit(np.array([[np.nan]]))
    with pytest.raises(ValueError, match="at least one sample"):
        Standardizer().fit(np.zeros((0, 3)))
