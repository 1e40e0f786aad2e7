"""Joining and padding: ``cat`` (one variadic primitive: a single node with n inputs),
``stack``/``hstack``/``vstack`` derived from it, and ``pad`` (a ``pad`` primitive for
constant mode, index gathers for reflect / replicate / circular).

Re-exported by ``shape.py``; the Tensor methods that slice (split, chunk) are in
``slicing.py`` since they are views made by indexing.
"""
from ..backend import ARRAYS
from ..function import Primitive
from ._dims import wrap_dim
from .registry import register
from ..tensor_type import is_tensor

__all__ = ["Cat", "Pad", "cat", "concat", "concatenate", "stack", "hstack", "vstack", "pad"]


def _is_legacy_empty(shape):
    # PyTorch lets a 1-d empty tensor of shape (0,) take part in any cat and skips it.
    return shape == (0,)


@register("cat", "shape")
class Cat(Primitive):
    """n tensors of equal shape except along ``dim`` -> their concatenation along ``dim``.
    dtypes are promoted as numpy does (the engine casts each gradient back)."""

    def forward(self, F, *arrays, dim=0):
        shapes = [tuple(a.shape) for a in arrays]
        ref = next((a for a in arrays if not _is_legacy_empty(a.shape)), arrays[0])
        if ref.ndim == 0:
            raise RuntimeError(
                f"cat: zero-dimensional tensor (at position {shapes.index(())}) cannot be "
                f"concatenated; got shapes {shapes}"
            )
        d = wrap_dim("cat", dim, ref.ndim)
        parts, spans, start = [], [], 0
        for i, a in enumerate(arrays):
            if _is_legacy_empty(a.shape) and ref.ndim != 1:
                spans.append(None)
                continue
            if a.ndim != ref.ndim:
                raise RuntimeError(
                    f"cat: tensors must have the same number of dimensions: got shapes {shapes}"
                )
            if a.shape[:d] != ref.shape[:d] or a.shape[d + 1:] != ref.shape[d + 1:]:
                raise RuntimeError(
                    f"cat: sizes of tensors must match except in dimension {d}: got shapes "
                    f"{shapes} (tensor {i} differs)"
                )
            parts.append(a)
            spans.append((start, start + a.shape[d]))
            start += a.shape[d]
        self.dim, self.spans = d, spans
        return F.cat(*parts, dim=d)

    def backward(self, F, g):
        lead = (slice(None),) * self.dim
        out = []
        for span, need in zip(self.spans, self.needs_input_grad):
            if not need:
                out.append(None)
            elif span is None:
                out.append(F.zeros((0,), g.dtype))
            else:
                out.append(F.getitem(g, index=lead + (slice(*span), Ellipsis),
                                     accumulate=False))
        return tuple(out)


def _tensors(op, tensors):
    if is_tensor(tensors) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{op}: expected a sequence (list or tuple) of Tensors, got {type(tensors).__name__}"
        )
    if len(tensors) == 0:
        raise RuntimeError(f"{op}: expected a non-empty list of Tensors")
    ref = next((t for t in tensors if is_tensor(t)), None)
    if ref is None:
        raise TypeError(f"{op}: expected a sequence of Tensors, got only {type(tensors[0]).__name__}")
    return [ref._to_tensor(t) for t in tensors]


def cat(tensors, dim=0, *, axis=None):
    """Concatenation along ``dim`` of tensors whose shapes agree elsewhere.

    Shapes (..., n_i, ...) -> (..., sum n_i, ...). A 1-d empty tensor is skipped, as in
    PyTorch. One graph node for all inputs.
    """
    ts = _tensors("cat", tensors)
    return ts[0]._apply(Cat, *ts, dim=dim if axis is None else axis)


concat = concatenate = cat


def stack(tensors, dim=0, *, axis=None):
    """n tensors of one shape S -> one tensor with a new dim of size n at ``dim``."""
    if axis is not None:
        dim = axis
    ts = _tensors("stack", tensors)
    s0 = ts[0].shape
    for i, t in enumerate(ts):
        if t.shape != s0:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {s0} at entry 0 and "
                f"{t.shape} at entry {i}"
            )
    d = wrap_dim("stack", dim, len(s0), extra=1)
    return ts[0]._apply(Cat, *[t.unsqueeze(d) for t in ts], dim=d)


def hstack(tensors):
    """Concatenation along dim 1 (dim 0 for 1-d tensors; 0-d ones become 1-d)."""
    ts = [t.reshape(1) if t.ndim == 0 else t for t in _tensors("hstack", tensors)]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors):
    """Concatenation along dim 0 after making every tensor at least 2-d ((n,) -> (1, n))."""
    ts = [t.reshape(1, -1) if t.ndim < 2 else t for t in _tensors("vstack", tensors)]
    return cat(ts, 0)


@register("pad", "shape")
class Pad(Primitive):
    """Constant padding; ``widths`` holds (before, after) per dim, negative entries crop.

    Its adjoint is padding by the negated widths (crop what was added, add zeros where it
    cropped), so backward is this op again and grad-of-grad needs nothing more.
    """

    def forward(self, F, a, widths, value=0.0):
        for d, ((lo, hi), s) in enumerate(zip(widths, a.shape)):
            if s + lo + hi < 0:
                raise RuntimeError(
                    f"pad: the input size {s} at dim {d} plus padding ({lo}, {hi}) resulted in "
                    f"a negative output size {s + lo + hi} (input shape {tuple(a.shape)})"
                )
        self.widths = widths
        return F.pad(a, widths=widths, value=value)

    def backward(self, F, g):
        return F.pad(g, widths=tuple((-lo, -hi) for lo, hi in self.widths), value=0.0)


def _pad_index(mode, s, lo, hi, d, shape):
    """Indices into a dim of size ``s`` that realise ``mode`` padding by (lo, hi)."""
    if s == 0:
        raise RuntimeError(f"pad: cannot {mode}-pad the empty dim {d} of shape {shape}")
    if mode == "circular" and (lo > s or hi > s):
        raise RuntimeError(
            f"pad: padding ({lo}, {hi}) for circular mode should be at most the size {s} of "
            f"dim {d} (input shape {shape})"
        )
    if mode == "reflect" and (lo >= s or hi >= s):
        raise RuntimeError(
            f"pad: padding ({lo}, {hi}) for reflect mode should be less than the size {s} of "
            f"dim {d} (input shape {shape})"
        )
    return ARRAYS.pad_index(mode, s, lo, hi)


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad)//2`` dims. ``pad`` is PyTorch's order: last dim first,
    ``(left, right, top, bottom, ...)``; negative entries crop.

    Modes: 'constant' (``value``, default 0), 'reflect' (mirror without repeating the edge),
    'replicate' (repeat the edge), 'circular' (wrap around). Unlike PyTorch, the
    non-constant modes accept any number of leading dims.
    """
    if not is_tensor(input):
        raise TypeError(f"pad: expected a Tensor as input, got {type(input).__name__}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError(f"pad: padding length must be divisible by 2, got pad={pad}")
    k = len(pad) // 2
    if k > input.ndim:
        raise RuntimeError(
            f"pad: padding length too large: pad={pad} pads {k} dims, but the input has shape "
            f"{input.shape} ({input.ndim} dims)"
        )
    widths = [(0, 0)] * (input.ndim - k) + [(pad[2 * j], pad[2 * j + 1]) for j in reversed(range(k))]
    if mode == "constant":
        return input._apply(Pad, input, widths=tuple(widths), value=0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(
            f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}"
        )
    if value is not None and value != 0:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in a value argument")
    out = input
    for d, (lo, hi) in enumerate(widths):
        if lo or hi:
            idx = _pad_index(mode, input.shape[d], lo, hi, d, input.shape)
            out = out[(slice(None),) * d + (idx,)]
    return out
