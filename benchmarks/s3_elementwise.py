"""Section 3: elementwise and fused kernels on large arrays (2^24 float32).

Effective bandwidth (bytes every array argument read once + every array written once,
see ``kernel_args.bytes_moved``) against a Numba triad with the same number of threads,
timed in the same rounds: the serial triad of section 1 for kernels that ran on one
thread, the parallel (prange) triad, in a worker of its own so that its OpenMP pool
cannot touch the kernels' process, for kernels whose calls were shared between threads
(``kernels/split.py``: the large exp/log calls, with the library's thread count above
1). Those kernels are also timed with the split turned off ("1 thread" rows), paired in
the same rounds. Contenders:
- every fused kernel found in ``autograd_core/kernels/`` (discovered when the section
  runs) and its numpy twin;
- our Tensor ops on large tensors (add, mul, exp, relu, sigmoid, tanh: those that
  exist), under ``no_grad``, and the numpy expression a user would write instead.
Second table: one Adam step over the MLP's 537,354 parameters (10 tensors): our fused
kernel, our ``optim.Adam.step()``, the hand-written numpy update, ``torch.optim.Adam``.
"""
from . import report
from .harness import WorkerError, interleave
from .s1_machine import triad_bytes

__all__ = ["run", "list_cases", "kernel_case", "tensor_case", "adam_case", "TENSOR_OPS"]

#: Tensor op -> (arity, numpy reference expression)
TENSOR_OPS = {
    "add": 2, "mul": 2, "exp": 1, "relu": 1, "sigmoid": 1, "tanh": 1,
}

_POOL = {}


def _pool(n, positive=False, index=0):
    """Shared float32 arrays (so 30 cases do not each hold 64 MB arrays)."""
    import numpy as np
    key = (n, positive, index)
    if key not in _POOL:
        rng = np.random.default_rng(index + (100 if positive else 0))
        a = rng.random(n, dtype=np.float32)
        _POOL[key] = a if positive else a * np.float32(2) - np.float32(1)
    return _POOL[key]


def list_cases(n, per_module=None):
    """Worker side: the cases this build has, with the bytes each moves (at most
    ``per_module`` kernels of each kernel module: the smoke tier's limit)."""
    import autograd_core as ac
    from . import kernel_args as KA
    found, skipped = KA.discover()
    cases = []
    count = {}
    for mod, name, fn, twin in found:
        count[mod] = count.get(mod, 0) + 1
        if per_module is not None and count[mod] > per_module:
            skipped[f"{mod}.{name}"] = "left out in this tier"
            continue
        try:
            nb = KA.bytes_moved(fn, name, n)
        except Exception as e:  # reported, not fatal: an argument we cannot build
            first = (str(e).strip().splitlines() or [""])[0]
            skipped[f"{mod}.{name}"] = (f"cannot build its arguments: "
                                        f"{type(e).__name__}: {first}")[:160]
            continue
        cases.append({"id": f"{mod}.{name}", "kind": "kernel", "bytes": nb,
                      "second": KA.second_pass_bytes(fn, name, n)})
        try:
            if abs(KA.bytes_moved(twin, name, n) - nb) > 0.01 * nb:
                raise TypeError("moves other arrays")
            cases.append({"id": f"{mod}.{name}", "kind": "twin", "bytes": nb})
        except Exception as e:
            skipped[f"{mod}.{name}_np"] = f"twin not comparable ({type(e).__name__})"
    t = ac.zeros(1)
    for op, arity in TENSOR_OPS.items():
        if hasattr(t, op):
            for kind in ("tensor", "numpy"):
                cases.append({"id": op, "kind": kind, "bytes": (arity + 1) * n * 4})
        else:
            skipped[f"Tensor.{op}"] = "no such Tensor method in this build"
    return _Info({"cases": cases, "skipped": skipped})


class _Info:
    """A task that only answers ``info`` (the worker returns it from setup)."""

    def __init__(self, info):
        self.info = info

    def step(self):
        pass


class _Call:
    """One contender's call. ``info["threads"]``: how many threads its first call used
    (more than 1 when it went through ``kernels.split``). ``serial``: the call runs with
    the split turned off (``split.MIN_SIZE`` raised around each call)."""

    def __init__(self, fn, args, kwargs=None, serial=False):
        from autograd_core.kernels import split
        self.fn, self.args, self.kwargs = fn, args, kwargs or {}
        self.split, self.serial = split, serial
        before = split.shared_calls()
        self.step()  # first call compiles (Numba) outside the timing
        shared = split.shared_calls() > before
        self.info = {"threads": split.threads() if shared else 1}

    def step(self):
        if self.serial:
            s = self.split
            keep, s.MIN_SIZE = s.MIN_SIZE, 1 << 62
            try:
                self.fn(*self.args, **self.kwargs)
            finally:
                s.MIN_SIZE = keep
        else:
            self.fn(*self.args, **self.kwargs)


def kernel_case(n, id, kind):
    """``kind``: 'kernel', 'kernel serial' (split turned off) or 'twin'."""
    import importlib
    from . import kernel_args as KA
    mod, name = id.split(".")
    m = importlib.import_module(f"autograd_core.kernels.{mod}")
    fn = getattr(m, name + "_np" if kind == "twin" else name)
    args, kwargs = KA.build(getattr(m, name), name, _pool, n)
    return _Call(fn, args, kwargs, serial=kind == "kernel serial")


def tensor_case(n, id, kind):
    import numpy as np
    a, b = _pool(n, index=0), _pool(n, index=1)
    if kind == "numpy":
        fns = {"add": lambda: a + b, "mul": lambda: a * b, "exp": lambda: np.exp(a),
               "relu": lambda: np.maximum(a, 0),
               "sigmoid": lambda: 1 / (1 + np.exp(-a)), "tanh": lambda: np.tanh(a)}
        return _Call(fns[id], ())
    import autograd_core as ac
    ta, tb = ac.from_numpy(a), ac.from_numpy(b)

    def fn():
        with ac.no_grad():
            return ta + tb if id == "add" else ta * tb if id == "mul" else getattr(ta, id)()
    return _Call(fn, ())


class _Adam:
    """One Adam step (lr 1e-3, weight_decay 1e-4) over arrays of the MLP's shapes."""

    def __init__(self, kind):
        import numpy as np
        from .mlp import init_params
        params = init_params(0)
        rng = np.random.default_rng(5)
        grads = [rng.standard_normal(p.shape).astype(np.float32) * np.float32(0.01)
                 for p in params]
        self.numel = sum(p.size for p in params)
        self.kind = kind
        if kind == "kernel":
            from autograd_core.kernels.optim import adam as K
            self.K, self.fn = K, K.kernel("adam", "f")
            self.p, self.g = [p.ravel() for p in params], [g.ravel() for g in grads]
            self.m = [np.zeros_like(p) for p in self.p]
            self.v = [np.zeros_like(p) for p in self.p]
            self.hyper = np.array([1e-3, 0.9, 0.999, 1e-8, 1e-4, 0.0])
            self.s = np.empty(K.SIZE, np.float32)
            self.t = 0
        elif kind == "ours":
            import autograd_core as ac
            from .mlp import import_ours
            _, optim = import_ours()
            ts = [ac.tensor(p, requires_grad=True) for p in params]
            for t, g in zip(ts, grads):
                t.grad = ac.from_numpy(g)
            self.opt = optim.Adam(ts, lr=1e-3, weight_decay=1e-4)
        elif kind == "numpy":
            from .numpy_mlp import NumpyMLP
            self.net, self.g = NumpyMLP(params, lr=1e-3, weight_decay=1e-4), grads
        else:
            import torch
            ts = [torch.tensor(p, requires_grad=True) for p in params]
            for t, g in zip(ts, grads):
                t.grad = torch.from_numpy(g)
            extra = {"fused": True} if kind == "torch fused" else {}
            self.opt = torch.optim.Adam(ts, lr=1e-3, weight_decay=1e-4, **extra)
        self.step()

    def step(self):
        if self.kind == "kernel":
            self.t += 1  # the loops alone: one scalar array refilled, ten calls
            self.K.fill(self.s, self.hyper, self.t)
            for p, g, m, v in zip(self.p, self.g, self.m, self.v):
                self.fn(p, g, m, v, self.s, True, False)
        elif self.kind == "numpy":
            self.net._adam([g.copy() for g in self.g])  # the update consumes its grads
        else:
            self.opt.step()


def adam_case(kind):
    return _Adam(kind)


def _adam_table(settings):
    import importlib.util
    rows, notes = [], []
    ours_w = settings.worker("adam-ours")
    torch_w = settings.worker("adam-torch") if importlib.util.find_spec("torch") else None
    try:
        hs = {}
        for kind, label in (("kernel", "ours: kernels.optim.adam"),
                            ("ours", "ours: optim.Adam.step()"),
                            ("numpy", "numpy hand-written (numpy_mlp)")):
            try:
                hs[label] = ours_w.setup("benchmarks.s3_elementwise:adam_case", kind=kind)
            except WorkerError as e:
                notes.append(f"{label}: not measured: {str(e).strip().splitlines()[-1]}")
        if torch_w is not None:
            hs["torch.optim.Adam"] = torch_w.setup("benchmarks.s3_elementwise:adam_case",
                                                   kind="torch")
            try:
                hs["torch.optim.Adam(fused=True)"] = torch_w.setup(
                    "benchmarks.s3_elementwise:adam_case", kind="torch fused")
            except WorkerError:
                notes.append("torch fused Adam not available on this build")
        res = interleave(hs, settings.rounds, settings.target)
    finally:
        ours_w.close()
        if torch_w is not None:
            torch_w.close()
    base = "torch.optim.Adam" if "torch.optim.Adam" in res else None
    for k in hs:
        rows.append(report.row("Adam step, 537,354 params (10 tensors)", k, res[k]["samples"],
                               "ms", scale=1e3,
                               base_samples=res[base]["samples"] if base and k != base else None,
                               baseline=base))
    notes.append("target: fused Adam over 537k params <= 0.5 ms/step")
    return report.table(3, "Fused Adam update over the MLP's parameters", rows,
                        ratio_label="time / torch.optim.Adam", notes=notes)


def _paired(samples, base, nbytes, base_bytes):
    """Median over rounds of (bandwidth / baseline bandwidth), rounds paired by index."""
    r = sorted((nbytes / s) / (base_bytes / b) for s, b in zip(samples, base))
    return r[len(r) // 2] if r else None


def _case_threads(h):
    info = h.info.get("info") if isinstance(h.info, dict) else None
    return (info or {}).get("threads", 1)


def run(settings):
    n = settings.sizes["elem_n"]
    pw = None
    with settings.worker("elementwise") as w:
        probe = w.setup("benchmarks.s3_elementwise:list_cases", n=n,
                        per_module=settings.sizes.get("kernels_per_module")).info["info"]
        hs, nbytes, second, threads = {}, {}, {}, {}
        hs["triad"] = w.setup("benchmarks.s1_machine:triad", n=n, kind="serial")
        nbytes["triad"] = triad_bytes(n)
        hs["triad fresh"] = w.setup("benchmarks.s1_machine:triad", n=n, kind="serial fresh")
        nbytes["triad fresh"] = triad_bytes(n)
        for c in probe["cases"]:
            key = f"{c['id']}/{c['kind']}"
            task = ("benchmarks.s3_elementwise:kernel_case" if c["kind"] in ("kernel", "twin")
                    else "benchmarks.s3_elementwise:tensor_case")
            try:
                hs[key] = w.setup(task, n=n, id=c["id"], kind=c["kind"])
            except WorkerError as e:
                probe["skipped"][key] = str(e).strip().splitlines()[-1][:160]
                continue
            nbytes[key] = c["bytes"]
            second[key] = c.get("second", 0)
            threads[key] = _case_threads(hs[key])
            if c["kind"] == "kernel" and threads[key] > 1:  # the same kernel, split off
                k1 = f"{c['id']}/kernel serial"
                hs[k1] = w.setup(task, n=n, id=c["id"], kind="kernel serial")
                nbytes[k1], second[k1], threads[k1] = c["bytes"], second[key], 1
        try:
            if any(t > 1 for t in threads.values()):
                # the baseline of split kernels, in its own process (its OpenMP pool
                # spins after each call: it must not share cores with our helpers)
                pw = settings.worker("triad-parallel")
                hs["triad parallel"] = pw.setup("benchmarks.s1_machine:triad", n=n,
                                                kind="parallel")
                nbytes["triad parallel"] = triad_bytes(n)
            res = interleave(hs, settings.rounds, settings.target)
        finally:
            if pw is not None:
                pw.close()
    contender = {"kernel": "numba kernel", "twin": "numpy twin", "tensor": "ours Tensor",
                 "numpy": "numpy expression", "kernel serial": "numba kernel, 1 thread"}
    base = res["triad"]["samples"]
    fresh = res["triad fresh"]["samples"]
    par = res["triad parallel"]["samples"] if "triad parallel" in res else None
    par_threads = (hs["triad parallel"].info["threads"].get("numba_threads")
                   if par is not None else None)
    par_label = f"parallel triad ({par_threads} threads)"
    rows, two_pass = [], []
    for key in hs:
        if key == "triad":
            r = report.row(f"triad, {n:,} float32", "numba serial triad", base, "GB/s",
                           scale=lambda s: nbytes["triad"] / s / 1e9, baseline="numba serial triad")
            r["contender"] = "numba serial triad"
        elif key == "triad fresh":
            r = report.row(f"triad, {n:,} float32, new output each call",
                           "numba serial triad, fresh output", fresh, "GB/s",
                           scale=lambda s: nbytes["triad"] / s / 1e9, base_samples=base,
                           baseline="triad", invert=True)
        elif key == "triad parallel":
            r = report.row(f"triad, {n:,} float32", f"numba {par_label}", par, "GB/s",
                           scale=lambda s: nbytes["triad"] / s / 1e9, base_samples=base,
                           baseline="triad", invert=True)
        else:
            case, kind = key.split("/")
            split = threads[key] > 1
            ref, ref_label = (par, par_label) if split else (base, "triad")
            # the ratio is of bandwidths: the triad's time scaled to this case's bytes
            scaled = [b * nbytes[key] / nbytes["triad"] for b in ref]
            extra = {"ms": 1e3 * min(res[key]["samples"]), "MB moved": nbytes[key] / 1e6,
                     "threads": threads[key]}
            if split:
                extra["vs serial triad"] = _paired(res[key]["samples"], base, nbytes[key],
                                                   nbytes["triad"])
                one = f"{case}/kernel serial"
                if one in res:
                    # same bytes on both sides: the bandwidth ratio is the speedup
                    extra["speedup vs 1 thread"] = _paired(res[key]["samples"],
                                                           res[one]["samples"], 1, 1)
            else:
                extra["vs fresh-output triad"] = _paired(res[key]["samples"], fresh,
                                                         nbytes[key], nbytes["triad"])
            if second.get(key):
                actual = nbytes[key] + second[key]
                extra["MB actual (2 passes)"] = actual / 1e6
                extra["actual vs triad"] = _paired(res[key]["samples"], ref, actual,
                                                   nbytes["triad"])
                two_pass.append(f"{case} {actual / 1e6:.0f} MB for {nbytes[key] / 1e6:.0f} "
                                f"counted, {extra['actual vs triad']:.2f}x triad at its "
                                "actual traffic")
            r = report.row(case, contender[kind], res[key]["samples"], "GB/s",
                           scale=lambda s, b=nbytes[key]: b / s / 1e9, base_samples=scaled,
                           baseline=ref_label, invert=True, extra=extra)
        rows.append(r)
    notes = [f"{n:,} float32 elements; GB/s = (arrays read + arrays written) / time, "
             "measured per kernel; ratio: bandwidth / bandwidth of the triad with the same "
             "thread count, paired per round; target: fused elementwise >= 0.9x triad. "
             "Every kernel returns a new "
             "array, and a new large array costs page faults on its first write; 'vs "
             "fresh-output triad' compares with a triad that also writes a new array each "
             "call (same pairing). The target is judged against the plain triad.",
             "Threads: kernels whose calls were shared between threads (kernels/split.py: "
             "the exp/log kernels from 2^20 elements, with the library's thread count, "
             f"'threads' column) are compared with the {par_label} measured in the same "
             "rounds (its own worker process), the others with the serial triad. The "
             "'1 thread' rows are the same kernels with the split turned off, same "
             "rounds; 'speedup vs 1 thread' is the paired median of their time ratio."
             if par is not None else
             "Threads: every kernel ran on one thread here (kernels/split.py shares no "
             "call below its threshold or with a library thread count of 1); ratios are "
             "against the serial triad.",
             "Ratios are of bandwidths (bytes / time, paired per round). Write-allocate: "
             "writing a new output first reads its lines into cache, for the triad as for a "
             "kernel, so a kernel reading one array and writing one moves 3 arrays for 2 "
             "counted against the triad's 4 for 3 (by that count about 0.89x triad; kernels "
             "whose output block is reused from the buffer cache were measured above 1x, so "
             "the count is not a ceiling); in-place updates (the optimizers) write lines "
             "already read."]
    if two_pass:
        notes.append("two passes by nature (statistics over the whole batch before any "
                     "output, over data larger than the caches): " + "; ".join(two_pass))
    left = [k for k, v in probe["skipped"].items() if v == "left out in this tier"]
    other = {k: v for k, v in probe["skipped"].items() if k not in left}
    if other:
        notes.append("not benchmarked: " + "; ".join(f"{k} ({v})" for k, v in other.items()))
    if left:
        notes.append(f"{len(left)} more kernels left out in this tier: " + ", ".join(left))
    tables = [report.table(3, "Elementwise and fused kernels: bandwidth vs triad", rows,
                           ratio_label="bandwidth / triad", notes=notes)]
    tables.append(_adam_table(settings))
    return tables
