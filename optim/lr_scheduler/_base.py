"""``LRScheduler``: the base class of the epoch/iteration schedulers.

A scheduler only ever writes ``group["lr"]`` of its optimizer's param groups (and, once,
``group["initial_lr"]``, the lr it started from). Subclasses give ``get_lr()``: the new
lrs for ``self.last_epoch``, usually *chained* (computed from the groups' current lrs,
so schedulers can be combined), and may give ``_get_closed_form_lr()`` (from
``base_lrs`` alone), used by ``step(epoch)`` and by ``SequentialLR`` at a milestone.

Protocol, as PyTorch: construction performs step 0 (``last_epoch = 0``, lr unchanged
for most schedules); call ``scheduler.step()`` after ``optimizer.step()``, once per
epoch (or per iteration, if the schedule counts iterations).
"""
import copy
import numbers
import warnings

from ..optimizer import Optimizer

__all__ = ["LRScheduler"]


def check_int(sched, name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{sched}: {name} must be an int, got {value!r}")
    if value < low:
        raise ValueError(f"{sched}: invalid {name} {value!r} (must be >= {low})")


def check_real(sched, name, value, low=None, high=None, low_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{sched}: {name} must be a real number, got {value!r}")
    bad = value != value  # nan
    if low is not None:
        bad = bad or (value <= low if low_open else value < low)
    if high is not None:
        bad = bad or value > high
    if bad:
        lo = "" if low is None else (f" > {low}" if low_open else f" >= {low}")
        hi = "" if high is None else f" <= {high}"
        raise ValueError(f"{sched}: invalid {name} {value!r} (must be{lo}"
                         f"{' and' if lo and hi else ''}{hi})")


class LRScheduler:
    """Base class. ``optimizer``: the wrapped Optimizer. ``last_epoch``: index of the
    last epoch seen; -1 (default) starts fresh and records ``initial_lr`` in every
    group; another value resumes and needs ``initial_lr`` already present."""

    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: {type(optimizer).__name__} is not an Optimizer")
        check_int(name, "last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            missing = [i for i, g in enumerate(optimizer.param_groups)
                       if "initial_lr" not in g]
            if missing:
                raise KeyError(f"{name}: param 'initial_lr' is not specified in "
                               f"param_groups {missing} when resuming a scheduler with "
                               f"last_epoch={last_epoch} (load the optimizer's state first)")
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._opt_steps = getattr(self.optimizer, "_step_count", None)
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The lrs for ``self.last_epoch`` (called by ``step``; use ``get_last_lr()`` to
        read the current ones)."""
        raise NotImplementedError

    def get_last_lr(self):
        """The lrs the last ``step()`` set, one per param group (a copy)."""
        return list(self._last_lr)

    def _group_lrs(self):
        return [g["lr"] for g in self.optimizer.param_groups]

    def step(self, epoch=None):
        """Advance one epoch and write the new lrs. ``epoch`` (deprecated in PyTorch,
        kept for compatibility) jumps to that epoch using the closed form."""
        if self._step_count == 1 and self._opt_steps is not None and \
                getattr(self.optimizer, "_step_count", None) == self._opt_steps:
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call "
                "them in the opposite order: `optimizer.step()` before "
                "`lr_scheduler.step()`; otherwise the first value of the schedule is "
                "skipped.", UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn("The epoch parameter in `scheduler.step()` is deprecated; call "
                          "`scheduler.step()` without it.", UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._group_lrs()

    def state_dict(self):
        """Everything but the optimizer (a copy)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore from ``state_dict()``; load the optimizer's state as well."""
        self.__dict__.update(copy.deepcopy(state_dict))
