"""What the optimizer base class hands the fused kernels (``kernels/optim/``), and the
one place the optimizers read raw arrays (``array_of``).

``Prepared``: one parameter's flat views (the parameter, its state buffers), cached and
reused while the parameter's array, its state dict and every buffer's array are the
very same objects; anything replaced -- ``p.data = ...``, ``load_state_dict``, a state
entry assigned anew, a buffer's array swapped -- fails an identity check and the
parameter is prepared again (why: docs/design-notes/optim-kernels.md).

``Scalars``: one param group's per-step numbers as small arrays that stay the same
objects from step to step and are refilled in place: ``hyper`` (the group's options,
read from the group each step, so a scheduler's new ``lr`` takes effect) and the
kernels' scalar arrays derived from it and the step count (bias corrections ...).
"""
from operator import attrgetter, is_, itemgetter

import numpy as np

from autograd_core import Tensor

__all__ = ["Prepared", "Scalars", "prepare", "launch", "state_buffer", "array_of"]

#: a Tensor's ndarray (``Tensor.numpy()`` without the method call: this runs for every
#: parameter and buffer on every step)
array_of = attrgetter("_data")


def state_buffer(p, fill=0.0):
    """A state buffer shaped like parameter ``p`` (C-contiguous, ``p``'s dtype)."""
    return Tensor._make(np.full(p.shape, fill, dtype=p.dtype))


class Prepared:
    """One parameter's cached update arguments: the array it was built from
    (``data``), the flat view to update (``flat``, None when not C-contiguous), the
    state dict and the buffer arrays it was built from (``arrays``, in ``keys``
    order), their flat views, the dtype (and its ``char``)."""

    __slots__ = ("data", "flat", "state", "keys", "fetch", "arrays", "flats", "dtype",
                 "ch", "_a")

    def __init__(self, d, state, keys, arrays):
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
        g = array_of(p.grad)
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
                return array_of(ts[0]) is a[0] and array_of(ts[1]) is a[1]
            if n == 1:
                return array_of(ts) is a[0]
            if n == 3:
                return (array_of(ts[0]) is a[0] and array_of(ts[1]) is a[1]
                        and array_of(ts[2]) is a[2])
            return all(map(is_, map(array_of, ts), self.arrays))
        except (KeyError, AttributeError):
            return False


def prepare(state, cache, p, keys, init, owner):
    """``p``'s cached ``Prepared`` (``cache``: parameter -> Prepared) for the state
    buffers ``keys`` (in the loop's order), rebuilt when anything it was built from was
    replaced. ``init(p, state[p])`` fills missing state entries; ``owner`` names the
    optimizer in errors."""
    d = array_of(p)
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
        a = t.numpy()
        if type(a) is not np.ndarray:  # a numpy scalar: ravel() would copy it
            a = np.array(a)
            t.data = a
        if a.shape != d.shape or a.dtype != d.dtype or not a.flags.c_contiguous:
            raise ValueError(
                f"{owner}.step: state[{key!r}] of a parameter is "
                f"{a.dtype} {tuple(a.shape)} (c_contiguous={a.flags.c_contiguous}); "
                f"expected a C-contiguous {d.dtype} array of the parameter's shape "
                f"{tuple(d.shape)}")
        arrays.append(a)
    e = cache[p] = Prepared(d, st, keys, arrays)
    return e


class Scalars:
    """One param group's small per-step arrays (see the module docstring): ``begin``
    writes the group's options into ``hyper``; ``pack`` gives the scalar array of a
    dtype and step count, refilled in place from ``hyper`` by the algorithm's
    ``fill``. Last step's array for ``(dtype, step - 1)`` is reused for ``step``, so in
    the usual case (every parameter of the group at the same step) the kernels read
    the same array objects on every step."""

    __slots__ = ("hyper", "values", "packs", "spare")

    def __init__(self):
        self.hyper = None
        self.values = None  # what hyper holds, as the tuple it was written from
        self.packs = {}  # (dtype char, step) -> scalar array, this step
        self.spare = {}  # the same, last step: reused, refilled

    def begin(self, values):
        if values != self.values:  # a tuple compare is cheaper than the array write
            h = self.hyper
            if h is None or h.size != len(values):
                h = self.hyper = np.empty(len(values))
            h[:] = values
            self.values = values
        if self.packs:
            self.spare, self.packs = self.packs, {}

    def pack(self, kernels, dtype, step):
        key = (dtype.char, step)
        a = self.packs.get(key)
        if a is None:
            spare = self.spare
            a = spare.pop((key[0], step - 1), None)
            if a is None:
                a = spare.pop(key, None)
                if a is None:
                    a = np.empty(kernels.SIZE, dtype)
            kernels.fill(a, self.hyper, step)
            self.packs[key] = a
        return a


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
