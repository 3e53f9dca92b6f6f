"""A function of the learner's own called at two numbers a tiny step apart, while a rule
runs: the points of a finite difference, in integers, fractions, decimals or floats
(``watched.call`` raises ``ShiftedPoint``). ``recording`` is the profile function that sees
each call of a function of the learner's file (and at each builtin one calls and each
return, the integers of more bits than a float's it holds: ``fixed_point.long_held``);
``stepped`` says what it saw.
"""

from __future__ import annotations

import functools
import itertools
import sys
import types
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from tinygrad_edu.exercises import limit
from tinygrad_edu.exercises.learner.duals import DUAL_PAIRS, dual_product, own_number, pair
from tinygrad_edu.exercises.learner.fixed_point import long_held
from tinygrad_edu.exercises.learner.given import MATRICES, NEAR
from tinygrad_edu.exercises.learner.held import PLAIN, LearnerFrames
from tinygrad_edu.exercises.learner.held_code import PASSED, complex_receiver
from tinygrad_edu.exercises.learner.nested import KEYED, STARRED, given_to, nested_items
from tinygrad_edu.exercises.learner.watched_numbers import lines_said
from tinygrad_edu.exercises.text_blocks import at_lines

__all__ = ["STEP", "recording", "stepped"]

STEP = 1e-6
"""Two numbers a function of the learner's own is called at, this close relative to their
size (and not equal), are the points of a finite difference: no rule calls a function at
two numbers that close, as the inputs are never drawn that close."""


def recording(file: str | None, calls: dict[Any, list[tuple[Any, int]]], plain: Any,
              held: list[tuple[str, int]], own: list[tuple[str, int]],
              bound: list[tuple[str, int]], ran: set[Any],
              long: list[tuple[str, int]]) -> Callable[..., None]:
    """A profile function that records every call of a function of the learner's file
    (``file``): its first argument, where it is a number (an instance of ``plain``, a
    watched number, as its ``_number``), and the line it was called on; and in ``held``,
    the first complex number a function of the file holds in its names, is given or gives
    back (``held.complex_held``), with its line: at each call and return of one, and at each
    call of a builtin it makes; in ``bound``, the first complex number or array whose
    built-in method it calls (``held_code.complex_receiver``), with its line; in ``own``,
    the first number of a class of the file's own (``duals.own_number``) given to a function
    of the file, or two pairs of numbers given to one that gives back their product as dual
    numbers multiply (``duals.dual_product``), with its line; in ``ran``, the code of every
    function of the file called."""
    mine = LearnerFrames(PLAIN)  # (the frames of the file's functions running)
    paired: dict[Any, tuple[tuple[float | None, ...], tuple[float | None, ...]]] = {}

    def record(frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            if event == "c_return" or event == "c_exception" or frame not in mine:
                return  # (at once: what nearly every event comes to)
            if event == "return":
                mine.discard(frame)
                if held and not paired:
                    return
            elif held and (bound or type(arg) is not METHOD or type(arg.__self__) in PASSED):
                return  # (a c_call: of a built-in bound to no complex object, at once)
        try:  # (the time limit may stop the learner's code here, in an audit hook that
            code = frame.f_code  # reading f_code calls: a profile function that raises is
            if code.co_filename != file:  # switched off, and the learner's lines, traced,
                return  # stop it)
            if not long and event != "call":  # (a return, or a builtin called)
                found = long_held(frame, arg if event == "return" else None)
                if found:
                    long.append((found, frame.f_lineno))
            if MATRICES.on and event != "c_call":  # (a rule on numbers: a dual matrix)
                _matrices(frame, event, arg, code, file)
            if event == "call":
                mine.add(frame)
                ran.add(code)
            elif event == "return":
                given = paired.pop(frame, None) if paired else None
                if given is not None and not own and dual_product(*given, arg, plain):
                    own.append((DUAL_PAIRS + f", by {code.co_name}", _caller(frame, file)))
            elif not bound and type(arg) is METHOD and type(arg.__self__) not in PASSED:
                found = complex_receiver(arg)  # (a c_call: 3.10 and 3.11 see no arguments)
                if found:
                    bound.append((found, frame.f_lineno))
            if not held:
                found = mine.held(frame, arg if event == "return" else None)
                if found:
                    back = frame.f_back if event == "call" else None
                    at = back if back is not None and back.f_code.co_filename == file \
                        else frame
                    held.append((found, at.f_lineno))
            if event != "call" or not (code.co_argcount or code.co_kwonlyargcount or
                                         code.co_flags & (STARRED | KEYED)):
                return
            values = given_to(code, frame.f_locals)  # (``*args``' and ``**kw``'s too:
            if NEAR.on:  # a65k's k5, k8) (a rule on arrays: those it is given, ``given``)
                for value in values:
                    NEAR.note(code, value, lambda: " " + lines_said(
                        file or "", [_caller(frame, file)]), code.co_name)
            if not own:
                pairs = []
                for value in values:
                    found = own_number(value, file, plain)
                    if found:
                        own.append((f"{found}, given to {code.co_name}", _caller(frame, file)))
                        break
                    two = None if type(value) in SIMPLE else pair(value, plain)
                    if two is not None:
                        pairs.append(two)
                if len(pairs) >= 2 and len(paired) < 64:
                    paired[frame] = (pairs[0], pairs[1])
            first: Any = None  # (its first argument that is a number: one given None first,
            for value in values:  # ``_ts(None, a, b)``, is seen at a and b; a65i's k3)
                if type(value) is tuple or type(value) is list:
                    value = first_number(value, plain)
                if type(value) is plain:
                    value = value._number
                if isinstance(value, NUMBERS) and (type(value) is not int or first is None):
                    first = value  # (a float before an int given first: ``_ts(0, a, b)``,
                    if type(value) is not int:  # a65j's j4)
                        break
            if first is not None and len(calls.get(code, ())) < 64:
                back = frame.f_back
                calls.setdefault(code, []).append((first, back.f_lineno if back else 0))
        except BaseException:
            return

    return record


def first_number(given: list[Any] | tuple[Any, ...], plain: Any) -> Any:
    """The first number (``NUMBERS``, of those types exactly, or a watched number:
    ``plain``) in a list or a tuple, or in those it holds (``nested_items``: a helper given a
    double-double pair, ``_ex((uh, ul))``, is given its point so; a65h's k1, d_tanh, d_exp and
    d_sigmoid as central differences in double-double arithmetic, 3/3 before); else None."""
    return next((y for y in nested_items([given])
                 if type(y) is plain or type(y) in _NUMBER_KINDS), None)


def _matrices(frame: Any, event: str, arg: Any, code: Any, file: str | None) -> None:
    """A matrix of a dual number's form (``given.DualMatrices``) that a function of the
    learner's file is given (``event``, a call), returns or holds in a name (a return)."""
    array = ARRAY[0]
    if array is None:
        numpy = sys.modules.get("numpy")
        if numpy is None:
            return
        array = ARRAY[0] = numpy.ndarray
    said = file or ""
    if event == "call":
        for name in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
            if isinstance(frame.f_locals.get(name), array):
                MATRICES.look(frame.f_locals[name], lambda: f"given to {code.co_name} "
                              f"{lines_said(said, [_caller(frame, file)])}")
        return
    if isinstance(arg, array):
        MATRICES.look(arg, lambda: f"returned by {code.co_name} "
                      f"{lines_said(said, [frame.f_lineno])}")
    for name, value in frame.f_locals.items():
        if isinstance(value, array):
            MATRICES.look(value, functools.partial(_held_in, name, code, said, frame))


def _held_in(name: str, code: Any, file: str, frame: Any) -> str:
    return f"held in {name}, in {code.co_name} {lines_said(file, [frame.f_lineno])}"


ARRAY: list[Any] = [None]
"""NumPy's ndarray, once NumPy is imported."""


def _caller(frame: Any, file: str | None) -> int:
    """The line of the learner's file a function of it was called on (its own first line's,
    if the grader called it)."""
    back = frame.f_back
    return (back if back is not None and back.f_code.co_filename == file else frame).f_lineno


METHOD = types.BuiltinMethodType
"""A built-in function or method, bound to its ``__self__`` (a module, for a function)."""
SIMPLE = frozenset({float, int, bool, str, type(None), Fraction, Decimal})
"""The arguments that are no dual number written as parts (``duals.pair``), passed over."""
NUMBERS = (int, float, Fraction, Decimal)
_NUMBER_KINDS = frozenset(NUMBERS)
"""The numbers a finite difference is taken in (a bool is an int, and left out later)."""


limit.stops_by_lines(recording(None, {}, float, [], [], [], set(), []).__code__)


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
