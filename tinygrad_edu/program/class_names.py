"""What a capture puts in a class while it runs, and a class's names as they are outside a
capture. A capture replaces many of Value's names (``watching.py``: ``data``, ``__repr__``,
``grad``...) and adds three Value lacks (``__getattr__``, ``_data_before``, ``_scope``:
``fields.py``). Code in the compiled function that looked at Value's class saw the capture's
class, and the program kept that answer at every call, silently (before:
``len(vars(type(v)))``, ``len(dir(v))``, engine 152 and 176, program 158 and 182;
``hasattr(Value, "__getattr__")``, engine 0.0, program 1.0). Here:

- ``PUT``: what a capture put in place, (owner, name, what it held there, or ``INHERITED``
  where it held nothing of its own), in order; ``watching.py`` puts them back from it when
  the last capture ends;
- ``names_outside``: ``vars(Value)`` in the learner's module (``addresses.vars_seen``), the
  class's names as they are outside a capture;
- ``dir_seen``: ``dir`` while a capture runs (the learner's, and ``inspect.getmembers``'s):
  of Value's class, a subclass, or one of their objects, the names as outside a capture.

The three names added, read from the class (``Value.__getattr__``, ``getattr(type(v), "_scope",
None)``, ``Value._data_before``), are not there, as outside a capture (``fields.py``). The
class's own ``__dict__`` read whole (``Value.__dict__``, ``type(v).__dict__``,
``v.__class__.__dict__``) cannot be answered so: refused, naming the line
(``addresses.py``); one of its names read from it (``type(v).__dict__["data"]``) is the
capture's, through which a number read is followed, as ``v.data`` is.
"""

from __future__ import annotations

import builtins
import types
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

__all__ = ["INHERITED", "PUT", "added_to", "dir_seen", "names_outside"]

PUT: list[tuple[Any, str, Any]] = []
"""(owner, name, what it held) of each thing a capture put in place while it runs."""

INHERITED = object()
"""What ``PUT`` holds for a name the owner had no entry for (a class's name it inherits, or
lacks; a module's ``__getattr__``): deleted when the capture ends, not set."""

_DIR = builtins.dir


def added_to(cls: type) -> set[str]:
    """The names a capture added to ``cls``'s own dict while it runs (Value's
    ``__getattr__``, ``_data_before``, ``_scope``): none outside a capture."""
    return {name for owner, name, held in list(PUT) if owner is cls and held is INHERITED}


def names_outside(cls: type) -> Any:
    """``cls``'s names as they are outside a capture, where a capture put names of its own in
    its dict while it runs (Value's class), else None: the names it added taken away, a
    plain value it replaced (the class's ``label``, ``""``) as it was, in the same order; a
    method or a field it replaced, the capture's (a number read through it is followed, as
    ``v.data`` is: the engine's at every call)."""
    put: dict[str, Any] = {}
    for owner, name, held in list(PUT):
        if owner is cls:
            put.setdefault(name, held)  # (the first: what the class held before any)
    if not put:
        return None
    names = dict(vars(cls))
    for name, held in put.items():
        if held is INHERITED:
            names.pop(name, None)
        elif not callable(held) and not hasattr(type(held), "__get__"):
            names[name] = held
    return types.MappingProxyType(names)


def dir_seen(*given: Any) -> list[str]:
    """``dir`` while a capture runs: of a class a capture added names to (Value's), of a
    subclass of it, or of an object of theirs, Python's own without those names, unless the
    object or another class it has them from holds one (a node's ``_scope``, in its
    ``__dict__``); of anything else, and ``dir()``, Python's own (the caller's names)."""
    if not given:
        return sorted(_getframe(1).f_locals)
    names = _DIR(*given)
    x = given[0]
    classes = x.__mro__ if isinstance(x, type) else type(x).__mro__
    added = {name for owner in {owner for owner, _, held in list(PUT) if held is INHERITED and
                                isinstance(owner, type) and owner in classes}
             for name in added_to(owner)}
    if not added:
        return names
    own = vars(x) if not isinstance(x, type) and isinstance(getattr(x, "__dict__", None),
                                                            dict) else {}
    kept = {name for name in added if name in own or any(
        name in vars(c) and name not in added_to(c) for c in classes)}
    return [name for name in names if name not in added or name in kept]
