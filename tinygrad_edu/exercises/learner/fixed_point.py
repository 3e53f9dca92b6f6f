"""An integer of more bits than a float's 53 held by a function of the learner's own while a
rule runs: the scale and the values of a finite difference made exact in fixed point
(``S = 1 << 400``), computed inline on a number made plain first (``float(x)``,
``math.frexp``), with no function called at two points (``watched.call`` raises
``LongIntegers``). No rule holds one (an exponent made an int, ``int(b)``, is small).

Where: in a name of the function (or among the first items of a list or tuple one holds),
or given back. When: at each line of the file's functions (``lines_watched``, a trace
function on their frames alone, while the rule runs), at each builtin they call and at each
return (``stepped.recording``, the profile function), so that names cleared before the
return have been seen.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises import limit

__all__ = ["LONG", "lines_watched", "long_held"]

LONG = 53
"""An integer of more bits than this (a float's digits) held by a rule's code: the scale of
fixed-point arithmetic (``S = 1 << 400``), with which a finite difference comes as close as
a rule. No rule holds one (an exponent made an int, ``int(b)``, is small)."""
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
    """An integer of more than ``LONG`` bits in a name of ``frame``'s function (or among the
    first items of a list or tuple one holds), or ``returned`` by it: what and where (``an
    integer of 121 digits, held in S``), or nothing."""
    for name, value in frame.f_locals.items():
        found = _long(value)
        if found:
            return f"{found}, held in {name}"
    found = _long(returned)
    return f"{found}, given back by {frame.f_code.co_name}" if found else ""


def _long(value: Any) -> str:
    """``value`` said, if it is an integer of more than ``LONG`` bits or a list or tuple
    with one among its first items; else nothing. (Read by ``int``'s own method: a subclass's
    code is not run.)"""
    kind = type(value)
    if kind is list or kind is tuple:
        value = next((item for item in itertools.islice(value, 8) if _bits(item) > LONG), 0)
    bits = _bits(value)
    return f"an integer of {int(bits * 0.30103) + 1} digits" \
        if bits > LONG else ""


def _bits(value: Any) -> int:
    kind = type(value)
    return int.bit_length(value) if kind is not bool and issubclass(kind, int) else 0
