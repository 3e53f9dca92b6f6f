"""Layers on the tensor engine: ``Dense``, ``Sequential`` and an ``MLP`` builder.

A ``Dense`` layer is the seeds' matrix form of a whole layer of neurons at once:
``Z = X @ W + b`` with X (batch×in), W (in×out) and b (1×out), then an activation. Its
gradients come out of the engine as the seeds' formulas: dW = Xᵀ·dZ, db = Σ dZ over the
batch, dX = dZ·Wᵀ.

Names follow PyTorch: ``parameters()``, ``named_parameters()``, ``zero_grad()``,
``state_dict()`` and ``load_state_dict()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Union

import numpy as np

from tinygrad_edu.nn.modules import StateDictError
from tinygrad_edu.tensor.tensor import (
    Tensor,
    _dtype,
    _numbers,
    log_softmax,
    shape_str,
    softmax,
)

Activation = Union[str, Callable[[Tensor], Tensor], None]  # noqa: UP007 (runtime alias)
Init = Union[str, Callable[[np.random.Generator, int, int], np.ndarray]]  # noqa: UP007
Seed = Union[int, np.random.Generator, None]  # noqa: UP007

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor] | None] = {
    "relu": Tensor.relu,
    "tanh": Tensor.tanh,
    "sigmoid": Tensor.sigmoid,
    "leaky_relu": Tensor.leaky_relu,  # slope 0.01 below zero, as in PyTorch
    "softmax": softmax,  # along the last axis
    "log_softmax": log_softmax,
    "linear": None,  # no activation: Z itself
}
"""The activations a Dense layer can be given by name."""


def _he(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), (fan_in, fan_out))


def _xavier(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, (fan_in, fan_out))


def _randn(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return 0.1 * rng.standard_normal((fan_in, fan_out))


def _uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, (fan_in, fan_out))


def _torch(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    bound = 1.0 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, (fan_in, fan_out))


INITS: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "he": _he,  # Kaiming: N(0, 2 / fan_in), for relu (the default)
    "xavier": _xavier,  # Glorot: U(-a, a), a = √(6 / (fan_in + fan_out)), for tanh/sigmoid
    "randn": _randn,  # the teaching texts: N(0, 1) × 0.1
    "uniform": _uniform,  # micrograd: U(-1, 1)
    "torch": _torch,  # torch.nn.Linear's default: U(-1/√fan_in, 1/√fan_in)
}
"""Weight initialisations by name: ``f(rng, fan_in, fan_out)`` returns W (fan_in×fan_out).
Biases start at 0."""


def _rng(seed: Seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be an int, a numpy.random.Generator or None, got {seed!r}")


class Module:
    """Base class of tensor layers, as ``torch.nn.Module``. Parameters are the ``Tensor``
    attributes (and those of sub-modules, also inside lists), in the order they were set."""

    def forward(self, x: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, x: Any) -> Tensor:
        return self.forward(x)

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Tensor]]:
        """Every parameter with its dotted name, e.g. ``('layers.0.W', Tensor)``."""
        return list(self._named(prefix))

    def _named(self, prefix: str) -> Iterator[tuple[str, Tensor]]:
        for name, attr in vars(self).items():
            if name.startswith("_"):
                continue
            items = enumerate(attr) if isinstance(attr, (list, tuple)) else [(None, attr)]
            for i, item in items:
                full = prefix + name + ("" if i is None else f".{i}")
                if isinstance(item, Tensor):
                    yield full, item
                elif isinstance(item, Module):
                    yield from item._named(full + ".")

    def parameters(self) -> list[Tensor]:
        """Every parameter (weights and biases), in a fixed order."""
        return [p for _, p in self._named("")]

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set it to None, as PyTorch does)."""
        for p in self.parameters():
            p.grad = None

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's array by name."""
        return {name: p.data.copy() for name, p in self._named("")}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> None:
        """Copy arrays from ``state`` into the parameters. Names, shapes and numbers (real and
        finite) are checked first, so a state that does not fit raises ``StateDictError`` and
        changes nothing."""
        params = dict(self._named(""))
        if strict and set(params) != set(state):
            missing = sorted(set(params) - set(state))
            unexpected = sorted(set(state) - set(params))
            raise StateDictError(
                f"the state does not fit {type(self).__name__}: missing keys {missing}, "
                f"unexpected keys {unexpected} (strict=False loads the keys that match)"
            )
        updates = []
        for name, p in params.items():
            if name in state:
                try:  # real numbers only: None, text or complex numbers are refused
                    value = _numbers(state[name], p.dtype, name)
                except (TypeError, ValueError, OverflowError) as error:
                    raise StateDictError(str(error)) from None
                if value.shape != p.shape:
                    raise StateDictError(
                        f"{name}: size mismatch, the state has {shape_str(value.shape)} but "
                        f"the model has {shape_str(p.shape)}"
                    )
                if not np.all(np.isfinite(value)):
                    raise StateDictError(f"{name}: the state holds NaN or infinite numbers")
                updates.append((p, value))
        for p, value in updates:
            p.data[...] = value


class Dense(Module):
    """A fully connected layer: ``activation(X @ W + b)``.

    W has shape (in_features×out_features) and b shape (1×out_features), as in the seeds.
    ``activation`` is None/``'linear'`` (default), ``'relu'``, ``'tanh'``, ``'sigmoid'``,
    ``'leaky_relu'``, ``'softmax'``, ``'log_softmax'`` or a function from Tensor to Tensor.
    ``init`` draws W: ``'he'`` (default), ``'xavier'``, ``'randn'``, ``'uniform'``,
    ``'torch'`` or ``f(rng, fan_in, fan_out)``; b starts at 0. ``seed`` is an int or a
    ``numpy.random.Generator``. ``dtype`` is float64 (default) or float32.

    The input X is a Tensor (it then gets a gradient too) or a plain array (a constant: no
    gradient is computed for it, which is what you want for a batch of images).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        activation: Activation = None,
        *,
        init: Init = "he",
        seed: Seed = None,
        dtype: Any = np.float64,
    ) -> None:
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Dense: {name} must be an int >= 1, got {n!r}")
        if activation is None:
            activation = "linear"
        if callable(activation):
            self.activation, self._act = getattr(activation, "__name__", "custom"), activation
        elif activation in ACTIVATIONS:
            self.activation, self._act = activation, ACTIVATIONS[activation]
        else:
            raise ValueError(
                f"Dense: unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)} "
                "or pass a function from Tensor to Tensor"
            )
        if not callable(init) and init not in INITS:
            raise ValueError(f"Dense: unknown init {init!r}; choose one of {sorted(INITS)}")
        draw = init if callable(init) else INITS[init]
        dtype = _dtype(dtype)
        self.in_features, self.out_features = in_features, out_features
        self.W = Tensor(draw(_rng(seed), in_features, out_features), dtype=dtype, label="W")
        self.b = Tensor(np.zeros((1, out_features)), dtype=dtype, label="b")

    def forward(self, x: Any) -> Tensor:
        """``activation(X @ W + b)`` for X of shape (batch×in_features) or (in_features)."""
        shape = np.shape(x.data if isinstance(x, Tensor) else x)
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r}: expects inputs with {self.in_features} features in the last "
                f"dimension, got shape {shape_str(shape)}"
            )
        z = x @ self.W + self.b  # an array X is a constant: NumPy hands `X @ W` to the Tensor
        return z if self._act is None else self._act(z)

    def __repr__(self) -> str:
        return f"Dense({self.in_features} -> {self.out_features}, {self.activation})"


class Sequential(Module):
    """Layers applied one after the other: ``Sequential(Dense(784, 128, "relu"),
    Dense(128, 10))``. Index it (``model[0]``) and iterate over it like a list."""

    def __init__(self, *layers: Module) -> None:
        self.layers = list(layers)

    def forward(self, x: Any) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "\n".join([f"{type(self).__name__}(", *lines, ")"])


class MLP(Sequential):
    """A multi-layer perceptron of Dense layers: ``MLP(784, [128, 10])`` is the seeds'
    784-128-10 network. Hidden layers use ``activation`` (relu by default); the last layer is
    linear, so the model returns logits (pass them to ``cross_entropy``)."""

    def __init__(
        self,
        in_features: int,
        sizes: list[int],
        activation: Activation = "relu",
        *,
        init: Init = "he",
        seed: Seed = None,
        dtype: Any = np.float64,
    ) -> None:
        if isinstance(sizes, int) or not sizes:
            raise ValueError(f"MLP needs a list of layer sizes, e.g. [128, 10], got {sizes!r}")
        rng = _rng(seed)
        widths = [in_features, *sizes]
        last = len(sizes) - 1
        super().__init__(*(
            Dense(widths[i], widths[i + 1], activation if i < last else None, init=init,
                  seed=rng, dtype=dtype)
            for i in range(len(sizes))
        ))

    def __repr__(self) -> str:
        count = sum(p.size for p in self.parameters())
        sizes = [self.layers[0].in_features] + [layer.out_features for layer in self.layers]
        head = f"MLP({' -> '.join(map(str, sizes))}, {count} parameters)"
        return "\n".join([head, *(f"  ({i}): {la!r}" for i, la in enumerate(self.layers))])
