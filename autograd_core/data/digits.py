"""The handwritten digits data set, shipped inside the package (no download).

Origin and licence: "Optical Recognition of Handwritten Digits" by E. Alpaydin and
C. Kaynak (1998), UCI Machine Learning Repository, https://doi.org/10.24432/C50P49,
licensed CC BY 4.0. The 1,797 samples are the copy scikit-learn bundles (the UCI
set's test part: 8x8 images whose pixels count the "on" pixels of 4x4 blocks of a
32x32 bitmap, integers 0..16, written by 13 people). ``digits.npz`` was produced from
it once by ``autograd_core/data/_build_digits.py``; scikit-learn is not a dependency.
"""
from pathlib import Path

import numpy as np

from ..tensor import Tensor
from .split import train_dev_test_split

__all__ = ["load_digits", "DIGITS_PATH"]

DIGITS_PATH = Path(__file__).with_name("digits.npz")


def _raw():
    if not DIGITS_PATH.exists():
        raise FileNotFoundError(
            f"load_digits: the bundled data file {DIGITS_PATH} is missing; the package "
            "installation is incomplete (it should ship data/*.npz)"
        )
    with np.load(DIGITS_PATH) as f:
        return f["X"], f["y"]


def load_digits(split=False, seed=0, fractions=(0.8, 0.1, 0.1), as_images=False):
    """Load the 1,797 handwritten digits (10 classes, about 180 of each).

    Returns Tensors ``X`` float32 of shape ``(1797, 64)`` (or ``(1797, 8, 8)`` with
    ``as_images=True``), pixels scaled from 0..16 to ``[0, 1]`` by dividing by 16, and
    ``y`` int64 of shape ``(1797,)`` with labels 0..9.

    With ``split=True`` returns the fixed stratified split
    ``((X_train, y_train), (X_dev, y_dev), (X_test, y_test))`` that ``seed`` and
    ``fractions`` determine (defaults: seed 0, 80/10/10, i.e. 1,438/180/179 rows);
    the training command and the acceptance test use the default split.
    """
    X, y = _raw()
    X = X.astype(np.float32) / np.float32(16.0)
    if as_images:
        X = X.reshape(-1, 8, 8)
    X, y = Tensor._make(X), Tensor._make(y.astype(np.int64))
    if not split:
        return X, y
    return train_dev_test_split(X, y, fractions=fractions, seed=seed, stratify=True)
