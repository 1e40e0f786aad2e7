"""The top-level namespace: functions with PyTorch names, no primitive classes."""
import numpy as np
import pytest

import autograd_core as ac


def test_functions_exported_and_primitives_not():
    for name in ("add", "sub", "mul", "div", "pow", "matmul", "exp", "cat", "where", "sum",
                 "softmax", "stack", "gather"):
        assert callable(getattr(ac, name)), name
    for name in ("Add", "MatMul", "Linear", "ArithMethods", "binary"):
        assert not hasattr(ac, name), name
    assert ac.OPS["matmul"].__name__ == "MatMul"


def test_module_functions_accept_a_number_on_either_side():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    np.testing.assert_allclose(ac.add(2, x).numpy(), [3, 4])
    np.testing.assert_allclose(ac.sub(x, 1, alpha=2).numpy(), [-1, 0])
    np.testing.assert_allclose(ac.pow(2, x).numpy(), [2, 4])
    np.testing.assert_allclose(ac.matmul(x, x).numpy(), 5.0)
    ac.mul(x, x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2, 4])
    with pytest.raises(TypeError, match="at least one Tensor"):
        ac.add(1, 2)


def test_thread_count_functions_are_the_blas_ones():
    from autograd_core.kernels import blas
    assert ac.set_num_threads is blas.set_num_threads
    assert ac.get_num_threads is blas.get_num_threads
    n = ac.get_num_threads()
    assert isinstance(n, int) and n >= 1
    with pytest.raises((TypeError, ValueError), match="set_num_threads"):
        ac.set_num_threads(0)
    assert ac.get_num_threads() == n
