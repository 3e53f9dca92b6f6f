"""An op as a row of data: ``Op``, one row of an engine's op table.

A row has the op's name, its forward function, one rule per operand, and the same in words
(``formula`` and ``local``, which stepping and drawing print). The scalar engine's rules are
local derivatives, ``d(a, b, out)``; the tensor engine's are vector-Jacobian products,
``vjp(g, a, b, out)``. ``ListOp`` is the row of an op on whole lists (``dot``, ``vsum``),
``GivenOp`` the row of a node made by hand, whose local derivatives were given as numbers.

Nothing here knows an engine: each engine makes its rows into functions (``Op.apply``), and
registers them in its registry (``ops.py``), which the tools read.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

__all__ = ["GivenOp", "ListOp", "Op", "given_op", "local_derivative", "made_by"]


class Op:
    """One operation: ``forward(*operands)`` and one rule per operand (None for an operand
    that gets no gradient and must be a plain number, such as leaky_relu's alpha, whose
    default is ``default``).

    A scalar rule gets the operands and the output ``out`` and returns d(output)/d(operand):
    a number where it is a constant (``+``'s 1.0: nothing to call). It runs on floats in an
    ordinary backward pass; under ``create_graph=True`` the row's ``graph_rules`` run on
    Values, to build the graph of the derivative. They are the same rules unless the row
    gives others: a rule written with arithmetic runs on both (``1 - y * y``); one that calls
    ``math`` (``math.cos(x)``) or takes a step on floats (relu's slope) has a twin written
    with the engine's operations, given once in the row.

    ``formula`` says how the output is computed (``"{0} * {1}"``: ``{0}``, ``{1}`` are the
    operands, ``{out}`` the output) and ``local`` each rule in words (``("{1}", "{0}")``);
    ``domain`` and ``kinks`` say where the rules may be tested (see
    ``tinygrad_edu.testing``). A row of the tensor engine has ``vjp=True``: its rules are
    vector-Jacobian products, ``vjp(g, *operands, out, *params)``; ``elementwise`` says that
    such an op works entry by entry, so that a gradient is summed back to a broadcast
    operand's shape.
    """

    def __init__(self, name: str, forward: Callable[..., Any],
                 rules: Sequence[Any],
                 *, formula: str | None = None, local: Sequence[str] | None = None,
                 graph_rules: Sequence[Any] | None = None, default: Any = None,
                 domain: Sequence[tuple[float, float]] | None = None,
                 kinks: Sequence[Any] = (), elementwise: bool = False,
                 vjp: bool = False, doc: str = "") -> None:
        self.name = name
        self.forward = forward
        self.rules: tuple[Any, ...] = tuple(rules)  # (a rule, a constant, or None)
        self.graph_rules = tuple(graph_rules) if graph_rules is not None else self.rules
        self.default = default
        self.formula = formula
        self.local = None if local is None else tuple(local)
        self.domain = None if domain is None else tuple(domain)
        self.kinks = tuple(kinks)
        self.elementwise = elementwise
        self.vjp = vjp  # the rules are the tensor engine's VJPs, not local derivatives
        self.doc = doc
        self.apply: Callable[..., Any] = forward  # the function on nodes, set by its engine

    given = False
    """Whether the op's nodes were made by hand, their local derivatives given as numbers."""

    @property
    def arity(self) -> int | None:
        """How many operands the op must be given (a last plain-number operand with a
        default, leaky_relu's alpha, is not counted); None for ops on whole lists."""
        return len(self.rules) - (self.default is not None)

    @property
    def param(self) -> Any:
        """The default of a last operand that must be a plain number (leaky_relu's alpha)."""
        return self.default

    def operands(self, node: Any) -> list[Any]:
        """What ``node`` was computed from, in order: its parents, and the plain numbers
        that stood beside them (the 2.0 in ``2.0 - a``)."""
        return list(node._operands)

    def __call__(self, *operands: Any, **params: Any) -> Any:
        """Apply the op: ``OPS["*"](a, 2.0)``; a tensor op also takes its parameters
        (``tensor.OPS["sum"](t, axis=0)``)."""
        if self.default is not None and len(operands) == self.arity:
            operands = (*operands, self.default)
        return self.apply(*operands, **params)

    def __repr__(self) -> str:
        return f"<{'Tensor' if self.vjp else ''}Op {self.name!r}>"

    # One object per op: copies of a graph share it, and a pickle names it (ops.py).
    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        from tinygrad_edu.ops import pickled_op  # the registry, where a pickle finds it
        return pickled_op(self)


class ListOp(Op):
    """An op on whole lists, one node with many parents (``vsum``: one list, ``dot``: two).
    Its node keeps its parents and the local derivative towards each in ``_list`` and
    ``_list_grads`` (and its lists as given, in ``_a`` and ``_b``, where a plain number stood
    in them: a constant, no parent). ``graph_rule(operands, node)`` gives the local derivatives
    as Values, for ``create_graph=True``; ``local_rule(numbers)`` the same on floats."""

    def __init__(self, name: str, forward: Callable[..., Any], lists: int,
                 local_rule: Callable[[list[float]], list[float]],
                 graph_rule: Callable[[Sequence[Any], Any], tuple[Any, ...]], doc: str = "",
                 formula: str | None = None, local: Sequence[str] | None = None) -> None:
        super().__init__(name, forward, (), doc=doc, formula=formula, local=local)
        self.lists = lists
        self.local_rule = local_rule
        self.graph_rule = graph_rule

    @property
    def arity(self) -> int | None:
        return None

    def __call__(self, *operands: Any) -> Any:
        return self.apply(*operands)


class GivenOp(Op):
    """The op of a node made as microgpt makes one, ``Value(data, children, local_grads)``:
    named after the function or method that made it (``'gelu'``; ``'*'`` for ``__mul__``),
    or ``'op'`` where that cannot be known. Its local derivatives were given as numbers, so
    it has no rules: nothing says how they change, and a second derivative through it
    raises an error that says so (``autograd/higher.py``)."""

    given = True

    def __init__(self, name: str, arity: int) -> None:
        symbol = SYMBOLS.get(name)
        if symbol == "neg":
            formula = "-{0}"
        elif symbol is not None and arity == 2:
            formula = f"{{0}} {symbol} {{1}}"
        else:
            formula = f"{symbol or name}({', '.join(f'{{{i}}}' for i in range(arity))})" \
                if arity <= 2 else f"{name}({{all}})"
        super().__init__(symbol or name, _no_forward, (None,) * min(arity, 2), formula=formula,
                         local=("given",) * max(1, min(arity, 2)))
        self.given_as = name, arity

    @property
    def arity(self) -> int | None:
        return None if self.given_as[1] > 2 else self.given_as[1]

    def __reduce__(self) -> tuple[Any, ...]:
        return (given_op, self.given_as)


SYMBOLS = {"__add__": "+", "__radd__": "+", "__sub__": "-", "__rsub__": "-", "__mul__": "*",
           "__rmul__": "*", "__truediv__": "/", "__rtruediv__": "/", "__pow__": "**",
           "__rpow__": "**", "__neg__": "neg"}
"""The symbols of the operator methods a node made by hand may come from."""

_GIVEN: dict[tuple[str, int], GivenOp] = {}


def given_op(name: str, arity: int) -> GivenOp:
    """The op of nodes made by ``Value(data, children, local_grads)`` in the function
    ``name`` with ``arity`` children (one op for every number above two)."""
    key = (name, min(arity, 3))
    if key not in _GIVEN:
        _GIVEN[key] = GivenOp(name, arity)
    return _GIVEN[key]


def made_by(arity: int, depth: int = 2) -> GivenOp:
    """The op of a node made by ``Value(data, children, local_grads)`` with ``arity``
    children, named after the function or method ``depth`` frames up that called
    ``Value(...)`` (past any ``__init__``), or ``'op'`` where it has no name (a module, a
    lambda)."""
    frame = sys._getframe(depth)
    while frame.f_code.co_name == "__init__" and frame.f_back is not None:
        frame = frame.f_back
    name = frame.f_code.co_name
    return given_op("op" if name.startswith("<") else name, arity)


def _no_forward(*operands: Any) -> Any:
    raise TypeError("a node made by Value(data, children, local_grads) has no forward function: "
                    "its number was given")


def local_derivative(rule: Any, *arguments: Any) -> Any:
    """What a rule of a row gives for these operands and output: its number where the rule
    is a constant (``+``'s 1.0), else the rule called on them."""
    return rule(*arguments) if callable(rule) else rule
