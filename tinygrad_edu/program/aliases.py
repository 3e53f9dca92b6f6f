"""Numbers from outside the arguments that the learner's code may test by identity:
``cfg[0] is DEFAULT``, ``x is BASE`` of ``x = cfg[0]``, ``same(lr, LR)`` of a helper that
tests ``a is b``, ``operator.is_(lr, LR)``. A program checks each number outside by its
value, or reads it at every call (an input), and neither says whether two places hold one
object: ``cfg[0] = DEFAULT`` after ``cfg[0] = 3.0`` is the number 1.5 again, and another
answer of ``is``.

So where code of the learner's that ran tests two things by identity (``tests_by_identity``),
neither of them surely no number (``None``, ``True``, a text, a class: ``type(x) is float``,
a module, a function, a list held by a global), a program also checks at every call which of
the numbers it found outside are one object (``pattern``: as they were when it was captured;
where that changes, it is captured again, the number no input for that). While a capture runs,
a place read at every call holds a stand-in (``Traced``) that is no other place's object: a
place that holds the same object as another number found outside is guarded instead, for
that capture (``Watcher._install``; found only later, ``held_late``: captured again so).
Code that tests nothing by identity pays nothing."""

from __future__ import annotations

import builtins
import dis
import types
from typing import Any

from tinygrad_edu.program.identity import operand_start
from tinygrad_edu.program.learners_code import user_code
from tinygrad_edu.program.traced import Traced

__all__ = ["held_late", "is_number", "number_held", "pattern", "tests_by_identity"]

_SPANS: dict[types.CodeType, tuple[Any, ...]] = {}
_MISSING = object()
_CALLS = ("CALL", "CALL_FUNCTION", "CALL_METHOD", "PRECALL")
_NAMED = ("LOAD_GLOBAL", "LOAD_NAME")
_IS_OP = dis.opmap["IS_OP"]


def is_number(place: Any) -> bool:
    """Whether a place found outside holds a number (not a bool, nor a capture's own)."""
    return place.kind == "number" and type(place.value) not in (bool, Traced)


def number_held(place: Any) -> Any:
    """The number object a place holds, or a Value found there holds (its ``_data``)."""
    return place.value._data if place.kind == "value" else place.value


def pattern(objects: Any) -> tuple[int, ...]:
    """Which of ``objects`` are one object: for each, where the first of it is."""
    first: dict[int, int] = {}
    return tuple([first.setdefault(id(x), k) for k, x in enumerate(objects)])


def tests_by_identity(code: types.CodeType, globals_: dict[str, Any]) -> bool:
    """Whether the learner's ``code`` tests two things by identity (``is``, ``is not``)
    neither of which is surely no number (see the module's docstring)."""
    spans = _SPANS.get(code)
    if spans is None:
        spans = _spans(code) if user_code(code) and _IS_OP in code.co_code[::2] else ()
        if len(_SPANS) > 4096:
            _SPANS.clear()
        _SPANS[code] = spans
    return any(not _no_number(left, globals_) and not _no_number(right, globals_)
               for left, right in spans)


def _spans(code: types.CodeType) -> tuple[Any, ...]:
    """Each ``is`` of ``code`` as the instructions of its two operands (``None`` where they
    cannot be told apart: 3.13's two locals loaded at once)."""
    at = list(dis.get_instructions(code))
    found = []
    for k, instruction in enumerate(at):
        if instruction.opname != "IS_OP":
            continue
        right = operand_start(at, k)
        left = operand_start(at, right) if right > 0 else right
        spans: tuple[Any, Any] = (at[left:right], at[right:k])
        if any(i.opname == "LOAD_FAST_LOAD_FAST" for i in at[left:k]):
            spans = (None, None)  # (3.13: two locals loaded at once, perhaps numbers)
        found.append(spans)
    return tuple(found)


def _no_number(span: Any, globals_: dict[str, Any]) -> bool:
    """Whether an operand is surely no number: a constant that is none (``None``, ``True``, a
    text), ``type(...)``, or a global (then attributes of modules and classes) that holds no
    number now."""
    if not span:
        return False
    first, last = span[0], span[-1]
    if len(span) == 1 and first.opname == "LOAD_CONST":
        return type(first.argval) not in (int, float, complex)
    if first.opname in _NAMED and first.argval == "type" and last.opname in _CALLS:
        return "type" not in globals_  # (Python's ``type(x)``: a class)
    if first.opname not in _NAMED or any(i.opname not in ("LOAD_ATTR", "LOAD_METHOD")
                                         for i in span[1:]):
        return False
    held = globals_.get(first.argval, _MISSING)
    if held is _MISSING:
        held = vars(builtins).get(first.argval, _MISSING)
    for i in span[1:]:
        if not isinstance(held, (types.ModuleType, type)):
            return False  # (an attribute of an object: it may hold a number later)
        held = vars(held).get(i.argval, _MISSING)
    return held is not _MISSING and not isinstance(held, (int, float, complex)) and \
        type(held).__module__ != "numpy"


def held_late(places: list[Any], installed: list[Any]) -> set[tuple[Any, ...]]:
    """The places read at every call (``installed``: each with the number it held) whose
    number another place found outside holds too, the very object (found after the stand-in
    was put there: the capture's ``is`` saw the stand-in, not that object)."""
    held: dict[int, int] = {}
    for place in places:
        if is_number(place):
            held[id(place.value)] = held.get(id(place.value), 0) + 1
    return {place.key() for place, number, _ in installed
            if place.kind == "number" and held.get(id(number), 0) > 1}
