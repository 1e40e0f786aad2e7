"""``nn.functional``: the math behind the layers, as functions (PyTorch's names).

Layers hold state (parameters, buffers, the training flag) and call these.
"""
from .activation import (relu, relu6, hardtanh, leaky_relu, prelu, elu, sigmoid, tanh, silu,
                         softplus, softmax, log_softmax)
from .linear import linear, one_hot
from .dropout import dropout
from .normalization import batch_norm, layer_norm
from .loss import (mse_loss, l1_loss, binary_cross_entropy, binary_cross_entropy_with_logits,
                   cross_entropy, nll_loss, kl_div)

__all__ = ["relu", "relu6", "hardtanh", "leaky_relu", "prelu", "elu", "sigmoid", "tanh",
           "silu", "softplus", "softmax", "log_softmax", "linear", "one_hot", "dropout",
           "batch_norm", "layer_norm", "mse_loss", "l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div"]
