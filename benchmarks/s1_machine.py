"""Section 1: limits of the machine.

GEMM GFLOP/s through numpy's BLAS (float32 and float64, 2 n^3 flops per n x n product),
and memory bandwidth from a STREAM-style triad ``a[i] = b[i] + s * c[i]`` on float32
arrays far larger than the caches: a serial Numba loop (the ceiling for our serial
kernels, and section 3's baseline), a parallel (prange) Numba loop, and numpy's
``b + s * c`` (two passes and a temporary) for reference. Bytes counted as STREAM does:
two arrays read, one written (no write-allocate traffic).
"""
from . import env as benv
from . import report
from .harness import interleave

__all__ = ["run", "gemm", "triad", "triad_bytes"]

def triad_bytes(n, itemsize=4):
    return 3 * n * itemsize


class _Gemm:
    def __init__(self, n, dtype):
        import numpy as np
        rng = np.random.default_rng(0)
        self.a = rng.standard_normal((n, n)).astype(dtype)
        self.b = rng.standard_normal((n, n)).astype(dtype)
        self.c = np.empty((n, n), dtype)

    def step(self):
        import numpy as np
        np.matmul(self.a, self.b, out=self.c)


def gemm(n, dtype):
    return _Gemm(n, dtype)


class _Triad:
    def __init__(self, n, kind):
        import numpy as np
        self.np = np
        rng = np.random.default_rng(1)
        self.b = rng.random(n, dtype=np.float32)
        self.c = rng.random(n, dtype=np.float32)
        self.a = np.empty(n, np.float32)
        self.s = np.float32(3.0)
        self.kind = kind
        if kind != "numpy":
            from . import loops
            self.loop = loops.triad_parallel if kind == "parallel" else loops.triad_serial
            self.loop(self.a, self.b, self.c, self.s)  # compile outside the timing

    def step(self):
        if self.kind == "numpy":
            self.a = self.b + self.s * self.c
        elif self.kind == "serial fresh":  # a new output per call, as an op returns one
            self.a = self.np.empty_like(self.b)
            self.loop(self.a, self.b, self.c, self.s)
        else:
            self.loop(self.a, self.b, self.c, self.s)


def triad(n, kind):
    """``kind``: 'serial' / 'parallel' (Numba), 'serial fresh' (serial into a newly
    allocated output every call: pays the page faults an op's new result pays) or 'numpy'."""
    return _Triad(n, kind)


def run(settings):
    sz = settings.sizes
    rounds, target = settings.rounds, settings.target
    rows_g = []
    with settings.worker("machine") as w:
        for n in sz["gemm"]:
            hs = {dt: w.setup("benchmarks.s1_machine:gemm", n=n, dtype=dt)
                  for dt in ("float32", "float64")}
            res = interleave(hs, rounds, target)
            flops = 2.0 * n ** 3
            for dt in hs:
                rows_g.append(report.row(
                    f"{n}x{n} @ {n}x{n}", f"numpy {dt}", res[dt]["samples"], "GFLOP/s",
                    scale=lambda s, f=flops: f / s / 1e9))
            for h in hs.values():
                h.drop()
        n = sz["triad_n"]
        hs = {"numba serial": w.setup("benchmarks.s1_machine:triad", n=n, kind="serial"),
              "numba parallel": w.setup("benchmarks.s1_machine:triad", n=n, kind="parallel"),
              "numpy b + s*c": w.setup("benchmarks.s1_machine:triad", n=n, kind="numpy")}
        threads = hs["numba parallel"].info["threads"]
        res = interleave(hs, rounds, target)
        nbytes = triad_bytes(n)
        base = res["numba serial"]["samples"]
        rows_t = [report.row(f"triad, {n:,} float32", k, res[k]["samples"], "GB/s",
                             scale=lambda s: nbytes / s / 1e9, base_samples=base,
                             baseline="numba serial", invert=True) for k in hs]
        rows_t[0]["ratio"] = None
    nthreads = threads.get("numba_threads")
    notes = []
    blas = benv.blas_label(benv.numpy_blas(threads))
    if blas:
        notes.append(f"BLAS: {blas}")
    return [
        report.table(1, "Machine: GEMM through numpy's BLAS", rows_g, notes=notes),
        report.table(1, "Machine: memory bandwidth (STREAM-style triad)", rows_t,
                     ratio_label="bandwidth / numba serial triad",
                     notes=[f"numba parallel ran {nthreads} threads; bytes = 3 arrays "
                            "x n x 4 (two read, one written)"]),
    ]
