"""Neurons, layers and multi-layer perceptrons built from scalar ``Value``s.

A ``Neuron`` computes ``activation(w·x + b)``: one ``dot`` node for the weighted sum, one
``+`` for the bias, one node for the activation. A ``Layer`` is a list of neurons that all
see the same input; an ``MLP`` is a stack of layers whose last layer is linear.

Names follow micrograd and PyTorch: ``MLP(2, [16, 16, 1])`` is micrograd's model,
``parameters()``, ``named_parameters()``, ``zero_grad()``, ``state_dict()`` and
``load_state_dict()`` work as in PyTorch.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import numbers
import os
import random
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Union

from tinygrad_edu.engine import Value, dot, leaky_relu, relu, sigmoid, tanh

Activation = Union[str, Callable[[Value], Value], None]  # noqa: UP007 (runtime alias, 3.10)
Init = Union[str, Callable[[Any, int, int], float]]  # noqa: UP007
Seed = Union[int, random.Random, None]  # noqa: UP007

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": relu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "leaky_relu": leaky_relu,  # slope 0.01 below zero, as in PyTorch
    "linear": None,  # no activation: the neuron returns w·x + b
}
"""The activations a neuron can be given by name."""


def _uniform(rng: Any, fan_in: int, fan_out: int) -> float:
    return rng.uniform(-1.0, 1.0)


def _randn(rng: Any, fan_in: int, fan_out: int) -> float:
    return 0.1 * rng.gauss(0.0, 1.0)


def _xavier(rng: Any, fan_in: int, fan_out: int) -> float:
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound)


def _he(rng: Any, fan_in: int, fan_out: int) -> float:
    return rng.gauss(0.0, math.sqrt(2.0 / fan_in))


INITS: dict[str, Callable[[Any, int, int], float]] = {
    "uniform": _uniform,  # micrograd: U(-1, 1)
    "randn": _randn,  # the teaching texts: N(0, 1) × 0.1
    "xavier": _xavier,  # Glorot: U(-a, a) with a = √(6 / (fan_in + fan_out)), for tanh/sigmoid
    "he": _he,  # Kaiming: N(0, 2 / fan_in), for relu
}
"""Weight initialisations by name. Each is ``f(rng, fan_in, fan_out) -> float``; biases
start at 0."""


def _rng(seed: Seed) -> Any:
    """A random.Random for an int seed; the global ``random`` module for None (so that
    ``random.seed(1337)`` reproduces micrograd's weights); a given Random as it is."""
    if seed is None or seed is random:
        return random
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, a random.Random or None, got {seed!r}")


def _activation(activation: Activation, nonlin: bool | None) -> tuple[str, Any]:
    """(name, function or None) for an activation given by name or as a function."""
    if nonlin is not None:  # micrograd's Neuron(nin, nonlin=False)
        activation = "relu" if nonlin else "linear"
    if activation is None:
        activation = "linear"
    if callable(activation):
        return getattr(activation, "__name__", "custom"), activation
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)} "
            "or pass a function from Value to Value"
        )
    return activation, ACTIVATIONS[activation]


def _init(init: Init) -> Callable[[Any, int, int], float]:
    if callable(init):
        return init
    if init not in INITS:
        raise ValueError(
            f"unknown init {init!r}; choose one of {sorted(INITS)} "
            "or pass a function f(rng, fan_in, fan_out) -> float"
        )
    return INITS[init]


def _check_size(x: Sequence[Any], nin: int, who: Module) -> None:
    try:
        n = len(x)
    except TypeError:
        raise TypeError(
            f"{who!r} needs a sequence of {nin} inputs, got {type(x).__name__} {x!r}"
        ) from None
    if n != nin:
        raise ValueError(f"{who!r} expects {nin} inputs, got {n}")


# ----------------------------------------------------------------------------- Module


class Module:
    """Base class of everything with parameters, as ``torch.nn.Module``.

    A subclass sets its parameters and sub-modules as attributes (a ``Value``, a list of
    Values, a ``Module`` or a list of Modules) and defines ``forward``; calling the module
    calls ``forward``. ``parameters()`` and ``named_parameters()`` find the parameters by
    looking at the attributes, in the order they were set.
    """

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    def _named_groups(self, prefix: str = "") -> Iterator[tuple[str, Value | list[Value]]]:
        """(name, Value) or (name, list of Values) for each parameter attribute, sub-modules
        included: the entries of ``state_dict``."""
        for name, attr in vars(self).items():
            if name.startswith("_"):
                continue
            if isinstance(attr, Value):
                yield prefix + name, attr
            elif isinstance(attr, Module):
                yield from attr._named_groups(f"{prefix}{name}.")
            elif isinstance(attr, (list, tuple)) and attr:
                if all(isinstance(a, Value) for a in attr):
                    yield prefix + name, list(attr)
                    continue
                for i, item in enumerate(attr):
                    if isinstance(item, Module):
                        yield from item._named_groups(f"{prefix}{name}.{i}.")
                    elif isinstance(item, Value):
                        yield f"{prefix}{name}.{i}", item

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, e.g. ``('layers.0.neurons.3.w.1', Value)``."""
        named: list[tuple[str, Value]] = []
        for name, group in self._named_groups():
            if isinstance(group, Value):
                named.append((name, group))
            else:
                named.extend((f"{name}.{i}", p) for i, p in enumerate(group))
        return named

    def parameters(self) -> list[Value]:
        """Every parameter (weights and biases), in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0. Gradients accumulate, so call this before
        each ``backward()`` of a training step."""
        for p in self.parameters():
            p.grad = 0.0

    # Saving and loading: a state dict maps each parameter attribute's dotted name to a
    # number (for a single Value, such as a bias) or a list of numbers (for a list of Values,
    # such as a neuron's weights).

    def state_dict(self) -> dict[str, float | list[float]]:
        """The parameters' numbers by name, e.g. ``{'layers.0.neurons.0.w': [0.2, -0.7],
        'layers.0.neurons.0.b': 0.0, ...}``: plain floats, safe to keep or to save."""
        return {
            name: group.data if isinstance(group, Value) else [p.data for p in group]
            for name, group in self._named_groups()
        }

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> None:
        """Copy numbers from ``state`` into the parameters.

        Everything is checked before any parameter changes, so a bad state leaves the model
        as it was. Keys must match (unless ``strict=False``, which skips missing and extra
        keys), sizes must match, and every entry must be a finite number.
        """
        if not isinstance(state, Mapping):
            raise StateDictError(f"load_state_dict needs a dict, got {type(state).__name__}")
        groups = dict(self._named_groups())
        if strict:
            missing = [k for k in groups if k not in state]
            unexpected = [k for k in state if k not in groups]
            if missing or unexpected:
                raise StateDictError(_key_mismatch(self, missing, unexpected))
        updates: list[tuple[Value, float]] = []
        for name, group in groups.items():
            if name not in state:
                continue
            entry = state[name]
            if isinstance(group, Value):
                updates.append((group, _finite(entry, name)))
                continue
            if not isinstance(entry, (list, tuple)):
                raise StateDictError(
                    f"{name}: expected a list of {len(group)} numbers, "
                    f"got {type(entry).__name__} {entry!r}"
                )
            if len(entry) != len(group):
                raise StateDictError(
                    f"{name}: size mismatch, the state has {len(entry)} numbers "
                    f"but the model has {len(group)}"
                )
            updates.extend((p, _finite(v, f"{name}[{i}]")) for i, (p, v) in
                           enumerate(zip(group, entry)))
        for p, number in updates:
            p.data = number

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to a JSON file (see ``tinygrad_edu.nn.save``)."""
        save(self, path)

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> None:
        """Read parameters saved with ``save``. A corrupt or mismatching file raises
        ``StateDictError`` naming the file, and leaves the model unchanged."""
        saved_model, state = _read(path)
        try:
            self.load_state_dict(state, strict=strict)
        except StateDictError as error:
            this_model = repr(self).splitlines()[0]
            hint = f"this model is {this_model}"
            hint = f" (the file holds {saved_model}; {hint})" if saved_model else f" ({hint})"
            raise StateDictError(f"{os.fspath(path)}: {error}{hint}") from None


class StateDictError(ValueError):
    """A state dict or model file does not fit the model (keys, sizes or numbers), or a file
    is not a tinygrad_edu model file. Nothing was changed."""


def _finite(x: Any, name: str) -> float:
    """``x`` as a float, if it is a real number that a float holds finitely."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise StateDictError(f"{name}: expected a number, got {type(x).__name__} {_short(x)}")
    try:
        number = float(x)
    except OverflowError:  # an int beyond 1.8e308
        raise StateDictError(f"{name}: the number {_short(x)} is too large for a float") from None
    if not math.isfinite(number):
        raise StateDictError(f"{name}: expected a finite number, got {x!r}")
    return number


def _short(x: Any) -> str:
    """``repr(x)``, cut to 60 characters: a 400-digit int or a long list stays readable."""
    if isinstance(x, int) and x.bit_length() > 200:
        return f"(an int of {x.bit_length()} bits)"
    text = repr(x)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _key_mismatch(model: Module, missing: list[str], unexpected: list[str]) -> str:
    def some(keys: list[str]) -> str:
        shown = ", ".join(keys[:4])
        return shown + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")

    parts = []
    if missing:
        parts.append(f"missing keys {some(missing)}")
    if unexpected:
        parts.append(f"unexpected keys {some(unexpected)}")
    return (
        f"the state does not fit {type(model).__name__}: {'; '.join(parts)}. Was it saved "
        "from a model with another architecture? (strict=False loads the keys that match)"
    )


# ----------------------------------------------------------------------------- layers


class Neuron(Module):
    """One neuron: ``activation(w·x + b)`` with ``nin`` weights and a bias.

    ``activation`` is ``'relu'`` (default, as in micrograd), ``'tanh'``, ``'sigmoid'``,
    ``'leaky_relu'``, ``'linear'`` or any function from Value to Value; micrograd's
    ``nonlin=False`` means linear. ``init`` draws the weights: ``'uniform'`` (micrograd's
    U(-1, 1), default), ``'randn'`` (N(0, 1) × 0.1), ``'xavier'`` or ``'he'``; the bias
    starts at 0. ``seed`` is an int (reproducible, the global ``random`` is not touched), a
    ``random.Random`` or None (the global ``random`` module, as micrograd). ``fan_out`` only
    matters for Xavier; a ``Layer`` passes its width.

    >>> n = Neuron(2, activation="tanh", seed=0)
    >>> y = n([1.0, -2.0])          # a Value
    """

    def __init__(
        self,
        nin: int,
        activation: Activation = "relu",
        *,
        init: Init = "uniform",
        seed: Seed = None,
        fan_out: int = 1,
        nonlin: bool | None = None,
    ) -> None:
        if not isinstance(nin, int) or nin < 1:
            raise ValueError(f"Neuron needs nin >= 1 inputs, got {nin!r}")
        self.activation, self._act = _activation(activation, nonlin)
        draw, rng = _init(init), _rng(seed)
        self.w = [Value(draw(rng, nin, fan_out), f"w{i + 1}") for i in range(nin)]
        self.b = Value(0.0, "b")

    def forward(self, x: Sequence[Value | float]) -> Value:
        """``activation(w·x + b)`` for ``nin`` inputs (Values or plain numbers)."""
        _check_size(x, len(self.w), self)
        return self._forward(list(x))

    def _forward(self, xs: list[Any]) -> Value:  # xs: checked Values and floats
        z = dot(self.w, xs) + self.b
        return z if self._act is None else self._act(z)

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, {self.activation})"


class Layer(Module):
    """``nout`` neurons that all read the same ``nin`` inputs.

    Calling a layer returns a **list** of ``nout`` Values, even when ``nout`` is 1 (micrograd
    returns the single Value there; here only ``MLP`` unwraps a single output). Keyword
    arguments are passed on to every ``Neuron``.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: Activation = "relu",
        *,
        init: Init = "uniform",
        seed: Seed = None,
        nonlin: bool | None = None,
    ) -> None:
        if not isinstance(nout, int) or nout < 1:
            raise ValueError(f"Layer needs nout >= 1 neurons, got {nout!r}")
        rng = _rng(seed)
        self.neurons = [
            Neuron(nin, activation, init=init, seed=rng, fan_out=nout, nonlin=nonlin)
            for _ in range(nout)
        ]
        self.nin, self.nout = nin, nout

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        """The outputs of all neurons, as a list of ``nout`` Values."""
        _check_size(x, self.nin, self)
        xs = list(x)
        return [n._forward(xs) for n in self.neurons]

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, {self.neurons[0].activation})"


class MLP(Module):
    """A multi-layer perceptron: ``nin`` inputs, then one layer per entry of ``nouts``.

    Hidden layers use ``activation`` (relu by default); the last layer is linear, so its
    outputs are raw scores (logits). ``MLP(2, [16, 16, 1])`` is micrograd's demo model with
    337 parameters. With a single output, calling the model returns that ``Value`` (as in
    micrograd); otherwise a list of Values. ``seed`` makes the weights reproducible.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: Activation = "relu",
        *,
        init: Init = "uniform",
        seed: Seed = None,
    ) -> None:
        if isinstance(nouts, int) or not nouts:
            raise ValueError(f"MLP needs a list of layer sizes, e.g. [16, 16, 1], got {nouts!r}")
        rng = _rng(seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < last else "linear", init=init,
                  seed=rng)
            for i in range(len(nouts))
        ]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def __repr__(self) -> str:
        sizes = " -> ".join(str(n) for n in [self.layers[0].nin] + [la.nout for la in self.layers])
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        count = len(self.parameters())
        return "\n".join([f"MLP({sizes}, {count} parameters)", *lines])


# ----------------------------------------------------------------------------- files

FORMAT = "tinygrad_edu.state_dict"
VERSION = 1


def save(obj: Module | Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a model's parameters (or a state dict) to ``path`` as JSON.

    The file records a format name and version, the model's description and its
    ``state_dict()``. The numbers are checked first (``StateDictError`` if one is not
    finite): nothing is written then. The JSON goes to a temporary file next to the target
    and is then moved into place, so an existing file is never left half-written; if
    ``path`` is a symlink, the file it points to is replaced and the link kept. A failure
    removes the temporary file and raises an ``OSError`` naming ``path``."""
    state = obj.state_dict() if isinstance(obj, Module) else dict(obj)
    checked: dict[str, float | list[float]] = {}
    try:
        for name, entry in state.items():
            if not isinstance(name, str):
                raise StateDictError(f"the keys must be parameter names (str), got {name!r}")
            if isinstance(entry, (list, tuple)):
                checked[name] = [_finite(v, f"{name}[{i}]") for i, v in enumerate(entry)]
            else:
                checked[name] = _finite(entry, name)
    except StateDictError as error:
        raise StateDictError(f"cannot save {os.fspath(path)}: {error}") from None
    text = json.dumps({
        "format": FORMAT,
        "version": VERSION,
        "model": repr(obj).splitlines()[0] if isinstance(obj, Module) else "",
        "state_dict": checked,
    }, indent=1, allow_nan=False)
    target = os.path.realpath(path)  # through symlinks: replace the file, keep the link
    temporary = f"{target}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        if os.path.exists(target) and not os.access(target, os.W_OK):
            raise PermissionError(errno.EACCES, "the file is read-only")
        with open(temporary, "x", encoding="utf-8") as file:
            if os.path.isfile(target):  # the new file keeps the old one's permissions
                os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
            file.write(text)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the name points to them
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        reason = error.strerror or str(error)
        failure = type(error)(f"cannot save the model to {os.fspath(path)}: {reason}")
        failure.errno = error.errno  # (no filename: it would replace the message)
        raise failure from None


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a state dict written by ``save``, to pass to ``model.load_state_dict``.

    A file that is not JSON, or not in this format, raises ``StateDictError`` naming it."""
    return _read(path)[1]


def _read(path: str | os.PathLike[str]) -> tuple[str, dict[str, Any]]:
    """(the saved model's description, its state dict) from a file written by ``save``."""
    path = os.fspath(path)
    with open(path, "rb") as file:
        raw = file.read()
    try:
        document = json.loads(raw)
    except ValueError as error:  # not JSON, not UTF-8, or an int of more than 4300 digits
        raise StateDictError(f"{path}: not a tinygrad_edu model file: {error}") from None
    except RecursionError:
        raise StateDictError(f"{path}: not a tinygrad_edu model file: its JSON is nested too "
                             "deeply") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StateDictError(f"{path}: not a tinygrad_edu model file (no format {FORMAT!r})")
    if document.get("version") != VERSION:
        raise StateDictError(
            f"{path}: file format version {document.get('version')!r}; this version of "
            f"tinygrad_edu reads version {VERSION}"
        )
    state = document.get("state_dict")
    if not isinstance(state, dict):
        raise StateDictError(f"{path}: the file has no state_dict")
    return str(document.get("model", "")), state
