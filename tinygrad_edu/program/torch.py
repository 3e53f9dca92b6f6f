"""A graph's program, and a model built with our nn, handed to PyTorch: the graduation path.

``to_torch(program)`` (a ``Program``, a native one, or a ``Tape``) gives a function of torch
tensors that computes the same graph, one torch op per node, in float64: call it on one
0-d tensor per leaf (``f.leaves()`` makes them from the leaves' numbers now) and let
``torch.autograd`` take the gradients. Its numbers equal ours to about 1e-12 (PyTorch's libm
and its sums round a little differently: ours sums ``dot`` and ``vsum`` exactly, PyTorch
rounds every partial sum). Its plain numbers (``xs[0] * xs[1]`` of a NumPy float32 array
given, a count) are computed as the engine computes them, of their own kind: NumPy's float32
in float32, then a float64 tensor where a node takes one. Before it runs, it checks what
the program checks: where our engine raises (a log of -1) it raises the engine's error,
where the code would take another branch, or a number read from outside changed, it refuses
(call the compiled function).

``to_torch(model)`` (an ``MLP``, a ``Layer`` or a ``Neuron`` of ``tinygrad_edu.nn``) gives
the ``torch.nn`` module a PyTorch user would write for it, with the same weights:
``nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
nn.Linear(16, 1))`` for ``MLP(2, [16, 16, 1])``, in float64. It takes a batch, one example per
row (``model(X)``: shape (n, nout)), where our scalar model takes one example at a time.

PyTorch is an optional extra (``pip install -e '.[torch]'``): it is imported here, when one of
these is called, never when tinygrad_edu is.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from tinygrad_edu.ops import find_op
from tinygrad_edu.program.program import failed_guard, still_holds
from tinygrad_edu.program.reading import number_of
from tinygrad_edu.program.tape import NumberStep, Raises, Step, Tape
from tinygrad_edu.row import GivenOp, ListOp

__all__ = ["TorchProgram", "to_torch"]


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        if sys.platform == "emscripten":  # (a web page's Python: nothing to install there)
            raise ImportError("to_torch needs PyTorch, which a web page's Python (Pyodide) "
                              "does not have: run this on your computer, with tinygrad_edu's "
                              "torch extra installed (pip install -e '.[torch]')") from None
        raise ImportError("to_torch needs PyTorch, an optional extra of tinygrad_edu: pip install "
                          "-e '.[torch]' (or pip install torch)") from None
    return torch


SPELLED: dict[str, Callable[..., Any]] = {
    "+": lambda t, a, b: a + b, "-": lambda t, a, b: a - b, "*": lambda t, a, b: a * b,
    "/": lambda t, a, b: a / b, "**": lambda t, a, b: t.pow(a, b), "neg": lambda t, x: -x,
    "exp": lambda t, x: t.exp(x), "log": lambda t, x: t.log(x), "sqrt": lambda t, x: t.sqrt(x),
    "tanh": lambda t, x: t.tanh(x), "sigmoid": lambda t, x: t.sigmoid(x),
    "sin": lambda t, x: t.sin(x), "cos": lambda t, x: t.cos(x), "relu": lambda t, x: t.relu(x),
    "abs": lambda t, x: t.abs(x),
    "leaky_relu": lambda t, x, alpha: t.nn.functional.leaky_relu(x, float(alpha)),
    "vsum": lambda t, xs: t.stack(xs).sum() if xs else t.zeros((), dtype=t.float64),
    "dot": lambda t, ws, xs: t.dot(t.stack(ws), t.stack(xs)) if ws else
    t.zeros((), dtype=t.float64)}
"""Each built-in op of the engine as PyTorch computes it, by name: ``f(torch, *operands)``
with the operands as the op's forward function takes them (0-d float64 tensors; for
``vsum`` one list, for ``dot`` two). A plain number is a tensor too: PyTorch computes
``c / t`` for a Python number c as c · (1/t), rounding twice (tests/torch_deviations.py, 15)."""


def _at_an_edge(t: Any, row: Any, operands: list[Any], y: Any) -> Any:
    """``y``, the op ``row`` of ``operands`` as PyTorch computes it; where an operand is not
    finite or is zero (NaN, ±inf, ±0.0), ``y`` with the engine's own local derivatives
    there (``row.rules``): PyTorch picks some of those slopes by a comparison or a mask,
    relu, abs, leaky_relu at a NaN (1, 0, alpha), ``a ** 0`` at a NaN base (0), √x at -0.0
    (-inf), ``0 ** -inf`` (-inf, -inf), where the engine's are NaN, NaN, NaN, +inf, (+inf,
    0): a diverged model's gradient came out finite, silently (an attacker's a64c F1, a64d
    F6; tests/torch_deviations.py, 2, 3 and 9)."""
    numbers = [_plain(o) for o in operands]
    if all(math.isfinite(n) and n != 0.0 for n in numbers):
        return y
    try:
        found = [0.0 if rule is None else float(rule(*numbers, _plain(y)))
                 for rule in row.rules]  # (None: a setting's, leaky_relu's slope)
    except (ArithmeticError, ValueError, TypeError):  # (where the engine's rule raises, its
        return y  # backward raises too: the engine's error, not a number of PyTorch's)
    found += [0.0] * (len(operands) - len(found))
    return _given(t).apply(y, tuple(found), *operands)


def _plain(tensor: Any) -> float:
    """A 0-d tensor's number, without its gradient (and without PyTorch's warning)."""
    return float(tensor.detach().item())


def torch_spelling(row: Any) -> Callable[..., Any] | None:
    """``row`` as PyTorch computes it, or None: an op of your own (or a row that is not the
    built-in one of its name) has no PyTorch spelling."""
    spelled = SPELLED.get(row.name)
    if spelled is None or find_op(row.name, missing_ok=True) is not row:
        return None
    return spelled


_GIVEN: dict[int, Any] = {}


def _given(torch: Any) -> Any:
    """A node made by hand (``Value(data, children, local_grads)``) as a torch autograd
    function: its given number, and each child's gradient its given local derivative times
    the node's."""
    if id(torch) not in _GIVEN:
        class Given(torch.autograd.Function):
            @staticmethod
            def forward(ctx: Any, number: Any, derivatives: tuple[float, ...],
                        *children: Any) -> Any:
                ctx.derivatives = derivatives
                return number.detach().clone()

            @staticmethod
            def backward(ctx: Any, grad: Any) -> Any:
                return (None, None, *[grad * d for d in ctx.derivatives])

        _GIVEN[id(torch)] = Given
    return _GIVEN[id(torch)]


class TorchProgram:
    """A tape as a function of torch tensors (see the module's docstring): ``f(*leaves,
    numbers=())`` with one 0-d float64 tensor per leaf of ``tape.leaves`` (in that order) and
    the program's number inputs; ``f.leaves()``: those tensors, made from the leaves'
    numbers now; ``f.run(numbers)``: as ``Program.run``, with PyTorch's autograd."""

    def __init__(self, tape: Tape) -> None:
        missing = [repr(step.row.name) for step in tape.steps if isinstance(step, Step) and
                   not isinstance(step.row, GivenOp) and torch_spelling(step.row) is None]
        if missing:
            names = list(dict.fromkeys(missing))
            several = len(names) > 1
            raise ValueError(f"to_torch: {'the ops' if several else 'the op'} {', '.join(names)} "
                             f"{'have' if several else 'has'} no PyTorch spelling (an op of your "
                             "own); write the function with torch's functions, or run the "
                             "program itself (Program.run)")
        self.tape = tape
        self.torch = _torch()
        t = self.torch
        self.constants = {slot: t.tensor(number, dtype=t.float64)
                          for slot, number in tape.constants.items()}

    def leaves(self, requires_grad: bool = True) -> list[Any]:
        """One 0-d float64 tensor per leaf, holding its number now."""
        t = self.torch
        return [t.tensor(number_of(leaf), dtype=t.float64, requires_grad=requires_grad)
                for _, leaf in self.tape.leaves]

    def __call__(self, *leaves: Any, numbers: Sequence[Any] = ()) -> Any:
        """The output, a 0-d tensor, computed from ``leaves`` and ``numbers``."""
        t, tape = self.torch, self.tape
        if len(leaves) != len(tape.leaves) or len(numbers) != len(tape.numbers):
            raise TypeError(f"this program takes {len(tape.leaves)} leaves and "
                            f"{len(tape.numbers)} numbers; got {len(leaves)} leaves and "
                            f"{len(numbers)} numbers (f.leaves() makes the leaves' tensors)")
        still_holds(tape)  # (and the program's guards and checks, on these numbers: where
        where = failed_guard(tape, [_plain(leaf) for leaf in leaves], list(numbers))
        if where is not None:  # the engine raises, its error; another branch: refused)
            raise RuntimeError("a guard of this program fails on these numbers: the code that "
                               f"built it would build another graph now ({where}); call the "
                               "compiled function, which captures it again")
        slots: dict[int, Any] = dict(self.constants)
        plain: dict[int, Any] = dict(tape.constants)  # (a plain number's slot: the number as
        for (slot, _), leaf in zip(tape.leaves, leaves):  # the engine computes with it, a
            slots[slot] = leaf  # NumPy float32's in float32; a64f's F4: each was a float64)
        for (slot, _), number in zip(tape.numbers, numbers):
            slots[slot] = t.as_tensor(number, dtype=t.float64)
            if not isinstance(number, t.Tensor):
                plain[slot] = number
        for step in tape.steps:
            if isinstance(step, Raises):  # (a check of ours: a torch op gives NaN there)
                continue
            if isinstance(step, NumberStep):  # a plain number: no gradient
                value = step.function(*(plain[a] if a in plain else _plain(slots[a])
                                        for a in step.args))
                plain[step.out] = value
                slots[step.out] = t.tensor(float(value), dtype=t.float64)
            elif isinstance(step.row, GivenOp):
                derivatives = tuple(_plain(slots[a]) for a in step.given[1:])
                slots[step.out] = _given(t).apply(slots[step.given[0]].detach(), derivatives,
                                                  *(slots[a] for a in step.args))
            else:  # (an operand that is no node gets no gradient: .data, item(), detach())
                operands = [slots[a] if node else slots[a].detach()
                            for a, node in zip(step.args, step.nodes)]
                spelled = SPELLED[step.row.name]
                if isinstance(step.row, ListOp):
                    lists = (operands,) if step.row.lists == 1 else (
                        operands[:step.first], operands[step.first:])
                    slots[step.out] = spelled(t, *lists)
                else:
                    slots[step.out] = _at_an_edge(t, step.row, operands,
                                                  spelled(t, *operands))
        return slots[tape.root]

    def run(self, numbers: Sequence[Any] = ()) -> float:
        """As ``Program.run``, by PyTorch: the output's number, and each leaf's gradient
        (``torch.autograd``'s) added to its ``.grad``."""
        leaves = self.leaves()
        out = self(*leaves, numbers=numbers)
        grads = self.torch.autograd.grad(out, leaves, allow_unused=True) if \
            out.requires_grad and leaves else (None,) * len(leaves)
        for (_, leaf), grad in zip(self.tape.leaves, grads):
            leaf.grad += 0.0 if grad is None else grad.item()
        return _plain(out)

    def __repr__(self) -> str:
        return (f"<PyTorch function of a graph of {self.tape.nodes} nodes, "
                f"{len(self.tape.leaves)} leaves, {len(self.tape.numbers)} number inputs>")


# ----------------------------------------------------------------------------- models

ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU",
               "linear": None}
"""Our activations by name, as torch.nn's modules (leaky_relu's slope 0.01 in both)."""


def module_to_torch(model: Any) -> Any:
    """``model`` (an ``MLP``, ``Layer``, ``Neuron``, or a ``Sequential`` of layers of
    tinygrad_edu.nn) as the equivalent ``torch.nn.Sequential``, float64, same weights."""
    from tinygrad_edu.nn import Layer, Neuron
    from tinygrad_edu.nn.module import Sequential

    torch = _torch()
    if isinstance(model, Neuron):
        return torch.nn.Sequential(*_dense(torch, [model], f"{model!r}"))
    if isinstance(model, Layer):
        return torch.nn.Sequential(*_dense(torch, model.neurons, f"{model!r}"))
    if isinstance(model, Sequential) and all(isinstance(x, (Layer, Neuron)) for x in model):
        modules: list[Any] = []
        for i, layer in enumerate(model):
            neurons = layer.neurons if isinstance(layer, Layer) else [layer]
            modules += _dense(torch, neurons, f"layer {i} ({layer!r})")
        return torch.nn.Sequential(*modules)
    raise TypeError(f"to_torch takes a program, a tape, or a model of tinygrad_edu.nn made of "
                    f"Neurons and Layers (an MLP); got {type(model).__name__}: write its "
                    "torch.nn module by hand, and load its weights from model.state_dict()")


def _dense(torch: Any, neurons: Sequence[Any], where: str) -> list[Any]:
    """nn.Linear with the neurons' weights (a row each) and biases, and their activation."""
    kinds = {neuron.activation if isinstance(neuron.activation, str) else None
             for neuron in neurons}
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind not in ACTIVATIONS:
        found = sorted({repr(n.activation) for n in neurons})
        raise TypeError(f"to_torch: {where} uses the activation {', '.join(found)}, which has no "
                        f"torch.nn module here; use one of {', '.join(ACTIVATIONS)} (or write "
                        "the torch.nn module by hand)")
    nin = len(neurons[0].w)
    linear = torch.nn.Linear(nin, len(neurons), dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[number_of(w) for w in n.w] for n in neurons],
                                         dtype=torch.float64))
        linear.bias.copy_(torch.tensor([number_of(n.b) for n in neurons], dtype=torch.float64))
    name = ACTIVATIONS[kind]
    return [linear] if name is None else [linear, getattr(torch.nn, name)()]


def to_torch(thing: Any) -> Any:
    """PyTorch's equivalent of ``thing``: of a program (a ``Program``, a native program or a
    ``Tape``), a ``TorchProgram``, a function of torch tensors; of a model of
    tinygrad_edu.nn (``MLP``, ``Layer``, ``Neuron``), the ``torch.nn`` module with the same
    weights. See the module's docstring."""
    tape = thing if isinstance(thing, Tape) else getattr(thing, "tape", None)
    if isinstance(tape, Tape):
        return TorchProgram(tape)
    return module_to_torch(thing)

