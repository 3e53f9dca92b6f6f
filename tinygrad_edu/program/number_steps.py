"""The functions a program's number steps compute, of plain numbers, as Python (or NumPy)
computes them: a comparison as a number (``COMPARED``), ``**`` where it is real, ``//``,
``%``, ``is_integer``, ``float``, Python's ``sum`` as the running Python computes it and
``math.fsum``. A capture records them (``traced.py``); the Python program calls them at every
run, and native.c spells each (``native.py``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["COMPARED", "as_float", "floor_divide", "fsum", "is_integer", "modulo", "power",
           "total", "total_from"]


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
