"""The benchmark suite: ``python -m benchmarks [--quick] [--threads N] [--sections 1,3]``.

Every contender runs in a worker subprocess (``benchmarks.worker``) started with a clean
environment; the coordinator (``benchmarks.cli``) only hands out turns, so contenders
take turns within one run (A B A B ..., order rotated each round) and each contender's
memory is read in its own process. Results: one table per section on stdout, raw
figures in ``results.json``, a plot in ``results.png`` and a pasteable ``latest.md`` in
the output directory (default ``benchmarks/results/``).

Nothing here imports numpy at package import time: ``__main__`` first removes the
OpenBLAS tuning variables that slow a current numpy (see ``benchmarks.env``).
"""
