"""``Size`` shapes, the small tensor API (nelement, element_size, numel, is_tensor) and
indexing with ``range`` objects and Python lists of ints, as PyTorch."""
import pickle

import numpy as np
import pytest

import autograd_core as ac


def test_shape_and_size_are_a_tuple_subclass_with_numel():
    x = ac.zeros(2, 3, 4)
    s = x.shape
    assert isinstance(s, ac.Size) and isinstance(s, tuple)
    assert s == (2, 3, 4) and (2, 3, 4) == s and hash(s) == hash((2, 3, 4))
    assert x.size() == s and x.size(1) == 3 and x.size(-1) == 4
    assert s.numel() == 24 and ac.Size([]).numel() == 1 and ac.zeros(0, 5).shape.numel() == 0
    assert s[1:] == (3, 4) and s[0] == 2 and s + (5,) == (2, 3, 4, 5)
    assert (1,) + s == (1, 2, 3, 4)
    assert repr(s) == "Size([2, 3, 4])" and f"{s}" == "(2, 3, 4)"
    assert pickle.loads(pickle.dumps(s)) == s
    assert ac.zeros(s).shape == s and np.zeros(s).shape == (2, 3, 4)
    assert ac.Size([2, 3]) == (2, 3)


def test_small_api():
    x = ac.zeros(3, 5, dtype=ac.float64)
    assert x.nelement() == 15 == x.numel() == ac.numel(x)
    assert x.element_size() == 8 and ac.zeros(2, dtype=ac.int16).element_size() == 2
    assert ac.is_tensor(x) and not ac.is_tensor(np.zeros(2))
    with pytest.raises(TypeError, match="numel\\(\\): argument 'input' must be a Tensor"):
        ac.numel([1, 2])


def test_size_against_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = ac.zeros(2, 3).shape, torch.zeros(2, 3).shape
    assert ours == theirs and ours.numel() == theirs.numel()
    assert list(ours[1:]) == list(theirs[1:])


def test_indexing_with_range_and_lists_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(12.0).reshape(4, 3)
    y = [2, 0, 1, 1]
    for idx in [(range(4), y), (range(1, 4, 2),), ([0, 2, 2],), ([0, 3], [1, 2]),
                (slice(None), [2, 0]), (range(0),), ([[0, 1], [2, 3]],)]:
        x = ac.tensor(a, requires_grad=True)
        t = torch.tensor(a, requires_grad=True)
        out, tout = x[idx], t[idx]
        np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
        g = np.arange(float(tout.numel())).reshape(tuple(tout.shape))
        out.backward(ac.tensor(g))
        tout.backward(torch.tensor(g))
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())  # repeats add up


def test_range_index_in_an_assignment_and_the_tutorial_idiom():
    logits = ac.tensor(np.log(np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])), requires_grad=True)
    ys = ac.tensor([1, 0, 1])
    loss = -logits[range(3), ys].mean()  # the makemore idiom
    loss.backward()
    want = np.zeros((3, 2))
    want[range(3), [1, 0, 1]] = -1 / 3
    np.testing.assert_allclose(logits.grad.numpy(), want)
    z = ac.zeros(4)
    z[range(1, 3)] = 7.0
    assert z.tolist() == [0.0, 7.0, 7.0, 0.0]
