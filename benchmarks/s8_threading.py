"""Section 8: the threading arrangement.

Our design is serial Numba kernels + threaded BLAS: on 2 cores, numpy's OpenBLAS pool
and a Numba parallel pool in one process get in each other's way. This section measures
that choice against the alternatives, each arrangement in its own worker process (pool
sizes set through the environment when the process starts; ``--threads`` does not apply
here, the arrangements are the experiment):

- a layer's worth of work as training does it, alternating BLAS and elementwise kernels:
  ``h = x @ W.T``, relu, relu backward, ``g.T @ x``, ``g @ W`` (batch x 784 -> 512),
  with the elementwise kernels as serial Numba loops or as parallel (prange) loops;
- our full MLP training step with BLAS at 1 thread and at all cores;
- a product followed by a large sigmoid (``thread_sigmoid_n`` float32 elements), the
  case where a second core pays for a compute-bound kernel: the library's sigmoid as
  users get it (from ``kernels.split.MIN_SIZE`` elements up it is shared between the
  caller and a helper thread that blocks when idle), the same with the split off
  (serial), and the same loop as a Numba ``prange`` loop.
Ratio: time / the chosen arrangement (BLAS all cores, serial Numba, split on).
"""
import os

from . import report
from .harness import Settings, WorkerError, interleave

__all__ = ["run", "layer_task", "sigmoid_task", "arrangements"]

class _Layer:
    def __init__(self, batch, parallel):
        import numpy as np
        rng = np.random.default_rng(0)
        self.np = np
        self.x = rng.standard_normal((batch, 784)).astype(np.float32)
        self.W = rng.standard_normal((512, 784)).astype(np.float32) * np.float32(0.03)
        self.g = rng.standard_normal((batch, 512)).astype(np.float32)
        from . import loops
        self.relu = loops.relu_parallel if parallel else loops.relu_serial
        self.relu_bwd = loops.relu_bwd_parallel if parallel else loops.relu_bwd_serial
        self.step()  # compile

    def step(self):
        np = self.np
        h = self.x @ self.W.T
        y = np.empty_like(h)
        self.relu(h.reshape(-1), y.reshape(-1))
        gh = np.empty_like(h)
        self.relu_bwd(self.g.reshape(-1), y.reshape(-1), gh.reshape(-1))
        gh.T @ self.x
        gh @ self.W


def layer_task(batch, parallel):
    return _Layer(batch, parallel)


class _Sigmoid:
    def __init__(self, n, how):
        import numpy as np
        rng = np.random.default_rng(0)
        self.a = rng.standard_normal((512, 512)).astype(np.float32)
        self.b = rng.standard_normal((512, 512)).astype(np.float32)
        self.x = (rng.standard_normal(n) * 4).astype(np.float32)
        from autograd_core.kernels import activations as K, split
        if how == "prange":
            from . import loops
            out = np.empty_like(self.x)
            self.f = lambda x: loops.sigmoid_parallel(x, out)
        else:
            if how == "serial":
                split.MIN_SIZE = 1 << 62  # this worker process only
            self.f = K.sigmoid
        self.step()  # compile
        self.info = {"threads": split.threads(), "split_min": split.MIN_SIZE}

    def step(self):
        self.a @ self.b
        self.f(self.x)


def sigmoid_task(n, how):
    return _Sigmoid(n, how)


def arrangements(cores):
    """name -> (environment, numba parallel?) ; the first is the chosen design."""
    def env(blas):
        return {"OPENBLAS_NUM_THREADS": blas, "OMP_NUM_THREADS": blas,
                "MKL_NUM_THREADS": blas, "NUMBA_NUM_THREADS": cores}
    return {
        f"BLAS {cores} + serial numba (chosen)": (env(cores), False),
        "BLAS 1 + serial numba": (env(1), False),
        f"BLAS {cores} + parallel numba {cores}": (env(cores), True),
        f"BLAS 1 + parallel numba {cores}": (env(1), True),
    }


def run(settings):
    cores = os.cpu_count() or 1
    plain = Settings(settings.tier, None, settings.rounds, settings.target,
                     settings.keep_blas_env, settings.sizes)
    batch = settings.sizes["thread_batch"]
    arr = arrangements(cores)
    chosen = next(iter(arr))
    workers = {k: plain.worker(f"threads-{i}", extra_env=e) for i, (k, (e, _)) in
               enumerate(arr.items())}
    rows, notes = [], []
    try:
        hs = {k: workers[k].setup("benchmarks.s8_threading:layer_task", batch=batch,
                                  parallel=par) for k, (e, par) in arr.items()}
        res = interleave(hs, settings.rounds, settings.target)
        layer = hs[chosen].info["threads"]
        for k in hs:
            rows.append(report.row(
                f"layer fwd+bwd, B={batch}, 784->512", k, res[k]["samples"], "ms", scale=1e3,
                base_samples=None if k == chosen else res[chosen]["samples"], baseline=chosen))
        # our MLP step: BLAS 1 thread vs all cores (the Numba kernels are serial)
        mlp = {k: arr[k] for k in list(arr)[:2]} if settings.sizes.get("thread_mlp", True) else {}
        hm = {}
        for k in mlp:
            try:
                hm[k] = workers[k].setup("benchmarks.mlp:mlp_task", contender="ours", batch=batch)
            except WorkerError as e:
                notes.append("our MLP step not measured: " + str(e).strip().splitlines()[-1])
                hm = {}
                break
        if hm:
            res = interleave(hm, settings.rounds, settings.target)
            for k in hm:
                rows.append(report.row(
                    f"our MLP step, B={batch}", k, res[k]["samples"], "ms", scale=1e3,
                    base_samples=None if k == chosen else res[chosen]["samples"],
                    baseline=chosen))
        # a product, then a large sigmoid: the split against serial and prange loops
        n = settings.sizes.get("thread_sigmoid_n")
        if n:
            env = arr[chosen][0]
            hows = {f"BLAS {cores} + split sigmoid (chosen)": "split",
                    f"BLAS {cores} + serial sigmoid": "serial",
                    f"BLAS {cores} + prange sigmoid {cores}": "prange"}
            sw = {}
            try:
                for i, k in enumerate(hows):
                    sw[k] = plain.worker(f"threads-sig-{i}", extra_env=env)
                hs = {k: sw[k].setup("benchmarks.s8_threading:sigmoid_task", n=n, how=h)
                      for k, h in hows.items()}
                res = interleave(hs, settings.rounds, settings.target)
                first = next(iter(hows))
                for k in hs:
                    rows.append(report.row(
                        f"512x512 @ 512x512, then sigmoid of {n:,} float32", k,
                        res[k]["samples"], "ms", scale=1e3,
                        base_samples=None if k == first else res[first]["samples"],
                        baseline=first))
                info = hs[first].info["info"]
                shared = "yes" if n >= info["split_min"] and info["threads"] > 1 else "no"
                notes.append(f"sigmoid rows: split on {info['threads']} threads from "
                             f"{info['split_min']:,} elements (shared here: {shared}); prange "
                             "is Numba's parallel pool, whose idle threads spin, next to "
                             "OpenBLAS's, whose idle threads spin too")
            finally:
                for w in sw.values():
                    w.close()
    finally:
        for w in workers.values():
            w.close()
    if any(r["case"].startswith("our MLP step") for r in rows):
        notes.append("'our MLP step' rows run the library as users get it: products under "
                     "autograd_core.kernels.blas.SERIAL_FLOPS (1e8 FLOPs) take one BLAS "
                     "thread whatever the pool size (at B=512: the 256->10 layer's); the "
                     "layer rows call numpy directly, so the pool size applies to every product")
    pools = layer.get("pools") or []
    notes.append("numba threading layer default; pools in the chosen arrangement: " + ", ".join(
        f"{p['internal_api']} {p['num_threads']}" for p in pools))
    return [report.table(8, "Threading: serial Numba + threaded BLAS vs alternatives", rows,
                         ratio_label="time / chosen", notes=notes)]
