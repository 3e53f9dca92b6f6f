"""Numbers from outside the arguments that the learner's code may test by identity:
``cfg[0] is DEFAULT``, ``x is BASE`` of ``x = cfg[0]``, ``same(lr, LR)`` of a helper that
tests ``a is b``, ``operator.is_(lr, LR)``. A program checks each number outside by its
value, or reads it at every call (an input), and neither says whether two places hold one
object: ``cfg[0] = DEFAULT`` after ``cfg[0] = 3.0`` is the number 1.5 again, and another
answer of ``is``.

So where code of the learner's that ran tests two things by identity
(``identity.tests_by_identity``),
neither of them surely no number (``None``, ``True``, a text, a class: ``type(x) is float``,
a module, a function, a list held by a global), a program also checks at every call which of
the numbers it found outside (and the numbers of the Values of its graph found there) are one
object, as they were when it was captured (``pattern``; ``guards.py`` checks it at once: how
many objects, and those that were one still one); where that changes, it is captured again,
the number no input for that. While a capture runs, a place read at every call holds a
stand-in (``Traced``) that is no other place's object: a place that holds the same object as
another number found outside is guarded instead, for that capture (``Watcher._install``;
found only later, ``held_late``: captured again so). The learner's ``max`` (``min``) of
numbers some of which are held outside, in code that tests identity, is Python's own, which
gives the very object (which one, guarded: ``seen.largest_or_smallest``); a Value whose number
is the very object of a number outside, read where the code tests identity, is refused
(``identity.read_in``). Code that tests nothing by identity pays nothing."""

from __future__ import annotations

from typing import Any

from tinygrad_edu.program.left import clean
from tinygrad_edu.program.traced import Traced

__all__ = ["held_late", "is_number", "number_held", "pattern", "put_back"]



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


def put_back(watcher: Any) -> None:
    """Before a capture made again at once (``held_late``): the numbers the function wrote
    at the places found outside put back as they were (``n[0] += 1`` once, as the engine's
    call), and no followed number left outside."""
    for place in watcher.walk.places:
        if place.kind == "number" and place.read() is not place.value:
            try:
                place.write(place.value, own=True)
            except (AttributeError, KeyError, IndexError, TypeError, ValueError):
                pass
    clean(watcher)
