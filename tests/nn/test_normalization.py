"""BatchNorm1d (training and evaluation, running statistics as taught) and LayerNorm:
gradcheck, hand-computed exponential averages, PyTorch step for step."""
import numpy as np
import pytest

import autograd_core as ac
import nn
import nn.functional as F
from tests.nn.helpers import assert_close, copy_to_torch, gradcheck_module, leaf64


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_training_gradcheck(shape, affine):
    bn = nn.BatchNorm1d(3, affine=affine)
    x = leaf64(np.random.default_rng(0).normal(size=shape) * 3 + 1)
    assert gradcheck_module(bn, x)


def test_batchnorm_eval_gradcheck():
    bn = nn.BatchNorm1d(3).double()
    bn(ac.randn(8, 3, dtype=ac.float64))
    bn.eval()
    x = leaf64(np.random.default_rng(1).normal(size=(4, 3)))
    assert gradcheck_module(bn, x)


def test_training_output_is_normalised():
    x = np.random.default_rng(2).normal(size=(50, 4)) * 5 + 3
    y = nn.BatchNorm1d(4).double()(ac.tensor(x)).numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-10)
    np.testing.assert_allclose(y.var(0), 1, rtol=1e-5)  # biased variance, eps = 1e-5


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
def test_running_stats_are_exponential_averages(shape):
    rng = np.random.default_rng(3)
    bn = nn.BatchNorm1d(3, momentum=0.2).double()
    rm, rv = np.zeros(3), np.ones(3)
    axes = (0, 2) if len(shape) == 3 else (0,)
    n = shape[0] * (shape[2] if len(shape) == 3 else 1)
    for _ in range(5):
        x = rng.normal(size=shape) * 2 + 1
        bn(ac.tensor(x))
        rm = 0.8 * rm + 0.2 * x.mean(axes)
        rv = 0.8 * rv + 0.2 * x.var(axes) * n / (n - 1)  # unbiased for the running estimate
    np.testing.assert_allclose(bn.running_mean.numpy(), rm, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), rv, rtol=1e-12)
    assert int(bn.num_batches_tracked.item()) == 5
    # evaluation normalises with the running estimates, not the batch
    bn.eval()
    x = rng.normal(size=shape)
    w, b = bn.weight.numpy(), bn.bias.numpy()
    shp = (1, 3, 1) if len(shape) == 3 else (1, 3)
    want = (x - rm.reshape(shp)) / np.sqrt(rv.reshape(shp) + 1e-5) * w.reshape(shp) + b.reshape(shp)
    np.testing.assert_allclose(bn(ac.tensor(x)).numpy(), want, rtol=1e-10)
    before = bn.running_mean.numpy().copy()
    bn(ac.tensor(x))
    np.testing.assert_array_equal(bn.running_mean.numpy(), before)  # eval does not update
    assert int(bn.num_batches_tracked.item()) == 5


def test_momentum_none_is_cumulative_average():
    rng = np.random.default_rng(4)
    bn = nn.BatchNorm1d(2, momentum=None).double()
    xs = [rng.normal(size=(6, 2)) + i for i in range(4)]
    for x in xs:
        bn(ac.tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([x.mean(0) for x in xs], 0))
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean([x.var(0, ddof=1) for x in xs], 0))


def test_batch_of_one_raises_before_changing_anything():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        bn(ac.randn(1, 3))
    assert int(bn.num_batches_tracked.item()) == 0
    assert not bn.running_mean.numpy().any()
    bn(ac.randn(1, 3, 4))  # 4 values per channel: fine
    bn.eval()
    bn(ac.randn(1, 3))  # evaluation: fine


def test_batchnorm_shape_errors():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"has 4 channels \(dim 1\); expected num_features=3"):
        bn(ac.randn(5, 4))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        bn(ac.randn(5))
    with pytest.raises(ValueError, match="running_mean has shape"):
        F.batch_norm(ac.randn(4, 3), ac.zeros(2), ac.ones(2), training=True)


def test_no_running_stats():
    bn = nn.BatchNorm1d(3, track_running_stats=False)
    assert bn.running_mean is None and list(bn.state_dict()) == ["weight", "bias"]
    bn.eval()
    x = np.random.default_rng(5).normal(size=(10, 3))
    y = bn(ac.tensor(x, dtype=ac.float32)).numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-5)  # batch statistics in eval too


def test_batchnorm_step_for_step_with_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    for shape in [(16, 5), (6, 5, 3)]:
        ours = nn.BatchNorm1d(5, momentum=0.3)
        ours.weight.numpy()[...] = rng.uniform(0.5, 2, 5)
        ours.bias.numpy()[...] = rng.normal(size=5)
        theirs = copy_to_torch(torch, ours, torch.nn.BatchNorm1d(5, momentum=0.3))
        for step in range(4):
            x = (rng.normal(size=shape) * 3 + step).astype(np.float32)
            g = rng.normal(size=shape).astype(np.float32)
            xo, xt = ac.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            yo, yt = ours(xo), theirs(xt)
            assert_close(yo, yt, 1e-4, 1e-5, f"output step {step}")
            yo.backward(ac.tensor(g))
            yt.backward(torch.tensor(g))
            assert_close(xo.grad, xt.grad, 1e-4, 1e-5, f"input grad step {step}")
            assert_close(ours.weight.grad, theirs.weight.grad, 1e-4, 1e-4)
            assert_close(ours.bias.grad, theirs.bias.grad, 1e-4, 1e-4)
            with ac.no_grad(), torch.no_grad():  # the same plain SGD step on both
                for p, q in zip(ours.parameters(), theirs.parameters()):
                    p.numpy()[...] -= 0.1 * p.grad.numpy()
                    q -= 0.1 * q.grad
                    p.grad, q.grad = None, None
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                assert_close(getattr(ours, name), getattr(theirs, name), 1e-5, 1e-6, name)
        ours.eval(), theirs.eval()
        x = rng.normal(size=shape).astype(np.float32)
        assert_close(ours(ac.tensor(x)), theirs(torch.tensor(x)), 1e-5, 1e-5)


@pytest.mark.parametrize("shape,norm", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((3, 4), 4)])
def test_layernorm_gradcheck_and_torch(shape, norm):
    x = leaf64(np.random.default_rng(7).normal(size=shape) * 2 + 1)
    ln = nn.LayerNorm(norm)
    ln.weight.numpy()[...] = np.random.default_rng(8).uniform(0.5, 2, ln.weight.shape)
    assert gradcheck_module(ln, x)
    assert gradcheck_module(nn.LayerNorm(norm, elementwise_affine=False), x)
    torch = pytest.importorskip("torch")
    theirs = copy_to_torch(torch, ln, torch.nn.LayerNorm(norm).double())
    xt = torch.tensor(x.numpy(), requires_grad=True)
    x.grad = None
    yo, yt = ln(x), theirs(xt)
    assert_close(yo, yt, 1e-10, 1e-12)
    (yo * yo).sum().backward()
    (yt * yt).sum().backward()
    assert_close(x.grad, xt.grad, 1e-8, 1e-10)
    assert_close(ln.weight.grad, theirs.weight.grad, 1e-8, 1e-10)


def test_layernorm_shape_error():
    with pytest.raises(ValueError, match=r"normalized_shape=\[4\].*size \(2, 3\)"):
        nn.LayerNorm(4)(ac.randn(2, 3))
