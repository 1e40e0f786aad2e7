"""``autograd-core train``: the run directory's life cycle around ``training.run_training``.

The directory is filled under a temporary name next to it and renamed when everything
is written, so a failed run leaves nothing half-written.
"""
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["run"]


def _fail(parser, command, message, status=1):
    print(f"{parser.prog} {command}: error: {message}", file=sys.stderr)
    return status


def _run_dir(out, parser):
    """(final dir, temporary dir next to it, parent dirs we created)."""
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
    created, p = [], final.parent
    while not p.exists():
        created.append(p)
        p = p.parent
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a run dir is not
    except OSError as e:
        parser.error(f"argument --out: cannot create {final}: {e.strerror or e}")
    return final, tmp, created


def run(args, parser):
    """Handler of ``train``: load the data, train into a temporary directory, rename it."""
    from autograd_core.data import IDXError

    from . import training
    from .training import TrainingError

    if args.data is not None and not Path(args.data).is_dir():
        parser.error(f"argument --data: {args.data} is not a directory (expected a directory "
                     "holding the MNIST IDX files train-images-idx3-ubyte[.gz] etc.)")
    try:
        data = training.load_data(args)
    except FileNotFoundError as e:
        parser.error(f"argument --data: {e}")
    except IDXError as e:
        return _fail(parser, "train", f"cannot read MNIST data: {e}")
    final, tmp, created = _run_dir(args.out, parser)

    def cleanup():
        shutil.rmtree(tmp, ignore_errors=True)
        for p in created:  # parents this run created, innermost first, if still empty
            try:
                p.rmdir()
            except OSError:
                break

    try:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=args.blas_threads, user_api="blas"):
            training.run_training(args, data, tmp)
        if final.exists():
            final.rmdir()  # the empty directory --out named
        os.replace(tmp, final)
    except TrainingError as e:
        cleanup()
        return _fail(parser, "train", str(e))
    except KeyboardInterrupt:
        cleanup()
        return _fail(parser, "train", "interrupted; no run directory written", 130)
    except BaseException:
        cleanup()
        raise
    print(f"run written to {final}{os.sep}")
    return 0
