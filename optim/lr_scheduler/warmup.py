"""Warm-up and composition: ``LinearLR``, ``LambdaLR``, ``SequentialLR``.

Warm-up (course notes, "Learning Rate Scheduling"): start with a small lr while the
adaptive statistics (Adam's / RMSprop's ``sigma``) are still poor estimates, grow it,
then decay as usual -- e.g. ``SequentialLR(opt, [LinearLR(opt, 0.1, 1.0, 5),
CosineAnnealingLR(opt, 95)], milestones=[5])``.
"""
import types
from bisect import bisect_right

from ._base import LRScheduler, check_int, check_real

__all__ = ["LinearLR", "LambdaLR", "SequentialLR"]


class LinearLR(LRScheduler):
    """``lr = base_lr * f(epoch)``, ``f`` going linearly from ``start_factor`` to
    ``end_factor`` over ``total_iters`` epochs, then staying there (PyTorch's chained
    formula)."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        check_real("LinearLR", "start_factor", start_factor, low=0, high=1, low_open=True)
        check_real("LinearLR", "end_factor", end_factor, low=0, high=1)
        check_int("LinearLR", "total_iters", total_iters, 1)
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e, s, f, n = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        if e == 0:
            return [lr * s for lr in self._group_lrs()]
        if self._is_initial or e > n:
            return self._group_lrs()
        return [lr * (1.0 + (f - s) / (n * s + (e - 1) * (f - s)))
                for lr in self._group_lrs()]

    def _get_closed_form_lr(self):
        e, s, f, n = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        return [b * (s + (f - s) * min(n, e) / n) for b in self.base_lrs]


class LambdaLR(LRScheduler):
    """``lr = base_lr * lr_lambda(epoch)``; ``lr_lambda`` a function or one per group.
    ``state_dict`` saves callable objects' ``__dict__`` but not plain functions."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"LambdaLR: expected {n} lr_lambdas (one per param "
                                 f"group), but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        for f in self.lr_lambdas:
            if not callable(f):
                raise TypeError(f"LambdaLR: lr_lambda should be a function, got "
                                f"{type(f).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [b * f(self.last_epoch) for f, b in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        lambdas = self.lr_lambdas
        self.lr_lambdas = None
        try:
            sd = super().state_dict()
        finally:
            self.lr_lambdas = lambdas
        sd["lr_lambdas"] = [None if isinstance(f, types.FunctionType) else dict(f.__dict__)
                            for f in lambdas]
        return sd

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        lambdas = state_dict.pop("lr_lambdas")
        keep = self.lr_lambdas
        super().load_state_dict(state_dict)
        self.lr_lambdas = keep
        for f, saved in zip(self.lr_lambdas, lambdas):
            if saved is not None:
                f.__dict__.update(saved)


def _undo_initial_step(sched):
    """Take back the step a scheduler took at construction (recursing into nested
    SequentialLRs, as PyTorch's ``recursive_undo``)."""
    subs = getattr(sched, "_schedulers", None)
    if subs is not None:
        for s in subs:
            _undo_initial_step(s)
    else:
        sched.last_epoch -= 1


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` (restarted
    from its closed form at epoch 0), and so on. All must wrap ``optimizer``."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        from .plateau import ReduceLROnPlateau

        schedulers, milestones = list(schedulers), list(milestones)
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler, but got none")
        for i, s in enumerate(schedulers):
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"SequentialLR does not support ReduceLROnPlateau (at "
                                 f"index {i}): its step() needs a metric")
            if not isinstance(s, LRScheduler):
                raise TypeError(f"SequentialLR: schedulers[{i}] is a {type(s).__name__}, "
                                f"not an LRScheduler")
            if s.optimizer is not optimizer:
                raise ValueError(f"SequentialLR expects all schedulers to belong to the "
                                 f"same optimizer, but schedulers[{i}] "
                                 f"({type(s).__name__}) wraps another one")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR expects one milestone fewer than schedulers, "
                             f"got {len(schedulers)} schedulers and {len(milestones)} "
                             f"milestones")
        for m in milestones:
            check_int("SequentialLR", "milestone", m, 0)
        if milestones != sorted(milestones):
            raise ValueError(f"SequentialLR: milestones must be increasing, got {milestones}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self._step_count = 0
        self._opt_steps = None
        # undo the initial steps the sub-schedulers took, then take the first one's
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in schedulers:
            _undo_initial_step(s)
        idx = bisect_right(milestones, 0)
        schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def step(self):
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        scheds = self._schedulers
        self._schedulers = None
        try:
            sd = super().state_dict()
        finally:
            self._schedulers = scheds
        sd["_schedulers"] = [s.state_dict() for s in scheds]
        return sd

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        saved = state_dict.pop("_schedulers")
        keep = self._schedulers
        super().load_state_dict(state_dict)
        self._schedulers = keep
        for s, sd in zip(self._schedulers, saved):
            s.load_state_dict(sd)
