"""Section 7: cold start, each figure from a fresh Python process (median of several).

- ``import autograd_core`` (in-process wall time of the import statement); ``import
  numpy`` (which it includes) and ``import torch`` for reference.
- The first MLP training step in a fresh process (``benchmarks.mlp`` at the tier's
  smallest batch), after import and model build: with a warm Numba cache (Numba's
  default cache location, as a user has it, filled by one unmeasured run first) and
  with an empty one (a new empty ``NUMBA_CACHE_DIR`` each run: every kernel the step
  uses is compiled; fewer runs, see ``cold_cache_runs``). The
  second step is shown for comparison, and PyTorch's first step for reference.
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
import json, time
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
task.step()
t3 = time.perf_counter()
task.step()
t4 = time.perf_counter()
print("@@RESULT", json.dumps({{"import": t1 - t0, "build": t2 - t1, "first": t3 - t2,
                             "second": t4 - t3, "total": t3 - t0}}))
"""


def _py(settings, code, extra=None):
    env = benv.worker_env(settings.threads, settings.keep_blas_env, extra)
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=900)
    if p.returncode != 0:
        raise RuntimeError(f"cold-start subprocess failed:\n{p.stderr[-3000:]}")
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("@@RESULT ")][-1]
    return json.loads(line[len("@@RESULT "):])


def _has(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def run(settings):
    reps = settings.sizes["cold_reps"]
    batch = settings.sizes["mlp_batches"][0]
    has_torch = _has("torch")
    mods = ["autograd_core", "numpy"] + (["torch"] if has_torch else [])
    imp = {m: [] for m in mods}
    for r in range(reps):
        order = mods[r % len(mods):] + mods[:r % len(mods)]
        for m in order:
            imp[m].append(_py(settings, IMPORT_SCRIPT.format(module=m)))
    rows = []
    for m in mods:
        who = {"autograd_core": "ours", "numpy": "numpy (reference)"}.get(m, "torch")
        rows.append(report.row(f"import {m}", who, imp[m], "s",
                               base_samples=imp["torch"] if has_torch and m != "torch" else None,
                               baseline="torch" if has_torch else None))
    notes = ["import: wall time of the import statement in a fresh interpreter; "
             "targets: import <= 0.3 s, first step with a warm cache <= 0.5 s"]
    step_rows = []
    step = STEP_SCRIPT.format(contender="ours", batch=batch)
    try:
        _py(settings, step)  # fills the default cache (also: do nn/optim work at all?)
    except RuntimeError as e:
        runs = None
        notes.append("ours' first step not measured: " + str(e).strip().splitlines()[-1])
    else:
        runs = {"warm": [], "cold": [], "torch": []}
        n_cold = settings.sizes["cold_cache_runs"]
        for r in range(reps):
            order = ["warm"] + (["cold"] if r < n_cold else []) + (["torch"] if has_torch else [])
            for k in order[r % len(order):] + order[:r % len(order)]:
                if k == "torch":
                    runs[k].append(_py(settings, STEP_SCRIPT.format(contender="torch",
                                                                    batch=batch)))
                elif k == "warm":
                    runs[k].append(_py(settings, step))
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
        labels = {"warm": ("ours", "warm Numba cache"), "cold": ("ours", "empty Numba cache"),
                  "torch": ("torch", "reference")}
        for k, rs in runs.items():
            if not rs:
                continue
            who, what = labels[k]
            step_rows.append(report.row(
                f"first step B={batch}, {what}", who, [x["first"] for x in rs], "s",
                base_samples=base if k != "torch" else None,
                baseline="torch" if has_torch else None,
                extra={"import s": min(x["import"] for x in rs),
                       "build s": min(x["build"] for x in rs),
                       "second step s": min(x["second"] for x in rs)}))
        # PyTorch pays at import and model build what we pay at the first step: the
        # whole span from interpreter start is the fairer comparison
        base_t = [x["total"] for x in runs["torch"]] if has_torch else None
        for k, rs in runs.items():
            if rs:
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
            notes=[f"median of {reps} fresh processes; extras: best of them"]))
    return tables
