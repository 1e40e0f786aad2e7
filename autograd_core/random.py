"""Random streams: the state behind ``Generator`` objects (numpy's PCG64 plus the seed)
and the global default stream behind ``rand``/``randn``/``randint``, dropout masks and
initializers. ``manual_seed(seed)`` makes a run reproducible; ``generator=`` on every
sampling function draws from a private stream instead, leaving the global one alone.

This module is a leaf (it imports no Tensor): ``generator.py`` builds the public
``Generator`` on ``Stream`` (its ``get_state`` returns a Tensor). A stream seeded with
``s`` draws what ``numpy.random.default_rng(s)`` draws, so a ``Generator`` seeded with
``s`` and the global stream after ``manual_seed(s)`` agree; neither is PyTorch's stream.
"""
import threading

import numpy as np

__all__ = ["Stream", "manual_seed", "default_generator", "seed", "initial_seed",
           "numpy_rng", "dropout_key", "check_seed"]

_STATE_BYTES = 48  # PCG64 state (16) + increment (16) + buffered uint32 (flag 4, value 4) + seed (8)


def check_seed(op, seed):
    """``seed`` as a non-negative Python int; TypeError/ValueError naming ``op``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        try:
            seed = int(seed)  # 0-d integer tensors
        except (TypeError, ValueError):
            raise TypeError(f"{op}: seed must be an integer, got {type(seed).__name__}") from None
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"{op}: seed must be non-negative, got {seed}")
    return seed


class _State:
    """The seed a stream started from and its numpy Generator (shared by every view of
    one stream: the global stream has two, ``random._G`` and ``generator.default_generator``)."""

    __slots__ = ("seed", "rng")

    def __init__(self, seed):
        self.seed = seed
        self.rng = np.random.default_rng(seed)


class Stream:
    """A seedable random stream: ``manual_seed``, ``seed``, ``initial_seed``, and the
    state as raw bytes (``_state_array`` / ``_load_state``)."""

    def __init__(self, seed=0, state=None):
        self._s = _State(seed) if state is None else state

    @property
    def _rng(self):
        return self._s.rng

    def _set(self, seed):
        self._s.seed = seed
        self._s.rng = np.random.default_rng(seed)

    def manual_seed(self, seed):
        """Reseed (a non-negative integer); returns self, so that
        ``Generator().manual_seed(s)`` reads as in PyTorch."""
        self._set(check_seed(f"{type(self).__name__}.manual_seed", seed))
        return self

    def seed(self):
        """Reseed from OS entropy; returns the seed used."""
        s = int(np.random.SeedSequence().entropy % (2**63))
        self._set(s)
        return s

    def initial_seed(self):
        """The seed the current stream started from."""
        return self._s.seed

    def _state_array(self):
        """The state as a uint8 array of ``_STATE_BYTES`` bytes."""
        st = self._s.rng.bit_generator.state
        raw = b"".join([
            st["state"]["state"].to_bytes(16, "little"),
            st["state"]["inc"].to_bytes(16, "little"),
            int(st["has_uint32"]).to_bytes(4, "little"),
            int(st["uinteger"]).to_bytes(4, "little"),
            self._s.seed.to_bytes(8, "little"),
        ])
        return np.frombuffer(raw, dtype=np.uint8).copy()

    def _load_state(self, arr, op):
        """Restore a state from ``_state_array``'s bytes (checked first: nothing changes
        on a bad one)."""
        arr = np.asarray(arr)
        if arr.dtype != np.uint8 or arr.shape != (_STATE_BYTES,):
            raise ValueError(
                f"{op}: expected a uint8 tensor of shape ({_STATE_BYTES},) from get_state(), "
                f"got dtype {arr.dtype} and shape {tuple(arr.shape)}")
        raw = arr.tobytes()
        rng = np.random.default_rng()
        rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[0:16], "little"),
                      "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": int.from_bytes(raw[32:36], "little"),
            "uinteger": int.from_bytes(raw[36:40], "little"),
        }
        self._s.rng = rng
        self._s.seed = int.from_bytes(raw[40:48], "little")


_G = Stream(0)  # the global stream starts from seed 0, as it always has


def manual_seed(seed):
    """Reseed the global stream (numpy PCG64); returns it. ``autograd_core.manual_seed``
    is ``generator.manual_seed``, which returns the global ``Generator``."""
    _G._set(check_seed("manual_seed", seed))
    return _G


def seed():
    """Seed the global stream from OS entropy; returns the seed used."""
    return _G.seed()


def initial_seed():
    return _G.initial_seed()


def default_generator():
    """The current global ``numpy.random.Generator``."""
    return _G._s.rng


def numpy_rng(generator, op="random"):
    """The ``numpy.random.Generator`` to draw from: the global one for None, the stream
    of an autograd_core ``Generator``, or a ``numpy.random.Generator`` as it is."""
    if generator is None:
        return _G._s.rng
    if isinstance(generator, Stream):
        return generator._s.rng
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
