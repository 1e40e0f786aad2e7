"""Hypothesis strategies for reduction tests: a shape with a dim argument drawn for it."""
from hypothesis import strategies as st

from tests.strategies import shapes


@st.composite
def shape_and_dim(draw, kinds=("none", "int", "tuple")):
    """``(shape, dim)``: dim None, an int or a tuple of distinct dims, negatives mixed in.
    For a 0-d shape an int dim is 0 or -1 and a tuple dim is ()."""
    shape = draw(shapes)
    nd = len(shape)
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return shape, None
    if kind == "int":
        if nd == 0:
            return shape, draw(st.sampled_from([0, -1]))
        return shape, draw(st.integers(-nd, nd - 1))
    if nd == 0:
        return shape, ()
    axes = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
    return shape, tuple(a - nd if draw(st.booleans()) else a for a in axes)


def np_axes(dim, ndim):
    """numpy's axis argument for ``dim`` (None -> every axis; ints made non-negative)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        return (dim % ndim,) if ndim else ()
    return tuple(d % ndim for d in dim)


def count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n
