"""Shape ops: reshape/view, permute/transpose, expand and what is derived from them."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, layouts, leaf, seeds, shapes

COVERED_OPS = {"reshape", "permute", "expand"}

SETTINGS = dict(max_examples=30, deadline=None)


def _check(fn, x, ref, gg=True):
    """Values against the numpy reference, then first and second derivatives."""
    np.testing.assert_array_equal(fn(x).numpy(), ref(x.numpy()))
    assert gradcheck(fn, (x,))
    if gg:
        assert gradgradcheck(fn, (x,))


# -- reshape family ----------------------------------------------------------------------------

@st.composite
def reshape_targets(draw):
    shape = draw(shapes)
    n = math.prod(shape)
    # factor n into a random target shape, maybe with one -1
    target, rest = [], n
    for _ in range(draw(st.integers(0, 3))):
        divs = [d for d in range(1, rest + 1) if rest % d == 0]
        d = draw(st.sampled_from(divs))
        target.append(d)
        rest //= d
    target.append(rest)
    draw(st.randoms()).shuffle(target)
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return shape, tuple(target)


@settings(**SETTINGS)
@given(st_=reshape_targets(), seed=seeds, layout=layouts)
def test_reshape_and_view_gradcheck(st_, seed, layout):
    shape, target = st_
    x = leaf(array(shape, seed), layout)
    _check(lambda t: t.reshape(target), x, lambda a: a.reshape(target))
    _check(lambda t: t.view(*target), x, lambda a: a.reshape(target), gg=False)
    assert ac.reshape(x, target).shape == np.empty(shape).reshape(target).shape


@settings(**SETTINGS)
@given(shape=shapes, seed=seeds, layout=layouts, data=st.data())
def test_flatten_unflatten_ravel(shape, seed, layout, data):
    x = leaf(array(shape, seed), layout)
    if x.ndim == 0:
        assert x.flatten().shape == (1,)
        return
    s = data.draw(st.integers(-x.ndim, x.ndim - 1))
    e = data.draw(st.integers(s % x.ndim, x.ndim - 1))
    want = shape[:s % x.ndim] + (math.prod(shape[s % x.ndim:e + 1]),) + shape[e + 1:]
    _check(lambda t: t.flatten(s, e), x, lambda a: a.reshape(want))
    assert ac.flatten(x).shape == (x.numel(),) == x.ravel().shape == ac.ravel(x).shape
    d = data.draw(st.integers(0, x.ndim - 1))
    assert x.unflatten(d, (1, shape[d], 1)).shape == shape[:d] + (1, shape[d], 1) + shape[d + 1:]
    assert ac.unflatten(x, d, (-1, 1)).shape == shape[:d] + (shape[d], 1) + shape[d + 1:]


def test_reshape_shares_memory_and_version_with_its_input():
    x = ac.zeros(2, 3)
    y = x.view(6)
    y[0] = 5.0
    assert x[0, 0].item() == 5.0
    assert x._version is y._version and x._version[0] == 1
    # a non-contiguous input is copied (view == reshape here): no shared counter
    z = x.T.reshape(6)
    assert not np.shares_memory(z.numpy(), x.numpy()) and z._version is not x._version


def test_reshape_returns_self_for_same_shape():
    x = ac.zeros(2, 3, requires_grad=True)
    assert x.reshape(2, 3) is x and x.reshape((2, -1)) is x


@pytest.mark.parametrize("shape, msg", [
    ((4, 2), r"reshape: shape \(4, 2\) is invalid for input of shape \(2, 3\) \(6 elements\)"),
    ((-1, -1), r"only one dimension can be inferred"),
    ((-2, 3), r"invalid shape dimension -2"),
    ((-1, 4), r"is invalid for input of shape \(2, 3\)"),
])
def test_reshape_errors(shape, msg):
    with pytest.raises(RuntimeError, match=msg):
        ac.zeros(2, 3).reshape(shape)


def test_reshape_misc_errors():
    with pytest.raises(RuntimeError, match="ambiguous"):
        ac.zeros(0, 3).reshape(0, -1)
    with pytest.raises(TypeError, match="reshape: sizes must be integers"):
        ac.zeros(6).reshape(2.0, 3)
    with pytest.raises(TypeError, match="view: reinterpreting the dtype"):
        ac.zeros(6).view(np.float64)
    with pytest.raises(RuntimeError, match=r"flatten: start_dim \(1\) cannot come after end_dim \(0\)"):
        ac.zeros(2, 3).flatten(1, 0)
    with pytest.raises(IndexError, match=r"flatten: dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        ac.zeros(2, 3).flatten(2)
    with pytest.raises(RuntimeError, match="unflatten: shape"):
        ac.zeros(2, 6).unflatten(1, (4, -1))
    with pytest.raises(TypeError, match="reshape: expected a Tensor"):
        ac.reshape(np.zeros(3), (3,))


# -- permute / transpose -----------------------------------------------------------------------

@settings(**SETTINGS)
@given(shape=shapes, seed=seeds, layout=layouts, data=st.data())
def test_permute_transpose_movedim_gradcheck(shape, seed, layout, data):
    x = leaf(array(shape, seed), layout)
    n = x.ndim
    perm = data.draw(st.permutations(range(n)))
    neg = [p - n if data.draw(st.booleans()) else p for p in perm]
    _check(lambda t: t.permute(*neg), x, lambda a: np.transpose(a, perm))
    assert ac.permute(x, neg).shape == np.transpose(x.numpy(), perm).shape
    if n >= 1:
        d0, d1 = data.draw(st.integers(-n, n - 1)), data.draw(st.integers(-n, n - 1))
        _check(lambda t: t.transpose(d0, d1), x, lambda a: np.swapaxes(a, d0, d1))
        for f in (ac.transpose, ac.swapaxes, ac.swapdims):
            assert f(x, d0, d1).shape == np.swapaxes(x.numpy(), d0, d1).shape
        src = data.draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
        dst = data.draw(st.permutations(range(n)))[:len(src)]
        _check(lambda t: t.movedim(src, dst), x, lambda a: np.moveaxis(a, src, dst), gg=False)
        assert ac.moveaxis(x, src, dst).shape == np.moveaxis(x.numpy(), src, dst).shape


def test_T_mT_t():
    x = leaf(array((2, 3, 4), 0))
    _check(lambda t: t.T, x, lambda a: a.transpose(2, 1, 0))
    _check(lambda t: t.mT, x, lambda a: np.swapaxes(a, -1, -2))
    m = leaf(array((2, 3), 1))
    _check(lambda t: t.t(), m, lambda a: a.T)
    v = ac.zeros(3)
    assert v.T is v and v.t() is v
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D"):
        x.t()
    with pytest.raises(RuntimeError, match="mT: tensor of shape \\(3,\\)"):
        v.mT


def test_permute_is_a_view_sharing_the_version_counter():
    x = ac.zeros(2, 3)
    y = x.T
    assert np.shares_memory(y.numpy(), x.numpy()) and y._version is x._version


def test_permute_errors():
    x = ac.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"permute: number of dims don't match: got 2 dims \(0, 1\) for a tensor of shape \(2, 3, 4\)"):
        x.permute(0, 1)
    with pytest.raises(RuntimeError, match="permute: repeated dim"):
        x.permute(0, 1, -3)
    with pytest.raises(IndexError, match="permute: dimension out of range"):
        x.permute(0, 1, 3)
    with pytest.raises(IndexError, match="transpose: dimension out of range"):
        x.transpose(0, 3)
    with pytest.raises(RuntimeError, match="movedim: invalid source or destination dims"):
        x.movedim((0, 1), 2)
    with pytest.raises(RuntimeError, match="movedim: repeated dim"):
        x.movedim((0, 0), (1, 2))


# -- unsqueeze / squeeze -----------------------------------------------------------------------

@settings(**SETTINGS)
@given(shape=shapes, seed=seeds, layout=layouts, data=st.data())
def test_unsqueeze_squeeze_gradcheck(shape, seed, layout, data):
    x = leaf(array(shape, seed), layout)
    n = x.ndim
    d = data.draw(st.integers(-n - 1, n))
    _check(lambda t: t.unsqueeze(d), x, lambda a: np.expand_dims(a, d))
    assert ac.unsqueeze(x, d).shape == np.expand_dims(x.numpy(), d).shape
    _check(lambda t: t.squeeze(), x, np.squeeze)
    if n:
        dims = tuple(data.draw(st.lists(st.integers(-n, n - 1), max_size=n)))
        ones = {i % n for i in dims if shape[i] == 1}
        want = tuple(s for i, s in enumerate(shape) if i not in ones)
        assert x.squeeze(dims).shape == want == ac.squeeze(x, dims).shape
        assert gradcheck(lambda t: t.squeeze(dims), (x,))


def test_squeeze_unsqueeze_edge_cases():
    s = ac.tensor(2.0)
    assert s.unsqueeze(0).shape == (1,) and s.unsqueeze(-1).shape == (1,)
    assert s.squeeze(0).shape == () and s.squeeze(-1).shape == ()
    x = ac.zeros(1, 3, 1)
    assert x.squeeze(1).shape == (1, 3, 1)  # not size 1: unchanged
    assert x.squeeze((0, 2)).shape == (3,) == ac.squeeze(x, axis=(0, 2)).shape
    with pytest.raises(IndexError, match=r"unsqueeze: dimension out of range \(expected to be in range of \[-4, 3\], but got 4\)"):
        x.unsqueeze(4)
    with pytest.raises(IndexError, match="squeeze: dimension out of range"):
        x.squeeze(3)


# -- expand / broadcast_to / repeat / tile -----------------------------------------------------

@st.composite
def expand_cases(draw):
    shape = draw(shapes)
    target = [draw(st.integers(1, 3)) if s == 1 else s for s in shape]
    target = [-1 if draw(st.booleans()) else t for t in target]
    lead = draw(st.lists(st.integers(0, 3), max_size=2))
    return shape, tuple(lead + target)


@settings(**SETTINGS)
@given(case=expand_cases(), seed=seeds, layout=layouts)
def test_expand_gradcheck(case, seed, layout):
    shape, target = case
    x = leaf(array(shape, seed), layout)
    full = tuple(s if t == -1 else t for s, t in zip((None,) * (len(target) - len(shape)) + shape, target))
    _check(lambda t: t.expand(*target), x, lambda a: np.broadcast_to(a, full))
    assert ac.broadcast_to(x, target).shape == full == x.broadcast_to(target).shape
    assert x.expand_as(ac.zeros(*full)).shape == full


@settings(**SETTINGS)
@given(shape=shapes, seed=seeds, layout=layouts, data=st.data())
def test_repeat_and_tile_gradcheck(shape, seed, layout, data):
    x = leaf(array(shape, seed), layout)
    reps = tuple(data.draw(st.lists(st.integers(0, 3), min_size=x.ndim, max_size=x.ndim + 2)))
    _check(lambda t: t.repeat(*reps), x, lambda a: np.tile(a, reps))
    short = reps[:max(0, x.ndim - 1)]
    _check(lambda t: t.tile(short), x, lambda a: np.tile(a, short), gg=False)
    assert ac.tile(x, short).shape == np.tile(x.numpy(), short).shape


def test_expand_is_a_read_only_view_and_repeat_accumulates():
    x = ac.tensor([[1.0], [2.0]], requires_grad=True)
    y = x.expand(2, 3)
    assert np.shares_memory(y.numpy(), x.numpy()) and y._version is x._version
    x.repeat(2, 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[6.0], [6.0]])


def test_broadcast_tensors():
    a, b = ac.zeros(3, 1), ac.ones(4)
    ea, eb = ac.broadcast_tensors(a, b)
    assert ea.shape == eb.shape == (3, 4)
    with pytest.raises(ValueError, match=r"broadcast_tensors: shapes \(3, 1\) and \(4,\) and \(2,\) cannot be broadcast"):
        ac.broadcast_tensors(a, b, ac.ones(2))


@pytest.mark.parametrize("sizes, msg", [
    ((2, 4), r"expand: the expanded size of the tensor \(4\) must match the existing size \(3\) at non-singleton dimension 1; target sizes \(2, 4\), tensor shape \(2, 3\)"),
    ((3,), r"expand: the number of sizes provided \(1\) must be greater or equal to the number of dimensions in the tensor \(2\)"),
    ((-1, 2, 3), r"expand: the expanded size of the tensor \(-1\) isn't allowed in a leading, non-existing dimension 0"),
    ((2, -2), r"expand: the expanded size of the tensor \(-2\)"),
])
def test_expand_errors(sizes, msg):
    with pytest.raises(RuntimeError, match=msg):
        ac.zeros(2, 3).expand(*sizes)


def test_repeat_errors_and_contiguous():
    with pytest.raises(RuntimeError, match=r"repeat: number of dimensions of repeat dims \(1\) can not be smaller than number of dimensions of tensor \(2"):
        ac.zeros(2, 3).repeat(2)
    with pytest.raises(RuntimeError, match="repeat: repeats must be non-negative"):
        ac.zeros(2).repeat(-1)
    x = ac.zeros(2, 3, requires_grad=True)
    assert x.contiguous() is x
    c = x.T.contiguous()
    assert c.is_contiguous() and c.grad_fn is not None


# -- against PyTorch ---------------------------------------------------------------------------

def test_shape_ops_match_torch():
    torch = pytest.importorskip("torch")
    a = array((2, 1, 3), 7)
    cases = [
        (lambda t: t.reshape(3, -1), lambda t: t.reshape(3, -1)),
        (lambda t: t.flatten(1), lambda t: t.flatten(1)),
        (lambda t: t.permute(2, 0, 1), lambda t: t.permute(2, 0, 1)),
        (lambda t: t.transpose(-1, 0), lambda t: t.transpose(-1, 0)),
        (lambda t: t.movedim((0, 2), (2, 0)), lambda t: t.movedim((0, 2), (2, 0))),
        (lambda t: t.unsqueeze(-2), lambda t: t.unsqueeze(-2)),
        (lambda t: t.squeeze(), lambda t: t.squeeze()),
        (lambda t: t.squeeze((0, 1)), lambda t: t.squeeze((0, 1))),
        (lambda t: t.expand(4, -1, 5, 3), lambda t: t.expand(4, -1, 5, 3)),
        (lambda t: t.repeat(2, 1, 2, 3), lambda t: t.repeat(2, 1, 2, 3)),
        (lambda t: t.tile((2,)), lambda t: t.tile((2,))),
        (lambda t: t.mT, lambda t: t.mT),
        (lambda t: t.unflatten(2, (3, 1)), lambda t: t.unflatten(2, (3, 1))),
    ]
    w = np.random.default_rng(0)
    for ours, theirs in cases:
        x = ac.tensor(a, requires_grad=True)
        tx = torch.tensor(a, requires_grad=True)
        y, ty = ours(x), theirs(tx)
        assert y.shape == tuple(ty.shape)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy())
        g = w.standard_normal(y.shape)
        y.backward(g)
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_T_without_recording_is_a_view_sharing_the_version_counter():
    # the no-record shortcut of .T must give what the recorded Permute gives: a view
    # with the base's version counter (in-place writes through it are seen by both)
    x = ac.tensor(np.arange(6.0).reshape(2, 3))
    t = x.T
    assert t.shape == (3, 2) and t.grad_fn is None and not t.requires_grad
    t.add_(1.0)
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3) + 1)
    assert x._version[0] == 1
    w = ac.ones((2, 3), requires_grad=True)
    with ac.no_grad():
        u = w.T
    assert u.grad_fn is None and not u.requires_grad and u._version is w._version
    v = w.T  # recording: a node, same counter
    assert v.grad_fn is not None and v._version is w._version
    v.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.ones((2, 3)))
