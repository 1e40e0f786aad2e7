"""A flag with one value per thread (grad mode, anomaly mode), cheap to read.

Reading a ``threading.local`` costs several times a plain attribute, and the grad-mode
flag is read by every op. So each flag also keeps the set of threads whose value is not
the default: while it is empty (nearly always: no thread is inside ``no_grad``), the
value is the default for every thread and the hot path reads only that set
(``not flag.changed``). A thread joins the set when it changes its value away from the
default and leaves it when it changes it back or ends.
"""
import threading

__all__ = ["ThreadFlag"]


class _Member:
    """Held in a thread's local storage while its value differs from the default; its
    removal (by ``set`` or by the thread's end freeing that storage) leaves the set."""

    __slots__ = ("members", "__weakref__")

    def __init__(self, members):
        self.members = members
        members.add(self)

    def __del__(self):
        self.members.discard(self)


class ThreadFlag:
    """``get()`` / ``set(value)`` per thread; every thread starts at ``default``."""

    def __init__(self, default):
        self.default = default
        self.changed = set()  # one _Member per thread whose value is not the default
        self._local = threading.local()

    def get(self):
        if not self.changed:
            return self.default
        return getattr(self._local, "value", self.default)

    def set(self, value):
        local = self._local
        local.value = value
        if value == self.default:
            member = local.__dict__.pop("member", None)
            if member is not None:
                member.members.discard(member)
        elif "member" not in local.__dict__:
            local.member = _Member(self.changed)
