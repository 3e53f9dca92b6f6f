"""What the conformance suite looks for in an engine, and where: each op with the names engines
give it, PyTorch's function for it and a plain-float one (the reference where PyTorch is not
installed), the numbers where it is ordinary, large, at an edge or at a kink, the conventions
at a kink, and the mistakes that explain a wrong derivative (the track's named mistakes, as
they show in any engine).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__: list[str] = []  # (the suite's inner workings)

Interval = tuple[float, float]


def _ieee(f: Callable[..., float]) -> Callable[..., float]:
    """``f`` with IEEE's answers instead of Python's errors: inf on overflow, nan outside
    the domain, as PyTorch gives them."""
    def safe(*xs: float) -> float:
        try:
            y = f(*xs)
        except OverflowError:
            return math.inf
        except (ValueError, ZeroDivisionError):
            return math.nan
        return math.nan if isinstance(y, complex) else float(y)
    return safe


def _div(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * (
            math.copysign(1.0, b))
    return a / b


def _pow(a: float, b: float) -> float:
    if a == 0 and b < 0:
        return math.inf
    y = a ** b
    return math.nan if isinstance(y, complex) else y


def _log(x: float) -> float:
    return -math.inf if x == 0 else math.log(x)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


@dataclass(frozen=True)
class Cause:
    """A named mistake: what the engine would give with it (the value, or the gradient of each
    operand) at the operands, and where in its code to look."""

    name: str
    text: str
    value: Callable[..., float] | None = None
    grads: Callable[..., tuple[float, ...]] | None = None
    forms: tuple[str, ...] = ("f", "vv", "vn", "nv", "same")


@dataclass(frozen=True)
class OpSpec:
    """One op: its name (an operator's symbol or a method's name), how engines call it, and
    where the suite tries it (one interval per operand)."""

    name: str
    arity: int
    torch: Callable[..., Any]
    math: Callable[..., float]
    ordinary: tuple[Interval, ...]
    large: tuple[Interval, ...]
    edges: tuple[tuple[float, ...], ...]
    aliases: tuple[tuple[str, str], ...] = ()
    kinks: dict[tuple[float, ...], tuple[float, ...]] = field(default_factory=dict)
    causes: tuple[Cause, ...] = ()
    methods: tuple[str, ...] = ()  # where its code is: its dunder methods or aliases
    number: float = 2.0  # the plain number of the forms v ⊕ 2 and 2 ⊕ v

    @property
    def sample(self) -> tuple[float, ...]:
        """Operands inside every op's ordinary domain: where discovery tries it."""
        return (1.5, 1.25)[:self.arity]

    def interval(self, operand: int, region: str, dtype: str = "float64") -> Interval:
        """Where operand number ``operand`` is drawn in ``region``; a float32 engine's large
        numbers stay where float32 holds the results and gradients (under 1e6, above 1e-6,
        exp below its overflow at 88.7, powers under 1e16): near float32's end, two right
        formulas overflow at different steps."""
        intervals = self.ordinary if region == "ordinary" else self.large
        lo, hi = intervals[min(operand, len(intervals) - 1)]
        if dtype != "float32" or region == "ordinary":
            return lo, hi
        if self.name == "exp":
            return max(lo, -87.0), min(hi, 88.0)
        if self.name == "**":
            return ((0.01, 100.0), (-8.0, 8.0))[min(operand, 1)]
        clip = (lambda x: math.copysign(min(max(abs(x), 1e-6), 1e6), x)) if lo > 0 else (
            lambda x: math.copysign(min(abs(x), 1e6), x))
        return clip(lo), clip(hi)


EDGES = (0.0, 1.0, -1.0, 1e-8, -1e-8, 20.0, -20.0, 40.0, -40.0, 400.0, -400.0, 710.0,
         -710.0, 800.0, -800.0, 1e10, -1e10, 1e200, -1e200)
"""The numbers every one-operand op is tried at: zero, tiny, large, past exp's overflow."""

_SWAP = "a reflected operator's operands swapped"
_SWAP_TEXT = ("2 {op} v computes v {op} 2: a reflected method (__r{dunder}__) gets the plain "
              "number as `other` and must put it first: other {op} self.")
_INPUT = "the derivative taken from the input"
_INPUT_TEXT = ("{name}'s derivative is a function of its output ({formula}); this one uses the "
               "input x instead of the output.")


def _binary(name: str, torch: Callable[..., Any], f: Callable[..., float], dunder: str,
            ordinary: tuple[Interval, ...], large: tuple[Interval, ...],
            edges: tuple[tuple[float, float], ...], causes: tuple[Cause, ...] = ()) -> OpSpec:
    return OpSpec(name, 2, torch, _ieee(f), ordinary, large, edges, causes=causes,
                  methods=(f"__{dunder}__", f"__r{dunder}__"))


def _unary(name: str, torch: Callable[..., Any], f: Callable[..., float],
           aliases: tuple[tuple[str, str], ...], ordinary: Interval = (-3.0, 3.0),
           large: Interval = (-1e100, 1e100), kinks: dict[tuple[float, ...], tuple[float, ...]]
           | None = None, causes: tuple[Cause, ...] = ()) -> OpSpec:
    return OpSpec(name, 1, torch, _ieee(f), (ordinary,), (large,), tuple((x,) for x in EDGES),
                  aliases=aliases, kinks=kinks or {}, causes=causes,
                  methods=tuple(alias for _, alias in aliases))


OPS: tuple[OpSpec, ...] = (
    _binary("+", lambda t, a, b: a + b, lambda a, b: a + b, "add",
            ((-3.0, 3.0),), ((-1e100, 1e100),), ((1e308, 1e308), (0.0, 0.0), (1e-300, -1e-300))),
    _binary("-", lambda t, a, b: a - b, lambda a, b: a - b, "sub",
            ((-3.0, 3.0),), ((-1e100, 1e100),), ((-1e308, 1e308), (0.0, 0.0)),
            causes=(Cause(_SWAP, _SWAP_TEXT.format(op="-", dunder="sub"),
                          value=lambda a, b: b - a, grads=lambda a, b: (0.0, 1.0),
                          forms=("nv",)),
                    Cause("the subtrahend's gradient with the wrong sign",
                          "d(a - b)/db is -1: the gradient reaching b must be negated.",
                          grads=lambda a, b: (1.0, 1.0), forms=("vv",)))),
    _binary("*", lambda t, a, b: a * b, lambda a, b: a * b, "mul",
            ((-3.0, 3.0),), ((-1e100, 1e100),), ((1e200, 1e200), (1e-200, 1e-200), (0.0, 5.0)),
            causes=(Cause("the local derivatives of a product swapped",
                          "d(a·b)/da is b and d(a·b)/db is a: each operand's gradient takes the "
                          "other operand's value.", grads=lambda a, b: (a, b),
                          forms=("vv",)),)),
    _binary("/", lambda t, a, b: a / b, _div, "truediv",
            ((-3.0, 3.0), (0.5, 3.0)), ((-1e100, 1e100), (1e-50, 1e50)),
            ((1.0, 0.0), (0.0, 0.0), (-1.0, 0.0), (1.0, 1e-300), (1e300, 1e-300)),
            causes=(Cause(_SWAP, _SWAP_TEXT.format(op="/", dunder="truediv"),
                          value=lambda a, b: b / a, grads=lambda a, b: (0.0, 1 / a),
                          forms=("nv",)),)),
    _binary("**", lambda t, a, b: a ** b, _pow, "pow",
            ((0.5, 2.5), (-2.5, 2.5)), ((1e-3, 1e3), (-30.0, 30.0)),
            ((0.0, 0.0), (0.0, 1.0), (0.0, 2.0), (0.0, -1.0), (0.0, 0.5), (-8.0, 1 / 3),
             (-2.0, 2.0), (-2.0, 3.0), (1e200, 2.0), (10.0, 400.0), (2.0, -1100.0)),
            causes=(Cause("the power rule without its factor k",
                          "d(x**k)/dx is k·x**(k-1): this one leaves out the k.",
                          grads=lambda a, k: (a ** (k - 1),), forms=("vn",)),
                    Cause("the power rule's exponent not lowered",
                          "d(x**k)/dx is k·x**(k-1): this one keeps x**k.",
                          grads=lambda a, k: (k * a ** k,), forms=("vn",)),
                    Cause(_SWAP, _SWAP_TEXT.format(op="**", dunder="pow"),
                          value=lambda a, b: b ** a, forms=("nv",)))),
    _unary("neg", lambda t, x: -x, lambda x: -x, (("operator", "neg"),)),
    _unary("abs", lambda t, x: t.abs(x), abs, (("operator", "abs"), ("method", "abs")),
           kinks={(0.0,): (-1.0, 0.0, 1.0)}),
    _unary("exp", lambda t, x: t.exp(x), math.exp, (("method", "exp"),), large=(-745.0, 709.0),
           causes=(Cause(_INPUT, _INPUT_TEXT.format(name="exp", formula="d eˣ/dx = eˣ"),
                         grads=lambda x: (x,)),)),
    _unary("log", lambda t, x: t.log(x), _log, (("method", "log"), ("method", "ln")),
           ordinary=(0.2, 5.0), large=(1e-200, 1e200),
           causes=(Cause("the derivative of log taken as log itself",
                         "d log(x)/dx is 1/x.", grads=lambda x: (math.log(x),)),)),
    _unary("sqrt", lambda t, x: t.sqrt(x), math.sqrt, (("method", "sqrt"),),
           ordinary=(0.2, 5.0), large=(1e-200, 1e200)),
    _unary("tanh", lambda t, x: t.tanh(x), math.tanh, (("method", "tanh"),), ordinary=(-2.0, 2.0),
           large=(-1000.0, 1000.0),
           causes=(Cause(_INPUT, _INPUT_TEXT.format(name="tanh", formula="1 - t², t = tanh x"),
                         grads=lambda x: (1 - x * x,)),)),
    _unary("relu", lambda t, x: t.relu(x), lambda x: max(0.0, x),
           (("method", "relu"), ("method", "ReLU")), kinks={(0.0,): (0.0, 0.5, 1.0)},
           causes=(Cause("relu's derivative 1 everywhere",
                         "relu'(x) is 1 where x > 0 and 0 where x < 0.",
                         grads=lambda x: (1.0,)),)),
    _unary("sigmoid", lambda t, x: t.sigmoid(x), _sigmoid,
           (("method", "sigmoid"), ("method", "sigm")), large=(-1000.0, 1000.0),
           causes=(Cause(_INPUT, _INPUT_TEXT.format(name="sigmoid", formula="s·(1 - s)"),
                         grads=lambda x: (x * (1 - x),)),)),
    _unary("sin", lambda t, x: t.sin(x), math.sin, (("method", "sin"),), large=(-1e4, 1e4)),
    _unary("cos", lambda t, x: t.cos(x), math.cos, (("method", "cos"),), large=(-1e4, 1e4)),
)
OP_NAMED = {op.name: op for op in OPS}

FORMS = {"vv": "v {op} w", "vn": "v {op} 2", "nv": "2 {op} v", "same": "v {op} v", "f": "{op}(v)"}
"""The forms an op is tried in: two nodes, a plain number on either side, one node twice
(its gradient flows along two paths); ``f`` for a one-operand op."""


def discovery_catalogue() -> list[dict[str, Any]]:
    """What the engine's process needs to find the ops: names, aliases, sample operands."""
    return [{"name": op.name, "aliases": [list(a) for a in op.aliases], "sample": list(op.sample)}
            for op in OPS]


# ----------------------------------------------------------------------------- graph mistakes


@dataclass(frozen=True)
class GraphCause:
    """A mistake in backward itself, simulated on a program (``diagnosis.py``), and the text
    said when an engine's numbers are the simulation's."""

    name: str
    title: str
    text: str
    look_for: str  # what to search the engine's source for: "assign", "backward", ...


GRAPH_CAUSES = {
    "assign": GraphCause(
        "assign", "`=` where `+=` is needed",
        "A node used along several paths (x in x + x) gets the sum of what each path sends "
        "back: child.grad += local * out.grad. With `=`, the last path overwrites the others.",
        "assign"),
    "no_visited": GraphCause(
        "no_visited", "a topological sort without a visited set",
        "A node reached along two paths is listed twice and passes its gradient on twice. Keep "
        "a set of the nodes already visited and skip them.", "backward"),
    "not_reversed": GraphCause(
        "not_reversed", "the topological order not reversed",
        "backward must visit the root first and each node after every node made from it: go "
        "through the topological order backwards.", "backward"),
    "unseeded": GraphCause(
        "unseeded", "the root's gradient not seeded with 1",
        "Every gradient starts at 0 and each step multiplies by the node's grad, so nothing "
        "flows unless backward first sets the root's grad to 1.", "backward"),
    "ignores_arriving": GraphCause(
        "ignores_arriving", "the arriving gradient not multiplied in",
        "Each step of the chain rule adds local · out.grad to an operand's grad; this one adds "
        "the local derivative alone, so nothing after the op counts.", "accumulate"),
    "wrong_node": GraphCause(
        "wrong_node", "a backward attached to the wrong node",
        "An op's backward function belongs to its output (out._backward = ...); attached to an "
        "operand it replaces that operand's own, and a node used by two ops loses a path.",
        "attach"),
    "recursion": GraphCause(
        "recursion", "recursion in the topological sort",
        "A sort that calls itself once per node stops at the recursion limit: a chain of "
        "10,000 nodes raises RecursionError. Sort with a stack of your own.", "backward"),
    "intermediate": GraphCause(
        "intermediate", "backward twice accumulates through inner nodes",
        "A second backward() adds to the inner nodes' grads left from the first, so the leaves "
        "get more than twice the gradient (micrograd does this; PyTorch frees the graph and, "
        "with retain_graph=True, gives exactly twice).", "backward"),
    "resets": GraphCause(
        "resets", "backward resets the leaves' gradients",
        "Each backward() starts every gradient, the leaves' too, from 0, so a second one gives "
        "the same gradients instead of adding to them (PyTorch adds; zero_grad clears).",
        "backward"),
    "returns_node": GraphCause(
        "returns_node", "a node where a number is expected",
        "A derivative rule computed with the operand itself instead of its .data makes the "
        "gradient a node (and a graph of the backward pass): use other.data.", "node"),
    "mutates": GraphCause(
        "mutates", "an op changes its operands",
        "An op must leave its operands' data and grad as they were.", "node"),
}
