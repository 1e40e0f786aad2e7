"""kernels.split: large exp/log kernel calls shared between the caller and helper threads.

Results must be bitwise those of the serial loops; one thread never splits; errors in a
helper reach the caller; concurrent callers and forked children work."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from autograd_core import kernels
from autograd_core.kernels import activations as E, blas, reduce as R, split as S

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))

pytestmark = pytest.mark.skipif(not kernels.USE_NUMBA, reason="Numba kernels switched off")

#: kernels with a split driver: name -> (function, number of array inputs, parameters)
EW = {
    "sigmoid": (E.sigmoid, 1, ()),
    "elu": (E.elu, 1, (0.7,)),
    "elu_backward": (E.elu_backward, 2, (0.7,)),
    "softplus": (E.softplus, 1, (1.0, 20.0)),
    "softplus_beta3": (E.softplus, 1, (3.0, 5.0)),
    "softplus_backward": (E.softplus_backward, 2, (2.0, 10.0)),
}
#: row kernels with a split driver: name -> (function, number of array inputs)
ROWS = {
    "softmax": (R.softmax, 1),
    "log_softmax": (R.log_softmax, 1),
    "log_softmax_backward": (R.log_softmax_backward, 2),
}


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """Every test starts with the back-off clear (and leaves it as it found it)."""
    monkeypatch.setitem(S._backoff, "skip", 0)
    monkeypatch.setitem(S._backoff, "length", 1)


@pytest.fixture
def two_threads(monkeypatch):
    """Split from tiny sizes on, in small chunks, with 2 threads; records every share()."""
    calls = []
    real = S.share

    def spy(driver, args, total, chunk):
        calls.append((driver, total, chunk))
        return real(driver, args, total, chunk)

    monkeypatch.setattr(S, "MIN_SIZE", 1)
    monkeypatch.setattr(S, "CHUNK", 1000)
    monkeypatch.setattr(S, "threads", lambda: 2)
    monkeypatch.setattr(S, "share", spy)
    return calls


def _data(n, dtype, k, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(k):
        a = (rng.standard_normal(n) * 8).astype(dtype)
        a[:: 97] = 0.0
        out.append(a)
    out[0][5] = np.nan  # NaN passes through every kernel
    out[0][7] = np.inf
    out[0][11] = -np.inf
    return out


def _serial(fn, *args, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(S, "MIN_SIZE", 1 << 62)
        return fn(*args)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1000 * 7 + 13, 100_003])  # not a multiple of the chunk
@pytest.mark.parametrize("name", sorted(EW))
def test_elementwise_split_is_bitwise_serial(name, n, dtype, two_threads, monkeypatch):
    fn, k, params = EW[name]
    arrays = _data(n, dtype, k)
    ref = _serial(fn, *arrays, *params, monkeypatch=monkeypatch)
    two_threads.clear()
    got = fn(*arrays, *params)
    assert len(two_threads) == 1 and two_threads[0][1:] == (n, 1000)  # it did split
    assert got.dtype == ref.dtype and got.shape == ref.shape
    assert got.tobytes() == ref.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1037, 33), (5, 7, 129), (3001, 1)])
@pytest.mark.parametrize("name", sorted(ROWS))
def test_row_split_is_bitwise_serial(name, shape, dtype, two_threads, monkeypatch):
    fn, k = ROWS[name]
    n = int(np.prod(shape))
    arrays = [a.reshape(shape) for a in _data(n, dtype, k, seed=1)]
    if name == "log_softmax_backward":
        arrays[1] = R.log_softmax(arrays[1], -1)  # y: a log-softmax output
    ref = _serial(fn, *arrays, -1, monkeypatch=monkeypatch)
    two_threads.clear()
    got = fn(*arrays, -1)
    rows = n // shape[-1]
    assert len(two_threads) == 1
    assert two_threads[0][1:] == (rows, max(1, 1000 // shape[-1]))  # split by rows
    assert got.tobytes() == ref.tobytes()


def test_every_chunk_written_exactly_once(monkeypatch):
    """share() on a fresh output prefilled with NaN: every element gets the loop's value
    (a chunk skipped would leave NaN; the pooled outputs of the public path could hide
    that by holding an earlier identical result)."""
    monkeypatch.setattr(S, "threads", lambda: 2)
    x = np.linspace(-30, 30, 123_457).astype(np.float32)
    ref = np.empty_like(x)
    E._sigmoid_nb(x, ref)
    for chunk in (1, 999, 4096, 123_456, 123_457, 10 ** 6):
        out = np.full_like(x, np.nan)
        S.share(E._sigmoid_split, (x, out), x.size, chunk)
        assert out.tobytes() == ref.tobytes(), chunk


def test_small_calls_and_one_thread_never_split(monkeypatch):
    x = np.ones(5000, np.float32)
    calls = []
    monkeypatch.setattr(S, "share", lambda *a: calls.append(a))
    monkeypatch.setattr(S, "MIN_SIZE", 5001)
    monkeypatch.setattr(S, "threads", lambda: 2)
    E.sigmoid(x)  # below the threshold
    monkeypatch.setattr(S, "MIN_SIZE", 1)
    monkeypatch.setattr(S, "threads", lambda: 1)
    E.sigmoid(x)
    R.softmax(x.reshape(50, 100), -1)
    assert calls == []


def test_threads_follow_the_library_count(monkeypatch):
    monkeypatch.setitem(blas._state, "explicit", 1)  # as after set_num_threads(1)
    assert S.threads() == 1 and not S.use(1 << 30)
    monkeypatch.setitem(blas._state, "explicit", 3)
    assert S.threads() == 3
    monkeypatch.setattr(S, "MIN_SIZE", 100)
    assert S.use(100) and not S.use(99)


def test_helper_error_reaches_the_caller(monkeypatch):
    """A Python driver: the helper raises once it has a chunk; the caller gets the error,
    and only after the helper has left (its chunk counted as finished)."""
    monkeypatch.setattr(S, "threads", lambda: 2)
    main = threading.get_ident()
    started = threading.Event()
    left = []

    def driver(work, out):
        if threading.get_ident() != main:
            started.set()
            try:
                raise ValueError("boom in helper")
            finally:
                left.append(True)
        assert started.wait(10)  # the helper really joined this call

    with pytest.raises(ValueError, match="boom in helper"):
        S.share(driver, (None,), 10, 1)
    assert left == [True]
    # the pool still works afterwards
    out = np.full(10_000, np.nan, np.float32)
    x = np.zeros(10_000, np.float32)
    S.share(E._sigmoid_split, (x, out), x.size, 100)
    assert (out == 0.5).all()


def test_caller_error_waits_for_helpers(monkeypatch):
    monkeypatch.setattr(S, "threads", lambda: 2)
    main = threading.get_ident()
    inside, release, done = threading.Event(), threading.Event(), []

    def driver(work, out):
        if threading.get_ident() != main:
            inside.set()
            release.wait(10)
            done.append(True)
            return
        assert inside.wait(10)
        threading.Timer(0.05, release.set).start()
        raise KeyError("caller")

    with pytest.raises(KeyError):
        S.share(driver, (None,), 10, 1)
    assert done == [True]  # share returned only after the helper finished


def test_helper_does_chunks_and_waits_block(monkeypatch):
    """A Python driver that hands out chunks under a lock: the helper thread takes some,
    every chunk is done once, and an idle helper is blocked (not running)."""
    monkeypatch.setattr(S, "threads", lambda: 2)
    lock = threading.Lock()
    who = {}
    helper_in = threading.Event()
    main = threading.get_ident()

    def driver(work, out):
        if threading.get_ident() == main:
            assert helper_in.wait(10)
        else:
            helper_in.set()
        while True:
            with lock:
                c = int(work[0])
                work[0] += 1
            lo = c * work[1]
            if lo >= work[2]:
                return
            hi = min(lo + work[1], work[2])
            out[lo:hi] += 1
            who.setdefault(threading.get_ident(), 0)
            who[threading.get_ident()] += 1
            with lock:
                work[3] += hi - lo  # what span() records in a Numba driver
            threading.Event().wait(0.001)  # let the other thread in

    out = np.zeros(1000, np.int64)
    S.share(driver, (out,), out.size, 10)
    assert (out == 1).all()
    assert len(who) == 2 and sum(who.values()) == 100
    helpers = [t for t in threading.enumerate() if t.name.startswith("autograd_core-split")]
    assert helpers and all(t.daemon for t in helpers)


def test_two_user_threads_at_once(two_threads, monkeypatch):
    xs = _data(200_001, np.float32, 2, seed=3)
    refs = [_serial(E.sigmoid, x, monkeypatch=monkeypatch) for x in xs]
    errors, bad = [], []
    barrier = threading.Barrier(2)

    def user(i):
        try:
            barrier.wait(10)
            for _ in range(20):
                if E.sigmoid(xs[i]).tobytes() != refs[i].tobytes():
                    bad.append(i)
        except BaseException as e:
            errors.append(e)

    ts = [threading.Thread(target=user, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert not errors and not bad
    assert len(two_threads) == 40


def _run(code, **env):
    full = {k: v for k, v in os.environ.items() if k != "AUTOGRAD_CORE_SPLIT_MIN"}
    full.update(PYTHONPATH=ROOT, **env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=full, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip()


def test_env_threshold_and_one_thread_process():
    code = ("import threading, numpy as np, autograd_core as ac\n"
            "from autograd_core.kernels import activations as E, split as S\n"
            "print(S.MIN_SIZE)\n"
            "ac.set_num_threads(1)\n"
            "E.sigmoid(np.ones(300_000, np.float32))\n"
            "print(S.pool_size(), threading.active_count())\n")
    assert _run(code, AUTOGRAD_CORE_SPLIT_MIN="12345").splitlines() == ["12345", "0 1"]
    default = _run("from autograd_core.kernels import split as S; print(S.MIN_SIZE)")
    assert default == str(1 << 20)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_after_fork_the_child_gets_its_own_helpers():
    code = (
        "import os, threading, numpy as np\n"
        "from autograd_core.kernels import activations as E, split as S\n"
        "S.threads = lambda: 2\n"
        "x = np.linspace(-5, 5, 300_001).astype(np.float32)\n"
        "ref = np.empty_like(x); E._sigmoid_nb(x, ref)\n"
        "a = E.sigmoid(x)\n"  # parent's pool started
        "assert S.pool_size() == 1 and a.tobytes() == ref.tobytes()\n"
        "lock = S._pool.lock; lock.acquire()\n"  # held at the fork: the child must not hang
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    ok = S.pool_size() == 0\n"
        "    main = threading.get_ident(); seen = threading.Event()\n"
        "    def driver(work, out):\n"
        "        if threading.get_ident() != main: seen.set()\n"
        "        else: seen.wait(10); work[3] = work[2]\n"
        "    S.share(driver, (None,), 10, 1)\n"
        "    ok = ok and seen.is_set() and S.pool_size() == 1\n"
        "    ok = ok and E.sigmoid(x).tobytes() == ref.tobytes()\n"
        "    os._exit(0 if ok else 3)\n"
        "lock.release()\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print(os.waitstatus_to_exitcode(status))\n"
    )
    assert _run(code, AUTOGRAD_CORE_SPLIT_MIN="1000") == "0"


def test_backoff_after_helpers_did_nothing(monkeypatch):
    """A call the helpers took under a quarter of makes the next 1, then 2, 4 ... calls
    run alone (no post: no _Call made); a call the helpers shared in resets it."""
    monkeypatch.setattr(S, "threads", lambda: 2)
    posted = []
    real_call = S._Call

    def spy(*a):
        posted.append(1)
        return real_call(*a)

    monkeypatch.setattr(S, "_Call", spy)
    main = threading.get_ident()

    def alone(work, out):  # the caller does everything; a helper that joins finds nothing
        if threading.get_ident() != main:
            return 0
        work[3] = work[2]
        return int(work[2])

    S.share(alone, (None,), 10, 1)
    assert S._backoff == {"skip": 1, "length": 2} and len(posted) == 1
    S.share(alone, (None,), 10, 1)  # skipped: run alone, not posted
    assert len(posted) == 1 and S._backoff["skip"] == 0
    S.share(alone, (None,), 10, 1)  # posted again, helpers idle again: back off longer
    assert len(posted) == 2 and S._backoff == {"skip": 2, "length": 4}
    before = S.shared_calls()
    for _ in range(2):
        S.share(alone, (None,), 10, 1)
    assert len(posted) == 2 and S.shared_calls() == before + 2

    lock, half = threading.Lock(), threading.Barrier(2)

    def shared(work, out):  # each thread does half the items
        half.wait(10)
        with lock:
            work[3] += 5
        return 5

    S.share(shared, (None,), 10, 1)
    assert len(posted) == 3 and S._backoff == {"skip": 0, "length": 1}
