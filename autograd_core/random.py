"""Random generators: ``Generator`` objects (PyTorch's API over numpy's PCG64) and the
global default one behind ``rand``/``randn``/``randint``, dropout masks and initializers.
``manual_seed(seed)`` makes a run reproducible; ``generator=`` on every sampling
function draws from a private generator instead, leaving the global stream alone.

A ``Generator`` seeded with ``s`` produces the same stream as the global generator after
``manual_seed(s)`` (both are ``numpy.random.default_rng(s)``); the streams are not
PyTorch's (bit-identity with torch's Mersenne Twister is not a goal).
"""
import threading

import numpy as np

__all__ = ["Generator", "manual_seed", "default_generator", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "numpy_rng", "dropout_key"]

_DEFAULT_SEED = 67280421310721  # what a fresh torch.Generator() reports as initial_seed
_STATE_BYTES = 48  # PCG64 state (16) + increment (16) + buffered uint32 (flag 4, value 4) + seed (8)


def _check_seed(op, seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        try:
            seed = int(seed)  # 0-d integer tensors, floats that are integers
        except (TypeError, ValueError):
            raise TypeError(f"{op}: seed must be an integer, got {type(seed).__name__}") from None
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"{op}: seed must be non-negative, got {seed}")
    return seed


class Generator:
    """A random number generator (``torch.Generator``-style):
    ``g = Generator().manual_seed(2147483647)``, then ``generator=g`` on ``randn``,
    ``rand``, ``randint``, ``randperm``, ``normal``, ``multinomial``, ``bernoulli``,
    ``Tensor.normal_``/``uniform_``/``bernoulli_`` and ``nn.init``. ``device`` is accepted
    and must be ``"cpu"``."""

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise ValueError(f"Generator: only device='cpu' is supported, got {device!r}")
        self.device = "cpu"
        self._set(_DEFAULT_SEED)

    def _set(self, seed):
        self._seed = seed
        self._rng = np.random.default_rng(seed)

    def manual_seed(self, seed):
        """Reseed (a non-negative integer); returns the generator, so that
        ``Generator().manual_seed(s)`` reads as in PyTorch."""
        self._set(_check_seed("Generator.manual_seed", seed))
        return self

    def seed(self):
        """Reseed from OS entropy; returns the seed used."""
        s = int(np.random.SeedSequence().entropy % (2**63))
        self._set(s)
        return s

    def initial_seed(self):
        """The seed the current stream started from."""
        return self._seed

    def get_state(self):
        """The generator's state as a uint8 Tensor (pass it to ``set_state``)."""
        from .tensor import Tensor  # random is imported below tensor; this runs later

        st = self._rng.bit_generator.state
        raw = b"".join([
            st["state"]["state"].to_bytes(16, "little"),
            st["state"]["inc"].to_bytes(16, "little"),
            int(st["has_uint32"]).to_bytes(4, "little"),
            int(st["uinteger"]).to_bytes(4, "little"),
            self._seed.to_bytes(8, "little"),
        ])
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from ``get_state``; returns the generator."""
        arr = np.asarray(getattr(new_state, "_data", new_state))
        if arr.dtype != np.uint8 or arr.shape != (_STATE_BYTES,):
            raise ValueError(
                f"Generator.set_state: expected a uint8 tensor of shape ({_STATE_BYTES},) from "
                f"get_state(), got dtype {arr.dtype} and shape {tuple(arr.shape)}")
        raw = arr.tobytes()
        rng = np.random.default_rng()
        rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[0:16], "little"),
                      "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": int.from_bytes(raw[32:36], "little"),
            "uinteger": int.from_bytes(raw[36:40], "little"),
        }
        self._rng = rng
        self._seed = int.from_bytes(raw[40:48], "little")
        return self

    def __repr__(self):
        return f"<autograd_core.Generator initial_seed={self._seed}>"


_G = Generator()
_G._set(0)  # the global stream starts from seed 0, as it always has


def manual_seed(seed):
    """Reseed the global generator (numpy PCG64); returns it."""
    _G._set(_check_seed("manual_seed", seed))
    return _G


def seed():
    """Seed the global generator from OS entropy; returns the seed used."""
    return _G.seed()


def initial_seed():
    return _G.initial_seed()


def get_rng_state():
    """The global generator's state (a uint8 Tensor for ``set_rng_state``)."""
    return _G.get_state()


def set_rng_state(new_state):
    """Restore the global generator's state from ``get_rng_state``."""
    _G.set_state(new_state)


def default_generator():
    """The current global ``numpy.random.Generator``."""
    return _G._rng


def numpy_rng(generator, op="random"):
    """The ``numpy.random.Generator`` to draw from: the global one for None, the stream
    of an autograd_core ``Generator``, or a ``numpy.random.Generator`` as it is."""
    if generator is None:
        return _G._rng
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{op}: generator must be an autograd_core.Generator (or a "
                    f"numpy.random.Generator), got {type(generator).__name__}")


_KEYS = threading.local()  # per thread: the dropout kernels' key array


def dropout_key(generator=None):
    """The key of the next dropout mask: a one-element uint64 array, refreshed in place
    with a 63-bit draw from ``generator`` (default: the global generator) and read by
    the dropout kernel when it runs (state that changes every step lives in an array,
    not in the call). The array is reused per thread."""
    gen = numpy_rng(generator, "dropout")
    key = getattr(_KEYS, "key", None)
    if key is None:
        key = _KEYS.key = np.zeros(1, dtype=np.uint64)
    key[0] = int(gen.integers(0, 2**63, dtype=np.int64))
    return key
