"""Section 5: the MLP training step (see ``benchmarks.mlp`` for the model).

Per batch size, each contender (ours: nn + optim; numpy: ``benchmarks.numpy_mlp``;
PyTorch eager when installed) lives in its own fresh worker process. First the check
mode: dropout off, same initial weights, same batches, several steps; every contender's
losses must agree with the numpy reference to 1e-4 relative (printed). Then the timed
steps, taking turns; then each process's peak RSS (the whole training process:
interpreter, libraries, model, optimizer state, batches).
"""
from . import report
from .harness import WorkerError, interleave
from .mlp import CONTENDERS

__all__ = ["run", "check_agreement", "TOLERANCE"]

TOLERANCE = 1e-4
MiB = 2 ** 20


def check_agreement(losses, reference="numpy", tol=TOLERANCE):
    """``losses``: {contender: [loss per step]}. Returns (agreed, {contender: max relative
    difference to the reference over the steps})."""
    ref = losses[reference]
    diffs = {}
    for k, ls in losses.items():
        if len(ls) != len(ref):
            diffs[k] = float("inf")
            continue
        diffs[k] = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(ls, ref))
    agreed = all(d <= tol for d in diffs.values())
    return agreed, diffs


def _has(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def _pools(report):
    """'openblas 2, numba 2, torch 2' from a worker's thread report."""
    parts = [f"{p['internal_api']}({p.get('owner') or '?'}) {p['num_threads']}"
             for p in report.get("pools") or []]
    for k in ("numba_threads", "torch_threads"):
        if k in report:
            parts.append(f"{k.split('_')[0]} {report[k]}")
    return ", ".join(parts)


def _warm_cache(settings, batch):
    """One unmeasured step of ours in a throwaway process, so that the measured processes
    load compiled kernels from Numba's cache (as every run after a user's first does)
    instead of compiling them (which costs seconds and LLVM's memory: section 7 shows it)."""
    try:
        with settings.worker("mlp-warm-cache") as w:
            w.setup("benchmarks.mlp:mlp_task", contender="ours", batch=batch).time(1)
    except WorkerError:
        pass  # section 5 reports why ours cannot run


def run(settings):
    sz = settings.sizes
    steps = sz["check_steps"]
    contenders = [c for c in CONTENDERS if c != "torch" or _has("torch")]
    time_rows, mem_rows, notes, checks = [], [], [], []
    skipped = {}
    _warm_cache(settings, sz["mlp_batches"][0])
    for batch in sz["mlp_batches"]:
        workers, hs = {}, {}
        try:
            for c in contenders:
                if c in skipped:
                    continue
                w = workers[c] = settings.worker(f"mlp-{c}-{batch}")
                try:
                    hs[c] = w.setup("benchmarks.mlp:mlp_task", contender=c, batch=batch,
                                    check_steps=steps)
                except WorkerError as e:
                    if c != "ours":
                        raise
                    # nn/optim not there yet (or broken): report it, time the others
                    skipped[c] = str(e).strip().splitlines()[-1]
                    w.close()
                    del workers[c]
            losses = {c: h.info["info"]["losses"] for c, h in hs.items()}
            agreed, diffs = check_agreement(losses)
            checks.append({"batch": batch, "steps": steps, "losses": losses,
                           "max_rel_diff": diffs, "agreed": agreed, "tolerance": TOLERANCE})
            notes.append(
                f"check B={batch} ({steps} steps, dropout off, same weights and batches): "
                + ("AGREE" if agreed else "DISAGREE") + f" to {TOLERANCE:g} relative; max rel "
                "diff vs numpy: "
                + ", ".join(f"{c} {d:.1e}" for c, d in diffs.items() if c != "numpy")
                + f"; losses[0..{steps - 1}] numpy: "
                + ", ".join(f"{x:.5f}" for x in losses["numpy"]))
            res = interleave(hs, settings.rounds, settings.target)
            mems = {c: workers[c].mem() for c in hs}
            if batch == sz["mlp_batches"][0]:
                notes.append("thread pools: " + "; ".join(
                    f"{c}: {_pools(h.info['threads'])}" for c, h in hs.items()))
        finally:
            for w in workers.values():
                w.close()
        base_name = "torch" if "torch" in hs else "numpy"
        base = res[base_name]["samples"]
        for c in hs:
            r = report.row(f"B={batch}", c, res[c]["samples"], "ms/step", scale=1e3,
                           base_samples=None if c == base_name else base, baseline=base_name,
                           extra={"peak RSS MiB": mems[c]["peak_rss"] / MiB})
            time_rows.append(r)
            info = hs[c].info["info"]
            peak = mems[c]["peak_rss"]
            mem_rows.append(report.row(
                f"B={batch}", c, [peak], "MiB", scale=1 / MiB,
                extra={"after imports MiB": info["rss_imports"] / MiB,
                       "model+training MiB": (peak - info["rss_imports"]) / MiB}))
    for c, why in skipped.items():
        notes.append(f"{c} not timed: {why}")
    t1 = report.table(5, "MLP training step 784-512-256-10 (BN, ReLU, Dropout 0.2, CE, Adam)",
                      time_rows, ratio_label="time / torch", notes=notes)
    t1["check"] = checks
    t2 = report.table(5, "MLP training process: peak RSS (own process per contender and batch)",
                      mem_rows, notes=["target: batch-512 training process <= 150 MiB (ours)"])
    return [t1, t2]
