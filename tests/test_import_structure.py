"""The import structure of ``autograd_core``, read from the source with ``ast`` (nothing
is imported, so a lazy import inside a function counts as much as one at the top):

- no module of the core imports the layers built on it: ``nn``, ``optim`` (top-level, or
  mapped into the package as ``autograd_core.nn``/``.optim``) or the command line
  (``autograd_core.cli``); ``autograd_core/__main__.py`` may hand over to the command;
- there are no import cycles among ``autograd_core``'s modules.

Relative imports are resolved, so ``from ..kernels import nn`` is the kernel module
``autograd_core.kernels.nn``, not the ``nn`` package.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "autograd_core"
ABOVE = ("nn", "optim", "autograd_core.nn", "autograd_core.optim", "autograd_core.cli")
HANDOVER = {"autograd_core.__main__"}


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _is_under(name, prefix):
    return name == prefix or name.startswith(prefix + ".")


def _imports(name, path):
    """[(imported module, line)] of every import statement in the file, at any depth.

    ``from X import y`` names ``X.y`` when that is a module of the package, else ``X``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            for a in node.names:
                sub = f"{mod}.{a.name}"
                found.append((sub if sub in MODULES else mod, node.lineno))
    return found


def _core_modules():
    return {n: p for n, p in MODULES.items()
            if n not in HANDOVER and not any(_is_under(n, a) for a in ABOVE)}


def test_the_walk_sees_the_package():
    core = _core_modules()
    assert {"autograd_core", "autograd_core.tensor", "autograd_core.engine"} <= set(core)
    assert "autograd_core.cli" in MODULES and "autograd_core.cli" not in core
    # relative imports resolve to the package's own modules
    imported = dict(_imports("autograd_core", MODULES["autograd_core"]))
    assert "autograd_core.tensor" in imported


def test_core_never_imports_nn_optim_or_the_command():
    bad = [f"{p.relative_to(ROOT)}:{line}: imports {mod}"
           for name, p in _core_modules().items()
           for mod, line in _imports(name, p)
           if any(_is_under(mod, a) for a in ABOVE)]
    assert not bad, "the core imports a layer above it:\n" + "\n".join(bad)


def test_the_command_is_where_nn_and_optim_are_used():
    # the check above would pass vacuously if the command's imports were not seen
    seen = {mod for name, p in MODULES.items() if _is_under(name, "autograd_core.cli")
            for mod, _ in _imports(name, p)}
    assert {"nn", "optim"} <= {m.split(".")[0] for m in seen}


def _cycles(graph):
    """Strongly connected components with more than one module (or a self-import)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:  # iterative Tarjan
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1 or v in graph[v]:
                        out.append(sorted(comp))
    return out


def test_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    graph = {n: {m for m, _ in _imports(n, p) if m in MODULES and m != n}
             for n, p in MODULES.items()}
    cycles = _cycles(graph)
    assert not cycles, "import cycles among autograd_core's modules:\n" + "\n".join(
        " <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("argv", [["-m", "autograd_core", "--help"],
                                  ["-m", "autograd_core.cli", "--help"]])
def test_entry_points_hand_over_to_the_command(argv):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "train" in proc.stdout and "graph" in proc.stdout


def test_console_script_names_the_command():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"autograd-core": "autograd_core.cli:main"}
    from autograd_core.cli import main

    assert callable(main)
