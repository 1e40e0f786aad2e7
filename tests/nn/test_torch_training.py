"""A small network trained step for step next to PyTorch with the same weights and
batches (plain SGD written out, so this needs no optimizer): losses, gradients and
parameters agree at every step, in training and in evaluation mode."""
import numpy as np
import pytest

import autograd_core as ac
import nn
from tests.nn.helpers import assert_close, copy_to_torch

torch = pytest.importorskip("torch")


def _pair(make):
    ours = make(nn)
    theirs = make(torch.nn)
    return ours, copy_to_torch(torch, ours, theirs)


def _net(lib):
    return lib.Sequential(
        lib.Linear(6, 16), lib.BatchNorm1d(16), lib.ReLU(),
        lib.Linear(16, 12), lib.LayerNorm(12), lib.Tanh(),
        lib.Linear(12, 8), lib.PReLU(8), lib.Linear(8, 4),
    )


@pytest.mark.parametrize("loss_name,kw", [
    ("CrossEntropyLoss", dict(label_smoothing=0.1)),
    ("CrossEntropyLoss", dict(weight=[1.0, 2.0, 0.5, 1.0], ignore_index=3)),
    ("BCEWithLogitsLoss", dict()),
    ("MSELoss", dict()),
])
def test_training_steps_match_torch(loss_name, kw):
    ac.manual_seed(0)
    ours, theirs = _pair(_net)
    ours_kw = {k: (ac.tensor(np.array(v, dtype=np.float32)) if k == "weight" else v) for k, v in kw.items()}
    th_kw = {k: (torch.tensor(np.array(v, dtype=np.float32)) if k == "weight" else v) for k, v in kw.items()}
    loss_o, loss_t = getattr(nn, loss_name)(**ours_kw), getattr(torch.nn, loss_name)(**th_kw)
    rng = np.random.default_rng(1)
    for step in range(5):
        x = rng.normal(size=(10, 6)).astype(np.float32)
        if loss_name == "CrossEntropyLoss":
            y = rng.integers(0, 4, size=10)
            yo, yt = ac.tensor(y), torch.tensor(y)
        else:
            y = rng.uniform(size=(10, 4)).astype(np.float32)
            yo, yt = ac.tensor(y), torch.tensor(y)
        lo, lt = loss_o(ours(ac.tensor(x)), yo), loss_t(theirs(torch.tensor(x)), yt)
        assert_close(lo, lt, 2e-5, 1e-6, f"loss at step {step}")
        lo.backward()
        lt.backward()
        with torch.no_grad():
            for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
                assert_close(p.grad, q.grad, 1e-3, 1e-5, f"grad of {name} at step {step}")
                p.numpy()[...] -= 0.05 * p.grad.numpy()
                q -= 0.05 * q.grad
        ours.zero_grad()
        theirs.zero_grad()
    for k, v in ours.state_dict().items():
        assert_close(v, theirs.state_dict()[k], 1e-4, 1e-5, k)
    ours.eval(), theirs.eval()
    x = rng.normal(size=(3, 6)).astype(np.float32)
    assert_close(ours(ac.tensor(x)), theirs(torch.tensor(x)), 1e-4, 1e-5)
