"""The global random generator behind ``rand``/``randn``/``randint``, dropout masks and
initializers. ``manual_seed(seed)`` makes a run reproducible."""
import numpy as np

__all__ = ["manual_seed", "default_generator", "seed", "initial_seed"]


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
