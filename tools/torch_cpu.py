"""Install PyTorch for the comparison tests, CPU-only or not at all (``make torch``).

On x86-64 Linux, ``pip install torch`` from PyPI resolves to the CUDA build and pulls
about 17 ``nvidia-*`` packages (several GB). So nothing is installed before pip's
``--dry-run --report`` shows what would be: first from pip's configured index, then
from PyTorch's CPU index. The first resolution that passes the rule (``cuda_reasons``
finds nothing) is installed exactly as reported (pinned, ``--no-deps``); when none
passes, PyTorch is skipped with a note and the comparison tests skip themselves.

Run with the virtual environment's Python: ``.venv/bin/python tools/torch_cpu.py``.
Exit status 0 in every case but a failed install of a resolution that passed.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SPEC = "torch==2.13.0"
# PyTorch's own CPU-only index, alone (it hosts torch's dependencies too), so a CUDA
# build on another index cannot win the resolution; its wheels carry a +cpu label
CPU_INDEX = ["--index-url", "https://download.pytorch.org/whl/cpu"]
SOURCES = [("pip's configured index", []), ("PyTorch's CPU index", CPU_INDEX)]
# Packages that only come with GPU builds: the CUDA runtime libraries and Triton.
GPU_ONLY = re.compile(r"^(nvidia-.*|triton|pytorch-triton.*|cuda-.*)$")
GPU_LOCAL = re.compile(r"\+(cu|rocm)", re.IGNORECASE)


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def cuda_reasons(report):
    """Why the resolution in a ``pip --report`` (parsed JSON) is not CPU-only; [] if it is.

    A reason per offending package: a GPU-only package (``nvidia-*``, Triton) or a
    ``torch*`` whose version has a ``+cu``/``+rocm`` local label.
    """
    reasons = []
    for item in report.get("install", []):
        name = _canonical(item["metadata"]["name"])
        version = item["metadata"]["version"]
        if GPU_ONLY.match(name):
            reasons.append(f"{name} {version} (a GPU-only package)")
        elif name.startswith("torch") and GPU_LOCAL.search(version):
            reasons.append(f"{name} {version} (a GPU build)")
    return reasons


def dry_run(source_args, spec=SPEC, extra=(), timeout=600):
    """(report, None) from ``pip install --dry-run --report`` of ``spec``, or (None, why)."""
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
           "--report", path, *source_args, *extra, spec]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            lines = [l for l in proc.stderr.splitlines() if l.startswith("ERROR")]
            return None, (lines[-1] if lines else f"pip exited {proc.returncode}")
        with open(path, encoding="utf-8") as f:
            return json.load(f), None
    except subprocess.TimeoutExpired:
        return None, f"pip took more than {timeout} s"
    except (OSError, ValueError) as e:
        return None, str(e)
    finally:
        os.unlink(path)


def pins(report):
    """``name==version`` for every package the report would install."""
    return [f"{i['metadata']['name']}=={i['metadata']['version']}" for i in report["install"]]


def main():
    try:
        import torch  # noqa: F401
        print(f"PyTorch {torch.__version__} already installed")
        return 0
    except ImportError:
        pass
    for label, source_args in SOURCES:
        # a short timeout so an offline machine moves on instead of waiting minutes
        report, why = dry_run(source_args, extra=["--timeout", "30", "--retries", "1"])
        if report is None:
            print(f"note: {SPEC} does not resolve from {label}: {why}")
            continue
        reasons = cuda_reasons(report)
        if reasons:
            print(f"note: {label} offers only a GPU build of {SPEC}: {', '.join(reasons[:3])}"
                  + (f" and {len(reasons) - 3} more" if len(reasons) > 3 else ""))
            continue
        print(f"installing PyTorch from {label}: {' '.join(pins(report))}")
        return subprocess.call([sys.executable, "-m", "pip", "install", "--no-deps",
                                *source_args, *pins(report)])
    print("note: no CPU-only PyTorch available; PyTorch not installed, the comparison "
          "tests will be skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
