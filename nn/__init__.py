"""glassgrad's neural-network library: modules, layers and losses with PyTorch's names.

`import nn` gives the layers (`nn.Linear`, `nn.ReLU`, `nn.BatchNorm1d`, ...),
the losses (`nn.CrossEntropyLoss`, ...), `nn.Module`, `nn.Parameter` and the
containers; `nn.functional` (`import nn.functional as F`) the same as
functions; `nn.init`, `nn.utils`, `nn.data` and `nn.metrics` the rest.
"""

from nn import data, functional, init, metrics, utils
from nn.activation import GELU, Hardsigmoid, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from nn.container import ModuleList, Sequential
from nn.dropout import Dropout
from nn.linear import Flatten, Identity, Linear
from nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
)
from nn.module import Module, Parameter
from nn.normalization import BatchNorm1d, BatchNorm2d, LayerNorm

__all__ = [
    "GELU",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Hardsigmoid",
    "Identity",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleList",
    "MultiMarginLoss",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "data",
    "functional",
    "init",
    "metrics",
    "utils",
]
