"""``summary(model, input_shape)``: a table of layers, output shapes and parameter counts."""
import numpy as np

from autograd_core import Tensor, dtypes, no_grad

from .module import Module

__all__ = ["summary"]


def _fmt_shape(out):
    if isinstance(out, Tensor):
        return "(" + ", ".join(str(s) for s in out.shape) + ("," if out.ndim == 1 else "") + ")"
    if isinstance(out, (tuple, list)):
        return "[" + ", ".join(_fmt_shape(o) for o in out) + "]"
    if isinstance(out, dict):
        return "{" + ", ".join(f"{k}: {_fmt_shape(v)}" for k, v in out.items()) + "}"
    return type(out).__name__


def _shapes(input_shape):
    """One shape (ints) or a list/tuple of shapes -> list of shape tuples."""
    if isinstance(input_shape, (tuple, list)) and input_shape and all(
            isinstance(s, (tuple, list)) for s in input_shape):
        shapes = [tuple(s) for s in input_shape]
    else:
        shapes = [tuple(input_shape)]
    for s in shapes:
        if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0 for d in s):
            raise ValueError(f"summary: input_shape must hold positive ints, got {input_shape!r}")
    return shapes


def summary(model, input_shape, dtype=dtypes.float32, print_fn=None):
    """Describe ``model`` by running one forward on a dummy input.

    Args:
        model: an ``nn.Module``.
        input_shape: the full input shape *including* the batch dimension, e.g.
            ``(1, 64)`` for an MLP on 64 features (a list of shapes for a model taking
            several inputs).
        dtype: dtype of the dummy input (standard-normal values from a private
            generator, so the global random stream is untouched).
        print_fn: called with the table (e.g. ``print``) if given.

    The forward runs in eval mode without recording a graph (so BatchNorm's running
    statistics and the model's train/eval flags are left as they were). Each row is one
    module call: qualified name (indented by depth) and type, output shape, and the
    parameters the module holds directly (so the column adds up to the total; a module
    called again shows its parameters once). Totals: all parameters, trainable
    (``requires_grad``) and non-trainable ones, buffer elements (e.g. running
    statistics) and the parameter memory. Returns the table as a string.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: model must be an nn.Module, got {type(model).__name__}")
    dt = dtypes.resolve(dtype)
    shapes = _shapes(input_shape)
    rng = np.random.default_rng(0)
    inputs = [Tensor._make(rng.standard_normal(s).astype(dt)) for s in shapes]

    names = {m: name for name, m in model.named_modules()}
    rows, stack, counted, handles = [], [], set(), []

    def pre(module, args):
        row = {"name": names[module], "type": type(module).__name__, "depth": len(stack),
               "out": "?", "params": None}
        own = [p for p in module._parameters.values() if p is not None and p not in counted]
        if module not in counted:
            counted.add(module)
            counted.update(own)
            row["params"] = sum(p.numel() for p in own)
        rows.append(row)
        stack.append(row)

    def post(module, args, out):
        stack.pop()["out"] = _fmt_shape(out)

    modes = {m: m.training for m in names}
    try:
        for m in names:
            handles.append(m.register_forward_pre_hook(pre))
            handles.append(m.register_forward_hook(post))
        model.eval()
        with no_grad():
            model(*inputs)
    except Exception as e:
        raise RuntimeError(
            f"summary: the forward pass of {type(model).__name__} failed on an input of "
            f"shape {shapes if len(shapes) > 1 else shapes[0]} ({dt.name}): {e}"
        ) from e
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes.items():
            m.__dict__["training"] = mode

    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    n_buffers = sum(b.numel() for b in model.buffers())
    size_mb = sum(p.numel() * p.element_size() for p in params) / 2**20

    labels = []
    for r in rows:
        label = r["name"] or "(model)"
        labels.append("  " * r["depth"] + f"{label} ({r['type']})")
    counts = ["--" if r["params"] is None else f"{r['params']:,}" for r in rows]
    w0 = max([len("Layer (type)")] + [len(s) for s in labels]) + 2
    w1 = max([len("Output shape")] + [len(r["out"]) for r in rows]) + 2
    w2 = max([len("Param #")] + [len(c) for c in counts])
    width = w0 + w1 + w2
    lines = ["=" * width, f"{'Layer (type)':<{w0}}{'Output shape':<{w1}}{'Param #':>{w2}}",
             "=" * width]
    for lab, r, c in zip(labels, rows, counts):
        lines.append(f"{lab:<{w0}}{r['out']:<{w1}}{c:>{w2}}")
    shape_txt = ", ".join(str(s) for s in shapes)
    lines += [
        "=" * width,
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
        f"Buffer elements: {n_buffers:,}",
        f"Input shape: {shape_txt} {dt.name}",
        f"Params size (MB): {size_mb:.2f}",
        "=" * width,
    ]
    text = "\n".join(lines)
    if print_fn is not None:
        print_fn(text)
    return text
