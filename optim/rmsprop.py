"""``RMSprop`` (Hinton's lecture 6e) -- PyTorch's update rule, with ``alpha`` the
smoothing constant (the course's ``beta`` / ``rho``)::

    g_t <- g_t + lambda * theta_{t-1}                       (if weight_decay != 0)
    v_t <- alpha v_{t-1} + (1 - alpha) g_t^2
    centered:  gbar_t <- alpha gbar_{t-1} + (1 - alpha) g_t;  v~ = v_t - gbar_t^2
    otherwise: v~ = v_t
    b_t <- mu b_{t-1} + g_t / (sqrt(v~) + eps);  theta_t <- theta_{t-1} - gamma b_t   (mu > 0)
    theta_t <- theta_{t-1} - gamma g_t / (sqrt(v~) + eps)                            (mu = 0)

The course's ``s = beta s + (1 - beta) dW^2;  W = W - alpha dW / sqrt(s)`` is
``RMSprop(lr=alpha, alpha=beta)``, with ``eps`` (1e-8) added to the root for safety
(the course adds it too when it reaches Adam). No bias correction, as in the course.

Deviations from PyTorch, both only where PyTorch would produce nonsense: ``alpha`` must
lie in [0, 1] (PyTorch only checks >= 0; above 1 the average goes negative and the
root is nan), and the centered variance estimate is clamped at 0 before the root
(rounding can make ``v - gbar^2`` a hair negative, which PyTorch turns into nan).
"""
from autograd_core.kernels.optim import rmsprop as K

from .optimizer import Optimizer, Plan, check_real, state_buffer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False, *, maximize=False)``. State per parameter: ``step``, ``square_avg``,
    plus ``momentum_buffer`` (momentum > 0) and ``grad_avg`` (centered)."""

    _buffers = ("square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o, where):
        for key in ("lr", "eps", "momentum", "weight_decay"):
            check_real("RMSprop", key, o[key], where)
        check_real("RMSprop", "alpha", o["alpha"], where, high=1.0)

    def _plan(self, group):
        momentum, centered = group["momentum"], bool(group["centered"])
        which = (centered, momentum > 0)
        hyper = (group["lr"], group["alpha"], group["eps"], group["weight_decay"], momentum)
        flags = (group["weight_decay"] != 0, bool(group["maximize"]))
        return Plan(K, K.variant(centered, momentum), _KEYS[which], _INIT[which], hyper,
                    flags, True, False)


#: (centered, momentum > 0) -> the state buffers the loop takes, in its order
_KEYS = {
    (False, False): ("square_avg",),
    (True, False): ("square_avg", "grad_avg"),
    (False, True): ("square_avg", "momentum_buffer"),
    (True, True): ("square_avg", "grad_avg", "momentum_buffer"),
}


def _init_for(keys):
    def init(p, state):
        if not state:
            state["step"] = 0
        # momentum_buffer / grad_avg are created when first needed, so raising momentum
        # or switching centered on for a group mid-training works
        for key in keys:
            if key not in state:
                state[key] = state_buffer(p)
    return init


_INIT = {k: _init_for(keys) for k, keys in _KEYS.items()}
