"""Neurons, layers and multi-layer perceptrons built from scalar ``Value``s, the scalar half
beside ``tinygrad_edu.tensor.nn``.

A ``Neuron`` computes ``activation(w·x + b)``: one ``dot`` node for the weighted sum, one
``+`` for the bias, one node for the activation. A ``Layer`` is a list of neurons that all
see the same input; an ``MLP`` is a stack of layers whose last layer is linear.

Names follow micrograd and PyTorch: ``MLP(2, [16, 16, 1])`` is micrograd's model;
``parameters()``, ``named_parameters()``, ``zero_grad()``, ``state_dict()``,
``load_state_dict()``, ``save()`` and ``load()`` come from ``tinygrad_edu.nn.module`` (the
file format from ``tinygrad_edu.nn.saving``), shared with the tensor engine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

from tinygrad_edu.engine import Value
from tinygrad_edu.formatting import shape_text
from tinygrad_edu.nn.init import PythonSeed, draw_weights, python_rng, resolve_activation
from tinygrad_edu.nn.module import Module, Sequential, layer_sizes, mlp_repr
from tinygrad_edu.sums import dot, dots

__all__ = ["MLP", "Layer", "Neuron"]

Activation = Union[str, Callable[[Value], Value], None]  # noqa: UP007 (runtime alias, 3.10)
Init = Union[str, Callable[[Any, int, int], float]]  # noqa: UP007


class Neuron(Module):
    """One neuron: ``activation(w·x + b)`` with ``nin`` weights and a bias.

    ``activation`` is ``'relu'`` (default, as in micrograd), ``'tanh'``, ``'sigmoid'``,
    ``'leaky_relu'``, ``'linear'`` or any function from Value to Value; micrograd's
    ``nonlin=False`` means linear. ``init`` draws the weights: ``'uniform'`` (micrograd's
    U(-1, 1), default), ``'randn'`` (N(0, 1) × 0.1), ``'xavier'``, ``'he'`` or ``'torch'``
    (see ``tinygrad_edu.nn.init``); the bias starts at 0. ``seed`` is an int (reproducible, the
    global ``random`` is not touched), a ``random.Random`` or None (the global ``random``
    module, as micrograd). ``fan_out`` only matters for Xavier; a ``Layer`` passes its width.

    >>> n = Neuron(2, activation="tanh", seed=0)
    >>> y = n([1.0, -2.0])          # a Value
    """

    def __init__(self, nin: int, activation: Activation = "relu", *, init: Init = "uniform",
                 seed: PythonSeed = None, fan_out: int = 1, nonlin: bool | None = None) -> None:
        if not isinstance(nin, int) or nin < 1:
            raise ValueError(f"Neuron needs nin >= 1 inputs, got {nin!r}")
        if nonlin is not None:  # micrograd's Neuron(nin, nonlin=False)
            activation = "relu" if nonlin else "linear"
        self.activation, self._act = resolve_activation(activation, Value)
        rng = python_rng(seed)
        self.w = [Value(draw_weights(init, rng, nin, fan_out)) for _ in range(nin)]
        self.b = Value(0.0)
        self.label_parameters()  # w.0, w.1, ..., b: as named_parameters() names them

    def forward(self, x: Sequence[Value | float]) -> Value:
        """``activation(w·x + b)`` for ``nin`` inputs (Values or plain numbers)."""
        _check_size(x, len(self.w), self)
        return self._activate(dot(self.w, x))

    def _activate(self, wx: Value) -> Value:
        """``activation(wx + b)``, given the weighted sum ``wx``."""
        z = wx + self.b
        return z if self._act is None else self._act(z)

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, {self.activation})"


class Layer(Module):
    """``nout`` neurons that all read the same ``nin`` inputs.

    Calling a layer returns a **list** of ``nout`` Values, even when ``nout`` is 1 (micrograd
    returns the single Value there; here only ``MLP`` unwraps a single output). Keyword
    arguments are passed on to every ``Neuron``.
    """

    def __init__(self, nin: int, nout: int, activation: Activation = "relu", *,
                 init: Init = "uniform", seed: PythonSeed = None,
                 nonlin: bool | None = None) -> None:
        if not isinstance(nout, int) or nout < 1:
            raise ValueError(f"Layer needs nout >= 1 neurons, got {nout!r}")
        rng = python_rng(seed)
        self.neurons = [Neuron(nin, activation, init=init, seed=rng, fan_out=nout, nonlin=nonlin)
                        for _ in range(nout)]
        self.nin, self.nout = nin, nout
        self.label_parameters()

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        """The outputs of all neurons, as a list of ``nout`` Values."""
        _check_size(x, self.nin, self)
        weighted_sums = dots([n.w for n in self.neurons], x)  # one dot node per neuron
        return [n._activate(wx) for n, wx in zip(self.neurons, weighted_sums)]

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, {self.neurons[0].activation})"


class MLP(Sequential):
    """A multi-layer perceptron: ``nin`` inputs, then one layer per entry of ``nouts``.

    Hidden layers use ``activation`` (relu by default); the last layer is linear, so its
    outputs are raw scores (logits). ``MLP(2, [16, 16, 1])`` is micrograd's demo model with
    337 parameters. With a single output, calling the model returns that ``Value`` (as in
    micrograd); otherwise a list of Values. ``seed`` makes the weights reproducible.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: Activation = "relu", *,
                 init: Init = "uniform", seed: PythonSeed = None) -> None:
        rng = python_rng(seed)
        super().__init__(*(Layer(n_in, n_out, act, init=init, seed=rng)
                           for n_in, n_out, act in layer_sizes(nin, nouts, activation)))

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        _check_size(x, self.layers[0].nin, self)
        out = super().forward(x)
        return out[0] if len(out) == 1 else out

    layers: list[Layer]  # type: ignore[assignment]  # (Sequential's layers, known to be Layers)

    def __repr__(self) -> str:
        return mlp_repr(self, [self.layers[0].nin] + [layer.nout for layer in self.layers])


def _check_size(x: Sequence[Any], nin: int, who: Module) -> None:
    try:
        n = len(x)
    except TypeError:
        raise TypeError(f"{who!r} needs a sequence of {nin} inputs, got {type(x).__name__} "
                        f"{x!r}") from None
    if n and hasattr(x[0], "__len__") and not isinstance(x[0], str):  # rows: a batch
        shape = getattr(x, "shape", None) or (n, len(x[0]))
        raise TypeError(
            f"{type(who).__name__} takes one example, a list of {nin} numbers (or Values), but got "
            f"{shape_text(shape)} of them, a batch: the scalar engine works one example "
            "at a time, so call it on each, [model(x) for x in X] (the tensor engine's "
            "tinygrad_edu.tensor.MLP takes a whole batch)")
    if n != nin:
        raise ValueError(f"{repr(who).splitlines()[0]} expects {nin} inputs, got {n}")
