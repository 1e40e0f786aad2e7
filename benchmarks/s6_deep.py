"""Section 6: deep graphs.

Forward and backward through a chain of n small ops (``y = y * c`` and ``y = y + c``
alternating, shape (4,) float32) for n = 100,000 and 1,000,000: seconds per op, and
memory per op measured in the chain's own fresh process (one per framework and n):
the RSS the live graph holds after the forward (current RSS delta) and the peak RSS
delta of the whole step over the RSS before it (``ru_maxrss``). PyTorch eager is shown
for reference when installed. Targets (ours): 1,000,000 ops works, backward <= 5 us/op,
<= 1 KB/op.
"""
import time

from . import report
from .harness import interleave

__all__ = ["run", "deep_chain"]


class _Deep:
    def __init__(self, framework, n):
        import numpy as np
        self.n = n
        c1 = np.full(4, 0.999, np.float32)
        c2 = np.full(4, 0.001, np.float32)
        x = np.ones(4, np.float32)
        if framework == "torch":
            import torch
            self.x = torch.tensor(x, requires_grad=True)
            self.c1, self.c2, self.ones = torch.tensor(c1), torch.tensor(c2), torch.ones(4)
        else:
            import autograd_core as ac
            self.x = ac.tensor(x, requires_grad=True)
            self.c1, self.c2, self.ones = ac.tensor(c1), ac.tensor(c2), ac.ones(4)
        self.info = {}
        # warm up (first backward starts PyTorch's engine, first calls allocate caches)
        # on a short chain, so the measured step sees neither cost
        n_full, self.n, self.mem = n, 200, []
        self.step()
        self.n, self.mem = n_full, []

    def step(self):
        from .worker import current_rss, peak_rss
        import gc
        gc.collect()
        rss0 = current_rss()
        c1, c2 = self.c1, self.c2
        t0 = time.perf_counter()
        y = self.x
        for _ in range(self.n // 2):
            y = y * c1
            y = y + c2
        t1 = time.perf_counter()
        rss_graph = current_rss()
        y.backward(self.ones)
        t2 = time.perf_counter()
        finite = bool(abs(float(self.x.grad.sum())) < float("inf"))
        self.x.grad = None
        del y
        t3 = time.perf_counter()
        self.mem.append({"graph": rss_graph - rss0, "peak": peak_rss() - rss0,
                         "finite": finite})
        return {"forward": t1 - t0, "backward": t2 - t1, "free": t3 - t2}

    def memory(self):
        return self.mem


def deep_chain(framework, n):
    return _Deep(framework, n)


def run(settings):
    import importlib.util
    fws = ["ours"] + (["torch"] if importlib.util.find_spec("torch") else [])
    time_rows, mem_rows = [], []
    notes = ["ops alternate y * c and y + c on shape (4,) float32; each framework and n in "
             "its own process; memory: graph = RSS held after forward, peak = ru_maxrss "
             "delta over the RSS before the step (first round)"]
    for n in settings.sizes["deep"]:
        workers = {f: settings.worker(f"deep-{f}-{n}") for f in fws}
        try:
            hs = {f: workers[f].setup("benchmarks.s6_deep:deep_chain", framework=f, n=n)
                  for f in fws}
            res = interleave(hs, settings.sizes["deep_rounds"], 0, fixed_n=1)
            mems = {f: hs[f].call("memory") for f in fws}
        finally:
            for w in workers.values():
                w.close()
        base = res.get("torch")
        for part in ("forward", "backward"):
            for f in fws:
                b = base["parts"][part] if base is not None and f != "torch" else None
                time_rows.append(report.row(
                    f"{part}, {n:,} ops", f, res[f]["parts"][part], "us/op", scale=1e6 / n,
                    base_samples=b, baseline="torch" if base else None))
        for f in fws:
            m = mems[f][0]
            mem_rows.append(report.row(
                f"{n:,} ops", f, [m["peak"]], "B/op (peak)", scale=1.0 / n,
                extra={"graph B/op": m["graph"] / n, "gradient finite": m["finite"],
                       "free s": min(res[f]["parts"]["free"])}))
    return [
        report.table(6, "Deep graph: chain of small ops, time per op", time_rows,
                     ratio_label="time ours/torch", notes=notes),
        report.table(6, "Deep graph: memory per op (own process)", mem_rows,
                     notes=["targets (ours): 1,000,000 ops works, backward <= 5 us/op, "
                            "<= 1 KB/op"]),
    ]
