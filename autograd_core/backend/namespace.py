"""``Namespace``: a set of named array functions, the contract between ops and backends.

An op's forward and backward call ``F.<name>(...)`` and never name numpy or a Tensor.
Two namespaces implement the same names: ``ARRAYS`` (ndarrays in and out; numpy, the
Numba kernels and their twins are chosen here) and the Tensor namespace
(``backend.tensors``), where each name runs the registered primitive of that name, so a
backward rule run through it is recorded. A third (a recorder logging kernel calls for
replay, another array library) is one more ``Namespace`` with the same names.

Conventions every implementation keeps: array (Tensor) operands are positional, options
are keywords with the primitive's forward parameter names (``F.sum(g, dims=(0,),
keepdim=True)``); a primitive's name is its function's name; Python numbers mix with
arrays by numpy's rules for weak scalars (``F.mul(g, 2)`` keeps ``g``'s dtype).
"""
import numpy as np

__all__ = ["Namespace", "ARRAYS"]


def _quiet(fn, policy):
    """``fn`` run under ``np.errstate(**policy)``: the one place that sets it."""
    errstate = np.errstate

    def run(*args, **kw):
        with errstate(**policy):
            return fn(*args, **kw)

    run.__name__ = getattr(fn, "__name__", "run")
    run.__doc__ = getattr(fn, "__doc__", None)
    run.__wrapped__ = fn
    return run


class Namespace:
    """Functions by name as plain attributes (an instance-dict lookup per call)."""

    def __init__(self, name):
        self._name = name

    def define(self, name, fn=None, *, errors=None):
        """Add ``fn`` as ``self.<name>``; usable as a decorator. ``errors``: the
        floating-point error policy (``np.errstate`` keywords) the function runs under;
        PyTorch never warns on inf/nan arithmetic, so functions that can divide by zero
        or take a log of it say ``errors=IGNORE``."""
        def add(f):
            if name in self.__dict__:
                raise ValueError(f"{self._name} namespace: {name!r} defined twice")
            setattr(self, name, _quiet(f, errors) if errors else f)
            return f

        return add if fn is None else add(fn)

    def names(self):
        """The names this namespace defines."""
        return {k for k in self.__dict__ if not k.startswith("_")}

    def __repr__(self):
        return f"<{self._name} namespace>"


#: floating-point policy of functions that may meet 0/0, x/0, log(0), overflow
IGNORE = {"all": "ignore"}

#: the array interpreter: what forward always runs on, and a plain ``backward()``
ARRAYS = Namespace("arrays")
