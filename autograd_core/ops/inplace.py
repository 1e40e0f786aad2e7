"""In-place methods (trailing ``_``), ``x[idx] = v`` and the augmented assignments.

Each one writes ``self._data`` in place (through the array namespace's in-place
functions, ``backend/inplace.py``) and then bumps the version counter
(``self._version[0] += 1``), which views and ``detach()``ed tensors share. A tensor
saved for backward remembers its version, so backward fails with an error naming the
op that saved it when the tensor was written after being saved.

Rules, checked before anything is written:
- grad mode on and self requires grad: a leaf raises PyTorch's "a leaf Variable that
  requires grad is being used in an in-place operation."; a non-leaf raises too.
  *Difference from PyTorch*: in-place ops are never recorded in the graph, so an
  in-place op on a graph tensor (or with an operand that requires grad) is an error
  rather than a recorded step. Use the out-of-place op, ``index_put`` for ``x[i] = v``,
  or ``no_grad()`` for updates that are not meant to be differentiated (optimizers
  and initializers write parameters that way).
- arithmetic keeps self's dtype and follows numpy's ``same_kind`` casting (an int
  tensor cannot take a float result); ``copy_``, ``fill_`` and ``x[i] = v`` cast
  like PyTorch does.
- expanded (broadcast) tensors are read-only: writing would alias elements.
"""
import numpy as np

from ..backend import ARRAYS
from ..grad_mode import GRAD
from ..random import numpy_rng
from .index import normalize_index
from ..tensor_type import is_tensor

__all__ = ["InplaceMethods"]


def _arr(x):
    """The array of a Tensor; numbers and ndarrays as they are; lists as arrays."""
    if is_tensor(x):
        return x._data
    if isinstance(x, (list, tuple)):
        return ARRAYS.asarray(x)
    return x


def _shape(b):
    """The shape of an operand (a Python number has shape ())."""
    return getattr(b, "shape", ())


def _check(t, op, *operands):
    """Raise if writing ``t`` in place with ``operands`` is not allowed (see module doc)."""
    if GRAD.get():
        if t._requires_grad:
            if t.grad_fn is None:
                raise RuntimeError(
                    f"{op}: a leaf Variable that requires grad is being used in an in-place "
                    "operation. (Wrap parameter updates in no_grad().)"
                )
            raise RuntimeError(
                f"{op}: in-place operations on a tensor that requires grad (an output of "
                f"{t.grad_fn.op_name}) are not recorded by autograd-core; use the "
                "out-of-place op (e.g. x = x + y instead of x += y), or no_grad() if the "
                "update should not be differentiated"
            )
        for o in operands:
            if getattr(o, "_requires_grad", False):
                raise RuntimeError(
                    f"{op}: an operand requires grad, but in-place operations are not "
                    "recorded by autograd-core; use the out-of-place op to keep its gradient "
                    "(index_put for x[idx] = v), or pass operand.detach() to use its values only"
                )
    if not t._data.flags.writeable:
        raise RuntimeError(
            f"{op}: cannot write into this tensor of shape {t.shape}: its memory is read-only "
            "(an expand()/broadcast_to() view, where several elements share one memory "
            "location, or a read-only array); clone() it first"
        )


def _check_shape(op, shape, b):
    """``b`` must broadcast to ``shape`` without enlarging it (the result is written in place)."""
    bshape = _shape(b)
    try:
        full = np.broadcast_shapes(shape, bshape)
    except ValueError:
        raise RuntimeError(
            f"{op}: operand of shape {bshape} cannot be broadcast to the tensor's shape {shape}"
        ) from None
    if full != shape:
        raise RuntimeError(f"{op}: output with shape {shape} doesn't match the broadcast shape {full}")


def _check_cast(op, ufunc, a, b):
    """``ufunc(a, b)``'s result type must cast back to a's dtype under 'same_kind'."""
    if isinstance(b, bool):
        bt = np.dtype(np.bool_)
    elif type(b) in (int, float, complex):
        bt = type(b)  # Python numbers are weakly typed (NEP 50)
    else:
        bt = ARRAYS.asarray(b).dtype
    try:
        rt = ufunc.resolve_dtypes((a.dtype, bt, None))[-1]
    except TypeError as e:
        raise RuntimeError(f"{op}: not supported for dtype {a.dtype}: {e}") from None
    if not np.can_cast(rt, a.dtype, "same_kind"):
        raise RuntimeError(f"{op}: result type {rt} can't be cast to the desired output type {a.dtype}")


def _bump(t):
    t._version[0] += 1
    return t


# the numpy ufunc of each in-place arithmetic write, asked only which dtype it gives
_RESULT_DTYPE = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply,
                 "div_": np.true_divide, "pow_": np.power, "maximum_": np.maximum,
                 "minimum_": np.minimum}


class InplaceMethods:
    """In-place Tensor methods; all return self. The writes are ``ARRAYS``' in-place
    functions (``backend/inplace.py``)."""

    __slots__ = ()

    def _binary_(self, op, write, other, alpha=1):
        _check(self, op, other)
        b = _arr(other)
        if alpha != 1:
            b = ARRAYS.mul(b, alpha) if isinstance(b, np.ndarray) else b * alpha
        _check_shape(op, self.shape, b)
        _check_cast(op, _RESULT_DTYPE[write], self._data, b)
        getattr(ARRAYS, write)(self._data, b)
        return _bump(self)

    def add_(self, other, alpha=1):
        """self += alpha * other (other broadcast to self's shape)."""
        return self._binary_("add_", "add_", other, alpha)

    def sub_(self, other, alpha=1):
        return self._binary_("sub_", "sub_", other, alpha)

    def mul_(self, other):
        return self._binary_("mul_", "mul_", other)

    def div_(self, other):
        return self._binary_("div_", "div_", other)

    def pow_(self, exponent):
        return self._binary_("pow_", "pow_", exponent)

    def __iadd__(self, other):
        return self._binary_("+= (__iadd__)", "add_", other)

    def __isub__(self, other):
        return self._binary_("-= (__isub__)", "sub_", other)

    def __imul__(self, other):
        return self._binary_("*= (__imul__)", "mul_", other)

    def __itruediv__(self, other):
        return self._binary_("/= (__itruediv__)", "div_", other)

    def neg_(self):
        _check(self, "neg_")
        ARRAYS.neg_(self._data)
        return _bump(self)

    def zero_(self):
        _check(self, "zero_")
        ARRAYS.fill_(self._data, 0)
        return _bump(self)

    def fill_(self, value):
        """Every element set to ``value`` (a number or a 0-d tensor), cast to self's dtype."""
        _check(self, "fill_", value)
        v = _arr(value)
        if _shape(v) != ():
            raise RuntimeError(
                f"fill_ only supports a 0-dimension value tensor, but got one of shape "
                f"{_shape(v)}"
            )
        ARRAYS.fill_(self._data, v)
        return _bump(self)

    def copy_(self, src):
        """Values of ``src`` (broadcast to self's shape, cast to self's dtype) copied in."""
        _check(self, "copy_", src)
        s = _arr(src)
        _check_shape("copy_", self.shape, s)
        ARRAYS.copy_(self._data, s)
        return _bump(self)

    def clamp_(self, min=None, max=None):
        """Elements limited to [min, max] (either may be None, or a tensor that broadcasts);
        where min > max the result is max, as in PyTorch."""
        if min is None and max is None:
            raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None")
        _check(self, "clamp_", min, max)
        lo, hi = _arr(min), _arr(max)
        for b, write in ((lo, "maximum_"), (hi, "minimum_")):
            if b is not None:
                _check_shape("clamp_", self.shape, b)
                _check_cast("clamp_", _RESULT_DTYPE[write], self._data, b)
        if lo is not None:
            ARRAYS.maximum_(self._data, lo)
        if hi is not None:
            ARRAYS.minimum_(self._data, hi)
        return _bump(self)

    clip_ = clamp_

    def clamp_min_(self, min):
        return self.clamp_(min=min)

    def clamp_max_(self, max):
        return self.clamp_(max=max)

    def masked_fill_(self, mask, value):
        """``value`` written where the bool ``mask`` (broadcast to self's shape) is True."""
        _check(self, "masked_fill_", mask, value)
        m, v = _arr(mask), _arr(value)
        dt = ARRAYS.asarray(m).dtype
        if dt != np.bool_:
            raise TypeError(f"masked_fill_: expected a bool mask, got dtype {dt}")
        _check_shape("masked_fill_", self.shape, m)
        if _shape(v) != ():
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value, got shape {_shape(v)}"
            )
        ARRAYS.copy_(self._data, v, where=m)
        return _bump(self)

    def __setitem__(self, idx, value):
        """``x[idx] = value`` in place (numpy's indexing rules; value cast to x's dtype)."""
        self._put_("setitem", idx, value, accumulate=False)

    def index_put_(self, indices, values, accumulate=False):
        """In-place ``self[indices] = values`` (``+=`` with ``accumulate``: repeats add up)."""
        return self._put_("index_put_", indices, values, accumulate)

    def _put_(self, op, idx, value, accumulate):
        _check(self, op, value)
        index, _ = normalize_index(op, idx)
        v = _arr(value)
        a = self._data
        try:
            if accumulate:
                # validates the index and gives the target's shape
                tshape = ARRAYS.getitem(a, index).shape
                try:
                    fits = np.broadcast_shapes(tshape, _shape(v)) == tshape
                except ValueError:
                    fits = False
                if not fits:
                    raise ValueError(f"values of shape {_shape(v)} do not fit {tshape}")
                _check_cast(op, np.add, a, v)
                ARRAYS.index_add_(a, index, v)
            else:
                ARRAYS.setitem_(a, index, v)
        except (IndexError, ValueError) as e:
            raise type(e)(
                f"{op}: {e} (tensor shape {self.shape}, value shape {_shape(v)})"
            ) from None
        _bump(self)
        return self

    # -- random fills (nn.init uses these) -----------------------------------------------------
    def _random_(self, op, fill, generator, *params):
        _check(self, op)
        if self._data.dtype.kind != "f":
            raise TypeError(f"{op} expects a floating point tensor, got dtype {self._data.dtype}")
        rng = numpy_rng(generator, op)
        fill(self._data, rng, *params)
        return _bump(self)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill with N(mean, std^2) samples from ``generator`` (an autograd_core
        Generator; the global one from ``autograd_core.manual_seed`` by default)."""
        if std < 0:
            raise RuntimeError(f"normal_ expects std >= 0.0, but found std {std}")
        return self._random_("normal_", ARRAYS.normal_, generator, mean, std)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Fill with samples from U[a, b)."""
        if a > b:
            raise RuntimeError(
                f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}"
            )
        return self._random_("uniform_", ARRAYS.uniform_, generator, a, b)
