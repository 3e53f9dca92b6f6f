"""A NaN where Python looks for the very object before it compares numbers: ``x in xs``,
``xs.count(x)``, ``xs.index(x)``, ``xs.remove(x)``, a dict's key, ``hash(x)`` (a NaN's hash
is its object's address, Python 3.10 on). The engine finds its own NaN there (``max(vals)
in vals`` is True, ``vals.count(max(vals))`` is 1); a program's numbers are other objects
than the engine's, so which NaN is which is no number it can follow: such a comparison or
hash is refused, naming the line (``traced.py``). ``x == y`` written as such compares
numbers, NaN or not, and is followed."""

from __future__ import annotations

import dis
import math
import os
import types
from typing import Any

__all__ = ["HASHED", "IDENTITY_FIRST", "found_by_identity", "is_nan"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_AT: dict[types.CodeType, dict[int, str]] = {}

IDENTITY_FIRST = (
    "it compares a NaN where Python looks for the very object first (`x in xs`, "
    "`xs.count(x)`, `xs.index(x)`, a dict's key): the engine finds its own NaN there, and "
    "a program's numbers are other objects than the engine's; test `math.isnan(x)` first, "
    "or compare numbers with ==")
"""Why a NaN compared where Python tests identity first is refused."""
HASHED = (
    "it hashes a NaN (hash(), a set, a dict's key): a NaN's hash is its object's address "
    "(Python 3.10 on), another at each call of the engine, which a program cannot "
    "follow; test `math.isnan(x)` first")
"""Why a NaN hashed is refused."""


def is_nan(x: Any) -> bool:
    """Whether ``x`` (a number, or a followed one's ``value``) is a NaN."""
    try:
        return isinstance(x, float) and math.isnan(x)
    except TypeError:
        return False


def found_by_identity(frame: Any) -> bool:
    """Whether the comparison being made was asked by Python's own code that tests
    identity first (``in``, ``count``, ``index``, a dict's lookup), not by ``==`` or ``!=``
    written in the learner's code: the instruction running in the first frame not of this
    folder is not a ``COMPARE_OP``."""
    while frame is not None and frame.f_code.co_filename.startswith(_HERE):
        frame = frame.f_back
    if frame is None:
        return False
    code = frame.f_code
    at = _AT.get(code)
    if at is None:
        if len(_AT) > 4096:
            _AT.clear()
        at = _AT[code] = {i.offset: i.opname for i in dis.get_instructions(code)}
    return not at.get(frame.f_lasti, "COMPARE_OP").startswith("COMPARE_OP")
