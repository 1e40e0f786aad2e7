"""Numerical gradient checks: the analytic gradient against central differences.

``gradcheck`` follows the course notes' recipe: perturb each element by +-eps, take
(f(x+eps) - f(x-eps)) / (2 eps) for every output element (so the full Jacobian is
compared, not only one projection), and report the relative error
||a - n|| / (||a|| + ||n||): about 1e-7 is right, 1e-5 is suspicious, 1e-3 is a bug.
Run it in float64: float32 rounding alone is ~1e-4 at eps=1e-3.
"""
import numpy as np

from .grad_mode import no_grad, enable_grad
from . import engine

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "relative_error",
           "numerical_jacobian", "analytical_jacobian"]


class GradcheckError(AssertionError):
    """The analytic and numerical gradients disagree."""


def relative_error(a, n):
    """||a - n|| / (||a|| + ||n||), 0.0 when both are zero (the course's measure)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    n = np.asarray(n, dtype=np.float64).ravel()
    den = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if den == 0 else float(np.linalg.norm(a - n) / den)


def _outputs(fn, inputs):
    out = fn(*inputs)
    return out if isinstance(out, (tuple, list)) else (out,)


def _diff_inputs(inputs):
    return [i for i, t in enumerate(inputs) if getattr(t, "requires_grad", False)]


def numerical_jacobian(fn, inputs, eps=1e-6):
    """Per differentiable input, a list (one per output) of Jacobians of shape
    (output.numel(), input.numel()) by central differences. Inputs are perturbed in place
    and restored."""
    with no_grad():
        outs = [o for o in _outputs(fn, inputs)]
    jac = []
    for i in _diff_inputs(inputs):
        x = inputs[i]._data
        if not x.flags.writeable:
            raise ValueError(f"gradcheck: input {i} is a read-only array; pass a writeable copy")
        per_out = [np.zeros((o.numel(), x.size)) for o in outs]
        flat_idx = list(np.ndindex(x.shape))
        for k, idx in enumerate(flat_idx):
            orig = x[idx]
            x[idx] = orig + eps
            with no_grad():
                plus = [np.array(o._data, dtype=np.float64) for o in _outputs(fn, inputs)]
            x[idx] = orig - eps
            with no_grad():
                minus = [np.array(o._data, dtype=np.float64) for o in _outputs(fn, inputs)]
            x[idx] = orig
            for j in range(len(outs)):
                per_out[j][:, k] = ((plus[j] - minus[j]) / (2 * eps)).ravel()
        jac.append(per_out)
    return jac


def analytical_jacobian(fn, inputs, create_graph=False):
    """Same layout as ``numerical_jacobian``, from backward (one pass per output element)."""
    outs = _outputs(fn, inputs)
    diff = [inputs[i] for i in _diff_inputs(inputs)]
    jac = [[np.zeros((o.numel(), t.numel())) for o in outs] for t in diff]
    for j, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for r in range(o.numel()):
            seed = np.zeros(o.shape, dtype=o.dtype)
            seed.reshape(-1)[r] = 1
            grads = engine.grad(o, diff, o._make(seed), retain_graph=True, allow_unused=True)
            for k, g in enumerate(grads):
                if g is not None:
                    jac[k][j][r, :] = np.asarray(g._data, dtype=np.float64).ravel()
    return jac


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check ``fn(*inputs)``'s gradients against central differences.

    ``inputs``: a Tensor or a sequence of Tensors (and other values); those with
    ``requires_grad`` are checked, and they should be float64. Every output element's
    gradient with respect to every input element is compared:
    ``|a - n| <= atol + rtol * |n|``. Returns True, or raises GradcheckError naming the
    input, the worst element and both values (returns False if ``raise_exception=False``).
    """
    if not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    inputs = tuple(inputs)
    diff = _diff_inputs(inputs)
    if not diff:
        raise ValueError("gradcheck: no input requires grad; nothing to check")
    for i in diff:
        if inputs[i].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs "
                "(float32 rounding makes central differences meaningless)"
            )
    num = numerical_jacobian(fn, inputs, eps)
    ana = analytical_jacobian(fn, inputs)
    for k, i in enumerate(diff):
        for j, (a, n) in enumerate(zip(ana[k], num[k])):
            if a.size == 0:
                continue
            bad = np.abs(a - n) > atol + rtol * np.abs(n)
            if bad.any() or not np.isfinite(a).all():
                r, c = np.unravel_index(np.argmax(np.abs(a - n) - rtol * np.abs(n)), a.shape)
                shape = tuple(inputs[i].shape)
                elem = np.unravel_index(c, shape) if shape else ()
                msg = (
                    f"gradcheck failed for input {i} (shape {shape}), output {j}: "
                    f"worst at input element {tuple(int(e) for e in elem)}, output element "
                    f"{int(r)}: analytic {a[r, c]:.10g} vs numerical {n[r, c]:.10g}; "
                    f"relative error of the whole Jacobian {relative_error(a, n):.3g} "
                    "(~1e-7 right, 1e-5 suspicious, 1e-3 a bug)"
                )
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True):
    """Check second derivatives: gradcheck of the function that maps ``inputs`` (and the
    output gradients ``grad_outputs``, random if omitted) to ``grad(fn(inputs), inputs)``
    computed with ``create_graph=True``."""
    if not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    inputs = tuple(inputs)
    diff = _diff_inputs(inputs)
    with no_grad():
        outs = _outputs(fn, inputs)
    rng = np.random.default_rng(0)
    if grad_outputs is None:
        grad_outputs = tuple(
            o._make(rng.standard_normal(o.shape)).requires_grad_() for o in outs
        )
    elif not isinstance(grad_outputs, (tuple, list)):
        grad_outputs = (grad_outputs,)
    n_in = len(inputs)

    def first_order(*args):
        xs, gos = args[:n_in], args[n_in:]
        with enable_grad():  # the numerical pass runs under no_grad; first order needs a graph
            ys = _outputs(fn, xs)
            pairs = [(y, go) for y, go in zip(ys, gos) if y.requires_grad]
            gs = engine.grad([p[0] for p in pairs], [xs[i] for i in diff],
                             [p[1] for p in pairs], create_graph=True, allow_unused=True)
        return tuple(g if g is not None else xs[i]._make(np.zeros(xs[i].shape))
                     for g, i in zip(gs, diff))

    return gradcheck(first_order, inputs + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
