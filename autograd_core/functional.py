"""Higher-order helpers with ``torch.autograd.functional``'s names and return shapes:
``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp``, ``hvp``.

Conventions (as in PyTorch): ``inputs`` is a Tensor or a tuple of Tensors, ``func``
returns a Tensor or a tuple of Tensors; a single Tensor in (or out) gives a Tensor,
a tuple gives a tuple. The inputs are never modified: ``func`` sees fresh leaves that
share their data (or, with ``create_graph=True`` and an input that requires grad, a
differentiable copy, so the results stay connected to the caller's graph). Gradients
of outputs that do not depend on an input are zeros (``strict=True`` raises instead).

Everything is built on ``autograd_core.grad``: forward-mode products use the
double-backward trick (``J v = d/du <J^T u, v>``, exact because ``J^T u`` is linear in
``u``), and Hessian products are grad-of-grad, so no Hessian is formed for them.
"""
import numpy as np

from . import engine
from .grad_mode import enable_grad
from .tensor import Tensor
from .tensor_type import is_tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


# -- argument handling -------------------------------------------------------------------
def _as_tuple(x, what, fn_name):
    """``(is_tuple, tuple_of_tensors)``; raises naming ``fn_name`` for anything else."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not is_tensor(t):
            where = f" (element {i})" if is_tuple else ""
            raise TypeError(
                f"{fn_name}: the {what} must be a Tensor or a tuple of Tensors, "
                f"got {type(t).__name__}{where}"
            )
    return is_tuple, items


def _prepare(inputs, create_graph, fn_name):
    """Fresh tensors for ``func`` to use, so gradients w.r.t. them count only its uses."""
    out = []
    for i, t in enumerate(inputs):
        if t.dtype.kind != "f":
            raise TypeError(
                f"{fn_name}: input {i} has dtype {t.dtype}; only floating point inputs "
                "can be differentiated"
            )
        if create_graph and t.requires_grad:
            with enable_grad():  # differentiable identity: results depend on the caller's t
                out.append(t.clone())
        else:
            out.append(t.detach().requires_grad_())
    return tuple(out)


def _call(func, xs, fn_name):
    with enable_grad():
        out = func(*xs)
    return _as_tuple(out, "outputs of the user-provided function", fn_name)


def _check_v(v, refs, what, fn_name):
    """``v`` as a tuple matching ``refs`` in length and shapes, cast to their dtypes."""
    if v is None:
        if len(refs) == 1 and refs[0].numel() == 1:
            return (Tensor._make(np.ones(refs[0].shape, refs[0].dtype)),)
        raise RuntimeError(
            f"{fn_name}: v can only be None if the {what} is a single Tensor with a single "
            f"element; got shapes {[tuple(r.shape) for r in refs]}"
        )
    _, vs = _as_tuple(v, "v", fn_name)
    if len(vs) != len(refs):
        raise RuntimeError(
            f"{fn_name}: v has {len(vs)} elements but the {what} has {len(refs)}"
        )
    out = []
    for i, (a, r) in enumerate(zip(vs, refs)):
        if a.shape != r.shape:
            raise RuntimeError(
                f"{fn_name}: entry {i} of v has shape {tuple(a.shape)} but the matching "
                f"{what} entry has shape {tuple(r.shape)}"
            )
        out.append(a if a.dtype == r.dtype else a.astype(r.dtype))
    return tuple(out)


def _grad(outputs, inputs, grad_outputs, create_graph, retain_graph=None):
    """``engine.grad`` over the outputs that are connected to a graph; a None per input
    that none of them depends on."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs)
             if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return engine.grad([p[0] for p in pairs], inputs, [p[1] for p in pairs],
                       retain_graph=retain_graph, create_graph=create_graph,
                       allow_unused=True)


def _fill(grads, refs, strict, fn_name, what):
    """Replace None gradients with zeros shaped like ``refs`` (or raise when strict)."""
    out = []
    for i, (g, r) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"{fn_name}: the output of the user-provided function is independent of "
                    f"{what} {i}; this is not allowed in strict mode"
                )
            g = Tensor._make(np.zeros(r.shape, r.dtype))
        out.append(g)
    return tuple(out)


def _first_none(items):
    return next(i for i, t in enumerate(items) if t is None)  # not .index: Tensor == is elementwise


def _finish(ts, create_graph):
    return tuple(t if create_graph else t.detach() for t in ts)


def _ret(is_tuple, ts):
    return ts if is_tuple else ts[0]


# -- vector products ---------------------------------------------------------------------
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """Vector-Jacobian product ``v^T J``.

    ``v`` has the outputs' shapes (may be None when the output has one element).
    Returns ``(func_output, vjp)``; ``vjp`` has the inputs' shapes.
    """
    in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    xs = _prepare(inputs, create_graph, "vjp")
    out_tuple, outs = _call(func, xs, "vjp")
    vs = _check_v(v, outs, "output of the user-provided function", "vjp")
    grads = _grad(outs, xs, vs, create_graph)
    res = _fill(grads, xs, strict, "vjp", "input")
    return _ret(out_tuple, _finish(outs, create_graph)), _ret(in_tuple, _finish(res, create_graph))


def _dual(outs, xs):
    """Dummy cotangents ``u`` (None for outputs that carry no gradient, e.g. integer
    ones) and ``J^T u`` per input, recorded so that it can be differentiated in ``u``."""
    us = tuple(Tensor._make(np.zeros(o.shape, o.dtype)).requires_grad_() if o.requires_grad
               else None for o in outs)
    return us, _grad(outs, xs, us, create_graph=True)


def _through_dual(gx, us, vs, create_graph, retain_graph=None):
    """``J v`` per output: the gradient of ``<J^T u, v>`` in ``u`` (exact, being linear)."""
    live = [u for u in us if u is not None]
    if not live:
        return (None,) * len(us)
    got = iter(_grad(gx, live, vs, create_graph, retain_graph))
    return tuple(None if u is None else next(got) for u in us)


def _jvp_core(outs, xs, vs, create_graph, strict, fn_name):
    """``J v`` per output by the double-backward trick; ``outs`` computed from ``xs``."""
    us, gx = _dual(outs, xs)
    res = _through_dual(gx, us, vs, create_graph)
    return _fill(res, outs, strict, fn_name, "output")


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """Jacobian-vector product ``J v`` (computed with two reverse passes).

    ``v`` has the inputs' shapes (may be None when the input has one element).
    Returns ``(func_output, jvp)``; ``jvp`` has the outputs' shapes.
    """
    in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    xs = _prepare(inputs, create_graph, "jvp")
    vs = _check_v(v, xs, "input", "jvp")
    out_tuple, outs = _call(func, xs, "jvp")
    res = _jvp_core(outs, xs, vs, create_graph, strict, "jvp")
    return _ret(out_tuple, _finish(outs, create_graph)), _ret(out_tuple, _finish(res, create_graph))


def _scalar_output(func, xs, fn_name):
    out_tuple, outs = _call(func, xs, fn_name)
    if out_tuple or outs[0].numel() != 1:
        shapes = [tuple(o.shape) for o in outs]
        raise RuntimeError(
            f"{fn_name}: the function given must return a single Tensor with a single "
            f"element, got {'a tuple of ' if out_tuple else ''}shape(s) {shapes}"
        )
    return outs[0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """Vector-Hessian product ``v^T H`` of a scalar ``func``: the gradient of
    ``<grad f, v>`` (grad-of-grad; the Hessian is never formed).

    Returns ``(func_output, vhp)``; ``vhp`` has the inputs' shapes.
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """Hessian-vector product ``H v`` of a scalar ``func``.

    The Hessian of a twice continuously differentiable function is symmetric, so
    ``H v = (v^T H)^T`` and this is computed like ``vhp`` (grad-of-grad, one extra
    backward pass), instead of PyTorch's more expensive double-backward trick.
    Returns ``(func_output, hvp)``; ``hvp`` has the inputs' shapes.
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, fn_name):
    in_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    xs = _prepare(inputs, create_graph, fn_name)
    vs = _check_v(v, xs, "input", fn_name)
    out = _scalar_output(func, xs, fn_name)
    gs = _grad((out,), xs, (None,), create_graph=True)
    if strict and any(g is None for g in gs):
        _fill(gs, xs, True, fn_name, "input")
    res = _grad(gs, xs, vs, create_graph=create_graph)
    res = _fill(res, xs, strict, fn_name, "input")
    return _finish((out,), create_graph)[0], _ret(in_tuple, _finish(res, create_graph))


# -- full matrices -----------------------------------------------------------------------
def _stack_rows(rows, create_graph):
    """Stack per-element gradients (each of the input's shape) along a new first axis."""
    if not create_graph:
        return Tensor._make(np.stack([r._data for r in rows]))
    from .ops.join import stack  # differentiable, so the Jacobian can be differentiated
    return stack(rows)


def _reverse_jacobian(outs, xs, create_graph, strict, fn_name):
    """``J[i][j]`` of shape ``outs[i].shape + xs[j].shape``, one backward per output element."""
    jac = []
    for i, o in enumerate(outs):
        rows = [[] for _ in xs]
        for r in range(o.numel()):
            seed = np.zeros(o.shape, o.dtype)
            seed.reshape(-1)[r] = 1
            gs = _grad((o,), xs, (Tensor._make(seed),), create_graph, retain_graph=True)
            if strict and any(g is None for g in gs):
                raise RuntimeError(
                    f"{fn_name}: output {i} of the user-provided function is independent of "
                    f"input {_first_none(gs)}; this is not allowed in strict mode"
                )
            for j, g in enumerate(_fill(gs, xs, False, fn_name, "input")):
                rows[j].append(g if create_graph else g.detach())
        jac.append(tuple(
            _stack_rows(rows[j], create_graph).reshape(o.shape + x.shape) if o.numel()
            else Tensor._make(np.zeros(o.shape + x.shape, x.dtype))
            for j, x in enumerate(xs)
        ))
    return jac


def _forward_jacobian(outs, xs, create_graph, strict, fn_name):
    """Same result, one column per input element: build ``J^T u`` once (dummy ``u``), then
    each column ``J e_c`` is one backward pass through that linear graph. Cheaper than
    reverse mode when the inputs have fewer elements than the outputs."""
    us, gx = _dual(outs, xs)
    cols = [[[] for _ in xs] for _ in outs]
    for j, x in enumerate(xs):
        for c in range(x.numel()):
            seed = np.zeros(x.shape, x.dtype)
            seed.reshape(-1)[c] = 1
            vs = tuple(Tensor._make(seed if k == j else np.zeros(xk.shape, xk.dtype))
                       for k, xk in enumerate(xs))
            res = _through_dual(gx, us, vs, create_graph, retain_graph=True)
            for i, g in enumerate(_fill(res, outs, False, fn_name, "output")):
                cols[i][j].append(g if create_graph else g.detach())
    if strict:  # output i is independent of input j iff J^T u for input j ignores u_i
        for j, x in enumerate(xs):
            dep = _through_dual((gx[j],), us, (Tensor._make(np.ones(x.shape, x.dtype)),),
                                False, retain_graph=True)
            if any(d is None for d in dep):
                raise RuntimeError(
                    f"{fn_name}: output {_first_none(dep)} of the user-provided function is "
                    f"independent of input {j}; this is not allowed in strict mode"
                )
    jac = []
    for i, o in enumerate(outs):
        row = []
        for j, x in enumerate(xs):
            if x.numel() == 0:
                row.append(Tensor._make(np.zeros(o.shape + x.shape, x.dtype)))
                continue
            m = _stack_rows(cols[i][j], create_graph)  # (x.numel(),) + o.shape
            m = m.reshape(x.numel(), o.numel()).permute(1, 0).reshape(o.shape + x.shape)
            row.append(m if m.dtype == x.dtype else m.astype(x.dtype))  # as reverse mode
        jac.append(tuple(row))
    return jac


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``.

    Shapes: one input and one output give a Tensor of ``output.shape + input.shape``;
    a tuple of inputs gives a tuple over inputs, a tuple of outputs a tuple over
    outputs, and both give ``J[i][j]`` (output i by input j).

    ``strategy="reverse-mode"`` runs one backward pass per output element,
    ``"forward-mode"`` one per input element (pick whichever side is smaller).
    ``vectorize`` is accepted for PyTorch compatibility; without a ``vmap`` the rows are
    computed one pass each either way, so it does not change the result or the cost.
    With ``create_graph=True`` the result is differentiable.
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(
            f"jacobian: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}"
        )
    in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    xs = _prepare(inputs, create_graph, "jacobian")
    out_tuple, outs = _call(func, xs, "jacobian")
    build = _reverse_jacobian if strategy == "reverse-mode" else _forward_jacobian
    jac = build(outs, xs, create_graph, strict, "jacobian")
    jac = [_ret(in_tuple, row) for row in jac]
    return tuple(jac) if out_tuple else jac[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of scalar ``func`` at ``inputs``.

    One input gives a Tensor of ``input.shape + input.shape``; a tuple of inputs gives
    ``H[i][j]`` of shape ``inputs[i].shape + inputs[j].shape``. ``vectorize`` and
    ``outer_jacobian_strategy`` are as in ``jacobian``.
    """
    in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def grad_fn(*xs):
        out = _scalar_output(func, xs, "hessian")
        gs = _grad((out,), xs, (None,), create_graph=True)
        return _fill(gs, xs, strict, "hessian", "input")

    res = jacobian(grad_fn, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return res[0][0] if not in_tuple else tuple(tuple(row) for row in res)
