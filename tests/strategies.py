"""Hypothesis strategies shared by the tests: shapes, broadcast pairs, float64 arrays,
and non-contiguous views of them."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ac

#: shapes with 0 to 3 dims of size 1 to 4 (0-d included)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


@st.composite
def broadcast_pairs(draw, max_dims=3):
    """Two shapes that broadcast together (size-1 dims and missing leading dims)."""
    s1, s2 = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0,
                                                    max_dims=max_dims, max_side=4)).input_shapes
    return s1, s2


def array(shape, seed, low=-2.0, high=2.0, away_from=None):
    """A float64 array; ``away_from`` (e.g. 0.0) pushes values at least 0.1 away from it
    so that kinks (abs, relu) and poles (log, 1/x) stay out of the finite differences."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(low, high, size=shape)
    if away_from is not None:
        # d -> sign(d) * (0.1 + |d|) for the offsets d within 0.1: at least 0.1 away, and
        # one-to-one, so distinct draws stay distinct (no manufactured ties for max-like
        # ops; the old map sent every negative offset to the same -0.05)
        d = a - away_from
        close = np.abs(d) < 0.1
        a[close] = away_from + np.where(d[close] >= 0, 1, -1) * (0.1 + np.abs(d[close]))
    return a


def leaf(arr, layout="contiguous"):
    """A float64 leaf tensor requiring grad, holding ``arr`` either contiguously,
    transposed (a non-contiguous view with the same values) or as a strided slice."""
    arr = np.asarray(arr, dtype=np.float64)
    if layout == "transposed" and arr.ndim >= 2:
        view = np.ascontiguousarray(np.swapaxes(arr, -1, -2)).swapaxes(-1, -2)
    elif layout == "sliced" and arr.ndim >= 1:
        big = np.zeros(arr.shape[:-1] + (arr.shape[-1] * 2,))
        big[..., ::2] = arr
        view = big[..., ::2]
    else:
        view = arr.copy()
    return ac.from_numpy(view).requires_grad_()


layouts = st.sampled_from(["contiguous", "transposed", "sliced"])
seeds = st.integers(0, 2**31 - 1)
