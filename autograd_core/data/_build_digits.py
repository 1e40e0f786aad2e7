"""Build-time tool: regenerate ``digits.npz`` from scikit-learn's bundled copy.

Run once by a maintainer (``python -m autograd_core.data._build_digits``) with
scikit-learn installed; the package itself never imports scikit-learn. The archive
stores the raw 0..16 pixel counts as uint8 (compressed, about 40 kB) so the scaling
is decided in ``load_digits``, not baked into the file.
"""
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("digits.npz")


def main(out=OUT):
    from sklearn.datasets import load_digits  # build-time only

    d = load_digits()
    X = d.data.astype(np.uint8)
    y = d.target.astype(np.uint8)
    if not (np.array_equal(X, d.data) and X.shape == (1797, 64) and set(y) == set(range(10))):
        raise RuntimeError("unexpected scikit-learn digits data")
    np.savez_compressed(out, X=X, y=y)
    return out


if __name__ == "__main__":
    print(main())
