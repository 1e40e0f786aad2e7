"""``nn.utils``: gradient clipping, parameter/vector conversion, L2/L1 regularisation."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .regularization import penalized_parameters, l2_penalty, l1_penalty, weight_decay_groups

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "penalized_parameters", "l2_penalty", "l1_penalty",
           "weight_decay_groups"]
