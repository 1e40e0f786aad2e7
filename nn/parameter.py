"""``Parameter``: a Tensor that a Module registers as a learnable parameter."""
import numpy as np

from autograd_core import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf Tensor that ``Module.__setattr__`` registers as a parameter.

    ``Parameter(data=None, requires_grad=True)``: ``data`` is a Tensor or array-like; an
    ndarray (or a Tensor's array) is shared, not copied, as in PyTorch. ``None`` gives an
    empty float32 tensor. Results of operations on a Parameter are plain Tensors.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty((0,), dtype=np.float32)
        super().__init__(data)
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (Parameter, (self.numpy().copy(), self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(self.numpy().copy(), self.requires_grad)
        if self.grad is not None:
            p.grad = Tensor._make(self.grad.numpy().copy())
        memo[id(self)] = p
        return p
