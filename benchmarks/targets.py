"""The issue's targets, checked against the figures of this run (medians).

Each entry: what, the measured value, the target, met or not; only targets whose
section ran (and whose rows exist) are listed. Thread-dependent targets (the MLP step
against PyTorch) use the run's ``--threads`` (library defaults count as all cores).
"""
import os

from . import report

__all__ = ["evaluate", "as_table"]


def _rows(tables, section, title_part=None):
    for t in tables:
        if t["section"] == section and (title_part is None or title_part in t["title"]):
            yield from t["rows"]


def _entry(what, value, unit, target, met, detail=""):
    return {"what": what, "value": value, "unit": unit, "target": target, "met": bool(met),
            "detail": detail}


def _fresh_detail(fused):
    """The same kernels against the triad that also allocates its output (section 3)."""
    vals = [(r["extra"].get("vs fresh-output triad"), r["case"]) for r in fused]
    vals = [v for v in vals if v[0] is not None]
    if not vals:
        return ""
    below = [f"{c} {v:.2f}" for v, c in vals if v < 0.9]
    return ("; against the fresh-output triad: worst "
            f"{min(vals)[1]} {min(vals)[0]:.2f}, below 0.9: " + (", ".join(below) or "none"))


def evaluate(tables, threads):
    """[entry] for every target this run can judge."""
    out = []
    eff = threads or os.cpu_count() or 1
    for r in _rows(tables, 5, "training step"):
        if r["contender"] == "ours" and r["baseline"] == "torch" and r["ratio"] is not None:
            batch = int(r["case"].split("=")[1])
            if eff == 1:
                tgt = 0.6 if batch <= 32 else 0.7
                out.append(_entry(f"MLP step {r['case']}, 1 thread: time ours/torch",
                                  r["ratio"], "x", f"<= {tgt}", r["ratio"] <= tgt))
            else:
                out.append(_entry(f"MLP step {r['case']}, {eff} threads: time ours/torch",
                                  r["ratio"], "x", "< 1.0", r["ratio"] < 1.0))
    mm_rows = list(_rows(tables, 2))
    judged = ("ours, rule off" if any(r["contender"] == "ours, rule off" for r in mm_rows)
              else "ours")
    mm = [r for r in mm_rows if r["contender"] == judged and r["ratio"] is not None]
    if mm:
        worst = max(mm, key=lambda r: r["ratio"])
        speed = [1 / r["ratio"] for r in mm]
        below = [r["case"] for r in mm if 1 / r["ratio"] < 0.95]
        out.append(_entry(f"matmul: throughput {judged}/numpy, worst case", 1 / worst["ratio"], "x",
                          ">= 0.95", not below,
                          f"worst at {worst['case']}; median over {len(mm)} cases "
                          f"{sorted(speed)[len(speed) // 2]:.3f}; below target: {len(below)}"))
    fused = [r for r in _rows(tables, 3, "bandwidth") if r["contender"] == "numba kernel"]
    if fused:
        below = [r for r in fused if r["ratio"] < 0.9]
        worst = min(fused, key=lambda r: r["ratio"])
        out.append(_entry("fused kernels: bandwidth / triad, worst kernel", worst["ratio"], "x",
                          ">= 0.9", not below,
                          f"worst: {worst['case']}; below target: "
                          + (", ".join(f"{r['case']} {r['ratio']:.2f}" for r in below) or "none")
                          + _fresh_detail(fused)))
    for r in _rows(tables, 3, "Adam"):
        if r["contender"].startswith("ours"):
            out.append(_entry(f"Adam step over 537k params ({r['contender']})", r["median"],
                              "ms", "<= 0.5", r["median"] <= 0.5))
    for r in _rows(tables, 4):
        if r["contender"] == "ours" and r["case"].startswith("forward+backward"):
            out.append(_entry("per-op overhead, forward + backward", r["median"], "us/op",
                              "<= 5", r["median"] <= 5))
    deep_t = [r for r in _rows(tables, 6, "time per op") if r["contender"] == "ours"]
    deep_m = [r for r in _rows(tables, 6, "memory") if r["contender"] == "ours"]
    if deep_t:
        n_max = max(int(r["case"].split()[-2].replace(",", "")) for r in deep_t)
        tag = f"{n_max:,} ops"
        for r in deep_t:
            if r["case"] == f"backward, {tag}":
                out.append(_entry(f"deep chain of {tag}: backward", r["median"], "us/op",
                                  "<= 5", r["median"] <= 5,
                                  "" if n_max >= 1_000_000 else "1,000,000 not run in this tier"))
        for r in deep_m:
            if r["case"] == tag:
                out.append(_entry(f"deep chain of {tag}: peak memory", r["median"], "B/op",
                                  "<= 1024", r["median"] <= 1024,
                                  "graph held after forward "
                                  f"{r['extra'].get('graph B/op', 0):.0f} B/op"))
    for r in _rows(tables, 7):
        if r["case"] == "import autograd_core":
            out.append(_entry("import autograd_core", r["median"], "s", "<= 0.3",
                              r["median"] <= 0.3))
        if r["contender"] == "ours" and r["case"].startswith("first step") and "warm" in r["case"]:
            out.append(_entry(f"{r['case']}", r["median"], "s", "<= 0.5", r["median"] <= 0.5))
    mem = [r for r in _rows(tables, 5, "peak RSS") if r["contender"] == "ours"]
    if mem:
        r = max(mem, key=lambda r: int(r["case"].split("=")[1]))
        out.append(_entry(f"peak RSS of the {r['case']} training process", r["median"], "MiB",
                          "<= 150" + ("" if r["case"] == "B=512" else " (at B=512)"),
                          r["median"] <= 150))
    return out


def as_table(entries):
    """A printable table (``report`` format) of the entries."""
    rows, notes = [], []
    for e in entries:
        rows.append(report.row(e["what"], "ours", [e["value"]], e["unit"],
                               extra={"target": e["target"], "met": "yes" if e["met"] else "NO"}))
        if e["detail"]:
            notes.append(f"{e['what']}: {e['detail']}")
    return report.table("T", "Targets (this run's medians)", rows, notes=notes)
