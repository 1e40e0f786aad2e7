"""Shape ops: reshape/view, permute/transpose, expand/broadcast_to and what is derived
from them (flatten, squeeze, movedim, repeat, ...). Joining and padding (cat, stack,
pad) live in ``join.py`` and are re-exported here; the slicing views (split, chunk,
narrow, flip, ...) are in ``slicing.py``.

Three primitives carry everything here: ``reshape``, ``permute`` and ``expand``.
Their forwards return numpy views where numpy can (reshape copies a non-contiguous
input when it must), and a result that shares memory with its input also shares the
input's version counter, as PyTorch's views do: an in-place write through either one
is then caught by backward's saved-tensor check.

Differences from PyTorch, on purpose:
- ``view`` is ``reshape``: where PyTorch's ``view`` raises on a non-contiguous input,
  ours returns a copy (numpy decides), so writes into that copy do not reach the input.
- ``.T`` reverses all dims for any ndim without the deprecation warning PyTorch gives
  for ndim other than 2 (numpy's behaviour).
- ``expand``/``broadcast_to`` results are read-only numpy views: in-place ops on them
  raise (PyTorch raises too, for writes that would alias elements).
"""
import math

from ..backend.shape import REVERSED as _REVERSED
from ..function import Primitive
from ..grad_mode import GRAD
from ..shapes import broadcast_shape
from ._dims import share_version, shape_arg, wrap_dim
from .registry import register
from .join import *  # noqa: F401,F403  (cat, stack, pad, ... are shape ops too)
from .join import __all__ as _join_all
from ..tensor_type import is_tensor

__all__ = [
    "Reshape", "Permute", "Expand", "ShapeMethods", "reshape", "flatten", "unflatten",
    "ravel", "transpose", "swapaxes", "swapdims", "permute", "movedim", "moveaxis",
    "unsqueeze", "squeeze", "broadcast_to", "broadcast_tensors", "tile",
] + list(_join_all)


def infer_shape(op, shape, in_shape):
    """``shape`` with its one -1 entry resolved so that it holds ``prod(in_shape)`` elements."""
    size = math.prod(in_shape)
    if min(shape, default=0) >= 0 and math.prod(shape) == size:  # nothing to infer
        return shape
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape dimension {min(shape)} in shape {shape}")
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred, got shape {shape}")
    known = math.prod(s for s in shape if s != -1)
    if unknown:
        if known == 0:
            raise RuntimeError(
                f"{op}: cannot reshape a tensor of {size} elements into shape {shape}: the "
                "dimension given as -1 can be any value and is ambiguous"
            )
        if size % known == 0:
            shape = tuple(size // known if s == -1 else s for s in shape)
            return shape
    elif known == size:
        return shape
    raise RuntimeError(
        f"{op}: shape {shape} is invalid for input of shape {tuple(in_shape)} ({size} elements)"
    )


@register("reshape", "shape")
class Reshape(Primitive):
    """(in_shape) -> (shape), same elements in C order; ``shape`` is already resolved."""

    def forward(self, F, a, shape):
        self.in_shape = a.shape
        return F.reshape(a, shape=shape)

    def backward(self, F, g):
        return F.reshape(g, shape=self.in_shape)


@register("permute", "shape")
class Permute(Primitive):
    """Axes reordered: output dim i is input dim ``dims[i]`` (a view)."""

    def forward(self, F, a, dims):
        self.dims = dims
        return F.permute(a, dims=dims)

    def backward(self, F, g):
        inv = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inv[d] = i
        return F.permute(g, dims=tuple(inv))


@register("expand", "shape")
class Expand(Primitive):
    """Size-1 dims (and new leading dims) broadcast to ``shape`` (a read-only view)."""

    stores_attributes = False

    def forward(self, F, a, shape):
        return F.expand(a, shape=shape)

    def backward(self, F, g):
        return g  # the engine sums it back to the input's shape


def _check_tensor(op, x):
    if not is_tensor(x):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(x).__name__}")
    return x


class ShapeMethods:
    """Tensor methods that change the shape or the order of dims (PyTorch names)."""

    __slots__ = ()

    # -- reshape family -------------------------------------------------------------------
    def reshape(self, *shape):
        """The same elements in C order with shape ``shape`` (one entry may be -1)."""
        shape = infer_shape("reshape", shape_arg("reshape", shape), self.shape)
        if shape == self.shape:
            return self
        return share_version(self._apply(Reshape, self, shape=shape), self)

    def view(self, *shape):
        """Same as ``reshape`` (may copy where PyTorch's view would raise; see module doc)."""
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list)) and not hasattr(
            shape[0], "__index__"
        ):
            raise TypeError(f"view: reinterpreting the dtype (view({shape[0]!r})) is not supported")
        return self.reshape(*shape)

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim=0, end_dim=-1):
        """Dims ``start_dim..end_dim`` merged into one; a 0-d tensor becomes shape (1,)."""
        if self.ndim == 0:
            return self.reshape(1)
        s = wrap_dim("flatten", start_dim, self.ndim)
        e = wrap_dim("flatten", end_dim, self.ndim)
        if s > e:
            raise RuntimeError(
                f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim})"
            )
        shp = self.shape
        return self.reshape(shp[:s] + (math.prod(shp[s:e + 1]),) + shp[e + 1:])

    def unflatten(self, dim, sizes):
        """Dim ``dim`` split into ``sizes`` (one entry may be -1)."""
        d = wrap_dim("unflatten", dim, self.ndim)
        sizes = shape_arg("unflatten", (sizes,))
        if not sizes:
            raise RuntimeError("unflatten: sizes must be non-empty")
        sizes = infer_shape("unflatten", sizes, (self.shape[d],))
        return self.reshape(self.shape[:d] + sizes + self.shape[d + 1:])

    def ravel(self):
        return self.reshape(-1)

    def contiguous(self):
        """Self when C-contiguous, else a C-contiguous copy (in the graph)."""
        return self if self._data.flags.c_contiguous else self._clone()

    # -- dim order ------------------------------------------------------------------------
    def permute(self, *dims):
        """Output dim i is input dim ``dims[i]``; a view."""
        dims = shape_arg("permute", dims)
        if len(dims) != self.ndim:
            raise RuntimeError(
                f"permute: number of dims don't match: got {len(dims)} dims {dims} for a "
                f"tensor of shape {self.shape}"
            )
        dims = tuple(wrap_dim("permute", d, self.ndim) for d in dims)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"permute: repeated dim in {dims}")
        return share_version(self._apply(Permute, self, dims=dims), self)

    def transpose(self, dim0, dim1):
        """``dim0`` and ``dim1`` swapped; a view."""
        d0 = wrap_dim("transpose", dim0, self.ndim)
        d1 = wrap_dim("transpose", dim1, self.ndim)
        if d0 == d1 or self.ndim < 2:
            return self
        dims = list(range(self.ndim))
        dims[d0], dims[d1] = d1, d0
        out = self._apply(Permute, self, dims=tuple(dims))
        out._version = self._version  # always a view
        return out

    swapaxes = transpose
    swapdims = transpose

    def t(self):
        """Transpose of a tensor with at most 2 dims (1-d and 0-d come back as they are)."""
        if self.ndim > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D "
                f"(shape {self.shape}); use transpose(dim0, dim1) or .mT"
            )
        return self.transpose(0, 1) if self.ndim == 2 else self

    @property
    def T(self):
        """All dims reversed (see the module doc)."""
        nd = self._data.ndim
        if nd < 2:
            return self
        if not (self._requires_grad and GRAD.get()):  # nothing to record: skip _apply
            # (the hot case of x @ w.T; see docs/design-notes/shape-and-index.md)
            return self._make(self._data.T, version=self._version)
        out = self._apply(Permute, self, dims=_REVERSED[nd])
        out._version = self._version  # a transpose is always a view: share the counter
        return out

    @property
    def mT(self):
        """The last two dims swapped (batched matrix transpose)."""
        if self.ndim < 2:
            raise RuntimeError(f"mT: tensor of shape {self.shape} has fewer than 2 dimensions")
        return self.transpose(-2, -1)

    def movedim(self, source, destination):
        """Dims ``source`` moved to positions ``destination``; the others keep their order."""
        src = (source,) if not isinstance(source, (tuple, list)) else tuple(source)
        dst = (destination,) if not isinstance(destination, (tuple, list)) else tuple(destination)
        if len(src) != len(dst):
            raise RuntimeError(
                f"movedim: invalid source or destination dims: source {src} and destination "
                f"{dst} have different lengths"
            )
        n = self.ndim
        src = [wrap_dim("movedim", d, n) for d in src]
        dst = [wrap_dim("movedim", d, n) for d in dst]
        if len(set(src)) != len(src) or len(set(dst)) != len(dst):
            raise RuntimeError(f"movedim: repeated dim in source {src} or destination {dst}")
        order = [None] * n
        for s, d in zip(src, dst):
            order[d] = s
        rest = iter(i for i in range(n) if i not in src)
        order = [next(rest) if o is None else o for o in order]
        return self.permute(order)

    moveaxis = movedim

    # -- size-1 dims ----------------------------------------------------------------------
    def unsqueeze(self, dim):
        """A size-1 dim inserted at ``dim`` (in [-ndim-1, ndim])."""
        d = wrap_dim("unsqueeze", dim, self.ndim, extra=1)
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def squeeze(self, dim=None, *, axis=None):
        """Size-1 dims removed: all of them, or those among ``dim`` (an int or a tuple)."""
        if axis is not None:
            dim = axis
        if dim is None:
            dims = range(self.ndim)
        else:
            ds = dim if isinstance(dim, (tuple, list)) else (dim,)
            dims = {wrap_dim("squeeze", d, self.ndim) for d in ds}
        shape = tuple(s for i, s in enumerate(self.shape) if not (i in dims and s == 1))
        return self.reshape(shape)

    # -- broadcasting -----------------------------------------------------------------------
    def expand(self, *sizes):
        """A view broadcast to ``sizes``: -1 keeps a dim; new dims may be added in front."""
        sizes = shape_arg("expand", sizes)
        shp, n = self.shape, self.ndim
        if len(sizes) < n:
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(sizes)}) must be greater or "
                f"equal to the number of dimensions in the tensor ({n}); sizes {sizes}, "
                f"tensor shape {shp}"
            )
        lead = len(sizes) - n
        out = []
        for i, s in enumerate(sizes):
            if i < lead:
                if s < 0:
                    raise RuntimeError(
                        f"expand: the expanded size of the tensor ({s}) isn't allowed in a "
                        f"leading, non-existing dimension {i}; sizes {sizes}"
                    )
            else:
                cur = shp[i - lead]
                if s == -1:
                    s = cur
                if s != cur and cur != 1 or s < 0:
                    raise RuntimeError(
                        f"expand: the expanded size of the tensor ({s}) must match the existing "
                        f"size ({cur}) at non-singleton dimension {i}; target sizes {sizes}, "
                        f"tensor shape {shp}"
                    )
            out.append(s)
        out = tuple(out)
        if out == shp:
            return self
        return share_version(self._apply(Expand, self, shape=out), self)

    def expand_as(self, other):
        return self.expand(other.shape)

    def broadcast_to(self, *shape):
        return self.expand(*shape)

    def repeat(self, *sizes):
        """The tensor tiled ``sizes[i]`` times along dim i (numpy's ``tile``); ``sizes`` may
        have more entries than dims (new leading dims)."""
        sizes = shape_arg("repeat", sizes)
        if len(sizes) < self.ndim:
            raise RuntimeError(
                f"repeat: number of dimensions of repeat dims ({len(sizes)}) can not be smaller "
                f"than number of dimensions of tensor ({self.ndim}, shape {self.shape})"
            )
        if any(r < 0 for r in sizes):
            raise RuntimeError(f"repeat: repeats must be non-negative, got {sizes}")
        shp = (1,) * (len(sizes) - self.ndim) + self.shape
        # (s0, s1) -> (1, s0, 1, s1) -> expand (r0, s0, r1, s1) -> (r0*s0, r1*s1): the
        # backward is then reshape + the engine's broadcast sum, with no op of its own.
        inter = tuple(x for s in shp for x in (1, s))
        big = tuple(x for r, s in zip(sizes, shp) for x in (r, s))
        return self.reshape(inter).expand(big).reshape(
            tuple(r * s for r, s in zip(sizes, shp))
        )

    def tile(self, *dims):
        """``repeat`` with ``dims`` padded by leading ones when it has fewer than ndim entries."""
        dims = shape_arg("tile", dims)
        return self.repeat((1,) * (self.ndim - len(dims)) + dims)


# -- module-level functions (autograd_core.reshape(x, ...)) ------------------------------------

def reshape(input, shape):
    return _check_tensor("reshape", input).reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):
    return _check_tensor("flatten", input).flatten(start_dim, end_dim)


def unflatten(input, dim, sizes):
    return _check_tensor("unflatten", input).unflatten(dim, sizes)


def ravel(input):
    return _check_tensor("ravel", input).reshape(-1)


def transpose(input, dim0, dim1):
    return _check_tensor("transpose", input).transpose(dim0, dim1)


swapaxes = swapdims = transpose


def permute(input, dims):
    return _check_tensor("permute", input).permute(dims)


def movedim(input, source, destination):
    return _check_tensor("movedim", input).movedim(source, destination)


moveaxis = movedim


def unsqueeze(input, dim):
    return _check_tensor("unsqueeze", input).unsqueeze(dim)


def squeeze(input, dim=None, *, axis=None):
    return _check_tensor("squeeze", input).squeeze(dim, axis=axis)


def broadcast_to(input, size):
    return _check_tensor("broadcast_to", input).expand(size)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views)."""
    shape = broadcast_shape("broadcast_tensors", *[t.shape for t in tensors])
    return tuple(_check_tensor("broadcast_tensors", t).expand(shape) for t in tensors)


def tile(input, dims):
    return _check_tensor("tile", input).tile(dims)
