"""A makemore-style bigram script written for PyTorch (Generator, randn/multinomial with
generator=, one_hot, x[range(n), y] indexing, .data updates, .item()) runs with only its
import lines rewritten, and its losses equal PyTorch's from the same initial weights."""
import numpy as np
import pytest

import autograd_core
import nn

SCRIPT = '''
import torch
import torch.nn.functional as F

g = torch.Generator().manual_seed(2147483647)
W = torch.tensor(W0, requires_grad=True)
xs, ys = torch.tensor(XS), torch.tensor(YS)
num = xs.nelement()
losses = []
for k in range(20):
    xenc = F.one_hot(xs, num_classes=27).float()
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W ** 2).mean()
    loss2 = -probs[range(num), ys].log().mean() + 0.01 * (W ** 2).mean()
    assert abs(loss.item() - loss2.item()) < 1e-6
    losses.append(loss.item())
    W.grad = None
    loss.backward()
    W.data += -10 * W.grad
names = []
for i in range(5):
    out, ix = [], 0
    while True:
        xenc = F.one_hot(torch.tensor([ix]), num_classes=27).float()
        p = (xenc @ W).exp()
        p = p / p.sum(1, keepdims=True)
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        out.append(ix)
        if ix == 0 or len(out) > 30:
            break
    names.append(out)
noise = torch.randn((2, 3), generator=g)
perm = torch.randperm(27, generator=g)
'''


def _run(torch_module, functional, env):
    ns = dict(env)
    code = SCRIPT.replace("import torch.nn.functional as F\n", "").replace("import torch\n", "")
    ns.update(torch=torch_module, F=functional)
    exec(compile(code, "<bigram>", "exec"), ns)
    return ns


def _env():
    rng = np.random.default_rng(0)
    words = rng.integers(1, 27, size=(60, 5))
    xs = np.concatenate([np.zeros((60, 1), np.int64), words], 1).ravel()
    ys = np.concatenate([words, np.zeros((60, 1), np.int64)], 1).ravel()
    return {"W0": rng.normal(size=(27, 27)).astype(np.float32), "XS": xs, "YS": ys}


def test_bigram_script_runs_unchanged_and_reproduces():
    a = _run(autograd_core, nn.functional, _env())
    b = _run(autograd_core, nn.functional, _env())
    assert a["losses"] == b["losses"] and a["names"] == b["names"]
    assert a["losses"][-1] < a["losses"][0]
    assert all(0 <= ix < 27 for n in a["names"] for ix in n)
    assert all(n[-1] == 0 or len(n) == 31 for n in a["names"])
    assert sorted(a["perm"].tolist()) == list(range(27))
    np.testing.assert_array_equal(a["noise"].numpy(), b["noise"].numpy())


def test_bigram_losses_match_pytorch():
    torch = pytest.importorskip("torch")
    ours = _run(autograd_core, nn.functional, _env())
    theirs = _run(torch, torch.nn.functional, _env())
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=2e-6)
