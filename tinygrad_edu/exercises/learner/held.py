"""A complex number held by the learner's own code while it is watched: the complex step,
Im f(x + ih) / h, taken on numbers the watch no longer follows (issue 65).

The watched numbers (``watched.py``) notice a complex number they meet, but an input made
plain first (``float(x)``, an array's ``.tolist()`` copied into a new array) leaves them, and
a unit made at run time (``float("-1") ** 0.5``, a dtype named ``"c" + "16"``) hides from the
reading. The complex numbers made from it are still held somewhere of the learner's own while
its code runs: in a name of the function (``z = u + 1e-30 * unit``), in what it passes to a
function of its own file or gets back from one (``_loss(Zc, Y)``), or in a name of its module
(``_I = float("-1") ** 0.5``). The profile functions that watch a rule (``stepped.recording``)
and a class Value (``rerun.py``) look there, with ``complex_held``, at each call and return of
a function of the learner's file and at each call it makes of a builtin (``getattr``, NumPy's
functions); ``complex_in_names`` looks at the module's names once, before the rule runs. No
rule and no backward pass needs a complex number (the reading refuses one written in the
file), so nothing honest is refused.

What this cannot see: a complex number made and used within one expression, held in no name
and passed to no function of the file (where a call of a builtin in that expression is not
seen by the profile function either, as a method of NumPy's under Python 3.11).
"""

from __future__ import annotations

import itertools
import sys
from typing import Any

__all__ = ["SHALLOW", "complex_held", "complex_in_names", "is_complex"]

ITEMS = 8
"""How many items of a list, tuple or set a name holds are looked at (a list of the points of
the step, ``[u + k * h * unit for k in ...]``)."""
SKIPPED = frozenset({"_", "__", "___", "In", "Out"})
"""A notebook's names for what its cells gave back, which no rule reads."""


def is_complex(x: Any) -> str:
    """What ``x`` is, if it is complex: a complex number (Python's or NumPy's), an array of
    them, or NumPy's complex dtype; else nothing. Looks at types alone (no code of the
    learner's runs: ``__class__`` may be a property)."""
    kind = type(x)
    if issubclass(kind, complex):
        return f"a complex number, {complex(x)!r}"
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return ""
    if issubclass(kind, (numpy.ndarray, numpy.generic)):
        dtype = numpy.ndarray.dtype.__get__(x) if issubclass(kind, numpy.ndarray) \
            else numpy.generic.dtype.__get__(x)
        if dtype.kind != "c":
            return ""
        return "an array of complex numbers" if issubclass(kind, numpy.ndarray) else \
            f"a complex number, {complex(x)!r}"
    if issubclass(kind, numpy.dtype):
        return f"NumPy's complex type {x!s}" if x.kind == "c" else ""
    return ""


def _held(x: Any) -> str:
    """``is_complex`` of ``x``, or of one of the first items of a list, tuple or set."""
    found = is_complex(x)
    if found or type(x) not in (list, tuple, set) or \
            PLAIN.issuperset(map(type, itertools.islice(x, ITEMS))):
        return found
    for item in itertools.islice(x, ITEMS):
        found = is_complex(item)
        if found:
            return found
    return ""


def complex_held(frame: Any, returned: Any = None, inside: bool = True) -> str:
    """A complex number in a name of ``frame``'s function, or ``returned`` by it (and, if
    ``inside``, among the first items of a list, tuple or set they hold): what and where
    (``a complex number, (0.5+1e-30j), held in z``), or nothing. (It runs at every call of
    a builtin: the types that can hold none are passed over at once, ``PLAIN``.)"""
    try:
        plain = PLAIN if inside else SHALLOW
        names = frame.f_locals
        if plain.issuperset(map(type, names.values())) and type(returned) in plain:
            return ""  # (at once, in C: what nearly every call comes to)
        for name, value in names.items():
            kind = type(value)
            if kind in plain:
                continue
            found = _held(value)
            if found:
                return f"{found}, held in {name}"
            _learn(kind)
        if type(returned) in plain:
            return ""
        found = _held(returned)
        return f"{found}, returned by {frame.f_code.co_name}" if found else ""
    except Exception:  # (a name whose value cannot be looked at: nothing said)
        return ""


PLAIN: set[type] = {float, int, bool, str, type(None)}
"""The types of values seen that are no complex number and hold none (``_learn``)."""
SHALLOW: set[type] = PLAIN | {list, tuple, set}
"""``PLAIN`` and the containers, not looked into: where a check runs at every call of a
class Value's ops (``rerun.py``), a list of the step's complex points is passed over (each
point, once taken out into a name, is seen)."""


def _learn(kind: type) -> None:
    """Pass over ``kind`` from now on, if it can hold no complex number: neither complex,
    nor NumPy's, nor a list, tuple or set."""
    numpy = sys.modules.get("numpy")
    if kind in (list, tuple, set) or issubclass(kind, complex) or (
            numpy is not None and issubclass(kind, (numpy.ndarray, numpy.generic,
                                                    numpy.dtype))):
        return
    if len(PLAIN) < 256:
        PLAIN.add(kind)
        SHALLOW.add(kind)


def complex_in_names(function: Any) -> str:
    """A complex number in a name of ``function``'s module, its default arguments or what it
    closes over (``_I = float("-1") ** 0.5``), or nothing."""
    space = getattr(function, "__globals__", None)
    places: list[tuple[str, Any]] = []
    if isinstance(space, dict):
        places += [(f"the name {k} of your file", v) for k, v in list(space.items())
                   if isinstance(k, str) and k not in SKIPPED]
    defaults = getattr(function, "__defaults__", None) or ()
    places += [("a default argument", d) for d in defaults]
    for cell in getattr(function, "__closure__", None) or ():
        try:
            places.append(("a name it closes over", cell.cell_contents))
        except ValueError:  # (a cell not yet filled)
            continue
    for where, value in places:
        try:
            found = _held(value)
        except Exception:
            continue
        if found:
            return f"{found}, held in {where}"
    return ""
