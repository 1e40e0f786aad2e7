"""Dropout: inverted scaling (expectation kept), kept fraction ~ 1 - p, identity in
evaluation, reproducible under manual_seed, gradient through the same mask."""
import numpy as np
import pytest

import autograd_core as ac
import nn
import nn.functional as F
from autograd_core import gradcheck


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_kept_fraction_and_scaling(p):
    ac.manual_seed(0)
    x = ac.ones(200_000)
    y = nn.Dropout(p)(x).numpy()
    kept = y != 0
    assert abs(kept.mean() - (1 - p)) < 0.005
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)


def test_expectation_over_many_draws_equals_input():
    ac.manual_seed(1)
    x = ac.tensor(np.linspace(-2, 3, 50))
    drop = nn.Dropout(0.3)
    mean = np.mean([drop(x).numpy() for _ in range(4000)], axis=0)
    # each entry averages 4000 draws of x * Bernoulli(0.7) / 0.7: std |x| * 0.65 / sqrt(4000)
    np.testing.assert_allclose(mean, x.numpy(), atol=4 * 3 * 0.66 / np.sqrt(4000))


def test_eval_is_identity_and_p_zero():
    x = ac.randn(4, 5)
    drop = nn.Dropout(0.5).eval()
    assert drop(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_p_one_zeroes_everything():
    x = ac.randn(3, 4, requires_grad=True)
    y = F.dropout(x, 1.0)
    assert not y.numpy().any()
    y.sum().backward()
    assert not x.grad.numpy().any()


def test_p_validated():
    for p in (-0.1, 1.5, "0.5", True):
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(p)
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(ac.ones(2), p)


def test_reproducible_with_manual_seed_and_masks_differ_between_calls():
    x = ac.ones(1000)
    ac.manual_seed(42)
    a, b = F.dropout(x, 0.5).numpy(), F.dropout(x, 0.5).numpy()
    ac.manual_seed(42)
    a2, b2 = F.dropout(x, 0.5).numpy(), F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(b, b2)
    assert (a != b).any()
    g = np.random.default_rng(5)
    c = F.dropout(x, 0.5, generator=g).numpy()
    np.testing.assert_array_equal(c, F.dropout(x, 0.5, generator=np.random.default_rng(5)).numpy())


def test_gradient_uses_the_forward_mask():
    ac.manual_seed(3)
    x = ac.randn(6, 7, requires_grad=True)
    y = F.dropout(x, 0.4)
    y.backward(ac.ones(6, 7))
    kept = y.numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 1 / 0.6, 0), rtol=1e-6)


def test_gradcheck_with_fixed_generator():
    x = ac.tensor(np.random.default_rng(0).normal(size=(4, 5)), requires_grad=True)
    assert gradcheck(lambda x: F.dropout(x, 0.3, generator=np.random.default_rng(9)), (x,))
    # non-contiguous input
    assert gradcheck(lambda x: F.dropout(x.T, 0.3, generator=np.random.default_rng(9)), (x,))


def test_inplace_outside_graph():
    x = ac.ones(100)
    ac.manual_seed(0)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x and set(np.unique(x.numpy())) <= {0.0, 2.0}
