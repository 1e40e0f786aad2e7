"""Decay schedules: ``StepLR``, ``MultiStepLR``, ``ExponentialLR``, ``InverseTimeDecay``,
``CosineAnnealingLR``.

Chained forms (new lr from the group's current lr) follow PyTorch's code so that the
sequences match ``torch.optim.lr_scheduler`` float for float; each also has the closed
form of its docstring for ``step(epoch)`` and ``SequentialLR`` milestones.
"""
import math
from bisect import bisect_right
from collections import Counter

from ._base import LRScheduler, check_int, check_real

__all__ = ["StepLR", "MultiStepLR", "ExponentialLR", "InverseTimeDecay",
           "CosineAnnealingLR"]


class StepLR(LRScheduler):
    """``lr = base_lr * gamma ** (epoch // step_size)``: multiply by ``gamma`` every
    ``step_size`` epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        check_int("StepLR", "step_size", step_size, 1)
        check_real("StepLR", "gamma", gamma, low=0)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [b * self.gamma ** (self.last_epoch // self.step_size) for b in self.base_lrs]


class MultiStepLR(LRScheduler):
    """``lr = base_lr * gamma ** (number of milestones <= epoch)``; a milestone listed
    twice counts twice."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        milestones = list(milestones)
        for m in milestones:
            check_int("MultiStepLR", "milestone", m, 0)
        check_real("MultiStepLR", "gamma", gamma, low=0)
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return self._group_lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch]
                for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [b * self.gamma ** bisect_right(milestones, self.last_epoch)
                for b in self.base_lrs]


class ExponentialLR(LRScheduler):
    """``lr = base_lr * gamma ** epoch`` (the course's ``alpha = 0.95^epoch alpha0``)."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        check_real("ExponentialLR", "gamma", gamma, low=0)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        return [b * self.gamma ** self.last_epoch for b in self.base_lrs]


class InverseTimeDecay(LRScheduler):
    """``lr = base_lr / (1 + decay_rate * epoch)`` -- the course's learning-rate decay
    ``alpha = alpha0 / (1 + decay_rate * epoch_num)``. Not in PyTorch (it is
    ``LambdaLR(opt, lambda e: 1 / (1 + decay_rate * e))``; Keras calls it
    InverseTimeDecay).

    Epoch numbering: as for every PyTorch scheduler, the first epoch runs at
    ``last_epoch = 0`` (lr = alpha0) and ``step()`` is called after each epoch, so the
    course's ``epoch_num`` e is the lr after e calls of ``step()`` (alpha0 = 0.2,
    decay_rate = 1: 0.1, 0.067, 0.05, 0.04 for e = 1-4). If the first epoch should
    already train at ``epoch_num = 1``, use ``LambdaLR(opt, lambda e: 1 / (1 +
    decay_rate * (e + 1)))``; calling ``step()`` before the first ``optimizer.step()``
    would skip a value of the schedule (and warn, as PyTorch does).
    """

    def __init__(self, optimizer, decay_rate, last_epoch=-1):
        check_real("InverseTimeDecay", "decay_rate", decay_rate, low=0)
        self.decay_rate = decay_rate
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return self._get_closed_form_lr()

    def _get_closed_form_lr(self):
        return [b / (1 + self.decay_rate * self.last_epoch) for b in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``
    (SGDR without restarts), computed with PyTorch's recursive formula so that other
    changes to the lr compose; past ``T_max`` it rises again (the cosine continues)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        check_int("CosineAnnealingLR", "T_max", T_max, 1)
        check_real("CosineAnnealingLR", "eta_min", eta_min, low=0)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._group_lrs()
        if self._step_count == 1 and e > 0:  # resumed: start from the closed form
            return [lo + (b - lo) * (1 + math.cos(e * math.pi / T)) / 2
                    for b in self.base_lrs]
        if (e - 1 - T) % (2 * T) == 0:  # at a trough: the recursion would divide by 0
            return [lr + (b - lo) * (1 - math.cos(math.pi / T)) / 2
                    for b, lr in zip(self.base_lrs, self._group_lrs())]
        return [(1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
                * (lr - lo) + lo for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        e, T, lo = self.last_epoch, self.T_max, self.eta_min
        return [lo + (b - lo) * (1 + math.cos(math.pi * e / T)) / 2 for b in self.base_lrs]
