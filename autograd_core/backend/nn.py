"""nn on arrays (filled in as the nn primitives move onto the namespace)."""
from .namespace import ARRAYS, IGNORE  # noqa: F401

define = ARRAYS.define
