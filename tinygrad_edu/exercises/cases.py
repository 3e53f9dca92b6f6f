"""The inputs the grader draws for each kind of exercise, and how a solution is run on them.

Every case prints as the failing input of a verdict and makes *fresh* arguments on each call,
so a solution that changes its inputs (as ``backward`` changes ``.grad``) cannot affect the
reference, the next call or a model of a mistake.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.exercises.comparing import AnswerError, Numbers, close, parts_of
from tinygrad_edu.exercises.mistakes import Solution
from tinygrad_edu.formatting import shape_text
from tinygrad_edu.testing import floats_in

if TYPE_CHECKING:  # the cases of the exercises on arrays import it when they are drawn
    import numpy as np

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises

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

NamedArrays = tuple[tuple[str, "np.ndarray"], ...]


class Arrays:
    """Named NumPy arrays; a solution gets copies, so it may change them freely. Given a
    function that makes them instead (a worked example), they are made when first used: the
    exercises on arrays are defined, and listed, where NumPy is not installed."""

    def __init__(self, arrays: NamedArrays | Callable[[], NamedArrays]) -> None:
        self._arrays = arrays

    @property
    def arrays(self) -> NamedArrays:
        if callable(self._arrays):
            self._arrays = self._arrays()
        return self._arrays

    def args(self) -> tuple[np.ndarray, ...]:
        return tuple(a.copy() for _, a in self.arrays)

    def __str__(self) -> str:
        import numpy as np

        lines = []
        for name, a in self.arrays:
            head = f"{name} ({shape_text(a.shape, tuple_below_2d=True)}) = "
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
    import numpy as np
    from hypothesis.extra import numpy as hnp

    return draw(hnp.arrays(np.float64, (rows, cols), elements=tenths(lo, hi)))


@st.composite
def logits(draw: st.DrawFn) -> Arrays:
    """Z (batch×classes) and one-hot Y; as many classes as examples half the time, where a
    mistaken axis gives numbers of the right shape."""
    import numpy as np

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
"""The most paths from a drawn computation's root down to its leaves. A backward that walks
every path (right but slow, or wrong) then still finishes at once."""

_LEAF = st.sampled_from((1.0, 0.5, -1.0, 2.0, -0.5)) | tenths(-1.5, 1.5)
"""A leaf's number: one with a decimal, of either sign; a failing graph shrinks to simple ones."""


class _Growing:
    """A computation being drawn: leaves, then steps, with the number of every node so far.
    An op that would leave order one (see ``fits``; a result above 10 in size), or give a
    node more than ``MAX_PATHS`` paths to the leaves, becomes tanh of its first operand, so
    every number and gradient stays readable. Subclasses say which ops it may use."""

    def __init__(self, draw: st.DrawFn, most_leaves: int = 3) -> None:
        self.draw = draw
        self.values = [draw(_LEAF) for _ in range(draw(st.integers(1, most_leaves)))]
        self.paths = [1] * len(self.values)
        self.steps: list[tuple[str, tuple[int, ...], Any]] = []
        self.leaves = len(self.values)

    @property
    def last(self) -> int:
        return len(self.values) - 1

    def add(self, op: str, args: Sequence[int], number: Any = None) -> int:
        args = tuple(args)
        if (not self.fits(op, [self.values[i] for i in args], number)
                or sum(self.paths[i] for i in args) > MAX_PATHS):
            op, args, number = "tanh", args[:1], None
        value = self.apply(op, [Value(self.values[i]) for i in args], number).data
        if abs(value) > 10:
            op, args, number = "tanh", args[:1], None
            value = math.tanh(self.values[args[0]])
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
        op = draw(st.sampled_from(sorted(OPS)))
        if ARITY[op] == 1:
            return self.add(op, (node,))
        return self.add(op, self._pair(node))

    def _pair(self, node: int) -> tuple[int, int]:
        other = self.draw(st.integers(0, self.leaves))
        other = node if other == self.leaves else other  # one choice in leaves + 1: itself
        return (node, other) if self.draw(st.booleans()) else (other, node)

    def combine(self, a: int, b: int) -> int:
        """A two-operand op on ``a`` and ``b``, in either order."""
        op = self.draw(st.sampled_from(sorted(op for op in OPS if ARITY[op] == 2)))
        return self.add(op, (a, b) if self.draw(st.booleans()) else (b, a))

    def any_step(self) -> int:
        """A step whose operands are any nodes so far, the latest most often (so that it
        shrinks to a chain)."""
        op = self.draw(st.sampled_from(sorted(OPS)))
        return self.add(op, [self.back() for _ in range(ARITY[op])])

    def back(self) -> int:
        return self.last - self.draw(st.integers(0, self.last))

    def inner(self) -> int:
        """A node made by an op (not a leaf): only an inner node passes its gradient on."""
        return self.step_on(self.draw(st.integers(0, self.leaves - 1)))

    def result(self) -> Any:
        return Graph(tuple(self.values[:self.leaves]),
                     tuple((op, args) for op, args, _ in self.steps))


def _dag(g: _Growing, max_steps: int) -> None:
    """Any computation: each step takes its operands among the nodes so far."""
    for _ in range(g.draw(st.integers(1, max_steps))):
        g.any_step()


def _reused(g: _Growing, max_steps: int) -> None:
    """An inner node u used at two depths: by a chain that starts at u, and by the root
    beside the chain's end (the graph a pre-order or breadth-first backward gets wrong)."""
    u = end = g.inner()
    for _ in range(g.draw(st.integers(1, max(1, max_steps - 3)))):
        end = g.step_on(end)
    g.combine(end, u)


def _diamonds(g: _Growing, max_steps: int) -> None:
    """Diamonds stacked on one another: u feeds a and b, a and b meet in the next u."""
    u = g.inner()
    for _ in range(g.draw(st.integers(1, 4))):
        a, b = g.step_on(u), g.step_on(u)
        u = g.combine(a, b)


def _fan(g: _Growing, max_steps: int) -> None:
    """A wide fan: one inner node used by 3 to 8 nodes, which are then combined in a chain,
    so the users of the node sit at different depths."""
    u = g.inner()
    users = [g.step_on(u) for _ in range(g.draw(st.integers(3, 8)))]
    total = users[0]
    for user in users[1:]:
        total = g.combine(total, user)


def _chain(g: _Growing, max_steps: int) -> None:
    """A deep chain: 20 to 150 steps, each on the one before (and maybe a leaf)."""
    node = 0
    for _ in range(g.draw(st.integers(20, 150))):
        node = g.step_on(node)


_SHAPES = (_dag, _reused, _diamonds, _fan, _chain)


@st.composite
def graphs(draw: st.DrawFn, max_steps: int = 8) -> Graph:
    """Graphs of every kind that matters to backward, their numbers of order one: any small
    graph (nodes used twice by one op among them), an inner node used at two depths,
    stacked diamonds, a wide fan and a deep chain. Each kind is drawn as often; a failing
    graph shrinks towards the first kind, small ones."""
    shape = draw(st.sampled_from(_SHAPES))
    g = _Growing(draw, 3 if shape is _dag else 2)
    shape(g, max_steps)
    return g.result()


# ----------------------------------------------------------------------------- expressions

EXPRESSION_OPS: dict[str, Callable[..., Any]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b,
    "*": lambda a, b: a * b, "/": lambda a, b: a / b,
    "+c": lambda a, c: a + c, "c+": lambda a, c: c + a,
    "-c": lambda a, c: a - c, "c-": lambda a, c: c - a,
    "*c": lambda a, c: a * c, "c*": lambda a, c: c * a,
    "/c": lambda a, c: a / c, "c/": lambda a, c: c / a,
    "**": lambda a, c: a**c,
    "tanh": lambda a: a.tanh(), "exp": lambda a: a.exp(), "relu": lambda a: a.relu(),
}
"""What a learner's Value must do, as Python writes it: ``+ - * /`` between two Values, with
a plain number c on the right (``"+c"``: x + c) or on the left (``"c+"``: c + x, which needs
``__radd__``), ``**`` a number, and the methods tanh, exp and relu."""

_NUMBER = st.sampled_from((2.0, -1.5, 0.5, 3.0, -2.0))
_EXPONENT = st.sampled_from((2, 3, -1, 0.5))


def expression_text(op: str, names: Sequence[str], number: Any = None) -> str:
    """One step as Python code: ``x0 + x1``, ``2.0 * v1``, ``v2 ** 3``, ``v3.tanh()``."""
    a = names[0]
    if op in ("tanh", "exp", "relu"):
        return f"{a}.{op}()"
    if op == "**":
        return f"{a} ** {number!r}"
    if op.endswith("c"):
        return f"{a} {op[0]} {number!r}"
    if op.startswith("c"):
        return f"{number!r} {op[1]} {a}"
    return f"{a} {op} {names[1]}"


@dataclass(frozen=True)
class Expression:
    """A computation for the Value exercise: leaves, then steps that each apply an op of
    ``EXPRESSION_OPS`` to earlier nodes (and maybe a plain number). It prints as the Python
    code that builds it, ending with ``backward()`` on the root unless ``forward_only``."""

    leaves: tuple[float, ...]
    steps: tuple[tuple[str, tuple[int, ...], Any], ...]
    forward_only: bool = False

    def node_names(self) -> list[str]:
        return [f"x{i}" for i in range(len(self.leaves))] + [
            f"v{k + 1}" for k in range(len(self.steps))]

    def build(self, cls: type) -> list[Any]:
        """Every node, built with the class ``cls`` by Python's operators; the root is last."""
        names = self.node_names()
        nodes = [cls(x) for x in self.leaves]
        for op, args, number in self.steps:
            operands = [nodes[i] for i in args]
            node = EXPRESSION_OPS[op](*operands, *([] if number is None else [number]))
            _check_made(node, cls, f"{names[len(nodes)]} = "
                        f"{expression_text(op, [names[i] for i in args], number)}")
            nodes.append(node)
        return nodes

    def __str__(self) -> str:
        names = self.node_names()
        lines = [f"{names[i]} = Value({x!r})" for i, x in enumerate(self.leaves)]
        lines += [f"{names[len(self.leaves) + k]} = "
                  f"{expression_text(op, [names[i] for i in args], number)}"
                  for k, (op, args, number) in enumerate(self.steps)]
        if not self.forward_only:
            lines.append(f"{names[-1]}.backward()")
        return "\n".join(lines)


def _check_made(node: Any, cls: type, step: str) -> None:
    if not isinstance(node, cls):
        raise AnswerError(f"{step} gave {node!r:.60}, not a {cls.__name__}: every operation "
                          f"must return a new {cls.__name__}, made from its operands")


class _GrowingExpression(_Growing):
    """An expression being drawn: the ops of ``EXPRESSION_OPS``, plain numbers included."""

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

    def step_on(self, node: int) -> int:
        """One step on ``node``: a method, a power, an op with a plain number on either side,
        or an op with a leaf or with ``node`` itself."""
        kind = self.draw(st.sampled_from(("method", "number", "node", "power")))
        if kind == "method":  # relu twice as often: a mistake in its slope shows only where
            # its input is negative and a gradient still reaches it
            return self.add(self.draw(st.sampled_from(("tanh", "relu", "exp", "relu"))), (node,))
        if kind == "power":
            return self.add("**", (node,), self.draw(_EXPONENT))
        op = self.draw(st.sampled_from("+-*/"))
        if kind == "number":
            side = op + "c" if self.draw(st.booleans()) else "c" + op
            return self.add(side, (node,), self.draw(_NUMBER))
        return self.add(op, self._pair(node))

    def combine(self, a: int, b: int) -> int:
        op = self.draw(st.sampled_from("+-*/"))
        return self.add(op, (a, b) if self.draw(st.booleans()) else (b, a))

    def any_step(self) -> int:
        return self.step_on(self.back())

    def result(self) -> Expression:
        return Expression(tuple(self.values[:self.leaves]), tuple(self.steps))


@st.composite
def expressions(draw: st.DrawFn, max_steps: int = 8) -> Expression:
    """Expressions of every kind ``graphs`` draws, with plain numbers on both sides, powers,
    tanh, exp and relu."""
    shape = draw(st.sampled_from(_SHAPES))
    g = _GrowingExpression(draw, 3 if shape is _dag else 2)
    shape(g, max_steps)
    return g.result()


def expression(leaves: Sequence[float], *steps: tuple[Any, ...]) -> Expression:
    """An expression given by hand: steps as (op, operands) or (op, operands, number)."""
    return Expression(tuple(float(x) for x in leaves),
                      tuple((s[0], tuple(s[1]), s[2] if len(s) > 2 else None) for s in steps))


def value_examples() -> tuple[Expression, ...]:
    """The expressions every Value is tried on first: the smallest on which each classic
    mistake of the lecture's Value shows. x0 + x0 (= for +=), a chain (the order of
    backward), 2.0 + x0 and 2.0 * x0 (__radd__, __rmul__), 2.0 - x0 and 2.0 / x0 (__rsub__,
    __rtruediv__ the wrong way round), a node used at two depths and a diamond (a pre-order
    or breadth-first backward), relu of a negative number, and one of each op."""
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
        expression([1.5, -0.5], ("-", (0, 1)), ("/", (2, 0)), ("**", (3,), 2), ("relu", (0,)),
                   ("exp", (1,)), ("+", (4, 5)), ("*", (7, 6))),
    )


@dataclass(frozen=True)
class SumChain:
    """s = x, then s = s + x, ``n`` times: a sum of n + 1 terms, a chain n nodes deep (as deep
    as a loss summed over n examples)."""

    x: float
    n: int
    forward_only: bool = False

    def node_names(self) -> list[str]:
        return ["x", "s"]

    def build(self, cls: type) -> list[Any]:
        x = cls(self.x)
        s = x
        for _ in range(self.n):
            s = s + x
        _check_made(s, cls, "s = s + x")
        return [x, s]

    def __str__(self) -> str:
        return (f"x = Value({self.x!r}); s = x, then s = s + x, {self.n} times (a sum of "
                f"{self.n + 1} terms, a chain {self.n} nodes deep)"
                + ("" if self.forward_only else "; s.backward()"))


def call_value_forward(cls: Solution, case: Any) -> tuple[Any, ...]:
    """Build ``case`` with the class: every node's data, once every grad is checked to
    start at 0."""
    names = case.node_names()
    nodes = case.build(cls)
    grads = _numbers(nodes, "grad", names)
    started = [n for n, g in zip(names, grads) if g != 0]
    if started:
        raise AnswerError(f"{started[0]}.grad is {grads[names.index(started[0])]!r} before "
                          "backward(): a new Value's grad starts at 0 (self.grad = 0.0 in "
                          "__init__)")
    return (_numbers(nodes, "data", names),)


def call_value_backward(cls: Solution, case: Any) -> tuple[Any, ...]:
    """Build ``case`` with the class and call ``backward()`` on the root: every node's grad.
    The forward values must be the engine's, else the gradients mean nothing yet."""
    names = case.node_names()
    nodes = case.build(cls)
    data, right = _numbers(nodes, "data", names), _numbers(case.build(Value), "data", names)
    for name, got, want in zip(names, data, right):
        if not close(got, want):
            raise AnswerError(f"the forward pass differs on this input: {name}.data is "
                              f"{float(got)!r}, {float(want)!r} was expected. Get the values "
                              "right first")
    nodes[-1].backward()
    return (_numbers(nodes, "grad", names),)


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


def _numbers(nodes: Sequence[Any], attribute: str, names: Sequence[str] | None = None
             ) -> Numbers:
    """``node.grad`` (or ``.data``) of every node, checking that each is still a number
    (``names`` name the nodes, else their labels)."""
    values = []
    for k, node in enumerate(nodes):
        name = node.label if names is None else names[k]
        if not hasattr(node, attribute):
            raise AnswerError(f"{name} has no attribute {attribute!r}: a Value keeps its "
                              f"number in .data and its gradient in .grad")
        g = getattr(node, attribute)
        if isinstance(g, (Value, type(node))):
            raise AnswerError(f"{name}.{attribute} became a Value; it should stay a number "
                              "(multiply numbers: node.grad is a float)")
        if isinstance(g, bool) or not isinstance(g, numbers.Real):
            raise AnswerError(f"{name}.{attribute} became {g!r:.60}, not a number")
        values.append(float(g))
    return Numbers(values)


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


def call_paths(solution: Solution, case: Graph) -> tuple[Any, ...]:
    """Run ``solution(root, x)`` on a fresh graph, x its first leaf; the answer is (the
    number of paths, the sum of their products)."""
    nodes = case.build()
    return parts_of(solution(nodes[-1], nodes[0]), ("count", "df/dx"), scalar=True)


def paths_examples() -> tuple[Graph, ...]:
    """The graphs of ``graph_examples`` (x used twice by one op, at two depths, diamonds, a
    fan), and one where the root does not depend on x at all: no path, 0."""
    return (*graph_examples(), Graph((1.0, 0.5), (("tanh", (1,)),), ("x", "y")))


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

