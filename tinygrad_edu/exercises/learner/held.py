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
functions); ``complex_in_names`` looks at the module's names once, before the rule runs. And
on Python 3.12 and later, ``CallsSeen`` sees the first argument of every call the learner's
code makes (``sys.monitoring``): a complex number made and used within one expression, held
in no name, is still given to a call (``getattr(w, "imag")``, ``np.exp(Zc)``, ``Zc.sum()``).
No rule and no backward pass needs a complex number (the reading refuses one written in the
file), so nothing honest is refused.

And on every Python, ``CallsSeen`` arms the watch of complex numbers made while it is on
(``complex_arithmetic.py``): a complex number made and used within one expression, held in
no name and given to no call, is still made (by the constructor, an operator, a power of a
negative number), and that is seen with the learner's line.

What this cannot see: complex arithmetic done only by NumPy's ufuncs on arrays (the
stand-ins of ``given.py`` see those), or code that switches the watch off (it runs in the
learner's process: a diagnosis, not a boundary).
"""

from __future__ import annotations

import functools
import itertools
import sys
import types
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises.learner.complex_arithmetic import is_complex, watching

__all__ = ["SHALLOW", "CallsSeen", "LearnerFrames", "StandsIn", "complex_held",
           "complex_in_names", "is_complex", "learner_codes", "line_of"]

ITEMS = 8
"""How many items of a list, tuple or set a name holds are looked at (a list of the points of
the step, ``[u + k * h * unit for k in ...]``)."""
SKIPPED = frozenset({"_", "__", "___", "In", "Out"})
"""A notebook's names for what its cells gave back, which no rule reads."""


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


def complex_held(frame: Any, returned: Any = None, inside: bool = True,
                 names: dict[str, Any] | None = None) -> str:
    """A complex number in a name of ``frame``'s function (``names``: its ``f_locals``,
    if read already), or ``returned`` by it (and, if ``inside``, among the first items of a
    list, tuple or set they hold): what and where (``a complex number, (0.5+1e-30j), held
    in z``), or nothing. (The types that can hold none are passed over, ``PLAIN``; where
    all are, ``LearnerFrames.held`` has returned at once.)"""
    try:
        plain = PLAIN if inside else SHALLOW
        for name, value in (frame.f_locals if names is None else names).items():
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


class LearnerFrames(set[Any]):
    """The frames of the learner's functions running, for a profile function
    (``stepped.recording``, ``rerun.py``): each added where it is seen called, and taken
    out at its return, so that its other events are known by it alone, ``f_code`` unread
    (in a learner's process an audit hook runs at each read). ``held`` looks at one for a
    complex number: in ``kinds`` (``PLAIN``, or ``SHALLOW``: lists, tuples and sets not
    looked into, where it runs at every call a class Value's ops make), at once."""

    def __init__(self, kinds: set[type]) -> None:
        super().__init__()
        self.kinds = kinds

    def held(self, frame: Any, returned: Any = None) -> str:
        """``complex_held`` of ``frame`` and what it ``returned`` (None but at a return)."""
        kinds = self.kinds
        names = frame.f_locals
        if kinds.issuperset(map(type, names.values())) and type(returned) in kinds:
            return ""  # (at once, in C: what nearly every event comes to)
        return complex_held(frame, returned, kinds is PLAIN, names)


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
    closes over (``_I = float("-1") ** 0.5``), or nothing. (It runs before every call of a
    rule: the types that hold none, a module's functions and modules, are passed over at
    once, ``PLAIN``.)"""
    space = getattr(function, "__globals__", None)
    places: list[tuple[str, Any]] = []  # (where, what: said if found)
    if isinstance(space, dict) and not PLAIN.issuperset(map(type, space.values())):  # (in C)
        places = [(f"the name {k} of your file", v) for k, v in list(space.items())
                  if type(v) not in PLAIN and isinstance(k, str) and k not in SKIPPED]
    places += [("a default argument", d) for d in getattr(function, "__defaults__", None) or ()]
    for cell in getattr(function, "__closure__", None) or ():
        try:
            places.append(("a name it closes over", cell.cell_contents))
        except ValueError:  # (a cell not yet filled)
            continue
    for where, value in places:
        try:
            found = _held(value)
            if not found:
                _learn(type(value))
        except Exception:
            continue
        if found:
            return f"{found}, held in {where}"
    return ""


def learner_codes(values: Any, files: set[str], module: Any = None) -> list[Any]:
    """The code objects of ``files`` among ``values`` (functions, the classes of ``module``
    and their methods, a module's names), with every function defined inside them (a
    ``_backward`` closure, a lambda): what ``CallsSeen`` watches."""
    found: dict[int, Any] = {}  # (each once, by identity)
    stack: list[Any] = []
    for value in values:
        kind = type(value)
        if kind is types.FunctionType:
            members = [value]
        elif isinstance(value, type) and vars(value).get("__module__") == module:
            members = [m for k in value.__mro__ if k is not object  # (the file's classes,
                       for m in vars(k).values()]  # not NumPy's)
        else:
            continue
        for member in members:
            member = getattr(member, "__func__", member)  # (staticmethod, classmethod)
            member = member.fget if type(member) is property else member
            code = member.__code__ if type(member) is types.FunctionType else None
            if code is not None and code.co_filename in files:
                stack.append(code)
    for code in stack:
        found.update((id(inner), inner) for inner in _nested(code, id(code)))
    return list(found.values())


@functools.lru_cache(maxsize=4096)
def _nested(code: Any, identity: int) -> tuple[Any, ...]:
    """``code`` (whose ``id`` is ``identity``) and every code object defined inside it, kept:
    a rule's are asked for before each of its calls, and a code object never changes. (By
    identity too: two code objects of equal text, a file loaded twice, are equal, and it is
    the very ones that run that are watched; a kept one is held, so its id is its own.)"""
    nested, stack = {}, [code]
    while stack:
        inner = stack.pop()
        if id(inner) not in nested:
            nested[id(inner)] = inner
            stack += [c for c in inner.co_consts if type(c) is types.CodeType]
    return tuple(nested.values())


class CallsSeen:
    """On Python 3.12 and later, while the ``with`` block runs: every call made in the code
    objects ``codes()`` gives (the learner's: ``learner_codes``, asked for only there), with
    its first argument (``sys.monitoring``'s CALL event, only in those
    code objects): one given a complex number, ``z.imag`` read through ``getattr(z, ...)``,
    a complex array's ``.sum()``, ``np.exp`` of one, is noted in ``found`` (what, where, and
    ``when()`` then), once.
    That sees the complex step made and used within one expression, held in no name, which
    ``complex_held`` cannot. (Earlier Pythons have no such event.) On every Python, the
    complex operators done with a frame of ``files`` on the stack are noted so too
    (``complex_arithmetic.watching``), in ``done`` (said after what the rest saw, which
    says more: a name, a call): ``x + ih`` in one expression, given to no call."""

    def __init__(self, codes: Callable[[], list[Any]], found: list[tuple[str, Any, int, Any]],
                 when: Any = lambda: None, files: frozenset[str] = frozenset(),
                 matrices: bool = False) -> None:
        self.given, self.found, self.when = codes, found, when
        self.codes: list[Any] = []
        self.tool: int | None = None
        self.done: list[tuple[str, Any, int, Any]] = []
        self.arithmetic = watching(set(files), self.done, when, matrices)

    @classmethod
    def of(cls, learners: Any, holder: Any, files: set[str], module: Any,
           found: list[tuple[str, Any, int, Any]], when: Any = lambda: None,
           matrices: bool = False) -> CallsSeen:
        """The calls made in the learner's code of ``files``: ``learners`` (a rule, a class
        Value) and what the names of ``holder``'s module hold (``holder``: a function of that
        module, its ``__globals__``; None for none), the classes of ``module``
        (``learner_codes``, asked for only where ``sys.monitoring`` is)."""
        space = getattr(holder, "__globals__", None)
        names = space if isinstance(space, dict) else {}
        return cls(lambda: learner_codes([learners, *names.values()], files, module), found,
                   when, frozenset(files), matrices)

    def __enter__(self) -> CallsSeen:
        self.arithmetic.__enter__()
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is None:
            return self
        self.codes = self.given()
        if not self.codes:
            return self
        free = [i for i in range(5, -1, -1) if monitoring.get_tool(i) is None]
        if not free:  # (every tool's id taken: a debugger, coverage and more)
            return self
        self.tool = free[0]
        monitoring.use_tool_id(self.tool, "tinygrad_edu's watch")
        monitoring.register_callback(self.tool, monitoring.events.CALL, self._call)
        for code in self.codes:
            monitoring.set_local_events(self.tool, code, monitoring.events.CALL)
        return self

    def _call(self, code: Any, offset: int, function: Any, first: Any) -> None:
        if self.found or type(first) in PLAIN:  # (at once: what nearly every call gives)
            return
        try:
            what = is_complex(first)
            if what:
                self.found.append((f"{what}, given to {_called(function)}", code, offset,
                                   self.when()))
            else:
                _learn(type(first))
        except Exception:
            return

    def __exit__(self, *exc: Any) -> None:
        self.arithmetic.__exit__(None, None, None)
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is None or self.tool is None:
            return
        for code in self.codes:
            monitoring.set_local_events(self.tool, code, 0)
        monitoring.register_callback(self.tool, monitoring.events.CALL, None)
        monitoring.free_tool_id(self.tool)


NAMED = (types.BuiltinFunctionType, types.MethodDescriptorType, types.WrapperDescriptorType,
         types.MethodWrapperType, types.FunctionType, type)
"""The callables whose ``__name__`` is read to name a call (a learner's object's may be a
property: its code is not run)."""


class StandsIn:
    """What the grader's stand-ins for a function derive from (``given.StandIn``): a call of
    one is named by the function's name, ``_name`` (as a call of the function is: on Python
    3.12 and later ``CallsSeen`` sees the call of ``np.sinh``'s stand-in first, and said "a
    call" where the stand-in, on 3.10 and 3.11, says ``sinh()``)."""

    __slots__ = ()
    _name: str


def _called(function: Any) -> str:
    if issubclass(type(function), StandsIn):
        return f"{function._name}()"
    numpy = sys.modules.get("numpy")
    if type(function) in NAMED or (numpy is not None and type(function) is numpy.ufunc):
        return f"{function.__name__}()"
    return "a call"


def line_of(code: Any, offset: int) -> int:
    """The line of ``code`` an instruction at ``offset`` is on (0 if none)."""
    for start, end, line in code.co_lines():
        if start <= offset < end and line is not None:
            return int(line)
    return 0
