"""The plain numbers a capture follows: a number read from a Value (``v.data``), a number given
to the function, a number read from outside it (a global, a cell, an attribute that changes
between calls), a random draw, and every number computed from those.

A ``Traced`` is not a float, on purpose: Python code can only get its number through one of
its methods, so the capture sees every use. It holds the very number the engine's run has
there (a float, an int, a bool for a comparison, a NumPy float), and it computes as that
number does (``isinstance(x, float)``, ``str``, ``//``, ``%``, ``divmod``, ``sum`` as the
running Python sums, NumPy's ufuncs): each result is recorded as a ``NumberStep`` of the
program, computed by the same function at every run. A comparison is a number of the program
(``True`` or ``False``); where the code branches on it (``__bool__``), it is a guard. A
traced number given to an op of the engine becomes an input of that node. Anything else
(``int(...)``, ``hash``, formatting, ``float(x)`` where no capture shadows ``float``) makes
the number a constant of the program, and the program checks at every run that it is the
same, to the last bit.

An operation that raises while the capture runs (``1 / x.data`` at 0) is recorded too
(``Recording.raised``): where the function catches the error, the program checks at every
run that it raises there again. Outside a capture (an object that kept one) a ``Traced``
computes plain numbers. The functions its steps compute are ``number_steps.py``'s; the
learner's line a guard names, ``learners_code.py``'s.
"""

from __future__ import annotations

import math
import numbers
import operator
import threading
from builtins import abs as _abs  # (Python's own, where the learner's code puts its own)
from builtins import round as _round
from collections.abc import Callable
from dataclasses import dataclass
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.program.learners_code import (
    called_by_the_engine,
    learners_line,
    tested_by_identity,
)
from tinygrad_edu.program.nans import HASHED, IDENTITY_FIRST, found_by_identity, is_nan
from tinygrad_edu.program.number_steps import (
    COMPARED,
    as_float,
    floor_divide,
    is_integer,
    modulo,
    power,
)
from tinygrad_edu.program.numpy_numbers import double, followed_numpy, of_numpy

__all__ = ["Guard", "Raised", "Recording", "Traced", "recording", "set_recording"]


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


@dataclass
class Raised:
    """An operation that raised while the capture ran, and the function went on (it caught
    the error): ``what`` is a Traced step (``("step", ...)``) or an engine op
    (``("node", row, operands)``); the program checks that it raises again."""

    what: tuple[Any, ...]
    error: type
    where: str
    said: tuple[Any, ...] = ()  # (the error's args: its text, which the code may keep)


_OF_ITS_TYPE = {"dtype", "shape", "ndim", "size", "itemsize", "nbytes"}
"""What a NumPy number holds that its type says (an array's dtype picks the program)."""


class Recording:
    """What one capture saw (``Traced`` writes into it): the guards, the numbers the engine
    was given (by identity: the float object stored in the node), the leaves made from
    traced numbers, the Values made during the capture, the number steps, the operations
    that raised, the side effects."""

    def __init__(self) -> None:
        self.guards: list[Guard] = []
        self.given: dict[int, tuple[float, Traced]] = {}  # id(float object) -> it, its source
        self.leaves: dict[int, Traced] = {}  # id(leaf Value) -> the traced number it holds
        self.made: dict[int, Any] = {}  # id(Value) -> Value, made in the capture
        self.as_made: list[tuple[Any, tuple[Any, ...]]] = []  # (each node an op made, its
        # fields then: ``reading.as_made``)
        self.building = 0  # (the engine's node builder runs, as a capture watches it)
        self.filled: list[Any] = []  # (Values filled while it did not: ``watching.py``)
        self.given_values: set[int] = set()  # (the ids of the Values given: bound at every call)
        self.copied: set[int] = set()  # (nodes copied: ``fields.copies``, numbers followed)
        self.reads: list[Traced] = []  # every .data read
        self.read_of: dict[int, Traced] = {}  # id(Value) -> its .data read (it holds it)
        self.steps: list[Traced] = []  # every number computed, in order
        self.raised: list[Raised] = []  # operations that raised (the function went on)
        self.used: set[int] = set()  # the ids of ``given`` found in a node
        self.refused: str = ""  # why the function cannot be a program (said at the end)
        self.effects: list[str] = []  # what a program does not do again (said at capture)
        self.constants: list[tuple[Traced, str]] = []  # numbers fixed where they were used
        self.no_graph: dict[int, tuple[str, tuple[Any, ...]]] = {}  # made under no_grad
        self.handed_in: dict[int, list[int]] = {}  # (the floats one of them was handed)
        self.seeded: dict[int, Any] = {}  # (``random.Random(seed)``s made in the call)
        self.lines: dict[int, str] = {}  # id(a node given a constant) -> the learner's line
        self.inputs: list[tuple[Any, ...]] = []  # where each number input comes from
        self.outside: Any = None  # where numbers from outside the arguments come from
        self.taken_whole: set[int] = set()  # (classes, modules: ``vars(HP)``, in order)
        self.draws: Any = None  # the random draws
        self.grad_writes: list[tuple[Any, str]] = []  # (a Value's .grad set, the line)
        self.texts: list[tuple[str, str]] = []  # (a text float() was given, the line)
        self.compared = False  # (a comparison followed as a number)
        self.first = False  # (``refused`` is what explains the rest)
        self.read_here: dict[Any, int] = {}  # (a frame testing ``is`` -> the Value it read)
        self.sets: list[Any] = []  # (the sets the learner's ``set()`` made: ``sets.py``)
        self.default_labels: dict[int, tuple[Any, str]] = {}  # (``fields.ClassLabel``)
        self.names_missing: dict[Any, tuple[Any, str, str]] = {}  # (``fields.missing``)
        self.hashed_made = 0  # (Values made in the call hashed: ``addresses.by_address``)
        self.said: list[Any] | None = None  # (the warnings caught: ``warned.Warned``)
        self.said_by_steps: list[Any] = []  # (those a step computed gave: the program's own)
        self.in_op = ""  # (an op of one's own whose functions run: ``own_ops.built``)
        self.after_op: list[Any] = []  # (places found while it ran, installed after it)
        self.own: list[str] = []  # (what ops of one's own drew or wrote: run as the engine)
        self.own_applied: list[Any] = []  # (each applied: ``own_ops.changed_after``)
        self.views = 0  # (memoryviews of arrays given made: ``seen.MemoryviewSeen``)
        self.identities = False  # (``operator.is_`` called by the learner: ``aliases.py``)

    def new_at_call(self, x: Any) -> bool:
        """Whether ``x`` is a Value made in the call or given to it: new at every call, as
        its address (a set's order) is."""
        return id(x) in self.made or id(x) in self.given_values

    def input(self, number: Any, origin: tuple[Any, ...]) -> Traced:
        """A number the program reads at every run (an argument's, a random draw, a number
        read from outside that changes between calls), as a traced number."""
        self.inputs.append(origin)
        return Traced(number, ("input", len(self.inputs) - 1))

    def guard(self, op: str, left: Any, right: Any, outcome: bool) -> None:
        self.guards.append(Guard(op, left, right, outcome, learners_line()))

    def constant(self, x: Traced, why: str) -> Any:
        """``x``'s number, used where the capture cannot follow it: a guard that it stays the
        same."""
        where = learners_line() + f" ({why})"
        self.guards.append(Guard("same", x, x.value, True, where))
        self.constants.append((x, where))
        return x.value

    def handed(self, x: Traced) -> float:
        """``x``'s number as a new float object the engine stores in a node: the capture finds
        it there by identity and makes it an input of that node."""
        number = float(x.value) * 1.0  # (a new object, -0.0 kept: identity is its name)
        self.given[id(number)] = (number, x if type(x.value) is float else
                                  _step("float", as_float, x))
        return number

    def refuse(self, why: str, first: bool = False) -> None:
        """Why the function cannot be a program (the first reason met, or ``first``: what
        explains the others, as another thread started before a draw it made)."""
        if not self.refused or (first and not self.first):
            self.refused = f"{why}, at {learners_line()}"
            self.first = first

    def effect(self, what: str, line: bool = True) -> None:
        said = f"{what}, at {learners_line()}" if line else what
        if said not in self.effects:
            self.effects.append(said)


_state = threading.local()  # (a capture is per thread)


def recording() -> Recording | None:
    """The capture running in this thread, if any."""
    return getattr(_state, "recording", None)


def set_recording(found: Recording | None) -> None:
    """Make ``found`` the capture running in this thread (None: none runs)."""
    _state.recording = found


class Traced:
    """A plain number the capture follows (see the module's docstring). ``value``: the number
    the engine's run has (a float, an int, a bool, a NumPy float); ``source``: where it comes
    from: ``("node", value)`` a Value's number, ``("input", k)`` the program's k-th number
    input, ``("step", name, function, args)`` computed from others."""

    __slots__ = ("source", "value")

    def __init__(self, value: Any, source: tuple[Any, ...]) -> None:
        self.value = value
        self.source = source

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # (isinstance(x, float) as for its number)
        return type(self.value)

    def __repr__(self) -> str:
        return repr(self._plain("repr"))

    def __str__(self) -> str:
        return str(self._plain("str"))

    def __format__(self, spec: str) -> str:
        return format(self._plain("format"), spec)

    def shown(self) -> Any:
        """Its number as the engine's run has it."""
        return self.value

    def _plain(self, why: str) -> Any:
        found = recording()
        return self.value if found is None else found.constant(self, why)

    def __copy__(self) -> Traced:  # (a number is its own copy: still followed)
        return self

    def __deepcopy__(self, memo: Any) -> Traced:
        return self

    def __reduce_ex__(self, protocol: Any) -> Any:  # (pickled: its number's own reduction,
        return self._plain("pickle").__reduce_ex__(protocol)  # a constant; a64j's S5)

    def __sizeof__(self) -> int:  # (its number's size, a constant: an int's grows with it)
        return int(self._plain("__sizeof__").__sizeof__())

    def __getattr__(self, name: str) -> Any:  # (x.hex(), x.as_integer_ratio(): a constant)
        if name.startswith("__") or name in _SLOTS:
            raise AttributeError(name)
        if of_numpy(type(self.value)) and name in _OF_ITS_TYPE:
            return getattr(self.value, name)  # (a NumPy number's dtype: its type's, followed)
        if name == "item" and double(type(self.value)):  # (np.float64's: float(x),
            return self._item  # followed)
        return getattr(self._plain(f".{name}"), name)

    def _item(self, *at: Any) -> Any:
        """``x.item()`` of an np.float64 followed: ``float(x)``; ``x.item(0)``,
        ``x.item(())`` too, as NumPy takes them of a number (its one item), and NumPy's
        own error for another index."""
        if at:
            self.value.item(*at)  # (an index NumPy refuses: its error)
        return _step("float", as_float, self)

    def __float__(self) -> float:
        found = recording()
        if found is None:
            return float(self.value)
        if called_by_the_engine():
            return found.handed(self)
        return float(found.constant(self, "float()"))

    def __int__(self) -> int:
        return int(self._plain("int()"))

    def __index__(self) -> int:
        return operator.index(self._plain("an index"))

    def __complex__(self) -> complex:
        return complex(self._plain("complex()"))

    def __round__(self, n: int | None = None) -> Any:
        return _round(self._plain("round()"), n)

    def __trunc__(self) -> int:
        return math.trunc(self._plain("trunc()"))

    def __floor__(self) -> int:
        return math.floor(self._plain("floor()"))

    def __ceil__(self) -> int:
        return math.ceil(self._plain("ceil()"))

    def __hash__(self) -> int:
        found = recording()
        if found is not None and is_nan(self.value):  # (its address: ``nans.py``)
            found.refuse(HASHED)
        return hash(self._plain("hash()"))

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy

        return numpy.asarray(self._plain("a NumPy array"), dtype=dtype)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **options: Any) -> Any:
        """A NumPy ufunc of numbers (``np.tanh(v.data)``): followed as a step, with NumPy's
        own function (and so NumPy's numbers)."""
        if method != "__call__" or options or not all(
                _number(x) is not None or of_numpy(type(x)) for x in inputs):
            plain = [x._plain(f"numpy.{ufunc.__name__}") if isinstance(x, Traced) else x
                     for x in inputs]
            return getattr(ufunc, method)(*plain, **options)
        return _step(f"numpy.{ufunc.__name__}", ufunc, *inputs)

    def __bool__(self) -> bool:
        outcome = bool(self.value)
        found = recording()
        if found is not None:  # (a branch: the program checks it is taken again)
            found.guard("!=", self, 0.0, outcome)
        return outcome

    def _compare(self, op: str, other: Any) -> Any:
        """A comparison: followed as a number of the program (``sum`` of them counts); a
        guard only where the code branches on it (``__bool__``)."""
        right = _number(other)
        if right is None:
            return _unfollowed(COMPARED[op], self, other)
        record = recording()
        if op in ("==", "!=") and record is not None and found_by_identity(_getframe(1)):
            for x in (self, right):  # (``x in xs``: a NaN found by identity, ``nans.py``;
                # one met at a later call: a guard fails, captured again)
                if isinstance(x, Traced):
                    if is_nan(x.value):
                        record.refuse(IDENTITY_FIRST)
                    record.guard("==", x, x, True)
            if not isinstance(right, Traced) and is_nan(right):
                record.refuse(IDENTITY_FIRST)
        found = _step(op, COMPARED[op], self, right)
        if isinstance(found, Traced) and tested_by_identity(_getframe(1)):
            return bool(found)  # (``pos is True``, ``case True:``: a bool, and a guard)
        if record is not None and isinstance(found, Traced):
            record.compared = True  # (followed: code that runs later must not test it by
        return found  # identity, ``tested_later``)

    def __lt__(self, other: Any) -> Any: return self._compare("<", other)
    def __le__(self, other: Any) -> Any: return self._compare("<=", other)
    def __gt__(self, other: Any) -> Any: return self._compare(">", other)
    def __ge__(self, other: Any) -> Any: return self._compare(">=", other)
    def __eq__(self, other: Any) -> Any: return self._compare("==", other)
    def __ne__(self, other: Any) -> Any: return self._compare("!=", other)

    def __neg__(self) -> Any: return _step("-x", operator.neg, self)
    def __pos__(self) -> Any: return _step("+x", operator.pos, self)
    def __abs__(self) -> Any: return _step("abs", _abs, self)
    def __invert__(self) -> Any: return operator.invert(self._plain("~"))  # (as & below)

    def __add__(self, o: Any) -> Any: return _binary("+", operator.add, self, o)
    def __radd__(self, o: Any) -> Any: return _binary("+", operator.add, o, self)
    def __sub__(self, o: Any) -> Any: return _binary("-", operator.sub, self, o)
    def __rsub__(self, o: Any) -> Any: return _binary("-", operator.sub, o, self)
    def __mul__(self, o: Any) -> Any: return _binary("*", operator.mul, self, o)
    def __rmul__(self, o: Any) -> Any: return _binary("*", operator.mul, o, self)

    def __truediv__(self, o: Any) -> Any:
        return _binary("/", operator.truediv, self, o)

    def __rtruediv__(self, o: Any) -> Any:
        return _binary("/", operator.truediv, o, self)

    def __floordiv__(self, o: Any) -> Any: return _binary("//", floor_divide, self, o)
    def __rfloordiv__(self, o: Any) -> Any: return _binary("//", floor_divide, o, self)
    def __mod__(self, o: Any) -> Any: return _binary("%", modulo, self, o)
    def __rmod__(self, o: Any) -> Any: return _binary("%", modulo, o, self)

    def __divmod__(self, o: Any) -> Any:
        return _divmod(self, o)

    def __rdivmod__(self, o: Any) -> Any:
        return _divmod(o, self)

    def __pow__(self, o: Any, modulo_: Any = None) -> Any:
        if modulo_ is not None:
            return pow(self._plain("pow()"), o, modulo_)
        return _binary("**", power, self, o)

    def __rpow__(self, o: Any) -> Any: return _binary("**", power, o, self)

    def is_integer(self) -> Any:
        return _step("is_integer", is_integer, self)

    def conjugate(self) -> Any:
        return _step("+x", operator.pos, self)

    @property
    def real(self) -> Any:
        return _step("+x", operator.pos, self)

    @property
    def imag(self) -> Any:
        return type(self.value)(0)


numbers.Real.register(Traced)  # (a real number: the engine's functions take it as one)
_SLOTS = Traced.__slots__
del Traced.__slots__  # (its slots stay; ``hasattr(x, "__slots__")`` is False, as of a float:
# it was True of a followed number, and a branch on it took the other way, silently: a64s)
for _name, _op in (("and", operator.and_), ("or", operator.or_), ("xor", operator.xor),
                  ("lshift", operator.lshift), ("rshift", operator.rshift)):  # (bitwise, of a
    setattr(Traced, f"__{_name}__", lambda x, o, f=_op: _unfollowed(f, x, o))  # comparison's
    setattr(Traced, f"__r{_name}__", lambda x, o, f=_op: _unfollowed(f, o, x))  # bool, a count:
# (its number a constant guarded to the bit: Python's result or error, ``(a > 0) & (b > 0)``)


def _number(x: Any) -> Any:
    """``x`` as a comparison or a step reads it: a Traced, a plain number, or None."""
    if isinstance(x, Traced):
        return x
    if type(x) in (float, int, bool) or (isinstance(x, (int, float)) and of_numpy(type(x))):
        return x
    from tinygrad_edu.engine import Value

    if isinstance(x, Value):
        from tinygrad_edu.program.reading import number_of

        return Traced(number_of(x), ("node", x))
    return None


def _step(name: str, function: Callable[..., Any], *args: Any) -> Any:
    """``function`` of ``args`` (Traced and plain numbers): within a capture a traced number,
    a step of the program; outside one, the plain result."""
    values = [a.value if isinstance(a, Traced) else a for a in args]
    found = recording()
    if found is None:
        return function(*values)
    said = found.said
    before = len(said) if said is not None else 0
    try:
        result = function(*values)
    except Exception as error:  # (the function may go on: it raises again at every run)
        found.raised.append(Raised(("step", name, function, args), type(error),
                                   learners_line(), error.args))
        raise
    if said is not None and len(said) > before:  # (NumPy's RuntimeWarning of x / 0: the
        found.said_by_steps += said[before:]  # program's own; a step of constants, below, again)
    if not (type(result) in (float, int, bool) or followed_numpy(result)):  # (a float32; an
        # int64: a sum of NumPy's bools; an array, A * x.data: no number, constants guarded)
        plain = [found.constant(a, name) if isinstance(a, Traced) else a for a in args]
        return function(*plain)  # (no number a program follows: the operands fixed)
    traced = Traced(result, ("step", name, function, args))
    found.steps.append(traced)
    if type(result) is int and SMALL_INTS[0] <= result <= SMALL_INTS[1] and \
            tested_by_identity(_getframe(1)):
        return found.constant(traced, "an int where the code tests by identity (`is`): "
                                      "CPython keeps one object of each small int")
    return traced


SMALL_INTS = (-5, 256)
"""The ints CPython keeps one object of (3.10-3.13): computed anywhere, ``t + 1`` at 3 is the
very object a constant 3 is, so ``t + 1 is WARM`` holds in the engine's run. Where the
learner's code on the stack tests by identity, an int computed in that range is the plain int
the engine has, a constant of the program with a guard that it stays the same (another
number: captured again): a followed number there is another object, and ``is`` would not see
the same thing. (A larger int computed is a new object in both: never another's.)"""


def _binary(name: str, function: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    from tinygrad_edu.engine import Value

    if isinstance(a, Value) or isinstance(b, Value):
        return _through_value(function, a, b)
    left, right = _number(a), _number(b)
    if left is None or right is None:
        return _unfollowed(operator.pow if function is power else function, a, b)
    if function is power:  # (a complex power: the engine's, its operands fixed; NumPy's
        x, y = (v.value if isinstance(v, Traced) else v for v in (left, right))  # gives NaN)
        try:
            result = x ** y if not (of_numpy(type(x)) or of_numpy(type(y))) else 0
        except Exception:
            result = None
        if isinstance(result, complex):
            return _unfollowed(operator.pow, a, b)
    return _step(name, function, left, right)


def _unfollowed(function: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """An operation with something that is no number (a string, a complex number): as the
    plain number computes it (or the very error it raises), the number fixed."""
    found = recording()
    plain = [x._plain(getattr(function, "__name__", "an operation")) if isinstance(x, Traced)
             else x for x in (a, b)]
    del found
    return function(*plain)


def _divmod(a: Any, b: Any) -> Any:
    """``divmod(a, b)``: the quotient and the remainder as steps (Python's own error where it
    raises: "float divmod()")."""
    left, right = _number(a), _number(b)
    if left is None or right is None:
        return _unfollowed(divmod, a, b)
    plain = [x.value if isinstance(x, Traced) else x for x in (left, right)]
    try:
        divmod(plain[0], plain[1])
    except Exception as error:
        found = recording()
        if found is not None:
            found.raised.append(Raised(("step", "//", floor_divide, (left, right)),
                                       type(error), learners_line(), error.args))
        raise
    return (_step("//", floor_divide, left, right), _step("%", modulo, left, right))


def _through_value(function: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """An op between a traced number and a Value: the engine's op, with the traced number
    handed to the node as an input of it."""
    if function is power:
        function = operator.pow
    elif function in (floor_divide, modulo):  # (no such op of the engine: Python says so)
        return function(a.value if isinstance(a, Traced) else a,
                        b.value if isinstance(b, Traced) else b)
    found = recording()

    def plain(x: Any) -> Any:
        if not isinstance(x, Traced):
            return x
        return found.handed(x) if found is not None else x.value

    return function(plain(a), plain(b))
