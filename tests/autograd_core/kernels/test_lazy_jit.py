"""The lazy ``kernels.njit``: numba is not imported by ``import autograd_core``, and a
kernel's first call builds real dispatchers for its whole module."""
import subprocess
import sys

import numpy as np

from autograd_core import kernels


def test_import_autograd_core_does_not_import_numba():
    code = "import sys, autograd_core, nn, optim; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_first_call_materializes_module_and_nested_calls_work():
    import types

    mod = types.ModuleType("lazy_probe")
    sys.modules["lazy_probe"] = mod
    try:
        exec(
            "from autograd_core.kernels import njit\n"
            "@njit\n"
            "def inner(x):\n"
            "    return x * 2.0\n"
            "@njit(cache=False)\n"
            "def outer(a, out):\n"
            "    for i in range(a.size):\n"
            "        out[i] = inner(a[i]) + 1.0\n"
            "    return out\n",
            mod.__dict__,
        )
        assert isinstance(mod.outer, kernels.LazyKernel)
        a = np.arange(4.0)
        lazy = mod.outer
        np.testing.assert_array_equal(lazy(a, np.empty(4)), a * 2 + 1)
        assert not isinstance(mod.outer, kernels.LazyKernel)  # replaced by the dispatcher
        assert not isinstance(mod.inner, kernels.LazyKernel)
        np.testing.assert_array_equal(lazy(a, np.empty(4)), a * 2 + 1)  # old handle still works
        assert lazy.signatures  # dispatcher attributes are reachable through the handle
    finally:
        del sys.modules["lazy_probe"]
