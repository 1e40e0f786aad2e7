"""The coordinator's side: worker processes, interleaved timing, statistics.

Method (the same for every section): each contender is warmed up, then calibrated to a
repetition count that makes one sample last about ``target`` seconds; then ``rounds``
rounds follow, in each of which every contender takes one sample, the order rotated by
one each round (A B C, B C A, C A B, ...). Reported: the median with min-max over the
rounds, and for comparisons the median of the per-round ratios against the baseline
(paired within a round, so a slow moment of the shared machine hits both sides).
"""
import json
import os
import statistics
import subprocess
import sys
import time

from . import env as benv
from .worker import MARK

__all__ = ["WorkerError", "Worker", "Handle", "Settings", "interleave", "summarize",
           "paired_ratio"]


class WorkerError(RuntimeError):
    """A worker failed a command (the message carries its traceback)."""


class Worker:
    """One worker subprocess (``benchmarks.worker``) with a clean environment."""

    def __init__(self, settings, extra_env=None, label="worker"):
        self.label = label
        self.threads = settings.threads
        cmd = [sys.executable, "-m", "benchmarks.worker"]
        if settings.threads is not None:
            cmd += ["--threads", str(settings.threads)]
        self.env = benv.worker_env(settings.threads, settings.keep_blas_env, extra_env)
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, text=True,
            env=self.env, bufsize=1)
        self.pid = self._read()["pid"]
        self._n = 0

    def _read(self):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise WorkerError(f"{self.label}: worker exited (code {self.proc.poll()})")
            if line.startswith(MARK):
                msg = json.loads(line[len(MARK):])
                if "error" in msg:
                    raise WorkerError(f"{self.label}: {msg['error']}")
                return msg["ok"]

    def request(self, **msg):
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def setup(self, task, **kwargs):
        """Build ``task`` ("module:factory") here; returns a Handle to time or call it."""
        self._n += 1
        key = f"t{self._n}"
        info = self.request(cmd="setup", key=key, task=task, kwargs=kwargs)
        return Handle(self, key, info)

    def mem(self):
        return self.request(cmd="mem")

    def close(self):
        if self.proc.poll() is None:
            try:
                self.request(cmd="exit")
            except (WorkerError, BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Handle:
    """A task living in a worker."""

    def __init__(self, worker, key, info):
        self.worker, self.key, self.info = worker, key, info

    def time(self, n):
        return self.worker.request(cmd="time", key=self.key, n=n)

    def call(self, method, **kwargs):
        return self.worker.request(cmd="call", key=self.key, method=method, kwargs=kwargs)

    def drop(self):
        self.worker.request(cmd="drop", key=self.key)


class Settings:
    """Run settings shared by every section (sizes come from ``sizes.TIERS``)."""

    def __init__(self, tier="full", threads=None, rounds=None, target=None,
                 keep_blas_env=False, sizes=None):
        self.tier = tier
        self.threads = threads
        self.rounds = rounds
        self.target = target
        self.keep_blas_env = keep_blas_env
        self.sizes = sizes

    def worker(self, label="worker", extra_env=None):
        return Worker(self, extra_env=extra_env, label=label)


def _calibrate(handle, target, max_n=1 << 20):
    """Warm up (first calls compile / allocate), then find n with n calls ~ target s."""
    r = handle.time(1)
    handle.time(1)
    n = 1
    per = max(handle.time(1)["seconds"], 1e-9)
    while True:
        n = max(1, min(max_n, int(target / per)))
        if n == 1:
            return 1
        r = handle.time(n)
        if r["seconds"] * n >= 0.5 * target or n >= max_n:
            return max(1, min(max_n, int(target / max(r["seconds"], 1e-9))))
        per = max(r["seconds"], 1e-9)


#: pause before a turn that runs in another process than the previous one: OpenBLAS
#: workers busy-wait about 2**28 cycles (~0.1 s) after their last call, and OpenMP
#: pools spin too, so without it a contender's idle pool steals the next one's core
SETTLE = 0.15


def interleave(handles, rounds, target, fixed_n=None, settle=SETTLE):
    """Time every handle ``rounds`` times, taking turns (order rotated each round).

    ``handles``: {name: Handle}. Returns {name: {"samples": [s/call per round],
    "parts": {part: [...]}, "n": calls per sample}}.
    """
    names = list(handles)
    ns = {}
    for k in names:
        time.sleep(settle)
        ns[k] = fixed_n or _calibrate(handles[k], target)
    res = {k: {"samples": [], "parts": {}, "n": ns[k]} for k in names}
    last = None
    for r in range(rounds):
        shift = r % len(names)
        for k in names[shift:] + names[:shift]:
            if last is not None and handles[k].worker is not last:
                time.sleep(settle)
            last = handles[k].worker
            out = handles[k].time(ns[k])
            res[k]["samples"].append(out["seconds"])
            for p, v in out["parts"].items():
                res[k]["parts"].setdefault(p, []).append(v)
    return res


def summarize(samples, scale=1.0):
    """Median, min and max of ``samples`` times ``scale``."""
    xs = [s * scale for s in samples]
    return statistics.median(xs), min(xs), max(xs)


def paired_ratio(samples, base_samples, invert=False):
    """Median, min and max of the per-round ratios samples[i] / base[i]
    (base[i] / samples[i] with ``invert``, for throughput-style comparisons)."""
    rs = [(b / s if invert else s / b) for s, b in zip(samples, base_samples) if s > 0 and b > 0]
    if not rs:
        return None, None, None
    return statistics.median(rs), min(rs), max(rs)


def close_all(workers):
    for w in workers:
        w.close()


def cpu_count():
    return os.cpu_count() or 1
