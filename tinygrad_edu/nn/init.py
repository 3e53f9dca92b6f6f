"""Starting weights and activations by name, one table each for both engines' layers.

A scalar ``Neuron`` draws its weights one number at a time from Python's ``random`` (so
``random.seed(1337)`` gives micrograd's weights); a tensor ``Dense`` layer draws a whole
matrix from a NumPy ``Generator``. Both read the same ``INITS`` and ``ACTIVATIONS``. NumPy is
imported only when a tensor layer asks for a ``Generator``: the scalar layers run without it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from operator import methodcaller
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ACTIVATIONS", "INITS", "Init", "draw_weights", "resolve_activation"]

PythonSeed = Union[int, random.Random, None]  # noqa: UP007 (a runtime alias, Python 3.10)
NumpySeed = Union[int, "np.random.Generator", None]  # (NumPy only for the type checker)


@dataclass(frozen=True)
class Init:
    """A way to draw starting weights: ``uniform`` on (-s, s) or ``normal`` with standard
    deviation s, where s = ``scale(fan_in, fan_out)``. Biases start at 0."""

    kind: str
    scale: Callable[[int, int], float]

    def draw(self, rng: Any, fan_in: int, fan_out: int, shape: tuple[int, ...] | None = None
             ) -> Any:
        """One weight from a ``random.Random``, or an array of ``shape`` from a NumPy
        ``Generator``."""
        s = self.scale(fan_in, fan_out)
        if rng is random or isinstance(rng, random.Random):
            return rng.uniform(-s, s) if self.kind == "uniform" else rng.gauss(0.0, s)
        return rng.uniform(-s, s, shape) if self.kind == "uniform" else rng.normal(0, s, shape)


INITS: dict[str, Init] = {
    "uniform": Init("uniform", lambda fan_in, fan_out: 1.0),  # micrograd: U(-1, 1)
    "randn": Init("normal", lambda fan_in, fan_out: 0.1),  # small random weights: N(0, 1) × 0.1
    # Glorot, for tanh and sigmoid: U(-a, a) with a = √(6 / (fan_in + fan_out))
    "xavier": Init("uniform", lambda fan_in, fan_out: math.sqrt(6.0 / (fan_in + fan_out))),
    "he": Init("normal", lambda fan_in, fan_out: math.sqrt(2.0 / fan_in)),  # Kaiming, for relu
    "torch": Init("uniform", lambda fan_in, fan_out: 1.0 / math.sqrt(fan_in)),  # nn.Linear's
}
"""Weight initialisations by name. Instead of a name, a layer also takes a function
``f(rng, fan_in, fan_out)`` returning one weight (scalar engine) or the (fan_in×fan_out)
matrix (tensor engine)."""


def draw_weights(init: str | Callable[..., Any], rng: Any, fan_in: int, fan_out: int,
                 shape: tuple[int, ...] | None = None) -> Any:
    """Weights drawn by ``init`` (a name in ``INITS`` or a function)."""
    if callable(init):
        return init(rng, fan_in, fan_out)
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {sorted(INITS)} "
                         "or pass a function f(rng, fan_in, fan_out)")
    return INITS[init].draw(rng, fan_in, fan_out, shape)


ACTIVATIONS: dict[str, Callable[[Any], Any] | None] = {
    "relu": methodcaller("relu"),
    "tanh": methodcaller("tanh"),
    "sigmoid": methodcaller("sigmoid"),
    "leaky_relu": methodcaller("leaky_relu"),  # slope 0.01 below zero, as in PyTorch
    "softmax": methodcaller("softmax"),  # a whole layer's outputs at once: tensor layers only
    "log_softmax": methodcaller("log_softmax"),
    "linear": None,  # no activation: w·x + b itself
}
"""Activations by name: each calls the node's method of that name (``z.relu()``). Instead of
a name, a layer also takes a function."""


def resolve_activation(name_or_function: str | Callable[[Any], Any] | None, node_type: type
                       ) -> tuple[str, Callable[[Any], Any] | None]:
    """(name, function or None) for a layer's ``activation``, checked against the methods of
    ``node_type`` (a Value has no softmax: a neuron has one output)."""
    chosen = "linear" if name_or_function is None else name_or_function
    if callable(chosen):
        return getattr(chosen, "__name__", "custom"), chosen
    usable = sorted(n for n in ACTIVATIONS if n == "linear" or hasattr(node_type, n))
    if chosen not in usable:
        where = "" if chosen not in ACTIVATIONS else (
            f"; {chosen} acts on a whole layer's outputs at once, so it is not a neuron's "
            "activation (use it on a Layer's outputs, from tinygrad_edu.nn.functional)")
        raise ValueError(f"unknown activation {chosen!r}{where}; choose one of {usable} "
                         f"or pass a function from {node_type.__name__} to {node_type.__name__}")
    return chosen, ACTIVATIONS[chosen]


def python_rng(seed: PythonSeed) -> Any:
    """A ``random.Random`` for an int seed, the global ``random`` module for None (so that
    ``random.seed(1337)`` reproduces micrograd's weights), a given ``Random`` as it is."""
    if seed is None or seed is random:
        return random
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, a random.Random or None, got {seed!r}")


def numpy_rng(seed: NumpySeed) -> np.random.Generator:
    """A NumPy ``Generator`` for an int seed or None (fresh randomness), a given one as it
    is."""
    import numpy as np

    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be an int, a numpy.random.Generator or None, got {seed!r}")
