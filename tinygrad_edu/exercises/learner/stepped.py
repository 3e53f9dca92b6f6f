"""A function of the learner's own called at two numbers a tiny step apart, while a rule
runs: the points of a finite difference, in integers, fractions, decimals or floats
(``watched.call`` raises ``ShiftedPoint``). ``recording`` is the profile function that
sees each call of a function of the learner's file; ``stepped`` says what it saw.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from tinygrad_edu.exercises import limit
from tinygrad_edu.exercises.learner.held import PLAIN, complex_held
from tinygrad_edu.exercises.text_blocks import at_lines

__all__ = ["STEP", "own_number", "recording", "stepped"]

STEP = 1e-6
"""Two numbers a function of the learner's own is called at, this close relative to their
size (and not equal), are the points of a finite difference: no rule calls a function at
two numbers that close, as the inputs are never drawn that close."""


def recording(file: str | None, calls: dict[Any, list[tuple[Any, int]]],
              plain: Any = float, held: list[tuple[str, int]] | None = None,
              own: list[tuple[str, int]] | None = None) -> Callable[..., None]:
    """A profile function that records every call of a function of the learner's file
    (``file``): its first argument, where it is a number (an instance of ``plain``, a
    watched number, as its ``_number``), and the line it was called on; and in ``held``,
    the first complex number a function of the file holds in its names, is given or gives
    back (``held.complex_held``), with its line: at each call and return of one, and at each
    call of a builtin it makes; and in ``own``, the first number of a class of the file's
    own (``own_number``) given to a function of the file, with its line."""
    mine: set[Any] = set()  # (the frames of the file's functions running, seen called: its
    # other events are known by them alone, f_code unread, where an audit hook runs at each)

    def record(frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            if event == "c_return" or event == "c_exception" or frame not in mine:
                return  # (at once: what nearly every event comes to)
            if event == "return":
                mine.discard(frame)
            if held is None or held:
                return
        try:  # (the time limit may stop the learner's code here, in an audit hook that
            code = frame.f_code  # reading f_code calls: a profile function that raises is
            if code.co_filename != file:  # switched off, and the learner's lines, traced,
                return  # stop it)
            if event == "call" and held is not None:
                mine.add(frame)
            if held is not None and not held and not (  # (at once, in C: nearly every
                    PLAIN.issuperset(map(type, frame.f_locals.values())) and  # event
                    type(arg if event == "return" else None) in PLAIN):  # comes to it)
                found = complex_held(frame, arg if event == "return" else None)
                if found:
                    back = frame.f_back if event == "call" else None
                    at = back if back is not None and back.f_code.co_filename == file \
                        else frame
                    held.append((found, at.f_lineno))
            if event != "call" or not code.co_argcount:
                return
            if own is not None and not own:
                for name in code.co_varnames[:code.co_argcount]:
                    found = own_number(frame.f_locals.get(name), file, plain)
                    if found:
                        back = frame.f_back
                        at = back if back is not None and back.f_code.co_filename == file \
                            else frame
                        own.append((f"{found}, given to {code.co_name}", at.f_lineno))
                        break
            first: Any = frame.f_locals.get(code.co_varnames[0])
            if type(first) is plain:
                first = first._number
            if isinstance(first, NUMBERS) and len(calls.get(code, ())) < 64:
                back = frame.f_back
                calls.setdefault(code, []).append((first, back.f_lineno if back else 0))
        except BaseException:
            return

    return record


def own_number(x: Any, file: str | None, plain: Any) -> str:
    """What ``x`` is, if it is a number of a class of the file's own: an instance of a class
    the file defines (one of its methods is the file's code) with arithmetic of its own
    (``+`` or ``*``) that holds a number (a float, or a watched one: in its items, its slots
    or its attributes); else empty. No rule needs one: it is how a dual number reads the
    derivative off its own arithmetic (_own_numbers)."""
    kind = type(x)
    if file is None or kind is plain or x is None or isinstance(
            x, (int, float, complex, str, bytes)):
        return ""
    mine = arithmetic = False
    for cls in kind.__mro__[:-1]:
        space = cls.__dict__
        arithmetic = arithmetic or "__add__" in space or "__mul__" in space
        mine = mine or (not cls.__flags__ & IMMUTABLE and any(  # (NumPy's array: none of
            getattr(getattr(f, "__code__", None), "co_filename", None) == file  # its own
            for f in space.values()))  # can be the file's code, nor become so)
    if not (mine and arithmetic):
        return ""
    held: list[Any] = list(x)[:8] if isinstance(x, (tuple, list)) else []
    for cls in kind.__mro__[:-1]:
        slots = cls.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            descriptor = cls.__dict__.get(slot)
            if descriptor is not None and hasattr(descriptor, "__get__"):
                with contextlib.suppress(Exception):
                    held.append(descriptor.__get__(x, kind))
    with contextlib.suppress(Exception):
        held += list(object.__getattribute__(x, "__dict__").values())[:8]
    if any(type(v) is plain or type(v) is float for v in held):
        return f"a number of your class {kind.__name__}"
    return ""


# _own_numbers: a rule that wraps its input in a number of its own class, whose + and * carry
# a second part by the product rule (a dual number: (a, a') * (b, b') = (ab, ab' + a'b)),
# and computes the op's function on it (exp as its series, a reciprocal by Newton's
# iteration) reads the exact derivative off that part, with no rule written: d_tanh,
# d_sigmoid, d_exp and d_div 4/4 on every route, no flag (issue 65's eighth round,
# h-attack65w's dual_eve.py). Such a number is seen where it is given to a function of the
# file, as each of its own operators is (``watched.OwnNumbers``). What is not seen: the same
# arithmetic on plain tuples, through functions of no class (the guide says it).

IMMUTABLE = 1 << 8
"""``Py_TPFLAGS_IMMUTABLETYPE``: a type whose attributes cannot be set (one written in C, as
NumPy's array and Python's own types are)."""
NUMBERS = (int, float, Fraction, Decimal)
"""The numbers a finite difference is taken in (a bool is an int, and left out later)."""


limit.stops_by_lines(recording(None, {}).__code__)


def exact_number(x: Any) -> Fraction | None:
    """``x`` (one of ``NUMBERS``) as an exact fraction; None for a bool, inf or NaN."""
    if isinstance(x, bool):
        return None
    try:
        return Fraction(x)
    except (ValueError, OverflowError, TypeError):
        return None


def stepped(calls: dict[Any, list[tuple[Any, int]]], inputs: list[float],
            where: Callable[[list[int]], str] = lambda lines: at_lines((), lines, ())) -> str:
    """A function of the learner's own called at two numbers a tiny step apart (``STEP``),
    not both among the rule's ``inputs`` (x and y = tanh(x) are that close near 0), said
    with ``where`` its lines are (``on lines 9 and 10``; in a notebook, in their cell); or
    nothing."""
    given = {exact_number(x) for x in inputs}
    for code, made in calls.items():
        exact = [(n, line) for x, line in made if (n := exact_number(x)) is not None]
        ordered = sorted(exact, key=lambda m: m[0])
        for (p, line_p), (q, line_q) in itertools.pairwise(ordered):
            size = max(abs(p), abs(q))
            if p != q and q - p <= STEP * size and not (p in given and q in given):
                return (f"{code.co_name}, a function of your own, at two numbers "
                        f"{float((q - p) / size):.1g} apart relative to their size, called "
                        f"{where(sorted({line_p, line_q}))}")
    return ""
