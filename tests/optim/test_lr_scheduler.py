"""Learning-rate schedulers: sequences by hand (closed forms, the course's decay),
against PyTorch, chaining, state_dict, errors."""
import math
import pickle
import warnings

import numpy as np
import pytest

import autograd_core as ac
import optim
from optim import lr_scheduler as S

N = 25


def make_opt(lrs=(0.1,), lib=None):
    if lib is None:
        return optim.SGD([{"params": [ac.zeros(1, requires_grad=True)], "lr": lr}
                          for lr in lrs], lr=lrs[0])
    return lib.optim.SGD([{"params": [lib.zeros(1, requires_grad=True)], "lr": lr}
                          for lr in lrs], lr=lrs[0])


def sequence(opt, sched, n=N):
    out = [sched.get_last_lr()]
    for _ in range(n):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr())
    return np.array(out)


def ours(factory, lrs=(0.1,), n=N):
    opt = make_opt(lrs)
    return sequence(opt, factory(S, opt), n)


def closed(fn, lrs=(0.1,), n=N):
    return np.array([[fn(b, e) for b in lrs] for e in range(n + 1)])


# -- hand-computed sequences ----------------------------------------------------------

FACTORIES = {
    "step": (lambda S, o: S.StepLR(o, step_size=4, gamma=0.5),
             lambda b, e: b * 0.5 ** (e // 4)),
    "multistep": (lambda S, o: S.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.1),
                  lambda b, e: b * 0.1 ** sum(m <= e for m in [3, 7, 7, 12])),
    "exponential": (lambda S, o: S.ExponentialLR(o, gamma=0.9),
                    lambda b, e: b * 0.9 ** e),
    "cosine": (lambda S, o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
               lambda b, e: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2),
    "linear": (lambda S, o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=6),
               lambda b, e: b * (0.25 + 0.75 * min(e, 6) / 6)),
    "linear_default": (lambda S, o: S.LinearLR(o),
                       lambda b, e: b * (1 / 3 + (2 / 3) * min(e, 5) / 5)),
    "lambda": (lambda S, o: S.LambdaLR(o, lambda e: 1.0 / (e + 1)),
               lambda b, e: b / (e + 1)),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_sequence_by_hand(name):
    factory, formula = FACTORIES[name]
    lrs = (0.1, 0.02)
    np.testing.assert_allclose(ours(factory, lrs), closed(formula, lrs), rtol=1e-12,
                               atol=1e-15)


def test_inverse_time_decay_course_table():
    # course: alpha0 = 0.2, decay_rate = 1 -> epochs 1..4: 0.1, 0.067, 0.05, 0.04
    opt = make_opt((0.2,))
    sched = S.InverseTimeDecay(opt, decay_rate=1.0)
    assert sched.get_last_lr() == [0.2]
    got = []
    for _ in range(4):
        opt.step()
        sched.step()
        got.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(got, [0.1, 0.2 / 3, 0.05, 0.04], rtol=1e-15)
    np.testing.assert_allclose(ours(lambda S, o: S.InverseTimeDecay(o, 0.5)),
                               closed(lambda b, e: b / (1 + 0.5 * e)), rtol=1e-15)


def test_inverse_time_decay_course_table_from_the_first_epoch():
    # the docstring's recipe for a first epoch that already trains at epoch_num = 1:
    # no warning, and the course's table for epochs 1-4
    opt = make_opt((0.2,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched = S.LambdaLR(opt, lambda e: 1 / (1 + 1.0 * (e + 1)))
        got = []
        for _ in range(4):
            got.append(opt.param_groups[0]["lr"])  # the lr this epoch trains with
            opt.step()
            sched.step()
    np.testing.assert_allclose(got, [0.1, 0.2 / 3, 0.05, 0.04], rtol=1e-15)


def test_warmup_then_cosine_by_hand():
    opt = make_opt((0.1,))
    warm = S.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=5)
    cos = S.CosineAnnealingLR(opt, T_max=10)
    seq = S.SequentialLR(opt, [warm, cos], milestones=[5])
    got = sequence(opt, seq, 15)[:, 0]
    want = [0.1 * (0.1 + 0.9 * e / 5) for e in range(5)]
    want += [0.1 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(11)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_lambda_per_group():
    opt = make_opt((1.0, 2.0))
    sched = S.LambdaLR(opt, [lambda e: 0.5 ** e, lambda e: 1.0 + e])
    got = sequence(opt, sched, 3)
    np.testing.assert_allclose(got, [[1, 2], [0.5, 4], [0.25, 6], [0.125, 8]])


def test_step_with_epoch_uses_the_closed_form():
    opt = make_opt((0.1,))
    sched = S.StepLR(opt, step_size=3, gamma=0.1)
    opt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(7)
    assert sched.last_epoch == 7
    np.testing.assert_allclose(opt.param_groups[0]["lr"], 0.1 * 0.01)


def test_schedulers_write_only_lr_and_initial_lr():
    opt = make_opt((0.1,))
    before = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
    sched = S.CosineAnnealingLR(opt, T_max=5)
    for _ in range(3):
        opt.step()
        sched.step()
    after = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
    assert set(after) - set(before) == {"initial_lr"} and after["initial_lr"] == 0.1
    assert {k: v for k, v in after.items() if k not in ("lr", "initial_lr")} == \
        {k: v for k, v in before.items() if k != "lr"}


def test_the_lr_reaches_the_optimizer():
    p = ac.tensor([0.0], dtype=ac.float64, requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = S.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = ac.tensor([1.0], dtype=ac.float64)
        opt.step()
        sched.step()
    np.testing.assert_allclose(p.item(), -(1 + 0.5 + 0.25))


def test_warns_when_scheduler_steps_before_optimizer():
    opt = make_opt()
    sched = S.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = make_opt()
    sched2 = S.StepLR(opt2, step_size=1)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()


# -- against PyTorch ------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_matches_torch(name):
    torch = pytest.importorskip("torch")
    factory = FACTORIES[name][0]
    lrs = (0.1, 0.02)
    topt = make_opt(lrs, torch)
    theirs = sequence(topt, factory(torch.optim.lr_scheduler, topt))
    np.testing.assert_allclose(ours(factory, lrs), theirs, rtol=1e-13, atol=0)


@pytest.mark.parametrize("T_max, eta_min", [(7, 0.0), (4, 0.01)])
def test_cosine_past_t_max_matches_torch(T_max, eta_min):
    # the recursion's special case at the troughs (epoch - 1 - T_max) % (2 T_max) == 0
    torch = pytest.importorskip("torch")
    f = lambda S, o: S.CosineAnnealingLR(o, T_max=T_max, eta_min=eta_min)  # noqa: E731
    topt = make_opt((0.1,), torch)
    np.testing.assert_allclose(ours(f, n=40), sequence(topt, f(torch.optim.lr_scheduler, topt), 40),
                               rtol=1e-12, atol=1e-15)


def test_sequential_matches_torch():
    torch = pytest.importorskip("torch")

    def build(S, o):
        return S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=4),
                                  S.ExponentialLR(o, gamma=0.9),
                                  S.CosineAnnealingLR(o, T_max=6)], milestones=[4, 10])
    topt = make_opt((0.1, 0.05), torch)
    np.testing.assert_allclose(ours(build, (0.1, 0.05)),
                               sequence(topt, build(torch.optim.lr_scheduler, topt)),
                               rtol=1e-13)


METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.89, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.6,
           0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
PLATEAU = [dict(patience=2), dict(patience=1, cooldown=2, factor=0.5),
           dict(mode="max", patience=0, threshold_mode="abs", threshold=0.05),
           dict(patience=0, min_lr=[0.05, 0.001], factor=0.5),
           dict(patience=1, threshold=0.2, eps=0.01)]


def plateau_lrs(make_sched, opt, metrics=METRICS):
    sched = make_sched(opt)
    out = []
    for m in metrics:
        opt.step()
        sched.step(m)
        out.append(sched.get_last_lr())
    return np.array(out)


@pytest.mark.parametrize("kw", PLATEAU)
def test_plateau_matches_torch(kw):
    torch = pytest.importorskip("torch")
    a = plateau_lrs(lambda o: S.ReduceLROnPlateau(o, **kw), make_opt((0.1, 0.01)))
    b = plateau_lrs(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **kw),
                    make_opt((0.1, 0.01), torch))
    np.testing.assert_allclose(a, b, rtol=1e-15)


def test_plateau_by_hand():
    opt = make_opt((1.0,))
    sched = S.ReduceLROnPlateau(opt, patience=1, cooldown=1, factor=0.5, min_lr=0.2)
    # best 1.0; bad, bad -> cut (0.5), cooldown eats one bad epoch; bad, bad -> cut
    # (0.25); 0.5 is the new best; bad, bad -> cut, floored at min_lr 0.2
    got = []
    for m in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]:
        sched.step(m)
        got.append(opt.param_groups[0]["lr"])
    assert got == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]
    assert sched.best == 0.5
    sched.step(ac.tensor(0.4))  # a one-element Tensor works as the metric
    assert sched.best == pytest.approx(0.4) and sched.last_epoch == 13


# -- state_dict -----------------------------------------------------------------------

def test_scheduler_state_round_trip():
    def build(opt):
        return S.SequentialLR(opt, [S.LinearLR(opt, 0.2, total_iters=3),
                                    S.CosineAnnealingLR(opt, T_max=8)], milestones=[3])
    opt = make_opt((0.1,))
    full = sequence(opt, build(opt), 12)
    opt = make_opt((0.1,))
    sched = build(opt)
    first = sequence(opt, sched, 5)
    sd_s = pickle.loads(pickle.dumps(sched.state_dict()))
    sd_o = opt.state_dict()
    opt2 = make_opt((0.1,))
    sched2 = build(opt2)
    sched2.load_state_dict(sd_s)
    opt2.load_state_dict(sd_o)
    rest = sequence(opt2, sched2, 7)
    np.testing.assert_allclose(np.concatenate([first, rest[1:]]), full, rtol=1e-15)


def test_lambda_state_dict_keeps_callable_objects_state():
    class Factor:
        def __init__(self):
            self.k = 0.5

        def __call__(self, e):
            return self.k ** e

    opt = make_opt()
    sched = S.LambdaLR(opt, Factor())
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"k": 0.5}]
    sd["lr_lambdas"] = [{"k": 0.25}]
    sched.load_state_dict(sd)
    assert sched.lr_lambdas[0].k == 0.25
    assert S.LambdaLR(make_opt(), lambda e: 1.0).state_dict()["lr_lambdas"] == [None]


def test_plateau_state_round_trip():
    opt = make_opt()
    sched = S.ReduceLROnPlateau(opt, patience=1)
    for m in [1.0, 2.0]:
        sched.step(m)
    opt2 = make_opt()
    sched2 = S.ReduceLROnPlateau(opt2, patience=1)
    sched2.load_state_dict(sched.state_dict())
    sched2.step(2.0)
    assert opt2.param_groups[0]["lr"] == pytest.approx(0.01)


# -- errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("build, exc, msg", [
    (lambda o: S.StepLR(o, step_size=0), ValueError, "step_size"),
    (lambda o: S.StepLR(o, step_size=2.5), TypeError, "step_size"),
    (lambda o: S.ExponentialLR(o, gamma=-0.1), ValueError, "gamma"),
    (lambda o: S.CosineAnnealingLR(o, T_max=0), ValueError, "T_max"),
    (lambda o: S.LinearLR(o, start_factor=0.0), ValueError, "start_factor"),
    (lambda o: S.LinearLR(o, end_factor=1.5), ValueError, "end_factor"),
    (lambda o: S.LinearLR(o, total_iters=0), ValueError, "total_iters"),
    (lambda o: S.InverseTimeDecay(o, decay_rate=-1.0), ValueError, "decay_rate"),
    (lambda o: S.MultiStepLR(o, milestones=[-1]), ValueError, "milestone"),
    (lambda o: S.LambdaLR(o, [lambda e: 1.0] * 3), ValueError, "lr_lambdas"),
    (lambda o: S.LambdaLR(o, 0.5), TypeError, "lr_lambda"),
    (lambda o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor"),
    (lambda o: S.ReduceLROnPlateau(o, mode="median"), ValueError, "mode"),
    (lambda o: S.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "threshold_mode"),
    (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.1, 0.1, 0.1]), ValueError, "min_lr"),
    (lambda o: S.ReduceLROnPlateau(o, patience=-1), ValueError, "patience"),
    (lambda o: S.StepLR(o, step_size=2, last_epoch=3), KeyError, "initial_lr"),
    (lambda o: S.StepLR("not an optimizer", step_size=2), TypeError, "not an Optimizer"),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 2)], milestones=[3]), ValueError, "milestone"),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.ReduceLROnPlateau(o)], [3]),
     ValueError, "ReduceLROnPlateau"),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(make_opt(), 2)], [3]),
     ValueError, "same optimizer"),
])
def test_bad_arguments(build, exc, msg):
    with pytest.raises(exc, match=msg):
        build(make_opt((0.1, 0.2)))


@pytest.mark.filterwarnings("ignore:Detected call of")  # PyTorch warns here too
def test_nested_sequential_matches_torch():
    torch = pytest.importorskip("torch")

    def build(S, o):
        inner = S.SequentialLR(o, [S.LinearLR(o, 0.5, total_iters=2),
                                   S.StepLR(o, step_size=2, gamma=0.5)], milestones=[3])
        return S.SequentialLR(o, [inner, S.ExponentialLR(o, gamma=0.8)], milestones=[8])
    topt = make_opt((0.1,), torch)
    np.testing.assert_allclose(ours(build, (0.1,), 15),
                               sequence(topt, build(torch.optim.lr_scheduler, topt), 15),
                               rtol=1e-13)
