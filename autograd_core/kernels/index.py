"""Scatter-add of rows: ``out[rows[i], :] += src[i, :]`` with repeated rows adding up.

This is the backward of ``W[ids]`` (embedding lookups, ``x[[0, 0, 2]]``) and of
``gather`` (with flat positions and rows of length 1). ``np.add.at`` does it right but
slowly when each index addresses a whole row (figures in
docs/design-notes/shape-and-index.md), so a serial Numba loop does the work and
``np.add.at`` is its twin.

Arrays only: ``out`` is a C-contiguous 2-d array written in place, ``rows`` a 1-d
integer array already checked to lie in ``[-len(out), len(out))``, ``src`` 2-d with
``len(rows)`` rows and ``out.shape[1]`` columns (any layout; made contiguous here).
"""
import numpy as np
from . import njit  # lazy: numba is imported on first use

from . import USE_NUMBA

__all__ = ["scatter_add_rows", "scatter_add_rows_np"]

_FAST = (np.dtype(np.float32), np.dtype(np.float64))


@njit(cache=True)
def _scatter_add_rows(out, rows, src):
    n_rows = out.shape[0]
    for i in range(rows.shape[0]):
        r = rows[i]
        if r < 0:
            r += n_rows
        for j in range(src.shape[1]):
            out[r, j] += src[i, j]


def scatter_add_rows_np(out, rows, src):
    """The numpy twin: ``np.add.at``."""
    np.add.at(out, rows, src)


def scatter_add_rows(out, rows, src):
    """``out[rows[i]] += src[i]`` for every i, in place; repeated rows accumulate."""
    if USE_NUMBA and out.dtype in _FAST and src.dtype == out.dtype and out.flags.c_contiguous:
        _scatter_add_rows(out, np.ascontiguousarray(rows, dtype=np.int64),
                          np.ascontiguousarray(src))
    else:
        scatter_add_rows_np(out, rows, src.astype(out.dtype, copy=False))
