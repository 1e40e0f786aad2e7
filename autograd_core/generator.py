"""``Generator``: PyTorch's random-generator object over a ``random.Stream``
(``g = Generator().manual_seed(2147483647)``, then ``generator=g`` on the sampling
functions), and the global generator's functions as PyTorch spells them:
``manual_seed`` (returns ``default_generator``), ``seed``, ``initial_seed``,
``get_rng_state``/``set_rng_state``. Streams are numpy's PCG64, not PyTorch's."""
from . import random as _random
from .tensor import Tensor

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state"]

_DEFAULT_SEED = 67280421310721  # what a fresh torch.Generator() reports as initial_seed


class Generator(_random.Stream):
    """A random number generator: ``manual_seed(s)`` (returns self), ``seed()``,
    ``initial_seed()``, ``get_state()`` (a uint8 Tensor) / ``set_state(t)``. Pass it as
    ``generator=`` to ``randn``, ``rand``, ``randint``, ``randperm``, ``normal``,
    ``multinomial``, ``bernoulli``, ``Tensor.normal_``/``uniform_``/``bernoulli_``,
    ``nn.init`` and ``DataLoader``/``random_split``. ``device`` must be ``"cpu"``."""

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise ValueError(f"Generator: only device='cpu' is supported, got {device!r}")
        super().__init__(_DEFAULT_SEED)
        self.device = "cpu"

    @classmethod
    def _view(cls, stream):
        """A Generator over ``stream``'s state (the same stream, not a copy)."""
        g = cls.__new__(cls)
        _random.Stream.__init__(g, state=stream._s)
        g.device = "cpu"
        return g

    def get_state(self):
        """The generator's state as a uint8 Tensor (pass it to ``set_state``)."""
        return Tensor._make(self._state_array())

    def set_state(self, new_state):
        """Restore a state from ``get_state``; returns the generator."""
        self._load_state(getattr(new_state, "_data", new_state), "Generator.set_state")
        return self

    def __repr__(self):
        return f"<autograd_core.Generator initial_seed={self.initial_seed()}>"


#: the global generator (``torch.default_generator``): a view of the global stream
default_generator = Generator._view(_random._G)


def manual_seed(seed):
    """Reseed the global generator; returns it."""
    return default_generator.manual_seed(_random.check_seed("manual_seed", seed))


def seed():
    """Seed the global generator from OS entropy; returns the seed used."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    """The global generator's state (a uint8 Tensor for ``set_rng_state``)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the global generator's state from ``get_rng_state``."""
    default_generator.set_state(new_state)
