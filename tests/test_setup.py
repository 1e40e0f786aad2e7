"""The set-up: a LICENSE matching pyproject's licence, and ``make torch`` never bringing
CUDA (the rule of ``tools/torch_cpu.py``, on synthetic reports and on a real dry run)."""
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_tool():
    spec = importlib.util.spec_from_file_location("torch_cpu", ROOT / "tools" / "torch_cpu.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


torch_cpu = _load_tool()


def test_license_file_matches_pyproject():
    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^license = "MIT"$', text, re.M)
    assert re.search(r'^license-files = \["LICENSE"\]$', text, re.M)
    lic = (ROOT / "LICENSE").read_text()
    assert lic.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in lic
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in lic


def _report(*packages):
    return {"version": "1", "install": [{"metadata": {"name": n, "version": v}}
                                        for n, v in packages]}


def test_rule_rejects_the_pypi_cuda_resolution():
    # what `pip install torch==2.13.0` from PyPI reports on x86-64 Linux (abridged)
    report = _report(("torch", "2.13.0"), ("nvidia-cublas-cu12", "12.8.4.1"),
                     ("nvidia_cudnn_cu12", "9.10.2.21"), ("triton", "3.5.0"),
                     ("sympy", "1.14.0"), ("filelock", "3.20.0"))
    reasons = torch_cpu.cuda_reasons(report)
    assert len(reasons) == 3
    assert any("nvidia-cublas-cu12" in r for r in reasons)
    assert any("nvidia-cudnn-cu12" in r for r in reasons)  # names are canonicalised
    assert any(r.startswith("triton") for r in reasons)


@pytest.mark.parametrize("version", ["2.13.0+cu128", "2.13.0+CU126", "2.13.0+rocm6.4"])
def test_rule_rejects_a_gpu_build_without_extra_packages(version):
    assert torch_cpu.cuda_reasons(_report(("torch", version)))


@pytest.mark.parametrize("packages", [
    [("torch", "2.13.0+cpu"), ("sympy", "1.14.0"), ("networkx", "3.6.1")],
    [("torch", "2.13.0"), ("filelock", "3.20.0")],  # macOS / aarch64: PyPI's build is CPU-only
    [],  # everything already installed
])
def test_rule_accepts_cpu_resolutions(packages):
    assert torch_cpu.cuda_reasons(_report(*packages)) == []


def test_pins_are_exact():
    assert torch_cpu.pins(_report(("torch", "2.13.0+cpu"), ("Jinja2", "3.1.6"))) == [
        "torch==2.13.0+cpu", "Jinja2==3.1.6"]


def test_dry_run_of_the_configured_index_is_cpu_only():
    """The resolution ``make torch`` tries first, run for real (dry: nothing is
    downloaded but metadata, nothing installed). ``--ignore-installed`` so the report
    lists torch and all its dependencies even where they are installed."""
    report, why = torch_cpu.dry_run([], extra=["--ignore-installed", "--timeout", "10",
                                               "--retries", "0"], timeout=120)
    if report is None:
        pytest.skip(f"pip cannot resolve {torch_cpu.SPEC} from the configured index "
                    f"(offline or no such build): {why}")
    names = {torch_cpu._canonical(i["metadata"]["name"]) for i in report["install"]}
    assert "torch" in names
    reasons = torch_cpu.cuda_reasons(report)
    if reasons:
        # make torch would go on to PyTorch's CPU index, or skip; it must not install this
        pytest.skip(f"the configured index offers only a GPU build: {reasons[:3]}")
    torch = next(i for i in report["install"] if i["metadata"]["name"] == "torch")
    assert not re.search(r"\+cu", torch["metadata"]["version"])
    assert not any(n.startswith("nvidia-") for n in names)


def test_makefile_torch_step_goes_through_the_rule():
    make = (ROOT / "Makefile").read_text()
    step = make[make.index("\ntorch:"):].split("\n\n")[0]
    assert "tools/torch_cpu.py" in step
    assert "pip install" not in step and "$(PIP) install" not in step
