"""Neural networks on the tensor engine: ``Dense`` layers, an ``MLP`` builder and the
losses, the tensor half of ``tinygrad_edu.nn``.

``from tinygrad_edu.tensor.nn import MLP, cross_entropy`` or, PyTorch style,
``import tinygrad_edu.tensor.nn.functional as F``.
"""

from tinygrad_edu.init import ACTIVATIONS, INITS
from tinygrad_edu.module import Module, Sequential, StateDictError, load, save
from tinygrad_edu.tensor.nn.functional import (
    cross_entropy,
    l2_penalty,
    log_softmax,
    mse_loss,
    softmax,
)
from tinygrad_edu.tensor.nn.modules import MLP, Dense

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "Dense",
    "Module",
    "Sequential",
    "StateDictError",
    "cross_entropy",
    "l2_penalty",
    "load",
    "log_softmax",
    "mse_loss",
    "save",
    "softmax",
]
