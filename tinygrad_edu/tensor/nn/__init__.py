"""Neural networks on the tensor engine: ``Dense`` layers, an ``MLP`` builder and the
losses, the tensor half of ``tinygrad_edu.nn``. ``Module``, saving and loading, ``INITS``
and ``ACTIVATIONS`` are shared by both halves: ``tinygrad_edu.nn.module``,
``tinygrad_edu.nn.saving``, ``tinygrad_edu.nn.init``.

``from tinygrad_edu.tensor.nn import MLP, cross_entropy`` or, PyTorch style,
``import tinygrad_edu.tensor.nn.functional as F``.
"""

from tinygrad_edu.nn.module import Module, Sequential
from tinygrad_edu.tensor.nn.functional import (
    cross_entropy,
    l2_penalty,
    log_softmax,
    mse_loss,
    softmax,
)
from tinygrad_edu.tensor.nn.layers import MLP, Dense

__all__ = [
    "MLP",
    "Dense",
    "Module",
    "Sequential",
    "cross_entropy",
    "l2_penalty",
    "log_softmax",
    "mse_loss",
    "softmax",
]
