"""Linear / Identity / Flatten and the activation layers (PReLU, Maxout included):
gradcheck in float64 on inputs and parameters, default init, PyTorch comparisons."""
import math

import numpy as np
import pytest

import autograd_core as ac
import nn
import nn.functional as F
from tests.nn.helpers import assert_close, copy_to_torch, gradcheck_module, leaf64


def test_linear_shapes_and_gradcheck():
    lin = nn.Linear(3, 2)
    assert lin.weight.shape == (2, 3) and lin.bias.shape == (2,)
    assert lin.weight.dtype == np.float32
    x = leaf64(np.random.default_rng(0).normal(size=(4, 3)))
    assert gradcheck_module(lin, x)
    x3 = leaf64(np.random.default_rng(1).normal(size=(2, 5, 3)))
    assert gradcheck_module(nn.Linear(3, 2, bias=False), x3)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=ac.float64).weight.dtype == np.float64


def test_linear_default_init_bounds():
    ac.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight.numpy(), lin.bias.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert np.abs(b).max() <= bound
    # U(-a, a) has variance a^2 / 3
    assert abs(w.var() - bound**2 / 3) < 0.03 * bound**2 / 3
    ac.manual_seed(0)
    np.testing.assert_array_equal(nn.Linear(400, 300).weight.numpy(), w)


def test_linear_errors():
    with pytest.raises(ValueError, match="linear"):
        nn.Linear(3, 2)(ac.randn(4, 5))
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(-1, 2)
    with pytest.raises(TypeError, match="floating point"):
        nn.Linear(2, 2, dtype=ac.int64)


def test_identity_and_flatten():
    x = ac.randn(2, 3, 4, 5)
    assert nn.Identity(7, k=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


ACTIVATIONS = [
    (nn.ReLU, (), "ReLU", {}),
    (nn.LeakyReLU, (0.2,), "LeakyReLU", {}),
    (nn.ELU, (0.7,), "ELU", {}),
    (nn.Sigmoid, (), "Sigmoid", {}),
    (nn.Tanh, (), "Tanh", {}),
    (nn.Softplus, (2.0, 5.0), "Softplus", {}),
    (nn.Softmax, (1,), "Softmax", {}),
    (nn.LogSoftmax, (1,), "LogSoftmax", {}),
    (nn.ReLU6, (), "ReLU6", {}),
    (nn.SiLU, (), "SiLU", {}),
    (nn.Hardtanh, (-0.5, 0.5), "Hardtanh", {}),
]


def _away_from_kinks(shape, seed):
    x = np.random.default_rng(seed).uniform(-3, 3, size=shape)
    for k in (0.0, 0.5, -0.5, 6.0):
        close = np.abs(x - k) < 0.05
        x[close] += 0.1
    return x


@pytest.mark.parametrize("cls,args,name,kw", ACTIVATIONS, ids=[a[2] for a in ACTIVATIONS])
def test_activation_gradcheck_and_torch(cls, args, name, kw):
    x = leaf64(_away_from_kinks((4, 3), 0))
    assert gradcheck_module(cls(*args), x)
    torch = pytest.importorskip("torch")
    ours = cls(*args)(x)
    tx = torch.tensor(x.numpy(), requires_grad=True)
    theirs = getattr(torch.nn, name)(*args)(tx)
    assert_close(ours, theirs, rtol=1e-10, atol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    assert_close(x.grad, tx.grad, rtol=1e-10, atol=1e-12)


def test_prelu_slope_gets_gradient():
    m = nn.PReLU()
    assert m.weight.shape == (1,) and m.weight.numpy()[0] == np.float32(0.25)
    x = leaf64(_away_from_kinks((5, 3), 1))
    assert gradcheck_module(m, x)
    m.weight.grad = None
    m(x).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), [np.minimum(x.numpy(), 0).sum()])
    per_channel = nn.PReLU(3, init=0.1)
    assert gradcheck_module(per_channel, leaf64(_away_from_kinks((2, 3, 4), 2)))
    with pytest.raises(ValueError, match="prelu: mismatch in parameter count"):
        nn.PReLU(4)(ac.randn(2, 3))


def test_prelu_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).normal(size=(4, 3, 2))
    for n in (1, 3):
        ours = nn.PReLU(n, 0.3).double()
        theirs = copy_to_torch(torch, ours, torch.nn.PReLU(n, 0.3).double())
        xo, xt = leaf64(x), torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        assert_close(yo, yt, 1e-12)
        (yo * yo).sum().backward()
        (yt * yt).sum().backward()
        assert_close(xo.grad, xt.grad, 1e-12)
        assert_close(ours.weight.grad, theirs.weight.grad, 1e-12)
    # at x == 0 the input gradient is the slope, as PyTorch
    xo = ac.zeros(2, dtype=ac.float64, requires_grad=True)
    nn.PReLU(1, 0.3).double()(xo).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), [0.3, 0.3])


def test_maxout_forward_pieces_and_gradients():
    m = nn.Maxout(3, 2, pieces=4)
    assert m.linear.weight.shape == (8, 3)
    x = ac.randn(5, 3)
    z = m.linear(x).numpy().reshape(5, 2, 4)
    np.testing.assert_allclose(m(x).numpy(), z.max(-1), rtol=1e-6)
    assert gradcheck_module(m, leaf64(np.random.default_rng(4).normal(size=(5, 3))))
    # each piece that wins somewhere gets a gradient; a piece that never wins gets none
    m.zero_grad()
    xs = ac.randn(64, 3, dtype=ac.float64)
    m(xs).sum().backward()
    winners = np.unique(m.linear(xs).numpy().reshape(64, 2, 4).argmax(-1) + np.array([0, 4]))
    rows = np.abs(m.linear.weight.grad.numpy()).sum(1) > 0
    np.testing.assert_array_equal(np.flatnonzero(rows), winners)
    with pytest.raises(ValueError, match="pieces"):
        nn.Maxout(3, 2, pieces=0)


def test_functional_inplace_outside_graph():
    x = ac.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x and x.tolist() == [0.0, 2.0]
    y = ac.tensor([-1.0, 2.0], requires_grad=True)
    out = F.relu(y, inplace=True)  # in a graph: computed out of place
    assert out is not y and y.tolist() == [-1.0, 2.0]


def test_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.softmax(ac.randn(2, 3))
    np.testing.assert_allclose(y.numpy().sum(1), 1, rtol=1e-6)
