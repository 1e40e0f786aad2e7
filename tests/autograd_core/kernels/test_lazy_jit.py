"""The lazy ``kernels.njit``: numba is not imported by ``import autograd_core``, and a
kernel's first call builds the dispatchers of that kernel and the kernels it calls only."""
import os
import subprocess
import sys
import threading
import types

import numpy as np
import pytest

from autograd_core import kernels

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))


def _run(code, **env):
    full = dict(os.environ, PYTHONPATH=ROOT, **env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=full, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


@pytest.fixture
def module():
    """Make throwaway modules from source; removed from sys.modules afterwards."""
    made = []

    def make(name, src):
        mod = types.ModuleType(name)
        sys.modules[name] = mod
        made.append(name)
        exec(src, mod.__dict__)
        return mod

    yield make
    for name in made:
        sys.modules.pop(name, None)


def test_import_autograd_core_does_not_import_numba():
    code = "import sys, autograd_core, nn, optim; print('numba' in sys.modules)"
    assert _run(code) == "False"


def test_first_call_builds_kernel_and_callees_only(module):
    mod = module("lazy_probe", (
        "from autograd_core.kernels import njit\n"
        "@njit\n"
        "def inner(x):\n"
        "    return x * 2.0\n"
        "@njit(cache=False)\n"
        "def outer(a, out):\n"
        "    for i in range(a.size):\n"
        "        out[i] = inner(a[i]) + 1.0\n"
        "    return out\n"
        "@njit\n"
        "def unrelated(x):\n"
        "    return x - 1.0\n"))
    assert isinstance(mod.outer, kernels.LazyKernel)
    assert kernels.materialized("lazy_probe") == []
    a = np.arange(4.0)
    lazy = mod.outer
    np.testing.assert_array_equal(lazy(a, np.empty(4)), a * 2 + 1)
    assert not isinstance(mod.outer, kernels.LazyKernel)  # replaced by the dispatcher
    assert not isinstance(mod.inner, kernels.LazyKernel)
    assert isinstance(mod.unrelated, kernels.LazyKernel)  # never called: never built
    assert mod.unrelated.dispatcher is None
    assert kernels.materialized("lazy_probe") == ["inner", "outer"]
    np.testing.assert_array_equal(lazy(a, np.empty(4)), a * 2 + 1)  # old handle still works
    assert lazy.signatures  # dispatcher attributes are reachable through the handle
    assert "built" in repr(lazy) and "lazy" in repr(mod.unrelated)
    assert mod.unrelated(3.0) == 2.0


def test_callee_chain_and_self_recursion(module):
    mod = module("lazy_chain", (
        "from autograd_core.kernels import njit\n"
        "@njit\n"
        "def c(x):\n"
        "    return x + 1\n"
        "@njit\n"
        "def b(x):\n"
        "    return c(x) * 2\n"
        "@njit\n"
        "def a(x):\n"
        "    return b(x) - 3\n"
        "@njit\n"
        "def fact(n):\n"
        "    if n <= 1:\n"
        "        return 1\n"
        "    return n * fact(n - 1)\n"))
    assert mod.a(5) == (5 + 1) * 2 - 3
    assert kernels.materialized("lazy_chain") == ["a", "b", "c"]
    assert mod.fact(10) == 3628800


def test_callee_from_another_module_alias_attribute_and_closure(module):
    module("lazy_lib", (
        "from autograd_core.kernels import njit\n"
        "@njit\n"
        "def twice(x):\n"
        "    return 2 * x\n"
        "@njit\n"
        "def thrice(x):\n"
        "    return 3 * x\n"
        "@njit\n"
        "def negate(x):\n"
        "    return -x\n"))
    user = module("lazy_user", (
        "import lazy_lib\n"
        "from lazy_lib import twice as dbl\n"
        "from autograd_core.kernels import njit\n"
        "@njit\n"
        "def by_alias(x):\n"
        "    return dbl(x) + 1\n"
        "@njit\n"
        "def by_attribute(x):\n"
        "    return lazy_lib.thrice(x) + 1\n"
        "def make(k):\n"
        "    @njit\n"
        "    def captured(x):\n"
        "        return k(x) + 1\n"
        "    return captured\n"
        "by_closure = make(lazy_lib.negate)\n"))
    assert user.by_alias(4.0) == 9.0
    assert not isinstance(user.dbl, kernels.LazyKernel)
    assert user.by_attribute(4.0) == 13.0
    assert user.by_closure(4.0) == -3.0
    assert kernels.materialized("lazy_lib") == ["negate", "thrice", "twice"]
    # the alias dbl is lazy_lib's kernel: counted there, not in the importing module
    assert kernels.materialized("lazy_user") == ["by_alias", "by_attribute", "by_closure"]


def test_concurrent_first_calls_share_one_dispatcher(module):
    mod = module("lazy_threads", (
        "from autograd_core.kernels import njit\n"
        "@njit\n"
        "def f(a):\n"
        "    return a.sum()\n"))
    lazy = mod.f
    got, errors = [], []
    barrier = threading.Barrier(4)

    def work():
        try:
            barrier.wait()
            got.append((lazy(np.arange(10.0)), lazy.materialize()))
        except Exception as e:  # reported below
            errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert [v for v, _ in got] == [45.0] * 4
    assert len({id(d) for _, d in got}) == 1


def test_training_step_builds_only_the_kernels_it_uses():
    code = (
        "import sys\n"
        "from benchmarks.mlp import MLPTask\n"
        "from autograd_core import kernels\n"
        "t = MLPTask('ours', 8)\n"
        "t.step(); t.step()\n"
        "import autograd_core.kernels.activations as E\n"
        "lazy = [k for k, v in vars(E).items() if isinstance(v, kernels.LazyKernel)]\n"
        "print(len(kernels.materialized(E.__name__)), len(lazy))\n")
    built, still_lazy = map(int, _run(code).split())
    assert built >= 1  # relu backward runs on Numba
    assert still_lazy >= 5  # sigmoid, elu, softplus ... are not used by the MLP


def test_numpy_kernels_path_never_imports_numba():
    code = (
        "import sys\n"
        "from benchmarks.mlp import MLPTask\n"
        "from autograd_core import kernels\n"
        "t = MLPTask('ours', 8)\n"
        "t.step(); t.step()\n"
        "import numpy as np, autograd_core as ac\n"
        "x = ac.randn(3, 4, requires_grad=True)\n"
        "(x.sigmoid() * x.tanh()).relu().log_softmax(1).sum().backward()\n"
        "print(kernels.USE_NUMBA, 'numba' in sys.modules, bool(np.isfinite(x.grad.numpy()).all()))\n")
    assert _run(code, AUTOGRAD_CORE_KERNELS="numpy") == "False False True"


def test_init_numba_starts_numba_once_and_builds_no_kernel():
    code = (
        "import sys\n"
        "from autograd_core import kernels\n"
        "import autograd_core.kernels.activations as E\n"
        "m = kernels.init_numba()\n"
        "print(m is sys.modules['numba'], kernels.init_numba() is m,\n"
        "      len(kernels.materialized(E.__name__)), kernels._numba_started)\n")
    assert _run(code) == "True True 0 True"
