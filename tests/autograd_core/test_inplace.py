"""In-place methods, x[idx] = v and augmented assignment: values, dtype rules, the
version counter, and the errors when a write would corrupt or bypass the graph."""
import numpy as np
import pytest

import autograd_core as ac

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation"


def _param():
    return ac.tensor([1.0, 2.0, 3.0], requires_grad=True)


# -- values -------------------------------------------------------------------------------------

@pytest.mark.parametrize("op, args, ref", [
    ("add_", (2.0,), lambda a: a + 2),
    ("add_", (np.array([1.0, 2.0, 3.0]), 0.5), lambda a: a + 0.5 * np.array([1, 2, 3])),
    ("sub_", (1.0,), lambda a: a - 1),
    ("sub_", (np.ones(3), 2), lambda a: a - 2),
    ("mul_", (np.array([2.0, 0.0, -1.0]),), lambda a: a * [2, 0, -1]),
    ("div_", (4.0,), lambda a: a / 4),
    ("pow_", (2,), lambda a: a ** 2),
    ("neg_", (), lambda a: -a),
    ("zero_", (), lambda a: a * 0),
    ("fill_", (7,), lambda a: np.full_like(a, 7)),
    ("clamp_", (0.5, 1.5), lambda a: np.clip(a, 0.5, 1.5)),
    ("clamp_min_", (1.0,), lambda a: np.maximum(a, 1.0)),
    ("clamp_max_", (1.0,), lambda a: np.minimum(a, 1.0)),
    ("clip_", (None, 0.0), lambda a: np.minimum(a, 0.0)),
])
def test_inplace_values_version_and_identity(op, args, ref):
    a = np.array([[0.25, 1.0, 2.0], [-1.0, 0.75, 3.0]], dtype=np.float32)
    x = ac.tensor(a)
    args = tuple(ac.tensor(v) if isinstance(v, np.ndarray) else v for v in args)
    out = getattr(x, op)(*args)
    assert out is x and x.dtype == np.float32 and x._version[0] == 1
    np.testing.assert_allclose(x.numpy(), ref(a).astype(np.float32), rtol=1e-6)


def test_augmented_assignment_is_in_place():
    x = ac.tensor([1.0, 2.0])
    alias = x
    x += 1
    x -= ac.tensor([0.5, 0.5])
    x *= 4
    x /= 2
    assert alias is x and x._version[0] == 4
    np.testing.assert_array_equal(x.numpy(), [3.0, 5.0])


def test_copy_broadcasts_and_casts():
    x = ac.zeros(2, 3)
    x.copy_(ac.tensor([1.0, 2.0, 3.0], dtype=ac.float64))
    assert x.dtype == np.float32 and x.numpy().tolist() == [[1, 2, 3], [1, 2, 3]]
    i = ac.zeros(3, dtype=ac.int64)
    i.copy_(np.array([1.7, -2.2, 3.9]))  # PyTorch truncates toward zero
    assert i.tolist() == [1, -2, 3]
    x.copy_(5)
    assert (x.numpy() == 5).all()
    y = ac.tensor([1.0, 2.0, 3.0])
    y.copy_(y.flip(0))  # overlapping source and destination
    assert y.tolist() == [3.0, 2.0, 1.0]


def test_clamp_with_tensor_bounds_and_min_above_max():
    x = ac.tensor([-2.0, 0.0, 5.0])
    x.clamp_(ac.tensor([-1.0, 1.0, 0.0]), ac.tensor([0.0, 2.0, 4.0]))
    assert x.tolist() == [-1.0, 1.0, 4.0]
    y = ac.tensor([0.0, 10.0])
    y.clamp_(3.0, 1.0)  # min > max: everything becomes max, as in PyTorch
    assert y.tolist() == [1.0, 1.0]
    n = ac.tensor([float("nan"), 1.0])
    n.clamp_(0.0, 0.5)
    assert np.isnan(n.numpy()[0]) and n.numpy()[1] == 0.5


def test_masked_fill_and_index_put_in_place():
    x = ac.zeros(2, 3)
    x.masked_fill_(ac.tensor([True, False, True]), 2.5)
    assert x.tolist() == [[2.5, 0, 2.5], [2.5, 0, 2.5]]
    y = ac.zeros(4)
    y.index_put_((ac.tensor([0, 0, 3]),), ac.tensor([1.0, 2.0, 3.0]), accumulate=True)
    assert y.tolist() == [3.0, 0.0, 0.0, 3.0] and y._version[0] == 1
    y.index_put_(([1, 2],), 9.0)
    assert y.tolist() == [3.0, 9.0, 9.0, 3.0]
    with pytest.raises(IndexError, match="index_put_: index 4 is out of bounds for axis 0 with size 4"):
        y.index_put_(([0, 4],), 1.0, accumulate=True)
    with pytest.raises(ValueError, match=r"index_put_: values of shape \(3,\) do not fit \(2,\)"):
        y.index_put_(([0, 1],), ac.ones(3), accumulate=True)
    assert y.tolist() == [3.0, 9.0, 9.0, 3.0] and y._version[0] == 2
    z = ac.zeros(3, 2)
    z.T.index_put_(([1, 1],), ac.ones(3), accumulate=True)  # non-contiguous target
    assert z[:, 1].tolist() == [2.0, 2.0, 2.0]


# -- setitem ------------------------------------------------------------------------------------

def test_setitem_forms():
    x = ac.zeros(3, 4)
    x[0] = 1.0
    x[1, ::2] = ac.tensor([2.0, 3.0])
    x[:, -1] = np.array([4.0, 5.0, 6.0])
    x[x > 5.5] = -1.0
    x[[2, 2], [0, 1]] = ac.tensor(7.0)
    x[..., 2, None] = 8
    assert x._version[0] == 6
    np.testing.assert_array_equal(x.numpy(), [[1, 1, 8, 4], [2, 0, 8, 5], [7, 7, 8, -1]])
    i = ac.zeros(2, dtype=ac.int64)
    i[0] = 2.9  # cast to the tensor's dtype, as PyTorch
    assert i.tolist() == [2, 0]


def test_setitem_through_a_view_writes_the_base_and_bumps_the_shared_counter():
    x = ac.zeros(2, 3)
    row = x[1]
    row[1:] = 4.0
    x.T[0, 0] = 1.0
    assert x.tolist() == [[1, 0, 0], [0, 4, 4]]
    assert row._version is x._version and x._version[0] == 2


def test_setitem_errors_leave_the_tensor_unchanged():
    x = ac.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"setitem: .*broadcast.* \(tensor shape \(2, 2\), value shape \(3,\)\)"):
        x[0] = ac.tensor([1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match=r"setitem: index 5 is out of bounds"):
        x[[0, 5]] = 9.0
    with pytest.raises(IndexError, match="setitem: tensors used as indices must be integer or bool"):
        x[np.array([0.0])] = 1.0
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]] and x._version[0] == 0


# -- grad-mode rules ----------------------------------------------------------------------------

@pytest.mark.parametrize("write", [
    lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(), lambda t: t.fill_(0),
    lambda t: t.copy_(ac.zeros(3)), lambda t: t.clamp_(0, 1), lambda t: t.normal_(),
    lambda t: t.uniform_(), lambda t: t.__setitem__(0, 5.0), lambda t: t.__iadd__(1),
    lambda t: t.masked_fill_(ac.tensor([True, False, True]), 0.0),
])
def test_leaf_requiring_grad_cannot_be_written_with_grad_on(write):
    p = _param()
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        write(p)
    assert p.tolist() == [1.0, 2.0, 3.0] and p._version[0] == 0
    with ac.no_grad():  # how optimizers and initializers write parameters
        write(p)
    assert p._version[0] == 1 and p.requires_grad and p.is_leaf


def test_non_leaf_requiring_grad_cannot_be_written_with_grad_on():
    p = _param()
    y = p * 2
    with pytest.raises(RuntimeError, match=r"add_: in-place operations on a tensor that requires grad \(an output of \w+\) are not recorded"):
        y.add_(1)
    with pytest.raises(RuntimeError, match=r"\+= \(__iadd__\): in-place operations"):
        y += 1
    with pytest.raises(RuntimeError, match="setitem: in-place operations"):
        y[0] = 0.0
    with ac.no_grad():
        y.add_(1)
    assert y.tolist() == [3.0, 5.0, 7.0]


def test_operand_requiring_grad_is_rejected_with_grad_on():
    buf = ac.zeros(3)
    p = _param()
    for write in (lambda: buf.add_(p), lambda: buf.copy_(p), lambda: buf.__setitem__(0, p[0]),
                  lambda: buf.clamp_(p)):
        with pytest.raises(RuntimeError, match="an operand requires grad, but in-place operations are not recorded"):
            write()
    assert buf._version[0] == 0
    buf.copy_(p.detach())  # values only: fine
    with ac.no_grad():
        buf.add_(p)
    assert buf.tolist() == [2.0, 4.0, 6.0]


def test_index_put_is_the_recorded_alternative_to_setitem():
    p = _param()
    buf = ac.zeros(3)
    y = buf.index_put((slice(0, 2),), p[1:] * 3)
    y.sum().backward()
    assert y.tolist() == [6.0, 9.0, 0.0] and p.grad.tolist() == [0.0, 3.0, 3.0]


# -- the version counter makes stale saved tensors an error --------------------------------------

def test_modifying_a_saved_input_fails_backward_naming_the_op():
    a = ac.tensor([1.0, 2.0], requires_grad=True)
    b = ac.tensor([3.0, 4.0], requires_grad=True)
    z = a * b
    with ac.no_grad():
        b.mul_(2)
    with pytest.raises(ac.SavedTensorError, match="modified by an inplace operation.*saved by mul"):
        z.sum().backward()


def test_writing_a_saved_input_that_needs_no_grad_is_allowed_but_fails_backward():
    a = ac.tensor([1.0, 2.0])  # no grad: writable even with grad mode on
    w = ac.tensor([3.0, 4.0], requires_grad=True)
    z = a * w  # saves a for w's gradient
    a.add_(1)
    with pytest.raises(ac.SavedTensorError, match="saved by mul"):
        z.sum().backward()


def test_augmented_item_assignment():
    x = ac.zeros(4)
    x[1:3] += 2.0  # getitem view, __iadd__, then setitem
    x[[0, 0]] += 1.0  # advanced index: a copy, written back once (numpy and PyTorch alike)
    assert x.tolist() == [1.0, 2.0, 2.0, 0.0]
    p = ac.zeros(4, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\+= \(__iadd__\): in-place operations on a tensor that requires grad \(an output of getitem\)"):
        p[1:3] += 1.0


def test_modifying_a_saved_output_fails_backward():
    x = ac.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()
    with ac.no_grad():
        y.add_(1)
    with pytest.raises(ac.SavedTensorError, match="inplace operation.*saved by exp.*at version 1; expected version 0"):
        y.sum().backward()


def test_writes_through_views_and_detach_are_seen():
    x = ac.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 1  # non-leaf
    z = y * y  # saves y
    with ac.no_grad():
        y[0].zero_()  # a view of y shares its counter
    with pytest.raises(ac.SavedTensorError, match="saved by mul"):
        z.sum().backward()
    w = x * 1
    v = w.T.reshape(4)  # a copy: writing it does not touch w
    u = w * w
    v.detach().add_(1)
    u.sum().backward()
    d = x * 1
    e = d * d
    d.detach().add_(1)  # detach() shares data and counter
    with pytest.raises(ac.SavedTensorError):
        e.sum().backward()


def test_unrelated_writes_and_writes_after_backward_are_fine():
    p = _param()
    loss = (p * p).sum()
    loss.backward()
    with ac.no_grad():
        p.sub_(p.grad, alpha=0.1)  # an SGD step
    np.testing.assert_allclose(p.numpy(), [0.8, 1.6, 2.4], rtol=1e-6)
    p.grad = None
    (p * 3).sum().backward()  # a fresh graph after the write
    assert p.grad.tolist() == [3.0, 3.0, 3.0]


# -- dtype, shape and memory errors -------------------------------------------------------------

def test_dtype_errors_name_both_types_and_change_nothing():
    i = ac.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="add_: result type float64 can't be cast to the desired output type int64"):
        i.add_(1.5)
    with pytest.raises(RuntimeError, match="div_: result type float64 can't be cast to the desired output type int64"):
        i.div_(2)
    with pytest.raises(RuntimeError, match="add_: result type float64 can't be cast"):
        i.add_(1, alpha=0.5)
    with pytest.raises(RuntimeError, match="clamp_: result type float64 can't be cast"):
        i.clamp_(0.5)
    with pytest.raises(RuntimeError, match=r"\*= \(__imul__\): result type float64 can.t be cast to the desired output type int64"):
        i *= ac.tensor([1.0, 1.0, 1.0])
    assert i.tolist() == [1, 2, 3] and i._version[0] == 0
    i.add_(2)  # int with int is fine
    f = ac.tensor([1.0], dtype=ac.float32)
    f.add_(ac.tensor([1.0], dtype=ac.float64))  # same kind: cast down, as PyTorch
    assert f.dtype == np.float32 and f.item() == 2.0


def test_shape_errors():
    x = ac.zeros(3)
    with pytest.raises(RuntimeError, match=r"add_: output with shape \(3,\) doesn't match the broadcast shape \(2, 3\)"):
        x.add_(ac.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"mul_: operand of shape \(2,\) cannot be broadcast to the tensor's shape \(3,\)"):
        x.mul_(ac.ones(2))
    with pytest.raises(RuntimeError, match=r"copy_: operand of shape \(4,\) cannot be broadcast to the tensor's shape \(3,\)"):
        x.copy_(ac.ones(4))
    with pytest.raises(RuntimeError, match=r"fill_ only supports a 0-dimension value tensor, but got one of shape \(3,\)"):
        x.fill_(ac.ones(3))
    with pytest.raises(RuntimeError, match="clamp_: at least one of 'min' or 'max' must not be None"):
        x.clamp_()
    with pytest.raises(TypeError, match="masked_fill_: expected a bool mask"):
        x.masked_fill_(ac.ones(3), 0.0)
    with pytest.raises(RuntimeError, match=r"masked_fill_: output with shape \(3,\) doesn't match the broadcast shape \(2, 3\)"):
        x.masked_fill_(np.ones((2, 3), bool), 0.0)
    assert x._version[0] == 0


def test_expanded_tensor_is_read_only():
    x = ac.zeros(1, 3)
    e = x.expand(4, 3)
    with pytest.raises(RuntimeError, match=r"add_: cannot write into this tensor of shape \(4, 3\): its memory is read-only"):
        e.add_(1)
    with pytest.raises(RuntimeError, match="setitem: cannot write into this tensor"):
        e[0, 0] = 1.0
    c = e.clone()
    c.add_(1)
    assert x.numpy().sum() == 0 and c.numpy().sum() == 12


# -- random fills -------------------------------------------------------------------------------

def test_normal_and_uniform_statistics_dtype_and_seeding():
    ac.manual_seed(0)
    x = ac.empty(200, 100).normal_(2.0, 0.5)
    assert x.dtype == np.float32 and x._version[0] == 1
    assert abs(x.numpy().mean() - 2.0) < 0.02 and abs(x.numpy().std() - 0.5) < 0.02
    ac.manual_seed(0)
    assert (ac.empty(200, 100).normal_(2.0, 0.5).numpy() == x.numpy()).all()
    u = ac.empty(20000, dtype=ac.float64).uniform_(-3, 1)
    assert u.dtype == np.float64 and u.numpy().min() >= -3 and u.numpy().max() < 1
    assert abs(u.numpy().mean() + 1) < 0.05
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    a = ac.empty(10).uniform_(generator=g1)
    b = ac.empty(10).uniform_(generator=g2)
    assert (a.numpy() == b.numpy()).all()
    h = ac.empty(3, dtype=ac.float16).normal_()
    assert h.dtype == np.float16
    v = ac.zeros(4, 5)
    v[:, 1].normal_()  # a strided view is filled through to its base
    assert (v.numpy()[:, 1] != 0).all() and (v.numpy()[:, 0] == 0).all()
    assert ac.empty(()).normal_().shape == ()


def test_random_fill_errors():
    with pytest.raises(TypeError, match="normal_ expects a floating point tensor, got dtype int64"):
        ac.zeros(3, dtype=ac.int64).normal_()
    with pytest.raises(RuntimeError, match="normal_ expects std >= 0.0, but found std -1"):
        ac.zeros(3).normal_(0, -1)
    with pytest.raises(RuntimeError, match=r"uniform_ expects to return a \[from, to\) range, but found from=2 > to=1"):
        ac.zeros(3).uniform_(2, 1)


def test_inplace_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.5, -1.0, 2.0], [3.0, -0.25, 1.0]])
    b = np.array([2.0, -3.0, 0.5])
    x, tx = ac.tensor(a), torch.tensor(a)
    for f in (lambda t, o: t.add_(o, alpha=2), lambda t, o: t.sub_(o), lambda t, o: t.mul_(o),
              lambda t, o: t.div_(o), lambda t, o: t.clamp_(-1.5, 2.5),
              lambda t, o: t.clamp_(max=o), lambda t, o: t.copy_(o)):
        f(x, ac.tensor(b))
        f(tx, torch.tensor(b))
        np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-12)
    p, tp = ac.tensor(b, requires_grad=True), torch.tensor(b, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        p.add_(1)
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        tp.add_(1)
