"""Every registered primitive must be covered by some op test module's COVERED_OPS."""
import importlib
import pkgutil

import autograd_core as ac
import tests.autograd_core.ops as op_tests


def _covered():
    names = set()
    for mod in pkgutil.iter_modules(op_tests.__path__):
        m = importlib.import_module(f"{op_tests.__name__}.{mod.name}")
        names |= set(getattr(m, "COVERED_OPS", ()))
    return names


def test_every_registered_op_has_a_gradient_test():
    missing = sorted(set(ac.OPS) - _covered())
    assert not missing, f"registered ops with no gradient test (add them to COVERED_OPS): {missing}"


def test_registry_names_are_the_ops_names():
    for name, cls in ac.OPS.items():
        assert cls.name == name
        assert cls.family in {"arith", "elementwise", "reduce", "shape", "index", "linalg",
                              "compare", "nn"}
