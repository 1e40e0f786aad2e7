"""``autograd-core train``: the run directory's life cycle around ``training.run_training``.

The run directory is created under its own name at the start, so what training writes as
it goes (``summary.txt``, ``metrics.jsonl``) is visible, and ``metrics.json`` is written
last, when everything else is there; a directory without it is a run killed outright
(SIGKILL). Ctrl-C and SIGTERM end training cleanly: the run is finished with the
completed epochs and marked ``"status": "interrupted"`` (exit status 130 / 143). A run
that fails (the loss diverging, a bug) removes its directory and any parents it created.
"""
import contextlib
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

__all__ = ["run", "StopSignals"]

_EXIT = {"SIGINT": 130, "SIGTERM": 143}  # 128 + the signal number, as shells report it


def _fail(parser, message, status=1):
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return status


class StopSignals:
    """While active, SIGINT and SIGTERM raise ``KeyboardInterrupt("SIGINT"/"SIGTERM")``;
    under ``finishing()`` they are held until the run directory is written. The
    previous handlers come back on exit. Only the main thread can install handlers;
    elsewhere this does nothing."""

    SIGNALS = ("SIGINT", "SIGTERM")

    def __init__(self):
        self._old, self._held = {}, False

    def _handler(self, signum, frame):
        name = signal.Signals(signum).name
        if self._held:
            print(f"{name} received while the run directory is being written; "
                  "finishing first", file=sys.stderr)
            return
        self._held = True  # one interrupt per run: a second Ctrl-C cannot cut the finishing
        raise KeyboardInterrupt(name)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for name in self.SIGNALS:
                sig = getattr(signal, name)
                self._old[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()
        return False

    @contextlib.contextmanager
    def finishing(self):
        self._held = True
        try:
            yield
        finally:
            self._held = False


def _run_dir(out, parser):
    """(the run directory, now existing and empty; the directories this run created,
    innermost first)."""
    if out is None:
        base = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
        final, k = base, 1
        while final.exists():
            k += 1
            final = base.with_name(f"{base.name}-{k}")
    else:
        final = Path(out)
        if final.exists() and (not final.is_dir() or any(final.iterdir())):
            parser.error(f"argument --out: {final} already exists and is not an empty directory")
    created, p = [], final
    while not p.exists():
        created.append(p)
        p = p.parent
    try:
        final.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        if out is None:  # the default place: not --out's fault, but --out is the way out
            parser.error(f"cannot create the run directory {final}: {e.strerror or e}; "
                         "choose a writable place with --out DIR")
        parser.error(f"argument --out: cannot create {final}: {e.strerror or e}")
    return final, created


def run(args, parser):
    """Handler of ``train``: load the data, train into the run directory, finish it."""
    from autograd_core.data import IDXError

    from . import training
    from .training import TrainingError

    if args.data is not None and not Path(args.data).is_dir():
        parser.error(f"argument --data: {args.data} is not a directory (expected a directory "
                     "holding the MNIST IDX files train-images-idx3-ubyte[.gz] etc.)")
    if args.batch_size == 1 and not args.no_batch_norm:
        parser.error("argument --batch-size: batch norm cannot normalise batches of one "
                     "sample; use --batch-size 2 or more, or --no-batch-norm")
    try:
        data = training.load_data(args)
    except FileNotFoundError as e:
        parser.error(f"argument --data: {e}")
    except IDXError as e:
        return _fail(parser, f"cannot read MNIST data: {e}")
    final, created = _run_dir(args.out, parser)

    def cleanup():
        parents = created
        if created and created[0] == final:
            shutil.rmtree(final, ignore_errors=True)
            parents = created[1:]
        else:  # the empty directory --out named stays, empty again
            for child in final.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        for p in parents:  # parents this run created, innermost first, if still empty
            try:
                p.rmdir()
            except OSError:
                break

    stop = StopSignals()
    try:
        from threadpoolctl import threadpool_limits

        with stop, threadpool_limits(limits=args.blas_threads, user_api="blas"):
            metrics = training.run_training(args, data, final, finishing=stop.finishing)
    except TrainingError as e:
        cleanup()
        return _fail(parser, str(e))
    except KeyboardInterrupt as e:
        cleanup()
        name = str(e) or "SIGINT"
        return _fail(parser, f"interrupted ({name}) before the first epoch "
                     "finished; no run directory written", _EXIT.get(name, 130))
    except BaseException:
        cleanup()
        raise
    if metrics["status"] == "interrupted":
        name = metrics["interrupted_by"]
        print(f"run interrupted by {name} after {metrics['epochs_completed']} of "
              f"{args.epochs} epochs; written to {final}{os.sep} (status: interrupted)")
        return _EXIT.get(name, 130)
    print(f"run written to {final}{os.sep}")
    return 0
