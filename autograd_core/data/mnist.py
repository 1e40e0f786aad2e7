"""MNIST (and any IDX file) from a directory the user already has; nothing is downloaded.

IDX format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16,
0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, one big-endian
uint32 per dimension, then the data, big-endian, C order. Files may be gzipped
(``.gz``).
"""
import gzip
from pathlib import Path

import numpy as np

from ..tensor import Tensor

__all__ = ["read_idx", "load_mnist", "IDXError", "MNIST_FILES"]

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

#: part -> (images file, labels file), names as distributed
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class IDXError(ValueError):
    """An IDX file is malformed (bad magic number, truncated, inconsistent)."""


def _read_bytes(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    if path.suffix == ".gz":
        try:
            with gzip.open(path, "rb") as f:
                return f.read()
        except (OSError, EOFError) as e:
            raise IDXError(f"{path}: not a valid gzip file or truncated ({e})") from None
    return path.read_bytes()


def read_idx(path):
    """Read one IDX file (optionally ``.gz``) into a native-endian ndarray."""
    path = Path(path)
    buf = _read_bytes(path)
    if len(buf) < 4:
        raise IDXError(f"{path}: truncated IDX file: {len(buf)} bytes, no complete header")
    zero, code, ndim = buf[0:2], buf[2], buf[3]
    if zero != b"\x00\x00" or code not in _TYPES:
        magic = int.from_bytes(buf[:4], "big")
        raise IDXError(
            f"{path}: wrong magic number 0x{magic:08X}: not an IDX file (expected "
            f"0x0000TTDD with type code TT in {sorted(hex(c) for c in _TYPES)}, e.g. "
            "0x00000803 for MNIST images, 0x00000801 for labels)"
        )
    head = 4 + 4 * ndim
    if len(buf) < head:
        raise IDXError(f"{path}: truncated IDX file: header needs {head} bytes, file has {len(buf)}")
    shape = tuple(int.from_bytes(buf[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dt = np.dtype(_TYPES[code])
    count = int(np.prod(shape, dtype=np.int64))
    need = head + count * dt.itemsize
    if len(buf) < need:
        raise IDXError(
            f"{path}: truncated IDX file: shape {shape} of {dt.name} needs {need} bytes, "
            f"file has {len(buf)}"
        )
    if len(buf) > need:
        raise IDXError(
            f"{path}: IDX file has {len(buf) - need} unexpected trailing bytes after shape {shape}"
        )
    arr = np.frombuffer(buf, dtype=dt, offset=head, count=count)
    return arr.reshape(shape).astype(dt.newbyteorder("="))


def _find(root, name):
    # distributions differ: "train-images-idx3-ubyte", "train-images.idx3-ubyte", ".gz"
    alt = name.replace("-idx", ".idx")
    for cand in (name, name + ".gz", alt, alt + ".gz"):
        p = root / cand
        if p.is_file():
            return p
    raise FileNotFoundError(
        f"load_mnist: {name} (or {name}.gz) not found in {root}; expected the four MNIST "
        f"IDX files {', '.join(n for pair in MNIST_FILES.values() for n in pair)}"
    )


def _load_part(root, part, flatten):
    img_path, lab_path = (_find(root, n) for n in MNIST_FILES[part])
    images, labels = read_idx(img_path), read_idx(lab_path)
    if images.ndim != 3:
        raise IDXError(f"{img_path}: expected 3-d images (N, rows, cols), got shape {images.shape}")
    if labels.ndim != 1:
        raise IDXError(f"{lab_path}: expected 1-d labels, got shape {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise IDXError(
            f"{img_path} has {images.shape[0]} images but {lab_path} has {labels.shape[0]} labels"
        )
    X = images.astype(np.float32) / np.float32(255.0)
    if flatten:
        X = X.reshape(X.shape[0], -1)
    return Tensor._make(X), Tensor._make(labels.astype(np.int64))


def load_mnist(path, flatten=True):
    """Load MNIST from directory ``path`` holding the standard IDX files.

    Returns ``((X_train, y_train), (X_test, y_test))``: ``X`` float32 in ``[0, 1]``
    (pixels / 255) of shape ``(N, 784)`` (``(N, 28, 28)`` with ``flatten=False``),
    ``y`` int64 of shape ``(N,)``. Raises ``FileNotFoundError`` naming the directory
    and the missing file, ``IDXError`` naming the file and what is wrong with it.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"load_mnist: data directory not found: {root}")
    return _load_part(root, "train", flatten), _load_part(root, "test", flatten)
