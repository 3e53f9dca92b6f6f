"""The cases of the Value exercise as data: an ``Expression`` (steps of Python's operators and
the methods, as a learner's class must do them) and a ``SumChain`` (a chain 2000 deep).

Each prints as the Python code that builds it, the failing input of a verdict, and builds
fresh nodes with the learner's class on each call. How a class is run on them
(``call_value_forward``, ``call_value_backward``, ``call_value_locals``) is in ``inputs.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tinygrad_edu.exercises.learner.parts import AnswerError

__all__ = ["EXPRESSION_OPS", "PRIMITIVE", "Expression", "SumChain", "expression_text", "local_rows"]

EXPRESSION_OPS: dict[str, Callable[..., Any]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b,
    "*": lambda a, b: a * b, "/": lambda a, b: a / b,
    "+c": lambda a, c: a + c, "c+": lambda a, c: c + a,
    "-c": lambda a, c: a - c, "c-": lambda a, c: c - a,
    "*c": lambda a, c: a * c, "c*": lambda a, c: c * a,
    "/c": lambda a, c: a / c, "c/": lambda a, c: c / a,
    "**": lambda a, c: a**c,
    "tanh": lambda a: a.tanh(), "exp": lambda a: a.exp(), "relu": lambda a: a.relu(),
    "log": lambda a: a.log(), "neg": lambda a: -a,
}
"""What a learner's Value must do, as Python writes it: ``+ - * /`` between two Values, with
a plain number c on the right (``"+c"``: x + c) or on the left (``"c+"``: c + x, which needs
``__radd__``), ``**`` a number, the methods tanh, exp, relu and log (microgpt's node
has log, not tanh), and ``"neg"``: -x (drawn by no strategy: one of microgpt's smallest
inputs, where a ``__neg__`` that calls itself shows)."""

def expression_text(op: str, names: Sequence[str], number: Any = None) -> str:
    """One step as Python code: ``x0 + x1``, ``2.0 * v1``, ``v2 ** 3``, ``v3.tanh()``."""
    a = names[0]
    if op in ("tanh", "exp", "relu", "log"):
        return f"{a}.{op}()"
    if op == "neg":
        return f"-{a}"
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
    values: tuple[float, ...] = ()  # every node's number, as the engine computes it
    forward_only: bool = False

    def node_names(self) -> list[str]:
        return [f"x{i}" for i in range(len(self.leaves))] + [
            f"v{k + 1}" for k in range(len(self.steps))]

    def build(self, cls: type, made: list[Any] | None = None) -> list[Any]:
        """Every node, built with the class ``cls`` by Python's operators; the root is last.
        Each is appended to ``made`` too, as it is made (for ``unlinked``)."""
        names = self.node_names()
        nodes = [cls(x) for x in self.leaves]
        made = [] if made is None else made
        made.extend(nodes)
        for op, args, number in self.steps:
            operands = [nodes[i] for i in args]
            node = EXPRESSION_OPS[op](*operands, *([] if number is None else [number]))
            made.append(node)
            _check_made(node, cls, f"{names[len(nodes)]} = "
                        f"{expression_text(op, [names[i] for i in args], number)}")
            nodes.append(node)
        return nodes

    def size(self) -> tuple[int, int]:
        """Its steps, then its leaves: ``x0 - 2.0`` is one step on one leaf."""
        return (len(self.steps), len(self.leaves))

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


@dataclass(frozen=True)
class SumChain:
    """s = x, then s = s + x, ``n`` times: a sum of n + 1 terms, a chain n nodes deep (as deep
    as a loss summed over n examples)."""

    x: float
    n: int
    forward_only: bool = False

    def node_names(self) -> list[str]:
        return ["x", "s"]

    @property
    def values(self) -> tuple[float, float]:
        """x and s as the engine computes them: n + 1 additions of x."""
        s = self.x
        for _ in range(self.n):
            s = s + self.x
        return (self.x, s)

    def build(self, cls: type, made: list[Any] | None = None) -> list[Any]:
        """x and s, built with the class ``cls``; every node made is appended to ``made``
        (for ``unlinked``)."""
        made = [] if made is None else made
        x = cls(self.x)
        s = x
        made.append(x)
        for _ in range(self.n):
            s = s + x
            made.append(s)
        _check_made(s, cls, "s = s + x")
        return [x, s]

    def __str__(self) -> str:
        return (f"x = Value({self.x!r}); s = x, then s = s + x, {self.n} times (a sum of "
                f"{self.n + 1} terms, a chain {self.n} nodes deep)"
                + ("" if self.forward_only else "; s.backward()"))


PRIMITIVE = ("+", "*", "**", "log", "exp", "relu")
"""The ops of microgpt's node that make one node of their operands (``a - b`` is made of
``+`` and a negation, ``a / b`` of ``*`` and ``** -1``)."""


def local_rows(case: Expression) -> list[str]:
    """The names of the local derivatives ``call_value_locals`` reads, in its order."""
    names = case.node_names()
    return [f"{names[len(case.leaves) + k]}._local_grads[{i}]"
            for k, (op, args, _) in enumerate(case.steps) if op in PRIMITIVE
            for i in range(len(args))]


