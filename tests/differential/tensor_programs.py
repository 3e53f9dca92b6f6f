"""Random programs of the tensor engine, made by running it (tests/differential).

A program starts from one to three leaves of random shapes (0-d to 3-d) holding ordinary
numbers and, in most programs, edges (0, -0, ±inf, NaN, subnormals, ±1e300, ...) at random
entries; each step is an elementwise op (broadcast against another node or a constant array
of a shape that broadcasts, on either side), a reduction over a random axis, softmax or
log_softmax, reshape or transpose, indexing (ints, slices, integer arrays that repeat),
matmul, concatenate or stack, mse_loss or cross_entropy. The output is the sum of every
node no later step used. A step our engine refuses is kept aside (``TProgram.refused``):
tensors.py asks PyTorch about it. ``apply_step`` runs a step on either engine's nodes
(``Ours``, or PyTorch's twins from tensor_twins.py).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tests.differential.programs import EDGE_NUMBERS
from tinygrad_edu.tensor import (
    Tensor,
    clip,
    concatenate,
    cross_entropy,
    log_softmax,
    maximum,
    minimum,
    mse_loss,
    softmax,
    stack,
    where,
)

SHAPES = [(), (3,), (2, 3), (3, 1), (1, 3), (2, 1, 3), (2, 2, 2)]
UNARY = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "abs", "neg", "clip"]
BINARY = ["+", "-", "*", "/", "**", "maximum", "minimum", "where"]
OTHERS = ["sum", "mean", "max", "softmax", "log_softmax", "reshape", "transpose", "index",
          "matmul", "concatenate", "stack", "mse_loss", "cross_entropy"]


@dataclass
class TStep:
    op: str
    args: list[Any]  # ("node", i) or ("const", array)
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        def show(a: Any) -> str:
            return f"t{a[1]}" if a[0] == "node" else np.array2string(np.asarray(a[1]),
                                                                  precision=4)
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"{self.op}({', '.join(show(a) for a in self.args)}{extra})"


@dataclass
class TProgram:
    leaves: list[np.ndarray]
    steps: list[TStep]
    refused: list[tuple[TStep, str]] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"t{i} = {np.array2string(x, precision=4)}" for i, x in enumerate(self.leaves)]
        n = len(self.leaves)
        return "\n".join(lines + [f"t{n + k} = {s}" for k, s in enumerate(self.steps)])


def array(rng: random.Random, shape: tuple[int, ...], edge_rate: float) -> np.ndarray:
    x = np.array([rng.uniform(-3.0, 3.0) for _ in range(math.prod(shape))]).reshape(shape)
    for index in np.ndindex(*shape):
        if rng.random() < edge_rate:
            x[index] = rng.choice(EDGE_NUMBERS)
    return x


def broadcastable(rng: random.Random, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts with ``shape`` to ``shape``: some axes 1, fewer leading."""
    cut = rng.randint(0, len(shape))
    return tuple(1 if rng.random() < 0.3 else n for n in shape[cut:])


METHOD = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


def apply_step(step: TStep, nodes: list[Any], E: Any) -> Any:
    """The step on nodes of one engine: ``E`` is ``Ours`` or PyTorch's ``theirs(torch)``."""
    xs = [nodes[a[1]] if a[0] == "node" else E.const(a[1]) for a in step.args]
    return getattr(E, METHOD.get(step.op, step.op))(*xs, **step.params)


def _method(name: str) -> Callable[..., Any]:
    return lambda t: getattr(t, name)()


class Ours:
    """The tensor engine's ops under the names ``apply_step`` asks for."""

    const = staticmethod(lambda a: a)  # (a plain array is a constant)
    exp, log, sqrt = staticmethod(_method("exp")), staticmethod(_method("log")), \
        staticmethod(_method("sqrt"))
    tanh, sigmoid = staticmethod(_method("tanh")), staticmethod(_method("sigmoid"))
    relu, abs = staticmethod(_method("relu")), staticmethod(_method("abs"))
    leaky_relu = staticmethod(lambda t, alpha: t.leaky_relu(alpha))
    neg = staticmethod(lambda t: -t)
    clip = staticmethod(lambda t, low, high: clip(t, low, high))
    add = staticmethod(lambda a, b: a + b)
    sub = staticmethod(lambda a, b: a - b)
    mul = staticmethod(lambda a, b: a * b)
    div = staticmethod(lambda a, b: a / b)
    pow = staticmethod(lambda a, b: a**b)
    maximum, minimum = staticmethod(maximum), staticmethod(minimum)
    where = staticmethod(lambda a, b, condition: where(condition, a, b))
    sum = staticmethod(lambda t, axis, keepdims: t.sum(axis=axis, keepdims=keepdims))
    mean = staticmethod(lambda t, axis, keepdims: t.mean(axis=axis, keepdims=keepdims))
    max = staticmethod(lambda t, axis, keepdims: t.max(axis=axis, keepdims=keepdims))
    softmax = staticmethod(lambda t, axis: softmax(t, axis))
    log_softmax = staticmethod(lambda t, axis: log_softmax(t, axis))
    reshape = staticmethod(lambda t, shape: t.reshape(shape))
    transpose = staticmethod(lambda t, axes: t.transpose(*axes))
    index = staticmethod(lambda t, index: t[index])
    matmul = staticmethod(lambda a, b: a @ b)
    concatenate = staticmethod(lambda a, b, axis: concatenate([a, b], axis))
    stack = staticmethod(lambda a, b, axis: stack([a, b], axis))
    mse_loss = staticmethod(lambda t, target: mse_loss(t, target))
    cross_entropy = staticmethod(lambda t, targets: cross_entropy(t, targets))



def random_tstep(rng: random.Random, shapes: list[tuple[int, ...]], edge_rate: float) -> TStep:
    """One step on the nodes of these shapes (recent ones more often)."""
    n = len(shapes)

    def pick() -> int:
        return rng.randrange(max(0, n - 3), n) if rng.random() < 0.5 else rng.randrange(n)

    i = pick()
    shape, kind = shapes[i], rng.random()
    if kind < 0.3:
        op = rng.choice(UNARY)
        params: dict[str, Any] = {}
        if op == "leaky_relu":
            params = {"alpha": rng.choice([0.01, 0.0, 1.0, -0.5])}
        if op == "clip":
            low = rng.uniform(-2.0, 1.0)
            params = {"low": low, "high": low + rng.choice([0.0, 0.5, 2.0])}
        return TStep(op, [("node", i)], params)
    if kind < 0.65:
        op = rng.choice(BINARY)
        fits = [j for j in range(n) if broadcasts(shapes[j], shape)]
        if rng.random() < 0.5 and fits:
            other: Any = ("node", rng.choice(fits))
        elif op == "**":
            other = ("const", rng.choice([2.0, 0.5, 3.0, -1.0, 0.0, 1.5, 1.0]))
        else:
            other = ("const", array(rng, broadcastable(rng, shape), edge_rate))
        args = [("node", i), other] if rng.random() < 0.7 or op == "**" else [other, ("node", i)]
        params = {}
        if op == "where":
            out = np.broadcast_shapes(shape, np.shape(other[1]) if other[0] == "const"
                                      else shapes[other[1]])
            params = {"condition": np.array([rng.random() < 0.5 for _ in range(
                math.prod(out))], dtype=bool).reshape(out)}
        return TStep(op, args, params)
    op = rng.choice(OTHERS)
    d = len(shape)
    if op in ("sum", "mean", "max"):
        axis: Any = None
        if d and rng.random() < 0.7:
            axis = rng.randrange(-d, d) if d < 2 or rng.random() < 0.6 else \
                tuple(rng.sample(range(d), 2))
        return TStep(op, [("node", i)], {"axis": axis, "keepdims": rng.random() < 0.5})
    if op in ("softmax", "log_softmax") and d:
        return TStep(op, [("node", i)], {"axis": rng.randrange(-d, d)})
    if op == "reshape":
        size = math.prod(shape)
        options = [(size,), (1, size)] + ([(2, size // 2)] if size % 2 == 0 else [])
        return TStep(op, [("node", i)], {"shape": rng.choice(options)})
    if op == "transpose" and d >= 2:
        return TStep(op, [("node", i)], {"axes": tuple(rng.sample(range(d), d))})
    if op == "index" and d and shape[0]:
        m = shape[0]
        index = rng.choice([rng.randrange(m), slice(1, None), np.array([0, m - 1, 0]),
                            (slice(None), 0) if d >= 2 else -1])
        return TStep(op, [("node", i)], {"index": index})
    if op == "matmul" and d in (1, 2):
        k = shape[-1]
        right = rng.choice([(k,), (k, 2), (k, 1)])
        fits = [j for j in range(n) if shapes[j] == right]
        other = ("node", rng.choice(fits)) if fits and rng.random() < 0.5 else \
            ("const", array(rng, right, edge_rate))
        return TStep(op, [("node", i), other])
    if op in ("concatenate", "stack") and d:
        same = [j for j in range(n) if shapes[j] == shape]
        axis = rng.randrange(d) if op == "concatenate" else rng.randrange(d + 1)
        return TStep(op, [("node", i), ("node", rng.choice(same))], {"axis": axis})
    if op == "mse_loss":
        return TStep(op, [("node", i)], {"target": array(rng, shape, edge_rate)})
    if op == "cross_entropy" and d == 2 and shape[1]:
        return TStep(op, [("node", i)], {"targets": np.array(
            [rng.randrange(shape[1]) for _ in range(shape[0])], dtype=np.int64)})
    return TStep("tanh", [("node", i)])


def broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def generate_tensors(seed: int) -> tuple[TProgram, list[Any]]:
    """A random program of 3 to 14 steps and the Tensors our engine made running it (NumPy's
    warnings of inf - inf and the like silenced: the numbers are compared)."""
    with np.errstate(all="ignore"):
        return _generate_tensors(seed)


def _generate_tensors(seed: int) -> tuple[TProgram, list[Any]]:
    rng = random.Random(seed)
    edge_rate = rng.choice([0.0, 0.1, 0.25, 0.4])
    leaves = [array(rng, rng.choice(SHAPES), edge_rate) for _ in range(rng.randint(1, 3))]
    program = TProgram(leaves, [])
    nodes: list[Any] = [Tensor(x) for x in leaves]
    size, attempts = rng.randint(3, 14), 0
    while len(program.steps) < size and attempts < 10 * size:
        attempts += 1
        step = random_tstep(rng, [t.shape for t in nodes], edge_rate)
        try:
            nodes.append(apply_step(step, nodes, Ours))
        except (ArithmeticError, ValueError) as error:
            program.refused.append((step, str(error)))
            continue
        program.steps.append(step)
    used = {a[1] for s in program.steps for a in s.args if a[0] == "node"}
    dangling = [i for i in range(len(nodes)) if i not in used and i >= len(leaves)] or \
        [len(nodes) - 1]
    total: Any = None
    for i in dangling:  # the output: Σ of every node no step used, each summed
        program.steps.append(TStep("sum", [("node", i)], {"axis": None, "keepdims": False}))
        nodes.append(apply_step(program.steps[-1], nodes, Ours))
        if total is not None:
            program.steps.append(TStep("+", [("node", total), ("node", len(nodes) - 1)]))
            nodes.append(apply_step(program.steps[-1], nodes, Ours))
        total = len(nodes) - 1
    return program, nodes
