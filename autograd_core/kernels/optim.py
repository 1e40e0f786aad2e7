"""Fused optimizer updates: one pass over a parameter, its gradient and its state.

Why loops: written with numpy, an Adam step is a chain of ~10 ufuncs and as many
full-size temporaries (decay the moments, square, sqrt, divide, add eps, scale,
subtract); a Numba loop reads each array once and writes the parameter and its state
once, in place.

Three layers:
- **Flat loops** (``optim_loops.py``), one per *set of arrays* an algorithm variant
  touches (SGD with or without a momentum buffer, RMSprop plain / centered / momentum /
  both, Adam with or without ``max_exp_avg_sq``); ``VARIANTS`` pairs each with its numpy
  twin (``optim_twins.py``, same arguments). The earlier single loop per algorithm,
  taking every buffer and flags for the absent ones, was slow on large arrays whenever
  buffers went unused: RMSprop (no momentum, not centered) on 2^24 float32 took 57-61
  ms with empty placeholders and 120 ms with full-size unused arrays, against 15 ms
  for the specialised loop (Adagrad, same traffic: 15 ms). That unused arguments
  change the time at all says the generated code touches them (speculated loads, or a
  slower guarded path); the exact mechanism was not pinned down, so no loop takes an
  array it does not use.
- **Scalars** (``*_scalars``): derived hyperparameters (bias corrections, decayed
  learning rates, ``1 - beta``) computed once in float64 and cast to the parameter's
  dtype as one small array ``s``, so a float32 parameter is updated in float32
  arithmetic (as PyTorch does, and as the twin does under NEP 50) and the loop
  vectorizes at float32 width. ``kernel(variant, dtype)`` picks the loop or its twin.
  The optimizers (``optim/``) call these two directly on flat views they cache.
- **List API** (``sgd``, ``adagrad``, ``rmsprop``, ``adam``; ``*_np`` runs the twins):
  one call updates a list of parameters (a param group). Parameters and state buffers
  are written **in place**; buffers must be C-contiguous arrays of their parameter's
  dtype and shape; a gradient may have any layout and dtype (read as the parameter's
  dtype); a non-contiguous parameter is updated through a contiguous copy written back.
  Everything is checked before anything is written.

The arithmetic mirrors PyTorch's single-tensor CPU implementation operation by
operation (``lerp`` for the first moment, ``addcmul`` order for the second ...), so
results agree with ``torch.optim`` to rounding. One deliberate exception: Adam
multiplies ``sqrt(v)`` by ``1 / sqrt(1 - beta2^t)`` (computed once, in float64) where
PyTorch divides by ``sqrt(1 - beta2^t)``: one division per element fewer, results
within an ulp of the denominator. No fastmath flags: on the 537k-parameter MLP update
the loop is bound by cache bandwidth (7 float32 streams), and ``contract``/``arcp``
measured no gain there while changing rounding and inf/NaN corner cases.

float32 and float64 run the Numba loops when ``kernels.USE_NUMBA`` is set; other
dtypes (float16) and ``AUTOGRAD_CORE_KERNELS=numpy`` run the twins. ``njit`` has no
signature, so a loop compiles lazily on first use, once per dtype; ``cache=True``
keeps the code. ``error_model="numpy"``: Python's ZeroDivisionError check would stop
LLVM from vectorizing the divisions (measured: 8x slower Adam).
"""
import numpy as np

from . import USE_NUMBA
from . import optim_twins as T
from .optim_loops import (  # noqa: F401  (the loops, re-exported for the tests)
    _sgd_nb, _sgd_momentum_nb, _adagrad_nb, _rmsprop_nb,
    _rmsprop_centered_nb, _rmsprop_momentum_nb, _rmsprop_centered_momentum_nb,
    _adam_nb, _amsgrad_nb,
)

__all__ = [
    "sgd", "adagrad", "rmsprop", "adam",
    "sgd_np", "adagrad_np", "rmsprop_np", "adam_np",
    "kernel", "sgd_scalars", "adagrad_scalars", "rmsprop_scalars", "adam_scalars",
]

# keyed by dtype.char: hashing or comparing np.dtype objects costs ~1 us each, which
# showed up as most of the per-parameter dispatch time
_FAST = {"f": np.dtype(np.float32), "d": np.dtype(np.float64)}


#: variant -> (Numba loop, numpy twin with the same arguments)
VARIANTS = {
    "sgd": (_sgd_nb, T.sgd_flat_np),
    "sgd_momentum": (_sgd_momentum_nb, T.sgd_momentum_flat_np),
    "adagrad": (_adagrad_nb, T.adagrad_flat_np),
    "rmsprop": (_rmsprop_nb, T.rmsprop_flat_np),
    "rmsprop_centered": (_rmsprop_centered_nb, T.rmsprop_centered_flat_np),
    "rmsprop_momentum": (_rmsprop_momentum_nb, T.rmsprop_momentum_flat_np),
    "rmsprop_centered_momentum": (_rmsprop_centered_momentum_nb,
                                  T.rmsprop_centered_momentum_flat_np),
    "adam": (_adam_nb, T.adam_flat_np),
    "amsgrad": (_amsgrad_nb, T.amsgrad_flat_np),
}


def kernel(variant, dtype_char, use_numba=None):
    """The flat update for ``variant`` (a ``VARIANTS`` key) on parameters of dtype
    ``dtype_char`` (``np.dtype.char``): the Numba loop for float32/float64 when
    ``USE_NUMBA`` (or ``use_numba``) is set, else the numpy twin. Its arguments: the
    1-D C-contiguous parameter, gradient and state arrays (all of that dtype) in the
    order of the loop's signature, the scalar array, then the flags."""
    if use_numba is None:
        use_numba = USE_NUMBA
    loop, twin = VARIANTS[variant]
    if not (use_numba and dtype_char in _FAST):
        return twin
    # the Numba dispatcher itself: calling through the lazy wrapper costs ~2 us a call
    return loop.dispatcher or loop.materialize()


# -- scalars ----------------------------------------------------------------------------

def _one_minus(w, dt):
    """``1 - w`` as torch.lerp computes it from ``w`` rounded to ``dt`` (exact where it
    is used, w >= 0.5, by Sterbenz's lemma)."""
    return 1.0 - float(dt.type(w))


def sgd_scalars(dt, *, lr, weight_decay, momentum, dampening):
    """Scalar array of dtype ``dt`` for the SGD loops."""
    return np.array((lr, weight_decay, momentum, 1.0 - dampening), dtype=dt)


def adagrad_scalars(dt, step, *, lr, lr_decay, weight_decay, eps):
    """Adagrad at step ``step`` (1 on the first): decayed lr, weight decay, eps."""
    return np.array((lr / (1 + (step - 1) * lr_decay), weight_decay, eps), dtype=dt)


def rmsprop_scalars(dt, *, lr, alpha, eps, weight_decay, momentum):
    dt = np.dtype(dt)
    return np.array((lr, alpha, 1.0 - alpha, _one_minus(1.0 - alpha, dt), eps,
                     weight_decay, momentum), dtype=dt)


def adam_scalars(dt, step, *, lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay):
    """Adam/AdamW at step ``step`` (1 on the first): bias corrections folded into the
    step size and a reciprocal root, computed in float64. With decoupled decay the
    loop's L2 weight is 0 (so pass ``use_wd=False``) and ``decay = 1 - lr * wd``."""
    dt = np.dtype(dt)
    if decoupled_weight_decay:
        decay, wd = 1.0 - lr * weight_decay, 0.0
    else:
        decay, wd = 1.0, weight_decay
    return np.array((lr / (1 - beta1 ** step), 1.0 - beta1, _one_minus(1.0 - beta1, dt),
                     beta2, 1.0 - beta2, (1 - beta2 ** step) ** -0.5, eps, wd, decay),
                    dtype=dt)


# -- list API ---------------------------------------------------------------------------

def _run(use_numba, name, variant, params, grads, buffers, scalars, flags, firsts=None):
    """Update each parameter ``k`` with ``kernel(variant)``: ``buffers`` is a tuple of
    per-parameter lists (the state arrays the variant uses), ``scalars(dt, k)`` the
    scalar array, ``flags`` the booleans (``firsts[k]`` appended when given: SGD).

    Two passes: the first checks every parameter and prepares its arguments (flat
    views; copies only of inputs that are not contiguous), writing nothing, so an error
    leaves the whole group untouched; the second runs the loops."""
    calls = []
    fns = {}
    for k, p in enumerate(params):
        g = grads[k]
        shape = p.shape
        if g.shape != shape:
            raise ValueError(
                f"{name}: gradient shape {tuple(g.shape)} does not match parameter "
                f"shape {tuple(shape)} (parameter {k} of the group)")
        pflags = p.flags
        if not pflags.writeable:
            raise ValueError(f"{name}: parameter {k} of the group is a read-only array")
        dt = p.dtype
        ch = dt.char
        fn = fns.get(ch)
        if fn is None:
            if dt.kind != "f":
                raise TypeError(f"{name}: parameter {k} of the group has non-floating "
                                f"dtype {dt}")
            fn = fns[ch] = kernel(variant, ch, use_numba)
        args = [None, None]
        for lst in buffers:
            b = lst[k]
            if b is None:
                raise ValueError(f"{name}: parameter {k} of the group has no state buffer "
                                 f"for this configuration ({variant})")
            if b.shape != shape or b.dtype.char != ch or not b.flags.c_contiguous:
                raise ValueError(
                    f"{name}: a state buffer of parameter {k} is {b.dtype} "
                    f"{tuple(b.shape)} (c_contiguous={b.flags.c_contiguous}); expected a "
                    f"C-contiguous {dt} array of shape {tuple(shape)}")
            args.append(b.ravel())
        if g.dtype.char != ch or not g.flags.c_contiguous:
            g = np.ascontiguousarray(g, dtype=dt)
        pc = p if pflags.c_contiguous else np.ascontiguousarray(p)
        args[0] = pc.ravel()
        args[1] = g.ravel()
        args.append(scalars(dt, k))
        args += flags
        if firsts is not None:
            args.append(bool(firsts[k]))
        calls.append((fn, p, pc, args))
    for fn, p, pc, args in calls:
        fn(*args)
        if pc is not p:
            p[...] = pc


def _memo(make):
    """``scalars(dt, k)`` memoized per (dtype, key(k)): one small array per distinct
    value, not one per parameter (building it costs ~1 us)."""
    cache = {}

    def scalars(dt, key):
        c = cache.get((dt.char, key))
        if c is None:
            c = cache[(dt.char, key)] = make(dt, key)
        return c
    return scalars


def _sgd(use_numba, params, grads, momentum_buffers, firsts, lr, weight_decay, momentum,
         dampening, nesterov, maximize):
    sc = _memo(lambda dt, _: sgd_scalars(dt, lr=lr, weight_decay=weight_decay,
                                         momentum=momentum, dampening=dampening))
    wd, mx = weight_decay != 0, bool(maximize)
    if momentum != 0:
        _run(use_numba, "SGD", "sgd_momentum", params, grads, (momentum_buffers,),
             lambda dt, k: sc(dt, 0), (wd, bool(nesterov), mx), firsts)
    else:
        _run(use_numba, "SGD", "sgd", params, grads, (), lambda dt, k: sc(dt, 0), (wd, mx))


def sgd(params, grads, momentum_buffers, firsts, *, lr, weight_decay, momentum,
        dampening, nesterov, maximize):
    """SGD step for a list of parameters. ``momentum_buffers[k]``: same shape as the
    parameter (ignored, may be None, when ``momentum == 0``); where ``firsts[k]`` it is
    (re)initialised to the gradient, as PyTorch does on the first step."""
    _sgd(USE_NUMBA, params, grads, momentum_buffers, firsts, lr, weight_decay, momentum,
         dampening, nesterov, maximize)


def sgd_np(params, grads, momentum_buffers, firsts, *, lr, weight_decay, momentum,
           dampening, nesterov, maximize):
    """``sgd`` on the numpy twins."""
    _sgd(False, params, grads, momentum_buffers, firsts, lr, weight_decay, momentum,
         dampening, nesterov, maximize)


def _adagrad(use_numba, params, grads, state_sums, steps, lr, lr_decay, weight_decay, eps,
             maximize):
    sc = _memo(lambda dt, step: adagrad_scalars(dt, step, lr=lr, lr_decay=lr_decay,
                                                weight_decay=weight_decay, eps=eps))
    flags = (weight_decay != 0, bool(maximize))
    _run(use_numba, "Adagrad", "adagrad", params, grads, (state_sums,),
         lambda dt, k: sc(dt, steps[k]), flags)


def adagrad(params, grads, state_sums, steps, *, lr, lr_decay, weight_decay, eps,
            maximize):
    """Adagrad step; ``steps[k]`` counts this step (1 on the first), for the decayed
    learning rate ``lr / (1 + (step - 1) * lr_decay)``."""
    _adagrad(USE_NUMBA, params, grads, state_sums, steps, lr, lr_decay, weight_decay, eps,
             maximize)


def adagrad_np(params, grads, state_sums, steps, *, lr, lr_decay, weight_decay, eps,
               maximize):
    """``adagrad`` on the numpy twins."""
    _adagrad(False, params, grads, state_sums, steps, lr, lr_decay, weight_decay, eps,
             maximize)


def rmsprop_variant(centered, momentum):
    return "rmsprop" + ("_centered" if centered else "") + ("_momentum" if momentum > 0
                                                            else "")


def _rmsprop(use_numba, params, grads, square_avgs, grad_avgs, momentum_buffers, lr, alpha,
             eps, weight_decay, momentum, centered, maximize):
    sc = _memo(lambda dt, _: rmsprop_scalars(dt, lr=lr, alpha=alpha, eps=eps,
                                             weight_decay=weight_decay, momentum=momentum))
    bufs = (square_avgs,) + ((grad_avgs,) if centered else ()) + (
        (momentum_buffers,) if momentum > 0 else ())
    flags = (weight_decay != 0, bool(maximize))
    _run(use_numba, "RMSprop", rmsprop_variant(centered, momentum), params, grads, bufs,
         lambda dt, k: sc(dt, 0), flags)


def rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, *, lr, alpha, eps,
            weight_decay, momentum, centered, maximize):
    """RMSprop step. ``grad_avgs[k]`` is used only when ``centered``,
    ``momentum_buffers[k]`` only when ``momentum > 0`` (may be None otherwise)."""
    _rmsprop(USE_NUMBA, params, grads, square_avgs, grad_avgs, momentum_buffers, lr, alpha,
             eps, weight_decay, momentum, centered, maximize)


def rmsprop_np(params, grads, square_avgs, grad_avgs, momentum_buffers, *, lr, alpha, eps,
               weight_decay, momentum, centered, maximize):
    """``rmsprop`` on the numpy twins."""
    _rmsprop(False, params, grads, square_avgs, grad_avgs, momentum_buffers, lr, alpha,
             eps, weight_decay, momentum, centered, maximize)


def _adam(use_numba, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr,
          beta1, beta2, eps, weight_decay, decoupled_weight_decay, amsgrad, maximize):
    sc = _memo(lambda dt, step: adam_scalars(
        dt, step, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
        decoupled_weight_decay=decoupled_weight_decay))
    flags = (weight_decay != 0 and not decoupled_weight_decay, bool(maximize))
    bufs = (exp_avgs, exp_avg_sqs) + ((max_exp_avg_sqs,) if amsgrad else ())
    _run(use_numba, "Adam", "amsgrad" if amsgrad else "adam", params, grads, bufs,
         lambda dt, k: sc(dt, steps[k]), flags)


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, lr, beta1,
         beta2, eps, weight_decay, decoupled_weight_decay, amsgrad, maximize):
    """Adam (or AdamW with ``decoupled_weight_decay``) step. ``steps[k]`` counts this step
    (1 on the first); bias corrections ``1 - beta**step`` are computed here, once per
    distinct step. ``max_exp_avg_sqs[k]`` is used only with ``amsgrad``."""
    _adam(USE_NUMBA, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr,
          beta1, beta2, eps, weight_decay, decoupled_weight_decay, amsgrad, maximize)


def adam_np(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, lr, beta1,
            beta2, eps, weight_decay, decoupled_weight_decay, amsgrad, maximize):
    """``adam`` on the numpy twins."""
    _adam(False, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr,
          beta1, beta2, eps, weight_decay, decoupled_weight_decay, amsgrad, maximize)
