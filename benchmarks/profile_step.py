"""Where our MLP training step spends its time: cProfile over many steps.

    python -m benchmarks.profile_step [--batch 32] [--steps 300] [--top 25] [--threads N]

Builds the section-5 model (``benchmarks.mlp``), warms it up (kernels compiled or
loaded from the cache), then profiles ``--steps`` training steps and prints the top
entries by own time and by cumulative time, plus the wall time per step without the
profiler. Like ``python -m benchmarks`` it runs without the OpenBLAS tuning variables.
"""
import os
import sys

if __name__ == "__main__" and "--keep-blas-env" not in sys.argv:
    from benchmarks.env import BLAS_TUNING_VARS
    for _k in BLAS_TUNING_VARS:
        os.environ.pop(_k, None)

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402

__all__ = ["main", "profile"]


def profile(batch=32, steps=300, top=25, contender="ours"):
    """The profile report as text."""
    from .mlp import MLPTask
    task = MLPTask(contender, batch)
    for _ in range(20):
        task.step()
    t0 = time.perf_counter()
    for _ in range(steps):
        task.step()
    plain = (time.perf_counter() - t0) / steps
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        task.step()
    prof.disable()
    out = io.StringIO()
    out.write(f"{contender} MLP step, batch {batch}: {plain * 1e3:.3f} ms/step without the "
              f"profiler ({steps} steps)\n")
    for key in ("tottime", "cumulative"):
        out.write(f"\n-- top {top} by {key} (times for {steps} steps) --\n")
        st = pstats.Stats(prof, stream=out)
        st.sort_stats(key).print_stats(top)
    return out.getvalue()


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_step")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--contender", default="ours", choices=("ours", "numpy", "torch"))
    p.add_argument("--keep-blas-env", action="store_true")
    a = p.parse_args(argv)
    from . import env as benv
    if a.threads is not None:
        for k in benv.THREAD_VARS:
            os.environ[k] = str(a.threads)
    import numpy  # noqa: F401  (loaded before the limits are applied)
    benv.apply_threads(a.threads)
    text = profile(a.batch, a.steps, a.top, a.contender)
    blas = benv.blas_label(benv.numpy_blas(benv.thread_report()))
    print(f"BLAS: {blas}")
    print(text)


if __name__ == "__main__":
    main()
