"""Data loading: datasets, ``DataLoader``, splits, standardization, bundled digits, MNIST.

    from autograd_core.data import TensorDataset, DataLoader, load_digits
    (Xtr, ytr), (Xdv, ydv), (Xte, yte) = load_digits(split=True)
    for xb, yb in DataLoader(TensorDataset(Xtr, ytr), batch_size=64, shuffle=True, seed=0):
        ...
"""
from .dataset import Dataset, TensorDataset, Subset
from .loader import DataLoader, default_collate
from .split import random_split, train_dev_test_split, KFold
from .preprocessing import Standardizer
from .digits import load_digits
from .mnist import load_mnist, read_idx, IDXError

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "default_collate",
           "random_split", "train_dev_test_split", "KFold", "Standardizer", "load_digits",
           "load_mnist", "read_idx", "IDXError"]
