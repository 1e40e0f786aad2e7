"""The array namespace is the backend boundary: ops reach numpy only for dtype and shape
metadata, never set a floating-point error policy, and every rule is written once."""
import ast
import pathlib

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.backend import ARRAYS, TensorNamespace
from autograd_core.function import Primitive

OPS = pathlib.Path(ac.__file__).parent / "ops"
# numpy functions that only read or compute dtype and shape metadata
METADATA = {"dtype", "result_type", "promote_types", "issubdtype", "can_cast", "finfo",
            "iinfo", "broadcast_shapes", "isdtype"}


def _numpy_calls(path):
    """(line, function) for every call of ``np.<function>(...)`` in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            while isinstance(f, ast.Attribute) and isinstance(f.value, ast.Attribute):
                f = f.value  # np.linalg.norm(...) -> np.linalg
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and \
                    f.value.id in ("np", "numpy"):
                out.append((node.lineno, f.attr))
    return out


@pytest.mark.parametrize("path", sorted(OPS.glob("*.py")), ids=lambda p: p.name)
def test_ops_call_numpy_only_for_metadata(path):
    bad = [(line, fn) for line, fn in _numpy_calls(path) if fn not in METADATA]
    assert not bad, (f"{path.name}: numpy calls that compute on arrays (route them through "
                     f"the array namespace F / backend.ARRAYS): {bad}")


def test_the_checker_sees_numpy_calls(tmp_path):
    p = tmp_path / "m.py"
    p.write_text("import numpy as np\nx = np.dtype('f4')\ny = np.exp(x)\nz = np.linalg.norm(y)\n")
    assert _numpy_calls(p) == [(2, "dtype"), (3, "exp"), (4, "linalg")]


@pytest.mark.parametrize("path", sorted(OPS.glob("*.py")), ids=lambda p: p.name)
def test_ops_set_no_error_policy_and_keep_no_second_rule(path):
    src = path.read_text()
    for word in ("errstate", "array_backward", "_composed", "saved_tensors", "_tensor_cls"):
        assert word not in src, f"{path.name} still has {word!r}"


def test_every_primitive_is_written_once_against_the_namespace():
    for name, cls in ac.OPS.items():
        assert issubclass(cls, Primitive), f"{name}: {cls.__name__} is not a Primitive"
        assert "array_backward" not in vars(cls), name


def test_both_interpreters_define_the_helpers_rules_use():
    tn = TensorNamespace(ac.Tensor, ac.OPS)
    helpers = {"saved", "asarray", "is_array", "zeros", "zeros_like", "full", "constant",
               "sum_to", "astype", "to_tensor", "from_tensor", "data", "adopt"}
    for h in helpers:
        assert callable(getattr(ARRAYS, h)), h
        assert callable(getattr(tn, h)), h
    # every registered primitive has an array function of its name (what its forward runs)
    missing = sorted(n for n in ac.OPS if not hasattr(ARRAYS, n))
    assert not missing, f"primitives with no array function: {missing}"


def test_namespace_refuses_a_second_definition():
    with pytest.raises(ValueError, match="defined twice"):
        ARRAYS.define("add", np.add)
