"""Random programs of the scalar engine, made by running it (tests/differential).

A program is a list of leaves and steps, each step one op of ``OPS`` on earlier nodes (any
of them, so nodes are shared) and constants (on either side). It is made one step at a time
by running our engine: where our op refuses the numbers (log of -1, a division by 0, a
negative base with an exponent that is a Value), the step is kept aside (``refused``), for
the comparison to check that PyTorch's op at those numbers gives no number either. The
program's output is the sum of the nodes no later step used.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tinygrad_edu import OPS, Value, dot, vsum

INF, NAN = math.inf, math.nan
EDGE_NUMBERS = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.0, 3.0, INF, -INF, NAN, 5e-324, -5e-324,
                1e-310, 1e-300, -1e-300, 1e300, -1e300, 709.0, -727.0, 1e-8, 1e8]
UNARY = sorted(name for name, op in OPS.items() if op.arity == 1 and name in
               {"neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "abs",
                "sin", "cos"})
BINARY = ["+", "-", "*", "/", "**"]
LISTS = ["vsum", "dot"]
ALPHAS = [0.01, 0.0, 1.0, 0.5, -0.5]


def number(rng: random.Random, edge_rate: float) -> float:
    """An ordinary number, or one of the edges (at ``edge_rate``)."""
    if rng.random() < edge_rate:
        return rng.choice(EDGE_NUMBERS)
    kind = rng.randrange(4)
    if kind == 0:
        return float(rng.randint(-3, 3))
    if kind == 1:
        return round(rng.uniform(-3.0, 3.0), 2)
    return rng.uniform(-3.0, 3.0) if kind == 2 else rng.uniform(0.05, 2.0)


Ref = tuple[str, Any]  # ("node", index) or ("const", number)


@dataclass
class Step:
    op: str
    args: list[Any]  # Refs; for vsum one list of Refs, for dot two
    alpha: float | None = None  # leaky_relu's

    def __str__(self) -> str:
        def show(a: Any) -> str:
            if isinstance(a, list):
                return "[" + ", ".join(show(x) for x in a) + "]"
            return f"v{a[1]}" if a[0] == "node" else repr(a[1])

        extra = f", alpha={self.alpha}" if self.alpha is not None else ""
        return f"{self.op}({', '.join(show(a) for a in self.args)}{extra})"


@dataclass
class Program:
    leaves: list[float]
    steps: list[Step]
    seed_gradient: float = 1.0
    refused: list[tuple[Step, list[float], str]] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"v{i} = {x!r}" for i, x in enumerate(self.leaves)]
        lines += [f"v{len(self.leaves) + k} = {s}" for k, s in enumerate(self.steps)]
        return "\n".join([*lines, f"backward({self.seed_gradient!r}) from the last"])


def apply(step: Step, nodes: list[Any], ops: dict[str, Callable[..., Any]]) -> Any:
    """The step on ``nodes`` (Values or tensors), with ``ops`` the engine's functions."""
    def get(ref: Ref) -> Any:
        return nodes[ref[1]] if ref[0] == "node" else ref[1]

    if step.op == "vsum":
        return ops["vsum"]([get(r) for r in step.args[0]])
    if step.op == "dot":
        return ops["dot"]([get(r) for r in step.args[0]], [get(r) for r in step.args[1]])
    if step.op == "leaky_relu":
        return ops["leaky_relu"](get(step.args[0]), step.alpha)
    return ops[step.op](*[get(r) for r in step.args])


OURS: dict[str, Callable[..., Any]] = {name: OPS[name] for name in UNARY + BINARY}
OURS.update({"vsum": vsum, "dot": dot, "leaky_relu": lambda x, a: x.leaky_relu(a)})


def random_step(rng: random.Random, n: int, edge_rate: float) -> Step:
    """One step on the nodes 0..n-1: recent ones more often (depth), any of them (sharing)."""
    def node() -> Ref:
        return ("node", rng.randrange(max(0, n - 3), n) if rng.random() < 0.5
                else rng.randrange(n))

    def operand() -> Ref:
        return ("const", number(rng, edge_rate)) if rng.random() < 0.25 else node()

    kind = rng.random()
    if kind < 0.45:
        op = rng.choice(UNARY)
        return Step(op, [node()], rng.choice(ALPHAS) if op == "leaky_relu" else None)
    if kind < 0.9:
        op = rng.choice(BINARY)
        args = [node(), operand()]
        if rng.random() < 0.5:
            args.reverse()  # a constant on either side
        return Step(op, args)
    k = rng.randint(1, 4)
    if rng.random() < 0.5:
        return Step("vsum", [[operand() for _ in range(k)] + [node()]])
    return Step("dot", [[operand() for _ in range(k)] + [node()],
                        [node()] + [operand() for _ in range(k)]])


def generate(seed: int, size: int | None = None, edge_rate: float | None = None
             ) -> tuple[Program, list[Value]]:
    """A random program of 5 to 40 nodes (or ``size``) and the Values our engine made
    running it; a quarter of them with ordinary numbers only, the others with edges."""
    rng = random.Random(seed)
    chosen = rng.choice([0.0, 0.05, 0.15, 0.3])
    edge_rate = chosen if edge_rate is None else edge_rate
    size = size or rng.randint(5, 40)
    leaves = [number(rng, edge_rate) for _ in range(rng.randint(1, min(6, size - 1)))]
    program = Program(leaves, [], rng.choice([1.0] * 6 + [-2.0, 0.0, INF, 5e-324, 1e-200]))
    nodes: list[Any] = [Value(x) for x in leaves]
    attempts = 0
    while len(nodes) < size - 1 and attempts < 20 * size:
        attempts += 1
        step = random_step(rng, len(nodes), edge_rate)
        try:
            nodes.append(apply(step, nodes, OURS))
        except (ArithmeticError, ValueError) as error:
            operands = [nodes[r[1]].data if r[0] == "node" else r[1]
                        for r in flat_args(step)]
            program.refused.append((step, operands, str(error)))
            continue
        program.steps.append(step)
    used = {r[1] for s in program.steps for r in flat_args(s) if r[0] == "node"}
    dangling = [i for i in range(len(leaves), len(nodes)) if i not in used] or [len(nodes) - 1]
    out = ("node", dangling[0])
    for i in dangling[1:]:  # the output: the sum of the nodes no step used
        program.steps.append(Step("+", [out, ("node", i)]))
        nodes.append(apply(program.steps[-1], nodes, OURS))
        out = ("node", len(nodes) - 1)
    return program, nodes


def flat_args(step: Step) -> list[Ref]:
    return [r for a in step.args for r in (a if isinstance(a, list) else [a])]

