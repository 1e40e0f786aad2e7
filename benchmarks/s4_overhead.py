"""Section 4: per-op overhead.

Forward and backward of a chain of ``chain_len`` (100) elementwise ops on shape (4,)
float32 tensors: at this size the arithmetic is nothing, so the time is the framework's
cost per op (dispatch, node creation, the backward walk). The chain cycles through
``x * c``, ``x + c`` and ``tanh(x)`` (constants ``c`` do not require grad) and ends with
``backward(gradient=ones)``. Ours and PyTorch eager run in separate worker processes,
taking turns. Reported: microseconds per op for forward, backward and both.
"""
from . import report
from .harness import interleave

__all__ = ["run", "chain", "OPS"]

#: the op cycle; both frameworks have these under the same names
OPS = ("mul", "add", "tanh")


class _Chain:
    def __init__(self, framework, length, ops):
        import numpy as np
        self.length = length
        rng = np.random.default_rng(0)
        x = rng.uniform(-1, 1, 4).astype(np.float32)
        c1 = np.full(4, 0.9, np.float32)
        c2 = np.full(4, 0.1, np.float32)
        if framework == "torch":
            import torch
            self.x = torch.tensor(x, requires_grad=True)
            self.c = {"mul": torch.tensor(c1), "add": torch.tensor(c2)}
            self.ones = torch.ones(4)
        else:
            import autograd_core as ac
            self.x = ac.tensor(x, requires_grad=True)
            self.c = {"mul": ac.tensor(c1), "add": ac.tensor(c2)}
            self.ones = ac.ones(4)
        # a unary op this build lacks is left out of the cycle (reported in info)
        self.ops = tuple(o for o in ops if o in ("mul", "add") or hasattr(self.x, o))
        self.info = {"ops": self.ops}
        import time
        self.clock = time.perf_counter

    def step(self):
        ops, c = self.ops, self.c
        k = len(ops)
        t0 = self.clock()
        y = self.x
        for i in range(self.length):
            op = ops[i % k]
            if op == "mul":
                y = y * c["mul"]
            elif op == "add":
                y = y + c["add"]
            else:
                y = y.tanh()
        t1 = self.clock()
        y.backward(self.ones)
        t2 = self.clock()
        self.x.grad = None
        return {"forward": t1 - t0, "backward": t2 - t1}


def chain(framework, length, ops=OPS):
    return _Chain(framework, length, ops)


def _has_torch():
    import importlib.util
    return importlib.util.find_spec("torch") is not None


def run(settings):
    n = settings.sizes["chain_len"]
    workers = {"ours": settings.worker("overhead-ours")}
    if _has_torch():
        workers["torch"] = settings.worker("overhead-torch")
    try:
        hs = {"ours": workers["ours"].setup("benchmarks.s4_overhead:chain", framework="ours",
                                            length=n)}
        ops = hs["ours"].info["info"]["ops"]
        if "torch" in workers:
            hs["torch"] = workers["torch"].setup("benchmarks.s4_overhead:chain",
                                                 framework="torch", length=n, ops=ops)
        res = interleave(hs, settings.rounds, settings.target)
    finally:
        for w in workers.values():
            w.close()
    rows = []
    base = res.get("torch")
    for part in ("forward", "backward", "forward+backward"):
        for k in hs:
            s = (res[k]["samples"] if part == "forward+backward" else res[k]["parts"][part])
            b = None
            if base is not None and k != "torch":
                b = base["samples"] if part == "forward+backward" else base["parts"][part]
            rows.append(report.row(f"{part}, chain of {n}", k, s, "us/op", scale=1e6 / n,
                                   base_samples=b, baseline="torch" if base else None))
    notes = [f"ops cycle {', '.join(ops)} on shape (4,) float32; target: ours <= 5 us/op "
             "(forward + backward)"]
    if base is None:
        notes.append("PyTorch not installed: no comparison")
    return [report.table(4, "Per-op overhead: chain of small elementwise ops", rows,
                         ratio_label="time ours/torch", notes=notes)]
