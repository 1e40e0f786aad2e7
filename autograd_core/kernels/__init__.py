"""Kernels: plain functions over numpy arrays (Numba-jitted where a fused loop beats
numpy); no Tensor ever enters here.

Every Numba kernel has a numpy reference twin. Set the environment variable
``AUTOGRAD_CORE_KERNELS=numpy`` before import to run everything on the twins
(for debugging); ``USE_NUMBA`` tells which is active (tests may flip it).

Kernels are declared with this package's ``njit`` (same options as numba's). Importing
numba costs about half a second, so nothing here imports it at module load: the first
call of a kernel in a module imports numba, wraps every kernel of that module in a real
Numba dispatcher (no compiling yet: Numba compiles per signature on first call, or
loads it from the ``cache=True`` on-disk cache) and puts the dispatchers in the module's
namespace, so kernels that call each other see compiled functions.
"""
import os
import sys

USE_NUMBA = os.environ.get("AUTOGRAD_CORE_KERNELS", "numba").lower() != "numpy"

__all__ = ["USE_NUMBA", "njit"]


class LazyKernel:
    """A Numba kernel that imports numba and builds its dispatcher on first use."""

    __slots__ = ("py_func", "options", "dispatcher", "modname", "__dict__")

    def __init__(self, py_func, options):
        self.py_func = py_func
        self.options = options
        self.dispatcher = None
        self.__name__ = py_func.__name__
        self.__qualname__ = py_func.__qualname__
        self.modname = py_func.__module__
        self.__doc__ = py_func.__doc__

    def materialize(self):
        if self.dispatcher is None:
            _materialize_module(self.modname)
        return self.dispatcher

    def __call__(self, *args):
        d = self.dispatcher
        if d is None:
            d = self.materialize()
        return d(*args)

    def __getattr__(self, name):  # signatures, inspect_types, ... of the dispatcher
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.materialize(), name)

    def __repr__(self):
        return f"<lazy numba kernel {self.modname}.{self.__qualname__}>"


def _materialize_module(modname):
    import numba

    ns = sys.modules[modname].__dict__
    lazy = [(k, v) for k, v in ns.items() if isinstance(v, LazyKernel) and v.dispatcher is None]
    for k, v in lazy:
        v.dispatcher = numba.njit(**v.options)(v.py_func)
    for k, v in lazy:
        ns[k] = v.dispatcher


def njit(*args, **options):
    """``numba.njit`` with the import of numba deferred to the first call (see above)."""
    if args and callable(args[0]) and not options:
        return LazyKernel(args[0], {})

    def deco(fn):
        return LazyKernel(fn, options)

    return deco
