"""The functions a program's number steps compute, of plain numbers, as Python (or NumPy)
computes them: a comparison as a number (``COMPARED``), ``**`` where it is real, ``//``,
``%``, ``is_integer``, ``float``, Python's ``sum`` as the running Python computes it and
``math.fsum``. A capture records them (``traced.py``); the Python program calls them at every
run, and native.c spells each (``native.py``). Where a step's type may change with its numbers
(``typed_by_numbers``), ``type_of`` is a step of its own, guarded."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["BY_THE_NUMBERS", "COMPARED", "as_float", "floor_divide", "fsum", "is_integer",
           "modulo", "power", "total", "total_from", "type_of", "typed_by_numbers"]


def less(a: Any, b: Any) -> bool: return a < b
def at_most(a: Any, b: Any) -> bool: return a <= b
def greater(a: Any, b: Any) -> bool: return a > b
def at_least(a: Any, b: Any) -> bool: return a >= b
def equal(a: Any, b: Any) -> bool: return a == b
def unequal(a: Any, b: Any) -> bool: return a != b


COMPARED: dict[str, Callable[[Any, Any], Any]] = {
    "<": less, "<=": at_most, ">": greater, ">=": at_least, "==": equal, "!=": unequal}
"""A comparison as a number of the program: True where it holds, else False."""


def power(a: Any, b: Any) -> Any:
    """``a ** b`` as Python computes it, where it is a real number; a complex one raises (a
    program that met a real power at its capture takes the engine's way where it is not)."""
    y = a ** b
    if isinstance(y, complex):
        raise ValueError(f"{a!r} ** {b!r} is a complex number")
    return y


def floor_divide(a: Any, b: Any) -> Any:
    """``a // b``, as Python (or NumPy) computes it."""
    return a // b


def modulo(a: Any, b: Any) -> Any:
    """``a % b``, as Python (or NumPy) computes it."""
    return a % b


def is_integer(a: Any) -> bool:
    """``float(a).is_integer()``: the step of ``x.is_integer()`` of a followed number."""
    return float(a).is_integer()


def as_float(a: Any) -> float:
    """``float(a)``: the step of ``float(x)`` of a followed number (NumPy's ``x.item()``)."""
    return float(a)


def total(*items: Any) -> Any:
    """Python's ``sum`` of plain numbers (from 0), as the running Python computes it (from
    3.12 on, a float sum is compensated)."""
    return _builtin_sum(items)


def total_from(start: Any, *items: Any) -> Any:
    """Python's ``sum`` of plain numbers from ``start`` (``sum(xs, 0.0)``, ``sum(xs, 0.5)``),
    as the running Python computes it: from 3.12 on, a float start compensates from the
    first number on (from an int 0, from the second)."""
    return _builtin_sum(items, start)


_builtin_sum = sum
_fsum = math.fsum


def fsum(*items: Any) -> float:
    """``math.fsum`` of plain numbers: the step of ``math.fsum(xs)`` of followed numbers."""
    return _fsum(items)


BY_THE_NUMBERS: set[Any] = {power, max, min}
"""The functions whose result's type may change with the numbers, not only with their types
(``watching.py`` adds ``statistics``' steps): ``2 ** -1`` is a float 0.5, ``2 ** 1`` an int 2;
``max(2, 1.5)`` is the int 2, ``max(2, 7.5)`` the float 7.5; ``statistics.mean([1, 3])`` is the
int 2, ``mean([1, 2])`` the float 1.5."""
_TYPES = {bool: 1, int: 2, float: 3}


def typed_by_numbers(function: Any, numbers: Any) -> bool:
    """Whether ``function`` of these plain ``numbers`` may give a number of another type at
    a later run with other numbers of the same types: an int to an int power, ``max`` or
    ``min`` of numbers of two types, a ``statistics`` function of ints."""
    if function not in BY_THE_NUMBERS:
        return False
    kinds = {type(x) for x in numbers}
    if function is power:
        return kinds <= {int, bool}
    if function in (max, min):
        return len(kinds) > 1
    return bool(kinds - {float})


def type_of(a: Any) -> int:
    """The type of ``a`` as a number (1 a bool, 2 an int, 3 a float, 0 another): the step a
    program's type guard compares (``traced.type_guarded``)."""
    return _TYPES.get(type(a), 0)
