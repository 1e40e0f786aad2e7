"""Losses as modules and functions: gradcheck in float64 (every reduction, weights,
ignore_index, label smoothing, probability targets, (N, C, d) layouts), PyTorch values
and gradients, validation errors naming the loss and the shapes."""
import warnings

import numpy as np
import pytest

import autograd_core as ac
import nn
import nn.functional as F
from autograd_core import gradcheck
from tests.nn.helpers import assert_close, leaf64

RNG = np.random.default_rng(0)
REDUCTIONS = ["mean", "sum", "none"]


def _torch_kw(torch, kw):
    return {k: (torch.tensor(v.numpy()) if isinstance(v, ac.Tensor) else v) for k, v in kw.items()}


def _compare(torch, ours_fn, theirs_fn, inputs, grad_of=(0,), rtol=1e-10, atol=1e-12, grad_rtol=None):
    """Run both on the same float64 data; compare values and gradients of sum(loss**2)."""
    ours_in = [leaf64(a) if i in grad_of else ac.tensor(a) for i, a in enumerate(inputs)]
    th_in = [torch.tensor(a, requires_grad=i in grad_of) for i, a in enumerate(inputs)]
    lo, lt = ours_fn(*ours_in), theirs_fn(*th_in)
    assert_close(lo, lt, rtol, atol)
    (lo * lo).sum().backward()
    (lt * lt).sum().backward()
    for i in grad_of:
        assert_close(ours_in[i].grad, th_in[i].grad, grad_rtol or rtol * 100, atol * 100,
                     f"grad of input {i}")


# -- regression losses ---------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses(name, reduction):
    x = leaf64(RNG.normal(size=(4, 3)))
    y = leaf64(x.numpy() + RNG.choice([-1, 1], size=(4, 3)) * RNG.uniform(0.2, 1, size=(4, 3)))
    fn = getattr(F, name)
    assert gradcheck(lambda x, y: fn(x, y, reduction=reduction), (x, y))
    torch = pytest.importorskip("torch")
    _compare(torch, lambda a, b: fn(a, b, reduction=reduction),
             lambda a, b: getattr(torch.nn.functional, name)(a, b, reduction=reduction),
             [x.numpy(), y.numpy()], grad_of=(0, 1))


def test_mse_shape_rules():
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(ac.randn(3, 1), ac.randn(3))
    with pytest.raises(ValueError, match=r"mse_loss: input \(3, 2\) and target \(4,\)"):
        nn.MSELoss()(ac.randn(3, 2), ac.randn(4))


# -- binary cross-entropy ---------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce(reduction):
    x = leaf64(RNG.uniform(0.05, 0.95, size=(5, 2)))
    y = ac.tensor(RNG.integers(0, 2, size=(5, 2)).astype(np.float64))
    w = ac.tensor(RNG.uniform(0.5, 2, size=(2,)))
    assert gradcheck(lambda x: nn.BCELoss(weight=w, reduction=reduction)(x, y), (x,))
    torch = pytest.importorskip("torch")
    _compare(torch, lambda a, b: F.binary_cross_entropy(a, b, w, reduction=reduction),
             lambda a, b: torch.nn.functional.binary_cross_entropy(
                 a, b, torch.tensor(w.numpy()), reduction=reduction),
             [x.numpy(), y.numpy()])


def test_bce_clamps_log_like_torch():
    torch = pytest.importorskip("torch")
    x = np.array([0.0, 1.0, 1e-50, 0.5])
    y = np.array([1.0, 0.0, 1.0, 0.5])
    _compare(torch, lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
             lambda a, b: torch.nn.functional.binary_cross_entropy(a, b, reduction="none"),
             [x, y], grad_rtol=1e-8)  # torch's 1e-12 floor is a float32 constant: 4e-9 apart


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weight", [False, True])
def test_bce_with_logits(reduction, pos_weight):
    x = leaf64(RNG.normal(size=(4, 3)) * 3)
    y = leaf64(RNG.uniform(size=(4, 3)))
    pw = leaf64(RNG.uniform(0.5, 3, size=3)) if pos_weight else None
    w = ac.tensor(RNG.uniform(0.5, 2, size=(4, 1)))
    inputs = (x, y) + ((pw,) if pos_weight else ())
    assert gradcheck(lambda x, y, *pw: F.binary_cross_entropy_with_logits(
        x, y, w, reduction=reduction, pos_weight=pw[0] if pw else None), inputs)
    torch = pytest.importorskip("torch")
    arrays = [x.numpy(), y.numpy()] + ([pw.numpy()] if pos_weight else [])
    _compare(torch,
             lambda a, b, *p: F.binary_cross_entropy_with_logits(
                 a, b, w, reduction=reduction, pos_weight=p[0] if p else None),
             lambda a, b, *p: torch.nn.functional.binary_cross_entropy_with_logits(
                 a, b, torch.tensor(w.numpy()), reduction=reduction, pos_weight=p[0] if p else None),
             arrays, grad_of=(0, 1))  # torch has no gradient for pos_weight; ours is gradchecked


def test_bce_with_logits_is_stable_and_right_at_zero():
    x = ac.tensor(np.array([-1e4, 1e4, 0.0, 80.0], dtype=np.float32), requires_grad=True)
    y = ac.tensor(np.array([1.0, 0.0, 1.0, 1.0], dtype=np.float32))
    with np.errstate(all="raise"):
        loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.numpy(), [1e4, 1e4, np.log(2), 0.0], rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(x.grad.numpy(), [-1, 1, -0.5, 0], atol=1e-7)  # sigmoid(x) - y


def test_bce_errors():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target size \(3,\) is different from input size \(3, 1\)"):
        nn.BCELoss()(ac.rand(3, 1), ac.rand(3))
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.BCELoss()(ac.tensor([1.5]), ac.tensor([1.0]))
    with pytest.raises(ValueError, match="must be the same as input size"):
        nn.BCEWithLogitsLoss()(ac.randn(3, 1), ac.rand(3))


# -- cross-entropy and NLL ---------------------------------------------------------------------

CE_CASES = {
    "plain": ((6, 4), dict()),
    "sum": ((6, 4), dict(reduction="sum")),
    "none": ((6, 4), dict(reduction="none")),
    "weights": ((6, 4), dict(weight=[0.5, 2.0, 1.0, 3.0])),
    "ignore": ((6, 4), dict(ignore_index=1)),
    "smoothing": ((6, 4), dict(label_smoothing=0.2)),
    "all": ((6, 4), dict(label_smoothing=0.3, weight=[1.0, 2.0, 0.5, 1.5], ignore_index=2)),
    "all-none": ((6, 4), dict(label_smoothing=0.3, weight=[1.0, 2.0, 0.5, 1.5], ignore_index=2,
                              reduction="none")),
    "spatial": ((3, 4, 5), dict(label_smoothing=0.1, weight=[1.0, 2.0, 0.5, 1.5])),
    "spatial-none": ((2, 4, 3, 2), dict(reduction="none", ignore_index=0)),
    "unbatched": ((4,), dict()),
}


def _index_target(shape, kw, seed):
    rng = np.random.default_rng(seed)
    C = shape[0] if len(shape) == 1 else shape[1]
    t = rng.integers(0, C, size=() if len(shape) == 1 else (shape[0],) + shape[2:])
    if "ignore_index" in kw:
        t.reshape(-1)[:2] = kw["ignore_index"]
    return t.astype(np.int64)


def _prob_target(shape, seed):
    C = shape[0] if len(shape) == 1 else shape[1]
    q = np.random.default_rng(seed).uniform(size=shape)
    return q / q.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)


def _kw(kw, lib):
    out = dict(kw)
    if "weight" in out:
        out["weight"] = lib.tensor(np.array(out["weight"]))
    return out


@pytest.mark.parametrize("case", sorted(CE_CASES))
@pytest.mark.parametrize("target", ["index", "prob"])
def test_cross_entropy(case, target):
    shape, kw = CE_CASES[case]
    if target == "prob":
        kw = {k: v for k, v in kw.items() if k != "ignore_index"}
        t = _prob_target(shape, 1)
    else:
        t = _index_target(shape, kw, 1)
    x = leaf64(np.random.default_rng(2).normal(size=shape) * 2)
    ours_kw = _kw(kw, ac)
    loss = nn.CrossEntropyLoss(**ours_kw)
    tt = ac.tensor(t)
    assert gradcheck(lambda x: loss(x, tt), (x,))
    torch = pytest.importorskip("torch")
    _compare(torch, lambda a, b: F.cross_entropy(a, b, **ours_kw),
             lambda a, b: torch.nn.functional.cross_entropy(a, b, **_kw(kw, torch)), [x.numpy(), t])


def test_cross_entropy_probability_target_gradient():
    x = leaf64(RNG.normal(size=(3, 4)))
    q = leaf64(_prob_target((3, 4), 5))
    assert gradcheck(lambda x, q: F.cross_entropy(x, q, label_smoothing=0.1), (x, q))
    torch = pytest.importorskip("torch")
    _compare(torch, lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1),
             lambda a, b: torch.nn.functional.cross_entropy(a, b, label_smoothing=0.1),
             [x.numpy(), q.numpy()], grad_of=(0, 1))


def test_cross_entropy_gradient_is_softmax_minus_target_over_n():
    x = leaf64(RNG.normal(size=(5, 3)))
    t = np.array([0, 2, 1, 1, 0])
    F.cross_entropy(x, ac.tensor(t)).backward()
    p = np.exp(x.numpy()) / np.exp(x.numpy()).sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), (p - np.eye(3)[t]) / 5, rtol=1e-12)


def test_cross_entropy_float32_and_errors():
    x = ac.randn(4, 3)
    loss = nn.CrossEntropyLoss()(x, ac.tensor([0, 1, 2, 0]))
    assert loss.dtype == np.float32 and loss.shape == ()
    with pytest.raises(ValueError, match=r"cross_entropy: input \(4, 3\) and target \(4, 3\) \(int64\)"):
        F.cross_entropy(x, ac.zeros(4, 3, dtype=ac.int64))
    with pytest.raises(IndexError, match="target 3 is out of bounds for 3 classes"):
        F.cross_entropy(x, ac.tensor([0, 1, 3, 0]))
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)


@pytest.mark.parametrize("case", ["plain", "sum", "none", "weights", "ignore", "spatial", "spatial-none", "unbatched"])
def test_nll_loss(case):
    shape, kw = CE_CASES[case]
    kw = {k: v for k, v in kw.items() if k != "label_smoothing"}
    t = _index_target(shape, kw, 3)
    x = leaf64(np.random.default_rng(4).normal(size=shape))
    loss = nn.NLLLoss(**_kw(kw, ac))
    tt = ac.tensor(t)
    assert gradcheck(lambda x: loss(x, tt), (x,))
    torch = pytest.importorskip("torch")
    _compare(torch, lambda a, b: F.nll_loss(a, b, **_kw(kw, ac)),
             lambda a, b: torch.nn.functional.nll_loss(a, b, **_kw(kw, torch)), [x.numpy(), t])


def test_nll_after_log_softmax_equals_cross_entropy():
    x = leaf64(RNG.normal(size=(5, 4)))
    t = ac.tensor([0, 3, 1, 2, 2])
    a = F.nll_loss(F.log_softmax(x, dim=1), t)
    b = F.cross_entropy(x, t)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)


# -- KL divergence -----------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    logq = np.log(_prob_target((4, 3), 6))
    p = _prob_target((4, 3), 7)
    p[0, 0] = 0.0  # a zero target contributes 0
    target = np.log(p + 1e-3) if log_target else p
    x = leaf64(logq)
    tt = leaf64(target)
    mod = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    if reduction == "mean":
        with pytest.warns(UserWarning, match="batchmean"):
            mod(x, tt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert gradcheck(lambda x: mod(x, tt), (x,))
        torch = pytest.importorskip("torch")
        _compare(torch, lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                 lambda a, b: torch.nn.functional.kl_div(a, b, reduction=reduction, log_target=log_target),
                 [logq, target])


def test_kl_div_batchmean_is_true_kl():
    p, q = _prob_target((3, 5), 8), _prob_target((3, 5), 9)
    kl = (p * np.log(p / q)).sum(1).mean()
    np.testing.assert_allclose(F.kl_div(ac.tensor(np.log(q)), ac.tensor(p), reduction="batchmean").item(), kl)


def test_reduction_validated_everywhere():
    for cls in (nn.MSELoss, nn.L1Loss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.CrossEntropyLoss,
                nn.NLLLoss):
        with pytest.raises(ValueError, match="reduction"):
            cls(reduction="batchmean")
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(ac.ones(2), ac.ones(2), reduction="avg")
    nn.KLDivLoss(reduction="batchmean")


def test_legacy_size_average_and_reduce_in_pytorch_positions():
    x, y = ac.tensor([1.0, 2.0]), ac.tensor([0.0, 0.0])
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert F.mse_loss(x, y, False).item() == 5.0  # size_average=False
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert F.l1_loss(x, y, None, False).shape == (2,)  # reduce=False
    with pytest.warns(UserWarning):
        assert nn.CrossEntropyLoss(size_average=False).reduction == "sum"
    z, t = ac.randn(3, 4), ac.tensor([0, 1, 2])
    # positional weight, size_average, ignore_index exactly as PyTorch orders them
    np.testing.assert_allclose(F.cross_entropy(z, t, None, None, 1).item(),
                               F.cross_entropy(z, t, ignore_index=1).item())


def test_one_hot():
    t = ac.tensor([[0, 2], [1, 1]])
    oh = F.one_hot(t)
    assert oh.shape == (2, 2, 3) and oh.dtype == np.int64
    np.testing.assert_array_equal(oh.numpy()[0, 1], [0, 0, 1])
    assert F.one_hot(t, 5).shape == (2, 2, 5)
    with pytest.raises(ValueError, match="smaller than num_classes"):
        F.one_hot(t, 2)
    with pytest.raises(TypeError, match="index tensor"):
        F.one_hot(ac.tensor([0.5]))
