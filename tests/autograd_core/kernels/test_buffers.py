"""The caching allocator for large kernel outputs (autograd_core/kernels/buffers.py):
a block is handed out again only when nothing refers to its memory."""
import threading

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.kernels import buffers as B
from autograd_core.kernels import activations as E
from autograd_core.kernels import dropout as DO
from autograd_core.kernels import reduce as R

N = B.THRESHOLD // 4  # float32 elements of the smallest pooled request


@pytest.fixture(autouse=True)
def fresh_pool():
    old = B.limit()
    B.set_limit(256 << 20)
    B.empty_cache()
    yield
    B.set_limit(old)
    B.empty_cache()


def _addr(a):
    return a.__array_interface__["data"][0]


def test_small_requests_are_plain_numpy():
    a = B.empty((N - 1,), np.float32)
    assert a.flags.owndata and a.base is None
    assert B.cached_bytes() == 0


@pytest.mark.parametrize("shape, dtype", [
    ((N,), np.float32), ((N // 8, 8), np.float32), ((3, N // 3, 2), np.float64),
    ((N * 4 + 3,), np.bool_), ((N // 2 + 1,), np.int64), ((N // 4, 2), np.complex128),
    (N, np.float32),
])
def test_dtype_shape_alignment(shape, dtype):
    a = B.empty(shape, dtype)
    want = (shape,) if isinstance(shape, int) else shape
    assert a.shape == want and a.dtype == np.dtype(dtype) and type(a) is np.ndarray
    assert a.flags.c_contiguous and a.flags.writeable and a.flags.aligned
    assert _addr(a) % B.ALIGN == 0
    assert a.nbytes >= B.THRESHOLD and not a.flags.owndata  # really from the pool
    assert B.owns_data(a) and not B.owns_data(a[1:])
    a[...] = 1  # the whole extent is writable memory
    assert (a == 1).all()


def test_reuse_only_after_the_last_reference_dies():
    a = B.empty(N, np.float32)
    p = _addr(a)
    del a
    b = B.empty(N, np.float32)
    assert _addr(b) == p  # reuse does happen (else the pool is useless)
    c = B.empty(N, np.float32)  # b is alive: c must get other memory
    assert not np.shares_memory(b, c)
    b[:] = 1.0
    c[:] = 2.0
    assert (b == 1.0).all()


@pytest.mark.parametrize("make_view", [
    lambda a: a[1::3], lambda a: a.reshape(-1, 4).T, lambda a: a.view(np.int32),
    lambda a: memoryview(a), lambda a: np.asarray(a)[:10], lambda a: a.base[:100],
])
def test_views_keep_the_block_alive(make_view):
    a = B.empty(N, np.float32)
    a[:] = 7.0
    v = make_view(a)
    del a
    others = [B.empty(N, np.float32) for _ in range(3)]  # would take the block if free
    for o in others:
        assert not np.shares_memory(np.asarray(v), o)
        o[:] = -1.0
    w = np.asarray(v)
    assert (w.view(np.float32) == 7.0).all()
    del v, w, o, others


def test_block_returns_when_views_die():
    a = B.empty(N, np.float32)
    v = a[5:]
    del a
    assert B.cached_bytes() == 0
    del v
    assert B.cached_bytes() >= B.THRESHOLD


def test_cap_respected_and_oldest_evicted():
    one = B.empty(N, np.float32).base.base.nbytes  # a block's size (freed at once)
    B.set_limit(2 * one + one // 2)
    arrays = [B.empty(N, np.float32) for _ in range(5)]
    for a in arrays:
        a[:] = 1
    del a, arrays
    assert B.cached_bytes() == 2 * one
    big = B.empty(4 * N, np.float32)  # its block alone exceeds the limit: freed on return
    del big
    assert B.cached_bytes() <= B.limit()
    B.set_limit(one)
    assert B.cached_bytes() == one


def test_empty_cache_frees_idle_blocks_only():
    keep = B.empty(N, np.float32)
    keep[:] = 3.0
    drop = B.empty(N, np.float32)
    del drop
    idle = B.cached_bytes()
    assert idle > 0
    assert ac.empty_cache() == idle
    assert B.cached_bytes() == 0
    assert (keep == 3.0).all()
    del keep  # a live array's block comes back afterwards, as usual
    assert B.cached_bytes() > 0


def test_limit_zero_turns_pooling_off():
    B.set_limit(0)
    a = B.empty(N, np.float32)
    assert a.flags.owndata
    with pytest.raises(ValueError):
        B.set_limit(-1)


def test_finaliser_never_waits_for_the_lock():
    # a block coming back while the lock is held (here: by the same thread, as when
    # the garbage collector runs inside empty()) is queued, not deadlocked on
    a = B.empty(N, np.float32)
    done = []

    def worker(arr):
        with B._lock:
            del arr[0]
        done.append(True)

    box = [a]
    del a
    t = threading.Thread(target=worker, args=(box,))
    t.start()
    t.join(10)
    assert done, "finaliser blocked on the pool's lock"
    assert B.cached_bytes() >= B.THRESHOLD  # the queued block is filed on the next call


def test_threads_never_share_live_memory():
    errors = []
    start = threading.Barrier(4)

    def worker(k):
        rng = np.random.default_rng(k)
        live = []
        start.wait()
        for i in range(60):
            n = N * int(rng.integers(1, 3))
            a = B.empty(n, np.float32)
            a[:] = k * 1000 + i
            live.append((a, k * 1000 + i))
            if len(live) > 2 or rng.random() < 0.5:
                b, val = live.pop(int(rng.integers(len(live))))
                if not (b == val).all():
                    errors.append((k, i))
        for b, val in live:
            if not (b == val).all():
                errors.append((k, "end"))

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert B.cached_bytes() <= B.limit()


def test_kernels_return_pooled_arrays_equal_to_their_twins():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(N).astype(np.float32)
    y = E.sigmoid(x)
    assert not y.flags.owndata and B.owns_data(y)
    np.testing.assert_allclose(y, E.sigmoid_np(x), rtol=1e-6)
    g = E.sigmoid_backward(x, y)  # an output fed back in as an input
    np.testing.assert_allclose(g, E.sigmoid_backward_np(x, y), rtol=1e-6)
    s = R.softmax(x.reshape(-1, 1024), -1)
    np.testing.assert_allclose(s, R.softmax_np(x.reshape(-1, 1024), -1), rtol=1e-5,
                               atol=1e-9)
    out, mask = DO.dropout_forward(x, 3, int(0.8 * 2 ** 32), 1.25)
    o2, m2 = DO.dropout_forward_np(x, 3, int(0.8 * 2 ** 32), 1.25)
    assert (mask == m2).all() and (out == o2).all()
    for arr in (y, g, s, out):
        assert not any(np.shares_memory(arr, o) for o in (y, g, s, out) if o is not arr)
