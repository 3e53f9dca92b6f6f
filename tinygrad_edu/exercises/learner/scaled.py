"""An integer of more than ``WIDE`` bits held by a class Value's code (or a node's) that is a
number of the graph times a power of 2 or of 10, or times another long integer it held (a
scale of any base): fixed-point arithmetic on the graph's numbers (``X = int(x * 2**52) <<
148``), in which a finite difference comes as close as the chain rule (a difference of
``tanh`` written in integers, at ``X + H`` and ``X - H``: no float is ever next to a number
of the forward pass, so ``rerun.py``'s watch sees no step).

Noted for the teacher, never failed (``rerun.NOTED``, sent with the reply to the grader:
``machinery.noted``): an honest class holds long integers too, its own hash unmasked (67
bits), a 128-bit label (``random.getrandbits(128)``), n! of its own exp's series, and fails
none of them; none of those is a number of the graph scaled, to ``CLOSE`` (one chance in
about 10**7 a number, at random) or, divided by another, to ``RATIO``. A power of 2 or of
10 alone is no number scaled (a scale held, ``S = 1 << 200``, is said where a number is),
nor is one next to it, where the graph has a power of 2 or of 10 (1.0, 0.5: an integer
within ``CLOSE`` of a scale); nor an integer ratio (n! / (n - 1)!), nor one half or a
tenth (a scale over twice itself). A class that computes its forward values in fixed point
and its derivatives by rules is noted too: the teacher reads how it takes them.

Where: as ``fixed_point.class_long_held`` looks (a name of the function, a global name its
code reads, one level into what they hold: ``fixed_point.looked_into``, a set's and an
array's of objects items too, or given back), at one return in ``rerun.LOOKS`` of the class
file's functions, and at every return that gives back a long int; an integer of a subclass
of int too, read by int's own methods. Not seen: a long integer used within one expression and
never held, or held deeper, or one scaled from a number that is not the graph's (a
derivative, ``1 - t**2``, computed from the start in fixed point from what is not one: the
node's own number is, and so is its operand's).
"""

from __future__ import annotations

import bisect
import gc
import itertools
import math
import sys
import types
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from tinygrad_edu.exercises.learner.fixed_point import looked_into

__all__ = ["CLOSE", "KEPT", "RATIO", "SIGNIFICANT", "WIDE", "Scaled", "scaled_held"]

WIDE = 64
"""Integers of more bits than this are looked at (a hash is 64 bits at most)."""
CLOSE = 1e-9
"""How near (relative) the leading digits of an integer and of a number of the graph are
when the integer is that number scaled: a fixed-point number's are the float's to its last
bits, and so are those of a point a step of 2**-60 from it."""
SIGNIFICANT = 24
"""An integer whose leading 64 bits hold fewer significant bits than this (from the highest
set to the lowest set among them) is no float's number scaled: a bitmask of nodes (``seen
|= 1 << v.id``: its top bits 0b11 and the next far below are 1.5 times 2**8684, a65n's h6),
a scale alone; nor one whose leading 19 decimal digits are fewer than 7 and zeros. A
graph's numbers scaled have a float's 53 (the few that are short, 1.5, are left unseen: the
others a fixed-point difference holds are not)."""
RATIO = 1e-12
"""How near a number of the graph (not an integer) the ratio of two long integers held is
when one is that number scaled by the other (a scale of any base): a fixed-point number is
the float to its last bits, and two honest long integers, a hash and a label, come so near a
number of the graph once in about 10**10 pairs."""
NEAR = 1e-6
"""A number of the graph this near (relative) an integer, a power of 2 or of 10 is not
matched by a ratio of two long integers held: an honest bitmask that grew by one low bit is
1.0000000000002622 times the one before (a65n's h6, flagged before)."""
KEPT = 32
"""How many of the last long integers met are kept to divide the next by."""
_LOG2 = math.log10(2)


class Scaled:
    """The numbers of a graph (not zero, finite), by their leading digits in base 2 and in
    base 10, to tell an integer that is one of them times a power of 2 or of 10, or times
    another long integer held (``RATIO``: a scale of any base, ``3**130``)."""

    def __init__(self, numbers: Iterable[float]) -> None:
        kept = {abs(float(x)) for x in numbers if x == x and 0 < abs(x) < math.inf and
                _long_mantissa(abs(float(x)))}  # (1.5, 17.25, 0.1: left unseen)
        self.binary = sorted((m, x) for m, x in ((math.frexp(x)[0], x) for x in kept)
                             if m - 0.5 > NEAR and 1.0 - m > NEAR)  # (a power of 2 or next
        # to one, as 1.0 and a saturated tanh's 0.9999999999996: a scale, and an honest
        # bitmask whose next bit is far below its first, are next to it)
        self.decimal = sorted((m, x) for m, x in ((_leading(x)[0], x) for x in kept)
                              if m - 1.0 > NEAR and 10.0 - m > NEAR)
        self.fractional = sorted(x for x in kept if abs(x - round(x)) > NEAR * x and abs(
            math.frexp(x)[0] - 0.5) > NEAR and abs(_leading(x)[0] - 1.0) > NEAR and abs(
            float(Fraction(x).limit_denominator(64)) - x) > NEAR * x)  # (n! / (n - 1)! is
        # n; S / 2 one half of S; 10**k / 10**(k + 1) a tenth; a bitmask with one more low
        # bit, 1 + 2**-42 times the one before it, or 4/3 of one with a bit fewer: none a
        # number scaled)
        self.said: dict[int, tuple[int, int, float] | None] = {}  # (each integer once: a
        # hash, n!, are met at every node)
        self.held: list[int] = []  # (the last ``KEPT`` long integers met: ``RATIO``)

    def of(self, value: int) -> tuple[int, int, float] | None:
        """``value`` as (base, power, number): the graph's ``number`` times ``base **
        power`` to ``CLOSE``, or times another long integer held (base 0, power its digits)
        to ``RATIO``; None if it is no such number, or is a power of 2 or of 10 alone.
        ``value`` may be of a subclass of int: only int's own methods are called."""
        size = int.__abs__(value)
        bits = int.bit_length(size)
        if bits <= WIDE or not self.binary:
            return None
        if size in self.said or len(self.said) > 4096:
            return self.said.get(size)
        found: tuple[int, int, float] | None = None
        top = size >> (bits - 64)
        significant = int.bit_length(top >> (int.bit_length(top & -top) - 1))
        if significant < SIGNIFICANT:  # (its leading 64 bits: a bitmask of nodes, 0b11 <<
            self.said[size] = None  # 8684 and bits far below, a scale alone: no float's
            return None  # 53 digits)
        number = _near(self.binary, math.frexp(float(top))[0])
        if number is not None:
            found = (2, bits - math.frexp(number)[1], number)
        if found is None:
            shift = max(int((bits - 1) * _LOG2) - 18, 0)
            head = size // 10 ** shift
            leading, power = _leading(float(head))
            short = head
            while short and not short % 10:
                short //= 10
            if short >= 10 ** 7:  # (its leading 19 digits not a few digits and zeros)
                number = _near(self.decimal, leading)
                if number is not None:
                    found = (10, shift + power - _leading(number)[1], number)
        for other in self.held if found is None else ():
            number = self._ratio(size, other)
            if number is not None:
                found = (0, int(int.bit_length(other) * _LOG2) + 1, number)
                break
        self.said[size] = found
        self.held = [*self.held[-KEPT + 1:], size]
        return found

    def _ratio(self, size: int, other: int) -> float | None:
        """A number of the graph that is not an integer, within ``RATIO`` of ``size /
        other`` (or of ``other / size``), or None."""
        for top, bottom in ((size, other), (other, size)):
            if int.bit_length(top) - int.bit_length(bottom) > 1000:
                continue  # (past a float's range)
            ratio = top / bottom
            at = bisect.bisect_left(self.fractional, ratio)
            for number in self.fractional[max(at - 1, 0):at + 1]:
                if abs(number - ratio) <= RATIO * number:
                    return number
        return None


def _long_mantissa(x: float) -> bool:
    """Whether ``x`` has ``SIGNIFICANT`` significant bits or more, and 7 significant
    decimal digits or more (as ``repr`` writes it): a bitmask's top bits, 0b11 then zeros,
    are 1.5 scaled to within 1e-9 (a65n's h6), and a counter's decimal digits are 0.1's."""
    numerator = x.as_integer_ratio()[0]
    bits = int.bit_length(numerator >> (int.bit_length(numerator & -numerator) - 1))
    digits = repr(x).split("e")[0].replace(".", "").replace("-", "").strip("0")
    return bits >= SIGNIFICANT and len(digits) >= 7


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
    holds (``looked_into``: a list's, a tuple's, a set's, a dict's, an array's items, an
    object's attributes), or ``returned`` by it: the facts the grader says it with (digits,
    base, power, number, the name, the function, the line), or None. An integer of a
    subclass of int is one (``class Big(int)``)."""
    space = frame.f_globals
    code = frame.f_code
    for name, value in itertools.chain(frame.f_locals.items(), (
            (n, dict.get(space, n)) for n in code.co_names), (("", returned),)):
        kind = type(value)
        if kind in _PLAIN:  # (at once: most names hold these)
            continue
        if kind is int:
            if int.bit_length(value) <= WIDE:
                continue
            inside: Any = (value,)
        else:
            inside = (value,) if isinstance(value, int) else _inside(value)
        for x in inside:
            if not isinstance(x, int) or type(x) is bool:
                continue
            found = scaled.of(x)
            if found is not None:
                base, power, number = found
                return {"digits": int(int.bit_length(int.__abs__(x)) * _LOG2) + 1,
                        "base": base, "power": power,
                        "number": -number if int.__lt__(x, 0) else number,
                        "name": str(name), "function": str(code.co_name),
                        "line": int(frame.f_lineno)}
    return None


def _inside(value: Any) -> Any:
    """What ``value`` holds one level down (``looked_into``), and a set's, a frozenset's and
    a NumPy array's of Python objects first items (a65m's a3b, a8), and what an object with
    no ``__dict__`` holds in its slots (``gc.get_referents``: a65n's ``__slots__`` class and
    ``dataclass(slots=True)``): read by the built-in types' own methods, NumPy's and the
    collector's, no code of the learner's run."""
    if isinstance(value, set):
        return itertools.islice(set.__iter__(value), 16)
    if isinstance(value, frozenset):
        return itertools.islice(frozenset.__iter__(value), 16)
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.ndarray):
        array = numpy.ndarray
        return [array.item(value, i) for i in range(min(array.size.__get__(value), 16))] \
            if array.dtype.__get__(value).hasobject else ()
    found = looked_into(value)
    if type(found) is tuple and len(found) == 1 and found[0] is value:  # (no __dict__ read)
        return [value, *itertools.islice((x for x in gc.get_referents(value)
                                          if isinstance(x, int)), 16)]
    return found


_PLAIN = frozenset({float, str, bool, type(None), bytes, complex, type, types.FunctionType,
                    types.BuiltinFunctionType, types.MethodType, types.ModuleType})
"""What holds no integer of more than ``WIDE`` bits one level in (passed over at once): an
int of the learner's own class is looked at, and so is an object's ``__dict__`` (a module's
and a class's names are a library's too: not looked into, as ``looked_into`` says)."""
