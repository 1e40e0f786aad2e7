"""Process environment for benchmark workers: BLAS variables, thread counts, machine facts.

Why the OpenBLAS variables: on some processors ``OPENBLAS_CORETYPE`` and
``OPENBLAS_L2_SIZE`` are set machine-wide because older OpenBLAS builds misbehave there;
they force a current numpy's OpenBLAS onto a slower kernel. Benchmark processes (only
those) run without them, and the report names the kernel that actually ran
(``threadpoolctl.threadpool_info()``). This module must not import numpy: it runs
before numpy is loaded.
"""
import os
import platform
import sys

__all__ = ["BLAS_TUNING_VARS", "THREAD_VARS", "clean_env", "worker_env", "machine_info",
           "apply_threads", "thread_report", "numpy_blas", "blas_label"]

#: variables removed from benchmark processes (see the module docstring)
BLAS_TUNING_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

#: variables that size the thread pools when a library loads
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMBA_NUM_THREADS")


def clean_env(base=None, keep_blas_env=False):
    """A copy of ``base`` (default ``os.environ``) without the BLAS tuning variables.

    Returns ``(env, removed)`` where ``removed`` maps each removed name to its value.
    """
    env = dict(os.environ if base is None else base)
    removed = {}
    if not keep_blas_env:
        for k in BLAS_TUNING_VARS:
            if k in env:
                removed[k] = env.pop(k)
    return env, removed


def worker_env(threads=None, keep_blas_env=False, extra=None):
    """The environment of a worker subprocess: clean BLAS variables, thread variables set
    to ``threads`` (when given) so pools are sized that way from the start, then
    ``extra`` (which wins, e.g. the threading experiment's per-library settings)."""
    env, _ = clean_env(keep_blas_env=keep_blas_env)
    if threads is not None:
        for k in THREAD_VARS:
            env[k] = str(threads)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONHASHSEED", "0")
    if extra:
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
    return env


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mem_total():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def machine_info():
    """CPU model, core count, memory, OS and Python (no numpy needed)."""
    mem = _mem_total()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": None if mem is None else round(mem / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
    }


def apply_threads(threads):
    """Set every loaded library's pool to ``threads`` (None: leave the defaults):
    BLAS/OpenMP through threadpoolctl, ``numba.set_num_threads``, ``torch.set_num_threads``,
    and ``autograd_core.set_num_threads`` (an explicit count turns off our rule that small
    products run on one BLAS thread, so every contender runs ``threads`` threads).
    Call again after importing a library (threadpoolctl only sees loaded ones)."""
    if threads is None:
        return
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=threads)
    except ImportError:
        pass
    if "numba" in sys.modules:
        import numba
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    if "torch" in sys.modules:
        import torch
        torch.set_num_threads(threads)
    if "autograd_core" in sys.modules:
        import autograd_core
        if hasattr(autograd_core, "set_num_threads"):
            autograd_core.set_num_threads(threads)


def _owner(path):
    """The site-packages distribution a shared library ships in (numpy.libs -> numpy)."""
    parts = path.split(os.sep)
    if "site-packages" in parts:
        i = parts.index("site-packages")
        if i + 1 < len(parts):
            return parts[i + 1].split(".")[0]
    return None


def numpy_blas(report):
    """numpy's own BLAS pool from a ``thread_report()`` (other packages, e.g. scipy via
    numba, may load a second OpenBLAS)."""
    pools = [p for p in (report.get("pools") or []) if p["user_api"] == "blas"]
    for p in pools:
        if p.get("owner") == "numpy":
            return p
    return pools[0] if pools else None


def blas_label(pool):
    if not pool:
        return None
    return (f"{pool['internal_api']} {pool['version']} ({pool['owner'] or pool['library']}), "
            f"kernel {pool['architecture']}, {pool['num_threads']} threads")


def thread_report():
    """What runs in this process: BLAS/OpenMP libraries with their kernel and thread
    count, numba's and torch's thread counts (for loaded libraries)."""
    out = {"pools": []}
    try:
        from threadpoolctl import threadpool_info
        for p in threadpool_info():
            d = {k: p.get(k) for k in ("user_api", "internal_api", "num_threads", "version",
                                       "architecture", "threading_layer", "prefix")}
            d["library"] = os.path.basename(p.get("filepath") or "")
            d["owner"] = _owner(p.get("filepath") or "")
            out["pools"].append(d)
    except ImportError:
        out["pools"] = None
    if "numba" in sys.modules:
        import numba
        out["numba_threads"] = numba.get_num_threads()
    if "torch" in sys.modules:
        import torch
        out["torch_threads"] = torch.get_num_threads()
    return out
