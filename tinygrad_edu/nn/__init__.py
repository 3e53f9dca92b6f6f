"""Neural networks on the scalar engine: modules, losses, saving and loading, and a GPT
(``tinygrad_edu.nn.gpt``); the tensor half is ``tinygrad_edu.tensor.nn``.

``from tinygrad_edu.nn import MLP, cross_entropy`` or, PyTorch style,
``import tinygrad_edu.nn.functional as F``.

The folder: ``module.py`` (``Module``, the base of every model of both engines, as
``torch.nn.Module``), ``mlp.py`` (micrograd's ``Neuron``, ``Layer`` and ``MLP``),
``functional.py`` (losses and softmax), ``init.py`` (starting weights and activations by
name), ``gpt.py`` (a GPT built from Values) and ``saving.py`` (a model's parameters as a
JSON file). It may import the scalar engine's files at the package's root and nothing of
the folders above it (``training``, ``viz``, ...), which import it.
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
from tinygrad_edu.nn.gpt import GPT
from tinygrad_edu.nn.init import ACTIVATIONS, INITS
from tinygrad_edu.nn.mlp import MLP, Layer, Neuron
from tinygrad_edu.nn.module import Module, Sequential
from tinygrad_edu.nn.saving import StateDictError, load, save

__all__ = [
    "ACTIVATIONS",
    "GPT",
    "INITS",
    "MLP",
    "Layer",
    "Module",
    "Neuron",
    "Sequential",
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
