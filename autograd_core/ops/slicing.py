"""Slicing views along one dim: narrow, select, flip, split, chunk, unbind.

Each is a basic-indexing ``self[...]``, so it is a numpy view that shares the input's
version counter, and its gradient is the ``getitem`` primitive's (no op of its own).
``IndexMethods`` (index.py) inherits this mixin.
"""
from ._dims import shape_arg, wrap_dim
from ..tensor_type import is_tensor

__all__ = ["SlicingMethods", "split", "chunk", "unbind", "narrow", "select", "flip"]


def _check_tensor(op, x):
    if not is_tensor(x):
        raise TypeError(f"{op}: expected a Tensor as input, got {type(x).__name__}")
    return x


class SlicingMethods:
    """Tensor methods that cut a tensor into views along one dim."""

    __slots__ = ()

    def _slice_dim(self, d, sl):
        return self[(slice(None),) * d + (sl,)]

    def narrow(self, dim, start, length):
        """Elements ``start:start+length`` of dim ``dim`` (a view)."""
        d = wrap_dim("narrow", dim, self.ndim)
        if self.ndim == 0:
            raise RuntimeError("narrow() cannot be applied to a 0-dim tensor")
        n = self.shape[d]
        start, length = int(start), int(length)
        if not -n <= start <= n:
            raise IndexError(
                f"narrow: start ({start}) is out of range for dimension {d} of size {n} "
                f"(shape {self.shape})"
            )
        if start < 0:
            start += n
        if length < 0 or start + length > n:
            raise RuntimeError(
                f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n}) "
                f"of dim {d} in shape {self.shape}"
            )
        return self._slice_dim(d, slice(start, start + length))

    def select(self, dim, index):
        """Dim ``dim`` removed by taking its entry ``index`` (a view)."""
        d = wrap_dim("select", dim, self.ndim)
        if self.ndim == 0:
            raise IndexError("select() cannot be applied to a 0-dim tensor")
        n, i = self.shape[d], int(index)
        if not -n <= i < n:
            raise IndexError(
                f"select: index {i} out of range for tensor of shape {self.shape} at dimension {d}"
            )
        return self._slice_dim(d, i)

    def flip(self, *dims):
        """Order of elements reversed along ``dims`` (a negative-stride view)."""
        dims = shape_arg("flip", dims)
        ds = [wrap_dim("flip", d, self.ndim) for d in dims]
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"flip: dims {dims} has a repeated dim")
        if self.ndim == 0 or not ds:
            return self
        return self[tuple(slice(None, None, -1) if i in ds else slice(None)
                          for i in range(self.ndim))]

    def split(self, split_size_or_sections, dim=0):
        """A tuple of views along ``dim``: pieces of ``split_size`` (the last may be smaller)
        or of the given section sizes (which must sum to the dim's size)."""
        d = wrap_dim("split", dim, self.ndim)
        if self.ndim == 0:
            raise RuntimeError("split: a 0-d tensor cannot be split")
        n = self.shape[d]
        if isinstance(split_size_or_sections, (tuple, list)):
            sizes = shape_arg("split", (split_size_or_sections,))
            if any(s < 0 for s in sizes) or sum(sizes) != n:
                raise RuntimeError(
                    f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                    f"tensor's size at dimension {d}, shape {self.shape}), but got "
                    f"split_sizes={list(sizes)}"
                )
        else:
            size = shape_arg("split", (split_size_or_sections,))[0]
            if size < 0 or (size == 0 and n != 0):
                raise RuntimeError(
                    f"split: split_size must be positive for a non-empty dim, got {size} "
                    f"(shape {self.shape}, dim {d})"
                )
            sizes = [min(size, n - s) for s in range(0, n, size)] if n else [0]
        out, start = [], 0
        for s in sizes:
            out.append(self._slice_dim(d, slice(start, start + s)))
            start += s
        return tuple(out)

    def chunk(self, chunks, dim=0):
        """``split`` into ceil(size/chunks)-sized pieces: at most ``chunks`` views."""
        chunks = int(chunks)
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        d = wrap_dim("chunk", dim, self.ndim)
        if self.ndim == 0:
            raise RuntimeError("chunk: a 0-d tensor cannot be chunked")
        n = self.shape[d]
        if n == 0:
            return tuple(self._slice_dim(d, slice(0, 0)) for _ in range(chunks))
        return self.split(-(-n // chunks), d)

    def unbind(self, dim=0):
        """A tuple of the slices along ``dim`` with that dim removed."""
        d = wrap_dim("unbind", dim, self.ndim)
        if self.ndim == 0:
            raise RuntimeError("unbind: dimension specified as 0 but tensor has no dimensions")
        return tuple(self._slice_dim(d, i) for i in range(self.shape[d]))


def split(tensor, split_size_or_sections, dim=0):
    return _check_tensor("split", tensor).split(split_size_or_sections, dim)


def chunk(input, chunks, dim=0):
    return _check_tensor("chunk", input).chunk(chunks, dim)


def unbind(input, dim=0):
    return _check_tensor("unbind", input).unbind(dim)


def narrow(input, dim, start, length):
    return _check_tensor("narrow", input).narrow(dim, start, length)


def select(input, dim, index):
    return _check_tensor("select", input).select(dim, index)


def flip(input, dims):
    return _check_tensor("flip", input).flip(dims)
