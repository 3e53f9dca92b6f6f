"""What a capture found outside the arguments, once the function returned (``Outside``): the
places the watcher walked (``outside.py``), the numbers the function wrote there, and what it
changed that a program does not change again (see ``outside.py``'s docstring for the whole).
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from tinygrad_edu.program.guards import (
    changed,
    checks,
    item_of,
    names_in_order,
    same_array,
    same_names,
    stands_for,
)
from tinygrad_edu.program.left import plain_at, unleak
from tinygrad_edu.program.outside import Watcher
from tinygrad_edu.program.places import (
    MISSING,
    Place,
    length,
    same_bits,
    same_number,
    state_of,
)
from tinygrad_edu.program.reading import own_names
from tinygrad_edu.program.rooted import place_slot
from tinygrad_edu.program.states import exact_keys, let_go
from tinygrad_edu.program.traced import Recording, Traced
from tinygrad_edu.program.walk import Walk

__all__ = ["Outside"]


class Outside:
    """What a capture found outside the arguments, once the function returned: every place
    (``walk``), the guards and inputs as one function (``check``: see ``_checks``), the
    numbers the function wrote (``writes``: a program writes them again), and what was
    refused or said (into the recording)."""

    def __init__(self, watcher: Watcher, record: Recording) -> None:
        self.watcher = watcher
        self.walk = watcher.walk  # (as it was: what the guards check)
        self.writes: list[tuple[Place, Any]] = []  # (place, a Traced or a plain number)
        self.changed: list[str] = []  # (what it changed that a program does not change again)
        self._changes(record)
        self.inputs: list[Place] = [p for p in self.walk.places if p.key() in watcher.dynamic
                                    and p.kind == "number" and type(p.value) is not bool
                                    and p.key() not in watcher.held_back]
        self.identities = watcher.identities or record.identities  # (``aliases.py``)
        self.taken_whole = record.taken_whole  # (``vars(HP)``: its names' order)
        self.numbers: list[Place] = []  # (the numbers outside one object checked at once)
        self.pattern: tuple[int, ...] = ()  # (which of them were one object: ``aliases``)
        self.by_identity = ""  # (why the last failed check failed, where it is identity)
        self.check: Callable[[], Any] = lambda: (-1, ())
        self.text = ""
        self.chains: list[list[tuple[Place, str]]] = []
        self.failed: Place | None = None  # (the place the last failed check found changed)
        self.held: list[tuple[Any, str, tuple[Any, ...], str]] = []  # (``held.py``'s)
        for place in self.walk.places:  # (the learner's objects inside walked too: theirs)
            if place.kind == "opaque":
                let_go(place.held, self.walk.seen)
        self.stateful = [p for p in self.walk.places if p.kind == "opaque" and
                         p.held is not None and state_of(p.value) != p.held]
        for place in self.stateful:  # (an object it changed that a capture cannot walk)
            self.changed.append(place.said())
            record.effect(f"it changes {place.said()} ({type(place.value).__name__}), which a "
                          "program does not change again: it is captured again while it does",
                          line=False)

    def exact(self, chain: int) -> bool:
        """A chain of checks that failed, again one place at a time (a number by its value,
        not its identity): whether one of them truly fails (then ``failed`` says which)."""
        for place, what in self.chains[chain]:
            now = place.read()
            if what == "is":
                then = place.held() if isinstance(place.held, weakref.ref) and \
                    place.value is MISSING else place.value  # (held weakly: ``guards.py``)
                ok = (now is then and then is not None) or (
                    place.kind in ("number", "constant") and same_bits(now, then))
            elif what.startswith("len"):
                ok = length(now) == int(what.split()[1])
            elif what == "state":
                ok = state_of(now) == place.held
            elif what == "names":
                ok = same_names(place, now)
            elif what == "names in order":
                ok = names_in_order(now) == place.order
            elif what == "own names":  # (a Value's: ``reading.own_names``)
                ok = own_names(now) == place.held
            elif what == "order":
                ok = isinstance(now, (dict, MappingProxyType)) and \
                    exact_keys(now) == exact_keys(place.order)  # (a class's, a field's view)
            elif what == "items" and place.kind == "sequence":
                for child in place.children:  # (the item that changed: a number, an input
                    if not (item_of(now, child) is child.value or (  # from then on)
                            child.kind == "number" and same_bits(item_of(now, child),
                                                                  child.value))):
                        self.failed = child
                        return True
                ok = True
            elif what == "items":
                ok = all(map(operator.is_, now, place.held))
            else:
                ok = same_array(now, place.held)
            if not ok:
                self.failed = place
                return True
        return False

    def aliased(self, now: tuple[int, ...]) -> int:
        """The numbers outside (``numbers``) are not one object where they were, or are one
        where they were not (``now``, as ``aliases.pattern`` gives): which, said (``failed``
        that place; no input for that, its number may be the same)."""
        then = self.pattern
        k = next(k for k, (a, b) in enumerate(zip(now, then)) if a != b)
        place, other = self.numbers[k], self.numbers[min(now[k], then[k])]
        self.failed = place
        self.by_identity = (f"{_said(place)} is {'now' if now[k] < k else 'no longer'} the "
                            f"very object {_said(other)} holds, and the code tests numbers "
                            "by identity (`is`)")
        return 0

    def guard(self, graph_values: set[int]) -> None:
        """The guards and inputs, once the graph's Values are known (``_checks``)."""
        self.check, self.text = checks(self, graph_values)

    def _changes(self, record: Recording) -> None:
        """What the function changed outside (see the module's docstring); a followed
        number it left there is put back as its plain number (nothing of the capture
        leaks)."""
        start = self.watcher.start
        installed = {id(t) for _, _, t in self.watcher.installed}
        own = {place_slot(p): id(t) for p, _, t in self.watcher.installed}  # (where each was put)
        said: set[int] = set()
        replayed: set[tuple[Any, ...]] = set()  # (items whose numbers a program writes)
        held = {id(p.value): p.held for p in self.walk.places if p.held is not None}
        end = Walk()  # (as it is now)
        for key, step in self.watcher.roots.items():
            end.root(step, step[1] if step[0] == "object" else
                     Place(None, step, None, "").read(), key not in self.watcher.shallow)
        for place in end.places:
            now = place.value
            if isinstance(now, Traced) and id(now) in installed:  # (an input it moved: a
                plain_at(place)  # deque it took from, a list it sorted)
            before = start.get(place_slot(place), MISSING)
            if isinstance(now, Traced) and id(now) in installed and own.get(
                    place_slot(place)) != id(now):  # (an input moved here: ``xs.reverse()``,
                self.writes.append((place, now))  # written again as the number it holds)
                replayed.add(place_slot(place))
                continue
            if now is before or id(now) in installed or _through_weak(place) or (
                    type(now) is str and same_number(now, before)) or \
                    stands_for(now, before) or stands_for(before, now):  # (a text read anew;
                continue  # Python's function, or another thread's capture's stand-in for it;
                # what a weak reference reaches, and what that holds, not written there: a
                # WeakMethod's is a new bound method at each call, taken for a write, a64s)
            parent = place.parent
            if parent is not None and place_slot(parent) not in start:  # (inside something new)
                plain_at(place)
                continue
            in_container = parent is not None and parent.kind in ("sequence", "dict", "set") \
                and parent.step != ("attr", "__dict__")  # (an object's: its attributes)
            if in_container and before is MISSING:  # (an item added: said below)
                plain_at(place)
                continue
            if place.kind in ("number", "constant") or now is MISSING:
                if now is not MISSING:
                    if place.step[0] == "attr" and parent is not None and \
                            isinstance(parent.value, type):  # (replayed on the class itself
                        place.itself = place.step[1] in vars(parent.value)  # or its base)
                    self.writes.append((place, now))
                    replayed.add(place_slot(place))
                    plain_at(place)
                continue
            if in_container:
                continue
            name = place.step[2] if place.step[0] in ("global", "cell") else place.step[1]
            root = place
            while root.parent is not None:  # (else the line that read where it is)
                root = root.parent
            where = self.watcher.stores.get(name) or self.watcher.lines.get(root.key()) or "?"
            record.refuse(f"it writes {type(now).__name__} to {place.said()} (a program "
                          f"writes numbers only), at {where}; return it instead")
        unleaked: set[int] = set()
        for place in end.places:  # (an item no place names: under a followed key)
            if place.kind in ("sequence", "dict", "set"):
                unleak(place.value, unleaked)
        for place in end.places:
            if place.kind == "array" and id(place.value) not in said and id(
                    place.value) in held and not same_array(place.value, held[id(place.value)]):
                said.add(id(place.value))  # (``OUT[0] = loss.data`` into an array held
                self.changed.append(place.said())  # outside: done at the capture only, and
                record.effect(f"it changes the numbers of {place.said()} (a program does not "
                              "change them again: return the numbers instead)", line=False)
                continue  # unseen where the caller set it back before a call, issue 64)
            if place.kind not in ("sequence", "dict", "set") or id(place.value) in said or \
                    place.step == ("attr", "__dict__"):
                continue
            before = start.get(place_slot(place), MISSING)
            if before is place.value and changed(place, start, held.get(id(place.value)),
                                                  replayed):
                said.add(id(place.value))
                self.changed.append(place.said())
                record.effect(f"it changes {place.said()} (a program does not change it "
                              "again: do it outside the compiled function)", line=False)


def _said(place: Place) -> str:
    """A number found outside as Python names it (a Value's: ``w.data``)."""
    return f"{place.said()}.data" if place.kind == "value" else place.said()


def _through_weak(place: Place) -> bool:
    """Whether ``place`` is reached through a weak reference (``R()``, ``M().__self__``)."""
    while place is not None:
        if place.step[0] == "deref":
            return True
        place = place.parent  # type: ignore[assignment]
    return False
