"""Dual numbers, a + a'·ε with ε² = 0: numbers whose own arithmetic carries a derivative along.
Their product rule, (a, a')·(b, b') = (ab, ab' + a'b), run through an op's function written
with + and * alone (exp as its series, the argument halved and the result squared; a
reciprocal by Newton's iteration) gives the exact derivative in the second part, with no
rule written: automatic differentiation, which a rule exercise, the Value exercise and the
microgpt track's node stage are not (issue 65: a dual class with ``__slots__``
took d_tanh, d_sigmoid, d_exp and d_div 4/4 on every route; a Value whose ops run their
forward function on a second, dual class, 1/1; a node doing the same, the node stage 1/1).

The watches see them where the learner's code gives them to a function of its file:
``own_number``, a number of a class of the file's own, holding a float: a class the
learner's code made or changed, with arithmetic special methods of its own, whatever
objects they are (``number_class``: the classes there before the file runs are noted,
``before_learner``; a dual class whose + and * are ``functools.partialmethod`` of module
functions, a tuple subclass of three items, took 5/5 and the Value exercise 1/1, unflagged,
when only a class whose methods were the file's code counted), for a rule
(``stepped.recording``) and, besides the class Value itself, for a class Value's forward
pass and ``backward()`` (``rerun.py``); and for a class Value, a dual number written as a
plain pair, ``dual_product``: a function of the file given two pairs of floats that gives
back their product as dual numbers multiply (``mul(a, b)`` returning
``(a[0] * b[0], a[0] * b[1] + a[1] * b[0])``); a tuple or list of up to ``LONGEST`` items,
or a record (an instance of a class the file made), is read as a pair is, the value and the
derivative at any two of its places (``pair``). No honest rule and no honest Value needs
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
    """Whether ``kind`` is a class of the file's own with arithmetic of its own, and is not
    ``not_of`` (the class Value graded), nor of its family: one of its classes made or
    changed by the learner's code (``made_here``) holds arithmetic special methods
    (``ARITHMETIC``), whatever objects they are (functions, ``functools.partialmethod``,
    ``operator`` objects, a callable instance...); or one of its functions is the code of
    one of ``files`` (a file's name, or a set of them) and it has ``+`` or ``*``."""
    mro = MRO.__get__(kind)
    if not_of is not None and (issubclass(kind, not_of) or kind in MRO.__get__(not_of)):
        return False
    within = {files} if isinstance(files, str) else files
    mine = arithmetic = False
    for cls in mro[:-1]:
        space = DICT.__get__(cls)
        if made_here(cls) and any(name in space for name in ARITHMETIC):
            return True
        arithmetic = arithmetic or "__add__" in space or "__mul__" in space
        mine = mine or (not FLAGS.__get__(cls) & IMMUTABLE and any(  # (NumPy's array: none
            getattr(getattr(f, "__code__", None), "co_filename", None) in within  # of its
            for f in space.values()))  # own can be the file's code, nor become so)
    return mine and arithmetic


MRO, DICT, FLAGS = (type.__dict__[name] for name in ("__mro__", "__dict__", "__flags__"))
"""A class's own ``__mro__``, ``__dict__`` and ``__flags__``, whatever its metaclass says
they are (a metaclass's property of that name would answer first)."""

ARITHMETIC = tuple(
    [f"__{p}{op}__" for op in ("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod",
                               "pow", "divmod") for p in ("", "r", "i")]
    + ["__neg__", "__pos__", "__abs__"])
"""The special methods a number's arithmetic (``+``, ``*``, ``-x``...) is made of."""

_NAMES = frozenset(ARITHMETIC)
_before: dict[type, tuple[tuple[str, int, int], ...]] | None = None


def before_learner() -> None:
    """Note every class there is, with the objects its arithmetic special methods are,
    before the learner's code runs (as its file is loaded): a class not noted, or whose
    arithmetic is no longer what was noted, is one the learner's code made or changed
    (``made_here``), however it did (a ``class`` statement, ``type(...)``, ``setattr`` on a
    class, a ``namedtuple``...)."""
    global _before
    noted: dict[type, tuple[tuple[str, int, int], ...]] = {}
    waiting: list[type] = [object]
    while waiting:
        cls = waiting.pop()
        subclasses: list[type] = type.__subclasses__(cls)
        for sub in subclasses:
            if sub not in noted:
                noted[sub] = _arithmetic(sub)
                waiting.append(sub)
    noted[object] = _arithmetic(object)
    _before = noted


def _arithmetic(cls: type) -> tuple[tuple[str, int, int], ...]:
    """Which objects are ``cls``'s own arithmetic special methods: the name of each one it
    has, its ``id`` and its type's (the names found by a set's intersection, in C: a pytest
    worker holds 5,600 classes, and the look at each name in turn took 48 ms a file loaded).
    Not the objects: the learner's process holds no function that an exercise could be
    answered with (``float.__truediv__`` is ``y / x``, d_relu's answer). (A replacement of
    another type, or made while the old one lived, has another pair; one of the same type, a
    function, is the file's code, ``number_class``'s other test, or a library's, which
    computes no dual number.)"""
    space = DICT.__get__(cls)
    return tuple((name, id(f), id(type(f))) for name in sorted(space.keys() & _NAMES)
                 for f in (space[name],))


def new_here(cls: type) -> bool:
    """Whether ``cls`` was made since ``before_learner``: by the learner's code."""
    return _before is not None and cls not in _before and not FLAGS.__get__(cls) & IMMUTABLE


def made_here(cls: type) -> bool:
    """Whether ``cls`` was made, or its arithmetic changed, since ``before_learner`` (no
    class written in C can be: the learner's code makes none)."""
    if _before is None or FLAGS.__get__(cls) & IMMUTABLE:
        return False
    was = _before.get(cls)
    if was is None:
        return True
    return _arithmetic(cls) != was


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


def pair(x: Any, plain: Any = float) -> tuple[float | None, ...] | None:
    """``x`` as the parts of a dual number (a watched number, an instance of ``plain``, as
    its float; None for a part that is no float), if it holds 2 to ``LONGEST`` parts, at
    least two of them floats: the items of a tuple or list (or of one of their subclasses: a
    ``namedtuple``'s), or the slots and attributes of a record, an instance of a class the
    learner's code made (``new_here``); else None. (Read as a tuple or list is, whatever a
    subclass's own ``__getitem__`` says.)"""
    items: list[Any]
    if isinstance(x, tuple):
        n = tuple.__len__(x)
        items = [tuple.__getitem__(x, i) for i in range(min(n, LONGEST + 1))]
    elif isinstance(x, list):
        n = list.__len__(x)
        items = [list.__getitem__(x, i) for i in range(min(n, LONGEST + 1))]
    elif new_here(type(x)):
        items = _fields(x)
    else:
        return None
    if not 2 <= len(items) <= LONGEST:
        return None
    parts = tuple(v._number if type(v) is plain and plain is not float else v for v in items)
    parts = tuple(v if type(v) is float else None for v in parts)
    return parts if sum(v is not None for v in parts) >= 2 else None


LONGEST = 8
"""The most parts a dual number written as a tuple, list or record is looked at with: a
value and a derivative, perhaps more derivatives or a second order's."""


def _fields(x: Any) -> list[Any]:
    """What an instance holds in its slots, then its attributes (as ``holding`` reads)."""
    kind = type(x)
    held: list[Any] = []
    for cls in MRO.__get__(kind)[:-1]:
        space = DICT.__get__(cls)
        slots = space.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            descriptor = space.get(slot)
            if descriptor is not None and hasattr(descriptor, "__get__"):
                with contextlib.suppress(Exception):
                    held.append(descriptor.__get__(x, kind))
    with contextlib.suppress(Exception):
        held += list(object.__getattribute__(x, "__dict__").values())[:LONGEST + 1]
    return held[:LONGEST + 1]


def _close(u: float, v: float) -> bool:
    return abs(u - v) <= CLOSE * max(abs(u), abs(v)) or u == v


def dual_product(first: tuple[float | None, ...], second: tuple[float | None, ...],
                 result: Any, plain: Any = float) -> bool:
    """Whether ``result`` is the product of dual numbers written as ``first`` and
    ``second`` (``pair``), as dual numbers multiply, (a, a')·(b, b') = (ab, ab' + a'b),
    with the value at one place and the derivative at another (the same in all three),
    where that says something: a derivative part not 0, and not what multiplying the parts
    item by item gives."""
    got = pair(result, plain)
    if got is None:
        return False
    n = min(len(first), len(second), len(got))
    return any(i != j and _dual_at(first, second, got, i, j)
               for i in range(n) for j in range(n))


def _dual_at(first: tuple[float | None, ...], second: tuple[float | None, ...],
             got: tuple[float | None, ...], i: int, j: int) -> bool:
    a, da, b, db, value, part = first[i], first[j], second[i], second[j], got[i], got[j]
    if a is None or da is None or b is None or db is None or value is None or part is None:
        return False
    product = a * db + da * b
    return (da != 0.0 or db != 0.0) and _close(value, a * b) and _close(part, product) \
        and not _close(part, da * db) and product != 0.0


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
        self.pairs: dict[Any, tuple[Any, tuple[float | None, ...], tuple[float | None, ...]]] = {}

    def given(self, code: Any, values: list[Any], frame: Any) -> None:
        """A function of the file called with ``values``: a number of a class of the file's
        own, not the class Value (``own_number``: a dual number), is found; two pairs of
        floats are kept until it gives back (``returned``)."""
        if self.found:
            return
        pairs = []
        for x in values:
            kind = type(x)
            if kind is float or x is None or kind is self.cls or (
                    kind in self.plain and kind not in SEQUENCES):
                continue
            if kind not in OTHERS:
                mine = self.kinds.get(kind)
                if mine is None:
                    mine = self.kinds[kind] = number_class(kind, self.files, self.cls)
                    if not mine and not issubclass(kind, (tuple, list)) and (
                            not new_here(kind) or issubclass(kind, self.cls)) and \
                            len(self.plain) < 256:
                        self.plain.add(kind)
                found = holding(x) if mine else ""
                if found:
                    self.found = f"{found}, given to {code.co_name}{self.line(frame.f_back)}"
                    return
                if not mine and issubclass(kind, self.cls):
                    continue  # (no record: a node of the class Value's family)
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
