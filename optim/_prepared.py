"""The fused optimizers' per-parameter preparation: flat views of a parameter and of its
state buffers, cached in the optimizer and reused while the parameter's array, its
state dict and every buffer's array are the very same objects.

Why: with ten parameters, checking and raveling everything anew on every step was
~45 us of Python per Adam step (the loops themselves ~0.35 ms); reusing the prepared
views leaves one identity check per buffer. Anything replaced -- ``p.data = ...``,
``load_state_dict``, a state entry assigned anew, a buffer's array swapped -- fails an
identity check and the parameter is prepared again.
"""
from operator import attrgetter, is_, itemgetter

import numpy as np

from autograd_core import Tensor

__all__ = ["Prepared", "prepare", "launch", "state_buffer"]

_DATA = attrgetter("_data")


def state_buffer(p, fill=0.0):
    """A state buffer shaped like parameter ``p`` (C-contiguous, ``p``'s dtype)."""
    return Tensor._make(np.full(p._data.shape, fill, dtype=p._data.dtype))


class Prepared:
    """One parameter's cached update arguments: the array it was built from
    (``data``), the flat view to update (``flat``, None when not C-contiguous), the
    state dict and the buffer arrays it was built from (``arrays``, in ``keys``
    order), their flat views, the dtype (and its ``char``)."""

    __slots__ = ("data", "flat", "state", "keys", "fetch", "arrays", "flats", "dtype",
                 "ch", "_a")

    def __init__(self, p, state, keys, arrays):
        d = p._data
        self.data = d
        self.flat = d.ravel() if d.flags.c_contiguous else None
        self.state = state
        self.keys = keys
        self.fetch = itemgetter(*keys) if keys else None
        self.arrays = tuple(arrays)
        self._a = self.arrays + (None,) * (3 - len(keys))
        self.flats = tuple(a.ravel() for a in arrays)
        self.dtype = d.dtype
        self.ch = d.dtype.char

    def grad(self, p):
        """``p``'s gradient as a flat C-contiguous array of the parameter's dtype (a
        view when it already is one)."""
        g = p.grad._data
        if g.dtype.char != self.ch or not g.flags.c_contiguous:
            g = np.ascontiguousarray(g, dtype=self.dtype)
        return g.ravel()

    def fresh(self, st, keys):
        """Still valid for state dict ``st`` and buffers ``keys``: the same dict, whose
        buffers hold the same arrays (identity checks only; unrolled for up to three
        buffers because this runs for every parameter on every step)."""
        if st is not self.state or keys != self.keys:
            return False
        n = len(keys)
        if n == 0:
            return True
        a = self._a
        try:  # a missing key, or a value that is no longer a Tensor: prepare again
            ts = self.fetch(st)
            if n == 2:
                return ts[0]._data is a[0] and ts[1]._data is a[1]
            if n == 1:
                return ts._data is a[0]
            if n == 3:
                return ts[0]._data is a[0] and ts[1]._data is a[1] and ts[2]._data is a[2]
            return all(map(is_, map(_DATA, ts), self.arrays))
        except (KeyError, AttributeError):
            return False


def prepare(state, cache, p, keys, init, owner):
    """``p``'s cached ``Prepared`` (``cache``: parameter -> Prepared) for the state
    buffers ``keys`` (in the loop's order), rebuilt when anything it was built from was
    replaced. ``init(p, state[p])`` fills missing state entries; ``owner`` names the
    optimizer in errors."""
    d = p._data
    st = state.get(p)
    e = cache.get(p)
    if e is not None and e.data is d and e.fresh(st, keys):
        return e
    if keys:  # an update without state (plain SGD) leaves self.state alone
        if st is None:
            st = state[p]
        init(p, st)
    arrays = []
    for key in keys:
        t = st[key]
        if not isinstance(t, Tensor):  # e.g. a loaded state dict holding arrays
            t = st[key] = Tensor._make(np.asarray(t))
        a = t._data
        if type(a) is not np.ndarray:  # a numpy scalar: ravel() would copy it
            a = t._data = np.array(a)
        if a.shape != d.shape or a.dtype != d.dtype or not a.flags.c_contiguous:
            raise ValueError(
                f"{owner}.step: state[{key!r}] of a parameter is "
                f"{a.dtype} {tuple(a.shape)} (c_contiguous={a.flags.c_contiguous}); "
                f"expected a C-contiguous {d.dtype} array of the parameter's shape "
                f"{tuple(d.shape)}")
        arrays.append(a)
    e = cache[p] = Prepared(p, st, keys, arrays)
    return e


def launch(calls):
    """Run prepared updates ``(fn, entry, args)``: ``fn(flat parameter, *args)``; a
    non-contiguous parameter goes through a contiguous copy written back."""
    for fn, e, args in calls:
        if e.flat is not None:
            fn(e.flat, *args)
        else:
            pc = np.ascontiguousarray(e.data)
            fn(pc.ravel(), *args)
            e.data[...] = pc
