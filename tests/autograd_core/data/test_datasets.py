"""The bundled digits and the IDX/MNIST reader (on small files the tests write)."""
import gzip

import numpy as np
import pytest

from autograd_core.data import IDXError, load_digits, load_mnist, read_idx


def test_digits_shapes_dtypes_and_scaling():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.numpy().min() == 0.0 and X.numpy().max() == 1.0
    assert np.all((X.numpy() * 16) == np.round(X.numpy() * 16))  # 0..16 counts / 16
    assert set(np.unique(y.numpy())) == set(range(10))
    assert np.bincount(y.numpy()).min() >= 170
    assert load_digits(as_images=True)[0].shape == (1797, 8, 8)


def test_digits_fixed_split():
    parts = load_digits(split=True)
    assert [p[0].shape[0] for p in parts] == [1438, 180, 179]
    again = load_digits(split=True)
    assert all(np.array_equal(a[1].numpy(), b[1].numpy()) for a, b in zip(parts, again))
    for _, y in parts:
        assert set(np.unique(y.numpy())) == set(range(10))
    # the split is a partition of the data set: every image appears exactly once
    X, _ = load_digits()
    allrows = np.concatenate([p[0].numpy() for p in parts])
    key = lambda a: sorted(map(bytes, a))  # noqa: E731
    assert key(allrows) == key(X.numpy())
    other = load_digits(split=True, seed=1)
    assert not np.array_equal(other[2][1].numpy(), parts[2][1].numpy())


def _idx_bytes(arr, code):
    dt = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4"}[code]
    head = bytes([0, 0, code, arr.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    return head + arr.astype(dt).tobytes()


def _write_mnist(root, n_train=5, n_test=3, gz=False):
    rng = np.random.default_rng(0)
    data = {}
    for part, n in (("train", n_train), ("t10k", n_test)):
        imgs = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labs = rng.integers(0, 10, size=n, dtype=np.uint8)
        for kind, arr, ndim in (("images", imgs, 3), ("labels", labs, 1)):
            name = f"{part}-{kind}-idx{ndim}-ubyte"
            raw = _idx_bytes(arr, 0x08)
            if gz:
                (root / (name + ".gz")).write_bytes(gzip.compress(raw))
            else:
                (root / name).write_bytes(raw)
        data[part] = (imgs, labs)
    return data


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist(tmp_path, gz):
    data = _write_mnist(tmp_path, gz=gz)
    (Xtr, ytr), (Xte, yte) = load_mnist(tmp_path)
    assert Xtr.shape == (5, 784) and Xtr.dtype == np.float32
    assert Xte.shape == (3, 784) and yte.dtype == np.int64
    np.testing.assert_allclose(Xtr.numpy() * 255, data["train"][0].reshape(5, -1), atol=1e-4)
    assert ytr.tolist() == data["train"][1].tolist()
    (Xi, _), _ = load_mnist(tmp_path, flatten=False)
    assert Xi.shape == (5, 28, 28)


def test_read_idx_other_types(tmp_path):
    a = np.arange(6, dtype=np.int32).reshape(2, 3) - 3
    (tmp_path / "a.idx").write_bytes(_idx_bytes(a, 0x0C))
    out = read_idx(tmp_path / "a.idx")
    assert out.dtype == np.int32 and out.dtype.isnative and np.array_equal(out, a)
    f = np.array([1.5, -2.25], dtype=np.float32)
    (tmp_path / "f.idx").write_bytes(_idx_bytes(f, 0x0D))
    assert read_idx(tmp_path / "f.idx").tolist() == [1.5, -2.25]


def test_mnist_missing_directory_and_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="data directory not found.*nowhere"):
        load_mnist(tmp_path / "nowhere")
    _write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte.*not found in .*" + tmp_path.name):
        load_mnist(tmp_path)


def test_idx_wrong_magic(tmp_path):
    _write_mnist(tmp_path)
    p = tmp_path / "train-images-idx3-ubyte"
    raw = bytearray(p.read_bytes())
    raw[0:4] = b"\x50\x4b\x03\x04"  # a zip file's magic
    p.write_bytes(bytes(raw))
    with pytest.raises(IDXError, match=r"train-images-idx3-ubyte: wrong magic number 0x504B0304"):
        load_mnist(tmp_path)


def test_idx_truncated(tmp_path):
    _write_mnist(tmp_path)
    p = tmp_path / "train-images-idx3-ubyte"
    p.write_bytes(p.read_bytes()[:-10])
    with pytest.raises(IDXError, match=r"train-images-idx3-ubyte: truncated IDX file.*\(5, 28, 28\)"):
        load_mnist(tmp_path)
    p.write_bytes(b"\x00\x00")
    with pytest.raises(IDXError, match="truncated"):
        read_idx(p)
    p.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(IDXError, match="header needs 16 bytes"):
        read_idx(p)


def test_idx_count_mismatch_and_bad_gzip(tmp_path):
    _write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx_bytes(np.zeros(4, np.uint8), 0x08))
    with pytest.raises(IDXError, match="5 images but .* 4 labels"):
        load_mnist(tmp_path)
    bad = tmp_path / "x.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(IDXError, match="not a valid gzip"):
        read_idx(bad)
