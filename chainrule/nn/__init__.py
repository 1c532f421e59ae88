"""`chainrule.nn`: PyTorch's neural-network toolkit on chainrule tensors.

    import chainrule as torch
    model = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
    loss = torch.nn.CrossEntropyLoss()(model(x), y)

Layers are `Module` subclasses; `functional` has the same operations as functions,
`init` the initialisations, `utils` gradient clipping.
"""

from chainrule.nn import functional, init, utils
from chainrule.nn.activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from chainrule.nn.container import ModuleList, Sequential
from chainrule.nn.conv import AdaptiveAvgPool2d, AvgPool2d, Conv2d, MaxPool2d
from chainrule.nn.dropout import Dropout
from chainrule.nn.embedding import Embedding
from chainrule.nn.linear import Flatten, Identity, Linear
from chainrule.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from chainrule.nn.module import Module
from chainrule.nn.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from chainrule.nn.parameter import Parameter

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList",
    "Linear", "Identity", "Flatten", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Embedding", "Dropout",
    "LayerNorm", "BatchNorm1d", "BatchNorm2d",
    "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "SiLU", "GELU", "Softplus", "Softmax", "LogSoftmax",
    "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
    "functional", "init", "utils",
]
