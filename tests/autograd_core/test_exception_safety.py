"""A backward that raises part-way (a hook, a custom Function, Ctrl-C) leaves every
``.grad`` as it was before the call, so a retry does not double-count."""
import numpy as np
import pytest

import autograd_core as ac


def _graph():
    a = ac.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = ac.tensor(np.array([0.5, -1.0, 4.0]), requires_grad=True)
    h = (a * b).tanh()
    out = (h * a + b.exp()).sum()
    return a, b, h, out


def _clean():
    a, b, _, out = _graph()
    out.backward()
    return a.grad.numpy().copy(), b.grad.numpy().copy()


class Boom(Exception):
    pass


@pytest.mark.parametrize("where", ["leaf_a", "leaf_b", "intermediate"])
@pytest.mark.parametrize("exc", [Boom, KeyboardInterrupt])
def test_a_hook_that_raises_leaves_grads_unchanged_and_a_retry_is_exact(where, exc):
    ga, gb = _clean()
    a, b, h, out = _graph()
    a.grad = ac.tensor(np.full(3, 10.0))  # earlier accumulated gradients stay as they were
    calls = []

    def hook(g):
        calls.append(1)
        if len(calls) == 1:
            raise exc("stop")

    {"leaf_a": a, "leaf_b": b, "intermediate": h}[where].register_hook(hook)
    with pytest.raises(exc):
        out.backward(retain_graph=True)
    np.testing.assert_array_equal(a.grad.numpy(), np.full(3, 10.0))
    assert b.grad is None
    out.backward()  # the retry: the hook now passes
    np.testing.assert_array_equal(a.grad.numpy(), 10.0 + ga)
    np.testing.assert_array_equal(b.grad.numpy(), gb)


def test_a_custom_function_that_raises_in_backward():
    class Fails(ac.Function):
        def forward(self, x):
            return x * 2

        def backward(self, g):
            raise Boom("backward failed")

    x = ac.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = ac.tensor(np.array([3.0, 4.0]), requires_grad=True)
    out = (x * y).sum() + Fails.apply(x).sum()  # x's gradient from Mul arrives first
    with pytest.raises(Boom):
        out.backward()
    assert x.grad is None and y.grad is None


def test_a_backward_that_fails_on_a_freed_graph_writes_nothing():
    a, b, _, out = _graph()
    out.backward()
    ga, gb = a.grad.numpy().copy(), b.grad.numpy().copy()
    with pytest.raises(RuntimeError, match="second time"):
        out.backward()
    np.testing.assert_array_equal(a.grad.numpy(), ga)
    np.testing.assert_array_equal(b.grad.numpy(), gb)


def test_create_graph_backward_that_raises_writes_nothing():
    a, b, h, out = _graph()
    h.register_hook(lambda g: (_ for _ in ()).throw(Boom("no")))
    with pytest.raises(Boom):
        out.backward(create_graph=True)
    assert a.grad is None and b.grad is None


def test_retain_grad_is_written_only_when_the_walk_completes():
    a, b, h, out = _graph()
    h.retain_grad()
    b.register_hook(lambda g: (_ for _ in ()).throw(Boom("late")))
    with pytest.raises(Boom):
        out.backward()
    assert h.grad is None and a.grad is None
