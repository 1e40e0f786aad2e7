"""Finding the kernels in ``autograd_core/kernels/`` and building arguments for them.

Discovery, not a hardcoded list: every module of the ``autograd_core.kernels`` package
(except ``matmul``, section 2's subject) is scanned for public functions that have a
numpy twin ``<name>_np`` (the HACKING.md convention for a fused kernel). Arguments are
built from parameter names: known hyperparameter names get a typical value
(``SCALARS``), plural names of a list-style optimizer kernel (first parameter
``params``) get one-element lists, everything else is a float32 array of the benchmark
size (positive where a name says it must be, e.g. second moments). A few kernels whose
arguments are not plain elementwise arrays get a builder of their own (``SPECIAL``); a
kernel that still cannot be called is reported as skipped, with the error.

Bytes moved (for GB/s) are measured, not assumed: calls on small arrays (two sizes, so
fixed-size per-channel arrays are not scaled up with the data) show which array
arguments the kernel writes in place; bytes = every array argument read once + every
array written (in place or returned) once. Kernels that read an input twice by nature
(batch norm: statistics, then the output) are listed in ``SECOND_PASS``; section 3
reports their actual traffic beside the counted bytes.
"""
import importlib
import inspect
import pkgutil

import numpy as np

__all__ = ["discover", "build", "bytes_moved", "second_pass_bytes", "SCALARS", "SPECIAL",
           "SECOND_PASS"]

SCALARS = {
    "negative_slope": 0.01, "alpha": 0.99, "beta": 1.0, "threshold": 20.0,
    "lr": 1e-3, "clr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
    "weight_decay": 1e-4, "decoupled_weight_decay": False, "amsgrad": False,
    "maximize": False, "nesterov": False, "centered": False, "momentum": 0.0,
    "dampening": 0.0, "lr_decay": 0.0, "axis": -1, "dim": -1, "seed": 12345,
    "scale": 1.25, "thr": int(0.8 * 2 ** 32), "keepdim": False,
}
#: array parameters that must hold non-negative values (second moments, sums of squares)
POSITIVE = ("v", "exp_avg_sq", "exp_avg_sqs", "square_avg", "square_avgs", "state_sum",
            "state_sums", "var", "invstd")
#: list-kernel parameters that are None in the default configuration
NONE_LISTS = ("max_exp_avg_sqs", "grad_avgs", "momentum_buffers")
ROW = 1024  # row length for kernels that take an ``axis``


def _bn_forward(pool, n):
    C = 512
    x = pool(n).reshape(n // C, C, 1)
    return (x, np.ones(C), np.zeros(C), 1e-5), {}


def _bn_backward(pool, n):
    C = 512
    x = pool(n).reshape(n // C, C, 1)
    g = pool(n, index=1).reshape(n // C, C, 1)
    return (g, x, np.zeros(C), np.ones(C), np.ones(C)), {}


def _dropout_apply(pool, n):
    return (pool(n), pool(n, index=1) > 0, 1.25), {}


def _scatter_add_rows(pool, n):
    # an embedding-style backward: every row of a (n/512, 512) table once, in a
    # shuffled order (rows int64: 1/64 of the bytes)
    R = 512
    out = pool(n, index=2).reshape(n // R, R).copy()  # written in place: not the pool's
    rows = np.random.default_rng(3).permutation(n // R)
    return (out, rows, pool(n, index=1).reshape(n // R, R)), {}


#: kernels whose arguments are not plain arrays + named scalars
SPECIAL = {"bn_forward": _bn_forward, "bn_backward": _bn_backward,
           "dropout_apply": _dropout_apply, "scatter_add_rows": _scatter_add_rows}
#: the kernels the issue names first; a tier that limits kernels per module keeps these
PRIORITY = ("relu_backward", "sigmoid_backward", "adam", "dropout_forward")
#: kernels that are not elementwise and have no builder (reported as skipped)
NOT_ELEMENTWISE = ("ce_forward", "ce_backward", "logsumexp")


def discover():
    """[(module_name, name, kernel, twin or None)] for every public kernel with a twin,
    and {name: reason} for kernels left out."""
    import autograd_core.kernels as pkg
    found, skipped = [], {}
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_") or info.name == "matmul":
            continue
        mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
        names = getattr(mod, "__all__", [n for n in dir(mod) if not n.startswith("_")])
        for name in names:
            fn = getattr(mod, name, None)
            if not callable(fn) or name.endswith(("_np", "_nb")) or inspect.isclass(fn):
                continue
            twin = getattr(mod, name + "_np", None)
            if twin is None:
                continue  # not a fused kernel with a reference twin
            if name in NOT_ELEMENTWISE:
                skipped[f"{info.name}.{name}"] = "not elementwise (row-wise over classes)"
                continue
            found.append((info.name, name, fn, twin))
    found.sort(key=lambda f: (f[0], f[1] not in PRIORITY))  # stable: module order kept
    return found, skipped


def build(fn, name, pool, n):
    """(args, kwargs) for calling kernel ``fn`` on arrays of ``n`` elements from ``pool``
    (``pool(n, positive=False, index=0)`` returns a shared float32 array)."""
    if name in SPECIAL:
        return SPECIAL[name](pool, n)
    params = list(inspect.signature(fn).parameters.values())
    list_mode = bool(params) and params[0].name == "params"
    shape = (n // ROW, ROW) if any(p.name in ("axis", "dim") for p in params) else None
    args, kwargs = [], {}
    used = 0
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name in SCALARS:
            v = SCALARS[p.name]
        elif p.default is not p.empty:
            continue
        elif list_mode and p.name in NONE_LISTS:
            v = [None]
        elif list_mode and p.name == "steps":
            v = [1]
        elif list_mode and p.name == "firsts":
            v = [False]
        else:
            a = pool(n, positive=p.name in POSITIVE, index=used)
            used += 1
            a = a if shape is None else a.reshape(shape)
            v = [a] if list_mode else a
        if p.kind == p.KEYWORD_ONLY:
            kwargs[p.name] = v
        else:
            args.append(v)
    return tuple(args), kwargs


def _arrays(x):
    if isinstance(x, np.ndarray):
        yield x
    elif isinstance(x, (list, tuple)):
        for y in x:
            yield from _arrays(y)


def _bytes_at(fn, name, m):
    """(read + written) bytes of one call on fresh arrays of ``m`` elements."""
    rng = np.random.default_rng(0)

    def pool(k, positive=False, index=0):
        a = rng.random(k, dtype=np.float32)
        return a if positive else a * np.float32(2) - np.float32(1)

    args, kwargs = build(fn, name, pool, m)
    ins = list(_arrays(args)) + list(_arrays(list(kwargs.values())))
    before = [a.copy() for a in ins]
    out = fn(*args, **kwargs)
    read = sum(a.nbytes for a in ins)
    written = sum(a.nbytes for a, b in zip(ins, before)
                  if not np.array_equal(a, b, equal_nan=True))
    written += sum(a.nbytes for a in _arrays(out))
    return read + written


def bytes_moved(fn, name, n, small=4096):
    """Bytes one call moves at size ``n``: array arguments read + arrays written in place
    + arrays returned, each once. Measured by calls at ``small`` and ``2 * small``
    elements and extrapolated linearly, so arrays of a fixed size (batch norm's
    per-channel weights and statistics) count once, not scaled up as if per element."""
    b1 = _bytes_at(fn, name, small)
    b2 = _bytes_at(fn, name, 2 * small)
    return b1 + (b2 - b1) * (n - small) / small


#: kernels that read some inputs twice by nature (statistics first, then the output,
#: over data larger than the caches): {name: arguments read a second time}. Their
#: actual traffic is the counted bytes plus these arrays once more.
SECOND_PASS = {"bn_forward": ("x",), "bn_backward": ("g", "x")}


def second_pass_bytes(fn, name, n):
    """Bytes of the arrays ``name`` reads a second time (0 for single-pass kernels)."""
    names = SECOND_PASS.get(name)
    if not names:
        return 0
    args, kwargs = build(fn, name, lambda k, positive=False, index=0:
                         np.zeros(k, np.float32), n)
    params = [p.name for p in inspect.signature(fn).parameters.values()]
    bound = dict(zip(params, args), **kwargs)
    return sum(bound[k].nbytes for k in names)
