"""Fused optimizer updates, one module per algorithm (``sgd``, ``adagrad``, ``rmsprop``,
``adam``): each holds its Numba loops, their numpy twins, its ``VARIANTS`` table and
``fill``, the builder of the small scalar array its loops read.

A loop makes one pass over a parameter, its gradient and its state, writing in place
(an Adam step in numpy is ~10 ufuncs and as many full-size temporaries). One loop per
*set of arrays* a variant touches: no loop takes an array it does not use. Arrays are
flat, C-contiguous and of one dtype; ``s`` is the scalar array (same dtype, so a
float32 loop stays float32 and vectorises 8 wide); trailing booleans only select
arithmetic. The numbers that change from step to step (learning rate, bias
corrections, ...) arrive only through ``s``, which the optimizer refills in place
each step (``optim/optimizer.py``). Arithmetic mirrors PyTorch's single-tensor CPU
implementation operation by operation. Measurements behind these choices:
docs/design-notes/optim-kernels.md.

``common.pick`` is the one dispatcher: the Numba loop for float32/float64 when
``kernels.USE_NUMBA``, else the twin (float16, ``AUTOGRAD_CORE_KERNELS=numpy``).
"""
from . import adagrad, adam, rmsprop, sgd  # noqa: F401

__all__ = ["sgd", "adagrad", "rmsprop", "adam"]
