"""The graphs the graph exercises are graded on (a topological order, a backward pass, the
sum over paths, a node's step, a ``Value`` class): hypothesis's strategies that grow them
step by step, and the worked examples every solution is tried on first.

The graphs themselves are data (``learner/graph_cases.py``, ``learner/expression_cases.py``);
the other kinds of input are drawn in ``cases.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import random
from collections.abc import Sequence
from typing import Any, cast

from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.exercises.cases import drawn_from, tenths
from tinygrad_edu.exercises.learner.expression_cases import EXPRESSION_OPS, Expression
from tinygrad_edu.exercises.learner.graph_cases import ARITY, BY_HAND, OPS, Graph
from tinygrad_edu.exercises.learner.inputs import NodeCase

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises


MAX_PATHS = 256
"""The most paths from a drawn computation's root down to its leaves. A backward that walks
every path (right but slow, or wrong) then still finishes at once."""

_integers = functools.cache(st.integers)
"""``st.integers(lo, hi)``, made once for each pair: a graph draws thousands of steps, and
hypothesis validates and labels a strategy each time one is made (a third of the time
it took to draw a graph)."""
_BOOLEANS = st.booleans()


@functools.cache
def _sampled(options: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    """``st.sampled_from(options)``, made once for each tuple of options."""
    return st.sampled_from(options)


_LEAF = st.sampled_from((1.0, 0.5, -1.0, 2.0, -0.5)) | tenths(-1.5, 1.5)
"""A leaf's number: one with a decimal, of either sign; a failing graph shrinks to simple ones."""
_LOCAL = _integers(0, 37).map(lambda k: (-1) ** k * (k // 2 + 2) / 10)
"""A local derivative given to a node made by hand, ±0.2 to ±2 with one decimal: never 0 (a
node that passes nothing on would look the same to a backward that skips it)."""
BY_HAND_ONE_IN = 8
"""How often a step of a drawn graph is a node made by hand (``inputs.BY_HAND``): one in
8, so that every kind of graph is drawn with them and without, and a long chain nearly
always has some."""


class _Growing:
    """A computation being drawn: leaves, then steps, with the number of every node so far.
    An op that would leave order one (see ``fits``; a result above 10 in size), or give a
    node more than ``MAX_PATHS`` paths to the leaves, becomes ``FALLBACK`` of its first
    operand (tanh), so every number and gradient stays readable. Subclasses say which ops it
    may use."""

    FALLBACK: tuple[str, Any] = ("tanh", None)
    """The op (and its number) an op that does not fit becomes, on its first operand."""
    MADE_BY_HAND = True
    """Whether a step may be a node made by hand, its number and local derivatives drawn
    (``inputs.BY_HAND``): in graphs, not in expressions of a learner's own class."""

    def __init__(self, draw: st.DrawFn, most_leaves: int = 3) -> None:
        self.draw = draw
        self.values = [draw(_LEAF) for _ in range(draw(_integers(1, most_leaves)))]
        self.paths = [1] * len(self.values)
        self.steps: list[tuple[str, tuple[int, ...], Any]] = []
        self.leaves = len(self.values)

    @property
    def last(self) -> int:
        return len(self.values) - 1

    def add(self, op: str, args: Sequence[int], number: Any = None) -> int:
        args = tuple(args)
        if self.MADE_BY_HAND and sum(self.paths[i] for i in args) <= MAX_PATHS and \
                self.draw(_integers(1, BY_HAND_ONE_IN)) == BY_HAND_ONE_IN:  # (shrinks: op)
            given = (self.draw(tenths(-1.5, 1.5)), tuple(self.draw(_LOCAL) for _ in args))
            return self._append(BY_HAND, args, given, given[0])
        if (not self.fits(op, [self.values[i] for i in args], number)
                or sum(self.paths[i] for i in args) > MAX_PATHS):
            (op, number), args = self.FALLBACK, args[:1]
        value = self.apply(op, [Value(self.values[i]) for i in args], number).data
        if abs(value) > 10:
            (op, number), args = self.FALLBACK, args[:1]
            value = self.apply(op, [Value(self.values[args[0]])], number).data
        return self._append(op, args, number, value)

    def _append(self, op: str, args: tuple[int, ...], number: Any, value: float) -> int:
        self.values.append(value)
        self.paths.append(sum(self.paths[i] for i in args))
        self.steps.append((op, args, number))
        return self.last

    def fits(self, op: str, xs: list[float], number: Any) -> bool:
        """A product or exp only of numbers up to 2 in size."""
        return op not in ("*", "exp") or all(abs(x) <= 2 for x in xs)

    def apply(self, op: str, operands: list[Value], number: Any) -> Value:
        return OPS[op](*operands)

    def step_on(self, node: int) -> int:
        """One step applied to ``node``: a one-operand op, or a two-operand op with a leaf
        or with ``node`` itself, on either side."""
        draw = self.draw
        op = draw(_sampled(tuple(sorted(OPS))))
        if ARITY[op] == 1:
            return self.add(op, (node,))
        return self.add(op, self._pair(node))

    def _pair(self, node: int) -> tuple[int, int]:
        other = self.draw(_integers(0, self.leaves))
        other = node if other == self.leaves else other  # one choice in leaves + 1: itself
        return (node, other) if self.draw(_BOOLEANS) else (other, node)

    def combine(self, a: int, b: int) -> int:
        """A two-operand op on ``a`` and ``b``, in either order."""
        op = self.draw(_sampled(tuple(sorted(op for op in OPS if ARITY[op] == 2))))
        return self.add(op, (a, b) if self.draw(_BOOLEANS) else (b, a))

    def any_step(self) -> int:
        """A step whose operands are any nodes so far, the latest most often (so that it
        shrinks to a chain)."""
        op = self.draw(_sampled(tuple(sorted(OPS))))
        return self.add(op, [self.back() for _ in range(ARITY[op])])

    def back(self) -> int:
        return self.last - self.draw(_integers(0, self.last))

    def inner(self) -> int:
        """A node made by an op (not a leaf): only an inner node passes its gradient on."""
        return self.step_on(self.draw(_integers(0, self.leaves - 1)))

    def result(self) -> Any:
        """The graph, its steps' labels shuffled (``Graph.labels``) from the grading's seed and
        the graph itself (a permutation drawn by hypothesis would take the room of a long
        chain's, and long chains would be drawn less often)."""
        steps = tuple((op, args) for op, args, _ in self.steps)
        labels = list(range(len(self.steps)))
        random.Random(drawn_from("labels", repr(steps))).shuffle(labels)
        given = tuple(number for op, _, number in self.steps if op == BY_HAND)
        return Graph(tuple(self.values[:self.leaves]), steps, (), tuple(labels), given)


def _dag(g: _Growing, max_steps: int) -> None:
    """Any computation: each step takes its operands among the nodes so far."""
    for _ in range(g.draw(_integers(1, max_steps))):
        g.any_step()


def _reused(g: _Growing, max_steps: int) -> None:
    """An inner node u used at two depths: by a chain that starts at u, and by the root
    beside the chain's end (the graph a pre-order or breadth-first backward gets wrong)."""
    u = end = g.inner()
    for _ in range(g.draw(_integers(1, max(1, max_steps - 3)))):
        end = g.step_on(end)
    g.combine(end, u)


def _diamonds(g: _Growing, max_steps: int) -> None:
    """Diamonds stacked on one another: u feeds a and b, a and b meet in the next u."""
    u = g.inner()
    for _ in range(g.draw(_integers(1, 4))):
        a, b = g.step_on(u), g.step_on(u)
        u = g.combine(a, b)


def _fan(g: _Growing, max_steps: int) -> None:
    """A wide fan: one inner node used by 3 to 8 nodes, which are then combined in a chain,
    so the users of the node sit at different depths."""
    u = g.inner()
    users = [g.step_on(u) for _ in range(g.draw(_integers(3, 8)))]
    total = users[0]
    for user in users[1:]:
        total = g.combine(total, user)


def _chain(g: _Growing, max_steps: int) -> None:
    """A deep chain: 20 to 150 steps, each on the one before (and maybe a leaf)."""
    node = 0
    for _ in range(g.draw(_integers(20, 150))):
        node = g.step_on(node)


SHAPES = (_dag, _reused, _diamonds, _fan, _chain)


@st.composite
def graphs(draw: st.DrawFn, max_steps: int = 8) -> Graph:
    """Graphs of every kind that matters to backward, their numbers of order one: any small
    graph (nodes used twice by one op among them), an inner node used at two depths,
    stacked diamonds, a wide fan and a deep chain. Each kind is drawn as often; a failing
    graph shrinks towards the first kind, small ones."""
    shape = draw(_sampled(SHAPES))
    g = _Growing(draw, 3 if shape is _dag else 2)
    shape(g, max_steps)
    return g.result()


# ----------------------------------------------------------------------------- expressions

NUMBERS = st.sampled_from((2.0, -1.5, 0.5, 3.0, -2.0))
EXPONENTS = st.sampled_from((2, 3, -1, 0.5))


class GrowingExpression(_Growing):
    """An expression being drawn: the ops of ``EXPRESSION_OPS``, plain numbers included."""

    MADE_BY_HAND = False

    def fits(self, op: str, xs: list[float], number: Any) -> bool:
        """Numbers of order one, away from relu's kink, never a division by less than 0.5 in
        size, a power only where it and its slope stay moderate."""
        if op in ("*", "*c", "c*", "exp"):
            return all(abs(x) <= 2 for x in xs)
        if op == "/":
            return abs(xs[1]) >= 0.5
        if op == "c/":
            return abs(xs[0]) >= 0.5
        if op == "relu":
            return abs(xs[0]) >= 0.01
        if op == "**":
            x, limits = xs[0], {2: abs(xs[0]) <= 3, 3: abs(xs[0]) <= 2, -1: abs(xs[0]) >= 0.5}
            return limits.get(number, x >= 0.25)
        return True

    def apply(self, op: str, operands: list[Value], number: Any) -> Value:
        return cast(Value, EXPRESSION_OPS[op](*operands, *([] if number is None else [number])))

    METHODS = ("tanh", "relu", "exp", "relu")
    """The methods a step may call, relu twice as often: a mistake in its slope shows only
    where its input is negative and a gradient still reaches it."""

    def step_on(self, node: int) -> int:
        """One step on ``node``: a method, a power, an op with a plain number on either side,
        or an op with a leaf or with ``node`` itself."""
        kind = self.draw(_sampled(("method", "number", "node", "power")))
        if kind == "method":
            return self.add(self.draw(_sampled(self.METHODS)), (node,))
        if kind == "power":
            return self.add("**", (node,), self.draw(EXPONENTS))
        op = self.draw(_sampled(tuple("+-*/")))
        if kind == "number":
            side = op + "c" if self.draw(_BOOLEANS) else "c" + op
            return self.add(side, (node,), self.draw(NUMBERS))
        return self.add(op, self._pair(node))

    def combine(self, a: int, b: int) -> int:
        op = self.draw(_sampled(tuple("+-*/")))
        return self.add(op, (a, b) if self.draw(_BOOLEANS) else (b, a))

    def any_step(self) -> int:
        return self.step_on(self.back())

    def result(self) -> Expression:
        return Expression(tuple(self.values[:self.leaves]), tuple(self.steps),
                          tuple(self.values))


@st.composite
def expressions(draw: st.DrawFn, max_steps: int = 8) -> Expression:
    """Expressions of every kind ``graphs`` draws, with plain numbers on both sides, powers,
    tanh, exp and relu."""
    shape = draw(_sampled(SHAPES))
    g = GrowingExpression(draw, 3 if shape is _dag else 2)
    shape(g, max_steps)
    return g.result()


def expression(leaves: Sequence[float], *steps: tuple[Any, ...]) -> Expression:
    """An expression given by hand: steps as (op, operands) or (op, operands, number)."""
    made = Expression(tuple(float(x) for x in leaves),
                      tuple((s[0], tuple(s[1]), s[2] if len(s) > 2 else None) for s in steps))
    return dataclasses.replace(made, values=tuple(n.data for n in made.build(Value)))


def value_examples() -> tuple[Expression, ...]:
    """The expressions every Value is tried on first: the smallest on which each classic
    mistake of the lecture's Value shows. x0 + x0 (= for +=), a chain (the order), 2.0 + x0,
    2.0 * x0 (__radd__, __rmul__), 2.0 - x0, 2.0 / x0 (__rsub__, __rtruediv__ the wrong way
    round), a node used at two depths, a diamond (a pre-order or breadth-first backward),
    relu of a negative number, x0 * x1 used again (= for += in * alone), one of each op."""
    return (
        expression([1.5], ("+", (0, 0))),
        expression([0.5], ("tanh", (0,)), ("tanh", (1,))),
        expression([1.5], ("c+", (0,), 2.0)),
        expression([1.5], ("c*", (0,), 2.0)),
        expression([1.5], ("c-", (0,), 2.0)),
        expression([1.5], ("c/", (0,), 2.0)),
        expression([2.0, 1.0], ("*", (0, 0)), ("+", (2, 1)), ("*", (2, 3))),
        expression([0.5], ("*", (0, 0)), ("tanh", (1,)), ("exp", (1,)), ("*", (2, 3))),
        expression([-1.5], ("relu", (0,)), ("+", (1, 0))),
        expression([1.5, -0.5], ("*", (0, 1)), ("+", (2, 0)), ("+", (3, 1))),
        expression([1.5, -0.5], ("-", (0, 1)), ("/", (2, 0)), ("**", (3,), 2), ("relu", (0,)),
                   ("exp", (1,)), ("+", (4, 5)), ("*", (7, 6))),
    )


def worked_graph() -> Graph:
    """f = (x + y)·(x - y) at x = 3, y = 2: x and y both reach f along two paths."""
    return Graph((3.0, 2.0), (("+", (0, 1)), ("-", (0, 1)), ("*", (2, 3))), ("x", "y"))


def square_graph() -> Graph:
    """f = x·x at x = 1.5: one node used twice by the same op."""
    return Graph((1.5,), (("*", (0, 0)),), ("x",))


def depth_graphs() -> tuple[Graph, Graph]:
    """v1 = x·x, v2 = v1 + c, f = v1·v2 at x = 2, c = 1 (df/dx = 4x³ + 2x = 36), and the same
    with f = v2·v1: v1 is used by f and, one step deeper, by v2. Backward must finish v2
    before v1 passes its gradient on; a pre-order or breadth-first walk that meets v1 first
    gives df/dx = 20 on one of the two."""
    steps = (("*", (0, 0)), ("+", (2, 1)))
    return (Graph((2.0, 1.0), (*steps, ("*", (2, 3))), ("x", "c")),
            Graph((2.0, 1.0), (*steps, ("*", (3, 2))), ("x", "c")))


def diamond_graph() -> Graph:
    """u = x·x feeds a = tanh(u) and b = exp(u), f = a·b, at x = 0.5: any pre-order reaches
    u before one of a and b, whichever parent it visits first."""
    return Graph((0.5,), (("*", (0, 0)), ("tanh", (1,)), ("exp", (1,)), ("*", (2, 3))), ("x",))


def twice_graph() -> Graph:
    """v1 = tanh(x), f = v1·v1 at x = 0.5: an inner node used twice by one op. A backward
    that recurses once per path passes v1's gradient on twice, the first time half done."""
    return Graph((0.5,), (("tanh", (0,)), ("*", (1, 1))), ("x",))


def fan_graph() -> Graph:
    """u = tanh(x) used by exp(u), u·u and tanh(u), summed as (exp(u) + u·u) + tanh(u), at
    x = 0.5: u's users sit at depths 1 to 3, so a breadth-first walk reaches u before one
    of them whichever parent it takes first."""
    return Graph((0.5,), (("tanh", (0,)), ("exp", (1,)), ("*", (1, 1)), ("tanh", (1,)),
                          ("+", (2, 3)), ("+", (5, 4))), ("x",))


def by_hand_graph() -> Graph:
    """v1 = x·y, v2 = Value(0.3, (v1, x), (1.5, -0.5)) made by hand, f = v2·y at x = 0.5,
    y = 2: v2's local derivatives are given, those of no op (df/dx = 2·(1.5·2 - 0.5) = 5,
    df/dy = 0.3 + 2·1.5·0.5 = 1.8). A backward that works local derivatives out from the
    op, or runs the forward pass again, cannot get them."""
    return Graph((0.5, 2.0), (("*", (0, 1)), (BY_HAND, (2, 0)), ("*", (3, 1))), ("x", "y"),
                 (), ((0.3, (1.5, -0.5)),))


def graph_examples() -> tuple[Graph, ...]:
    """The graphs every backward and topological sort is tried on, smallest first: the
    smallest on which each classic mistake shows."""
    return (square_graph(), twice_graph(), *depth_graphs(), diamond_graph(), fan_graph(),
            worked_graph(), by_hand_graph())


def paths_examples() -> tuple[Graph, ...]:
    """The graphs of ``graph_examples`` (x used twice by one op, at two depths, diamonds, a
    fan), and one where the root does not depend on x at all: no path, 0."""
    return (*graph_examples(), Graph((1.0, 0.5), (("tanh", (1,)),), ("x", "y")))


@st.composite
def node_cases(draw: st.DrawFn) -> NodeCase:
    op = draw(_sampled(tuple(sorted(OPS))))
    unit = tenths(-2.0, 2.0)
    if ARITY[op] == 1:
        uses: tuple[int, ...] = (0,)
    else:
        uses = draw(st.sampled_from([(0, 1), (0, 0)]))
    n = max(uses) + 1
    values = tuple(draw(unit) for _ in range(n))
    grads = tuple(draw(unit) for _ in range(n))
    return NodeCase(op, values, uses, grads, draw(unit))
