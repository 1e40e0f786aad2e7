"""Inverted dropout (the course's ``d = rand < keep_prob; a = a * d / keep_prob``)."""
import numpy as np

from autograd_core import random as _random
from autograd_core.ops.nnops import Dropout

from ._util import float_arg, maybe_inplace

__all__ = ["dropout"]


def dropout(input, p=0.5, training=True, inplace=False, *, generator=None):
    """Zero each element with probability ``p`` and scale the kept ones by 1 / (1 - p), so
    the expectation is unchanged; in evaluation (``training=False``) or with p = 0 the
    input is returned unchanged (no scaling at test time). Any shape.

    The mask is drawn with one 63-bit key from ``generator`` (a
    ``numpy.random.Generator``; default ``autograd_core.random.default_generator()``),
    so ``manual_seed`` makes it reproducible; the key reaches the kernel in a small
    array refreshed in place (``autograd_core.random.dropout_key``). ``generator`` is an
    extension to PyTorch's signature.
    """
    float_arg("dropout", "input", input)
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    out = input._apply(Dropout, input, p=float(p), seed=_random.dropout_key(generator))
    return maybe_inplace(input, out, inplace)
