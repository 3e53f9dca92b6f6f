"""The plain numbers a capture follows: a number read from a Value (``v.data``), a number
given to the function, and every number computed from those.

A ``Traced`` is not a float, on purpose: Python code can only get its number through one of
its methods, so the capture sees every use. Arithmetic between traced numbers is recorded
(a ``NumberStep`` of the program: microgpt's ``max(v.data for v in logits)`` becomes a step
that takes the max of those nodes' numbers at every run); a comparison is recorded as a
guard (the branch the code took must be taken again); a traced number given to an op of the
engine becomes an input of that node in the program. Anything else (``math.exp(v.data)``,
``int(...)``, printing it) makes the number a constant of the program, and the program
checks at every run that the number is the same, to the last bit.
"""

from __future__ import annotations

import math
import numbers
import operator
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["COMPARED", "Guard", "Recording", "Traced", "largest_or_smallest", "recording"]

_HERE = __file__.rsplit("/", 1)[0]
_PACKAGE = _HERE.rsplit("/", 1)[0]


@dataclass
class Guard:
    """What must hold again at every run: ``op`` (``"<"``, ``">"``, ``"=="``... or ``"same"``:
    the very same number) between ``left`` and ``right`` (each a Traced, or a constant) gave
    ``outcome`` when captured; ``where``: the learner's line that made it."""

    op: str
    left: Any
    right: Any
    outcome: bool
    where: str


def less(a: float, b: float) -> float: return 1.0 if a < b else 0.0
def at_most(a: float, b: float) -> float: return 1.0 if a <= b else 0.0
def greater(a: float, b: float) -> float: return 1.0 if a > b else 0.0
def at_least(a: float, b: float) -> float: return 1.0 if a >= b else 0.0
def equal(a: float, b: float) -> float: return 1.0 if a == b else 0.0
def unequal(a: float, b: float) -> float: return 1.0 if a != b else 0.0


COMPARED: dict[str, Callable[[float, float], float]] = {
    "<": less, "<=": at_most, ">": greater, ">=": at_least, "==": equal, "!=": unequal}
"""A comparison as a number of the program: 1.0 where it holds, else 0.0."""


class Recording:
    """What one capture saw (``Traced`` writes into it): the guards, the numbers the engine
    was given (by identity: the float object stored in the node), the leaves made from
    traced numbers, the Values made by hand or by ``Value(...)`` during the capture."""

    def __init__(self) -> None:
        self.guards: list[Guard] = []
        self.given: dict[int, tuple[float, Traced]] = {}  # id(float object) -> it, its source
        self.leaves: dict[int, Traced] = {}  # id(leaf Value) -> the traced number it holds
        self.made: dict[int, Any] = {}  # id(Value) -> Value, made by Value(...) in the capture
        self.reads: list[Traced] = []  # every .data read
        self.used: set[int] = set()  # the ids of ``given`` found in a node
        self.refused: str = ""  # why the function cannot be a program (said at the end)

    def guard(self, op: str, left: Any, right: Any, outcome: bool) -> None:
        self.guards.append(Guard(op, left, right, outcome, learners_line()))

    def constant(self, x: Traced, why: str) -> float:
        """``x``'s number, used where the capture cannot follow it: a guard that it stays the
        same."""
        self.guards.append(Guard("same", x, x.value, True, learners_line() + f" ({why})"))
        return x.value

    def handed(self, x: Traced) -> float:
        """``x``'s number as a new float object the engine stores in a node: the capture finds
        it there by identity and makes it an input of that node."""
        number = float(x.value) * 1.0  # (a new object, -0.0 kept: identity is its name)
        self.given[id(number)] = (number, x)
        return number


_state = threading.local()  # (a capture is per thread)


def recording() -> Recording | None:
    """The capture running in this thread, if any."""
    return getattr(_state, "recording", None)


def set_recording(found: Recording | None) -> None:
    _state.recording = found


def learners_line() -> str:
    """The first line outside this package on the stack: ``file:line: code``."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "?"
    import linecache

    text = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    name = frame.f_code.co_filename.rsplit("/", 1)[-1]
    return f"{name}:{frame.f_lineno}: {text}" if text else f"{name}:{frame.f_lineno}"


def _called_by_the_engine() -> bool:
    """Whether the caller of the caller is the engine's code (a conversion to store the
    number in a node), not the learner's."""
    frame = sys._getframe(2)
    name = frame.f_code.co_filename
    return name.startswith(_PACKAGE) and not name.startswith(_HERE)


class Traced:
    """A plain number the capture follows (see the module's docstring). ``source``: where
    it comes from: ``("node", value)`` a Value's number, ``("input", k)`` the function's k-th
    number, ``("step", name, function, args)`` computed from others."""

    __slots__ = ("source", "value")

    def __init__(self, value: float, source: tuple[Any, ...]) -> None:
        self.value = value
        self.source = source

    def __repr__(self) -> str:
        return repr(self._plain("repr"))

    def __str__(self) -> str:
        return str(self._plain("str"))

    def shown(self) -> Any:
        """Its number as the engine's run would give it (a comparison's as True or False)."""
        if self.source[0] == "step" and self.source[1] in COMPARED:
            return bool(self.value)
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self._plain("format"), spec)

    def _plain(self, why: str) -> float:
        found = recording()
        return self.value if found is None else found.constant(self, why)

    def __float__(self) -> float:
        found = recording()
        if found is None:
            return self.value
        if _called_by_the_engine():
            return found.handed(self)
        return found.constant(self, "float()")

    def __int__(self) -> int:
        return int(self._plain("int()"))

    def __index__(self) -> int:
        return operator.index(self._plain("an index"))  # type: ignore[arg-type]

    def __round__(self, n: int | None = None) -> Any:
        return round(self._plain("round()"), n)

    def __trunc__(self) -> int:
        return math.trunc(self._plain("trunc()"))

    def __floor__(self) -> int:
        return math.floor(self._plain("floor()"))

    def __ceil__(self) -> int:
        return math.ceil(self._plain("ceil()"))

    def __hash__(self) -> int:
        return hash(self._plain("hash()"))

    def __bool__(self) -> bool:
        outcome = bool(self.value)
        found = recording()
        if found is not None:  # (a branch: the program checks it is taken again)
            found.guard("!=", self, 0.0, outcome)
        return outcome

    def _compare(self, op: str, other: Any) -> Any:
        """A comparison: followed as a number of the program, 1.0 or 0.0 (``sum`` of them
        counts); a guard only where the code branches on it (``__bool__``)."""
        right = _number(other)
        if right is None:
            return NotImplemented
        return _step(op, COMPARED[op], self, right)

    def __lt__(self, other: Any) -> Any: return self._compare("<", other)
    def __le__(self, other: Any) -> Any: return self._compare("<=", other)
    def __gt__(self, other: Any) -> Any: return self._compare(">", other)
    def __ge__(self, other: Any) -> Any: return self._compare(">=", other)
    def __eq__(self, other: Any) -> Any: return self._compare("==", other)
    def __ne__(self, other: Any) -> Any: return self._compare("!=", other)

    def __neg__(self) -> Traced: return _step("-x", operator.neg, self)
    def __pos__(self) -> Traced: return self
    def __abs__(self) -> Traced: return _step("abs", abs, self)

    def __add__(self, other: Any) -> Any: return _binary("+", operator.add, self, other)
    def __radd__(self, other: Any) -> Any: return _binary("+", operator.add, other, self)
    def __sub__(self, other: Any) -> Any: return _binary("-", operator.sub, self, other)
    def __rsub__(self, other: Any) -> Any: return _binary("-", operator.sub, other, self)
    def __mul__(self, other: Any) -> Any: return _binary("*", operator.mul, self, other)
    def __rmul__(self, other: Any) -> Any: return _binary("*", operator.mul, other, self)
    def __truediv__(self, other: Any) -> Any: return _binary("/", operator.truediv, self, other)
    def __rtruediv__(self, other: Any) -> Any: return _binary("/", operator.truediv, other, self)

    def __pow__(self, other: Any) -> Any: return _binary("**", operator.pow, self, other)
    def __rpow__(self, other: Any) -> Any: return _binary("**", operator.pow, other, self)


numbers.Real.register(Traced)  # (a real number: the engine's functions take it as one)


def _number(x: Any) -> Traced | float | None:
    """``x`` as a comparison or a step reads it: a Traced, a plain number, or None."""
    if isinstance(x, Traced):
        return x
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, (int, float)):
        return float(x)
    from tinygrad_edu.engine import Value

    if isinstance(x, Value):
        from tinygrad_edu.program.reading import number_of

        return Traced(number_of(x), ("node", x))
    return None


def _step(name: str, function: Callable[..., float], *args: Any) -> Traced:
    values = [a.value if isinstance(a, Traced) else a for a in args]
    return Traced(function(*values), ("step", name, function, args))


def _binary(name: str, function: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    from tinygrad_edu.engine import Value

    if isinstance(a, Value) or isinstance(b, Value):
        return _through_value(function, a, b)
    left, right = _number(a), _number(b)
    if left is None or right is None:
        return NotImplemented
    if name == "**":  # (a power of plain numbers: followed where it is a real number)
        x, y = (v.value if isinstance(v, Traced) else v for v in (left, right))
        try:
            power = x ** y
        except ArithmeticError:
            power = None
        if type(power) is not float:
            found = recording()
            if found is None:
                return x ** y
            plain = [found.constant(v, "a power") if isinstance(v, Traced) else v
                     for v in (left, right)]
            return plain[0] ** plain[1]
    return _step(name, function, left, right)


def _through_value(function: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """An op between a traced number and a Value (or a power): the engine's op, with the
    traced number handed to the node as an input of it."""

    found = recording()

    def plain(x: Any) -> Any:
        if not isinstance(x, Traced):
            return x
        return found.handed(x) if found is not None else x.value

    return function(plain(a), plain(b))


def largest_or_smallest(builtin: Callable[..., Any], name: str) -> Callable[..., Any]:
    """Python's ``max`` (or ``min``) as a capture sees it: over numbers of which some are
    traced, one step of the program (``max(v.data for v in logits)``, microgpt's softmax,
    is the largest of those numbers at every run, not a guard on which one it was); with a
    ``key``, or over anything else, Python's own."""
    def chosen(*args: Any, **options: Any) -> Any:
        if recording() is None or "key" in options:
            return builtin(*args, **options)
        items = list(args[0]) if len(args) == 1 else list(args)
        if not items and "default" in options:
            return options["default"]
        if not any(isinstance(x, Traced) for x in items) or not all(
                isinstance(x, (Traced, float, int)) and not isinstance(x, bool)
                for x in items):
            return builtin(items, **options)
        if len(items) == 1:
            return items[0]
        return _step(name, builtin, *items)

    chosen.__name__ = name
    return chosen
