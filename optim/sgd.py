"""``SGD``: stochastic gradient descent with optional momentum, dampening, Nesterov
momentum and (L2) weight decay -- PyTorch's update rule.

With ``g_t`` the gradient (negated when ``maximize``), ``mu`` the momentum, ``tau`` the
dampening, ``lambda`` the weight decay and ``gamma`` the learning rate::

    g_t <- g_t + lambda * theta_{t-1}                 (if weight_decay != 0)
    b_1 <- g_1;  b_t <- mu * b_{t-1} + (1 - tau) g_t  (if momentum != 0)
    g_t <- g_t + mu * b_t  (nesterov)  or  b_t        (if momentum != 0)
    theta_t <- theta_{t-1} - gamma * g_t

Course notes (Andrew Ng) write momentum as an exponentially weighted average,
``v = beta v + (1 - beta) dW;  W = W - alpha v`` with ``v_0 = 0``. Unrolled,
``v_t = (1 - beta) sum_k beta^(t-k) g_k = (1 - beta) b_t`` with PyTorch's undampened
``b_t`` above, so the course's rule is **exactly**
``SGD(params, lr=alpha * (1 - beta), momentum=beta)`` (dampening 0). With
``dampening=beta`` instead (and ``lr=alpha``) the recursion is the course's from the
second step on, but PyTorch seeds the buffer with the full first gradient (``b_1 = g_1``
rather than ``(1 - beta) g_1``), so every later value differs by ``beta^t g_1``; use
the lr scaling when the course's numbers must be reproduced. The other course form,
``v = rho v + grad f(x)``, is PyTorch's with dampening 0 directly.

Nesterov: the course writes ``v = rho v - alpha grad f(x + rho v); w = w + v``
(gradient at the look-ahead point). PyTorch (Sutskever et al. 2013, as reformulated by
Bengio et al.) evaluates the gradient at the current parameters and steps along
``g + mu b``; the two produce the same iterates up to the change of variable
``theta = w + rho v`` (PyTorch's parameters are the look-ahead points).
"""
from autograd_core.kernels.optim import sgd as K

from .optimizer import Optimizer, Plan, check_real, state_buffer

__all__ = ["SGD"]


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
    *, maximize=False)``. State per parameter: ``momentum_buffer`` (when momentum != 0),
    created on the first step the parameter has a gradient."""

    _buffers = ("momentum_buffer",)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o, where):
        check_real("SGD", "lr", o["lr"], where)
        check_real("SGD", "momentum", o["momentum"], where)
        check_real("SGD", "dampening", o["dampening"], where, low=float("-inf"))
        check_real("SGD", "weight_decay", o["weight_decay"], where)
        if o["nesterov"] and (o["momentum"] <= 0 or o["dampening"] != 0):
            raise ValueError(f"SGD: nesterov=True{where} requires a momentum > 0 and zero "
                             f"dampening (got momentum={o['momentum']!r}, "
                             f"dampening={o['dampening']!r})")

    def _plan(self, group):
        momentum = group["momentum"]
        hyper = (group["lr"], group["weight_decay"], momentum, group["dampening"])
        wd, maximize = group["weight_decay"] != 0, bool(group["maximize"])
        if momentum != 0:
            return Plan(K, "sgd_momentum", _MOMENTUM_KEYS, _init, hyper,
                        (wd, bool(group["nesterov"]), maximize), False, True)
        return Plan(K, "sgd", (), _init, hyper, (wd, maximize), False, False)


_MOMENTUM_KEYS = ("momentum_buffer",)


def _init(p, state):
    # created when momentum is first used (PyTorch: on the parameter's first step
    # with momentum); zeros, then overwritten by the gradient (``first``)
    if state.get("momentum_buffer") is None:
        state["momentum_buffer"] = state_buffer(p)
