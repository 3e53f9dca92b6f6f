"""What shows the address of an object made in the call, as a capture sees it. Such an object
is new at every call, and so is its address: a set of them is gone through in their
addresses' order, a sort by ``hash()`` or ``repr()`` is in that order, and the graph built so
changes from call to call (the engine's own numbers change too). No program can follow
that, so the capture refuses it, naming the line (``sets.py`` says what to do instead):

- ``by_address(x)``: whether ``hash(x)`` is an address (object's ``__hash__``, a Value's, a
  tuple holding one), or hashes a Value made in the call (a frozen dataclass's hash of its
  fields: counted by the Value's hash as a capture sees it, ``watching.py``);
- ``ordered_by_address(x)``: whether a set holding ``x`` is ordered by the address of
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
import sys
import types
from typing import Any

from tinygrad_edu.program.traced import recording, user_code

__all__ = ["Classes", "by_address", "ordered_by_address"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_DEPTH = 3  # (how deep into attributes and items a Value made in the call is looked for)


def _hash_by_address(cls: type) -> bool:
    own = getattr(cls, "__hash__", None)
    return own is object.__hash__ or getattr(own, "by_address", False)


def by_address(x: Any) -> bool:
    """Whether ``hash(x)`` is an address (new for each new object), or hashes a Value made in
    the call."""
    if type(x) in (tuple, frozenset):
        return any(by_address(item) for item in x)
    if _hash_by_address(type(x)):
        return True
    found = recording()
    if found is None or type(x).__hash__ is None:
        return False
    before = found.hashed_made
    hash(x)  # (a frozen dataclass's: the hash of its fields)
    return found.hashed_made != before


def holds_made(x: Any, depth: int = _DEPTH) -> bool:
    """Whether ``x`` is a Value made in the call, or holds one (in its attributes, its items,
    ``depth`` levels deep)."""
    found = recording()
    if found is None:
        return False
    if id(x) in found.made:
        return True
    if depth == 0 or type(x) in (int, float, str, bytes, bool, type(None)) or hasattr(
            type(x), "EMPTY_GRAD"):  # (a Value from outside: what it was made of is not held)
        return False
    if type(x) in (tuple, list, frozenset):
        return any(holds_made(item, depth - 1) for item in x)
    if type(x) is dict:
        return any(holds_made(item, depth - 1) for item in x.values())
    held = getattr(x, "__dict__", None)
    items = list(held.values()) if type(held) is dict else []
    for cls in type(x).__mro__:  # (``__slots__``, read as they are: no property runs)
        for name in getattr(cls, "__dict__", {}).get("__slots__", ()):
            slot = vars(cls).get(name)
            if type(slot) is _MEMBER:
                try:
                    items.append(slot.__get__(x, cls))
                except AttributeError:  # (not set)
                    pass
    return any(holds_made(item, depth - 1) for item in items)


_MEMBER = types.MemberDescriptorType


def made_in_call(x: Any) -> bool:
    """Whether ``x`` is, or holds, a Value made in the call, or is an object of a class of the
    learner's (hashed, shown by address: ``Classes``) that the capture did not find outside
    (where the function's globals, cells and arguments lead)."""
    found = recording()
    if found is None:
        return False
    if holds_made(x):
        return True
    outside = found.outside
    return _of_given(type(x)) and outside is not None and id(x) not in outside.walk.where


def _of_given(cls: type) -> bool:
    return any(vars(c).get("__hash__") is _hashed or vars(c).get("__repr__") is _shown
               for c in cls.__mro__)


def ordered_by_address(x: Any) -> bool:
    """Whether a set holding ``x`` is ordered by the address of something made in the call."""
    found = recording()
    return found is not None and (id(x) in found.made or (made_in_call(x) and by_address(x)))


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
        if hasattr(cls, "EMPTY_GRAD"):  # (a Value's: watching.py's)
            return
        for name, theirs, ours in (("__hash__", object.__hash__, _hashed),
                                   ("__repr__", object.__repr__, _shown)):
            if getattr(cls, name, None) is theirs and name not in vars(cls):
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
    from tinygrad_edu.program.sets import into_a_set

    if recording() is not None and made_in_call(x):
        into_a_set(sys._getframe(1))
    return object.__hash__(x)


_hashed.by_address = True  # type: ignore[attr-defined]


def _shown(x: Any) -> str:
    """A learner's object shown by object's ``__repr__`` (``<Term object at 0x...>``) while a
    capture runs: one that holds a Value made in the call is refused (its address, new at
    every call, is in the text)."""
    found = recording()
    if found is not None and not sys._getframe(1).f_code.co_filename.startswith(_HERE) and \
            made_in_call(x):  # (``print(term)``: printed once, nothing follows from it)
        name = type(x).__name__
        found.refuse(f"it shows the address of an object made in the call (repr(), str() or a "
                     f"format of a {name}, which has object's __repr__: '<{name} object at "
                     "0x...>'), new at every call, which a program cannot follow; give "
                     f"{name} a __repr__ of its own, or keep the objects in a list in the "
                     "order you made them")
    return object.__repr__(x)
