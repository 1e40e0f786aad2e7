"""Matrix structure, derived from primitives (no rule of their own): ``tril``/``triu``
(``where`` with a constant triangle mask), ``diag``/``diagonal`` (advanced indexing and
``index_put``), ``outer`` (a broadcast product), ``bmm`` (checked ``matmul``),
``roll`` (slices joined by ``cat``) and ``trace``. Their gradients are those of the
primitives they are made of, grad-of-grad included.
"""
from ..backend import ARRAYS
from ._dims import tensor_arg, wrap_dim
from .join import cat

__all__ = ["MatrixMethods", "tril", "triu", "diag", "diagonal", "outer", "ger", "bmm",
           "roll", "trace"]


def _int(op, name, v):
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        raise TypeError(f"{op}: {name} must be an int, got {type(v).__name__}")
    return v.__index__()


class MatrixMethods:
    """Tensor tril/triu/diag/diagonal/outer/bmm/roll/trace."""

    __slots__ = ()

    def _triangle(self, op, diagonal, upper):
        if self.ndim < 2:
            raise ValueError(f"{op}: input must have at least 2 dims, got shape {tuple(self.shape)}")
        diagonal = _int(op, "diagonal", diagonal)
        mask = self._make(ARRAYS.tri_mask(self.shape[-2], self.shape[-1], diagonal, upper))
        return self.where(mask, self._make(ARRAYS.zeros((), self.dtype)))

    def tril(self, diagonal=0):
        """The lower triangle of the last two dims (on and below ``diagonal``), zeros above."""
        return self._triangle("tril", diagonal, False)

    def triu(self, diagonal=0):
        """The upper triangle of the last two dims (on and above ``diagonal``), zeros below."""
        return self._triangle("triu", diagonal, True)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        """The diagonal ``offset`` of the (dim1, dim2) planes, as the last dim."""
        if self.ndim < 2:
            raise ValueError(f"diagonal: input must have at least 2 dims, got shape {tuple(self.shape)}")
        offset = _int("diagonal", "offset", offset)
        d1, d2 = wrap_dim("diagonal", dim1, self.ndim), wrap_dim("diagonal", dim2, self.ndim)
        if d1 == d2:
            raise ValueError(f"diagonal: dim1 and dim2 cannot be the same dim ({d1})")
        rest = [d for d in range(self.ndim) if d not in (d1, d2)]
        x = self.permute(*rest, d1, d2)
        r, c = ARRAYS.diag_index(self.shape[d1], self.shape[d2], offset)
        return x[(Ellipsis, r, c)]

    def diag(self, diagonal=0):
        """1-d input (n,): the square matrix with it on diagonal ``diagonal``, zeros
        elsewhere. 2-d input: its diagonal ``diagonal`` as a 1-d tensor."""
        diagonal = _int("diag", "diagonal", diagonal)
        if self.ndim == 2:
            return self.diagonal(diagonal)
        if self.ndim != 1:
            raise ValueError(f"diag: input must be 1-d or 2-d, got shape {tuple(self.shape)}")
        m = self.shape[0] + abs(diagonal)
        r, c = ARRAYS.diag_index(m, m, diagonal)
        zeros = self._make(ARRAYS.zeros((m, m), self.dtype))
        return zeros.index_put((r, c), self)

    def trace(self):
        """Sum of the main diagonal of a 2-d tensor."""
        if self.ndim != 2:
            raise ValueError(f"trace: expected a 2-d tensor, got shape {tuple(self.shape)}")
        return self.diagonal().sum()

    def outer(self, vec2):
        """(n,) x (m,) -> (n, m): self[i] * vec2[j]."""
        vec2 = self._to_tensor(vec2)
        if self.ndim != 1 or vec2.ndim != 1:
            raise ValueError(f"outer: expected 1-d tensors, got shapes {tuple(self.shape)} "
                             f"and {tuple(vec2.shape)}")
        return self.reshape(-1, 1) * vec2.reshape(1, -1)

    ger = outer

    def bmm(self, mat2):
        """(b, n, k) @ (b, k, m) -> (b, n, m), batch sizes equal (no broadcasting)."""
        mat2 = self._to_tensor(mat2)
        if self.ndim != 3 or mat2.ndim != 3:
            raise ValueError(f"bmm: expected 3-d tensors, got shapes {tuple(self.shape)} and "
                             f"{tuple(mat2.shape)}")
        if self.shape[0] != mat2.shape[0] or self.shape[2] != mat2.shape[1]:
            raise ValueError(f"bmm: shapes {tuple(self.shape)} and {tuple(mat2.shape)} do not "
                             "match ((b, n, k) and (b, k, m) expected)")
        return self.matmul(mat2)

    def roll(self, shifts, dims=None):
        """Entries shifted by ``shifts`` along ``dims`` (wrapping around); without
        ``dims`` the flattened tensor is rolled and reshaped back."""
        many = isinstance(shifts, (tuple, list))
        shifts = [_int("roll", "shifts", s) for s in (shifts if many else (shifts,))]
        if dims is None:
            if len(shifts) != 1:
                raise ValueError(f"roll: without dims, shifts must be one int, got {shifts}")
            return self.reshape(-1).roll(shifts[0], 0).reshape(self.shape)
        dims = list(dims) if isinstance(dims, (tuple, list)) else [dims]
        if len(dims) != len(shifts):
            raise ValueError(f"roll: shifts ({len(shifts)}) and dims ({len(dims)}) must have "
                             "the same length")
        out = self
        for s, d in zip(shifts, dims):
            d = wrap_dim("roll", d, self.ndim)
            n = self.shape[d] if self.ndim else 1
            if not n or not s % n:
                continue
            k = n - s % n  # out[..., i] = x[..., (i - s) % n]: the tail first, then the head
            lead = (slice(None),) * d
            out = cat([out[lead + (slice(k, None),)], out[lead + (slice(0, k),)]], d)
        return out


def tril(input, diagonal=0):
    return tensor_arg("tril", input).tril(diagonal)


def triu(input, diagonal=0):
    return tensor_arg("triu", input).triu(diagonal)


def diag(input, diagonal=0):
    return tensor_arg("diag", input).diag(diagonal)


def diagonal(input, offset=0, dim1=0, dim2=1):
    return tensor_arg("diagonal", input).diagonal(offset, dim1, dim2)


def trace(input):
    return tensor_arg("trace", input).trace()


def outer(input, vec2):
    return tensor_arg("outer", input).outer(vec2)


ger = outer


def bmm(input, mat2):
    return tensor_arg("bmm", input).bmm(mat2)


def roll(input, shifts, dims=None):
    return tensor_arg("roll", input).roll(shifts, dims)
