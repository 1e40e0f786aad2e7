"""Generator objects, generator= on every sampling function, multinomial and bernoulli."""
import math

import numpy as np
import pytest

import autograd_core as ac
import nn


def _draws(g):
    return [ac.randn(4, generator=g).numpy().copy(), ac.rand(3, generator=g).numpy().copy(),
            ac.randint(0, 100, (5,), generator=g).numpy().copy(),
            ac.randperm(6, generator=g).numpy().copy(),
            ac.normal(0.0, 2.0, (3,), generator=g).numpy().copy(),
            ac.multinomial(ac.tensor([0.2, 0.3, 0.5]), 4, True, generator=g).numpy().copy(),
            ac.multinomial(ac.tensor([0.2, 0.3, 0.5]), 2, generator=g).numpy().copy(),
            ac.bernoulli(ac.full((6,), 0.5), generator=g).numpy().copy(),
            ac.zeros(3).normal_(generator=g).numpy().copy(),
            ac.zeros(3).uniform_(-1, 1, generator=g).numpy().copy(),
            ac.zeros(5).bernoulli_(0.3, generator=g).numpy().copy(),
            nn.init.kaiming_uniform_(ac.zeros(2, 3), generator=g).numpy().copy(),
            nn.init.xavier_normal_(ac.zeros(2, 3), generator=g).numpy().copy()]


def test_seeded_generators_reproduce_and_ignore_the_global_seed():
    ac.manual_seed(1)
    a = _draws(ac.Generator().manual_seed(2147483647))
    ac.manual_seed(99)
    ac.rand(17)  # the global stream moves; the private one must not care
    b = _draws(ac.Generator().manual_seed(2147483647))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    c = _draws(ac.Generator().manual_seed(1))
    assert not np.array_equal(a[0], c[0])


def test_drawing_from_a_generator_leaves_the_global_stream_alone():
    ac.manual_seed(5)
    expected = ac.rand(8).numpy().copy()
    ac.manual_seed(5)
    _draws(ac.Generator().manual_seed(3))
    np.testing.assert_array_equal(ac.rand(8).numpy(), expected)


def test_global_stream_unchanged_for_existing_seeds():
    # the global generator is numpy's PCG64 seeded with the seed, as before Generator
    ac.manual_seed(1234)
    np.testing.assert_array_equal(ac.rand(5).numpy(),
                                  np.random.default_rng(1234).random(5, dtype=np.float32))
    assert ac.initial_seed() == 1234
    g = ac.Generator().manual_seed(1234)
    ac.manual_seed(1234)
    np.testing.assert_array_equal(ac.randn(6, generator=g).numpy(), ac.randn(6).numpy())


def test_generator_api():
    g = ac.Generator()
    assert g.initial_seed() == 67280421310721  # PyTorch's default initial seed
    assert g.manual_seed(7) is g and g.initial_seed() == 7
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    state = g.get_state()
    assert state.dtype == np.uint8 and state.ndim == 1
    first = ac.randn(5, generator=g).numpy().copy()
    ac.rand(1, generator=g)  # a float32 draw leaves a buffered half word: state must keep it
    mid = g.get_state()
    after = ac.rand(3, generator=g).numpy().copy()
    assert g.set_state(state) is g
    np.testing.assert_array_equal(ac.randn(5, generator=g).numpy(), first)
    g.set_state(mid)
    np.testing.assert_array_equal(ac.rand(3, generator=g).numpy(), after)
    assert g.initial_seed() == s
    with pytest.raises(ValueError, match="set_state: expected a uint8 tensor"):
        g.set_state(ac.zeros(3))
    with pytest.raises(ValueError, match="Generator.manual_seed: seed must be non-negative"):
        g.manual_seed(-3)
    with pytest.raises(TypeError, match="Generator.manual_seed: seed must be an integer"):
        g.manual_seed("x")
    with pytest.raises(ValueError, match="device"):
        ac.Generator("cuda")


def test_global_rng_state_round_trip():
    ac.manual_seed(3)
    st = ac.get_rng_state()
    a = ac.randn(4).numpy().copy()
    ac.set_rng_state(st)
    np.testing.assert_array_equal(ac.randn(4).numpy(), a)
    assert ac.manual_seed(3) is not None


def test_a_bad_generator_is_refused_naming_the_op():
    with pytest.raises(TypeError, match="randn: generator must be an autograd_core.Generator"):
        ac.randn(3, generator=42)
    with pytest.raises(TypeError, match="multinomial: generator"):
        ac.tensor([0.5, 0.5]).multinomial(1, generator="g")


def test_randint_signatures_and_randperm():
    g = ac.Generator().manual_seed(0)
    t = ac.randint(10, (1000,), generator=g)  # randint(high, size), PyTorch's common form
    assert t.shape == (1000,) and t.dtype == np.int64
    assert t.numpy().min() == 0 and t.numpy().max() == 9
    p = ac.randperm(50, generator=g)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(50))
    assert ac.randperm(0).shape == (0,)
    assert ac.randperm(4, dtype=ac.int32).dtype == np.int32
    with pytest.raises(ValueError, match="randperm: n must be non-negative"):
        ac.randperm(-1)
    with pytest.raises(TypeError, match="randint: missing the required argument 'size'"):
        ac.randint(5)


def test_normal_forms():
    g = ac.Generator().manual_seed(0)
    x = ac.normal(ac.full((20000,), 3.0), 2.0, generator=g)
    assert x.dtype == np.float32 and x.shape == (20000,)
    assert abs(x.numpy().mean() - 3.0) < 0.05 and abs(x.numpy().std() - 2.0) < 0.05
    y = ac.normal(ac.zeros((2, 1), dtype=ac.float64), ac.ones(3, dtype=ac.float64))
    assert y.shape == (2, 3) and y.dtype == np.float64
    assert ac.normal(0.0, 1.0, (2, 2)).shape == (2, 2)
    z = ac.normal(1.0, ac.zeros(3))
    np.testing.assert_array_equal(z.numpy(), np.ones(3, np.float32))
    with pytest.raises(ValueError, match="normal: expects std >= 0.0"):
        ac.normal(0.0, -1.0, (2,))
    with pytest.raises(TypeError, match="normal: with float mean and std, pass size="):
        ac.normal(0.0, 1.0)


# -- multinomial ----------------------------------------------------------------------------
def _chi2_ok(counts, probs):
    """Pearson's chi-square below its 99.9% quantile (Wilson-Hilferty approximation), so
    a sampler off by a few percent in one category fails with a fixed seed."""
    n = counts.sum()
    exp = n * probs
    keep = exp > 0
    assert np.all(counts[~keep] == 0), "a zero-probability category was drawn"
    chi2 = float(((counts[keep] - exp[keep]) ** 2 / exp[keep]).sum())
    k = keep.sum() - 1
    q = k * (1 - 2 / (9 * k) + 3.09 * math.sqrt(2 / (9 * k))) ** 3
    return chi2 < q, chi2, q


@pytest.mark.parametrize("dtype", [ac.float32, ac.float64])
def test_multinomial_with_replacement_matches_the_distribution(dtype):
    w = np.array([1.0, 0.0, 3.0, 0.5, 5.5, 0.0], dtype)
    g = ac.Generator().manual_seed(11)
    s = ac.tensor(w).multinomial(60000, replacement=True, generator=g)
    assert s.shape == (60000,) and s.dtype == np.int64
    ok, chi2, q = _chi2_ok(np.bincount(s.numpy(), minlength=6), w / w.sum())
    assert ok, (chi2, q)


def test_multinomial_2d_rows_are_sampled_independently():
    w = np.array([[0.0, 1.0, 1.0], [4.0, 0.0, 1.0]])
    s = ac.multinomial(ac.tensor(w), 30000, True, generator=ac.Generator().manual_seed(2))
    assert s.shape == (2, 30000)
    for r in range(2):
        ok, chi2, q = _chi2_ok(np.bincount(s.numpy()[r], minlength=3), w[r] / w[r].sum())
        assert ok, (r, chi2, q)


def test_multinomial_without_replacement():
    g = ac.Generator().manual_seed(4)
    w = np.array([0.1, 0.6, 0.3])
    firsts, seconds = np.zeros(3), np.zeros(3)
    draws = ac.tensor(np.tile(w, (20000, 1))).multinomial(2, generator=g).numpy()
    assert draws.shape == (20000, 2)
    assert np.all(draws[:, 0] != draws[:, 1])  # never the same category twice
    firsts = np.bincount(draws[:, 0], minlength=3)
    ok, chi2, q = _chi2_ok(firsts, w)
    assert ok, (chi2, q)
    # the second draw is from the rest, renormalised: P(second = j) = sum_i p_i p_j / (1 - p_i)
    p2 = np.array([sum(w[i] * w[j] / (1 - w[i]) for i in range(3) if i != j) for j in range(3)])
    ok, chi2, q = _chi2_ok(np.bincount(draws[:, 1], minlength=3), p2)
    assert ok, (chi2, q)
    perm = ac.tensor([1.0, 2.0, 3.0, 4.0]).multinomial(4, generator=g)
    assert sorted(perm.tolist()) == [0, 1, 2, 3]
    # zero-probability categories come only once the others are used up (as PyTorch)
    assert ac.tensor([0.0, 1.0, 0.0]).multinomial(3, generator=g).tolist()[0] == 1


@pytest.mark.parametrize("probs, n, kw, exc, match", [
    ([-0.1, 1.0], 1, {}, ValueError, "multinomial: probability tensor contains either `inf`, `nan` or element < 0"),
    ([np.inf, 1.0], 1, {}, ValueError, "contains either `inf`"),
    ([np.nan, 1.0], 1, {}, ValueError, "contains either `inf`"),
    ([0.0, 0.0], 1, {}, ValueError, r"multinomial: invalid multinomial distribution \(sum of probabilities <= 0\)"),
    ([[1.0, 1.0], [0.0, 0.0]], 1, {}, ValueError, "sum of probabilities <= 0"),
    ([[[1.0]]], 1, {}, ValueError, "multinomial: input \\(prob_dist\\) must be 1 or 2 dim"),
    ([1.0, 1.0], 0, {}, ValueError, "multinomial: cannot sample num_samples=0 <= 0"),
    ([1.0, 1.0], 3, {}, ValueError, "cannot sample num_samples=3 > input.size\\(-1\\)=2 samples without replacement"),
    ([1.0, 1.0], 1.5, {}, TypeError, "multinomial: num_samples must be an int"),
])
def test_multinomial_errors(probs, n, kw, exc, match):
    with pytest.raises(exc, match=match):
        ac.multinomial(ac.tensor(probs), n, **kw)


def test_multinomial_refuses_integer_input():
    with pytest.raises(TypeError, match="multinomial: input must be a floating point"):
        ac.tensor([1, 2]).multinomial(1)


def test_multinomial_against_torch_semantics():
    torch = pytest.importorskip("torch")
    w = [[0.0, 2.0, 1.0], [1.0, 0.0, 0.0]]
    ours = ac.tensor(w).multinomial(3, replacement=True)
    theirs = torch.tensor(w).multinomial(3, replacement=True)
    assert tuple(ours.shape) == tuple(theirs.shape) and ours.numpy()[1].tolist() == [0, 0, 0]
    assert set(ours.numpy()[0].tolist()) <= {1, 2}
    assert ac.tensor([1.0, 0.0]).multinomial(2).tolist() == \
        torch.tensor([1.0, 0.0]).multinomial(2).tolist()


# -- bernoulli ------------------------------------------------------------------------------
def test_bernoulli_frequencies_and_dtype():
    g = ac.Generator().manual_seed(8)
    p = ac.tensor(np.array([0.0, 0.25, 0.9, 1.0]))
    draws = ac.bernoulli(p.expand(50000, 4), generator=g)
    assert draws.dtype == np.float64 and draws.shape == (50000, 4)
    assert set(np.unique(draws.numpy()).tolist()) <= {0.0, 1.0}
    freq = draws.numpy().mean(0)
    assert freq[0] == 0 and freq[3] == 1
    np.testing.assert_allclose(freq[1:3], [0.25, 0.9], atol=0.01)
    t = ac.zeros(40000).bernoulli_(0.3, generator=g)
    assert abs(t.numpy().mean() - 0.3) < 0.01
    t2 = ac.zeros(2, 20000).bernoulli_(ac.tensor([[0.1], [0.8]]), generator=g)
    np.testing.assert_allclose(t2.numpy().mean(1), [0.1, 0.8], atol=0.015)
    assert ac.tensor([0.2]).bernoulli(1.0).tolist() == [1.0]


def test_bernoulli_errors():
    with pytest.raises(ValueError, match="bernoulli: expected all probabilities in input to be in \\[0, 1\\]"):
        ac.bernoulli(ac.tensor([0.5, 1.5]))
    with pytest.raises(ValueError, match="bernoulli_: expects p to be in \\[0, 1\\], but got p=1.5"):
        ac.zeros(2).bernoulli_(1.5)
    with pytest.raises(TypeError, match="bernoulli: input must be a floating point"):
        ac.bernoulli(ac.tensor([1, 0]))
    w = ac.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.bernoulli_(0.5)
    assert not ac.bernoulli(ac.tensor([0.5], requires_grad=True)).requires_grad


def test_data_loader_and_random_split_take_a_generator():
    from autograd_core.data import DataLoader, TensorDataset, random_split
    ds = TensorDataset(ac.arange(20))
    order = []
    for _ in range(2):
        loader = DataLoader(ds, batch_size=5, shuffle=True,
                            generator=ac.Generator().manual_seed(42))
        order.append(np.concatenate([b[0].numpy() for b in loader]))
    np.testing.assert_array_equal(order[0], order[1])
    assert sorted(order[0].tolist()) == list(range(20))
    parts = [random_split(ds, [15, 5], generator=ac.Generator().manual_seed(1)) for _ in range(2)]
    assert list(parts[0][1].indices) == list(parts[1][1].indices)


def test_manual_seed_returns_the_global_generator_as_a_view_of_the_global_stream():
    g = ac.manual_seed(21)
    assert g is ac.default_generator and isinstance(g, ac.Generator)
    assert g.initial_seed() == 21 == ac.initial_seed()
    state = g.get_state()
    a = ac.rand(3).numpy().copy()  # the global functions and the object share one stream
    g.set_state(state)
    np.testing.assert_array_equal(ac.rand(3, generator=g).numpy(), a)
    ac.default_generator.manual_seed(4)
    np.testing.assert_array_equal(ac.rand(2).numpy(),
                                  np.random.default_rng(4).random(2, dtype=np.float32))
