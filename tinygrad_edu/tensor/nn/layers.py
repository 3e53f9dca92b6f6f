"""Layers on the tensor engine: ``Dense`` and an ``MLP`` of them, the tensor half of
``tinygrad_edu.nn``.

A ``Dense`` layer is a whole layer of neurons at once, in matrix form:
``Z = X @ W + b`` with X (batch×in), W (in×out) and b (1×out), then an activation. Its
gradients come out of the engine as the matrix formulas dW = Xᵀ·dZ, db = Σ dZ over the
batch, dX = dZ·Wᵀ. ``Module`` (parameters, state dicts, saving) and ``Sequential`` are shared
with the scalar engine (``tinygrad_edu.nn.module``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

from tinygrad_edu.nn.init import NumpySeed, draw_weights, numpy_rng, resolve_activation
from tinygrad_edu.nn.module import Module, Sequential, layer_sizes, mlp_repr
from tinygrad_edu.tensor.engine import Tensor
from tinygrad_edu.tensor.safe_math import float_dtype, shape_str

__all__ = ["MLP", "Dense"]

Activation = Union[str, Callable[[Tensor], Tensor], None]  # noqa: UP007 (runtime alias)
Init = Union[str, Callable[[np.random.Generator, int, int], np.ndarray]]  # noqa: UP007


class Dense(Module):
    """A fully connected layer: ``activation(X @ W + b)``.

    W has shape (in_features×out_features) and b shape (1×out_features), so Z = X @ W + b.
    ``activation`` is None/``'linear'`` (default), ``'relu'``, ``'tanh'``, ``'sigmoid'``,
    ``'leaky_relu'``, ``'softmax'``, ``'log_softmax'`` or a function from Tensor to Tensor.
    ``init`` draws W: ``'he'`` (default), ``'xavier'``, ``'randn'``, ``'uniform'``,
    ``'torch'`` or ``f(rng, fan_in, fan_out)``; b starts at 0. ``seed`` is an int or a
    ``numpy.random.Generator``. ``dtype`` is float64 (default) or float32.

    The input X is a Tensor (it then gets a gradient too) or a plain array (a constant: no
    gradient is computed for it, which is what you want for a batch of images).
    """

    def __init__(self, in_features: int, out_features: int, activation: Activation = None, *,
                 init: Init = "he", seed: NumpySeed = None, dtype: Any = np.float64) -> None:
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Dense: {name} must be an int >= 1, got {n!r}")
        try:
            self.activation, self._act = resolve_activation(activation, Tensor)
            weights = draw_weights(init, numpy_rng(seed), in_features, out_features,
                                   (in_features, out_features))
        except ValueError as error:
            raise ValueError(f"Dense: {error}") from None
        dtype = float_dtype(dtype)
        self.in_features, self.out_features = in_features, out_features
        self.W = Tensor(weights, dtype=dtype)
        self.b = Tensor(np.zeros((1, out_features)), dtype=dtype)
        self.label_parameters()  # W and b; in an MLP, layers.0.W, ...

    def forward(self, x: Any) -> Tensor:
        """``activation(X @ W + b)`` for X of shape (batch×in_features) or (in_features)."""
        shape = np.shape(x)  # a Tensor's .shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(f"{self!r}: expects inputs with {self.in_features} features in "
                             f"the last dimension, got shape {shape_str(shape)}")
        z = x @ self.W + self.b  # an array X is a constant: NumPy hands `X @ W` to the Tensor
        return z if self._act is None else self._act(z)

    def __repr__(self) -> str:
        return f"Dense({self.in_features} -> {self.out_features}, {self.activation})"


class MLP(Sequential):
    """A multi-layer perceptron of Dense layers: ``MLP(784, [128, 10])`` is the
    784-128-10 network. Hidden layers use ``activation`` (relu by default); the last layer is
    linear, so the model returns logits (pass them to ``cross_entropy``)."""

    def __init__(self, in_features: int, sizes: Sequence[int], activation: Activation = "relu",
                 *, init: Init = "he", seed: NumpySeed = None, dtype: Any = np.float64) -> None:
        rng = numpy_rng(seed)
        super().__init__(*(Dense(n_in, n_out, act, init=init, seed=rng, dtype=dtype)
                           for n_in, n_out, act in layer_sizes(in_features, sizes, activation)))

    layers: list[Dense]  # type: ignore[assignment]  # (Sequential's layers, known to be Dense)

    def __repr__(self) -> str:
        widths = [self.layers[0].in_features] + [layer.out_features for layer in self.layers]
        return mlp_repr(self, widths)
