"""Neural networks on the scalar engine: modules, losses, saving and loading.

``from tinygrad_edu.nn import MLP, cross_entropy`` or, PyTorch style,
``import tinygrad_edu.nn.functional as F``.
"""

from tinygrad_edu.nn.functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    log_softmax,
    logsumexp,
    mse_loss,
    softmax,
)
from tinygrad_edu.nn.modules import (
    ACTIVATIONS,
    INITS,
    MLP,
    Layer,
    Module,
    Neuron,
    StateDictError,
    load,
    save,
)

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "Layer",
    "Module",
    "Neuron",
    "StateDictError",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "l2_penalty",
    "load",
    "log_softmax",
    "logsumexp",
    "mse_loss",
    "save",
    "softmax",
]
