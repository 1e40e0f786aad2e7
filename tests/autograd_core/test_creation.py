"""Creation functions: shapes, dtypes (float32 default), memory sharing, randomness."""
import numpy as np
import pytest

import autograd_core as ac


# -- tensor / as_tensor / from_numpy -----------------------------------------------------
def test_tensor_copies_its_data():
    a = np.array([1.0, 2.0])
    t = ac.tensor(a)
    a[0] = 100.0
    assert t.numpy()[0] == 1.0
    u = ac.tensor(t)
    u.numpy()[1] = 50.0
    assert t.numpy()[1] == 2.0
    assert ac.tensor([1.0], requires_grad=True).requires_grad


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = ac.from_numpy(a)
    assert t.dtype == np.float64 and t.shape == (2, 3)
    a[0, 0] = -1.0
    assert t.numpy()[0, 0] == -1.0
    t.numpy()[1, 2] = 42.0
    assert a[1, 2] == 42.0
    with pytest.raises(TypeError, match="from_numpy: expected np.ndarray, got list"):
        ac.from_numpy([1.0, 2.0])


def test_as_tensor_shares_memory_when_it_can():
    a = np.array([1.0, 2.0])
    t = ac.as_tensor(a)
    assert np.shares_memory(t.numpy(), a)
    assert ac.as_tensor(t) is t
    assert ac.as_tensor(a, dtype=np.float32).dtype == np.float32


# -- constant fills --------------------------------------------------------------------
@pytest.mark.parametrize("fn, value", [(ac.zeros, 0.0), (ac.ones, 1.0)])
def test_zeros_ones(fn, value):
    for args in [(2, 3), ((2, 3),), ([2, 3],)]:
        t = fn(*args)
        assert t.shape == (2, 3) and t.dtype == np.float32
        assert (t.numpy() == value).all()
    assert fn(()).shape == () and fn(0).shape == (0,)
    assert fn(2, dtype=ac.float64).dtype == np.float64
    assert fn(2, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="negative dimension"):
        fn(2, -1)


def test_empty():
    t = ac.empty(3, 2)
    assert t.shape == (3, 2) and t.dtype == np.float32


@pytest.mark.parametrize("fill, dtype", [(2.5, np.float32), (7, np.int64), (True, np.bool_)])
def test_full_infers_dtype_from_the_fill_value(fill, dtype):
    t = ac.full((2, 2), fill)
    assert t.shape == (2, 2) and t.dtype == dtype and (t.numpy() == fill).all()


def test_full_with_dtype_and_int_size():
    t = ac.full(3, 1.5, dtype=ac.float64)
    assert t.shape == (3,) and t.dtype == np.float64
    assert ac.full([2, 1], 0.0, requires_grad=True).requires_grad


# -- ranges -----------------------------------------------------------------------------
def test_arange():
    t = ac.arange(5)
    assert t.dtype == np.int64 and t.tolist() == [0, 1, 2, 3, 4]
    assert ac.arange(2, 8, 2).tolist() == [2, 4, 6]
    f = ac.arange(0, 1, 0.25)
    assert f.dtype == np.float32 and f.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert ac.arange(3, dtype=ac.float64).dtype == np.float64
    assert ac.arange(5, 0, -2).tolist() == [5, 3, 1]
    with pytest.raises(RuntimeError, match="floating point"):
        ac.arange(3, requires_grad=True)


def test_linspace():
    t = ac.linspace(0, 1, 5)
    assert t.dtype == np.float32
    np.testing.assert_allclose(t.numpy(), [0.0, 0.25, 0.5, 0.75, 1.0])
    assert ac.linspace(-1, 1, 1).tolist() == [-1.0]
    assert ac.linspace(0, 1, 3, dtype="float64").dtype == np.float64


def test_eye():
    np.testing.assert_array_equal(ac.eye(3).numpy(), np.eye(3))
    e = ac.eye(2, 3)
    assert e.shape == (2, 3) and e.dtype == np.float32
    np.testing.assert_array_equal(e.numpy(), np.eye(2, 3))


# -- random -----------------------------------------------------------------------------
def test_rand_and_randn_shapes_dtypes_and_ranges():
    ac.manual_seed(0)
    u = ac.rand(200, 50)
    assert u.shape == (200, 50) and u.dtype == np.float32
    assert u.numpy().min() >= 0.0 and u.numpy().max() < 1.0
    assert abs(u.numpy().mean() - 0.5) < 0.01
    n = ac.randn(200, 50, dtype=ac.float64)
    assert n.dtype == np.float64
    assert abs(n.numpy().mean()) < 0.03 and abs(n.numpy().std() - 1.0) < 0.03
    assert ac.randn((2, 3)).shape == (2, 3) and ac.rand(()).shape == ()
    assert ac.randn(2, requires_grad=True).requires_grad


def test_randint():
    ac.manual_seed(1)
    t = ac.randint(3, 10, (1000,))
    assert t.dtype == np.int64 and t.shape == (1000,)
    assert t.numpy().min() == 3 and t.numpy().max() == 9
    assert ac.randint(5, size=(2, 2)).shape == (2, 2)
    assert ac.randint(5, size=4).shape == (4,)
    assert ac.randint(0, 2, (3,), dtype=ac.int32).dtype == np.int32


def test_manual_seed_reproducibility():
    def draw():
        return (ac.rand(4).numpy().copy(), ac.randn(3).numpy().copy(),
                ac.randint(0, 100, (5,)).numpy().copy())

    ac.manual_seed(1234)
    first = draw()
    ac.manual_seed(1234)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert ac.initial_seed() == 1234
    ac.manual_seed(4321)
    third = draw()
    assert not np.array_equal(first[0], third[0])
    with pytest.raises(ValueError, match="non-negative"):
        ac.manual_seed(-1)


def test_explicit_generator_is_independent_of_the_global_one():
    g1, g2 = np.random.default_rng(7), np.random.default_rng(7)
    ac.manual_seed(0)
    a = ac.randn(5, generator=g1)
    ac.rand(10)  # consumes the global generator only
    b = ac.randn(5, generator=g2)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_seed_returns_the_seed_it_used():
    s = ac.seed()
    x = ac.rand(3).numpy().copy()
    ac.manual_seed(s)
    np.testing.assert_array_equal(ac.rand(3).numpy(), x)


# -- *_like ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [ac.zeros_like, ac.ones_like, ac.empty_like, ac.rand_like,
                                ac.randn_like])
def test_like_functions_keep_shape_and_dtype(fn):
    ref = ac.tensor(np.ones((2, 3), dtype=np.float64), requires_grad=True)
    t = fn(ref)
    assert t.shape == (2, 3) and t.dtype == np.float64
    assert not t.requires_grad and t.is_leaf
    assert fn(ref, dtype=ac.float32).dtype == np.float32
    assert fn(ref, requires_grad=True).requires_grad


def test_like_values():
    ref = ac.tensor(np.ones((2, 2)))
    assert (ac.zeros_like(ref).numpy() == 0).all()
    assert (ac.ones_like(ref).numpy() == 1).all()
    f = ac.full_like(ref, 3.5)
    assert f.dtype == np.float64 and (f.numpy() == 3.5).all()
    assert ac.full_like(ac.tensor([1, 2]), 7).dtype == np.int64


@pytest.mark.parametrize("call, match", [
    (lambda: ac.randint(5, 3, (2,)), "randint: low must be less than high"),
    (lambda: ac.linspace(0, 1, -1), "linspace: number of steps must be non-negative"),
    (lambda: ac.arange(0, 5, 0), "arange: step must be nonzero"),
    (lambda: ac.eye(-1), "eye: n and m must be non-negative"),
    (lambda: ac.rand(-2), "negative dimension"),
])
def test_bad_arguments_name_the_function(call, match):
    with pytest.raises(ValueError, match=match):
        call()
