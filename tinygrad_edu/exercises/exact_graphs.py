"""Where a class ``Value`` is tried for exactness: expressions on which the chain rule, with
each op's local derivative written as an expression, is exact to the rounding of float64,
and local derivatives found numerically are not.

A rule exercise has its exact points (``cases.ExactPoints``); the Value exercise has these.
A class whose ``backward()`` (or forward pass) takes each op's local derivative as a finite
difference of the op's function, with no derivative rule, gives gradients right to 1e-8
(a second-order difference) or 1e-12 (Richardson's extrapolation over three steps): within
the grader's tolerance of 1e-5, so the exercise's other stages pass it. Here each node's
gradient is compared with the engine's relative to ``bound``, the sum over the paths from
the node up to the root of the product of the local derivatives' sizes: how large the
gradient's rounding can be, however the paths cancel. An honest class, with any right form
of each rule (``1 - t**2`` or ``1 / cosh(x)**2``, tanh from ``math.tanh`` or from
exponentials, its own Value arithmetic in ``_backward``), is within ``GRADS`` of it (about
1e-15 measured); such a difference is not.

The expressions are drawn afresh at every grading (from the grading's seed, as the exact
points are) and kept well-conditioned: every node's number away from 0 and not large, tanh
and exp of numbers where their rules lose no digits, relu away from its kink. There two
honest forms of a rule agree to their rounding: nowhere does an honest answer need the
tolerance that ill-conditioned points would (``shortcuts.tolerance``).

What this cannot catch: a numerical derivative as exact as the rule (a difference of a
high order, or extrapolated over many steps, with its step chosen well: about 1e-14), or
the complex step where the watch does not see it (``learner/rerun.py``).
"""

from __future__ import annotations

import dataclasses
import math
import random
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.exercises.learner.expression_cases import Expression

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises

GRADS = 2e-14
"""How far a node's gradient may be from the engine's, relative to the sum of the sizes of
its paths' products (``bound``): about 100 times the rounding of float64. Measured over
1,900 gradings of 4 expressions: honest classes come within 0.15 of this (micrograd's
lecture, its tanh from exponentials; the others within 0.1, over 400), Richardson's
extrapolation of central differences over three steps (300 gradings) no nearer than 6.7
times it, a second-order difference 3e5 times."""
TANH = 2.0**-46
"""How far ``1 - t**2`` may be off, relative to t², where t is tanh written with
exponentials: 64 times the rounding of float64."""
EXPRESSIONS = 4
"""How many expressions are drawn at each grading."""
STEPS = 14
"""The steps of each."""
UNARY = ("tanh", "exp", "relu", "**")
BINARY = ("+", "-", "*", "/")
WITH_NUMBER = ("+c", "c+", "-c", "c-", "*c", "c*", "/c", "c/")
POWERS = (2, 3, -1, 0.5)
SMALLEST = 0.05
"""No node's number, and no relu's input, is nearer 0 than this (its relative rounding,
and a quotient's, stays that of float64)."""
CANCEL = 4.0
"""No sum or difference is smaller than its operands' sizes added, divided by this: where
a - b cancels, the roundings of a and b, which two honest forms of tanh make differently,
grow by as much in it and in every gradient that goes through it."""
SUMS = ("+", "-", "+c", "c+", "-c", "c-")
LARGEST = 20.0
"""Nor further from 0 than this."""
LEAST = 0.3
"""Nor of a number nearer 0 than this: tanh written with exponentials, as micrograd's
lecture writes it, ``(exp(2x) - 1) / (exp(2x) + 1)``, loses digits there (at 0.05, ten
times the rounding of ``math.tanh``)."""
EACH = 2
"""Each expression has at least this many of tanh and of exp."""
SATURATED = 3.0
"""No tanh or exp of a number further from 0 than this: there ``1 - t**2`` and
``1 / cosh(x)**2`` still agree to 1e-14 (at 10 they are 1e-8 apart)."""


@dataclasses.dataclass(frozen=True)
class ExactExpressions:
    """What draws the expressions where a class Value is tried for exactness."""

    count: int = EXPRESSIONS
    steps: int = STEPS

    def draw(self, rng: random.Random) -> tuple[Expression, ...]:
        """``count`` new well-conditioned expressions, from ``rng``."""
        return tuple(_expression(rng, self.steps) for _ in range(self.count))


def _number(rng: random.Random) -> float:
    """A number in ±[0.5, 2], every digit of a float64 used."""
    while True:
        v = rng.uniform(0.5, 2.0) * rng.choice((-1.0, 1.0))
        if v.as_integer_ratio()[1] >= 2**40:
            return v


def _expression(rng: random.Random, steps: int) -> Expression:
    """An expression of ``steps`` steps on three leaves, each step on one of the last few
    nodes (so that the paths are long) and well-conditioned (``_made``), with tanh and exp
    ``EACH`` times at least; then every node that no step used is added to the root, so that
    every node has a path to it."""
    while True:
        leaves = [_number(rng) for _ in range(3)]
        nodes = [Value(x) for x in leaves]
        made: list[tuple[str, tuple[int, ...], Any]] = []
        while len(made) < steps:
            recent = range(max(0, len(nodes) - 4), len(nodes))
            a, b = rng.choice(recent), rng.choice(range(len(nodes)))
            kind = rng.random()
            if kind < 0.4:
                step: tuple[str, tuple[int, ...], Any] = (rng.choice(UNARY), (a,), None)
                if step[0] == "**":
                    step = ("**", (a,), rng.choice(POWERS))
            elif kind < 0.75:
                step = (rng.choice(BINARY), (a, b), None)
            else:
                step = (rng.choice(WITH_NUMBER), (a,), _number(rng))
            node = _made(step, nodes)
            if node is not None:
                made.append(step)
                nodes.append(node)
        if all(sum(op == name for op, _, _ in made) >= EACH for name in ("tanh", "exp")):
            break
    used = {i for _, args, _ in made for i in args}
    for k in range(len(nodes) - 1):
        if k not in used and _made(("+", (len(nodes) - 1, k), None), nodes) is not None:
            made.append(("+", (len(nodes) - 1, k), None))
            nodes.append(_made(made[-1], nodes))  # type: ignore[arg-type]
    expression = Expression(tuple(leaves), tuple(made))
    return dataclasses.replace(expression, values=tuple(n.data for n in nodes))


def _made(step: tuple[str, tuple[int, ...], Any], nodes: list[Value]) -> Value | None:
    """The step's node, if the step is well-conditioned; else None."""
    from tinygrad_edu.exercises.learner.expression_cases import EXPRESSION_OPS

    op, args, number = step
    u = nodes[args[0]].data
    if (op in ("tanh", "exp") and not LEAST <= abs(u) <= SATURATED) or \
            (op == "relu" and u <= SMALLEST) \
            or (op == "**" and number == 0.5 and u <= 0):
        return None  # (relu of a negative number: a node of 0, whose gradient is 0)
    try:
        node = EXPRESSION_OPS[op](*(nodes[i] for i in args), *([] if number is None
                                                               else [number]))
    except (ZeroDivisionError, OverflowError, ValueError):
        return None
    data = node.data
    if op in SUMS:  # (no sum that cancels: its operands' rounding would grow in it)
        size = sum(abs(nodes[i].data) for i in args) + abs(number or 0.0)
        if abs(data) * CANCEL < size:
            return None
    return node if SMALLEST <= abs(data) <= LARGEST and math.isfinite(data) else None


def bound(case: Expression) -> list[float]:
    """For every node of ``case`` (in order), how far an honest class's gradient may be
    from the engine's: ``GRADS`` times the sum over the paths from the node up to the root
    of the product of the sizes of the local derivatives along the path (the gradient with
    no path cancelling another, what its rounding is relative to), and, where a path passes
    a tanh, ``TANH`` times t² times the product of the rest (``1 - t**2`` loses the digits
    that t, rounded, has: tanh from exponentials is a few roundings off)."""
    nodes = case.build(Value)
    place = {id(n): k for k, n in enumerate(nodes)}
    sizes, loose = [0.0] * len(nodes), [0.0] * len(nodes)
    sizes[-1] = 1.0
    tanh = {len(case.leaves) + k for k, (op, _, _) in enumerate(case.steps) if op == "tanh"}
    for k in range(len(nodes) - 1, -1, -1):  # (nodes are made in a topological order)
        for parent, local in zip(nodes[k].parents, nodes[k].local_grads):
            p = place[id(parent)]
            sizes[p] += abs(local) * sizes[k]
            loose[p] += abs(local) * loose[k] + (
                TANH * nodes[k].data ** 2 * sizes[k] if k in tanh else 0.0)
    return [GRADS * size + extra for size, extra in zip(sizes, loose)]


def off_by(got: Any, expected: Any, case: Expression) -> float:
    """How far the gradients ``got`` are from ``expected``, at the node where it is most,
    relative to how far they may be (``bound``): above 1, not a chain rule of exact local
    derivatives."""
    if not all(math.isfinite(g) for g in got):
        return math.inf
    return max((abs(g - e) / b for g, e, b in zip(got, expected, bound(case)) if b),
               default=0.0)
