"""In-place methods. (Being extended.)"""
__all__ = ["InplaceMethods"]


class InplaceMethods:
    __slots__ = ()
