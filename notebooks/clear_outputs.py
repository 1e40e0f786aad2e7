"""Strip outputs and execution counts from notebooks before committing them.

    python notebooks/clear_outputs.py            # every notebooks/*.ipynb
    python notebooks/clear_outputs.py FILE ...   # the given files

The test suite runs every notebook and fails on a committed notebook that still
carries outputs (stale pictures of an older run).
"""
import sys
from pathlib import Path

import nbformat


def clear(path):
    """Clear ``path`` in place; returns True if anything changed."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.outputs or cell.execution_count is not None:
            changed = True
        cell.outputs = []
        cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled"):
            if cell.metadata.pop(key, None) is not None:
                changed = True
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return changed


def main(argv):
    paths = [Path(a) for a in argv] or sorted(Path(__file__).parent.glob("*.ipynb"))
    for p in paths:
        print(("cleared " if clear(p) else "clean   ") + str(p))


if __name__ == "__main__":
    main(sys.argv[1:])
