"""Indexing ops. (Being extended.)"""
__all__ = ["IndexMethods"]


class IndexMethods:
    __slots__ = ()
