"""An integer of more bits than a float's 53 held by a function of the learner's own while a
rule runs: the scale and the values of a finite difference made exact in fixed point
(``S = 1 << 400``), computed inline on a number made plain first (``float(x)``,
``math.frexp``), with no function called at two points (``watched.call`` raises
``LongIntegers``). No rule holds one (an exponent made an int, ``int(b)``, is small). Nor
a decimal or a fraction of the standard library's, whose digits are as many as the code
asks for: the same difference taken in 28-digit decimals, the class reached through a
module that the reading allows (``from statistics import Decimal``) or by a name made at run
time.

Where: in a name of the function (or a global name its code reads), or in what such a name
holds, a few levels deep (``DEPTH``): the items of a list, a tuple, a set, the keys and values
of a dict, a range's start, stop and step, and of any other object, whatever its type, what
``gc.get_referents`` says it holds (an object's attributes, a deque's items, a closure's
cells, a function's defaults); of a large container, its first items and a window that
moves on at each look (``SAMPLE``); or given back. When: at each line of the file's functions
(``lines_watched``, a trace function on their frames alone, while the rule runs), at each
builtin they call and at each return (``stepped.recording``, the profile function), so
that names cleared before the return have been seen. Not seen: a long integer used within
one expression and never held; one kept deeper, or in a large container where no look
falls, or as an attribute of a class or a module (``_NAMESPACES``); in an object whose
type's C code does not say what it holds; long arithmetic written by hand on small digits
(lists of them, bytes, strings, arrays of C numbers).
"""

from __future__ import annotations

import gc
import itertools
import sys
import types
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises import limit

__all__ = ["LONG", "class_long_held", "digits_named", "lines_watched", "long_held", "looked_into"]

LONG = 53
"""An integer of more bits than this (a float's digits) held by a rule's code: the scale of
fixed-point arithmetic (``S = 1 << 400``), with which a finite difference comes as close as
a rule. No rule holds one (an exponent made an int, ``int(b)``, is small)."""
DEPTH = 12
"""How many containers deep a name's value is looked into (R["S"], R["v"][0], obj.s[1]); a
list or tuple of one item is no level (``[[[[...]]]]``: only ``BUDGET`` bounds it)."""
SAMPLE = 8
"""Of a container, its first ``2 * SAMPLE`` items are looked at, and ``SAMPLE`` more from an
offset that moves on at each look (within its first ``REACH``, for a dict or a set)."""
REACH = 4096
BUDGET = 256
"""The most values looked at under one name, at one look."""
_TURN = [0]


def lines_watched(file: str | None, long: list[tuple[str, int]]) -> Callable[..., Any]:
    """A trace function (``sys.settrace``) that follows the frames of the learner's file
    (``file``) alone, and at each of their lines notes in ``long`` the first integer of more
    than ``LONG`` bits one holds (``long_held``), with its line."""

    def line(frame: Any, event: str, arg: Any) -> None:
        if long or event != "line":  # (a return: the profile function looks, at each)
            return None  # (None: the frame keeps its trace function)
        try:
            found = long_held(frame)
            if found:
                long.append((found, frame.f_lineno))
        except BaseException:
            pass
        return None

    def trace(frame: Any, event: str, arg: Any) -> Any:
        return line if frame.f_code.co_filename == file else None

    limit.stops_by_lines(line.__code__)  # (the time limit stops the learner's lines, not
    limit.stops_by_lines(trace.__code__)  # these: a trace function that raises is turned off)
    return trace


def long_held(frame: Any, returned: Any = None) -> str:
    """An integer of more than ``LONG`` bits in a name of ``frame``'s function, or in a
    global name its code reads, or in what one holds (``DEPTH`` deep), or ``returned`` by
    it: what and where (``an integer of 121 digits, held in S``), or nothing."""
    _TURN[0] += 1
    for name, value in frame.f_locals.items():
        found = _long(value)
        if found:
            return f"{found}, held in {name}"
    space = frame.f_globals
    for name in frame.f_code.co_names:  # (the names it reads: attributes' too, none held)
        found = _long(dict.get(space, name))
        if found:
            return f"{found}, held in {name}"
    found = _long(returned)
    return f"{found}, given back by {frame.f_code.co_name}" if found else ""


def class_long_held(frame: Any, returned: Any) -> str:
    """A decimal or a fraction in a name of ``frame``'s function or a global name its code
    reads, in the first items of a list, a tuple or a dict one holds (of their own classes
    too), in the attributes of a plain object one holds (``o.s``, ``Z.S``), or given back by
    it: what and where; else ''. The values of a difference made exact in many digits
    (a65i's k8). Not an integer of many bits: an honest class holds some (a hash of its own,
    unmasked, 67 bits and more; a 128-bit label, ``random.getrandbits(128)``; the n! of its
    own exp's series: a65j's h7, h8, a65k's h1, h2, each refused while a class's integers
    were looked at), so a difference in fixed-point integers stays unseen here (a65i's k9,
    k10, a65j's j5: said in the guide)."""
    space = frame.f_globals
    for name, value in itertools.chain(frame.f_locals.items(), (
            (n, dict.get(space, n)) for n in frame.f_code.co_names)):
        if type(value) in _SCALAR:  # (at once: most names hold a number or text)
            continue
        for x in looked_into(value):
            found = _many(x)
            if found:
                return f"{found}, held in {name}"
    found = _many(returned)
    return f"{found}, given back by {frame.f_code.co_name}" if found else ""


_SCALAR = frozenset({float, int, str, bool, type(None)})
"""What ``class_long_held`` passes over at once: it holds no decimal, no fraction."""


def looked_into(value: Any) -> Any:
    """``value``, and what it holds one level down: a list's or a tuple's first items, a
    dict's first values, a plain object's first attributes (not a module's or a class's,
    whose names are a library's too). Read by the built-in types' own methods: no code of the
    learner's runs (but an object's ``__dict__``, read as ``getattr`` reads it)."""
    kind = type(value)
    if kind is float or kind is str or kind is bool or kind is int or value is None:
        return ()
    if isinstance(value, list):
        return list.__getitem__(value, slice(16))
    if isinstance(value, tuple):
        return tuple.__getitem__(value, slice(16))
    if isinstance(value, dict):
        return [value, *itertools.islice(dict.values(value), 16)]
    held = getattr(value, "__dict__", None) if not isinstance(
        value, (type, types.ModuleType, types.FunctionType)) else None
    if type(held) is dict:
        return [value, *itertools.islice(held.values(), 16)]
    return (value,)


def _many(x: Any) -> str:
    """A decimal or a fraction of the standard library's said (``a decimal number``), else
    ''; by its class, kept for each class met (``_MANY``)."""
    kind = type(x)
    said = _MANY.get(kind)
    if said is None:
        name = kind.__name__
        said = f"a {'decimal number' if name == 'Decimal' else 'fraction'}" if name in (
            "Decimal", "Fraction") and kind.__module__ in (
            "decimal", "_decimal", "_pydecimal", "fractions") else ""
        if len(_MANY) < KINDS:
            _MANY[kind] = said
    return said


_MANY: dict[type, str] = {}


def digits_named(frame: Any, returned: Any = None) -> str:
    """A decimal, a fraction or a long double (``_many_digits``) in a name of ``frame``'s
    function, in a global name its code reads, or ``returned`` by it: what and where, or
    nothing. Not looked into (what ``long_held`` does): a class Value's watch (``rerun.py``)
    asks at each builtin its code calls, where a look into every name made the grading of
    a right class 4.7 times as long (2.0 s of CPU, then 9.5); and not integers (a hash kept
    as a set's or a dict's key is 61 bits)."""
    for name, value in frame.f_locals.items():
        kind = type(value)
        found = "" if kind is float or kind in _FLAT else _many_digits(value, kind, False)
        if found:
            return f"{found}, held in {name}"
    space = frame.f_globals
    for name in frame.f_code.co_names:
        value = dict.get(space, name)
        kind = type(value)
        found = "" if kind is float or kind in _FLAT else _many_digits(value, kind, False)
        if found:
            return f"{found}, held in {name}"
    found = _many_digits(returned, type(returned), False)
    return f"{found}, given back by {frame.f_code.co_name}" if found else ""


def _long(value: Any) -> str:
    """``value`` said, if it is an integer of more than ``LONG`` bits, a decimal or a
    fraction (``_many_digits``), or holds one (looked into as ``_items`` says, ``DEPTH``
    deep, ``BUDGET`` values at most); else nothing. Read by the built-in types' own methods,
    NumPy's and ``gc.get_referents``: no code of a subclass's or of the learner's classes is
    run."""
    kind = type(value)
    if kind is float or kind in _FLAT:
        return ""
    found = _many_digits(value, kind)
    stack = [(value, DEPTH)]
    budget = BUDGET
    while not found and stack:
        value, depth = stack.pop()
        held = type(value)
        items = value if (held is tuple or held is list) and len(value) <= 2 * SAMPLE \
            else _items(value, held)
        inner = _way(held) == "referents" and held not in _INNER
        for item in items:
            kind = type(item)
            if kind is float or kind in _FLAT:
                continue
            budget -= 1
            found = _many_digits(item, kind)
            if found or budget <= 0:
                return found
            if inner and kind in _INNER:  # (an object's own __dict__, a generator's frame:
                stack.append((item, depth))  # no level, as on the Pythons that hold none)
            elif depth > 1 and _way(kind):  # (a chain of one-item lists spends no level,
                stack.append((item, depth - ((kind is not list and kind is not tuple) or
                                             len(item) != 1)))  # only the budget: a65j's j9)
    return found


def _many_digits(value: Any, kind: type, ints: bool = True) -> str:
    """``value`` said if it is an integer of more than ``LONG`` bits (``_bits``), a number
    of the standard library's that computes with as many digits as it is told to (a
    ``decimal.Decimal``, 28 digits unless told otherwise; a ``fractions.Fraction``, exact), or
    NumPy's long double (x86's 80 bits: 64 of mantissa) or an array of them, however the code
    reached its class (``statistics.Decimal``, ``np.dtype(chr(103)).type``: a name made at run
    time); else nothing. No rule holds one."""
    bits = _bits(value, kind) if ints else 0
    if bits:
        return f"an integer of {int(bits * 0.30103) + 1} digits"
    if kind is int or kind is bool:
        return ""
    said = _EXACT.get(kind)
    if said is None:
        said = next((words for module, name, words in _EXACT_CLASSES
                     if issubclass(kind, getattr(sys.modules.get(module), name, _NONE))), "")
        numpy = sys.modules.get("numpy")
        if not said and numpy is not None:
            if issubclass(kind, numpy.ndarray) or kind is memoryview:
                said = _ARRAY
            elif issubclass(kind, numpy.floating) and numpy.dtype(kind).itemsize > 8:
                said = "a long double"
        if len(_EXACT) < KINDS:
            _EXACT[kind] = said
    if said is _ARRAY:  # (an array's dtype is its own: looked at each time)
        return "an array of long doubles" if _long_array(value) else ""
    return said


_ARRAY = "<an array>"
BASES = 8
"""How many steps of an array's ``base`` (or a memoryview's ``obj``) are followed."""


def _long_array(value: Any) -> bool:
    """Whether ``value`` (a NumPy array or a memoryview) holds long doubles: its dtype has
    one, in a field of a structured dtype or in a subarray's dtype, however deep
    (``_long_dtype``: ``np.zeros(1, [("u", G), ("v", G)])``, whose kind is "V"); or it is a
    view of an array that does, ``BASES`` steps of ``base`` (and of a memoryview's ``obj``)
    up (``np.zeros(7, G).view(np.uint8)``, whose kind is "u"). Read by NumPy's and the
    built-in types' own descriptors: no code of a subclass's is run."""
    numpy = sys.modules["numpy"]
    array = numpy.ndarray
    for _ in range(BASES):
        kind = type(value)
        if kind is memoryview:
            value = memoryview.obj.__get__(value)
            continue
        if not issubclass(kind, array):
            return False
        if _long_dtype(array.dtype.__get__(value)):
            return True
        value = array.base.__get__(value)
    return False


def _long_dtype(dtype: Any) -> bool:
    """Whether a NumPy dtype is a long double's (or a long complex's), or has one among
    its fields or as its subarray's dtype, at any depth (kept for each dtype met, up to
    ``KINDS``: a dtype is immutable)."""
    found = _DTYPES.get(dtype)
    if found is None:
        found, stack = False, [dtype]
        while stack and not found:
            part = stack.pop()
            kind = part.kind
            found = kind in "fc" and part.itemsize > (8 if kind == "f" else 16)
            if part.subdtype is not None:
                stack.append(part.subdtype[0])
            if part.fields:
                stack.extend(field[0] for field in part.fields.values())
        if len(_DTYPES) < KINDS:
            _DTYPES[dtype] = found
    return found


_DTYPES: dict[Any, bool] = {}


class _NONE:
    """A class no value is an instance of (a module of ``_EXACT_CLASSES`` not imported)."""


_EXACT_CLASSES = (("decimal", "Decimal", "a decimal number"),
                  ("_pydecimal", "Decimal", "a decimal number"),
                  ("fractions", "Fraction", "a fraction"))
_EXACT: dict[type, str] = {}
"""What a class is, of ``_EXACT_CLASSES``, or nothing (kept for each class met)."""


_FLAT = frozenset({float, str, bytes, bytearray, bool, complex, type(None),
                   type(Ellipsis), type(NotImplemented)})
"""What cannot hold an integer of more than ``LONG`` bits (passed over at once): numbers of
a float's or a bool's size, text, and bytes (a bytearray's items are of 8 bits: digits, said
in the guide). Not a memoryview: one of a NumPy array of long doubles is looked at as the
array (``_long_array``), and its items are not looked into (``_way``)."""
_INNER = frozenset({dict, types.FrameType})
"""What an object's referents may hold on one Python and not on another (3.10: an object's
attributes in a ``__dict__``, a generator's locals in a frame; 3.11 on: most often the
values themselves): looked into at the object's own level, so the verdict is the same."""
_NAMESPACES = (type, types.ModuleType)
_GLOBALS = types.FunctionType.__dict__["__globals__"].__get__
_BUILTINS = types.FunctionType.__dict__["__builtins__"].__get__
"""Not looked into: a class and a module, whose names are a library's too (``sys.maxsize``,
63 bits; ``decimal.MAX_PREC``) and are looked at where the learner's code reads them, in
its own module (said in the guide)."""


def _bits(value: Any, kind: type) -> int:
    """The bits of ``value``, an integer of more than ``LONG`` of them; else 0."""
    if kind is not int and (kind is bool or not issubclass(kind, int)):
        return 0
    bits = int.bit_length(value)
    return bits if bits > LONG else 0


def _way(kind: type) -> str:
    """How a value of ``kind`` is looked into (``_items``): as a list, a tuple, a dict, a
    set, a frozenset, an array, a range, not at all (a class, a module, a memoryview: "")
    or else by its referents (``gc.get_referents``: what its type's C code says it holds,
    with no code of the learner's run), whatever its type. Kept for each class met, up to
    ``KINDS``."""
    way = _WAYS.get(kind)
    if way is None:
        way = next((name for base, name in _BASES if issubclass(kind, base)), "")
        if not way and "numpy" in sys.modules and issubclass(
                kind, sys.modules["numpy"].ndarray):
            way = "array"
        if not way and not issubclass(kind, _NAMESPACES) and kind is not memoryview:
            way = "range" if kind is range else "referents"  # (a memoryview: of C numbers,
        # or of an array, looked at as the array, _long_array)
        if len(_WAYS) < KINDS:
            _WAYS[kind] = way
    return way


_BASES = ((list, "list"), (tuple, "tuple"), (dict, "dict"), (set, "set"),
          (frozenset, "frozenset"))
_WAYS: dict[type, str] = {}
KINDS = 512


def _items(value: Any, kind: type) -> Any:
    """What ``value`` holds that is looked into: of a list or a tuple, its first items and a
    window that moves on; of a dict, its keys and values so; of a set, its items so; of a
    NumPy array of Python objects, its items so; of an instance of a class of Python's, what
    it refers to (its ``__dict__`` or its ``__slots__``' values; not its class). Else
    nothing."""
    way, turn = _way(kind), _TURN[0]
    if way == "list" or way == "tuple":
        base: Any = list if way == "list" else tuple
        return _window(base.__getitem__, value, base.__len__(value), turn)
    if way == "dict":
        return [part for pair in _sampled(dict.items, value, dict.__len__(value), turn)
                for part in pair]
    if way == "set" or way == "frozenset":
        kept: Any = set if way == "set" else frozenset
        return _sampled(kept.__iter__, value, kept.__len__(value), turn)
    if way == "array":
        array = sys.modules["numpy"].ndarray
        if array.dtype.__get__(value).hasobject:  # (Python's objects: ints of any size)
            return _window(array.item, value, array.size.__get__(value), turn)
        return ()
    if way == "range":  # (not tracked by the collector: it has no referents)
        return [range.start.__get__(value), range.stop.__get__(value),
                range.step.__get__(value)]
    if way == "referents":
        held = [item for item in gc.get_referents(value) if item is not kind]
        space: tuple[Any, ...] = ()
        if kind is types.FunctionType:  # (its module's names and the builtins: looked
            space = (_GLOBALS(value), _BUILTINS(value))  # at where read)
        elif kind is types.FrameType:  # (the same, and the frames below it)
            space = (value.f_globals, value.f_builtins, value.f_back)
        if space:
            held = [item for item in held if all(item is not part for part in space)]
        return _window(list.__getitem__, held, len(held), turn)
    return ()


def _window(get: Callable[[Any, int], Any], value: Any, size: int, turn: int) -> list[Any]:
    """Of a sequence (``get(value, i)``, ``size`` items), the first ``2 * SAMPLE`` and
    ``SAMPLE`` more from an offset that moves on at each look."""
    head = [get(value, i) for i in range(min(size, 2 * SAMPLE))]
    if size <= 2 * SAMPLE:
        return head
    start = 2 * SAMPLE + turn * SAMPLE % (size - 2 * SAMPLE)
    return head + [get(value, i) for i in range(start, min(start + SAMPLE, size))]


def _sampled(items: Callable[[Any], Any], value: Any, size: int, turn: int) -> list[Any]:
    """Of a dict's items or a set's (``items(value)``, iterated afresh), the first
    ``2 * SAMPLE`` and ``SAMPLE`` more from an offset that moves on at each look, within the
    first ``REACH``."""
    head = list(itertools.islice(items(value), 2 * SAMPLE))
    if size <= 2 * SAMPLE:
        return head
    start = 2 * SAMPLE + turn * SAMPLE % max(min(size, REACH) - 2 * SAMPLE, 1)
    return head + list(itertools.islice(items(value), start, start + SAMPLE))
