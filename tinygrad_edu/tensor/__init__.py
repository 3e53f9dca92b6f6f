"""The tensor engine: the scalar engine's chain rule on NumPy arrays, with Dense layers.

>>> from tinygrad_edu.tensor import MLP, Adam, cross_entropy, fit
>>> model = MLP(784, [128, 10], seed=0)
>>> optimizer = Adam(model.parameters(), lr=1e-3)
>>> # for images, labels in batches:
>>> #     loss = cross_entropy(model(images), labels)
>>> #     optimizer.zero_grad(); loss.backward(); optimizer.step()
>>> # or the same loop in one call: fit(model, images, labels, cross_entropy, optimizer)

``fit`` and ``evaluate`` are ``tinygrad_edu.training.fit``'s, the very same functions that train
the scalar engine's models (a tensor model gets whole batches).

The same layout as the scalar half: ``tinygrad_edu.tensor.engine`` (``Tensor`` and its ops)
beside ``tinygrad_edu.engine``, ``tinygrad_edu.tensor.nn`` beside ``tinygrad_edu.nn``. Every op
supports second derivatives: ``tinygrad_edu.grad(loss, params, create_graph=True)``.

The engine's own modules (``engine.py`` and the files it stands on, ``nn/``) may import the
scalar engine's files at the package's root, ``tinygrad_edu.autograd`` (``gradients.py``:
``backward(create_graph=True)``) and ``tinygrad_edu.nn.module`` (the ``Module`` both engines
share), never a tool. This file, the public face, may import more: it gathers ``fit``, the
optimizers and the IDX reader from ``tinygrad_edu.training`` (a Tensor's
``backward_steps()`` reaches viz/stepping.py by name, through ``tinygrad_edu/above.py``).
"""

from tinygrad_edu.grad_mode import enable_grad, is_grad_enabled, no_grad
from tinygrad_edu.nn.init import ACTIVATIONS, INITS
from tinygrad_edu.nn.module import Module, Sequential
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
from tinygrad_edu.tensor.safe_math import shape_str
from tinygrad_edu.training.fit import evaluate, fit
from tinygrad_edu.training.idx import (
    FASHION_MNIST_CLASSES,
    IDXError,
    load_fashion_mnist,
    load_idx,
    load_mnist,
)
from tinygrad_edu.training.optim import SGD, Adam

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
