"""Results: rows and tables, printed on stdout, written as JSON, markdown and a plot.

A table is a dict ``{"section", "title", "ratio_label", "rows", "notes"}``; a row is
``{"case", "contender", "median", "min", "max", "unit", "ratio", "ratio_min",
"ratio_max", "baseline", "extra", "samples"}`` (ratio fields None when the row is not a
comparison). Plain dicts, so ``results.json`` is the same structure.
"""
import json
import math

from .harness import paired_ratio, summarize

__all__ = ["row", "table", "fmt", "format_table", "markdown", "write_json", "plot"]


def row(case, contender, samples, unit, scale=1.0, base_samples=None, baseline=None,
        invert=False, extra=None):
    """A row from per-round ``samples`` (seconds per call), converted into ``unit`` by
    ``scale`` (a factor, or a function such as seconds -> GB/s). When ``base_samples``
    (the baseline's seconds per call, same rounds) is given, the row carries the paired
    ratio against them (see ``harness.paired_ratio``; ``invert`` for throughput)."""
    if callable(scale):  # e.g. seconds per call -> GB/s
        samples_out = [scale(s) for s in samples]
        med, lo, hi = summarize(samples_out)
    else:
        samples_out = [s * scale for s in samples]
        med, lo, hi = summarize(samples_out)
    r = {"case": case, "contender": contender, "median": med, "min": lo, "max": hi,
         "unit": unit, "ratio": None, "ratio_min": None, "ratio_max": None,
         "baseline": baseline, "extra": dict(extra or {}),
         "samples": samples_out}
    if base_samples is not None:
        r["ratio"], r["ratio_min"], r["ratio_max"] = paired_ratio(samples, base_samples, invert)
    return r


def table(section, title, rows, ratio_label=None, notes=()):
    return {"section": section, "title": title, "ratio_label": ratio_label,
            "rows": rows, "notes": list(notes)}


def fmt(x):
    """Three significant digits, no exponent for everyday magnitudes."""
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if not math.isfinite(x):
        return str(x)
    a = abs(x)
    if a == 0:
        return "0"
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    if a >= 0.01:
        return f"{x:.3f}"
    return f"{x:.2e}"


def _cells(t):
    head = ["case", "contender", "median", "min-max", "unit"]
    has_extra = any(r["extra"] for r in t["rows"])
    has_ratio = any(r["baseline"] is not None for r in t["rows"])
    if has_extra:
        head.append("also")
    if has_ratio:
        head.append("ratio: " + (t["ratio_label"] or "vs baseline"))
    body = []
    for r in t["rows"]:
        c = [r["case"], r["contender"], fmt(r["median"]), f"{fmt(r['min'])}-{fmt(r['max'])}",
             r["unit"]]
        if has_extra:
            c.append(", ".join(f"{k} {fmt(v)}" for k, v in r["extra"].items()))
        if has_ratio:
            if r["ratio"] is None:
                c.append("1 (baseline)" if r["baseline"] == r["contender"] else "-")
            else:
                c.append(f"{r['ratio']:.3f} ({r['ratio_min']:.2f}-{r['ratio_max']:.2f})"
                         + ("" if r["baseline"] is None else f" vs {r['baseline']}"))
        body.append(c)
    return head, body


def format_table(t):
    """The table as aligned plain text, with its notes below."""
    head, body = _cells(t)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)] if body else [
        len(h) for h in head]
    lines = [f"== {t['section']}. {t['title']} =="]
    lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    lines.append("  ".join("-" * w for w in widths))
    for c in body:
        lines.append("  ".join(str(x).ljust(w) for x, w in zip(c, widths)))
    for n in t["notes"]:
        lines.append(f"   note: {n}")
    return "\n".join(lines)


def markdown(tables, meta):
    """``latest.md``: date, machine, versions, command, then every table."""
    m = meta
    out = [f"### Benchmarks ({m['date']})", ""]
    mach = m["machine"]
    out.append(f"Machine: {mach['cpu']}, {mach['cores']} cores, {mach['memory_gib']} GiB, "
               f"{mach['os']}; Python {mach['python']}.  ")
    out.append("Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".  ")
    if m.get("blas"):
        out.append(f"BLAS: {m['blas']}.  ")
    out.append(f"Threads: {m['threads_label']}.  ")
    out.append(f"Command: `{m['command']}` ({m['rounds_label']}).  ")
    if m.get("loadavg_start"):
        out.append(f"Load average (1/5/15 min) at start {m['loadavg_start']}, at end "
                   f"{m['loadavg_end']} (2 shared cores: other work skews the figures).")
    out.append("")
    for t in tables:
        head, body = _cells(t)
        out.append(f"**{t['section']}. {t['title']}**")
        out.append("")
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join("---" for _ in head) + "|")
        for c in body:
            out.append("| " + " | ".join(str(x).replace("|", "/") for x in c) + " |")
        for n in t["notes"]:
            out.append(f"\n_{n}_")
        out.append("")
    return "\n".join(out) + "\n"


def write_json(path, tables, meta, targets=()):
    with open(path, "w") as f:
        json.dump({"meta": meta, "tables": tables, "targets": list(targets)}, f, indent=1,
                  default=str)


def plot(path, tables, meta):
    """One horizontal bar chart per table: the paired ratio (with min-max) for
    comparison tables, else the median value (with min-max)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [t for t in tables if t["rows"]]
    if not shown:
        return
    # two columns, each table placed in the shorter one; sizes in inches
    row_h, head_h, col_w, label_w = 0.2, 0.9, 8.0, 3.4
    cols, col_h = [[], []], [0.0, 0.0]
    for t in shown:
        h = head_h + row_h * len(t["rows"])
        c = 0 if col_h[0] <= col_h[1] else 1
        cols[c].append((t, col_h[c], h))
        col_h[c] += h
    top = 0.5
    fig_h = max(col_h) + top
    fig = plt.figure(figsize=(2 * col_w, fig_h))
    placed = []
    for c, items in enumerate(cols):
        for t, y0, h in items:
            rect = [(c * col_w + label_w) / (2 * col_w),
                    1 - (top + y0 + h - 0.55) / fig_h,
                    (col_w - label_w - 0.3) / (2 * col_w),
                    (h - head_h + 0.1) / fig_h]
            placed.append((fig.add_axes(rect), t))
    for ax, t in placed:
        rows = t["rows"]
        use_ratio = any(r["ratio"] is not None for r in rows)
        labels, vals, lo, hi = [], [], [], []
        for r in rows:
            v, a, b = ((r["ratio"], r["ratio_min"], r["ratio_max"]) if use_ratio else
                       (r["median"], r["min"], r["max"]))
            if use_ratio and v is None:
                v = a = b = 1.0 if r["baseline"] == r["contender"] else float("nan")
            label = f"{r['case']} / {r['contender']}"
            labels.append(label if len(label) <= 60 else label[:57] + "...")
            vals.append(v)
            lo.append(max(0.0, v - a) if v == v else 0)
            hi.append(max(0.0, b - v) if v == v else 0)
        y = list(range(len(rows)))
        ax.barh(y, vals, xerr=[lo, hi], color="tab:blue" if use_ratio else "tab:gray",
                ecolor="black", capsize=2)
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=7)
        ax.invert_yaxis()
        if use_ratio:
            ax.axvline(1.0, color="red", lw=0.8)
            ax.set_xlabel(t["ratio_label"] or "ratio", fontsize=8)
        else:
            ax.set_xlabel(rows[0]["unit"], fontsize=8)
        title = f"{t['section']}. {t['title']}"
        ax.set_title(title if len(title) < 80 else title[:77] + "...", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(f"autograd-core benchmarks, {meta['date']}, {meta['machine']['cpu']}, "
                 f"threads: {meta['threads_label']}", fontsize=10, y=1 - 0.15 / fig_h)
    fig.savefig(path, dpi=80)
    plt.close(fig)
