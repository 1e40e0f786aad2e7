"""User-defined primitives called through ``Function.apply``."""
import numpy as np
import pytest

import autograd_core as ac


class Cube(ac.Function):
    def forward(self, a, scale=1.0):
        self.scale = scale
        self.save_for_backward(a)
        return scale * a ** 3

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * (a * a) * (3 * self.scale)


def test_apply_records_and_gradchecks():
    x = ac.tensor([0.5, -1.2, 2.0], dtype="float64", requires_grad=True)
    y = Cube.apply(x, scale=2.0)
    assert y.grad_fn is not None and isinstance(y.grad_fn, Cube)
    np.testing.assert_allclose(y.numpy(), 2.0 * x.numpy() ** 3)
    assert ac.gradcheck(lambda t: Cube.apply(t, scale=2.0), (x,))
    assert ac.gradgradcheck(lambda t: Cube.apply(t, scale=2.0), (x,))


def test_apply_converts_numbers_and_needs_a_tensor():
    class Add(ac.Function):
        def forward(self, a, b):
            return a + b

        def backward(self, g):
            return g, g

    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = Add.apply(x, 3.0)
    np.testing.assert_allclose(y.numpy(), [4.0, 5.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])
    with pytest.raises(TypeError, match="at least one Tensor"):
        Add.apply(1.0, 2.0)


def test_apply_under_no_grad_records_nothing():
    x = ac.tensor([1.0], requires_grad=True)
    with ac.no_grad():
        y = Cube.apply(x)
    assert y.grad_fn is None and not y.requires_grad
