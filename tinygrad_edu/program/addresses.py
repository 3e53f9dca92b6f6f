"""What shows the address of an object made in the call, as a capture sees it. Such an object
is new at every call, and so is its address: a set of them is gone through in their
addresses' order, a sort by ``hash()`` or ``repr()`` is in that order, and the graph built so
changes from call to call (the engine's own numbers change too). No program can follow
that, so the capture refuses it, naming the line (``sets.py`` says what to do instead, and
holds what tells such an object, which this module asks; it imports nothing of this one):

- ``sets.by_address(x)``: whether ``hash(x)`` is an address (object's ``__hash__``, a Value's, a
  tuple holding one), or hashes a Value made in the call (a frozen dataclass's hash of its
  fields: counted by the Value's hash as a capture sees it, ``watching.py``);
- ``sets.ordered_by_address(x)``: whether a set holding ``x`` is ordered by the address of
  something made in the call: ``x`` is a Value made in the call, or holds one (its
  attributes, its items, a few levels deep: ``Term(p * x)``, ``(p * x, i)``) and hashes by
  address;
- ``Classes``: the learner's classes whose objects hash by address (object's ``__hash__``, a
  dataclass with ``eq=False``) or show it (object's ``__repr__``), given a ``__hash__`` and
  a ``__repr__`` of the capture's while it runs (put back when it ends). Python's own set
  (``{Term(p * x) for p in P}``) goes through its items unseen, but it hashes each one: an
  object holding a Value made in the call hashed into one is refused where it is made
  (``sets.into_a_set``); its address shown (``repr``, ``str``, an f-string: ``sorted(terms,
  key=repr)``) is refused where it is shown.
"""

from __future__ import annotations

import os
import types
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.program.asking import static
from tinygrad_edu.program.learners_code import user_code
from tinygrad_edu.program.sets import into_a_set, made_in_call
from tinygrad_edu.program.traced import recording

__all__ = ["Classes"]

_HERE = os.path.dirname(os.path.abspath(__file__))
# ----------------------------------------------------------------------------- the classes
class Classes:
    """The learner's classes given a ``__hash__`` and a ``__repr__`` of the capture's while it
    runs (``watch``: those of a module whose code runs, and the class of ``self`` in a method
    that starts; ``restore``: put back)."""

    def __init__(self) -> None:
        self.modules: set[int] = set()
        self.given: list[tuple[type, str, Any]] = []

    def watch(self, code: types.CodeType, globals_: dict[str, Any], frame: Any) -> None:
        if not user_code(code):
            return
        if id(globals_) not in self.modules:
            self.modules.add(id(globals_))
            for held in list(globals_.values()):
                if isinstance(held, type) and held.__module__ == globals_.get("__name__"):
                    self._give(held)
        if frame is not None and code.co_argcount and code.co_varnames[0] == "self":
            held = frame.f_locals.get("self")
            if held is not None and type(held).__module__ == globals_.get("__name__"):
                self._give(type(held))  # (a class made in a function)

    def _give(self, cls: type) -> None:
        if static(cls, "EMPTY_GRAD") is not None:  # (a Value's: watching.py's)
            return
        for name, theirs, ours in (("__hash__", object.__hash__, _hashed),
                                   ("__repr__", object.__repr__, _shown)):
            if static(cls, name) is theirs and name not in vars(cls):
                try:
                    setattr(cls, name, ours)
                except (TypeError, AttributeError):  # (a class that takes no attributes)
                    continue
                self.given.append((cls, name, ours))

    def restore(self) -> None:
        for cls, name, ours in reversed(self.given):
            if vars(cls).get(name) is ours:
                delattr(cls, name)
        self.given.clear()


def _hashed(x: Any) -> int:
    """A learner's object's hash (its address) while a capture runs: one that holds a Value
    made in the call, hashed into Python's own set, is refused (``sets.into_a_set``)."""
    if recording() is not None and made_in_call(x):
        into_a_set(_getframe(1))
    return object.__hash__(x)


_hashed.by_address = _hashed.given = True  # type: ignore[attr-defined]


def _shown(x: Any) -> str:
    """A learner's object shown by object's ``__repr__`` (``<Term object at 0x...>``) while a
    capture runs: one that holds a Value made in the call is refused (its address, new at
    every call, is in the text)."""
    found = recording()
    if found is not None and not _getframe(1).f_code.co_filename.startswith(_HERE) and \
            made_in_call(x):  # (``print(term)``: printed once, nothing follows from it)
        name = type(x).__name__
        found.refuse(f"it shows the address of an object made in the call (repr(), str() or a "
                     f"format of a {name}, which has object's __repr__: '<{name} object at "
                     "0x...>'), new at every call, which a program cannot follow; give "
                     f"{name} a __repr__ of its own, or keep the objects in a list in the "
                     "order you made them")
    return object.__repr__(x)


_shown.given = True  # type: ignore[attr-defined]
