"""``nn``: modules, layers, losses, initialisers and utilities on top of autograd_core
(PyTorch's names and semantics; differences are documented where they occur).

    import nn
    model = nn.Sequential(nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(),
                          nn.Dropout(0.2), nn.Linear(128, 10))
    loss = nn.CrossEntropyLoss()(model(x), y)
"""
from .parameter import Parameter
from .module import Module, RemovableHandle
from .state import IncompatibleKeys
from .container import Sequential, ModuleList, ModuleDict
from .linear import Identity, Linear, Flatten, Unflatten
from .activation import (ReLU, ReLU6, LeakyReLU, PReLU, ELU, Sigmoid, Tanh, SiLU, Softplus,
                         Softmax, LogSoftmax, Hardtanh, Maxout)
from .normalization import BatchNorm1d, LayerNorm
from .dropout import Dropout
from .loss import (MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss,
                   KLDivLoss)
from .serialization import save, load
from .summary import summary
from . import functional, init, utils

__all__ = [
    "Parameter", "Module", "RemovableHandle", "IncompatibleKeys", "Sequential", "ModuleList",
    "ModuleDict", "Identity", "Linear", "Flatten", "Unflatten", "ReLU", "ReLU6", "LeakyReLU",
    "PReLU", "ELU", "Sigmoid", "Tanh", "SiLU", "Softplus", "Softmax", "LogSoftmax",
    "Hardtanh", "Maxout", "BatchNorm1d", "LayerNorm", "Dropout", "MSELoss", "L1Loss",
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "KLDivLoss", "save",
    "load", "functional", "init", "utils",
]
