"""nn.init: variances of xavier / kaiming / lecun on large tensors, gains, fans,
orthogonality, in-place semantics, reproducibility."""
import math

import numpy as np
import pytest

import autograd_core as ac
import nn
from nn import init


def big(shape=(500, 800)):
    return ac.empty(*shape)


def test_fans():
    assert init._calculate_fan_in_and_fan_out(ac.empty(3, 5)) == (5, 3)
    assert init._calculate_fan_in_and_fan_out(ac.empty(4, 2, 3, 3)) == (18, 36)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ac.empty(3))


def test_calculate_gain():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("sigmoid") == 1 and init.calculate_gain("linear") == 1
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01**2))
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("fn,kw,var", [
    (init.xavier_uniform_, {}, 2 / (800 + 500)),
    (init.xavier_normal_, {}, 2 / (800 + 500)),
    (init.xavier_normal_, {"gain": 2.0}, 4 * 2 / 1300),
    (init.kaiming_uniform_, {"nonlinearity": "relu"}, 2 / 800),
    (init.kaiming_normal_, {"nonlinearity": "relu"}, 2 / 800),  # the course's He init
    (init.kaiming_normal_, {"nonlinearity": "relu", "mode": "fan_out"}, 2 / 500),
    (init.kaiming_normal_, {"a": 0.1}, 2 / (1 + 0.01) / 800),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, 1 / 3 / 800),  # Linear's default
    (init.lecun_normal_, {}, 1 / 800),  # the course's tanh rule
    (init.lecun_uniform_, {}, 1 / 800),
])
def test_variances(fn, kw, var):
    ac.manual_seed(0)
    t = fn(big(), **kw)
    a = t.numpy()
    assert abs(a.mean()) < 5 * math.sqrt(var / a.size)
    assert abs(a.var() / var - 1) < 0.02  # 400k samples: sampling error ~0.3%


def test_uniform_bounds_and_normal_stats():
    t = init.uniform_(big(), -0.5, 2.0)
    assert t.numpy().min() >= -0.5 and t.numpy().max() < 2.0
    n = init.normal_(big(), 3.0, 0.5).numpy()
    assert abs(n.mean() - 3) < 0.01 and abs(n.std() - 0.5) < 0.01
    tn = init.trunc_normal_(big(), 0, 1, -1, 1).numpy()
    assert tn.min() >= -1 and tn.max() <= 1


def test_in_place_returns_tensor_and_bumps_version():
    p = nn.Parameter(ac.empty(4, 3))
    v = p._version[0]
    out = init.constant_(p, 0.3)
    assert out is p and p._version[0] == v + 1 and p.grad_fn is None and p.requires_grad
    np.testing.assert_allclose(p.numpy(), 0.3)
    assert init.zeros_(p).numpy().sum() == 0 and init.ones_(p).numpy().sum() == 12
    np.testing.assert_array_equal(init.eye_(ac.empty(2, 3)).numpy(), np.eye(2, 3))


def test_orthogonal():
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        t = init.orthogonal_(ac.empty(*shape, dtype=ac.float64), gain=2.0).numpy().reshape(shape[0], -1)
        small = min(t.shape)
        gram = t @ t.T if t.shape[0] == small else t.T @ t
        np.testing.assert_allclose(gram, 4 * np.eye(small), atol=1e-10)


def test_reproducible_and_generator():
    ac.manual_seed(7)
    a = init.kaiming_normal_(ac.empty(5, 5)).numpy().copy()
    ac.manual_seed(7)
    np.testing.assert_array_equal(init.kaiming_normal_(ac.empty(5, 5)).numpy(), a)
    g1 = init.xavier_uniform_(ac.empty(5, 5), generator=np.random.default_rng(1)).numpy()
    g2 = init.xavier_uniform_(ac.empty(5, 5), generator=np.random.default_rng(1)).numpy()
    np.testing.assert_array_equal(g1, g2)


def test_mode_validated():
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ac.empty(2, 2), mode="fan_avg")
