"""The tensor engine: the scalar engine's chain rule on NumPy arrays, with Dense layers.

>>> from tinygrad_edu.tensor import MLP, Adam, cross_entropy, fit
>>> model = MLP(784, [128, 10], seed=0)
>>> optimizer = Adam(model.parameters(), lr=1e-3)
>>> # for images, labels in batches:
>>> #     loss = cross_entropy(model(images), labels)
>>> #     optimizer.zero_grad(); loss.backward(); optimizer.step()
>>> # or the same loop in one call: fit(model, images, labels, cross_entropy, optimizer)

``fit`` and ``evaluate`` are ``tinygrad_edu.train``'s, the very same functions that train
the scalar engine's models (a tensor model gets whole batches).

The same layout as the scalar half: ``tinygrad_edu.tensor.engine`` (``Tensor`` and its ops)
beside ``tinygrad_edu.engine``, ``tinygrad_edu.tensor.nn`` beside ``tinygrad_edu.nn``. Every op
supports second derivatives: ``tinygrad_edu.grad(loss, params, create_graph=True)``.
"""

from tinygrad_edu.grad_mode import enable_grad, is_grad_enabled, no_grad
from tinygrad_edu.idx import (
    FASHION_MNIST_CLASSES,
    IDXError,
    load_fashion_mnist,
    load_idx,
    load_mnist,
)
from tinygrad_edu.init import ACTIVATIONS, INITS
from tinygrad_edu.module import Module, Sequential
from tinygrad_edu.optim import SGD, Adam
from tinygrad_edu.tensor.checked import shape_str
from tinygrad_edu.tensor.engine import (
    Tensor,
    abs_,
    binary_op,
    clip,
    concatenate,
    exp,
    leaky_relu,
    log,
    log_softmax,
    matmul,
    maximum,
    minimum,
    relu,
    sigmoid,
    softmax,
    sqrt,
    stack,
    tanh,
    tensor_op,
    unary_op,
    unbroadcast,
    where,
)
from tinygrad_edu.tensor.nn import MLP, Dense, cross_entropy, l2_penalty, mse_loss
from tinygrad_edu.train import evaluate, fit

__all__ = [
    "ACTIVATIONS",
    "FASHION_MNIST_CLASSES",
    "INITS",
    "MLP",
    "SGD",
    "Adam",
    "Dense",
    "IDXError",
    "Module",
    "Sequential",
    "Tensor",
    "abs_",
    "binary_op",
    "clip",
    "concatenate",
    "cross_entropy",
    "enable_grad",
    "evaluate",
    "exp",
    "fit",
    "is_grad_enabled",
    "l2_penalty",
    "leaky_relu",
    "load_fashion_mnist",
    "load_idx",
    "load_mnist",
    "log",
    "log_softmax",
    "matmul",
    "maximum",
    "minimum",
    "mse_loss",
    "no_grad",
    "relu",
    "shape_str",
    "sigmoid",
    "softmax",
    "sqrt",
    "stack",
    "tanh",
    "tensor_op",
    "unary_op",
    "unbroadcast",
    "where",
]
