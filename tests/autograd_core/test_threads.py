"""Grad mode and anomaly mode are per thread: two threads training, or one training and
one evaluating under no_grad, get exactly the single-threaded results, whatever the
interleaving."""
import threading

import numpy as np
import pytest

import autograd_core as ac

STEPS = 60


def _model(seed):
    rng = np.random.default_rng(seed)
    w1 = ac.tensor(rng.standard_normal((8, 16)) * 0.3, requires_grad=True)
    w2 = ac.tensor(rng.standard_normal((16, 3)) * 0.3, requires_grad=True)
    x = ac.tensor(rng.standard_normal((32, 8)))
    y = ac.tensor(rng.integers(0, 3, 32))
    return [w1, w2], x, y


def _train(seed, steps=STEPS, each_step=None):
    """Plain SGD written with the core's ops only; returns the loss trace and weights."""
    params, x, y = _model(seed)
    losses = []
    for k in range(steps):
        for p in params:
            p.grad = None
        h = (x @ params[0]).tanh()
        loss = (h @ params[1]).log_softmax(1).gather(1, y.reshape(-1, 1)).mean().neg()
        loss.backward()
        with ac.no_grad():  # as an optimizer's step does
            for p in params:
                p.sub_(p.grad * 0.1)
        losses.append(loss.item())
        if each_step is not None:
            each_step(k)
    return losses, [p.numpy().copy() for p in params]


def _same(a, b):
    assert a[0] == b[0]  # loss traces, bit for bit
    for u, v in zip(a[1], b[1]):
        np.testing.assert_array_equal(u, v)


def _run_threads(*targets):
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)
        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def test_two_trainers_at_once_get_the_single_threaded_results():
    ref = [_train(1), _train(2)]
    got = [None, None]

    def trainer(i):
        return lambda: got.__setitem__(i, _train(i + 1))

    _run_threads(trainer(0), trainer(1))
    _same(got[0], ref[0])
    _same(got[1], ref[1])
    assert ac.is_grad_enabled()


def test_a_trainer_beside_a_no_grad_evaluator():
    ref = _train(3)
    stop = threading.Event()
    evals = []

    def evaluator():
        params, x, _ = _model(9)
        while not stop.is_set():
            with ac.no_grad():
                out = (x @ params[0]).tanh() @ params[1]
                assert out.grad_fn is None
                evals.append(out.sum().item())

    result = []

    def trainer():
        result.append(_train(3))
        stop.set()

    _run_threads(evaluator, trainer)
    _same(result[0], ref)
    assert len(evals) > 0 and len(set(evals)) == 1


def test_forced_interleaving_inside_a_backward_hook():
    """Thread A's backward pauses in a hook while thread B enters no_grad and records
    nothing; A then finishes its backward and a create_graph Hessian-vector product."""
    in_hook, b_done = threading.Event(), threading.Event()
    out = {}

    def a():
        x = ac.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
        y = (x * x * x).sum()

        def hook(g):
            in_hook.set()
            assert b_done.wait(30)
            return None

        x.register_hook(hook)
        (g,) = ac.grad(y, [x], create_graph=True)  # 3 x^2, recorded
        hv = ac.grad(g, [x], ac.tensor(np.ones(3)))[0]  # 6 x
        out["g"], out["hv"] = g.numpy().copy(), hv.numpy().copy()
        assert g.grad_fn is not None

    def b():
        assert in_hook.wait(30)
        with ac.no_grad():
            t = ac.tensor([1.0], requires_grad=True) * 2
            out["b_records"] = t.grad_fn is not None
        out["b_mode_after"] = ac.is_grad_enabled()
        b_done.set()

    _run_threads(a, b)
    x0 = np.array([0.5, -1.0, 2.0])
    np.testing.assert_array_equal(out["g"], 3 * x0 * x0)
    np.testing.assert_array_equal(out["hv"], 6 * x0)
    assert out["b_records"] is False and out["b_mode_after"] is True


def test_a_thread_in_no_grad_does_not_turn_recording_off_elsewhere():
    entered, release = threading.Event(), threading.Event()

    def sitter():
        with ac.no_grad():
            entered.set()
            release.wait(30)

    t = threading.Thread(target=sitter)
    t.start()
    try:
        assert entered.wait(30)
        x = ac.tensor([1.0, 2.0], requires_grad=True)
        assert (x * x).grad_fn is not None and ac.is_grad_enabled()
    finally:
        release.set()
        t.join()
    assert ac.is_grad_enabled()


def test_new_threads_start_with_recording_on_and_anomaly_off():
    seen = {}
    with ac.no_grad(), ac.detect_anomaly():
        t = threading.Thread(target=lambda: seen.update(
            grad=ac.is_grad_enabled(), anomaly=ac.anomaly.is_anomaly_enabled()))
        t.start()
        t.join()
    assert seen == {"grad": True, "anomaly": False}


@pytest.mark.parametrize("steps", [STEPS])
def test_trainer_with_events_at_every_step(steps):
    """Two trainers in lock step, each waiting for the other after every step: the
    interleaving is forced, the results still the single-threaded ones."""
    ref = [_train(4, steps), _train(5, steps)]
    barrier = threading.Barrier(2, timeout=30)
    got = [None, None]
    _run_threads(lambda: got.__setitem__(0, _train(4, steps, lambda k: barrier.wait())),
                 lambda: got.__setitem__(1, _train(5, steps, lambda k: barrier.wait())))
    _same(got[0], ref[0])
    _same(got[1], ref[1])
