"""gradcheck / gradgradcheck themselves: they pass on correct gradients and catch
wrong ones with a useful message."""
import numpy as np
import pytest

import autograd_core as ac
from autograd_core import GradcheckError, gradcheck, gradgradcheck
from autograd_core.gradcheck import numerical_jacobian, relative_error


def leaf(shape, seed=0, requires_grad=True):
    rng = np.random.default_rng(seed)
    return ac.tensor(rng.uniform(0.5, 2.0, size=shape), requires_grad=requires_grad)


class BadMul(ac.Function):
    """a * b whose gradient for b is wrong in element (1, 2) only."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, g):
        a, b = self.saved_tensors
        wrong = np.ones(g.shape)
        wrong[1, 2] = 3.0
        return g * b, g * a * g._make(wrong)


class ConstantBackwardSquare(ac.Function):
    """a**2 with a correct first derivative computed from a *constant*: its backward
    is not recorded, so second derivatives through it are wrong."""

    def forward(self, a):
        self.a2 = 2 * a
        return a * a

    def backward(self, g):
        return g * g._make(self.a2)


class Square(ac.Function):
    def forward(self, a):
        self.save_for_backward(a)
        return a * a

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * a * 2.0


def test_passes_on_correct_functions():
    x, y = leaf((2, 3)), leaf((3, 4), 1)
    assert gradcheck(lambda a, b: (a @ b).exp(), (x, y))
    assert gradcheck(lambda a: a * a * a, x)  # a single tensor is accepted
    assert gradcheck(lambda a: ac.Tensor._apply(Square, a), (x,))
    assert gradcheck(lambda a, b: (a * 2, (b * b).sum()), (x, y))  # several outputs


def test_inputs_without_requires_grad_and_non_tensors_are_passed_through():
    x, c = leaf((3,)), leaf((3,), 1, requires_grad=False)
    assert gradcheck(lambda a, k, s: a * k * s, (x, c, 2.5))


def test_catches_a_wrong_backward_naming_input_and_element():
    a, b = leaf((2, 3)), leaf((2, 3), 1)
    assert gradcheck(lambda p, q: ac.Tensor._apply(BadMul, p, q), (a, b.detach())) is True
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda p, q: ac.Tensor._apply(BadMul, p, q), (a, b))
    msg = str(info.value)
    assert "input 1" in msg and "shape (2, 3)" in msg
    assert "input element (1, 2)" in msg
    assert f"analytic {3 * a.numpy()[1, 2]:.6f}" in msg
    assert f"numerical {a.numpy()[1, 2]:.6f}" in msg
    n = np.diag(a.numpy().ravel())  # d(a*b)/db
    ana = n.copy()
    ana[5, 5] *= 3
    assert f"relative error of the whole Jacobian {relative_error(ana, n):.3g}" in msg


def test_raise_exception_false_returns_false():
    a, b = leaf((2, 3)), leaf((2, 3), 1)
    assert gradcheck(lambda p, q: ac.Tensor._apply(BadMul, p, q), (a, b),
                     raise_exception=False) is False


def test_rejects_float32_and_nothing_to_check():
    x = ac.tensor([1.0, 2.0], requires_grad=True)  # float32
    with pytest.raises(TypeError, match="input 0 is float32.*float64"):
        gradcheck(lambda a: a * a, (x,))
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda a: a * a, (leaf((2,), requires_grad=False),))


def test_tolerances_are_applied():
    class Off(ac.Function):  # gradient off by 1e-4 absolute
        def forward(self, a):
            return a * 2

        def backward(self, g):
            return g * 2.0 + 1e-4

    x = leaf((3,))
    f = lambda a: ac.Tensor._apply(Off, a)  # noqa: E731
    with pytest.raises(GradcheckError):
        gradcheck(f, (x,))
    assert gradcheck(f, (x,), atol=1e-3)


def test_relative_error_is_the_course_formula():
    a, n = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.5])
    want = np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n))
    assert relative_error(a, n) == pytest.approx(want, rel=1e-15)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)


def test_numerical_jacobian_restores_the_inputs():
    x = leaf((2, 2))
    before = x.numpy().copy()
    (jac,) = numerical_jacobian(lambda a: a * a, (x,))
    np.testing.assert_array_equal(x.numpy(), before)
    np.testing.assert_allclose(jac[0], np.diag(2 * before.ravel()), atol=1e-6)


def test_gradgradcheck_passes_on_recorded_backwards():
    x, y = leaf((2, 3)), leaf((3, 2), 1)
    assert gradgradcheck(lambda a, b: (a @ b).exp(), (x, y))
    assert gradgradcheck(lambda a: ac.Tensor._apply(Square, a), (x,))
    assert gradgradcheck(lambda a: a ** 3, (x,), grad_outputs=(leaf((2, 3), 7),))


def test_gradgradcheck_catches_a_backward_built_from_constants():
    x = leaf((3,))
    f = lambda a: ac.Tensor._apply(ConstantBackwardSquare, a)  # noqa: E731
    assert gradcheck(f, (x,))  # first order is right
    with pytest.raises(GradcheckError):
        gradgradcheck(f, (x,))
