"""An integer of more than ``WIDE`` bits held by a class Value's code (or a node's) that is a
number of the graph times a power of 2 or of 10: fixed-point arithmetic on the graph's
numbers (``X = int(x * 2**52) << 148``), in which a finite difference comes as close as the
chain rule (a difference of ``tanh`` written in integers, at ``X + H`` and ``X - H``: no float
is ever next to a number of the forward pass, so ``rerun.py``'s watch sees no step).

Noted for the teacher, never failed (``rerun.NOTED``, sent with the reply to the grader:
``machinery.tampered``): an honest class holds long integers too, its own hash unmasked (67
bits), a 128-bit label (``random.getrandbits(128)``), n! of its own exp's series, and fails
none of them; none of those is a number of the graph scaled, to ``CLOSE`` (one chance in
about 10**7 a number, at random). A power of 2 or of 10 alone is no number scaled (a scale
held, ``S = 1 << 200``, is said where a number is), nor is one next to it, where the graph
has a power of 2 or of 10 (1.0, 0.5: an integer within ``CLOSE`` of a scale).

Where: as ``fixed_point.class_long_held`` looks (a name of the function, a global name its
code reads, one level into what they hold, or given back), at each builtin the class's code
calls and at each return. Not seen: a long integer used within one expression and never held,
or held deeper, or one scaled from a number that is not the graph's (a derivative, ``1 -
t**2``, computed from the start in fixed point from what is not one: the node's own number
is, and so is its operand's).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable
from typing import Any

from tinygrad_edu.exercises.learner.fixed_point import looked_into

__all__ = ["CLOSE", "WIDE", "Scaled", "scaled_held"]

WIDE = 64
"""Integers of more bits than this are looked at (a hash is 64 bits at most)."""
CLOSE = 1e-9
"""How near (relative) the leading digits of an integer and of a number of the graph are
when the integer is that number scaled: a fixed-point number's are the float's to its last
bits, and so are those of a point a step of 2**-60 from it."""
_LOG2 = math.log10(2)


class Scaled:
    """The numbers of a graph (not zero, finite), by their leading digits in base 2 and in
    base 10, to tell an integer that is one of them times a power of 2 or of 10."""

    def __init__(self, numbers: Iterable[float]) -> None:
        kept = {abs(float(x)) for x in numbers if x == x and 0 < abs(x) < math.inf}
        self.binary = sorted((m, x) for m, x in ((math.frexp(x)[0], x) for x in kept)
                             if m != 0.5)  # (a power of 2, as 1.0: a scale is next to it)
        self.decimal = sorted((m, x) for m, x in ((_leading(x)[0], x) for x in kept)
                              if m != 1.0)
        self.said: dict[int, tuple[int, int, float] | None] = {}  # (each integer once: a hash,
        # n!, are met at every node)

    def of(self, value: int) -> tuple[int, int, float] | None:
        """``value`` as (base, power, number): the graph's ``number`` times ``base **
        power`` to ``CLOSE``; None if it is no such number, or is a power of 2 or of 10
        alone."""
        size = abs(value)
        bits = int.bit_length(size)
        if bits <= WIDE or not self.binary:
            return None
        if size in self.said or len(self.said) > 4096:
            return self.said.get(size)
        found: tuple[int, int, float] | None = None
        top = size >> (bits - 64)
        if size & (size - 1):  # (not a power of 2)
            number = _near(self.binary, math.frexp(float(top))[0])
            if number is not None:
                found = (2, bits - math.frexp(number)[1], number)
        if found is None:
            shift = max(int((bits - 1) * _LOG2) - 18, 0)
            head, rest = divmod(size, 10 ** shift)
            leading, power = _leading(float(head))
            if rest or leading != 1.0:  # (not a power of 10)
                number = _near(self.decimal, leading)
                if number is not None:
                    found = (10, shift + power - _leading(number)[1], number)
        self.said[size] = found
        return found


def _leading(x: float) -> tuple[float, int]:
    """``x`` (positive) as m * 10**p with m in [1, 10): (m, p)."""
    power = math.floor(math.log10(x))
    leading = x / 10.0 ** power
    if leading >= 10.0:
        leading, power = leading / 10.0, power + 1
    elif leading < 1.0:
        leading, power = leading * 10.0, power - 1
    return leading, power


def _near(kept: list[tuple[float, float]], leading: float) -> float | None:
    """The number of ``kept`` (sorted by leading digits) whose leading digits are within
    ``CLOSE`` of ``leading``, or None."""
    at = bisect.bisect_left(kept, (leading, -math.inf))
    for mantissa, number in kept[max(at - 1, 0):at + 1]:
        if abs(mantissa - leading) <= CLOSE * leading:
            return number
    return None


def scaled_held(frame: Any, returned: Any, scaled: Scaled) -> dict[str, Any] | None:
    """An integer that is a number of the graph scaled (``Scaled.of``) in a name of
    ``frame``'s function, a global name its code reads, one level into what such a name
    holds (``looked_into``), or ``returned`` by it: the facts the grader says it with
    (digits, base, power, number, the name, the function, the line), or None."""
    space = frame.f_globals
    code = frame.f_code
    for name, value in itertools.chain(frame.f_locals.items(), (
            (n, dict.get(space, n)) for n in code.co_names), (("", returned),)):
        kind = type(value)
        if kind is float or kind is str or kind is bool or value is None:
            continue
        for x in (value,) if kind is int else looked_into(value):
            if type(x) is not int:
                continue
            found = scaled.of(x)
            if found is not None:
                base, power, number = found
                return {"digits": int(int.bit_length(abs(x)) * _LOG2) + 1, "base": base,
                        "power": power, "number": math.copysign(number, x),
                        "name": str(name), "function": str(code.co_name),
                        "line": int(frame.f_lineno)}
    return None
