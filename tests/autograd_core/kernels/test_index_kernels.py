"""The scatter-add row kernel against its numpy twin (np.add.at)."""
import numpy as np
import pytest

from autograd_core.kernels.index import scatter_add_rows, scatter_add_rows_np


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.float16])
@pytest.mark.parametrize("n, d, k", [(5, 3, 12), (1, 1, 4), (7, 1, 0), (4, 6, 1)])
def test_scatter_add_rows_matches_add_at(dtype, n, d, k):
    rng = np.random.default_rng(n * 100 + d * 10 + k)
    rows = rng.integers(-n, n, size=k)  # negatives and repeats
    src = (rng.standard_normal((d, k)) * 10).astype(dtype).T  # non-contiguous source
    got = np.ones((n, d), dtype)
    want = np.ones((n, d), dtype)
    scatter_add_rows(got, rows, src)
    scatter_add_rows_np(want, rows, src)
    np.testing.assert_allclose(got, want, rtol=1e-3 if dtype == np.float16 else 1e-6)
    expect = np.ones((n, d))
    for r, row in zip(rows, src.astype(np.float64)):
        expect[r] += row
    np.testing.assert_allclose(got.astype(np.float64), expect, rtol=1e-2 if dtype == np.float16 else 1e-6)
