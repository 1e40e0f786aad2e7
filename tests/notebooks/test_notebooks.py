"""The teaching notebooks (notebooks/*.ipynb) run top to bottom.

Each notebook is executed with nbclient in a Jupyter kernel started on *this*
interpreter (a throw-away kernelspec whose argv is ``sys.executable``), in the
notebooks directory, with a per-cell timeout. A cell that raises -- including the
``assert`` statements with which each notebook checks the claims it teaches -- fails
the test with the cell's traceback. The committed files must carry no outputs, so
what is in git is never a stale picture of an older run.

The kernel runs numpy's BLAS single-threaded (unless OPENBLAS_NUM_THREADS /
OMP_NUM_THREADS are set already): the notebooks' matrices are small, and on a shared
2-core machine two OpenBLAS threads spinning against another busy process made one
notebook 5x slower (53 s instead of 10 s) without changing any result.
"""
import json
import os
import sys
from pathlib import Path

import pytest
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = [
    "01_tensors_and_autograd", "02_gradient_checking", "03_initialization",
    "04_optimizers", "05_regularization", "06_second_order", "07_hyperparameter_search",
]
CELL_TIMEOUT = 300  # seconds per cell: generous for a loaded 2-core CI box
KERNEL_NAME = "autograd-core-notebook-test"


def _ids(paths):
    return [p.stem for p in paths]


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    """A kernelspec that launches ipykernel on the interpreter running the tests."""
    root = tmp_path_factory.mktemp("kernels")
    spec = root / KERNEL_NAME
    spec.mkdir()
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "autograd-core tests",
        "language": "python",
    }))
    return root


def test_every_lesson_has_a_notebook():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{path.name} has no code cells"
    stale = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not stale, (f"{path.name}: cells {stale} carry outputs; clear them "
                       "(python notebooks/clear_outputs.py)")
    # every notebook teaches in prose as well as code
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs(path, kernel_dir):
    nb = nbformat.read(path, as_version=4)
    # one extra cell, run last, reports the kernel's interpreter
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable, end='')"))
    km = KernelManager(kernel_name=KERNEL_NAME,
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)]))
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        env.setdefault(var, "1")
    try:
        client.execute(env=env)
    except CellExecutionError as e:  # the message holds the failing cell and traceback
        pytest.fail(f"{path.name}: a cell raised\n{e}", pytrace=False)

    probe = nb.cells.pop()
    assert probe.outputs[0]["text"] == sys.executable
    # No cell printed a numerical warning (overflow / invalid value): the lessons must
    # run cleanly.
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            assert "RuntimeWarning" not in text, f"{path.name} cell {i}: {text}"
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
