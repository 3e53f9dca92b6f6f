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

import copy
import math
import numbers
import operator
import threading
import types
from builtins import abs as _abs  # (Python's own, where the learner's code puts its own)
from builtins import round as _round
from collections.abc import Callable
from dataclasses import dataclass
from sys import _getframe, modules  # (Python's own: a capture puts its own in sys as it runs)
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
    type_of,
    typed_by_numbers,
)
from tinygrad_edu.program.numpy_asks import ASKED_BY_NUMPY, asked_by_numpy, numpys_array
from tinygrad_edu.program.numpy_numbers import double, followed_numpy, of_numpy

__all__ = ["Guard", "Raised", "Recording", "Traced", "as_constant", "compare", "recording",
           "set_recording", "source_of", "unfollowed_attribute", "value_of"]


@dataclass
class Guard:
    """What must hold again at every run: ``op`` (``"<"``, ``">"``, ``"=="``... or ``"same"``:
    the very same number) between ``left`` and ``right`` (each a Traced, or a constant) gave
    ``outcome`` when captured; ``where``: the learner's line that made it; ``own``: a check
    of the capture's own, whose constant is the capture's (a type's code), not the code's."""

    op: str
    left: Any
    right: Any
    outcome: bool
    where: str
    own: bool = False


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
        self.guards.append(Guard("same", x, value_of(x), True, where))
        self.constants.append((x, where))
        return value_of(x)

    def handed(self, x: Traced) -> float:
        """``x``'s number as a new float object the engine stores in a node: the capture finds
        it there by identity and makes it an input of that node."""
        number = float(value_of(x)) * 1.0  # (a new object, -0.0 kept: identity is its name)
        self.given[id(number)] = (number, x if type(value_of(x)) is float else
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
    """A plain number the capture follows (see the module's docstring). ``value_of(x)``: the
    number the engine's run has (a float, an int, a bool, a NumPy float); ``source_of(x)``:
    where it comes from: ``("node", value)`` a Value's number, ``("input", k)`` the program's
    k-th number input, ``("step", name, function, args)`` computed from others.

    Neither is an attribute, and what a followed number is asked by name (``hasattr``,
    ``getattr``, ``dir``, ``x.name``) its number answers: a name of its own that its number
    lacks (``__index__`` of a float, ``value``) is an AttributeError, as the number's. Before,
    ``hasattr(w.data, "value")`` was True while capturing, False in the engine: the code took
    the other branch, silently."""

    __slots__ = ("source", "value")  # (taken off the class below: ``value_of``, ``source_of``)

    def __init__(self, value: Any, source: tuple[Any, ...]) -> None:
        _VALUE.__set__(self, value)
        _SOURCE.__set__(self, source)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # (isinstance(x, float) as for its number)
        return type(value_of(self))

    def __getattribute__(self, name: str) -> Any:
        number = value_of(self)
        if name in _OWN and (hasattr(number, name) or (  # (copy.deepcopy asks it of x)
                name == "__deepcopy__" and _getframe(1).f_code is _DEEPCOPY)):
            return number.__doc__ if name == "__doc__" else object.__getattribute__(self, name)
        if name in ASKED_BY_NUMPY and asked_by_numpy(self, name):  # (NumPy's: numpy_asks.py)
            return numpys_array(recording(), object.__getattribute__(self, name))
        return _attribute(self, number, name)

    def __setattr__(self, name: str, value: Any) -> None:  # (the number's own error: "'float'
        setattr(value_of(self), name, value)  # object has no attribute 'lr'")

    def __delattr__(self, name: str) -> None:
        delattr(value_of(self), name)

    def __repr__(self) -> str:
        return repr(as_constant(self, "repr"))

    def __str__(self) -> str:
        return str(as_constant(self, "str"))

    def __format__(self, spec: str) -> str:
        return format(as_constant(self, "format"), spec)

    def __copy__(self) -> Traced:  # (a number is its own copy: still followed)
        return self

    def __deepcopy__(self, memo: Any) -> Traced:
        return self

    def __reduce_ex__(self, protocol: Any) -> Any:  # (pickled: its number's own reduction,
        return as_constant(self, "pickle").__reduce_ex__(protocol)  # a constant; a64j's S5)

    def __sizeof__(self) -> int:  # (its number's size, a constant: an int's grows with it)
        return int(as_constant(self, "__sizeof__").__sizeof__())

    def __float__(self) -> float:
        found = recording()
        if found is None:
            return float(value_of(self))
        if called_by_the_engine():
            return found.handed(self)
        return float(found.constant(self, "float()"))

    def __int__(self) -> int:
        return int(as_constant(self, "int()"))

    def __index__(self) -> int:
        return operator.index(as_constant(self, "an index"))

    def __complex__(self) -> complex:
        return complex(as_constant(self, "complex()"))

    def __round__(self, n: int | None = None) -> Any:
        return _round(as_constant(self, "round()"), n)

    def __trunc__(self) -> int:
        return math.trunc(as_constant(self, "trunc()"))

    def __floor__(self) -> int:
        return math.floor(as_constant(self, "floor()"))

    def __ceil__(self) -> int:
        return math.ceil(as_constant(self, "ceil()"))

    def __hash__(self) -> int:
        found = recording()
        if found is not None and is_nan(value_of(self)):  # (its address: ``nans.py``)
            found.refuse(HASHED)
        return hash(as_constant(self, "hash()"))

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy

        return numpy.asarray(as_constant(self, "a NumPy array"), dtype=dtype)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **options: Any) -> Any:
        """A NumPy ufunc of numbers (``np.tanh(v.data)``): followed as a step, with NumPy's
        own function (and so NumPy's numbers)."""
        if method != "__call__" or options or not all(
                _number(x) is not None or of_numpy(type(x)) for x in inputs):
            plain = [as_constant(x, f"numpy.{ufunc.__name__}") if isinstance(x, Traced) else x
                     for x in inputs]
            return getattr(ufunc, method)(*plain, **options)
        return _step(f"numpy.{ufunc.__name__}", ufunc, *inputs)

    def __bool__(self) -> bool:
        outcome = bool(value_of(self))
        found = recording()
        if found is not None:  # (a branch: the program checks it is taken again)
            found.guard("!=", self, 0.0, outcome)
        return outcome

    def __lt__(self, other: Any) -> Any: return compare(self, "<", other)
    def __le__(self, other: Any) -> Any: return compare(self, "<=", other)
    def __gt__(self, other: Any) -> Any: return compare(self, ">", other)
    def __ge__(self, other: Any) -> Any: return compare(self, ">=", other)
    def __eq__(self, other: Any) -> Any: return compare(self, "==", other)
    def __ne__(self, other: Any) -> Any: return compare(self, "!=", other)

    def __neg__(self) -> Any: return _step("-x", operator.neg, self)
    def __pos__(self) -> Any: return _step("+x", operator.pos, self)
    def __abs__(self) -> Any: return _step("abs", _abs, self)
    def __invert__(self) -> Any: return operator.invert(as_constant(self, "~"))  # (as & below)

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
            return pow(as_constant(self, "pow()"), o, modulo_)
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
        return type(value_of(self))(0)


numbers.Real.register(Traced)  # (a real number: the engine's functions take it as one)
_VALUE, _SOURCE = vars(Traced)["value"], vars(Traced)["source"]
for _name in ("value", "source", "__slots__"):  # (its slots stay, read by the two below;
    delattr(Traced, _name)  # ``hasattr(x, "__slots__")`` was True of a followed number, a64s)
value_of: Callable[[Any], Any] = _VALUE.__get__
"""A followed number's number, as the engine's run has it."""
source_of: Callable[[Any], tuple[Any, ...]] = _SOURCE.__get__
"""Where a followed number comes from (see ``Traced``)."""
for _name, _op in (("and", operator.and_), ("or", operator.or_), ("xor", operator.xor),
                  ("lshift", operator.lshift), ("rshift", operator.rshift)):  # (bitwise, of a
    setattr(Traced, f"__{_name}__", lambda x, o, f=_op: _unfollowed(f, x, o))  # comparison's
    setattr(Traced, f"__r{_name}__", lambda x, o, f=_op: _unfollowed(f, o, x))  # bool, a count:
# (its number a constant guarded to the bit: Python's result or error, ``(a > 0) & (b > 0)``)
_OWN = frozenset(dir(Traced))  # (the names its class answers: where its number has them)
_DEEPCOPY = copy.deepcopy.__code__
_NUMBERS_NAMES: dict[bool, frozenset[str]] = {}


def as_constant(x: Traced, why: str) -> Any:
    """``x``'s number where the code uses it so that the capture cannot follow it (``why``):
    a constant of the program, guarded to the bit (outside a capture, its number)."""
    found = recording()
    return value_of(x) if found is None else found.constant(x, why)


def _attribute(x: Traced, number: Any, name: str) -> Any:
    """``x.name`` of a followed number where its class does not answer, as its ``number``
    does: a name it lacks, its AttributeError (one another number has, ``x.hex`` of an int,
    fixed first: a step's type may change, ``n ** k``); a NumPy number's dtype, its type's,
    followed, and np.float64's ``item()``, followed; Python's ``__getnewargs__``, refused; any
    other (``x.hex()``, ``x.as_integer_ratio()``), its number's, a constant."""
    kind = type(number)
    if not hasattr(number, name):
        if name.startswith("__") or not _some_number_has(name):
            return getattr(number, name)  # (raises, as its number)
    elif of_numpy(kind):
        if name in _OF_ITS_TYPE:
            return getattr(number, name)
        if name == "item" and double(kind):
            return types.MethodType(_item, x)
        if name.startswith("__"):  # (NumPy's own protocols, asked of the number: it goes on
            raise AttributeError(name)  # without them)
    elif name.startswith("__"):
        found = recording()
        if found is None:
            return getattr(number, name)
        found.refused = found.refused or unfollowed_attribute(name, learners_line())
        raise AttributeError(name)  # (``hasattr`` of it: refused too, not False)
    return getattr(as_constant(x, f".{name}"), name)


def _some_number_has(name: str) -> bool:
    """Whether a number a step may give (Python's float or int; NumPy's, where it is loaded)
    has the attribute ``name``."""
    numpy = modules.get("numpy")
    found = _NUMBERS_NAMES.get(numpy is not None)
    if found is None:
        kinds = [float, int, *((numpy.generic, numpy.float64, numpy.int64) if numpy else ())]
        found = _NUMBERS_NAMES[numpy is not None] = frozenset(
            n for kind in kinds for n in dir(kind))
    return name in found


def unfollowed_attribute(name: str, at: str) -> str:
    """Why a capture refuses the attribute ``name`` of Python's own number read of a followed
    number (``z.data.__getnewargs__()``), at the learner's line ``at``."""
    return (f"it reads {name!r} of a number read from a Value (v.data, or one computed from "
            f"it), an attribute of Python's own number a capture does not follow, at {at}; "
            "compute what needs it outside the compiled function and pass that in")


def _item(x: Traced, *at: Any) -> Any:
    """``x.item()`` of an np.float64 followed: ``float(x)``; ``x.item(0)``, ``x.item(())``
    too, as NumPy takes them of a number (its one item), and NumPy's own error for another
    index."""
    if at:
        value_of(x).item(*at)  # (an index NumPy refuses: its error)
    return _step("float", as_float, x)


def compare(x: Traced, op: str, other: Any) -> Any:
    """A comparison: followed as a number of the program (``sum`` of them counts); a
    guard only where the code branches on it (``__bool__``)."""
    right = _number(other)
    if right is None:
        return _unfollowed(COMPARED[op], x, other)
    record = recording()
    if op in ("==", "!=") and record is not None and found_by_identity(_getframe(1)):
        for side in (x, right):  # (``x in xs``: a NaN found by identity, ``nans.py``;
            # one met at a later call: a guard fails, captured again)
            if isinstance(side, Traced):
                if is_nan(value_of(side)):
                    record.refuse(IDENTITY_FIRST)
                record.guard("==", side, side, True)
        if not isinstance(right, Traced) and is_nan(right):
            record.refuse(IDENTITY_FIRST)
    found = _step(op, COMPARED[op], x, right)
    if isinstance(found, Traced) and tested_by_identity(_getframe(1)):
        return bool(found)  # (``pos is True``, ``case True:``: a bool, and a guard)
    if record is not None and isinstance(found, Traced):
        record.compared = True  # (followed: code that runs later must not test it by
    return found  # identity, ``tested_later``)


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
    values = [value_of(a) if isinstance(a, Traced) else a for a in args]
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
    if typed_by_numbers(function, values):  # (``2 ** k``: an int or a float, by k's sign)
        kind = Traced(type_of(result), ("step", "type", type_of, (traced,)))
        found.steps.append(kind)
        named = type(result).__name__
        found.guards.append(Guard("==", kind, type_of(result), True, learners_line() + (
            f" (the type of {name} of these numbers, {'an' if named[0] in 'aeiou' else 'a'} "
            f"{named} when captured: another type at another call)"), own=True))
    tester = tested_by_identity(_getframe(1)) if type(result) is int and \
        SMALL_INTS[0] <= result <= SMALL_INTS[1] else ""
    if tester:  # (named: the code on the stack that tests, not the line that counts; a64g)
        return found.constant(traced, "an int while code on the stack tests by identity "
                                      f"(`is`, in {tester}): CPython keeps one object of each "
                                      "small int")
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
        x, y = (value_of(v) if isinstance(v, Traced) else v for v in (left, right))  # gives NaN)
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
    plain = [as_constant(x, getattr(function, "__name__", "an operation")) if isinstance(x, Traced)
             else x for x in (a, b)]
    del found
    return function(*plain)


def _divmod(a: Any, b: Any) -> Any:
    """``divmod(a, b)``: the quotient and the remainder as steps (Python's own error where it
    raises: "float divmod()")."""
    left, right = _number(a), _number(b)
    if left is None or right is None:
        return _unfollowed(divmod, a, b)
    plain = [value_of(x) if isinstance(x, Traced) else x for x in (left, right)]
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
        return function(value_of(a) if isinstance(a, Traced) else a,
                        value_of(b) if isinstance(b, Traced) else b)
    found = recording()

    def plain(x: Any) -> Any:
        if not isinstance(x, Traced):
            return x
        return found.handed(x) if found is not None else value_of(x)

    return function(plain(a), plain(b))
