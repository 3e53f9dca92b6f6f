"""Dual numbers, a + a'·ε with ε² = 0: numbers whose own arithmetic carries a derivative along.
Their product rule, (a, a')·(b, b') = (ab, ab' + a'b), run through an op's function written
with + and * alone (exp as its series, the argument halved and the result squared; a
reciprocal by Newton's iteration) gives the exact derivative in the second part, with no
rule written: automatic differentiation, which a rule exercise, the Value exercise and the
microgpt track's node stage are not (issue 65: a dual class with ``__slots__``
took d_tanh, d_sigmoid, d_exp and d_div 4/4 on every route; a Value whose ops run their
forward function on a second, dual class, 1/1; a node doing the same, the node stage 1/1).

The watches see them where the learner's code gives them to a function of its file:
``own_number``, a number of a class of the file's own (its + or * the file's code, holding
a float), for a rule (``stepped.recording``) and, besides the class Value itself, for a
class Value's forward pass and ``backward()`` (``rerun.py``); and for a class Value, a dual
number written as a plain pair, ``dual_product``: a function of the file given two pairs
of floats that gives back their product as dual numbers multiply (``mul(a, b)`` returning
``(a[0] * b[0], a[0] * b[1] + a[1] * b[0])``). No honest rule and no honest Value needs
either: a Value's local derivatives are floats, and a microgpt node's ``local_grads`` one
pair, given to ``__init__``, never multiplied by another.

What they cannot see: a dual product written inline, on floats, in the function that uses
it (``r, e = a * b, a * e2 + e1 * b``), with no function of the file given the pairs; pairs
split into four numbers (``mul(a0, a1, b0, b1)``); dual numbers of NumPy arrays (pairs
of arrays on ``d_softmax_cross_entropy``, 1/1). A teacher's reading sees a
class or a pair whose ``*`` makes ``a·b' + a'·b``, an exp written as a series, and an answer
read off a second part (``.e``, ``[1]``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

__all__ = ["DUAL_PAIRS", "SEQUENCES", "DualsGiven", "dual_product", "holding", "number_class",
           "own_number", "pair"]

DUAL_PAIRS = "pairs of numbers, multiplied as dual numbers are ((a, a')·(b, b') = (ab, ab' + a'b))"
"""How a verdict says a dual number written as a pair (``dual_product``)."""

CLOSE = 1e-12
"""How close (relative) a part given back is to the dual product's: its rounding, whichever
order the learner's code adds the two terms in."""


def number_class(kind: type, files: Any, not_of: Any = None) -> bool:
    """Whether ``kind`` is a class of the file's own (one of its functions is the code of
    one of ``files``: a file's name, or a set of them) with arithmetic of its own (``+`` or
    ``*``), and is not ``not_of`` (the class Value graded), nor of its family."""
    if not_of is not None and (issubclass(kind, not_of) or kind in not_of.__mro__):
        return False
    within = {files} if isinstance(files, str) else files
    mine = arithmetic = False
    for cls in kind.__mro__[:-1]:
        space = cls.__dict__
        arithmetic = arithmetic or "__add__" in space or "__mul__" in space
        mine = mine or (not cls.__flags__ & IMMUTABLE and any(  # (NumPy's array: none of
            getattr(getattr(f, "__code__", None), "co_filename", None) in within  # its own
            for f in space.values()))  # can be the file's code, nor become so)
    return mine and arithmetic


IMMUTABLE = 1 << 8
"""``Py_TPFLAGS_IMMUTABLETYPE``: a type whose attributes cannot be set (one written in C, as
NumPy's array and Python's own types are)."""


def own_number(x: Any, files: Any, plain: Any, not_of: Any = None) -> str:
    """What ``x`` is, if it is a number of a class of the file's own (``number_class``)
    that holds a number (a float, or an instance of ``plain``, a watched one: in its items,
    its slots or its attributes); else empty. No rule needs one: it is how a dual number
    reads the derivative off its own arithmetic."""
    kind = type(x)
    if not files or kind is plain or x is None or isinstance(
            x, (int, float, complex, str, bytes)):
        return ""
    if not number_class(kind, files, not_of):
        return ""
    return holding(x, plain)


def holding(x: Any, plain: Any = float) -> str:
    """``x``'s words as a number of the file's own class, if it holds a float (or a
    ``plain``) in its first items, its slots or its attributes; else empty."""
    kind = type(x)
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


def pair(x: Any, plain: Any = float) -> tuple[float, float] | None:
    """``x`` as a pair of floats (a watched number, an instance of ``plain``, as its
    float), if it is a tuple or list (or one of their subclasses) of two; else None. (Read
    as a tuple or list is, whatever a subclass's own ``__getitem__`` says: no code of the
    learner's runs.)"""
    if isinstance(x, tuple) and tuple.__len__(x) == 2:
        a, b = tuple.__getitem__(x, 0), tuple.__getitem__(x, 1)
    elif isinstance(x, list) and list.__len__(x) == 2:
        a, b = list.__getitem__(x, 0), list.__getitem__(x, 1)
    else:
        return None
    a = a._number if type(a) is plain and plain is not float else a
    b = b._number if type(b) is plain and plain is not float else b
    return (a, b) if type(a) is float and type(b) is float else None


def _close(u: float, v: float) -> bool:
    return abs(u - v) <= CLOSE * max(abs(u), abs(v)) or u == v


def dual_product(first: tuple[float, float], second: tuple[float, float], result: Any,
                 plain: Any = float) -> bool:
    """Whether ``result`` is the pairs' product as dual numbers multiply, (a, a')·(b, b') =
    (ab, ab' + a'b), where that says something: a derivative part not 0, and not what
    multiplying the pairs item by item gives."""
    got = pair(result, plain)
    if got is None:
        return False
    (a, da), (b, db) = first, second
    product = a * db + da * b
    return (da != 0.0 or db != 0.0) and _close(got[0], a * b) and _close(got[1], product) \
        and not _close(got[1], da * db) and product != 0.0


SEQUENCES = frozenset({tuple, list})
"""Where a dual number written as a pair is given (``DualsGiven``: two of them)."""
OTHERS = frozenset({int, bool, str, complex, tuple, list, dict, set})
"""The types of arguments that are no number of a class of the file's own (``DualsGiven``):
a tuple or list is looked at only for a pair of floats, the others not at all."""
MOST = 4096
"""The most calls given two pairs kept waiting for what they give back."""


class DualsGiven:
    """What a class Value's watch (``rerun.py``) sees of dual numbers given to the functions
    of its ``files``, as the graph is built and in ``backward()``: ``found`` says the first,
    with ``line(frame)``, where the function was called (``, called on line 84``), and
    ``defined(code)``, where it is (``on line 8``)."""

    def __init__(self, cls: type, files: set[str], line: Callable[[Any], str],
                 defined: Callable[[Any], str]) -> None:
        self.cls, self.files, self.line, self.defined = cls, files, line, defined
        self.found = ""
        self.kinds: dict[type, bool] = {}
        self.plain: set[type] = {float, int, bool, str, type(None), cls, dict, set, *SEQUENCES}
        """The types of arguments that hold no dual number, passed over at once (in C: a
        function of the file is called at every op), the classes of the file's that are
        no number class learned as they are met."""
        self.pairs: dict[Any, tuple[Any, tuple[float, float], tuple[float, float]]] = {}

    def given(self, code: Any, values: list[Any], frame: Any) -> None:
        """A function of the file called with ``values``: a number of a class of the file's
        own, not the class Value (``own_number``: a dual number), is found; two pairs of
        floats are kept until it gives back (``returned``)."""
        if self.found:
            return
        pairs = []
        for x in values:
            kind = type(x)
            if kind is float or x is None or kind is self.cls:
                continue
            if kind not in OTHERS:
                mine = self.kinds.get(kind)
                if mine is None:
                    mine = self.kinds[kind] = number_class(kind, self.files, self.cls)
                    if not mine and not issubclass(kind, (tuple, list)) and \
                            len(self.plain) < 256:
                        self.plain.add(kind)
                found = holding(x) if mine else ""
                if found:
                    self.found = f"{found}, given to {code.co_name}{self.line(frame.f_back)}"
                    return
            two = pair(x) if kind is tuple or kind is list or kind not in OTHERS else None
            if two is not None:
                pairs.append(two)
        if len(pairs) >= 2 and len(self.pairs) < MOST:
            self.pairs[frame] = (code, pairs[0], pairs[1])

    def returned(self, frame: Any, result: Any) -> None:
        """A function of the file given two pairs of floats has given back ``result``: their
        product as dual numbers multiply (``dual_product``) is a dual number written as a
        pair."""
        try:
            given = self.pairs.pop(frame, None)
            if given is None or self.found:
                return
            code, first, second = given
            if dual_product(first, second, result):
                self.found = (f"{DUAL_PAIRS}, by {code.co_name}, your function "
                              f"{self.defined(code)}{self.line(frame.f_back)}")
        except BaseException:
            return
