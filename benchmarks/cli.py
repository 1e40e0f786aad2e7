"""``python -m benchmarks``: argument parsing, running the sections, writing results.

    python -m benchmarks                  # every section, full sizes
    python -m benchmarks --quick          # a short run
    python -m benchmarks --threads 1      # every contender's pools set to 1 thread
    python -m benchmarks --sections 1,3 --out /tmp/bench

Writes ``results.json`` (every figure, every per-round sample), ``results.png`` and
``latest.md`` (the tables to paste into the README) into ``--out``.
"""
import argparse
import datetime
import importlib
import os
import shlex
import sys
import time
import traceback

from . import env as benv
from . import report, targets
from .harness import Settings
from .sizes import TIERS

__all__ = ["SECTIONS", "main", "parse_args"]

#: section number -> (module, title)
SECTIONS = {
    1: ("benchmarks.s1_machine", "limits of the machine"),
    2: ("benchmarks.s2_matmul", "matmul: Tensor vs numpy"),
    3: ("benchmarks.s3_elementwise", "elementwise and fused kernels"),
    4: ("benchmarks.s4_overhead", "per-op overhead"),
    5: ("benchmarks.s5_mlp", "MLP training step"),
    6: ("benchmarks.s6_deep", "deep graph"),
    7: ("benchmarks.s7_coldstart", "cold start"),
    8: ("benchmarks.s8_threading", "threading arrangement"),
}

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def _sections(text):
    try:
        nums = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sections: expected numbers like 1,3; got {text!r}")
    bad = [n for n in nums if n not in SECTIONS]
    if bad or not nums:
        raise argparse.ArgumentTypeError(
            f"--sections: unknown section(s) {bad or text!r}; choose from {sorted(SECTIONS)}")
    return nums


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark suite: " + "; ".join(f"{k}. {v[1]}" for k, v in SECTIONS.items()))
    tier = p.add_mutually_exclusive_group()
    tier.add_argument("--quick", action="store_true", help="smaller sizes, fewer rounds")
    tier.add_argument("--smoke", action="store_true",
                      help="smallest sizes, 2 rounds: checks that everything runs")
    p.add_argument("--threads", type=int, default=None,
                   help="thread count for every contender (BLAS/OpenMP via threadpoolctl, "
                        "numba.set_num_threads, torch.set_num_threads); default: libraries' own")
    p.add_argument("--sections", type=_sections, default=sorted(SECTIONS),
                   help="comma-separated section numbers (default: all)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    p.add_argument("--rounds", type=int, default=None, help="override the tier's rounds")
    p.add_argument("--keep-blas-env", action="store_true",
                   help="do not remove OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE from workers")
    a = p.parse_args(argv)
    if a.threads is not None and a.threads < 1:
        p.error("--threads must be at least 1")
    if a.rounds is not None and a.rounds < 1:
        p.error("--rounds must be at least 1")
    return a


def _versions():
    import importlib.metadata as md
    out = {}
    for name in ("autograd-core", "numpy", "numba", "torch"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


def _meta(args, tier, removed, blas):
    threads = "library defaults" if args.threads is None else f"{args.threads} (every contender)"
    cmd = "python -m benchmarks" + "".join(" " + shlex.quote(x) for x in (args.argv or []))
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": benv.machine_info(),
        "versions": _versions(),
        "threads": args.threads,
        "threads_label": threads,
        "tier": tier,
        "rounds": args.rounds_used,
        "rounds_label": f"{tier} tier, {args.rounds_used} rounds, medians with min-max",
        "command": cmd,
        "removed_env": removed,
        "blas": blas,
        "sections": args.sections,
    }


def _blas_label(tables):
    for t in tables:
        for n in t["notes"]:
            if n.startswith("BLAS: "):
                return n[len("BLAS: "):]
    return None


def _children_cpu():
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    args.argv = argv
    tier = "smoke" if args.smoke else "quick" if args.quick else "full"
    sizes = dict(TIERS[tier])
    args.rounds_used = args.rounds or sizes["rounds"]
    settings = Settings(tier=tier, threads=args.threads, rounds=args.rounds_used,
                        target=sizes["target"], keep_blas_env=args.keep_blas_env, sizes=sizes)
    _, removed = benv.clean_env(keep_blas_env=args.keep_blas_env)
    os.makedirs(args.out, exist_ok=True)
    if removed:
        print("benchmark workers run without " + ", ".join(f"{k}={v}" for k, v in removed.items()),
              flush=True)
    tables, failures = [], {}
    load_start = os.getloadavg()
    for num in args.sections:
        mod, title = SECTIONS[num]
        t0, c0 = time.perf_counter(), _children_cpu()
        print(f"-- section {num}: {title} ...", flush=True)
        try:
            got = importlib.import_module(mod).run(settings)
        except Exception:
            failures[num] = traceback.format_exc()
            print(f"section {num} failed:\n{failures[num]}", file=sys.stderr, flush=True)
            continue
        for t in got:
            print(report.format_table(t), flush=True)
            print(flush=True)
        tables.extend(got)
        cpu = _children_cpu() - c0
        print(f"   (section {num}: {time.perf_counter() - t0:.0f} s wall, {cpu:.0f} s CPU in "
              "worker processes)", flush=True)
    meta = _meta(args, tier, removed, _blas_label(tables))
    meta["failures"] = failures
    # the machine is shared: how busy it was tells how far to trust the figures
    meta["loadavg_start"] = [round(x, 2) for x in load_start]
    meta["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    goals = targets.evaluate(tables, args.threads)
    shown = tables + ([targets.as_table(goals)] if goals else [])
    if goals:
        print(report.format_table(shown[-1]), flush=True)
        print(flush=True)
    report.write_json(os.path.join(args.out, "results.json"), tables, meta, goals)
    with open(os.path.join(args.out, "latest.md"), "w") as f:
        f.write(report.markdown(shown, meta))
    try:
        report.plot(os.path.join(args.out, "results.png"), tables, meta)
    except Exception:
        failures["plot"] = traceback.format_exc()
        print(f"plot failed:\n{failures['plot']}", file=sys.stderr)
    print(f"results: {args.out}/results.json, results.png, latest.md")
    return 1 if failures else 0
