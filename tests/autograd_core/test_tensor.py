"""The Tensor front end: dtype policy, attributes, conversion methods, hooks,
retain_grad, repr, numpy interop and the Python protocols."""
import pickle

import numpy as np
import pytest

import autograd_core as ac


# -- dtype policy ----------------------------------------------------------------------
@pytest.mark.parametrize("data, dtype", [
    (1.5, np.float32), ([1.0, 2.0], np.float32), ([[1, 2.5]], np.float32),
    (3, np.int64), ([1, 2], np.int64), (True, np.bool_), ([True, False], np.bool_),
])
def test_python_data_dtype(data, dtype):
    assert ac.tensor(data).dtype == dtype
    assert ac.Tensor(data).dtype == dtype


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int8,
                                   np.uint8, np.bool_])
def test_ndarray_keeps_its_dtype(dtype):
    a = np.zeros(3, dtype=dtype)
    assert ac.tensor(a).dtype == dtype
    assert ac.from_numpy(a).dtype == dtype


@pytest.mark.parametrize("spec", ["float64", "double", np.float64, ac.float64])
def test_dtype_argument_spellings(spec):
    assert ac.tensor([1, 2], dtype=spec).dtype == np.float64


def test_default_dtype_can_be_switched():
    try:
        ac.set_default_dtype(ac.float64)
        assert ac.tensor([1.0]).dtype == np.float64 and ac.zeros(2).dtype == np.float64
        with pytest.raises(TypeError, match="float32 or float64"):
            ac.set_default_dtype(ac.int32)
    finally:
        ac.set_default_dtype(ac.float32)
    assert ac.tensor([1.0]).dtype == np.float32 == ac.get_default_dtype()


@pytest.mark.parametrize("data", [[1, 2], [True, False]])
def test_integer_and_bool_tensors_cannot_require_grad(data):
    t = ac.tensor(data)
    with pytest.raises(RuntimeError, match=f"floating point.*dtype {t.dtype}"):
        t.requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        ac.tensor(data, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        t.requires_grad = True
    assert not t.requires_grad


def test_bad_data_is_a_clear_error():
    with pytest.raises(ValueError, match="ragged"):
        ac.tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="non-numbers"):
        ac.tensor([object(), object()])
    with pytest.raises(TypeError, match="unknown dtype"):
        ac.tensor([1.0], dtype="complex-ish")


# -- attributes ----------------------------------------------------------------------------
def test_shape_attributes():
    t = ac.tensor(np.zeros((2, 3, 4)))
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dim() == 3
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.numel() == 24 and t.dtype == np.float64
    s = ac.tensor(2.0)
    assert s.shape == () and s.ndim == 0 and s.numel() == 1


def test_T_reverses_dims():
    a = np.arange(24.0).reshape(2, 3, 4)
    t = ac.tensor(a, requires_grad=True)
    assert t.T.shape == (4, 3, 2)
    np.testing.assert_array_equal(t.T.numpy(), a.T)
    m = ac.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m.T.numpy(), m.numpy().T)
    v = ac.tensor([1.0, 2.0])
    assert v.T.shape == (2,)
    (t.T * ac.tensor(a.T)).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), a)


def test_autograd_attributes():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None and x.grad is None
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    c = ac.tensor([1.0])
    assert not c.requires_grad and c.is_leaf


def test_requires_grad_flag_changes():
    x = ac.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    y = ac.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


# -- conversions -----------------------------------------------------------------------
def test_numpy_item_tolist():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = ac.from_numpy(a)
    assert t.numpy() is a
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert ac.tensor([[5.0]]).item() == 5.0 and isinstance(ac.tensor(3).item(), int)
    with pytest.raises(ValueError, match="4 elements"):
        t.item()
    assert float(ac.tensor(2.5)) == 2.5 and int(ac.tensor(7)) == 7


def test_detach_shares_data_and_leaves_the_graph():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), y.numpy())
    d.numpy()[0] = 10.0
    assert y.numpy()[0] == 10.0


@pytest.mark.parametrize("method, dtype", [("float", np.float32), ("double", np.float64),
                                           ("long", np.int64), ("int", np.int32),
                                           ("bool", np.bool_)])
def test_dtype_conversion_methods(method, dtype):
    t = getattr(ac.tensor([0.0, 1.5]), method)()
    assert t.dtype == dtype


def test_astype_is_differentiable_and_grads_keep_the_input_dtype():
    x = ac.tensor([1.0, 2.0], requires_grad=True)  # float32
    y = x.double()
    assert y.dtype == np.float64 and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert x.astype(np.float32) is x and x.astype("float32") is x
    assert not x.long().requires_grad  # integer results carry no gradient


# -- hooks and retain_grad ---------------------------------------------------------------
def test_retain_grad_on_non_leaf():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h2 = h * 1.0
    h.retain_grad()
    assert h.retains_grad and not h2.retains_grad
    (h * h2).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.numpy())
    assert h2.grad is None
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        ac.tensor([1.0]).retain_grad()


def test_leaf_hook_sees_and_replaces_the_gradient():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0])


def test_non_leaf_hook_replaces_what_flows_upstream():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    handle = h.register_hook(lambda g: g * 0 + 1)  # replace d/dh by ones
    (h * h).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    handle.remove()
    x.grad = None
    h = x * 2
    (h * h).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 8 * x.numpy())


def test_hook_handle_remove():
    x = ac.tensor([1.0], requires_grad=True)
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    (x * 2).sum().backward()
    handle.remove()
    handle.remove()  # idempotent
    (x * 2).sum().backward()
    assert calls == [1]
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ac.tensor([1.0]).register_hook(lambda g: g)


def test_hook_on_retained_non_leaf_changes_its_grad():
    x = ac.tensor([1.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.register_hook(lambda g: g * 5)
    (h * 3).sum().backward()
    assert h.grad.item() == 15.0 and x.grad.item() == 30.0


# -- repr and Python protocols ---------------------------------------------------------
def test_repr():
    assert repr(ac.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ac.tensor([1, 2])) == "tensor([1, 2])"
    assert "dtype=float64" in repr(ac.tensor(np.array([1.0])))
    x = ac.tensor([1.0], requires_grad=True)
    assert repr(x) == "tensor([1.], requires_grad=True)"
    r = repr(x * x)
    assert "grad_fn=<" in r and "mul" in r.lower()
    big = repr(ac.zeros(1000))
    assert "..." in big and len(big) < 200


def test_numpy_interop():
    t = ac.tensor([1.0, 4.0, 9.0])
    a = np.asarray(t)
    assert a is t.numpy()
    np.testing.assert_allclose(np.sqrt(t), [1.0, 2.0, 3.0])
    assert np.array(t, dtype=np.float64).dtype == np.float64
    c = np.array(t, copy=True)
    c[0] = 100.0
    assert t.numpy()[0] == 1.0
    assert np.allclose(t, [1.0, 4.0, 9.0])


def test_ndarray_on_the_left_gives_a_tensor_with_gradient():
    x = ac.tensor(np.array([1.0, 2.0]), requires_grad=True)
    a = np.array([3.0, 4.0])
    for y in (a * x, a + x, a - x, a / x, a @ x):
        assert isinstance(y, ac.Tensor) and y.requires_grad
    (a * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), a)


def test_len_and_bool():
    t = ac.tensor(np.zeros((3, 2)))
    assert len(t) == 3
    with pytest.raises(TypeError, match="0-d"):
        len(ac.tensor(1.0))
    assert bool(ac.tensor([1.0])) and not bool(ac.tensor(0.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ac.tensor([1.0, 2.0]))


def test_index_protocol():
    assert [10, 20, 30][ac.tensor(1)] == 20
    with pytest.raises(TypeError):
        [1, 2][ac.tensor(1.0)]


def test_pickle_round_trip():
    x = ac.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.requires_grad and y.dtype == np.float64
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    assert not np.shares_memory(y.numpy(), x.numpy())


def test_iteration_yields_rows_that_keep_the_graph():
    x = ac.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(x)
    assert len(rows) == 3 and all(r.shape == (2,) for r in rows)
    np.testing.assert_array_equal(rows[2].numpy(), [4.0, 5.0])
    (rows[0] * 1.0 + rows[2] * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0], [0.0, 0.0], [3.0, 3.0]])
    with pytest.raises(TypeError, match="0-d"):
        iter(ac.tensor(1.0))
