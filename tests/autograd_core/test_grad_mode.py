"""no_grad / enable_grad / set_grad_enabled: nothing recorded, nothing saved; context
managers, decorators, nesting, state restored on exceptions."""
import gc
import weakref

import numpy as np
import pytest

import autograd_core as ac


class Saver(ac.Function):
    """Saves its input; records every instance whose forward ran while recording."""

    recorded = []

    def forward(self, a):
        self.save_for_backward(a)
        if self._recording:
            Saver.recorded.append(weakref.ref(self))
        return a * a

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * a * 2


def leaf(v=(1.0, 2.0)):
    return ac.tensor(np.array(v), requires_grad=True)


def test_no_grad_records_nothing():
    x = leaf()
    with ac.no_grad():
        y = x * x + x.exp()
        z = ac.Tensor._apply(Saver, x)
    for t in (y, z):
        assert t.grad_fn is None and not t.requires_grad and t.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_no_grad_saves_nothing():
    """With recording on, the intermediate a Function saved stays alive through the
    graph; under no_grad nothing is saved, so it is freed as soon as the caller drops it."""
    def run(grad_on):
        x = ac.tensor(np.ones(10), requires_grad=True)
        with ac.set_grad_enabled(grad_on):
            mid = x * 1.0
            y = ac.Tensor._apply(Saver, mid)
        ref = weakref.ref(mid._data)
        del mid
        gc.collect()
        return y, ref

    Saver.recorded = []
    y, ref = run(False)
    assert ref() is None and Saver.recorded == []
    y, ref = run(True)
    assert ref() is not None and len(Saver.recorded) == 1
    y.sum().backward()
    gc.collect()
    assert ref() is None


def test_enable_grad_inside_no_grad_and_nesting():
    x = leaf()
    with ac.no_grad():
        assert not ac.is_grad_enabled()
        with ac.enable_grad():
            assert ac.is_grad_enabled()
            y = x * 2
        with ac.no_grad():
            assert not ac.is_grad_enabled()
        assert not ac.is_grad_enabled()
    assert ac.is_grad_enabled()
    assert y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_decorators():
    x = leaf()

    @ac.no_grad()
    def f(t):
        """doc"""
        return t * 2

    @ac.enable_grad()
    def g(t):
        return t * 2

    assert f(x).grad_fn is None
    assert f.__name__ == "f" and f.__doc__ == "doc"
    with ac.no_grad():
        assert g(x).grad_fn is not None
    assert ac.is_grad_enabled()

    @ac.no_grad  # bare, as PyTorch allows
    def f2(t):
        return t * 2

    @ac.enable_grad
    def g2(t):
        return t * 2

    assert f2(x).grad_fn is None and f2.__name__ == "f2"
    with ac.no_grad():
        assert g2(x).grad_fn is not None
    assert ac.is_grad_enabled()

    @ac.set_grad_enabled(False)
    def h(t):
        return t * 2

    assert ac.is_grad_enabled()  # decorating does not switch recording off
    assert h(x).grad_fn is None
    assert ac.is_grad_enabled()


def test_set_grad_enabled_as_context_and_as_call():
    x = leaf()
    with ac.set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    assert ac.is_grad_enabled()
    with ac.set_grad_enabled(True):
        assert (x * 2).grad_fn is not None
    try:
        ac.set_grad_enabled(False)
        assert not ac.is_grad_enabled() and (x * 2).grad_fn is None
    finally:
        ac.set_grad_enabled(True)
    assert ac.is_grad_enabled()


def test_state_is_restored_after_an_exception():
    with pytest.raises(ValueError):
        with ac.no_grad():
            raise ValueError("boom")
    assert ac.is_grad_enabled()

    @ac.no_grad()
    def bad():
        raise KeyError("x")

    with pytest.raises(KeyError):
        bad()
    assert ac.is_grad_enabled()


def test_backward_works_inside_no_grad():
    """The graph was recorded before; backward under no_grad still computes grads."""
    x = leaf()
    y = (x * x).sum()
    with ac.no_grad():
        y.backward()
        assert not ac.is_grad_enabled()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_backward_leaves_grad_mode_as_it_was():
    x = leaf()
    (x * x).sum().backward(create_graph=True)  # backward switches recording on inside
    assert ac.is_grad_enabled()
    y = (x * x).sum()
    with ac.no_grad():
        y.backward(create_graph=True)
        assert not ac.is_grad_enabled()
    assert ac.is_grad_enabled()


def test_ops_on_constants_record_nothing_even_with_grad_enabled():
    a = ac.tensor([1.0, 2.0])
    b = a * a + 1.0
    assert b.grad_fn is None and not b.requires_grad


def test_in_place_update_under_no_grad_keeps_leaf():
    w = leaf()
    (w * w).sum().backward()
    with ac.no_grad():
        w2 = w - w.grad * 0.1
    assert w2.is_leaf and not w2.requires_grad
    np.testing.assert_allclose(w2.numpy(), w.numpy() - 0.1 * 2 * w.numpy())
