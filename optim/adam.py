"""``Adam`` (Kingma & Ba, 2015) and ``AdamW`` (Loshchilov & Hutter, 2019) -- PyTorch's
documented algorithm, bias correction included::

    g_t <- g_t + lambda theta_{t-1}          (Adam, weight_decay != 0: L2 in the gradient)
    theta_{t-1} <- theta_{t-1} (1 - gamma lambda)     (AdamW: decoupled decay)
    m_t <- beta1 m_{t-1} + (1 - beta1) g_t
    v_t <- beta2 v_{t-1} + (1 - beta2) g_t^2
    m^_t <- m_t / (1 - beta1^t)
    v^_t <- v_t / (1 - beta2^t)    (amsgrad: vmax_t <- max(vmax_{t-1}, v_t), v^_t <- vmax_t / (1 - beta2^t))
    theta_t <- theta_{t-1} - gamma m^_t / (sqrt(v^_t) + eps)

This is the course's Adam (``V_corrected = V / (1 - beta1^t)``, ``S_corrected = S /
(1 - beta2^t)``, ``W = W - alpha V_corrected / sqrt(S_corrected)``) with ``eps`` added
to the root; ``t`` counts the steps the parameter has taken, starting at 1. The bias
corrections are computed once per step outside the fused loop, which evaluates
``theta - (gamma / (1 - beta1^t)) * m / (sqrt(v) * (1 / sqrt(1 - beta2^t)) + eps)``:
PyTorch's single-tensor order of operations except for that one reciprocal (PyTorch
divides by ``sqrt(1 - beta2^t)``), which keeps the loop at the memory-bandwidth floor;
the results agree with PyTorch's to an ulp or so.
"""
from autograd_core.kernels.optim import adam as K

from .optimizer import Optimizer, Plan, check_real, state_buffer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    amsgrad=False, *, maximize=False, decoupled_weight_decay=False)``. State per
    parameter: ``step`` (int), ``exp_avg``, ``exp_avg_sq``, and ``max_exp_avg_sq`` with
    amsgrad. ``decoupled_weight_decay=True`` is AdamW."""

    _buffers = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _validate(self, o, where):
        name = type(self).__name__
        check_real(name, "lr", o["lr"], where)
        check_real(name, "eps", o["eps"], where)
        check_real(name, "weight_decay", o["weight_decay"], where)
        betas = o["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: betas{where} must be a pair (beta1, beta2), got "
                             f"{betas!r}")
        for i, b in enumerate(betas):
            check_real(name, f"beta parameter at index {i} (betas[{i}])", b, where,
                       high=1.0, high_open=True)

    def _plan(self, group):
        amsgrad = group["amsgrad"]
        beta1, beta2 = group["betas"]
        wd, decoupled = group["weight_decay"], group["decoupled_weight_decay"]
        hyper = (group["lr"], beta1, beta2, group["eps"], wd, bool(decoupled))
        flags = (wd != 0 and not decoupled, bool(group["maximize"]))
        if amsgrad:
            return Plan(K, "amsgrad", _AMS_KEYS, _init_ams, hyper, flags, True, False)
        return Plan(K, "adam", _KEYS, _init, hyper, flags, True, False)


_KEYS = ("exp_avg", "exp_avg_sq")
_AMS_KEYS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")


def _init(p, state):
    if not state:
        state["step"] = 0
        state["exp_avg"] = state_buffer(p)
        state["exp_avg_sq"] = state_buffer(p)


def _init_ams(p, state):
    _init(p, state)
    if "max_exp_avg_sq" not in state:  # created when amsgrad is first switched on
        state["max_exp_avg_sq"] = state_buffer(p)


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
    amsgrad=False, *, maximize=False)``: Adam with decoupled weight decay -- the
    parameter is multiplied by ``1 - lr * weight_decay`` before the Adam step, and the
    decay never enters the moments."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # as PyTorch: AdamW always decouples
            group["decoupled_weight_decay"] = True
