"""A benchmark worker: a subprocess that hosts contenders and runs them on command.

Started as ``python -m benchmarks.worker [--threads N]`` by ``harness.Worker``. It reads
one JSON command per line on stdin and answers one JSON line on stdout, prefixed with
``MARK`` (so stray prints from libraries cannot be mistaken for answers):

- ``{"cmd": "setup", "key": k, "task": "module:factory", "kwargs": {...}}`` builds a task
  with ``factory(**kwargs)`` (a callable, or an object with ``step()``) and keeps it as k;
  answers the thread report and the task's ``info`` attribute (if any).
- ``{"cmd": "time", "key": k, "n": n}`` calls it n times; answers the seconds per call,
  and the mean of any sub-timings the step returns as ``{part: seconds}``.
- ``{"cmd": "call", "key": k, "method": m, "kwargs": {...}}`` answers ``task.m(**kwargs)``.
- ``{"cmd": "mem"}``: peak RSS (``ru_maxrss``) and current RSS, in bytes.
- ``{"cmd": "drop", "key": k}``, ``{"cmd": "exit"}``.

Only the step itself is inside the timed region; the pipe round trip is not.
"""
import gc
import importlib
import json
import resource
import sys
import time
import traceback

from . import env as benv

MARK = "@@BENCH "

__all__ = ["MARK", "current_rss", "peak_rss", "main"]


def peak_rss():
    """This process's peak resident set size in bytes (Linux reports KiB)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r * 1024 if sys.platform != "darwin" else r


def current_rss():
    """This process's current resident set size in bytes."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()
    except OSError:
        try:
            import psutil
            return psutil.Process().memory_info().rss
        except ImportError:
            return peak_rss()


def _load(spec):
    mod, _, name = spec.partition(":")
    return getattr(importlib.import_module(mod), name)


def _time(task, n):
    step = task if callable(task) else task.step
    parts = {}
    t0 = time.perf_counter()
    for _ in range(n):
        r = step()
        if type(r) is dict:
            for k, v in r.items():
                parts[k] = parts.get(k, 0.0) + v
    dt = time.perf_counter() - t0
    return {"seconds": dt / n, "parts": {k: v / n for k, v in parts.items()}}


def _serve(threads, out):
    tasks = {}
    benv.apply_threads(threads)
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        try:
            if cmd == "setup":
                task = tasks[msg["key"]] = _load(msg["task"])(**msg.get("kwargs", {}))
                benv.apply_threads(threads)  # the task may have loaded torch / numba
                gc.collect()
                res = {"threads": benv.thread_report(), "info": getattr(task, "info", None)}
            elif cmd == "time":
                res = _time(tasks[msg["key"]], int(msg["n"]))
            elif cmd == "call":
                res = getattr(tasks[msg["key"]], msg["method"])(**msg.get("kwargs", {}))
            elif cmd == "mem":
                res = {"peak_rss": peak_rss(), "rss": current_rss()}
            elif cmd == "drop":
                tasks.pop(msg["key"], None)
                gc.collect()
                res = None
            elif cmd == "exit":
                out.write(MARK + json.dumps({"ok": None}) + "\n")
                out.flush()
                return
            else:
                raise ValueError(f"unknown command {cmd!r}")
            reply = {"ok": res}
        except Exception:  # reported to the coordinator, which raises it there
            reply = {"error": traceback.format_exc()}
        out.write(MARK + json.dumps(reply) + "\n")
        out.flush()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    threads = None
    if "--threads" in argv:
        threads = int(argv[argv.index("--threads") + 1])
    # answers go to the real stdout; anything the libraries print goes to stderr
    out = sys.stdout
    sys.stdout = sys.stderr
    out.write(MARK + json.dumps({"ok": {"pid": __import__("os").getpid()}}) + "\n")
    out.flush()
    _serve(threads, out)


if __name__ == "__main__":
    main()
