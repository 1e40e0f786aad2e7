"""The benchmarked MLP (Linear, BatchNorm1d, ReLU, Dropout, cross-entropy) backpropagates
on the engine's array path only: every node it records is a library primitive (one rule
run on arrays), and the gradients equal the Tensor-level (create_graph=True) ones and
PyTorch's."""
import numpy as np
import pytest

import autograd_core as ac
import nn
from autograd_core.function import Primitive


def _mlp(p):
    ac.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(p),
                         nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Dropout(p),
                         nn.Linear(5, 3))


def _batch(dtype=np.float32):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((7, 8)).astype(dtype),
            np.array([0, 2, 1, 1, 0, 2, 2], dtype=np.int64))


def _nodes(root):
    seen, stack = set(), [root]
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        stack += [e[0] for e in n.edges if e is not None]
    return seen


def test_every_recorded_node_is_a_primitive():
    model = _mlp(0.2)
    x, y = _batch()
    loss = nn.CrossEntropyLoss()(model(ac.tensor(x)), ac.tensor(y))
    nodes = _nodes(loss.grad_fn)
    names = {n.op_name for n in nodes}
    assert {"cross_entropy", "linear", "batch_norm", "relu", "dropout"} <= names
    assert all(isinstance(n, Primitive) for n in nodes), sorted(
        n.op_name for n in nodes if not isinstance(n, Primitive))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_array_path_gradients_equal_tensor_path(dtype):
    model = _mlp(0.3)
    if dtype == np.float64:
        model.double()
    x, y = _batch(dtype)
    params = list(model.parameters())
    ac.manual_seed(1)
    loss = nn.CrossEntropyLoss()(model(ac.tensor(x)), ac.tensor(y))
    fast = ac.grad(loss, params, retain_graph=True)
    slow = ac.grad(loss, params, create_graph=True)  # the same rules, recorded
    tol = dict(rtol=2e-4, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-12)
    for f, s, p in zip(fast, slow, params):
        assert f.shape == p.shape and f.dtype == p.dtype
        np.testing.assert_allclose(f.numpy(), s.numpy(), **tol)


def test_mlp_gradients_against_torch():
    torch = pytest.importorskip("torch")
    model = _mlp(0.0)
    x, y = _batch()
    loss = nn.CrossEntropyLoss()(model(ac.tensor(x)), ac.tensor(y))
    loss.backward()
    torch.manual_seed(0)
    tm = torch.nn.Sequential(
        torch.nn.Linear(8, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Dropout(0.0),
        torch.nn.Linear(6, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(), torch.nn.Dropout(0.0),
        torch.nn.Linear(5, 3))
    with torch.no_grad():
        for tp, p in zip(tm.parameters(), model.parameters()):
            tp.copy_(torch.from_numpy(p.numpy()))
    tl = torch.nn.CrossEntropyLoss()(tm(torch.from_numpy(x)), torch.from_numpy(y))
    tl.backward()
    np.testing.assert_allclose(loss.item(), tl.item(), rtol=1e-5)
    for tp, p in zip(tm.parameters(), model.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6)
