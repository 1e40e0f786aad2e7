"""Index arrays for the matrix-structure ops: triangle masks and diagonal positions."""
import numpy as np

from .namespace import ARRAYS

define = ARRAYS.define


@define("tri_mask")
def tri_mask(rows, cols, diagonal, upper):
    """Bool (rows, cols): True on and below diagonal ``diagonal`` (``upper``: on and above)."""
    i = np.arange(rows)[:, None]
    j = np.arange(cols)[None, :]
    return j - i >= diagonal if upper else j - i <= diagonal


@define("diag_index")
def diag_index(rows, cols, offset):
    """(row indices, column indices) of diagonal ``offset`` of a (rows, cols) matrix
    (offset > 0: above the main diagonal)."""
    if offset >= 0:
        n = max(0, min(rows, cols - offset))
        r = np.arange(n)
        return r, r + offset
    n = max(0, min(rows + offset, cols))
    c = np.arange(n)
    return c - offset, c


