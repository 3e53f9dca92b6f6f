"""The places a capture found outside a function's arguments (``Rooted``): each root (a
global, a closure cell, an object given, an ``os.environ`` variable read, a setting asked
for) walked once as it was when first read (``walk.Walk``), what each place held first, the
learner's line that read it, and the places that are inputs of the program (``dynamic``: a
number whose guard failed once), which hold a traced number while the capture runs
(``_install``) and are put back after (``restore``). What code names a root: ``code_roots.py``;
when it is read: ``outside.py``.
"""

from __future__ import annotations

import types
from typing import Any

from tinygrad_edu.program.aliases import is_number
from tinygrad_edu.program.held_calls import (
    c_library,
    engines_own,
    reads_data,
    type_held,
    unseen_state,
)
from tinygrad_edu.program.learners_code import learners_line
from tinygrad_edu.program.places import Freed, Place
from tinygrad_edu.program.states import generator_state
from tinygrad_edu.program.traced import Recording, Traced
from tinygrad_edu.program.walk import Walk
from tinygrad_edu.program.watching import FOLLOWED, follow_data
from tinygrad_edu.program.world import followed_at, reached

__all__ = ["Rooted", "place_slot"]


class Rooted:
    """The roots of a capture and every place walked from them (see the module's
    docstring)."""

    def __init__(self, record: Recording, dynamic: set[tuple[Any, ...]],
                 back: frozenset[tuple[Any, ...]] = frozenset()) -> None:
        self.record = record
        self.dynamic = dynamic  # (places that are inputs: a number read at every call)
        self.held_back = set(back)  # (inputs guarded in this capture: ``aliases.py``)
        self.number_ids: dict[int, int] = {}  # (id of a number found outside: how often)
        self.identities = False  # (code that ran tests numbers by identity: ``aliases``)
        self.deferred: list[Place] | None = None  # (``_discover``'s roots, walked)
        self.roots: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # key -> step
        self.shallow: set[tuple[Any, ...]] = set()  # (roots not walked into: ``_root``)
        self.lines: dict[tuple[Any, ...], str] = {}  # key -> the learner's line that read it
        self.start: dict[tuple[Any, ...], Any] = {}  # (holder, step) -> what it held first
        self.installed: list[tuple[Place, Any, Traced]] = []
        self.restored = False  # (the function returned and ``restore`` ran: no more inputs)
        self.lent: set[int] = set()  # (id of an installed place its instance does not hold)
        self.functions: list[types.FunctionType] = []
        self.generators: list[tuple[Place, Any]] = []  # (a generator reached, its state)
        self.streams: list[tuple[Place, Any, str]] = []  # (a stream reached, its position)
        self.settings: set[Any] = set()  # (settings asked for: ``asked``)
        self.walk = Walk()  # (every place, as it was when its root was first read)
        record.outside = self  # (os.environ's items read are roots: ``read_by_name``)

    def line_of(self, place: Place) -> str:
        """The line that read ``place``: its own where one is known (a name a function that
        ran is reached by, ``Value.tanh``), else its root's."""
        at: Place | None = place
        while at is not None:
            line = self.lines.get(at.key())
            if line or at.parent is None:
                return line or ""
            at = at.parent
        return ""

    def read_by_name(self, mapping: Any, name: Any, held: Any, into: bool = True) -> None:
        """An item of ``os.environ`` (``os.environb``: its bytes) the function read
        (``held``: its text, or MISSING), a module ``importlib.import_module`` or an
        ``import`` gave it: a root, guarded to stay the same (``watching.py`` sees the read);
        ``into``: walked into (an import's module is where it is the learner's)."""
        if type(name) in (str, bytes):
            self._root(("global", mapping, name), held, learners_line(), into)

    def asked(self, asked: Any, key: Any, line: str = "") -> None:
        """A setting the learner's code asked for (``settings.py``; ``key``: which, once a
        capture; ``line``: where, else the learner's line running now): a root, its text
        guarded to stay the same."""
        if key not in self.settings:
            self.settings.add(key)
            self._root(("object", asked, asked.label), asked, line or learners_line())

    def _root(self, step: tuple[Any, ...], value: Any, line: str = "",
              into: bool = True) -> None:
        key = Place(None, step, None, "constant").key()
        if key in self.roots:
            return
        self.roots[key] = step
        if not into:
            self.shallow.add(key)
        self.lines[key] = line
        walk = self.walk
        first = len(walk.places)
        functions = len(walk.functions)
        place = walk.root(step, value, into)
        new = walk.places[first:]
        freed = next((p for p in new if p.kind == "freed"), None)
        if freed is not None:  # (stopped here: no other look at what holds it, ``FREED``)
            self.record.refused = self.record.refused or (
                f"it reads {freed.said()}, a weakref.proxy whose object was freed (any use "
                "of it raises ReferenceError): a capture cannot tell what the code does with "
                "it; drop the proxy, or pass what it should give as an argument, at "
                f"{line or learners_line()}")
            raise Freed(self.record.refused)
        self._found(new)
        self.functions += walk.functions[functions:]
        self.generators += [(p, generator_state(p.value)) for p in new if p.kind == "generator"]
        self.streams += reached(self.record, new, line)  # (``world.py``)
        if FOLLOWED:  # (else at ``__enter__``: roots found before the capture's functions)
            self.installed += followed_at(self.record, new, FOLLOWED, lambda p: line)
        kind = place.kind
        held_call = next((why for p in new if p.kind in (  # (``Value.item`` held:
            "function", "opaque", "method") for why in [engines_own(p.value, p.said())] if why),
            None)  # ``held_calls.py``; ``attrgetter("_data")``, followed)
        held_call = held_call or next((why for p in new if p.kind in ("function", "opaque") and
                                       id(p.value) not in FOLLOWED for why in [
                                           unseen_state(p.value, p.said())] if why), None)
        if any(p.kind in ("opaque", "function", "class", "method", "constant") and
               reads_data(p.value) for p in new):
            follow_data()
        held_call = held_call or next((why for p in new if p.kind == "opaque" for why in [
            c_library(p.value, p.said())] if why), None)  # (a C library: its own state)
        held_call = held_call or next((type_held(p.said()) for p in new if p.value is type and (
            p.parent is not None or p.step[0] != "global")), None)  # (a global: ``_swap``;
        # set, len... held so are seen where they are used)
        if held_call:  # (a C function bound before the call, held: ``held_calls.py``)
            self.record.refused = self.record.refused or (
                f"{held_call}, at {line or learners_line()}")
        if kind == "iterator" and step[0] != "object":
            what = "an iterator"
            self.record.refused = self.record.refused or (
                f"it reads {place.said()}, {what} ({type(value).__name__}): what it gives "
                "changes at every call, which a program cannot follow; pass what it gives "
                f"as arguments, at {line or '?'}")
        if self.deferred is not None:
            self.deferred += new
        elif self.dynamic:
            self._install(new)

    def _found(self, new: list[Place]) -> None:
        """What each new place held first, and how often a number found outside is found."""
        for p in new:
            self.start.setdefault(place_slot(p), p.value)
            if is_number(p):
                self.number_ids[id(p.value)] = self.number_ids.get(id(p.value), 0) + 1

    def held(self, holder: Any, label: str, steps: tuple[tuple[str, Any], ...],
             line: str) -> Place:
        """A place of an object the walk does not look into, found holding a number of
        unknown origin (``held.py``): guarded, or an input, as a root's places are."""
        walk = self.walk
        first = len(walk.places)
        place = walk.held(holder, label, steps)
        new = walk.places[first:]
        self._found(new)
        self.lines.setdefault(walk.holders[id(holder)].key(), line)
        self.lines.setdefault(place.key(), line)  # (its own: a holder guarded at many names,
        if self.dynamic:  # ``Value.tanh`` and ``Value.__add__``, says the one that changed)
            self._install(new)
        return place

    def _install(self, places: list[Place]) -> None:
        """The places that are inputs (``dynamic``) hold a traced number while the capture
        runs; one whose number another place found outside holds too (the very object:
        ``cfg[0] is DEFAULT`` would see a stand-in) is guarded in this capture
        (``aliases.py``); after an op of one's own that runs (``own_ops.built``)."""
        if self.restored:  # (found after the call, guarding what ran by name: a number
            return  # there is guarded, never an input left put in the learner's objects)
        if self.record.in_op:  # (its functions read the number themselves, at every run)
            self.record.after_op += places
            return
        for place in places:
            if place.kind == "number" and type(place.value) not in (Traced, bool) and \
                    place.key() in self.dynamic:  # (a bool stays guarded: ``FLAG is True``)
                if place.key() in self.held_back or place.inherited() or (
                        self.identities and self.number_ids.get(id(place.value), 0) > 1):
                    self.held_back.add(place.key())
                    continue
                traced = self.record.input(place.value, ("place", place.key(), place.said()))
                if place.lent():  # (a class's default: put on the instance for the capture
                    self.lent.add(id(place))  # alone, taken away after: ``restore``)
                place.write(traced, own=True)
                self.installed.append((place, place.value, traced))

    def restore(self) -> None:
        """Put back the numbers installed as inputs (where the function did not write)."""
        self.restored = True
        for place, held, traced in reversed(self.installed):
            if place.read() is traced and id(place) in self.lent:
                place.take_back()  # (an absent attribute stays absent: ``Place.lent``)
            elif place.read() is traced:
                place.write(held, own=True)


def place_slot(place: Place) -> tuple[Any, ...]:
    """A place by the object that holds it (for what held what at the start, and where an
    input was put): a module's global is an item of its dict however it is reached (read by
    the module's code, an attribute of the module walked to, an item of its ``vars()``), one
    slot, so that an input put there through one name is not taken for a write through
    another."""
    step = place.step
    if step[0] == "global":
        return (id(step[1]), ("item", step[2]))
    if place.parent is None:
        return place.key()
    holder = place.parent.value
    if step[0] == "attr" and isinstance(holder, types.ModuleType):
        return (id(vars(holder)), ("item", step[1]))
    return (id(holder), step)
