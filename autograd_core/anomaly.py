"""``detect_anomaly()``: name the forward op whose backward produced NaN or Inf.

While enabled, each recorded node keeps the stack where it was created in forward;
the engine checks every gradient a node returns and raises ``AnomalyError`` naming
the op and showing that stack.
"""
import traceback

import numpy as np

from .thread_flag import ThreadFlag

__all__ = ["detect_anomaly", "AnomalyError", "is_anomaly_enabled"]


#: per thread, as in PyTorch: one thread's detect_anomaly() does not reach another
ANOMALY = ThreadFlag(False)


class AnomalyError(RuntimeError):
    """A backward function returned NaN or Inf values."""


def is_anomaly_enabled():
    return ANOMALY.get()


def record_creation(node):
    # drop the two innermost frames (this function and Tensor._apply)
    node._trace = "".join(traceback.format_stack()[:-2])


def check(node, grads):
    """Raise AnomalyError if any gradient (an ndarray) returned by ``node``'s backward
    has NaN/Inf."""
    for i, arr in enumerate(grads):
        if arr is None:
            continue
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            kind = "nan" if np.isnan(arr).any() else "inf"
            where = getattr(node, "_trace", None) or "(created before detect_anomaly was enabled)\n"
            raise AnomalyError(
                f"Function '{node.op_name}Backward' returned {kind} values in its "
                f"{i}th output (gradient for input {i} of shape {tuple(arr.shape)}).\n"
                f"The forward call that created this node:\n{where}"
            )


class detect_anomaly:
    """Context manager / decorator enabling anomaly detection in backward."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = ANOMALY.get()
        ANOMALY.set(self.check_nan)
        return self

    def __exit__(self, *exc):
        ANOMALY.set(self._prev)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with detect_anomaly(self.check_nan):
                return fn(*a, **k)

        return wrapper
