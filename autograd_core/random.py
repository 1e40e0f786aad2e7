"""The global random generator behind ``rand``/``randn``/``randint``, dropout masks and
initializers. ``manual_seed(seed)`` makes a run reproducible."""
import threading

import numpy as np

__all__ = ["manual_seed", "default_generator", "seed", "initial_seed", "dropout_key"]


class _Gen:
    seed = 0
    rng = np.random.default_rng(0)


_G = _Gen()


def manual_seed(seed):
    """Reseed the global generator (numpy PCG64)."""
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be non-negative, got {seed}")
    _G.seed = seed
    _G.rng = np.random.default_rng(seed)
    return _G.rng


def seed():
    """Seed the global generator from OS entropy; returns the seed used."""
    s = int(np.random.SeedSequence().entropy % (2**63))
    manual_seed(s)
    return s


def initial_seed():
    return _G.seed


def default_generator():
    """The current global ``numpy.random.Generator``."""
    return _G.rng


_KEYS = threading.local()  # per thread: the dropout kernels' key array


def dropout_key(generator=None):
    """The key of the next dropout mask: a one-element uint64 array, refreshed in place
    with a 63-bit draw from ``generator`` (default: the global generator) and read by
    the dropout kernel when it runs (state that changes every step lives in an array,
    not in the call). The array is reused per thread."""
    gen = _G.rng if generator is None else generator
    key = getattr(_KEYS, "key", None)
    if key is None:
        key = _KEYS.key = np.zeros(1, dtype=np.uint64)
    key[0] = int(gen.integers(0, 2**63, dtype=np.int64))
    return key
