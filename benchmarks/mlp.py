"""The benchmarked MLP, built by each contender from the same initial weights and fed the
same batches: 784-512-256-10, BatchNorm1d after each hidden Linear, ReLU,
Dropout(0.2), cross-entropy, Adam(lr=1e-3, weight_decay=1e-4), float32.

``mlp_task(contender, batch, ...)`` runs in a worker: ``step()`` is one training step
(zero_grad, forward, loss, backward, optimizer step); ``losses(steps)`` is the check
mode (built with dropout 0, so every contender computes the same numbers).
"""
import time

from .sizes import MLP_SHAPE

__all__ = ["init_params", "make_batches", "import_ours", "mlp_task", "CONTENDERS"]

CONTENDERS = ("ours", "numpy", "torch")
LR, WEIGHT_DECAY, DROPOUT = 1e-3, 1e-4, 0.2


def init_params(seed=0, shape=MLP_SHAPE):
    """Arrays in ``parameters()`` order: per hidden layer W (out, in), b (out,), BN weight
    (ones), BN bias (zeros); then the output layer's W, b. PyTorch's default Linear init
    (uniform in +-1/sqrt(fan_in)), drawn from numpy so every contender gets the same."""
    import numpy as np
    rng = np.random.default_rng(seed)
    out = []
    for i, (fi, fo) in enumerate(zip(shape[:-1], shape[1:])):
        bound = 1.0 / np.sqrt(fi)
        out.append(rng.uniform(-bound, bound, (fo, fi)).astype(np.float32))
        out.append(rng.uniform(-bound, bound, fo).astype(np.float32))
        if i < len(shape) - 2:
            out.append(np.ones(fo, np.float32))
            out.append(np.zeros(fo, np.float32))
    return out


def make_batches(batch, count=4, seed=1, n_in=MLP_SHAPE[0], n_out=MLP_SHAPE[-1]):
    """``count`` random batches of MNIST shape: x (batch, 784) in [0, 1), labels (batch,)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    return [(rng.random((batch, n_in), dtype=np.float32),
             rng.integers(0, n_out, batch).astype(np.int64)) for _ in range(count)]


def import_ours():
    """Our ``nn`` and ``optim`` packages (top-level, or under ``autograd_core``)."""
    try:
        import nn
        import optim
        if hasattr(nn, "Sequential") and hasattr(optim, "Adam"):
            return nn, optim
    except ImportError:
        pass
    from autograd_core import nn, optim  # noqa: F811
    return nn, optim


def _layers(nn, dropout, shape=MLP_SHAPE):
    layers = []
    for i, (fi, fo) in enumerate(zip(shape[:-1], shape[1:])):
        layers.append(nn.Linear(fi, fo))
        if i < len(shape) - 2:
            layers += [nn.BatchNorm1d(fo), nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


def _load(params, arrays, setter):
    params = list(params)
    if len(params) != len(arrays):
        raise RuntimeError(f"MLP has {len(params)} parameter tensors, expected {len(arrays)}")
    for p, a in zip(params, arrays):
        if tuple(p.shape) != a.shape:
            raise RuntimeError(f"parameter shape {tuple(p.shape)} != {a.shape}")
        setter(p, a)


class _Eager:
    """The PyTorch-style step both eager contenders share; ``self.lib`` is the tensor
    library (autograd_core or torch)."""

    def wrap(self, x, y):
        return self.lib.from_numpy(x), self.lib.from_numpy(y)

    def step(self, x, y):
        self.opt.zero_grad()
        loss = self.crit(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss


class _Ours(_Eager):
    def __init__(self, dropout, lr, weight_decay, arrays):
        import numpy as np
        import autograd_core as ac
        nn, optim = import_ours()
        self.lib = ac
        ac.manual_seed(0)
        self.model = _layers(nn, dropout)
        _load(self.model.parameters(), arrays,
              lambda p, a: np.copyto(p._data, a) if p._data.dtype == a.dtype
              else setattr(p, "data", a.copy()))
        self.model.train()
        self.crit = nn.CrossEntropyLoss()
        self.opt = optim.Adam(self.model.parameters(), lr=lr, weight_decay=weight_decay)


class _Torch(_Eager):
    def __init__(self, dropout, lr, weight_decay, arrays):
        import torch
        self.lib = torch
        torch.manual_seed(0)
        self.model = _layers(torch.nn, dropout)
        with torch.no_grad():
            _load(self.model.parameters(), arrays,
                  lambda p, a: p.copy_(torch.from_numpy(a)))
        self.model.train()
        self.crit = torch.nn.CrossEntropyLoss()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr, weight_decay=weight_decay)


class _Numpy:
    def __init__(self, dropout, lr, weight_decay, arrays):
        from .numpy_mlp import NumpyMLP
        self.net = NumpyMLP(arrays, dropout=dropout, lr=lr, weight_decay=weight_decay)

    def wrap(self, x, y):
        return x, y

    def step(self, x, y):
        return self.net.step(x, y)


_IMPL = {"ours": _Ours, "torch": _Torch, "numpy": _Numpy}


class MLPTask:
    """One contender's training loop over fixed batches (see the module docstring)."""

    def __init__(self, contender, batch, dropout=DROPOUT, seed=0, n_batches=4, check_steps=0):
        from .worker import current_rss, peak_rss
        self.contender, self.batch = contender, batch
        self._args = (dropout, LR, WEIGHT_DECAY)
        self._seed = seed
        self.rss_imports = None
        self._impl_cls = _IMPL[contender]
        self._preload()
        self.rss_imports = current_rss()  # after imports, before the model exists
        self.peak_imports = peak_rss()
        self.info = {"rss_imports": self.rss_imports, "peak_imports": self.peak_imports}
        self._raw = make_batches(batch, n_batches)
        if check_steps:
            # before the timed model exists, so the two are never alive together
            self.info["losses"] = self.losses(check_steps)
        t0 = time.perf_counter()
        self.impl = self._impl_cls(*self._args, init_params(seed))
        self.batches = [self.impl.wrap(x, y) for x, y in self._raw]
        self.info["build_seconds"] = time.perf_counter() - t0
        self.i = 0

    def _preload(self):
        """Import the contender's libraries (so the RSS baseline includes them)."""
        import importlib
        if self.contender == "ours":
            importlib.import_module("autograd_core")
            import_ours()
        else:
            importlib.import_module("torch" if self.contender == "torch" else "numpy")

    def step(self):
        x, y = self.batches[self.i % len(self.batches)]
        self.i += 1
        self.impl.step(x, y)

    def losses(self, steps):
        """Check mode: a fresh model (dropout 0, same weights), ``steps`` steps over the
        same batches; returns the losses as floats."""
        impl = self._impl_cls(0.0, LR, WEIGHT_DECAY, init_params(self._seed))
        batches = [impl.wrap(x, y) for x, y in self._raw]
        out = []
        for k in range(steps):
            x, y = batches[k % len(batches)]
            loss = impl.step(x, y)
            out.append(loss.item() if hasattr(loss, "item") else float(loss))
        return out


def mlp_task(contender, batch, dropout=DROPOUT, seed=0, check_steps=0):
    return MLPTask(contender, batch, dropout, seed, check_steps=check_steps)
