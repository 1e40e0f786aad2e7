"""Gradient-recording mode: ``no_grad`` / ``enable_grad`` / ``set_grad_enabled``.

The flag is per thread, as in PyTorch: one thread's ``no_grad`` (or the walk of its
``backward()``) never changes what another thread records. It is read by the one glue
routine in ``tensor.py`` (as ``not GRAD.changed or GRAD.get()``: see ``thread_flag``);
the context managers double as decorators.
"""
import functools

from .thread_flag import ThreadFlag

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]


#: recording on or off, per thread; every new thread starts with recording on
GRAD = ThreadFlag(True)


def is_grad_enabled():
    """True when operations are being recorded for backward."""
    return GRAD.get()


class _GradMode:
    """Base for the grad-mode context managers; usable as a decorator."""

    mode = True

    def __enter__(self):
        self._prev = GRAD.get()
        GRAD.set(self.mode)
        return self

    def __exit__(self, *exc):
        GRAD.set(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class _BareDecorator(_GradMode):
    """Also usable without parentheses, as in PyTorch: ``@no_grad`` as well as ``@no_grad()``."""

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)


class no_grad(_BareDecorator):
    """Context manager / decorator: nothing is recorded or saved inside."""

    mode = False


class enable_grad(_BareDecorator):
    """Context manager / decorator: recording is on inside (e.g. within no_grad)."""

    mode = True


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(mode)``: recording on or off, as a context manager."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev = GRAD.get()
        GRAD.set(self.mode)  # like PyTorch, it also works as a plain call

    def __enter__(self):
        return self

    def __call__(self, fn):
        mode = self.mode
        GRAD.set(self._prev)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper
