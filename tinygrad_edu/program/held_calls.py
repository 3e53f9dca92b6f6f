"""Python's own (C) functions that read or change a state a program does not follow, held
where a capture cannot put its own: the capture refuses the function, naming the place.

The capture follows what the learner's code calls by name (``random.random()``, ``next(it)``,
``HIST.append(x)``, ``open(path)``, ``time.time()``: its own stand-ins, or a check of what
changed). A C function bound before the call and held in a default, a tuple, a global, a
closure cell or a partial (``def f(x, draw=random.random)``, ``next_batch =
iter(loader).__next__``, ``log = HIST.append``, ``hp = CONFIG["optimizer"].get``,
``(datetime.now,)``) would be called unseen: what it gave at the capture would be a constant
of the program (the same draw, the same batch at every call), what it changed would be
changed once, silently (issue 64). So where the capture's walk (``outside.py``) reaches one
from what the function reads, or finds a function it follows where it cannot put its own
(``world.followed_at``: a tuple's item, a default), the function is not made a program
(``compile`` says why and where), whatever the C function is bound to but a number, a text
or another value that cannot change, or a module of pure functions (``math.exp``).
``unseen_state`` says why; ``type_held``, for Python's ``type`` held so (the capture puts its
own ``type`` under a global's name only).

The engine's own ways to a Value's number, bound before the call (an attacker's S7): an
``operator.attrgetter("_data")`` (``Value.data.fget`` is one), ``Value.data`` itself or its
``__get__``, read the field by its name, which the capture follows where the learner's code
reads it (``reads_data``: ``watching.follow_data``); ``Value.__dict__["_data"]`` or
``["grad"]`` (the slots themselves, or their ``__get__``; a node's local derivatives':
``_da``, ``_db``, ``_list_grads``, ``local_grads`` under any of its names, or its ``fget``;
micrograd's ``_prev``, a set ordered by the parents' addresses, or its ``fget``)
and Value's methods that give its
number (``Value.item``, ``w.item``, ``Value.__float__``), held, read it where no capture sees:
the number (or gradient) of the capture was the program's at every call. They are refused,
naming what is held and where (``engines_own``).
"""

from __future__ import annotations

import datetime
import functools
import operator
import sys
import types
from typing import Any

from tinygrad_edu.engine import Value

__all__ = ["c_library", "c_library_words", "engines_own", "held_unseen", "reads_data",
           "type_held", "unseen_state"]

_BOUND_C = (types.BuiltinMethodType, types.MethodWrapperType)
_UNCHANGING = (int, float, complex, str, bytes, tuple, frozenset, range, slice, type(None))
_STATEFUL_MODULES = frozenset({"time", "os", "posix", "nt", "io", "_io", "sys", "_random",
                               "random", "datetime", "_datetime", "gc", "select", "socket"})
"""Modules whose C functions read or change the world (a clock, files, the process)."""
_NOW = frozenset({"now", "utcnow", "today", "fromtimestamp"})
"""The class methods of ``datetime``'s classes that read the clock."""


def unseen_state(function: Any, where: str) -> str | None:
    """Why ``function``, held at ``where`` (a place the capture reached: a default, a
    global, an item), would read or change a state no program follows if the learner's code
    called it (see above): ``held_unseen``'s words; None where it would not."""
    if not isinstance(function, _BOUND_C) or reads_data(function):  # (``Value.data.__get__``:
        return None  # followed)
    owner = function.__self__
    if owner is None or isinstance(owner, _UNCHANGING):
        return None
    if isinstance(owner, types.ModuleType):
        return held_unseen(function, where) if owner.__name__ in _STATEFUL_MODULES else None
    if isinstance(owner, type):
        stateful = issubclass(owner, (datetime.date, datetime.time)) and function.__name__ in _NOW
        return held_unseen(function, where) if stateful else None
    return held_unseen(function, where, bound=True)


def c_library(x: Any, where: str) -> str | None:
    """Why ``x``, reached at ``where``, is refused where it is a C library or one of its
    functions opened through ctypes (``libc.rand()``: what a C library keeps is not
    Python's to see, nor does a call of it raise an audit event): its words; else None."""
    ctypes = sys.modules.get("ctypes")
    if ctypes is None or not isinstance(x, (ctypes.CDLL, ctypes.LibraryLoader,
                                            ctypes._CFuncPtr)):
        return None
    return c_library_words(f"{where}, a {type(x).__name__},")


def c_library_words(what: str) -> str:
    """The words of a refusal of a C library called through ctypes (``what``: which)."""
    return (f"it calls {what} through ctypes: what it gives can depend on what the library "
            "keeps (libc's rand()), where a program cannot see it; call it outside the "
            "compiled function and pass the number in")


def held_unseen(function: Any, where: str, bound: bool = False) -> str:
    """The words of a refusal of ``function`` held at ``where`` (here, and for a function a
    capture follows but cannot put its own in place of: ``world.followed_at``)."""
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", "?")
    return (f"it holds {name!r} at {where}, where a capture cannot see it called, and what it "
            "gives can change at every call, which a program cannot follow" +
            (" (a method bound before the call: a draw, the next item, an item taken or "
             "added)" if bound else "") +
            "; call it by its name inside the function, or outside the compiled function and "
            "pass what it gives in")


def type_held(where: str) -> str:
    """The words of a refusal of Python's ``type`` held at ``where`` (a default, a cell, an
    item): a capture puts its own ``type`` under a name of the module's globals only, the one
    that sees a number it follows as the engine's number (``type(x.data) is float``)."""
    return (f"it holds type at {where}, where a capture cannot put its own type (the one that "
            "sees a number it follows as the engine's number: type(x.data) is float); call "
            "type() by its name")


_HAS = dict(vars(Value))  # (Value's own, before any capture puts its own in place)
_FIELDS: dict[int, str] = {id(_HAS[name]): name for name in (
    "_data", "grad", "_da", "_db", "_list_grads") if name in _HAS}
if "local_grads" in _HAS:  # (held by any of its names, or its getter)
    _FIELDS.update({id(_HAS["local_grads"]): "local_grads",
                    id(_HAS["local_grads"].fget): "local_grads"})
if "_prev" in _HAS:  # (micrograd's set of a node's parents, or its getter)
    _FIELDS.update({id(_HAS["_prev"]): "_prev", id(_HAS["_prev"].fget): "_prev"})
"""Value's own fields (its slots; ``local_grads`` under each of its names, and its getter)."""
_READERS = {id(_HAS[name]): name for name in (
    "item", "detach", "backward", "__float__", "__int__", "__round__", "__format__", "__repr__",
    "__bool__", "__lt__", "__le__", "__gt__", "__ge__", "__copy__", "__deepcopy__",
    "__reduce__") if isinstance(_HAS.get(name), types.FunctionType)}
"""Value's methods that give its number (or its gradient) to code, as the engine has them:
a capture puts its own in their place on the class (``watching.py``)."""


def reads_data(x: Any) -> bool:
    """Whether ``x``, held by the learner's code, reads a Value's ``_data`` by its name when
    called (an ``operator.attrgetter`` naming it: ``Value.data.fget`` is one; ``Value.data``
    itself, or its ``__get__``), which a capture follows once it knows to
    (``watching.follow_data``)."""
    if isinstance(x, types.MethodWrapperType):
        x = x.__self__
    if x is _HAS.get("data"):
        return True
    if any(x is f for f in _BY_NAME):  # (``pick = getattr``, ``AG = attrgetter``: a name made at
        return True  # run time read through them; a64m S3)
    text: Any = x if type(x) is str else getattr(x, "__self__", None) if isinstance(
        x, types.BuiltinMethodType) else None  # (a template, ``T.format`` held: a64n S1)
    if type(text) is str:
        return "{" in text and "_data" in text
    if type(x).__name__ == "Formatter" and type(x).__module__ == "string":
        return True
    if type(x) is not operator.attrgetter:
        return False
    try:
        names = x.__reduce__()[1]
    except Exception:
        return False
    return any(type(n) is str and "_data" in n.split(".") for n in names)


_BY_NAME = (getattr, operator.attrgetter, operator.methodcaller, functools.reduce,
            object.__getattribute__)
"""What reads an attribute by a name given at run time, held under another name."""


def engines_own(x: Any, where: str) -> str | None:
    """The words of a refusal of ``x`` held at ``where``, where it is one of Value's own
    slots (``_data``, ``grad``), their ``__get__``, or one of its methods that give its number
    (``Value.item``, ``w.item``) as the engine has them (see above); else None."""
    if isinstance(x, (types.MethodWrapperType, types.MethodType)):
        held = x.__self__ if isinstance(x, types.MethodWrapperType) else x.__func__
    else:
        held = x
    field = _FIELDS.get(id(held))
    if field is not None and held in (_HAS[field], getattr(_HAS[field], "fget", None)):
        if field == "_prev":
            return (f"it holds Value's own '_prev' (a node's parents as a set, ordered by "
                    f"their addresses, new at every call) at {where}, bound before the call, "
                    "where a capture cannot see the set it gives gone through; read "
                    "z.parents (a tuple, in the order the op took them) by its name")
        what = {"_data": "number", "grad": "gradient"}.get(field, "local derivative")
        return (f"it holds Value's own field {field!r} (a Value's {what}, read or set "
                f"through it past what a capture sees) at {where}, bound before the call: what "
                "it read or set at the capture would be the program's at every call; " + (
                    "read x.data (or x._data) by its name, which a capture follows"
                    if field == "_data" else
                    f"read {what}s outside the compiled function (and set them there)"))
    method = _READERS.get(id(held))
    if method is not None and held is _HAS[method]:
        return (f"it holds Value's own method {method!r} at {where}, bound before the call, "
                "where a capture cannot see the number it gives: what it gave at the capture "
                f"would be the program's at every call; call x.{method}() by its name (or "
                "x.data), which a capture follows")
    return None
