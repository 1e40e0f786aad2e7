"""``nn``: modules, layers, losses, initialisers and utilities on top of autograd_core
(PyTorch's names and semantics; differences are documented where they occur).

    import nn
    model = nn.Sequential(nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(),
                          nn.Dropout(0.2), nn.Linear(128, 10))
    loss = nn.CrossEntropyLoss()(model(x), y)

Differences from PyTorch (each also stated where it applies):
- ``inplace=True`` (activations, dropout) writes in place only for tensors outside any
  graph; on a tensor that requires grad the result is computed out of place, because
  this library never records in-place operations.
- Dropout masks come from a counter-based generator seeded from
  ``autograd_core.random`` (reproducible with ``manual_seed``), so they differ from
  PyTorch's bit for bit; ``F.dropout`` takes an extra ``generator=``.
- Extensions, not in PyTorch: ``Maxout``, ``init.lecun_normal_`` /
  ``init.lecun_uniform_``, ``utils.l2_penalty`` / ``l1_penalty`` /
  ``penalized_parameters`` / ``weight_decay_groups``, ``generator=`` on initialisers.
- Higher-order gradients of cross-entropy and batch norm: their fused backwards are
  primitives of their own with their own rules, so grad-of-grad is exact.
- Cross-entropy with every target ignored: loss nan (as PyTorch), gradient 0.
- Invalid values raise ValueError (BCE input outside [0, 1], shape mismatches) where
  PyTorch raises RuntimeError; ``load_state_dict`` raises RuntimeError as PyTorch.
- ``Module.to`` takes a floating dtype (and device 'cpu' only).
- ``nn.save`` / ``nn.load`` write an ``.npz`` with a JSON structure entry, never a
  pickle: nothing runs on load.
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
