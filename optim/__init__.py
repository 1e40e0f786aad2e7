"""Optimizers for autograd-core (PyTorch's ``torch.optim`` API and update rules).

    import optim
    opt = optim.Adam(model.parameters(), lr=1e-3)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

Each optimizer keeps ``param_groups`` (per-group options) and lazily created
per-parameter ``state``; its update is one fused Numba pass per parameter
(``autograd_core/kernels/optim/``), run without recording. ``optim.lr_scheduler``
holds the learning-rate schedules.

The course notes' formulas, in this library (details in each class's docstring):

- momentum ``v = beta v + (1 - beta) dW; W -= alpha v``:
  ``SGD(lr=alpha * (1 - beta), momentum=beta)`` (exactly); ``v = rho v + grad``:
  ``SGD(lr=alpha, momentum=rho)``.
- Nesterov ``v = rho v - alpha grad f(w + rho v); w += v``:
  ``SGD(lr=alpha, momentum=rho, nesterov=True)`` on ``theta = w + rho v``.
- AdaGrad: ``Adagrad`` (with the square root of the published algorithm).
- RMSprop ``s = beta s + (1 - beta) dW^2; W -= alpha dW / sqrt(s)``:
  ``RMSprop(lr=alpha, alpha=beta)`` (``eps`` added to the root).
- Adam with bias correction: ``Adam(lr=alpha, betas=(beta1, beta2), eps=eps)``.
- L-BFGS (quasi-Newton): ``LBFGS(..., line_search_fn="strong_wolfe")`` with a closure.
- L2 as weight decay: ``weight_decay=lambda`` (SGD's decay is the course's
  ``(1 - alpha lambda / m)`` shrink with ``lambda / m`` folded into one number);
  decoupled decay: ``AdamW``.
- learning-rate decay ``alpha0 / (1 + decay_rate * epoch)``:
  ``lr_scheduler.InverseTimeDecay``; ``0.95^epoch alpha0``: ``ExponentialLR``;
  warm-up: ``LinearLR`` then ``SequentialLR``.
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
