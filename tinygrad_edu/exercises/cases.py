"""The inputs the grader draws for each kind of exercise, and how a solution is run on them.

Every case prints as the failing input of a verdict and makes *fresh* arguments on each call,
so a solution that changes its inputs (as ``backward`` changes ``.grad``) cannot affect the
reference, the next call or a model of a mistake.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Value
from tinygrad_edu.exercises.core import AnswerError, Solution, parts_of, shape_text
from tinygrad_edu.testing import floats_in

# ----------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class Point:
    """Numbers for a derivative rule: the inputs by name and, for a rule that gets it, the
    op's output ``y`` (``output`` says how it was computed, e.g. ``tanh(x)``)."""

    names: tuple[str, ...]
    values: tuple[float, ...]
    output: str = ""
    y: float | None = None

    def args(self) -> tuple[float, ...]:
        return self.values if self.y is None else (*self.values, self.y)

    def __str__(self) -> str:
        text = ", ".join(f"{n} = {v!r}" for n, v in zip(self.names, self.values))
        return text if self.y is None else f"{text}, y = {self.output} = {self.y!r}"


def points(names: Sequence[str], intervals: Sequence[st.SearchStrategy[float]],
           forward: Callable[..., float] | None = None, output: str = ""
           ) -> st.SearchStrategy[Point]:
    """Points with one float per name (from ``intervals``) and, given ``forward``, y."""
    def make(values: tuple[float, ...]) -> Point:
        y = None if forward is None else forward(*values)
        return Point(tuple(names), values, output, y)

    return st.tuples(*intervals).map(make)


def point(names: Sequence[str], values: Sequence[float],
          forward: Callable[..., float] | None = None, output: str = "") -> Point:
    """One point, for the worked examples that are always tried first."""
    values = tuple(float(v) for v in values)
    return Point(tuple(names), values, output, None if forward is None else forward(*values))


def interval(lo: float, hi: float, kinks: Sequence[float] = (), margin: float = 1e-3
             ) -> st.SearchStrategy[float]:
    return floats_in((lo, hi), kinks, margin)


def call_rule(parts: Sequence[str]) -> Callable[[Solution, Any], tuple[Any, ...]]:
    """Run a rule on a point's numbers; its answer is one number per part."""
    def call(solution: Solution, case: Point) -> tuple[Any, ...]:
        return parts_of(solution(*case.args()), parts, scalar=True)

    return call


@dataclass(frozen=True)
class Function:
    """A named smooth function of one float, handed to a solution as ``f``, and its exact
    derivative ``slope`` (the grader's, to recognise an answer that ignores the step h)."""

    name: str
    f: Callable[[float], float]
    slope: Callable[[float], float]

    def __call__(self, x: float) -> float:
        return self.f(x)

    def __repr__(self) -> str:
        return self.name


FUNCTIONS = (
    Function("sin", math.sin, math.cos),
    Function("exp", math.exp, math.exp),
    Function("cube (x**3)", lambda x: x**3, lambda x: 3 * x * x),
    Function("tanh", math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    Function("log(1 + x**2)", lambda x: math.log1p(x * x), lambda x: 2 * x / (1 + x * x)),
)


@dataclass(frozen=True)
class Slope:
    """A function f, a point x and a step h, for the finite-difference exercise."""

    f: Function
    x: float
    h: float

    def args(self) -> tuple[Any, ...]:
        return self.f, self.x, self.h

    def __str__(self) -> str:
        return f"f = {self.f!r}, x = {self.x!r}, h = {self.h!r}"


def slopes() -> st.SearchStrategy[Slope]:
    return st.builds(Slope, st.sampled_from(FUNCTIONS), interval(-2.0, 2.0),
                     st.sampled_from([0.1, 0.05, 0.01, 0.001]))


@dataclass(frozen=True)
class Vectors:
    """Two lists of numbers of the same length: an analytic and a numeric gradient."""

    analytic: tuple[float, ...]
    numeric: tuple[float, ...]

    def args(self) -> tuple[list[float], list[float]]:
        return list(self.analytic), list(self.numeric)

    def __str__(self) -> str:
        return f"analytic = {list(self.analytic)!r}, numeric = {list(self.numeric)!r}"


@st.composite
def vectors(draw: st.DrawFn) -> Vectors:
    n = draw(st.integers(1, 4))
    entry = tenths(-3.0, 3.0)
    a = draw(st.lists(entry, min_size=n, max_size=n))
    b = draw(st.lists(entry, min_size=n, max_size=n))
    if math.hypot(*a) + math.hypot(*b) < 0.1:  # keep away from 0/0
        a[0] = 1.0
    return Vectors(tuple(a), tuple(b))


def call_numbers(solution: Solution, case: Any) -> tuple[Any, ...]:
    return parts_of(solution(*case.args()), ("answer",), scalar=True)


# ----------------------------------------------------------------------------- arrays


@dataclass(frozen=True, eq=False)
class Arrays:
    """Named NumPy arrays; a solution gets copies, so it may change them freely."""

    arrays: tuple[tuple[str, np.ndarray], ...]

    def args(self) -> tuple[np.ndarray, ...]:
        return tuple(a.copy() for _, a in self.arrays)

    def __str__(self) -> str:
        lines = []
        for name, a in self.arrays:
            head = f"{name} ({shape_text(a.shape)}) = "
            lines.append(head + np.array2string(a, precision=6, suppress_small=True,
                                                separator=", ", prefix=head))
        return "\n".join(lines)


def call_arrays(parts: Sequence[str]) -> Callable[[Solution, Any], tuple[Any, ...]]:
    def call(solution: Solution, case: Arrays) -> tuple[Any, ...]:
        return parts_of(solution(*case.args()), parts, scalar=False)

    return call


def tenths(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Numbers with one decimal in [lo, hi]: easy to follow by hand in a verdict."""
    return st.integers(round(lo * 10), round(hi * 10)).map(lambda k: k / 10)


def _matrix(draw: st.DrawFn, rows: int, cols: int, lo: float = -2.0, hi: float = 2.0
            ) -> np.ndarray:
    return draw(hnp.arrays(np.float64, (rows, cols), elements=tenths(lo, hi)))


@st.composite
def logits(draw: st.DrawFn) -> Arrays:
    """Z (batch×classes) and one-hot Y; as many classes as examples half the time, where a
    mistaken axis gives numbers of the right shape."""
    batch = draw(st.integers(1, 4))
    classes = batch if batch > 1 and draw(st.booleans()) else draw(st.integers(2, 4))
    Z = _matrix(draw, batch, classes, -4.0, 4.0)
    labels = draw(st.lists(st.integers(0, classes - 1), min_size=batch, max_size=batch))
    return Arrays((("Z", Z), ("Y", np.eye(classes)[labels])))


@st.composite
def dense_inputs(draw: st.DrawFn) -> Arrays:
    """X (B×I), W (I×O), b (1×O) and dZ (B×O); a square W half the time, where a missing
    transpose gives numbers of the right shape."""
    batch, n_in = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    n_out = n_in if draw(st.booleans()) else draw(st.integers(1, 4))
    return Arrays((("X", _matrix(draw, batch, n_in)), ("W", _matrix(draw, n_in, n_out)),
                   ("b", _matrix(draw, 1, n_out)), ("dZ", _matrix(draw, batch, n_out))))


# ----------------------------------------------------------------------------- graphs

OPS: dict[str, Callable[..., Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "tanh": lambda a: a.tanh(),
    "exp": lambda a: a.exp(),
}
ARITY = {"+": 2, "-": 2, "*": 2, "tanh": 1, "exp": 1}


@dataclass(frozen=True)
class Graph:
    """A small computation: leaves with numbers, then steps that each apply an op to earlier
    nodes (leaves are nodes 0..n-1, so a node can be used more than once). The last step is
    the root."""

    leaves: tuple[float, ...]
    steps: tuple[tuple[str, tuple[int, ...]], ...]
    names: tuple[str, ...] = ()

    def node_names(self) -> list[str]:
        leaves = list(self.names) or [f"x{i}" for i in range(len(self.leaves))]
        return leaves + [f"v{k + 1}" for k in range(len(self.steps))]

    def parents(self) -> list[tuple[int, ...]]:
        """The parents of every node, by index (leaves have none)."""
        return [()] * len(self.leaves) + [args for _, args in self.steps]

    def build(self) -> list[Value]:
        """Fresh Values for every node, labelled with their names; the root is last."""
        names = self.node_names()
        nodes = [Value(x, label=names[i]) for i, x in enumerate(self.leaves)]
        for k, (op, args) in enumerate(self.steps):
            node = OPS[op](*(nodes[i] for i in args))
            node.label = names[len(self.leaves) + k]
            nodes.append(node)
        return nodes

    def __str__(self) -> str:
        names = self.node_names()
        text = [f"{names[i]} = {x!r}" for i, x in enumerate(self.leaves)]
        for k, (op, args) in enumerate(self.steps):
            a = [names[i] for i in args]
            rhs = f"{a[0]} {op} {a[1]}" if len(a) == 2 else f"{op}({a[0]})"
            text.append(f"{names[len(self.leaves) + k]} = {rhs}")
        return "; ".join(text) + f"  (root {names[-1]})"


MAX_PATHS = 256
"""The most paths from a graph's root down to its leaves. A backward that walks every path
(right but slow, or wrong) then still finishes at once."""


class _Growing:
    """A graph being drawn: leaves, then steps, with the numbers of every node so far. An op
    that would leave order one (a product or exp of a number above 2 in size, a sum above
    10), or give a node more than ``MAX_PATHS`` paths to the leaves, becomes tanh of its
    first operand, so every number and gradient stays readable."""

    def __init__(self, leaves: Sequence[float]) -> None:
        self.values = [float(x) for x in leaves]
        self.paths = [1] * len(self.values)
        self.steps: list[tuple[str, tuple[int, ...]]] = []
        self.leaves = len(self.values)

    @property
    def last(self) -> int:
        return len(self.values) - 1

    def add(self, op: str, args: Sequence[int]) -> int:
        args = tuple(args)
        large = op in ("*", "exp") and any(abs(self.values[i]) > 2 for i in args)
        if large or sum(self.paths[i] for i in args) > MAX_PATHS:
            op, args = "tanh", args[:1]
        value = OPS[op](*(Value(self.values[i]) for i in args)).data
        if abs(value) > 10:
            op, args = "tanh", args[:1]
            value = math.tanh(self.values[args[0]])
        self.values.append(value)
        self.paths.append(sum(self.paths[i] for i in args))
        self.steps.append((op, args))
        return self.last

    def graph(self) -> Graph:
        return Graph(tuple(self.values[:self.leaves]), tuple(self.steps))


_BINARY = sorted(op for op in OPS if ARITY[op] == 2)
_UNARY = sorted(op for op in OPS if ARITY[op] == 1)


_LEAF = st.sampled_from((1.0, 0.5, -1.0, 2.0, -0.5)) | tenths(-1.5, 1.5)
"""A leaf's number: one with a decimal, of either sign; a failing graph shrinks to simple ones."""


def _leaves(draw: st.DrawFn, most: int = 3) -> _Growing:
    return _Growing([draw(_LEAF) for _ in range(draw(st.integers(1, most)))])


def _step_on(draw: st.DrawFn, g: _Growing, node: int) -> int:
    """One step applied to ``node``: a one-operand op, or a two-operand op with a leaf or
    with ``node`` itself, on either side."""
    op = draw(st.sampled_from(sorted(OPS)))
    if ARITY[op] == 1:
        return g.add(op, (node,))
    other = draw(st.integers(0, g.leaves))
    other = node if other == g.leaves else other  # one choice in leaves + 1: node itself
    return g.add(op, (node, other) if draw(st.booleans()) else (other, node))


def _combine(draw: st.DrawFn, g: _Growing, a: int, b: int) -> int:
    """A two-operand op on ``a`` and ``b``, in either order."""
    op = draw(st.sampled_from(_BINARY))
    return g.add(op, (a, b) if draw(st.booleans()) else (b, a))


def _inner(draw: st.DrawFn, g: _Growing) -> int:
    """A node made by an op (not a leaf): only an inner node passes its gradient on."""
    return _step_on(draw, g, draw(st.integers(0, g.leaves - 1)))


def _dag(draw: st.DrawFn, max_steps: int) -> Graph:
    """Any graph: each step takes its operands among the nodes so far, the latest most
    often (so it shrinks to a chain), on either side."""
    g = _leaves(draw)
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(sorted(OPS)))
        args = [g.last - draw(st.integers(0, g.last)) for _ in range(ARITY[op])]
        g.add(op, args)
    return g.graph()


def _reused(draw: st.DrawFn, max_steps: int) -> Graph:
    """An inner node u used at two depths: by a chain that starts at u, and by the root
    beside the chain's end (the graph a pre-order or breadth-first backward gets wrong)."""
    g = _leaves(draw, 2)
    u = _inner(draw, g)
    end = u
    for _ in range(draw(st.integers(1, max(1, max_steps - 3)))):
        end = _step_on(draw, g, end)
    _combine(draw, g, end, u)
    return g.graph()


def _diamonds(draw: st.DrawFn, max_steps: int) -> Graph:
    """Diamonds stacked on one another: u feeds a and b, a and b meet in the next u."""
    g = _leaves(draw, 2)
    u = _inner(draw, g)
    for _ in range(draw(st.integers(1, 4))):
        a, b = _step_on(draw, g, u), _step_on(draw, g, u)
        u = _combine(draw, g, a, b)
    return g.graph()


def _fan(draw: st.DrawFn, max_steps: int) -> Graph:
    """A wide fan: one inner node used by 3 to 8 nodes, which are then combined in a chain,
    so the users of the node sit at different depths."""
    g = _leaves(draw, 2)
    u = _inner(draw, g)
    users = [_step_on(draw, g, u) for _ in range(draw(st.integers(3, 8)))]
    total = users[0]
    for user in users[1:]:
        total = _combine(draw, g, total, user)
    return g.graph()


def _chain(draw: st.DrawFn, max_steps: int) -> Graph:
    """A deep chain: 20 to 150 steps, each on the one before (and maybe a leaf)."""
    g = _leaves(draw, 2)
    node = 0
    for _ in range(draw(st.integers(20, 150))):
        node = _step_on(draw, g, node)
    return g.graph()


_SHAPES = (_dag, _reused, _diamonds, _fan, _chain)


@st.composite
def graphs(draw: st.DrawFn, max_steps: int = 8) -> Graph:
    """Graphs of every kind that matters to backward, their numbers of order one: any small
    graph (nodes used twice by one op among them), an inner node used at two depths,
    stacked diamonds, a wide fan and a deep chain. Each kind is drawn as often; a failing
    graph shrinks towards the first kind, small ones."""
    shape = draw(st.sampled_from(_SHAPES))
    return shape(draw, max_steps)


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


def graph_examples() -> tuple[Graph, ...]:
    """The graphs every backward and topological sort is tried on, smallest first: the
    smallest on which each classic mistake shows."""
    return (square_graph(), twice_graph(), *depth_graphs(), diamond_graph(), fan_graph(),
            worked_graph())


def call_backward(solution: Solution, case: Graph) -> tuple[Any, ...]:
    """Run ``solution(root)`` on a fresh graph; the answer is every node's grad."""
    nodes = case.build()
    solution(nodes[-1])
    return (_numbers(nodes, "grad"),)


def _numbers(nodes: Sequence[Value], attribute: str) -> np.ndarray:
    """``node.grad`` (or ``.data``) of every node, checking that each is still a number."""
    values = []
    for node in nodes:
        g = getattr(node, attribute)
        if isinstance(g, Value):
            raise AnswerError(f"{node.label}.{attribute} became a Value; it should stay a number "
                              "(multiply numbers: node.grad is a float)")
        if not isinstance(g, (int, float, np.floating, np.integer)):
            raise AnswerError(f"{node.label}.{attribute} became {g!r:.60}, not a number")
        values.append(float(g))
    return np.array(values)


def call_topological(solution: Solution, case: Graph) -> tuple[Any, ...]:
    """Run ``solution(root)``; the answer is the names of the nodes it listed, in order."""
    nodes = case.build()
    answer = solution(nodes[-1])
    if answer is None:
        raise AnswerError("the function returned None; it should return a list of the nodes "
                          "(a missing `return`?)")
    try:
        items = list(answer)
    except TypeError:
        raise AnswerError(f"the function should return a list of nodes, got {answer!r:.60}"
                          ) from None
    names = {id(node): node.label for node in nodes}
    listed = []
    for item in items:
        if id(item) not in names:
            raise AnswerError(f"the list holds {item!r:.60}, which is not a node of the graph "
                              "(return the Values themselves)")
        listed.append(names[id(item)])
    return (tuple(listed),)


@dataclass(frozen=True)
class NodeCase:
    """One node of a graph at the moment backward reaches it: its parents (``uses`` says
    which parent each operand is, so ``(0, 0)`` is x·x), the gradient each parent has
    collected so far from other paths, and the node's own gradient."""

    op: str
    values: tuple[float, ...]
    uses: tuple[int, ...]
    grads: tuple[float, ...]
    upstream: float

    def build(self) -> tuple[Value, list[Value]]:
        names = ["a", "b"]
        parents = [Value(v, label=names[i]) for i, v in enumerate(self.values)]
        for p, g in zip(parents, self.grads):
            p.grad = g
        node = OPS[self.op](*(parents[i] for i in self.uses))
        node.label, node.grad = "out", self.upstream
        return node, parents

    def __str__(self) -> str:
        names = ["a", "b"]
        a = [names[i] for i in self.uses]
        rhs = f"{a[0]} {self.op} {a[1]}" if len(a) == 2 else f"{self.op}({a[0]})"
        parents = ", ".join(f"{names[i]} = {v!r} (grad so far {g!r})"
                            for i, (v, g) in enumerate(zip(self.values, self.grads)))
        return f"out = {rhs} with {parents}; out.grad = {self.upstream!r}"


@st.composite
def node_cases(draw: st.DrawFn) -> NodeCase:
    op = draw(st.sampled_from(sorted(OPS)))
    unit = tenths(-2.0, 2.0)
    if ARITY[op] == 1:
        uses: tuple[int, ...] = (0,)
    else:
        uses = draw(st.sampled_from([(0, 1), (0, 0)]))
    n = max(uses) + 1
    values = tuple(draw(unit) for _ in range(n))
    grads = tuple(draw(unit) for _ in range(n))
    return NodeCase(op, values, uses, grads, draw(unit))


def call_step(solution: Solution, case: NodeCase) -> tuple[Any, ...]:
    node, parents = case.build()
    solution(node)
    return (_numbers(parents, "grad"),)


@dataclass(frozen=True)
class Params:
    """Parameters (numbers with gradients) and a learning rate, for one step of descent."""

    data: tuple[float, ...]
    grads: tuple[float, ...]
    lr: float

    def build(self) -> list[Value]:
        params = [Value(d, label=f"w{i}") for i, d in enumerate(self.data)]
        for p, g in zip(params, self.grads):
            p.grad = g
        return params

    def __str__(self) -> str:
        ws = ", ".join(f"w{i} = {d!r} (grad {g!r})"
                       for i, (d, g) in enumerate(zip(self.data, self.grads)))
        return f"{ws}; lr = {self.lr!r}"


@st.composite
def params(draw: st.DrawFn) -> Params:
    n = draw(st.integers(1, 4))
    unit = tenths(-3.0, 3.0)
    data = tuple(draw(unit) for _ in range(n))
    grads = tuple(draw(unit) for _ in range(n))
    return Params(data, grads, draw(st.sampled_from([0.5, 0.1, 0.05, 0.01])))


def call_sgd(solution: Solution, case: Params) -> tuple[Any, ...]:
    params = case.build()
    solution(params, case.lr)
    return (_numbers(params, "data"),)

