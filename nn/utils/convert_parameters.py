"""Flatten parameters into one vector and back (e.g. for line searches, L-BFGS)."""
import numpy as np

import autograd_core as ac
from autograd_core import Tensor, no_grad

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D Tensor (differentiable)."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return ac.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` in place (outside
    the graph). ``vec`` must have exactly as many elements as the parameters together."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected 'vec' to be a Tensor, but got: {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-D, got shape {tuple(vec.shape)}")
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = sum(p.numel() for p in params)
    if total != vec.numel():
        raise ValueError(f"vector_to_parameters: vec has {vec.numel()} elements but the parameters hold {total}")
    src = vec.numpy()
    i = 0
    for p in params:
        n = p.numel()
        chunk = src[i:i + n].reshape(p.shape)
        if p.numpy().flags.writeable:
            with no_grad():
                p.copy_(chunk)
        else:
            p._written(np.array(chunk, dtype=p.dtype))
        i += n
