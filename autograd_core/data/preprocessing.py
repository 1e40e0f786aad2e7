"""``Standardizer``: zero mean, unit variance per feature, fitted on the training data only."""
import numpy as np

from ..tensor import Tensor

__all__ = ["Standardizer"]


class Standardizer:
    """Per-feature standardization ``(x - mean) / std`` along the first (sample) axis.

    Fit on the training data, then transform dev and test data with the *same*
    statistics (never refit on them; that leaks information). ``std`` is the
    population standard deviation; a feature whose std is below ``eps`` (a constant
    feature) gets std 1, so it maps to 0 instead of NaN or Inf.

    Inputs are Tensors or ndarrays of shape ``(N, *feature_shape)``; the output has the
    input's type, shape and floating dtype (integer inputs give float32). Statistics
    are computed in float64. The transform does not record a graph (it is data
    preparation); use ``mean_``/``std_`` with Tensor ops if you need one.
    """

    def __init__(self, eps=1e-12):
        self.eps = float(eps)
        self.mean_ = None
        self.std_ = None

    @staticmethod
    def _unwrap(X, what):
        if isinstance(X, Tensor):
            return X._data, True
        if isinstance(X, np.ndarray):
            return X, False
        raise TypeError(f"Standardizer.{what}: expected a Tensor or ndarray, got {type(X).__name__}")

    def fit(self, X):
        """Learn mean and std of ``X`` (shape ``(N, ...)``, ``N >= 1``); returns self."""
        a, _ = self._unwrap(X, "fit")
        if a.ndim == 0 or a.shape[0] == 0:
            raise ValueError(f"Standardizer.fit: need at least one sample, got shape {tuple(a.shape)}")
        a64 = a.astype(np.float64, copy=False)
        if not np.all(np.isfinite(a64)):
            raise ValueError("Standardizer.fit: input contains NaN or Inf")
        mean = a64.mean(axis=0)
        std = a64.std(axis=0)
        std = np.where(std < self.eps, 1.0, std)
        self.mean_, self.std_ = mean, std
        return self

    def _check(self, a, what):
        if self.mean_ is None:
            raise RuntimeError(f"Standardizer.{what}: call fit() first")
        if a.shape[1:] != self.mean_.shape:
            raise ValueError(
                f"Standardizer.{what}: input has feature shape {tuple(a.shape[1:])}, but the "
                f"standardizer was fitted on feature shape {tuple(self.mean_.shape)}"
            )

    @staticmethod
    def _out_dtype(a):
        return a.dtype if a.dtype.kind == "f" else np.dtype(np.float32)

    def transform(self, X):
        """``(X - mean) / std`` with the fitted statistics."""
        a, is_t = self._unwrap(X, "transform")
        self._check(a, "transform")
        out = ((a - self.mean_) / self.std_).astype(self._out_dtype(a), copy=False)
        return Tensor._make(out) if is_t else out

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        """``Z * std + mean``: undoes ``transform``."""
        a, is_t = self._unwrap(Z, "inverse_transform")
        self._check(a, "inverse_transform")
        out = (a * self.std_ + self.mean_).astype(self._out_dtype(a), copy=False)
        return Tensor._make(out) if is_t else out

    def state_dict(self):
        """``{'mean': ndarray, 'std': ndarray}`` (for saving next to a model)."""
        if self.mean_ is None:
            raise RuntimeError("Standardizer.state_dict: call fit() first")
        return {"mean": self.mean_.copy(), "std": self.std_.copy()}

    def load_state_dict(self, state):
        mean = np.asarray(state["mean"], dtype=np.float64)
        std = np.asarray(state["std"], dtype=np.float64)
        if mean.shape != std.shape:
            raise ValueError(f"Standardizer.load_state_dict: mean shape {mean.shape} != std shape {std.shape}")
        if np.any(std <= 0):
            raise ValueError("Standardizer.load_state_dict: std must be positive")
        self.mean_, self.std_ = mean, std
        return self

    def __repr__(self):
        fitted = "unfitted" if self.mean_ is None else f"features={tuple(self.mean_.shape)}"
        return f"Standardizer({fitted})"
