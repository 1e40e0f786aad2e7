"""Learning-rate schedulers (``optim.lr_scheduler``), PyTorch's API and sequences.

    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train(...)            # optimizer.step() inside
        sched.step()          # after the optimizer

Schedulers only write ``group["lr"]``. ``InverseTimeDecay`` (the course's
``alpha0 / (1 + decay_rate * epoch)``) is ours; the rest are PyTorch's.
"""
from ._base import LRScheduler
from .decay import (CosineAnnealingLR, ExponentialLR, InverseTimeDecay, MultiStepLR,
                    StepLR)
from .plateau import ReduceLROnPlateau
from .warmup import LambdaLR, LinearLR, SequentialLR

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "InverseTimeDecay",
           "CosineAnnealingLR", "LinearLR", "LambdaLR", "SequentialLR",
           "ReduceLROnPlateau"]
