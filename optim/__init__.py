"""Optimizers for autograd-core (PyTorch's ``torch.optim`` API and update rules).

    import optim
    opt = optim.Adam(model.parameters(), lr=1e-3)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

Each optimizer keeps ``param_groups`` (per-group options) and lazily created
per-parameter ``state``; its update is one fused Numba pass per parameter
(``autograd_core/kernels/optim.py``), run without recording. ``optim.lr_scheduler``
holds the learning-rate schedules. Where the course notes teach a different
parametrisation (momentum as an average, ``1 / (1 + decay_rate * epoch)`` decay), the
class docstrings say how to get it.
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from .optimizer import Optimizer, required
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "required", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "LBFGS",
           "lr_scheduler"]
