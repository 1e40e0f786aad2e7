"""Kernels: plain functions over numpy arrays (Numba-jitted where a fused loop beats
numpy); no Tensor ever enters here.

Every Numba kernel has a numpy reference twin. Set the environment variable
``AUTOGRAD_CORE_KERNELS=numpy`` before import to run everything on the twins
(for debugging); ``USE_NUMBA`` tells which is active.
"""
import os

USE_NUMBA = os.environ.get("AUTOGRAD_CORE_KERNELS", "numba").lower() != "numpy"

__all__ = ["USE_NUMBA"]
