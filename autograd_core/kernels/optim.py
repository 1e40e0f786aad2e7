"""Fused optimizer updates: one pass over a parameter, its gradient and its state.

Why loops: written with numpy, an Adam step is a chain of ~10 ufuncs and as many
full-size temporaries (decay the moments, square, sqrt, divide, add eps, scale,
subtract); a Numba loop reads each array once and writes the parameter and its state
once, in place.

Each public function updates a *list* of parameters (one optimizer param group), so
that the scalars are computed and cast once per call, not once per parameter:
- ``params``, the state buffers (same shapes) and nothing else are written **in
  place**. State buffers must be C-contiguous arrays of their parameter's dtype (the
  optimizer creates them so). A gradient may have any layout and is read as its
  parameter's dtype. A non-contiguous parameter is updated through a contiguous copy
  written back at the end. Shapes are all checked before anything is written.
- Hyperparameters arrive as Python floats; derived scalars (bias corrections, decayed
  learning rates, ``1 - beta``) are computed here in float64 outside the loop, then
  cast to the parameter's dtype and handed over as one small array ``s``, so a float32
  parameter is updated in float32 arithmetic (as PyTorch does, and as the numpy twin
  does under NEP 50) and the loop vectorizes at float32 width.
- The arithmetic mirrors PyTorch's single-tensor CPU implementation operation by
  operation (``lerp`` for the first moment, ``addcmul`` order for the second ...), so
  results agree with ``torch.optim`` to rounding. One deliberate exception: Adam
  multiplies ``sqrt(v)`` by ``1 / sqrt(1 - beta2^t)`` (computed once, in float64)
  where PyTorch divides by ``sqrt(1 - beta2^t)``; the second division per element kept
  the loop ~15% above the memory-bandwidth floor (537k float32 parameters: 0.35 vs
  0.30 ms), and the results differ by at most an ulp of the denominator.
- float32 and float64 run the Numba loop when ``kernels.USE_NUMBA`` is set; other
  dtypes (float16) and ``AUTOGRAD_CORE_KERNELS=numpy`` run the numpy twin (``*_np``),
  the reference the tests compare the loops against. ``njit`` has no signature, so a
  loop compiles lazily on first use, once per dtype; ``cache=True`` keeps the code.
  ``error_model="numpy"``: Python's ZeroDivisionError check would stop LLVM from
  vectorizing the divisions (measured: 8x slower Adam).
"""
import math

import numpy as np
from . import njit  # lazy: numba is imported on first use

from . import USE_NUMBA

__all__ = [
    "sgd", "adagrad", "rmsprop", "adam",
    "sgd_np", "adagrad_np", "rmsprop_np", "adam_np",
]

# keyed by dtype.char: hashing or comparing np.dtype objects costs ~1 us each, which
# showed up as most of the per-parameter dispatch time
_FAST = {"f": np.dtype(np.float32), "d": np.dtype(np.float64)}


# -- Numba loops over flat arrays -----------------------------------------------------
# The boolean flags are loop invariant; LLVM unswitches them, so each variant compiles
# to a plain vectorized loop.

@njit(cache=True, error_model="numpy", inline="always")
def _lerp(a, b, w, one_minus_w):
    # torch.lerp's formula. 1 - w is an argument: an integer literal would promote a
    # float32 loop to float64.
    if w < 0.5:
        return a + w * (b - a)
    return b - (b - a) * one_minus_w


@njit(cache=True, error_model="numpy")
def _sgd_nb(p, g, buf, s, use_wd, use_momentum, nesterov, maximize, first):
    lr, weight_decay, momentum, one_minus_dampening = s[0], s[1], s[2], s[3]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        if use_momentum:
            if first:
                b = d
            else:
                b = buf[i] * momentum + one_minus_dampening * d
            buf[i] = b
            if nesterov:
                d = d + momentum * b
            else:
                d = b
        p[i] = p[i] - lr * d


@njit(cache=True, error_model="numpy")
def _adagrad_nb(p, g, state_sum, s, use_wd, maximize):
    clr, weight_decay, eps = s[0], s[1], s[2]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        acc = state_sum[i] + d * d
        state_sum[i] = acc
        p[i] = p[i] - clr * (d / (math.sqrt(acc) + eps))


@njit(cache=True, error_model="numpy")
def _rmsprop_nb(p, g, square_avg, grad_avg, buf, s, use_wd, centered, use_momentum,
                maximize):
    lr, alpha, one_minus_alpha, lerp_w1 = s[0], s[1], s[2], s[3]
    eps, weight_decay, momentum = s[4], s[5], s[6]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if use_wd:
            d = d + weight_decay * p[i]
        sa = square_avg[i] * alpha + one_minus_alpha * d * d
        square_avg[i] = sa
        if centered:
            ga = _lerp(grad_avg[i], d, one_minus_alpha, lerp_w1)
            grad_avg[i] = ga
            var = sa - ga * ga
            if var < 0:  # rounding can push it a hair below 0; sqrt would give nan
                var = var - var
            avg = math.sqrt(var)
        else:
            avg = math.sqrt(sa)
        avg = avg + eps
        if use_momentum:
            b = buf[i] * momentum + d / avg
            buf[i] = b
            p[i] = p[i] - lr * b
        else:
            p[i] = p[i] - lr * (d / avg)


@njit(cache=True, error_model="numpy")
def _adam_nb(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, s, use_wd, amsgrad, maximize):
    step_size, one_minus_beta1, lerp_w1, beta2, one_minus_beta2 = s[0], s[1], s[2], s[3], s[4]
    inv_bias_correction2_sqrt, eps, weight_decay, decay = s[5], s[6], s[7], s[8]
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        x = p[i] * decay  # AdamW's decoupled decay; decay == 1 (exact) otherwise
        if use_wd:
            d = d + weight_decay * x
        m = _lerp(exp_avg[i], d, one_minus_beta1, lerp_w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + one_minus_beta2 * d * d
        exp_avg_sq[i] = v
        if amsgrad:
            v = max(max_exp_avg_sq[i], v)
            max_exp_avg_sq[i] = v
        denom = math.sqrt(v) * inv_bias_correction2_sqrt + eps
        p[i] = x - step_size * (m / denom)


# -- numpy twins: same arguments, same operation order --------------------------------

def _lerp_np(a, b, w, one_minus_w):
    """In place into ``a``: torch.lerp(a, b, w) for a scalar weight."""
    if w < 0.5:
        a += w * (b - a)
    else:
        a[...] = b - (b - a) * one_minus_w


def sgd_np(p, g, buf, s, use_wd, use_momentum, nesterov, maximize, first):
    lr, weight_decay, momentum, one_minus_dampening = s
    d = -g if maximize else g.copy()
    if use_wd:
        d += weight_decay * p
    if use_momentum:
        if first:
            buf[...] = d
        else:
            buf *= momentum
            buf += one_minus_dampening * d
        if nesterov:
            d += momentum * buf
        else:
            d = buf
    p -= lr * d


def adagrad_np(p, g, state_sum, s, use_wd, maximize):
    clr, weight_decay, eps = s
    d = -g if maximize else g.copy()
    if use_wd:
        d += weight_decay * p
    state_sum += d * d
    std = np.sqrt(state_sum)
    std += eps
    p -= clr * (d / std)


def rmsprop_np(p, g, square_avg, grad_avg, buf, s, use_wd, centered, use_momentum,
               maximize):
    lr, alpha, one_minus_alpha, lerp_w1, eps, weight_decay, momentum = s
    d = -g if maximize else g.copy()
    if use_wd:
        d += weight_decay * p
    square_avg *= alpha
    square_avg += one_minus_alpha * d * d
    if centered:
        _lerp_np(grad_avg, d, one_minus_alpha, lerp_w1)
        avg = np.sqrt(np.maximum(square_avg - grad_avg * grad_avg, 0))
    else:
        avg = np.sqrt(square_avg)
    avg += eps
    if use_momentum:
        buf *= momentum
        buf += d / avg
        p -= lr * buf
    else:
        p -= lr * (d / avg)


def adam_np(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, s, use_wd, amsgrad, maximize):
    (step_size, one_minus_beta1, lerp_w1, beta2, one_minus_beta2, inv_bias_correction2_sqrt,
     eps, weight_decay, decay) = s
    d = -g if maximize else g.copy()
    p *= decay
    if use_wd:
        d += weight_decay * p
    _lerp_np(exp_avg, d, one_minus_beta1, lerp_w1)
    exp_avg_sq *= beta2
    exp_avg_sq += one_minus_beta2 * d * d
    v = exp_avg_sq
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        v = max_exp_avg_sq
    denom = np.sqrt(v)
    denom *= inv_bias_correction2_sqrt
    denom += eps
    p -= step_size * (exp_avg / denom)


# -- dispatch -------------------------------------------------------------------------

_EMPTY = {ch: np.empty(0, dtype=dt) for ch, dt in _FAST.items()}


def _one_minus(w, dt):
    """``1 - w`` as torch.lerp computes it from ``w`` rounded to ``dt`` (exact where it
    is used, w >= 0.5, by Sterbenz's lemma)."""
    return 1.0 - float(dt.type(w))


def _each(loop, twin, name, params, grads, states, scalars, flags):
    """Run ``loop`` (or ``twin``) on each parameter ``k``: ``scalars(k)`` gives its float
    arguments (cast once per distinct value and dtype), ``flags(k)`` its booleans.

    Two passes: the first checks every parameter and prepares its arguments (flat
    views; copies only of inputs that are not contiguous), writing nothing, so an error
    leaves the whole group untouched; the second runs the loops."""
    use_numba = USE_NUMBA
    cast = {}
    calls = []
    for k, p in enumerate(params):
        g = grads[k]
        shape = p.shape
        if g.shape != shape:
            raise ValueError(
                f"{name}: gradient shape {tuple(g.shape)} does not match parameter "
                f"shape {tuple(shape)} (parameter {k} of the group)"
            )
        pflags = p.flags
        if not pflags.writeable:
            raise ValueError(f"{name}: parameter {k} of the group is a read-only array")
        dt = p.dtype
        ch = dt.char
        fast = use_numba and ch in _FAST
        empty = _EMPTY[ch] if fast else None
        bufs = []
        for st in states:
            b = st[k]
            if b is None:
                bufs.append(empty if fast else np.empty(0, dtype=dt))
            elif b.shape != shape or b.dtype.char != ch or not b.flags.c_contiguous:
                raise ValueError(
                    f"{name}: a state buffer of parameter {k} is {b.dtype} {tuple(b.shape)}"
                    f" (c_contiguous={b.flags.c_contiguous}); expected a C-contiguous "
                    f"{dt} array of shape {tuple(shape)}"
                )
            else:
                bufs.append(b.ravel())
        sc = scalars(k)
        key = (ch, sc)
        c = cast.get(key)
        if c is None:
            # one small array of the parameter's dtype: typing nine numpy scalars per
            # call was most of Numba's dispatch time
            c = cast[key] = np.array(sc, dtype=dt)
        if g.dtype.char != ch or not g.flags.c_contiguous:
            g = np.ascontiguousarray(g, dtype=dt)
        pc = p if pflags.c_contiguous else np.ascontiguousarray(p)
        calls.append((loop if fast else twin, p, pc,
                      (pc.ravel(), g.ravel(), *bufs, c, *flags(k))))
    for fn, p, pc, args in calls:
        fn(*args)
        if pc is not p:
            p[...] = pc


def sgd(params, grads, momentum_buffers, firsts, *, lr, weight_decay, momentum,
        dampening, nesterov, maximize):
    """SGD step for a list of parameters. ``momentum_buffers[k]``: same shape as the
    parameter (None when ``momentum == 0``); where ``firsts[k]`` it is (re)initialised
    to the gradient, as PyTorch does on the first step."""
    sc = (lr, weight_decay, momentum, 1.0 - dampening)
    base = (weight_decay != 0, momentum != 0, bool(nesterov), bool(maximize))
    _each(_sgd_nb, sgd_np, "SGD", params, grads, (momentum_buffers,),
          lambda k: sc, lambda k: base + (bool(firsts[k]),))


def adagrad(params, grads, state_sums, steps, *, lr, lr_decay, weight_decay, eps,
            maximize):
    """Adagrad step; ``steps[k]`` counts this step (1 on the first), for the decayed
    learning rate ``lr / (1 + (step - 1) * lr_decay)``."""
    flags = (weight_decay != 0, bool(maximize))
    _each(_adagrad_nb, adagrad_np, "Adagrad", params, grads, (state_sums,),
          lambda k: (lr / (1 + (steps[k] - 1) * lr_decay), weight_decay, eps),
          lambda k: flags)


def rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, *, lr, alpha, eps,
            weight_decay, momentum, centered, maximize):
    """RMSprop step. ``grad_avgs[k]`` is None unless ``centered``; ``momentum_buffers[k]``
    None unless ``momentum > 0``."""
    n = len(params)
    grad_avgs = grad_avgs if centered else [None] * n
    momentum_buffers = momentum_buffers if momentum > 0 else [None] * n
    flags = (weight_decay != 0, bool(centered), momentum > 0, bool(maximize))
    scal = {}

    def scalars(k):
        dt = params[k].dtype
        c = scal.get(dt.char)
        if c is None:
            c = scal[dt.char] = (lr, alpha, 1.0 - alpha, _one_minus(1.0 - alpha, dt), eps,
                                 weight_decay, momentum)
        return c

    _each(_rmsprop_nb, rmsprop_np, "RMSprop", params, grads,
          (square_avgs, grad_avgs, momentum_buffers), scalars, lambda k: flags)


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, lr, beta1,
         beta2, eps, weight_decay, decoupled_weight_decay, amsgrad, maximize):
    """Adam (or AdamW with ``decoupled_weight_decay``) step. ``steps[k]`` counts this step
    (1 on the first); bias corrections ``1 - beta**step`` are computed here, once per
    distinct step. ``max_exp_avg_sqs[k]`` is None unless ``amsgrad``."""
    if not amsgrad:
        max_exp_avg_sqs = [None] * len(params)
    if decoupled_weight_decay:
        decay, wd = 1.0 - lr * weight_decay, 0.0
    else:
        decay, wd = 1.0, weight_decay
    flags = (wd != 0, bool(amsgrad), bool(maximize))
    scal = {}

    def scalars(k):
        dt = params[k].dtype
        key = (steps[k], dt.char)
        c = scal.get(key)
        if c is None:
            step = steps[k]
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            c = scal[key] = (lr / bias_correction1, 1.0 - beta1,
                             _one_minus(1.0 - beta1, dt), beta2, 1.0 - beta2,
                             bias_correction2 ** -0.5, eps, wd, decay)
        return c

    _each(_adam_nb, adam_np, "Adam", params, grads,
          (exp_avgs, exp_avg_sqs, max_exp_avg_sqs), scalars, lambda k: flags)
