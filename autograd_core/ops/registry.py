"""The op registry: every primitive, by name. Tests parametrize over it and the graph
drawing takes its labels from it, so it is the single source of truth."""

__all__ = ["REGISTRY", "register"]

#: name -> Function subclass
REGISTRY = {}


def register(name, family):
    """Class decorator: record a primitive under ``name`` in ``family``
    ('arith', 'elementwise', 'reduce', 'shape', 'index', 'linalg', 'compare', 'nn')."""

    def deco(cls):
        if name in REGISTRY and REGISTRY[name] is not cls:
            raise ValueError(f"op name {name!r} registered twice")
        cls.name = name
        cls.family = family
        REGISTRY[name] = cls
        return cls

    return deco
