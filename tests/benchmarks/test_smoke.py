"""Smoke test of the benchmark suite: every section at its smallest size (``--smoke``),
run once for the module as ``python -m benchmarks``. No timing assertions: the test
checks the structure of what the suite writes (every section produced rows of finite
positive numbers, the JSON parses, the markdown and plot exist, the MLP check agreed).

The OpenBLAS tuning variables are left alone here (``--keep-blas-env``): only a real
benchmark run removes them.
"""
import json
import math
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECTIONS = (1, 2, 3, 4, 5, 6, 7, 8)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--keep-blas-env", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    with open(out / "results.json") as f:
        data = json.load(f)
    return proc, out, data


def test_exit_code_and_no_failures(smoke):
    proc, _, data = smoke
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert data["meta"]["failures"] == {}


def test_every_section_has_rows_of_finite_positive_numbers(smoke):
    _, _, data = smoke
    seen = {t["section"] for t in data["tables"] if t["rows"]}
    assert seen == set(SECTIONS)
    for t in data["tables"]:
        assert t["rows"], t["title"]
        for r in t["rows"]:
            for k in ("median", "min", "max"):
                assert isinstance(r[k], (int, float)) and math.isfinite(r[k]) and r[k] > 0, (
                    t["title"], r["case"], r["contender"], k, r[k])
            assert r["min"] <= r["median"] <= r["max"]
            assert r["samples"] and all(math.isfinite(s) and s > 0 for s in r["samples"])
            if r["ratio"] is not None:
                assert math.isfinite(r["ratio"]) and r["ratio"] > 0
                assert r["ratio_min"] <= r["ratio"] <= r["ratio_max"]


def test_comparisons_name_their_baseline(smoke):
    _, _, data = smoke
    ratios = [r for t in data["tables"] for r in t["rows"] if r["ratio"] is not None]
    assert ratios, "no comparison rows at all"
    assert all(r["baseline"] for r in ratios)


def test_mlp_check_mode_agreed(smoke):
    _, _, data = smoke
    (t,) = [t for t in data["tables"] if t["section"] == 5 and "check" in t]
    assert t["check"], "no check was run"
    for c in t["check"]:
        assert c["agreed"], c
        assert {"numpy", "ours"} <= set(c["losses"])
        assert all(d <= c["tolerance"] for d in c["max_rel_diff"].values())
    contenders = {r["contender"] for r in t["rows"]}
    assert {"ours", "numpy"} <= contenders


def test_targets_judged(smoke):
    proc, _, data = smoke
    goals = data["targets"]
    assert goals, "no target was judged"
    for g in goals:
        assert isinstance(g["met"], bool) and math.isfinite(g["value"]) and g["target"]
    assert any("per-op overhead" in g["what"] for g in goals)
    assert "== T. Targets" in proc.stdout


def test_outputs_written(smoke):
    proc, out, data = smoke
    md = (out / "latest.md").read_text()
    assert md.startswith("### Benchmarks (")
    assert "| case | contender |" in md
    assert data["meta"]["machine"]["cores"] >= 1
    png = (out / "results.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    for n in SECTIONS:
        assert f"== {n}. " in proc.stdout


def test_threading_section_compares_the_split_with_serial_and_prange(smoke):
    _, _, data = smoke
    rows = [r for t in data["tables"] if t["section"] == 8 for r in t["rows"]
            if "sigmoid" in r["case"]]
    kinds = {r["contender"].split(" + ")[1].split(" sigmoid")[0] for r in rows}
    assert kinds == {"split", "serial", "prange"}
    chosen = [r for r in rows if "(chosen)" in r["contender"]]
    assert len(chosen) == 1 and chosen[0]["ratio"] is None
    assert all(r["baseline"] == chosen[0]["contender"] for r in rows if r is not chosen[0])
