"""``linear`` (x @ W.T + b, one fused primitive) and ``one_hot``."""
import numpy as np

from ._util import float_arg, tensor_arg

__all__ = ["linear", "one_hot"]


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` for input (..., in), weight (out, in), bias (out,) or
    None; output (..., out)."""
    float_arg("linear", "input", input)
    tensor_arg("linear", "weight", weight)
    if bias is not None:
        tensor_arg("linear", "bias", bias)
    return input._linear(weight, bias)


def one_hot(tensor, num_classes=-1):
    """Integer class indices (any shape) -> int64 tensor of shape (*shape, num_classes)
    with a 1 at each index; ``num_classes=-1`` means max index + 1."""
    tensor_arg("one_hot", "tensor", tensor)
    a = tensor.numpy()
    if a.dtype.kind not in "iu":
        raise TypeError(f"one_hot is only applicable to index tensor (integer dtype), got {a.dtype}")
    if a.size and a.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(a.min())}")
    if num_classes == -1:
        if a.size == 0:
            raise ValueError("one_hot: can not infer total number of classes from empty tensor")
        num_classes = int(a.max()) + 1
    if a.size and a.max() >= num_classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes ({num_classes}), got {int(a.max())}")
    out = np.zeros(a.shape + (int(num_classes),), dtype=np.int64)
    np.put_along_axis(out, a[..., None].astype(np.int64), 1, axis=-1)
    return tensor._make(out)
