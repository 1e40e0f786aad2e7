"""Entry point. The OpenBLAS tuning variables are removed here, in this process only and
before anything imports numpy (OpenBLAS reads them when it loads); workers get a cleaned
copy of the environment as well (``benchmarks.env``). ``--keep-blas-env`` keeps them."""
import os
import sys

if "--keep-blas-env" not in sys.argv:
    from benchmarks.env import BLAS_TUNING_VARS
    for _k in BLAS_TUNING_VARS:
        os.environ.pop(_k, None)

from benchmarks.cli import main  # noqa: E402

sys.exit(main())
