"""``Dropout``: inverted dropout in training, identity in evaluation."""
from . import functional as F
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` during training and scale the rest by
    1 / (1 - p) (inverted dropout: the expectation is unchanged, so nothing is rescaled
    at test time); in ``eval()`` mode the input passes through unchanged. Any shape.
    Masks come from ``autograd_core.random.default_generator()``: ``manual_seed``
    makes them reproducible. The course's ``keep_prob`` is ``1 - p``."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = float(p), inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
