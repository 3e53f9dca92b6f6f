"""What the learner's code meets in place of Python's own while a capture runs, where a
followed number (a ``Traced``, ``traced.py``) must pass for the plain number it holds:

- ``type``, in the learner's module (``TypeSeen``): ``type(x)`` of a followed number is its
  number's type (``type(v.data) is float``);
- ``float``, there, where its code only ever calls it (``float_seen``): ``float(x)`` of a
  followed number is that number, followed (no constant); ``len`` and ``hash`` there, which
  refuse ``len(sys.modules)`` and ``hash(object())`` (what they give changes at every call);
- ``decimal.Decimal`` (``DecimalSeen``): of a followed number, Python's own ``Decimal`` of
  its number, a constant guarded to the bit (a Decimal's arithmetic is not followed), and
  decimal's context guarded (its precision, its rounding: what the arithmetic uses);
- ``max``, ``min`` and ``sum`` (``largest_or_smallest``, ``summed``): over followed
  numbers, one step of the program;
- ``json.dumps`` and ``dump``, ``pickle.dumps`` and ``dump`` (``plain_within``): a followed
  number in what they are given (in a list, a tuple, a dict) is its number, a constant
  guarded to the bit: the text, the bytes, are the engine's, and may be read back.

``outside.py`` puts ``type`` and ``float`` in the learner's module; ``watching.py`` puts the
others in their modules (and where the learner's module imported them by name).
"""

from __future__ import annotations

import builtins
import decimal
import json
import marshal
import pickle
import sys
import types
from collections.abc import Callable
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.program.addresses import type_names_read
from tinygrad_edu.program.class_names import dir_seen
from tinygrad_edu.program.followed_arrays import is_drawn
from tinygrad_edu.program.identity import tests_by_identity
from tinygrad_edu.program.learners_code import learners_line, user_code
from tinygrad_edu.program.number_steps import as_float, total, total_from
from tinygrad_edu.program.sets import gone_through, kept_set
from tinygrad_edu.program.traced import Traced, _step, recording, source_of, value_of

__all__ = [
    "HELD_IN",
    "STANDS",
    "DecimalSeen",
    "FrozenSetSeen",
    "MemoryviewSeen",
    "SetSeen",
    "Standing",
    "TypeSeen",
    "decimals_held",
    "float_seen",
    "hash_seen",
    "largest_or_smallest",
    "len_seen",
    "plain_within",
    "seen",
    "stand_in",
    "standing",
    "summed",
]

_DECIMAL = decimal.Decimal


class _Seen(type):
    """The metaclass of ``TypeSeen``: it is ``type`` to ``isinstance`` and ``issubclass``."""

    def __instancecheck__(cls, x: Any) -> bool:
        return isinstance(x, cls.__mro__[1])

    def __subclasscheck__(cls, c: Any) -> bool:
        return issubclass(c, cls.__mro__[1])

    def __call__(cls, *args: Any, **options: Any) -> Any:
        if cls is TypeSeen and len(args) == 1 and not options:
            x = args[0]
            found = type(value_of(x)) if isinstance(x, Traced) else type(x)
            if (isinstance(x, (list, dict)) and found not in (list, dict)) or is_drawn(x):
                found = getattr(found, "given_as", found)  # (a list, a dict, an array given:
                # its copy's class)
            if isinstance(x, Standing):  # (``type(math.tanh)``: a builtin's class)
                found = type(x.stands_for)
            if found in _SETS:  # (``type(s) is set``: ``set`` as the caller's module has it)
                found = _getframe(1).f_globals.get(_SETS[found].__name__, _SETS[found])
            if isinstance(found, type) and "__module__" in vars(found):  # (a class given
                type_names_read(found, _getframe(1))  # ours, its names read: refused)
            ours = STANDS.get(found)  # (``type(d) is Decimal``, as the code meets it)
            return ours if ours is not None and getattr(sys.modules.get(
                HELD_IN.get(found, found.__module__)), found.__name__, None) is ours else found
        if cls is TypeSeen:
            return type(*args, **options)
        return type.__call__(cls, *args, **options)  # (a class of the learner's)


class TypeSeen(type, metaclass=_Seen):
    """``type`` in the learner's module while a capture runs: ``type(x)`` of a followed number
    is its number's type (``type(v.data) is float``)."""


TypeSeen.__name__ = TypeSeen.__qualname__ = "type"


class SetSeen(set, metaclass=_Seen):
    """``set`` in the learner's module while a capture runs: going through one that holds
    Values made in the call is refused (``sets.gone_through``), and so is one its operators
    make (``s | t``, ``s.union(t)``: ``_kept``); it is ``set`` to ``type``, ``isinstance``
    and ``issubclass``, and shown and pickled as one."""

    def __init__(self, *args: Any) -> None:
        set.__init__(self, *args)
        kept_set(self)  # (``{*s}`` copies it unseen: ``sets.unpacked``)

    def __iter__(self) -> Any:
        gone_through(set.__iter__(self))
        return set.__iter__(self)

    def pop(self) -> Any:  # (a C method: takes an item by the set's order, not going through)
        gone_through(set.__iter__(self))
        return set.pop(self)

    def __repr__(self) -> str:
        return repr(set(set.__iter__(self)))

    def __reduce_ex__(self, protocol: Any) -> Any:
        return set, (list(set.__iter__(self)),)

    def __copy__(self) -> Any:  # (``copy.copy``: not Python's own set, gone through unseen)
        return type(self)(set.__iter__(self))


class FrozenSetSeen(frozenset, metaclass=_Seen):
    """``frozenset`` in the learner's module while a capture runs, as ``SetSeen``."""

    def __new__(cls, *args: Any) -> Any:
        made = frozenset.__new__(cls, *args)
        kept_set(made)
        return made

    def __iter__(self) -> Any:
        gone_through(frozenset.__iter__(self))
        return frozenset.__iter__(self)

    def __repr__(self) -> str:
        return repr(frozenset(frozenset.__iter__(self)))

    def __reduce_ex__(self, protocol: Any) -> Any:
        return frozenset, (list(frozenset.__iter__(self)),)

    def __copy__(self) -> Any:
        return self


def _kept(base: type, name: str) -> Any:
    """``base``'s operator ``name`` (``s | t``, ``s.union(t)``), giving a set of the same
    stand-in class (Python's own give a plain set, gone through unseen)."""
    method = getattr(base, name)

    def kept(self: Any, *others: Any) -> Any:
        found = method(self, *others)
        return type(self)(base.__iter__(found)) if type(found) is base else found

    kept.__name__ = kept.__qualname__ = name
    return kept


for _name in ("__or__", "__and__", "__sub__", "__xor__", "__ror__", "__rand__", "__rsub__",
              "__rxor__", "union", "intersection", "difference", "symmetric_difference",
              "copy"):
    setattr(SetSeen, _name, _kept(set, _name))
    setattr(FrozenSetSeen, _name, _kept(frozenset, _name))
SetSeen.__name__ = SetSeen.__qualname__ = "set"
FrozenSetSeen.__name__ = FrozenSetSeen.__qualname__ = "frozenset"


class _ViewSeen(type):
    """The metaclass of ``MemoryviewSeen``: it is ``memoryview`` to ``isinstance`` and
    ``issubclass`` (no class can derive from ``memoryview``)."""

    def __instancecheck__(cls, x: Any) -> bool:
        return isinstance(x, memoryview)

    def __subclasscheck__(cls, c: Any) -> bool:
        return issubclass(c, memoryview)

    def __call__(cls, x: Any) -> memoryview:
        found = recording()
        if found is None or not is_drawn(x):
            return memoryview(x)
        found.views += 1  # (its numbers, each guarded; read-only: a write would not reach
        return memoryview(x.astype(x.dtype)).toreadonly()  # the caller's array: refused)


class MemoryviewSeen(metaclass=_ViewSeen):
    """``memoryview`` in the learner's module while a capture runs: of a NumPy array given
    (or drawn: followed item by item), a read-only view of the engine's numbers, each
    guarded to the bit (not of the objects that follow them: "format O not supported")."""


MemoryviewSeen.__name__ = MemoryviewSeen.__qualname__ = "memoryview"
_SETS = {set: set, SetSeen: set, frozenset: frozenset, FrozenSetSeen: frozenset,
         memoryview: memoryview}  # (``type(m) is memoryview``: as the caller's module has it)


def float_seen(x: Any = 0.0, /) -> Any:
    """``float`` in the learner's module while a capture runs (where its code only ever calls
    it): ``float(x)`` of a followed number is that number, followed (no constant)."""
    if type(x) is Traced and recording() is not None:
        return x if type(value_of(x)) is float else _step("float", as_float, x)
    found = recording()
    if found is not None and type(x) is str:  # (a text from outside: where it is held)
        found.texts.append((x, learners_line()))
    own = getattr(type(x), "__float__", None)
    if found is not None and isinstance(own, types.FunctionType) and user_code(own.__code__):
        number = own(x)  # (an object of the learner's: its number, which may be followed)
        if type(number) is Traced:
            return float_seen(number)
        if type(number) is float:
            return number
    return float(x)


float_seen.__name__ = float_seen.__qualname__ = "float"


def len_seen(x: Any, /) -> int:
    """``len`` in the learner's module while a capture runs: of ``sys.modules``, refused."""
    found = recording()
    if found is not None and x is sys.modules:
        found.refuse("it reads len(sys.modules), the interpreter's own state (new at every "
                     "call), which a program cannot follow; read it outside the compiled "
                     "function and pass it in")
    return len(x)


def hash_seen(x: Any, /) -> int:
    """``hash`` in the learner's module while a capture runs: of an object hashed by its
    address (``hash(object())``), refused as ``id()`` is."""
    from tinygrad_edu.program.sets import by_address

    found = recording()  # (the hash of a class's own ``__hash__``: what it is, its caller's)
    if found is not None and _getframe(1).f_code.co_name != "__hash__" and by_address(x):
        found.refuse("it reads hash() of an object hashed by its address (new for each new "
                     "object: a Value, an object of a class with no __hash__ of its own), "
                     "which a program cannot follow; hash a number or a text, and to order "
                     "objects keep them in a list in the order you made them")
    return hash(x)


def _plain(x: Any, why: str) -> Any:
    if type(x) is not Traced:
        return x
    found = recording()
    return value_of(x) if found is None else found.constant(x, why)


class _StandIn(type):
    """The metaclass of a class's stand-in (``stand_in``): it is the class to ``isinstance``
    and ``issubclass``, and to ``==`` and ``hash`` (a key of a dict made before the capture:
    ``TABLE[decimal.Decimal]``)."""

    def __instancecheck__(cls, x: Any) -> bool:
        return isinstance(x, cls.__mro__[1])

    def __subclasscheck__(cls, c: Any) -> bool:
        return issubclass(c, cls.__mro__[1])

    def __eq__(cls, other: object) -> bool:
        return other is cls or other is cls.__mro__[1]

    def __hash__(cls) -> int:
        return hash(cls.__mro__[1])


class Standing:
    """What stands in for a function of Python's while a capture runs (``math.tanh``,
    ``max``, ``random.random``: ``standing``): called, the capture's (``__call__``); held as
    a thing, the function it stands for: equal to it and hashed as it is (a key of a dict made
    before the capture: ``GAIN.get(math.tanh)``), of its class to ``isinstance`` (a builtin to
    ``inspect.isbuiltin``), with its name, module, text and signature, pickled as it is, and
    never bound as a method (a builtin is not). ``type(x)`` in the learner's module gives its
    class too (``TypeSeen``); identity (``is``) is the capture's, which it swaps into the
    places that hold the function (``world.followed_at``)."""

    __slots__ = ()
    stands_for: Any

    def __eq__(self, other: object) -> bool:
        return other is self or self.stands_for == (
            other.stands_for if isinstance(other, Standing) else other)

    def __hash__(self) -> int:
        return hash(self.stands_for)

    def __repr__(self) -> str:
        return repr(self.stands_for)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return self.stands_for.__reduce_ex__(protocol)

    def __reduce__(self) -> Any:  # (``sum.__reduce__()``: "sum", not object's, which
        return self.stands_for.__reduce__()  # raised "cannot pickle": a64s)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stands_for, name)

    def __dir__(self) -> Any:
        return dir(self.stands_for)


def standing(new: Callable[..., Any], original: Any) -> Any:
    """``new`` (the capture's function) standing for ``original`` (``Standing``); its own
    attributes (``refused``) kept. Made once for a ``new`` made the same way, standing for
    the same ``original``, at every later capture (``_STOOD``)."""
    key = _made_alike(new)
    place = (getattr(new, "__code__", None), id(original))
    kept = _STOOD.get(place) if key is not None else None
    if kept is not None and kept[0] == key and kept[1].stands_for is original:
        return kept[1]
    made = type(getattr(original, "__name__", "function"), (Standing,), {
        **{k: v for k, v in vars(new).items() if not k.startswith("__")},
        "__slots__": (), "__call__": staticmethod(new), "stands_for": staticmethod(original),
        "__class__": property(lambda _: type(original)),
        "__module__": getattr(original, "__module__", None),
        "__doc__": getattr(original, "__doc__", None)})()
    if key is not None:
        _STOOD[place] = (key, made)
    return made


_STOOD: dict[tuple[Any, int], tuple[tuple[Any, ...], Any]] = {}
"""(the code of a ``new``, id of what it stands for) -> (``_made_alike(new)``, its stand-in):
a capture puts about 170 stand-ins in place, and making each (a class) took 1.9 ms of a
4.2 ms capture of a three-op function, and their collection after it as much again. One
place per code and function: a ``new`` made of other things replaces what it held."""

_PLAIN = (str, int, float, bool, bytes, type(None))


def _made_alike(new: Any) -> tuple[Any, ...] | None:
    """What makes ``new`` what it is beside its code, equal for two functions that behave
    alike: its closure's cells, defaults and attributes, each a number or a text by its value
    (a name made again is equal), anything else as that object itself (kept alive by
    ``new``); None where there is no such key (not a plain function, an empty cell)."""
    if type(new) is not types.FunctionType:
        return None
    try:
        held = [cell.cell_contents for cell in new.__closure__ or ()]
    except ValueError:  # (a cell not filled yet)
        return None
    held += [*(new.__defaults__ or ()), *sorted((new.__kwdefaults__ or {}).items()),
             *sorted(vars(new).items())]
    return tuple(_alike(x) for x in held)


def _alike(x: Any) -> Any:
    if type(x) is tuple and len(x) == 2 and type(x[0]) is str:  # (a name and its value)
        return (x[0], _alike(x[1]))
    if type(x) is float:  # (-0.0 equals 0.0, and NaN nothing: their bits)
        return (float, x.hex())
    return (type(x), x) if type(x) in _PLAIN else (id(x),)


STANDS: dict[type, type] = {}
"""A class of Python's -> what stands in for it while a capture runs (``stand_in``)."""


HELD_IN: dict[type, str] = {}
"""A class stood in for in another module than its own (``io.FileIO`` is ``_io``'s): that
module's name."""


def stand_in(original: type, made: Callable[..., Any], **methods: Any) -> type:
    """A class that stands in for ``original`` (``decimal.Decimal``, ``datetime.datetime``)
    while a capture runs: what it makes (``made``) is ``original``'s own; ``methods`` (class
    methods, as functions of the class's arguments) are put in place of its own."""
    names = {name: staticmethod(m) for name, m in methods.items()}
    ours = _StandIn(original.__name__, (original,), {
        "__new__": lambda cls, *args, **options: made(*args, **options), **names,
        "__module__": original.__module__, "__qualname__": original.__qualname__})
    STANDS[original] = ours
    return ours


def _context() -> int:
    """decimal's context of this thread, as a number (what a Decimal's arithmetic uses)."""
    c = decimal.getcontext()
    return hash((c.prec, c.rounding, c.Emin, c.Emax, c.capitals, c.clamp,
                 tuple(k.__name__ for k, on in c.traps.items() if on)))


def _decimal(value: Any = "0", context: Any = None) -> Any:
    found = recording()
    if found is not None:  # (its arithmetic follows decimal's context: guarded)
        found.constant(_step("decimal's context", _context), "decimal's context")
    return _DECIMAL(_plain(value, "Decimal()"), context)


def decimals_held(values: Any) -> None:
    """A Decimal among ``values`` (what the places outside the function held: a global, an
    attribute) computes as decimal's context says (``D / 3``, ``+D``): the context guarded,
    as for one made inside."""
    found = recording()
    if found is not None and any(type(v) is _DECIMAL for v in values):
        found.constant(_step("decimal's context", _context), "decimal's context")


DecimalSeen = stand_in(_DECIMAL, _decimal, from_float=lambda f: _DECIMAL.from_float(
    _plain(f, "Decimal.from_float()")))
"""``decimal.Decimal`` while a capture runs: of a followed number, Python's own Decimal of
its number (a constant, guarded to the bit), and decimal's context guarded."""


def plain_within(x: Any, why: str, memo: dict[int, Any] | None = None) -> Any:
    """``x`` with each followed number in it (in a list, a tuple, a dict) its number, a
    constant guarded to the bit; a container with none is ``x`` itself (one held twice is
    made once: pickle's bytes are the engine's)."""
    kind = type(x)
    if kind is Traced:
        return _plain(x, why)
    if kind not in (list, tuple, dict):
        given = getattr(kind, "given_as", None) if isinstance(x, (list, dict)) else None
        if given is None:  # (a list or a dict given: its copy, as the caller's class)
            return x
        return plain_within(given(x), why, memo)
    memo = {} if memo is None else memo
    if id(x) in memo:
        return memo[id(x)]
    if kind is dict:
        items = [(plain_within(k, why, memo), plain_within(v, why, memo)) for k, v in x.items()]
        same = all(a is k and b is v for (a, b), (k, v) in zip(items, x.items()))
        made: Any = x if same else dict(items)
    else:
        found = [plain_within(v, why, memo) for v in x]
        made = x if all(a is b for a, b in zip(found, x)) else kind(found)
    memo[id(x)] = made
    return made


def _of_plain(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``json.dumps`` (and the others) as a capture sees them: of what they are given with
    each followed number its number (``plain_within``)."""
    def call(obj: Any, *args: Any, **options: Any) -> Any:
        if recording() is not None:
            obj = plain_within(obj, name)
        return function(obj, *args, **options)

    call.__name__ = function.__name__
    call.__doc__ = function.__doc__
    return call


def seen() -> list[tuple[Any, str, Any]]:
    """What ``watching.py`` puts in place while a capture runs: (owner, name, new); ``dir``
    of Value's class or its objects, their names as outside a capture (``class_names.py``)."""
    return [(decimal, "Decimal", DecimalSeen), (builtins, "dir", dir_seen),
            *[(module, name, _of_plain(getattr(module, name), f"{module.__name__}.{name}"))
              for module in (json, pickle) for name in ("dumps", "dump")],
            *[(marshal, name, _marshalled(getattr(marshal, name))) for name in ("dumps", "dump")]]


def _marshalled(function: Callable[..., Any]) -> Callable[..., Any]:
    """``marshal.dumps`` (``dump``) as a capture sees it: given a followed number, refused.
    Its bytes hang on how many references Python holds to each object (a tuple's or a
    float's flag), not only on the numbers: the engine's own differ from run to run of
    other code (a64s: ``marshal.dumps((w.data,))[0]``, 0x29 in the engine, 0xa9 in the
    program; before that, "unmarshallable object")."""
    def call(obj: Any, *args: Any, **options: Any) -> Any:
        found = recording()
        if found is not None and _holds_traced(obj):
            found.refuse(f"it gives a number read from a Value to marshal.{function.__name__}"
                         "(), whose bytes hang on how many references Python holds to each "
                         "object, which a program cannot follow; use struct.pack('d', x) or "
                         "pickle.dumps")
            obj = plain_within(obj, "marshal")
        return function(obj, *args, **options)

    call.__name__ = function.__name__
    call.__doc__ = function.__doc__
    return call


def _holds_traced(x: Any, depth: int = 0) -> bool:
    """Whether ``x`` is a followed number or holds one (a list, a tuple, a dict, a set, a few
    levels deep)."""
    if type(x) is Traced:
        return True
    if depth > 8 or type(x) not in (list, tuple, dict, set, frozenset):
        return False
    items = [*x.keys(), *x.values()] if type(x) is dict else x
    return any(_holds_traced(item, depth + 1) for item in items)


# ----------------------------------------------------------------------------- max, min, sum
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
        kinds = {type(value_of(x)) if isinstance(x, Traced) else type(x) for x in items}
        if not any(isinstance(x, Traced) for x in items) or not all(
                isinstance(x, Traced) or type(x) in (float, int) for x in items) or \
                (kinds - {float, int, bool} and len(kinds) > 1):
            return builtin(items, **options)  # (NumPy's numbers among Python's: which one
        # it is depends on the numbers, and so do its numbers' ways: guarded)
        if len(items) == 1:
            return items[0]
        caller = _getframe(1)
        if user_code(caller.f_code) and any(type(x) is not Traced or source_of(x)[0] == "input"
                                            for x in items):
            if tests_by_identity(caller.f_code, caller.f_globals):  # (the very object
                return builtin(items, **options)  # given, which one guarded: `is` sees it)
        return _step(name, builtin, *items)

    chosen.__name__ = name
    return chosen


def summed(builtin: Callable[..., Any]) -> Callable[..., Any]:
    """Python's ``sum`` as a capture sees it: of numbers some of which are traced (and
    nothing else), from any number (``sum(xs, 0.0)``, ``sum(xs, v.data)``), one step of the
    program computed as the running Python sums them (from 3.12 on, compensated); over
    anything else (Values), Python's own."""
    def sum(iterable: Any, /, start: Any = 0) -> Any:
        found = recording()
        if found is None:
            return builtin(iterable, start)
        items = list(iterable)
        if type(iterable) in (set, frozenset) and any(found.new_at_call(x) for x in items):
            found.refuse("it sums a set of Values made in the call: a set's order is its "
                         "items' addresses, new at every call (and the sum's rounding with "
                         "it); sum a list")
        numbers = [start, *items]
        if not any(isinstance(x, Traced) for x in numbers) or not all(
                isinstance(x, Traced) or type(x) in (float, int, bool) for x in numbers):
            return builtin(items, start)
        if type(start) is not int or start != 0:  # (``sum(xs, 0.0)``: compensated from the
            return _step("sum", total_from, start, *items)  # first number on, 3.12 on)
        if not items:
            return 0
        return _step("sum", total, *items)

    return sum
