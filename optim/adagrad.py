"""``Adagrad`` (Duchi et al., 2011) -- PyTorch's update rule::

    g_t <- g_t + lambda * theta_{t-1}                 (if weight_decay != 0)
    clr <- gamma / (1 + (t - 1) * eta)                (eta: lr_decay)
    s_t <- s_{t-1} + g_t^2                            (s_0 = initial_accumulator_value)
    theta_t <- theta_{t-1} - clr * g_t / (sqrt(s_t) + eps)

The course notes write ``w = w - alpha grad / S``; the square root (and ``eps`` outside
it) is the algorithm as published and as PyTorch implements it.
"""
from autograd_core.kernels.optim import adagrad as K

from .optimizer import Optimizer, Plan, check_real, state_buffer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10, *, maximize=False)``. State per parameter: ``step`` (int) and ``sum``,
    created on the parameter's first step (PyTorch creates them in the constructor;
    the values are the same)."""

    _buffers = ("sum",)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, *, maximize=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o, where):
        for key in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_real("Adagrad", key, o[key], where)

    def _plan(self, group):
        weight_decay = group["weight_decay"]
        fill = group["initial_accumulator_value"]

        def init(p, state):
            if not state:
                state["step"] = 0
                state["sum"] = state_buffer(p, fill)

        hyper = (group["lr"], group["lr_decay"], weight_decay, group["eps"])
        return Plan(K, "adagrad", _KEYS, init, hyper,
                    (weight_decay != 0, bool(group["maximize"])), True, False)


_KEYS = ("sum",)
