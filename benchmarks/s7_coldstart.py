"""Section 7: cold start, each figure from a fresh Python process (median of several).

- ``import autograd_core`` (in-process wall time of the import statement); ``import
  numpy`` (which it includes), ``import numba`` (which the first kernel call pays) and
  ``import torch`` for reference.
- The first MLP training step in a fresh process (``benchmarks.mlp`` at the tier's
  smallest batch), after import and model build: with a warm Numba cache (Numba's
  default cache location, as a user has it, filled by one unmeasured run first) and
  with an empty one (a new empty ``NUMBA_CACHE_DIR`` each run: every kernel the step
  uses is compiled; fewer runs, see ``cold_cache_runs``). The
  second step is shown for comparison, and PyTorch's first step for reference.
- Where the warm-cache first step goes: the same step after numba was imported and its
  CPU target initialised (``kernels.init_numba``, what the first kernel call runs)
  outside the timed region (that part timed separately), so the remainder is loading
  our kernels from the cache plus the step itself.
- Each step process reports its peak RSS, how many Numba kernels it built, and whether
  scipy.linalg got imported (numba imports it for its BLAS check when scipy is installed).
Runs take turns (ours, reference, ours, ...).
"""
import json
import shutil
import subprocess
import sys
import tempfile

from . import env as benv
from . import report

__all__ = ["run", "IMPORT_SCRIPT", "STEP_SCRIPT"]

IMPORT_SCRIPT = """
import time
t = time.perf_counter()
import {module}
print("@@RESULT", time.perf_counter() - t)
"""

STEP_SCRIPT = """
import json, resource, sys, time
t0 = time.perf_counter()
from benchmarks.mlp import MLPTask
if {contender!r} == "ours":
    import autograd_core
    from benchmarks.mlp import import_ours
    import_ours()
else:
    import torch
t1 = time.perf_counter()
task = MLPTask({contender!r}, {batch})
t2 = time.perf_counter()
build = t2 - t1
numba_init = 0.0
if {prewarm!r}:  # diagnostic: numba imported and initialised outside the timed step
    from autograd_core.kernels import init_numba
    init_numba()
    numba_init = time.perf_counter() - t2
    t2 = time.perf_counter()
task.step()
t3 = time.perf_counter()
task.step()
t4 = time.perf_counter()
built = 0
if {contender!r} == "ours":
    from autograd_core import kernels
    for name in [m for m in sys.modules if m.startswith("autograd_core.kernels.")]:
        built += len(kernels.materialized(name)) if hasattr(kernels, "materialized") else 0
print("@@RESULT", json.dumps({{"import": t1 - t0, "build": build, "first": t3 - t2,
                             "second": t4 - t3, "total": t3 - t0 - numba_init,
                             "numba_init": numba_init, "kernels_built": built,
                             "scipy_linalg": "scipy.linalg" in sys.modules,
                             "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                             * (1 if sys.platform == "darwin" else 1024)}}))
"""


def _py(settings, code, extra=None):
    env = benv.worker_env(settings.threads, settings.keep_blas_env, extra)
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=900)
    if p.returncode != 0:
        raise RuntimeError(f"cold-start subprocess failed:\n{p.stderr[-3000:]}")
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("@@RESULT ")][-1]
    return json.loads(line[len("@@RESULT "):])


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def _has(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def run(settings):
    reps = settings.sizes["cold_reps"]
    batch = settings.sizes["mlp_batches"][0]
    has_torch = _has("torch")
    mods = ["autograd_core", "numpy", "numba"] + (["torch"] if has_torch else [])
    imp = {m: [] for m in mods}
    for r in range(reps):
        order = mods[r % len(mods):] + mods[:r % len(mods)]
        for m in order:
            imp[m].append(_py(settings, IMPORT_SCRIPT.format(module=m)))
    rows = []
    for m in mods:
        who = {"autograd_core": "ours", "numpy": "numpy (reference)",
               "numba": "numba (reference)"}.get(m, "torch")
        rows.append(report.row(f"import {m}", who, imp[m], "s",
                               base_samples=imp["torch"] if has_torch and m != "torch" else None,
                               baseline="torch" if has_torch else None))
    notes = ["import: wall time of the import statement in a fresh interpreter; "
             "targets: import <= 0.3 s, first step with a warm cache <= 0.5 s"]
    step_rows = []
    step_notes = [f"median of {reps} fresh processes; extras: best of them (peak RSS: "
                  "median); the diagnostic row has a warm cache too and excludes numba's "
                  "import and initialisation, timed in its extra"]
    step = STEP_SCRIPT.format(contender="ours", batch=batch, prewarm=False)
    step_pre = STEP_SCRIPT.format(contender="ours", batch=batch, prewarm=True)
    try:
        _py(settings, step)  # fills the default cache (also: do nn/optim work at all?)
    except RuntimeError as e:
        runs = None
        notes.append("ours' first step not measured: " + str(e).strip().splitlines()[-1])
    else:
        runs = {"warm": [], "pre": [], "cold": [], "torch": []}
        n_cold = settings.sizes["cold_cache_runs"]
        for r in range(reps):
            order = (["warm", "pre"] + (["cold"] if r < n_cold else [])
                     + (["torch"] if has_torch else []))
            for k in order[r % len(order):] + order[:r % len(order)]:
                if k == "torch":
                    runs[k].append(_py(settings, STEP_SCRIPT.format(
                        contender="torch", batch=batch, prewarm=False)))
                elif k in ("warm", "pre"):
                    runs[k].append(_py(settings, step if k == "warm" else step_pre))
                else:
                    cold_dir = tempfile.mkdtemp(prefix="bench-numba-cold-")
                    try:
                        runs[k].append(_py(settings, step, {"NUMBA_CACHE_DIR": cold_dir}))
                    finally:
                        shutil.rmtree(cold_dir, ignore_errors=True)
        if not n_cold:
            notes.append("empty-cache first step skipped in this tier (it compiles every "
                         "kernel: seconds)")
    if runs:
        base = [x["first"] for x in runs["torch"]] if has_torch else None
        labels = {"warm": ("ours", "warm Numba cache"),
                  "pre": ("ours", "numba imported+initialised untimed (diagnostic)"),
                  "cold": ("ours", "empty Numba cache"), "torch": ("torch", "reference")}
        for k, rs in runs.items():
            if not rs:
                continue
            who, what = labels[k]
            extra = {"import s": min(x["import"] for x in rs),
                     "build s": min(x["build"] for x in rs),
                     "second step s": min(x["second"] for x in rs),
                     "peak RSS MiB": _median([x["peak_rss"] / 2 ** 20 for x in rs])}
            if k == "pre":
                extra["numba import+init s (untimed)"] = _median([x["numba_init"] for x in rs])
            if who == "ours":
                extra["kernels built"] = max(x["kernels_built"] for x in rs)
            step_rows.append(report.row(
                f"first step B={batch}, {what}", who, [x["first"] for x in rs], "s",
                base_samples=base if k != "torch" else None,
                baseline="torch" if has_torch else None, extra=extra))
        if runs["warm"]:
            sp = runs["warm"][0]["scipy_linalg"]
            step_notes.append("scipy.linalg imported in our step process: "
                              + ("yes (numba's BLAS check imports it when scipy is installed)"
                                 if sp else "no"))
        # PyTorch pays at import and model build what we pay at the first step: the
        # whole span from interpreter start is the fairer comparison
        base_t = [x["total"] for x in runs["torch"]] if has_torch else None
        for k, rs in runs.items():
            if rs and k != "pre":
                who, what = labels[k]
                step_rows.append(report.row(
                    f"import + build + first step, {what}", who, [x["total"] for x in rs],
                    "s", base_samples=base_t if k != "torch" else None,
                    baseline="torch" if has_torch else None))
    tables = [report.table(7, "Cold start: import time (fresh process)", rows,
                           ratio_label="time / import torch", notes=notes)]
    if step_rows:
        tables.append(report.table(
            7, "Cold start: first training step in a fresh process", step_rows,
            ratio_label="time / torch first step",
            notes=step_notes))
    return tables
