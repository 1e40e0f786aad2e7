"""Primitive ops, one class each, grouped by family; see ``registry.REGISTRY``.

Each family module also holds a mixin of the Tensor methods that call its
primitives (``Tensor`` inherits them), so an op's forward, backward and front-end
method sit in one file.
"""
from .registry import REGISTRY, register

__all__ = ["REGISTRY", "register"]
