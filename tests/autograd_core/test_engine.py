"""The backward engine: root-gradient checks, deep graphs, shared subgraphs, graph and
memory freeing, ``grad()``, ``backward(inputs=...)``, accumulation, create_graph."""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import autograd_core as ac


def T(a, requires_grad=True, dtype=np.float64):
    return ac.tensor(np.asarray(a, dtype=dtype), requires_grad=requires_grad)


class Double(ac.Function):
    """y = 2a, counting backward calls per node (to check each node runs once)."""

    calls = []

    def forward(self, a):
        return a * 2

    def backward(self, g):
        Double.calls.append(self)
        return g * 2


class SplitSum(ac.Function):
    """Two outputs: (a + 1, a * 3); backward needs both output gradients."""

    def forward(self, a):
        return a + 1, a * 3

    def backward(self, g1, g2):
        return g1 + g2 * 3


class WrongCount(ac.Function):
    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return (g,)


class WrongShape(ac.Function):
    def forward(self, a):
        return a.sum(keepdims=True)

    def backward(self, g):
        return g.expand(5, 7)


def apply(fn, *xs):
    return ac.Tensor._apply(fn, *xs)


# -- root gradients and their errors --------------------------------------------------
def test_backward_on_non_scalar_needs_gradient():
    x = T([1.0, 2.0, 3.0])
    y = x * x
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*shape \(3,\)"):
        y.backward()
    y.backward(T([1.0, 0.0, 2.0], requires_grad=False))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 0.0, 12.0])


def test_backward_accepts_ndarray_and_list_gradients():
    x = T([1.0, 2.0])
    (x * 3).backward(np.array([1.0, 2.0]))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 6.0])
    x.grad = None
    (x * 3).backward([2.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_backward_on_tensor_without_grad_is_an_error():
    x = T([1.0, 2.0], requires_grad=False)
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2).sum().backward()


def test_backward_gradient_of_wrong_shape_names_both_shapes():
    x = T(np.ones((2, 3)))
    y = x * 2
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3, 2\).*shape \(2, 3\)"):
        y.backward(T(np.ones((3, 2)), requires_grad=False))
    assert x.grad is None  # raised before anything was written


def test_backward_through_a_single_element_non_0d_tensor():
    x = T([[2.0]])
    (x * x).backward()
    assert x.grad.shape == (1, 1) and x.grad.item() == 4.0


def test_gradient_seed_is_cast_to_the_outputs_dtype():
    x = T([1.0, 2.0], dtype=np.float32)
    (x * 2).backward(np.array([1.0, 1.0]))  # float64 seed
    assert x.grad.dtype == np.float32


# -- deep graphs -------------------------------------------------------------------------
@pytest.mark.parametrize("n", [50_000, 100_000])
def test_deep_chain_has_no_recursion_error(n):
    x = T([1.0])
    y = x
    for _ in range(n):
        y = y * 1.00001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.00001 ** n], rtol=1e-9)


def test_deep_chain_can_be_dropped_without_backward():
    x = T([1.0])
    y = x
    for _ in range(100_000):
        y = y + 1.0
    ref = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert ref() is None


# -- shared subgraphs ------------------------------------------------------------------
def test_diamond_each_node_backward_runs_once():
    Double.calls = []
    x = T([1.0, -2.0])
    a = apply(Double, x)            # shared node
    b = a * a                       # d/da = 2a
    c = a * 3.0
    d = apply(Double, b + c)        # second Double node
    d.sum().backward()
    # d = 2 (4x^2 + 6x)  ->  dd/dx = 16 x + 12
    np.testing.assert_allclose(x.grad.numpy(), 16 * x.numpy() + 12)
    assert len(Double.calls) == 2 and len(set(map(id, Double.calls))) == 2


def test_wide_fan_out_is_accumulated_once_per_consumer():
    Double.calls = []
    x = T([1.0, 2.0])
    a = apply(Double, x)
    total = a
    for _ in range(50):
        total = total + a
    total.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [102.0, 102.0])
    assert len(Double.calls) == 1


def test_multi_output_function_with_one_output_unused():
    x = T([1.0, 2.0])
    y1, y2 = apply(SplitSum, x)
    assert y1.grad_fn is y2.grad_fn
    y2.sum().backward()  # y1's gradient is filled with zeros for backward
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    x.grad = None
    y1, y2 = apply(SplitSum, x)
    (y1 * y2).sum().backward()  # d/dx (x+1)(3x) = 6x + 3
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy() + 3)


def test_backward_returning_wrong_number_of_gradients():
    a, b = T([1.0]), T([2.0])
    with pytest.raises(RuntimeError, match="WrongCount returned 1 gradients for 2 inputs"):
        apply(WrongCount, a, b).sum().backward()


def test_backward_returning_wrong_shape_names_the_op():
    x = T(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=r"WrongShape.*\(5, 7\).*\(2, 3\)"):
        apply(WrongShape, x).sum().backward()


# -- freeing the graph --------------------------------------------------------------------
def test_second_backward_raises_and_retain_graph_allows_it():
    x = T([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    x.grad = None
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    want = 2 * (np.exp(x.numpy()) * (1 + x.numpy()))
    np.testing.assert_allclose(x.grad.numpy(), want)  # accumulated twice


def test_second_grad_call_raises_too():
    x = T([1.0, 2.0])
    y = (x * x).sum()
    ac.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        ac.grad(y, x)


def test_saved_arrays_are_released_by_backward():
    x = T(np.linspace(0.1, 1.0, 1000))
    a = x.exp()
    b = a * a                        # saves a's array
    loss = b.sum()
    ref = weakref.ref(a._data)
    del a, b
    gc.collect()
    assert ref() is not None         # held by the graph until backward
    loss.backward()
    gc.collect()
    assert ref() is None
    assert loss.grad_fn is not None  # the structure stays (drawing still works)


def test_retain_graph_keeps_saved_arrays():
    x = T(np.linspace(0.1, 1.0, 100))
    a = x.exp()
    loss = (a * a).sum()
    ref = weakref.ref(a._data)
    del a
    loss.backward(retain_graph=True)
    gc.collect()
    assert ref() is not None
    loss.backward()
    gc.collect()
    assert ref() is None


def test_training_loop_memory_does_not_grow():
    rng = np.random.default_rng(0)
    xb = ac.tensor(rng.standard_normal((8, 4)))
    w = T(rng.standard_normal((4, 3)) * 0.1)

    def step():
        loss = ((xb @ w).exp() * 0.5).sum()
        loss.backward()
        with ac.no_grad():
            w.numpy()[...] -= 1e-3 * w.grad.numpy()
        w.grad = None

    for _ in range(20):
        step()
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(50):
            step()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(800):
            step()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 64 * 1024, f"grew by {after - before} bytes over 800 steps"


# -- grad() ------------------------------------------------------------------------------
def test_grad_returns_tuple_and_does_not_touch_dot_grad():
    x, y = T([1.0, 2.0]), T([3.0, 4.0])
    z = (x * y).sum()
    gx, gy = ac.grad(z, (x, y))
    np.testing.assert_allclose(gx.numpy(), y.numpy())
    np.testing.assert_allclose(gy.numpy(), x.numpy())
    assert x.grad is None and y.grad is None
    assert not gx.requires_grad


def test_grad_with_grad_outputs_and_multiple_outputs():
    x = T([1.0, 2.0, 3.0])
    y1, y2 = x * 2, x * x
    (g,) = ac.grad([y1, y2], [x], grad_outputs=[T([1.0, 1.0, 1.0], False), T([1.0, 0.0, -1.0], False)])
    np.testing.assert_allclose(g.numpy(), 2 + 2 * x.numpy() * [1.0, 0.0, -1.0])


def test_grad_with_respect_to_an_intermediate():
    x = T([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    (gh,) = ac.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.numpy())


def test_grad_allow_unused():
    x, unused = T([1.0]), T([5.0])
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match=r"input 1.*not have been used.*allow_unused=True"):
        ac.grad(y, [x, unused], retain_graph=True)
    gx, gu = ac.grad(y, [x, unused], allow_unused=True)
    assert gu is None and gx.item() == 2.0


def test_grad_input_not_requiring_grad_is_an_error():
    x = T([1.0])
    c = T([2.0], requires_grad=False)
    with pytest.raises(RuntimeError, match="input 1 does not require grad"):
        ac.grad((x * c).sum(), [x, c])


def test_grad_retain_graph():
    x = T([1.0, 2.0])
    y = (x.exp()).sum()
    (g1,) = ac.grad(y, x, retain_graph=True)
    (g2,) = ac.grad(y, x)
    np.testing.assert_array_equal(g1.numpy(), g2.numpy())


def test_backward_inputs_restricts_which_leaves_get_grad():
    a, b = T([1.0, 2.0]), T([3.0, 4.0])
    (a * b).sum().backward(inputs=[a])
    np.testing.assert_allclose(a.grad.numpy(), b.numpy())
    assert b.grad is None
    (a * b).sum().backward(inputs=[a, b])  # accumulates into a
    np.testing.assert_allclose(a.grad.numpy(), 2 * b.numpy())
    np.testing.assert_allclose(b.grad.numpy(), a.numpy())


def test_module_level_backward_with_several_roots():
    x = T([1.0, 2.0])
    ac.backward([(x * x).sum(), x * 3], [None, T([1.0, 1.0], False)])
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() + 3)


# -- accumulation --------------------------------------------------------------------------
def test_gradient_accumulates_across_backward_calls():
    x = T([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() + 3)
    x.grad = None
    (x * 5.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_leaf_grads_never_alias_each_other_or_the_seed():
    a, b = T([1.0, 2.0]), T([3.0, 4.0])
    seed = np.array([1.0, 1.0])
    (a + b).backward(seed)
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    assert not np.shares_memory(a.grad.numpy(), seed)
    a.grad.numpy()[...] = 100.0
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])
    c = T([1.0])
    s = np.array([2.0])
    c.backward(s)  # a leaf as the root
    s[0] = 7.0
    assert c.grad.item() == 2.0


# -- create_graph: higher derivatives ----------------------------------------------------
def test_third_derivative_of_cube():
    x = T([0.5, -1.5, 2.0])
    (g1,) = ac.grad((x ** 3).sum(), x, create_graph=True)
    (g2,) = ac.grad(g1.sum(), x, create_graph=True)
    (g3,) = ac.grad(g2.sum(), x)
    xv = x.numpy()
    np.testing.assert_allclose(g1.numpy(), 3 * xv ** 2)
    np.testing.assert_allclose(g2.numpy(), 6 * xv)
    np.testing.assert_allclose(g3.numpy(), [6.0, 6.0, 6.0])


def test_mixed_partials_of_exp_xy():
    x, y = T(0.4), T(-1.2)
    f = (x * y).exp()
    gx, gy = ac.grad(f, [x, y], create_graph=True)
    gxx, gxy = ac.grad(gx, [x, y], retain_graph=True)
    gyx, gyy = ac.grad(gy, [x, y])
    xv, yv = 0.4, -1.2
    e = np.exp(xv * yv)
    np.testing.assert_allclose([gxx.item(), gxy.item(), gyx.item(), gyy.item()],
                               [yv * yv * e, (1 + xv * yv) * e, (1 + xv * yv) * e, xv * xv * e])


def test_backward_create_graph_makes_grad_differentiable():
    x = T([1.0, 2.0])
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad                     # 3 x^2, with a graph
    assert g.grad_fn is not None
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy())


def test_mlp_hessian_by_grad_of_grad_matches_finite_differences():
    rng = np.random.default_rng(0)
    xb = ac.tensor(rng.standard_normal((5, 3)))
    w2 = ac.tensor(rng.standard_normal((4, 1)))
    w0 = rng.standard_normal((3, 4))

    def loss(w1):
        h = 1.0 / (1.0 + (-(xb @ w1)).exp())
        return ((h @ w2) ** 2).sum()

    def grad_at(wv):
        w = T(wv)
        (g,) = ac.grad(loss(w), w)
        return g.numpy().ravel()

    w = T(w0)
    (g,) = ac.grad(loss(w), w, create_graph=True)
    rows = []
    for k in range(12):
        seed = np.zeros(12)
        seed[k] = 1
        (r,) = ac.grad(g, w, grad_outputs=ac.tensor(seed.reshape(3, 4)), retain_graph=True)
        rows.append(r.numpy().ravel())
    H = np.array(rows)
    eps = 1e-6
    num = np.array([(grad_at(w0 + eps * e.reshape(3, 4)) - grad_at(w0 - eps * e.reshape(3, 4)))
                    / (2 * eps) for e in np.eye(12)])
    np.testing.assert_allclose(H, num, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(H, H.T, atol=1e-12)


def test_without_create_graph_backward_records_nothing():
    x = T([1.0, 2.0])
    (g,) = ac.grad((x ** 3).sum(), x)
    assert g.grad_fn is None and not g.requires_grad


def test_sin_derivatives_up_to_fourth_order():
    x = T([0.3, -1.1, 2.5])
    xv = x.numpy()
    g = x.sin().sum()
    want = [np.cos(xv), -np.sin(xv), -np.cos(xv), np.sin(xv)]
    for k, w in enumerate(want):
        (g,) = ac.grad(g.sum(), x, create_graph=k < 3)
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-12)


# -- version counters ------------------------------------------------------------------
def test_saved_output_modified_in_place_names_the_op():
    x = T([1.0, 2.0])
    a = x.exp()              # exp saves its output
    with ac.no_grad():
        a.mul_(2.0)
    with pytest.raises(ac.SavedTensorError, match=r"modified by an inplace operation.*exp"):
        a.sum().backward()


def test_saved_leaf_modified_in_place_names_the_op():
    w, z = T([1.0, 2.0]), T([3.0, 4.0], requires_grad=False)
    y = (w * z).sum()        # mul saves both operands
    with ac.no_grad():
        w.add_(1.0)
    with pytest.raises(ac.SavedTensorError, match=r"mul.*version 1; expected version 0"):
        y.backward()
    z2 = T([3.0, 4.0], requires_grad=False)
    y = (w * z2).sum()
    z2.detach().zero_()      # detach() shares the version counter
    with pytest.raises(ac.SavedTensorError, match="mul"):
        y.backward()


def test_in_place_change_of_an_unsaved_tensor_is_fine():
    x = T([1.0, 2.0])
    y = (x * 2.0 + 1.0).sum()    # scalar mul/add save nothing
    with ac.no_grad():
        x.mul_(10.0)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


class NumpySum(ac.Function):
    """A custom Function whose forward returns what np.sum returns: a numpy scalar."""

    def forward(self, a):
        self.shape = a.shape
        return np.sum(a)

    def backward(self, g):
        return g.expand(*self.shape)


def test_custom_function_returning_a_numpy_scalar():
    x = T([1.0, 2.0, 3.0])
    y = apply(NumpySum, x)
    assert type(y.numpy()) is np.ndarray and y.shape == () and y.item() == 6.0
    (y * y).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [12.0, 12.0, 12.0])
    with ac.no_grad():
        assert type(apply(NumpySum, x).numpy()) is np.ndarray


def test_a_pooled_gradient_becomes_grad_without_a_copy():
    # a large kernel result comes from the output-buffer pool (not owndata, but its
    # block's only user): the engine hands it over as .grad instead of copying it
    from autograd_core.kernels import buffers
    n = buffers.THRESHOLD // 4 + 1024  # float32 elements: over the pool's threshold
    x = ac.tensor(np.linspace(-3, 3, n, dtype=np.float32), requires_grad=True)
    x.sigmoid().backward(ac.ones(n))
    g = x.grad._data
    assert not g.flags.owndata and buffers.owns_data(g) and g.flags.writeable
    y = np.asarray(x.sigmoid()._data)
    np.testing.assert_allclose(g, y * (1 - y), rtol=1e-6)


def test_nodes_that_keep_no_state_get_no_instance_dict_from_backward():
    # stores_attributes = False: the engine frees the saved values without looking in the
    # node's __dict__ (reading it would create an empty dict on every such node)
    x = T(np.linspace(0.1, 1.0, 10))
    y = (x * x).tanh()
    mul, tanh = y.grad_fn.next_functions[0][0], y.grad_fn
    y.sum().backward()
    for node in (mul, tanh):
        assert not type(node).stores_attributes
        assert not any(isinstance(r, dict) for r in gc.get_referents(node))
        assert node.released


def test_arrays_an_op_stores_on_itself_are_freed_by_backward():
    # stores_attributes = True (the default): arrays stored as attributes go with the saved values
    class Scale(ac.Function):
        def forward(self, a):
            self.factor = np.full(a.shape, 3.0)
            return a * self.factor

        def backward(self, g):
            return g * T(self.factor)

    assert Scale.stores_attributes
    x = T(np.ones(4))
    y = Scale.apply(x)
    ref = weakref.ref(y.grad_fn.factor)
    y.sum().backward()
    gc.collect()
    assert ref() is None
    np.testing.assert_array_equal(x.grad.numpy(), np.full(4, 3.0))
