"""Section 2: matrix products through our Tensor against numpy's BLAS (float32).

Square products at 128-2048, and the MLP's products (784-512-256-10) at its batch sizes
as training runs them: forward ``x @ W.T`` (W stored (out, in)), backward
``g @ W`` (input gradient) and ``g.T @ x`` (weight gradient): transposed operands are
views, as backward passes them. Ours is ``Tensor @ Tensor`` (with ``.T`` taken inside
the timed call, as backward does); numpy's is ``a @ b`` on the same arrays, in the same
worker process. Ratio: our time / numpy's time (1.0 = no overhead; the target is
throughput >= 0.95x numpy, i.e. a time ratio <= 1.05).

With library-default threads, ours runs products under ``kernels.blas.SERIAL_FLOPS`` on
one BLAS thread (a deliberate default: threaded calls collapse on a busy 2-core box)
while numpy uses the pool. A third contender, "ours, rule off", runs the same Tensor
call with that rule switched off for the call, so it uses the same threads as numpy:
that row is the like-for-like overhead comparison the target is judged on. With
``--threads N`` every contender already runs N threads and the third row is left out.
"""
from . import report
from .harness import interleave
from .sizes import MLP_SHAPE

__all__ = ["run", "matmul_case", "cases"]


class _Case:
    """``A @ B`` where A is (m, k) (stored transposed when ``ta``) and B is (k, n)
    (stored transposed when ``tb``)."""

    def __init__(self, m, k, n, ta, tb, contender):
        import numpy as np
        rng = np.random.default_rng(0)
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
        self.ta, self.tb = ta, tb
        if contender in ("ours", "ours, rule off"):
            import autograd_core as ac
            self.a, self.b = ac.from_numpy(a), ac.from_numpy(b)
            self.step = self._ours
            if contender == "ours, rule off":
                from autograd_core.kernels import blas
                self.blas = blas
                self.step = self._ours_rule_off
        else:
            self.a, self.b = a, b
            self.step = self._numpy

    def _ours(self):
        a = self.a.T if self.ta else self.a
        b = self.b.T if self.tb else self.b
        a @ b

    def _ours_rule_off(self):
        saved, self.blas.SERIAL_FLOPS = self.blas.SERIAL_FLOPS, 0
        try:
            self._ours()
        finally:
            self.blas.SERIAL_FLOPS = saved

    def _numpy(self):
        a = self.a.T if self.ta else self.a
        b = self.b.T if self.tb else self.b
        a @ b


def matmul_case(m, k, n, ta=False, tb=False, contender="numpy"):
    return _Case(m, k, n, ta, tb, contender)


def cases(sizes):
    """(label, m, k, n, ta, tb) for the tier's square sizes and MLP batches."""
    out = [(f"{s}x{s} @ {s}x{s}", s, s, s, False, False) for s in sizes["mm_square"]]
    for bsz in sizes["mm_batches"]:
        for fan_in, fan_out in zip(MLP_SHAPE[:-1], MLP_SHAPE[1:]):
            out.append((f"B{bsz} fwd x@W.T ({bsz}x{fan_in} @ {fan_in}x{fan_out})",
                        bsz, fan_in, fan_out, False, True))
            out.append((f"B{bsz} bwd g@W ({bsz}x{fan_out} @ {fan_out}x{fan_in})",
                        bsz, fan_out, fan_in, False, False))
            out.append((f"B{bsz} bwd g.T@x ({fan_out}x{bsz} @ {bsz}x{fan_in})",
                        fan_out, bsz, fan_in, True, False))
    return out


def run(settings):
    rows = []
    worst = None
    contenders = ("numpy", "ours") + (("ours, rule off",) if settings.threads is None else ())
    with settings.worker("matmul") as w:
        for label, m, k, n, ta, tb in cases(settings.sizes):
            hs = {c: w.setup("benchmarks.s2_matmul:matmul_case", m=m, k=k, n=n, ta=ta, tb=tb,
                             contender=c) for c in contenders}
            res = interleave(hs, settings.rounds, settings.target)
            flops = 2.0 * m * k * n
            base = res["numpy"]["samples"]
            for c in hs:
                r = report.row(label, c, res[c]["samples"], "us", scale=1e6,
                               base_samples=None if c == "numpy" else base,
                               baseline="numpy",
                               extra={"GFLOP/s": flops / min(res[c]["samples"]) / 1e9})
                rows.append(r)
                judged = "ours, rule off" if "ours, rule off" in hs else "ours"
                if c == judged and (worst is None or r["ratio"] > worst[1]):
                    worst = (label, r["ratio"])
            for h in hs.values():
                h.drop()
    notes = ["GFLOP/s from the best round; ratio = our time / numpy's time, paired per round"]
    if "ours, rule off" in contenders:
        notes.append("'ours' = library defaults (products under kernels.blas.SERIAL_FLOPS on "
                     "one BLAS thread); 'ours, rule off' = same threads as numpy; the target "
                     "is judged on 'ours, rule off'")
    if worst:
        notes.append(f"largest time ratio: {worst[1]:.3f} at {worst[0]}")
    return [report.table(2, "Matmul: our Tensor vs numpy's BLAS (float32)", rows,
                         ratio_label="time ours/numpy", notes=notes)]
