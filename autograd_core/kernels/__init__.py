"""Kernels: plain functions over numpy arrays (Numba-jitted where a fused loop beats
numpy); no Tensor ever enters here.

Every Numba kernel has a numpy reference twin. Set the environment variable
``AUTOGRAD_CORE_KERNELS=numpy`` before import to run everything on the twins
(for debugging); ``USE_NUMBA`` tells which is active (tests may flip it).

Kernels are declared with this package's ``njit`` (same options as numba's). Importing
and starting numba costs about 0.3 s and ~35 MiB (its Python objects), so nothing here
imports it at module load: the first call of a kernel imports numba and builds a real Numba dispatcher for
*that kernel and the kernels it calls* (found in its code's global names), no others.
Creating a dispatcher costs ~1-3 ms (with ``cache=True`` it locates its on-disk cache),
so a training step that uses 8 of the ~50 kernels no longer pays for the other 40.
Numba compiles a dispatcher per signature on first call, or loads it from the
``cache=True`` on-disk cache. A materialised kernel replaces its name in its module's
namespace (and in every caller's namespace), so jitted callers see dispatchers, which
is what Numba needs to type a call, and Python callers skip the lazy hop.

Numba's one-time start-up (``init_numba``, run by the first kernel call) goes in three
steps (import, runtime compile, registries); after the first two the process gives
back the pages of LLVM's library that they touched only once (``autograd_core._pages``).
Without it ~70 MiB of LLVM code stayed resident in every process that had run a kernel.
"""
import os
import sys
import threading
import types

USE_NUMBA = os.environ.get("AUTOGRAD_CORE_KERNELS", "numba").lower() != "numpy"

__all__ = ["USE_NUMBA", "njit", "LazyKernel", "materialized", "init_numba", "env_number"]


def env_number(name, default, scale=1):
    """The environment variable ``name`` read as a number (``1e6`` and ``2.5`` allowed),
    times ``scale``, as an int; ``default`` when unset. Anything else raises a
    ValueError that names the variable and its value (at import, where it is read)."""
    raw = os.environ.get(name)
    if raw is None:
        return int(default * scale)
    try:
        return int(float(raw) * scale)
    except (ValueError, OverflowError):
        raise ValueError(
            f"environment variable {name}={raw!r}: expected a finite number"
        ) from None

# two threads calling the same kernel for the first time must get the same dispatcher
_lock = threading.RLock()
_numba_started = False
# Later compiles (cache misses) touch ~40-50 MiB of LLVM's pages again and leave them
# mapped: releasing them at the end of every compile (numba's "numba:compile" event)
# lowered an empty-cache MLP step's peak by 2 MiB (177 -> 175) and cost it ~0.3 s of
# 3-4 s (25 releases and ~19k page faults); releasing after every load from the cache
# cost the warm first step ~20 ms for no lower peak.


def _release_llvm_pages():
    from .. import _pages
    _pages.release_file_pages()


def init_numba():
    """Import numba and run its one-time start-up (what the first kernel call does; no
    kernel of ours is built). Returns the numba module.

    The start-up runs in steps, the first two followed by a release of the LLVM pages
    they touched only once, so that one step's pages do not add to the next's:
    ``import numba`` (the loader's relocations and LLVM's static constructors: ~35 MiB
    of touched pages), compiling numba's runtime (NRT) from IR (LLVM's optimiser and
    code generator: ~47 MiB), then the CPU target's registries (Python objects, hardly
    any LLVM page; numba's first compile or cache load would run them anyway)."""
    global _numba_started
    import numba
    if _numba_started:
        return numba
    with _lock:
        if _numba_started:
            return numba
        _release_llvm_pages()
        try:
            from numba.core.registry import cpu_target
            from numba.core.runtime import rtsys
        except ImportError:  # another numba layout: its first compile initialises it
            pass
        else:
            ctx = cpu_target.target_context
            rtsys.initialize(ctx)  # idempotent; the first compile would call it
            _release_llvm_pages()
            ctx.refresh()
        _numba_started = True
    return numba


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
        """The Numba dispatcher (built now, with those of the kernels it calls, if needed)."""
        d = self.dispatcher
        if d is None:
            with _lock:
                d = _materialize(self)
        return d

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
        state = "built" if self.dispatcher is not None else "lazy"
        return f"<{state} numba kernel {self.modname}.{self.__qualname__}>"


def _code_names(code):
    """Global and attribute names used by ``code`` and the code objects nested in it."""
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _code_names(c)
    return names


def _materialize(kernel):
    """Build ``kernel``'s dispatcher, then its callees' (recursively), and rebind them.

    Numba resolves a called global when it *types* the caller (at its first call, after
    this returns), so the callees only need to be dispatchers by then. The kernel's own
    dispatcher is set before visiting callees so mutual references terminate.
    """
    if kernel.dispatcher is not None:
        return kernel.dispatcher
    numba = init_numba()

    kernel.dispatcher = numba.njit(**kernel.options)(kernel.py_func)
    fn = kernel.py_func
    ns = fn.__globals__
    names = _code_names(fn.__code__)
    for name in names:
        v = ns.get(name)
        if isinstance(v, LazyKernel):
            ns[name] = _materialize(v)
        elif isinstance(v, types.ModuleType):  # mod.kernel(...) inside a kernel
            for attr in names:
                w = v.__dict__.get(attr)
                if isinstance(w, LazyKernel):
                    _materialize(w)
    for cell in fn.__closure__ or ():  # a kernel built in a factory, calling a captured one
        try:
            v = cell.cell_contents
        except ValueError:  # empty cell
            continue
        if isinstance(v, LazyKernel):
            cell.cell_contents = _materialize(v)
    home = sys.modules.get(kernel.modname)
    if home is not None and home.__dict__.get(kernel.__name__) is kernel:
        setattr(home, kernel.__name__, kernel.dispatcher)
    return kernel.dispatcher


def materialized(modname):
    """Names of the kernels of module ``modname`` whose dispatchers exist (for tests and
    for seeing what a program actually loaded)."""
    ns = sys.modules[modname].__dict__
    out = []
    for k, v in ns.items():
        if isinstance(v, LazyKernel):  # names imported from another module don't count
            if v.dispatcher is not None and v.modname == modname:
                out.append(k)
        elif type(v).__name__ == "CPUDispatcher" and getattr(v, "py_func", None) is not None \
                and v.py_func.__module__ == modname:
            out.append(k)
    return sorted(out)


def njit(*args, **options):
    """``numba.njit`` with the import of numba deferred to the first call (see above)."""
    if args and callable(args[0]) and not options:
        return LazyKernel(args[0], {})

    def deco(fn):
        return LazyKernel(fn, options)

    return deco
