"""Joining and padding: cat (variadic primitive), stack/hstack/vstack, pad (all modes)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ac
from autograd_core import gradcheck, gradgradcheck
from tests.strategies import array, layouts, leaf, seeds, shapes

COVERED_OPS = {"cat", "pad"}

SETTINGS = dict(max_examples=30, deadline=None)


@st.composite
def cat_cases(draw):
    base = list(draw(shapes.filter(lambda s: len(s) >= 1)))
    d = draw(st.integers(-len(base), len(base) - 1))
    sizes = draw(st.lists(st.integers(0, 3), min_size=1, max_size=4))
    out = []
    for n in sizes:
        s = list(base)
        s[d] = n
        out.append(tuple(s))
    return out, d


@settings(**SETTINGS)
@given(case=cat_cases(), seed=seeds, layout=layouts)
def test_cat_gradcheck(case, seed, layout):
    shapes_, d = case
    arrs = [array(s, seed + i) for i, s in enumerate(shapes_)]
    xs = [leaf(a, layout) for a in arrs]
    y = ac.cat(xs, d)
    np.testing.assert_array_equal(y.numpy(), np.concatenate(arrs, axis=d))
    assert y.grad_fn is not None and len(y.grad_fn.edges) == len(xs)  # one node, n inputs
    assert gradcheck(lambda *t: ac.cat(t, dim=d), xs)
    assert gradgradcheck(lambda *t: ac.cat(list(t), d), xs)


@settings(**SETTINGS)
@given(shape=shapes, seed=seeds, layout=layouts, n=st.integers(1, 3), data=st.data())
def test_stack_gradcheck(shape, seed, layout, n, data):
    arrs = [array(shape, seed + i) for i in range(n)]
    xs = [leaf(a, layout) for a in arrs]
    d = data.draw(st.integers(-len(shape) - 1, len(shape)))
    np.testing.assert_array_equal(ac.stack(xs, d).numpy(), np.stack(arrs, axis=d))
    assert ac.stack(xs, axis=d).shape == np.stack(arrs, axis=d).shape
    assert gradcheck(lambda *t: ac.stack(t, d), xs)
    assert gradgradcheck(lambda *t: ac.stack(t, d), xs)


def test_cat_mixed_inputs_dtypes_and_legacy_empty():
    a = ac.tensor([[1.0, 2.0]], dtype=ac.float64, requires_grad=True)
    b = ac.tensor([[3, 4]])  # int64: promoted as numpy does
    c = ac.tensor([[5.0, 6.0]], dtype=ac.float32, requires_grad=True)
    y = ac.concat([a, b, c, np.array([[7.0, 8.0]])])
    assert y.dtype == np.float64 and y.shape == (4, 2)
    e = ac.zeros(0, requires_grad=True)  # PyTorch skips 1-d empty tensors in cat
    z = ac.concatenate((e, a), axis=1)
    assert z.shape == (1, 2)
    (y.sum() + (z * 2).sum()).backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[3.0, 3.0]])
    assert c.grad.dtype == np.float32 and e.grad.shape == (0,)


def test_cat_and_stack_errors():
    with pytest.raises(RuntimeError, match=r"cat: sizes of tensors must match except in dimension 0: got shapes \[\(2, 3\), \(2, 4\)\] \(tensor 1 differs\)"):
        ac.cat([ac.zeros(2, 3), ac.zeros(2, 4)])
    with pytest.raises(RuntimeError, match=r"cat: tensors must have the same number of dimensions: got shapes \[\(2, 3\), \(3,\)\]"):
        ac.cat([ac.zeros(2, 3), ac.zeros(3)])
    with pytest.raises(RuntimeError, match="cat: zero-dimensional tensor"):
        ac.cat([ac.tensor(1.0), ac.tensor(2.0)])
    with pytest.raises(IndexError, match="cat: dimension out of range"):
        ac.cat([ac.zeros(2), ac.zeros(2)], 1)
    with pytest.raises(RuntimeError, match="cat: expected a non-empty list"):
        ac.cat([])
    with pytest.raises(TypeError, match="cat: expected a sequence"):
        ac.cat(ac.zeros(2))
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \(2,\) at entry 0 and \(3,\) at entry 1"):
        ac.stack([ac.zeros(2), ac.zeros(3)])


def test_hstack_vstack():
    a, b = ac.tensor([1.0, 2.0]), ac.tensor([3.0])
    np.testing.assert_array_equal(ac.hstack([a, b]).numpy(), [1, 2, 3])
    m = ac.ones(2, 2)
    assert ac.hstack([m, m]).shape == (2, 4)
    assert ac.vstack([a, a, ac.zeros(1, 2)]).shape == (3, 2)


# -- pad ---------------------------------------------------------------------------------------

@st.composite
def pad_cases(draw, mode):
    shape = draw(shapes.filter(lambda s: len(s) >= 1))
    k = draw(st.integers(1, len(shape)))
    pad = []
    for j in range(k):
        n = shape[len(shape) - 1 - j]
        if mode == "constant":
            lo, hi = draw(st.integers(-n, 3)), draw(st.integers(-n, 3))
            if lo + hi < -n:
                hi = -n - lo
        elif mode == "reflect":
            lo, hi = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        elif mode == "circular":
            lo, hi = draw(st.integers(0, n)), draw(st.integers(0, n))
        else:
            lo, hi = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        pad += [lo, hi]
    return shape, tuple(pad)


def _np_pad(a, pad, mode, value=0.0):
    k = len(pad) // 2
    widths = [(0, 0)] * (a.ndim - k) + [(pad[2 * j], pad[2 * j + 1]) for j in reversed(range(k))]
    crop = tuple(slice(max(0, -lo), a.shape[i] - max(0, -hi)) for i, (lo, hi) in enumerate(widths))
    a = a[crop]
    pos = [(max(0, lo), max(0, hi)) for lo, hi in widths]
    np_mode = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    if mode == "constant":
        return np.pad(a, pos, mode="constant", constant_values=value)
    return np.pad(a, pos, mode=np_mode)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@settings(**SETTINGS)
@given(data=st.data(), seed=seeds, layout=layouts)
def test_pad_gradcheck(mode, data, seed, layout):
    shape, pad = data.draw(pad_cases(mode))
    a = array(shape, seed)
    x = leaf(a, layout)
    value = 1.5 if mode == "constant" else None
    f = lambda t: ac.pad(t, pad, mode=mode, value=value)  # noqa: E731
    np.testing.assert_array_equal(f(x).numpy(), _np_pad(a, pad, mode, value or 0.0))
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_pad_errors():
    x = ac.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"pad: padding length must be divisible by 2, got pad=\(1,\)"):
        ac.pad(x, (1,))
    with pytest.raises(RuntimeError, match=r"pad: padding length too large: pad=\(1, 1, 1, 1, 1, 1\) pads 3 dims, but the input has shape \(2, 3\)"):
        ac.pad(x, (1,) * 6)
    with pytest.raises(RuntimeError, match=r"pad: the input size 3 at dim 1 plus padding \(-2, -2\) resulted in a negative output size -1"):
        ac.pad(x, (-2, -2))
    with pytest.raises(RuntimeError, match=r"pad: padding \(3, 0\) for reflect mode should be less than the size 3 of dim 1"):
        ac.pad(x, (3, 0), mode="reflect")
    with pytest.raises(RuntimeError, match="for circular mode should be at most the size 3"):
        ac.pad(x, (0, 4), mode="circular")
    with pytest.raises(ValueError, match="pad: mode must be"):
        ac.pad(x, (1, 1), mode="wrap")
    with pytest.raises(ValueError, match="doesn't take in a value argument"):
        ac.pad(x, (1, 1), mode="reflect", value=2.0)
    with pytest.raises(RuntimeError, match="cannot replicate-pad the empty dim 1"):
        ac.pad(ac.zeros(2, 0), (1, 1), mode="replicate")


def test_pad_keeps_dtype():
    assert ac.pad(ac.tensor([1, 2]), (1, 1), value=7).tolist() == [7, 1, 2, 7]
    assert ac.pad(ac.zeros(2), (1, 0)).dtype == np.float32


def test_join_and_pad_match_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    a, b = array((2, 3), 1), array((2, 2), 2)
    x, y = ac.tensor(a, requires_grad=True), ac.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    outs = [ac.cat([x, y], 1), ac.stack([x, x * 2], 1), ac.pad(x, (1, -1, 2, 0), value=3.0)]
    touts = [torch.cat([tx, ty], 1), torch.stack([tx, tx * 2], 1), F.pad(tx, (1, -1, 2, 0), value=3.0)]
    x3, tx3 = ac.tensor(a[None], requires_grad=True), torch.tensor(a[None], requires_grad=True)
    for mode in ("reflect", "replicate", "circular"):
        outs.append(ac.pad(x3, (2, 1), mode=mode))
        touts.append(F.pad(tx3, (2, 1), mode=mode))
    rng = np.random.default_rng(0)
    for o, t in zip(outs, touts):
        np.testing.assert_allclose(o.numpy(), t.detach().numpy())
        g = rng.standard_normal(o.shape)
        o.backward(g)
        t.backward(torch.tensor(g))
    for ours, theirs in ((x, tx), (y, ty), (x3, tx3)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
