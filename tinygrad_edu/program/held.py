"""Where a number or a Value of unknown origin is held: a capture that used a number it did
not find among the places it walked (``walk.py``), nor in the code that ran, looks for
that very object (by identity) in every module's globals and one step further: a module's
global read by a name built at run time (``sys.modules[name]``, ``importlib.import_module``,
``__import__``), an installed package's module or the standard library's, ``builtins``; an
item of a dict or a list held by a module (the dict behind a ``MappingProxyType`` too), an
attribute of an object or a class a module holds that a capture does not walk into (the
standard library's, an installed package's, one with its own ``__getattribute__``, one
reached through a ``weakref``); a text turned into a number by ``float()`` (``sys.argv[1]``).
Each is guarded where it is found, as a place like any other (a number changed there is
read at every call from then on).

What is held nowhere a name leads in two steps from a module stays of unknown origin:
``explain()`` lists it with its line (``verify=`` checks).
"""

from __future__ import annotations

import gc
import sys
import types
import weakref
from collections import deque
from itertools import chain
from operator import is_
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.program.explain import unknown_numbers
from tinygrad_edu.program.learners_code import user_code
from tinygrad_edu.program.states import BUDGET, DEPTH, numbers_kept, state_of
from tinygrad_edu.program.traced import value_of

__all__ = ["Unwired", "held_somewhere", "holders", "unwired"]

_OURS = ("tinygrad_edu.program", "tinygrad_edu.engine", "tinygrad_edu.sums")
Found = tuple[Any, str, tuple[tuple[str, Any], ...], Any]
_PLAIN = {types.ModuleType, types.FunctionType, types.BuiltinFunctionType, str, float, int,
          bool, type(None), bytes}


def held_somewhere(tape: Any, outside: Any, record: Any, leaves: list[Any],
                   answer: Any) -> str | None:
    """The numbers, texts (given to ``float()``) and Values a capture used and found nowhere
    outside (``leaves``: the graph's leaves not given; the plain numbers of the ``answer``):
    every place that holds one by name (``holders``), or inside an object of the standard
    library's the walk reached (``held_inside``), is guarded, as a place a walk found is.
    Why the capture is refused, where a number is still of unknown origin and such an object
    holds a number its guard does not keep (``held_inside``): it may come from there, and a
    change there would go unseen (before: ``Q.queue[0]["hp"]["lr"][0] * 2``, changed, the
    program kept the capture's number, silently)."""
    watcher = outside.watcher
    lines: dict[int, str] = {}
    wanted: list[Any] = []
    followed = {id(value_of(t)) for t in [*record.reads, *record.steps]}  # (a followed number
    followed.update(id(value_of(t)) for t, _ in record.constants)  # fixed where it was used)
    for number, node in unknown_numbers(tape, outside, by_value=False):  # (a 1.0 too)
        if id(number) in followed:
            continue
        if type(number) is float or (type(number) is int and not -5 <= number <= 256):
            wanted.append(number)
            lines.setdefault(id(number), record.lines.get(id(node), ""))
    literals = {c for code in watcher.codes for c in code.co_consts if type(c) is str}
    literals.update(p.value for p in outside.walk.places if type(p.value) is str)  # (a
    for text, line in record.texts:  # text guarded by what it says: os.environ's)
        if text not in literals and id(text) not in outside.walk.where:
            wanted.append(text)
            lines.setdefault(id(text), line)
    wanted += [v for v in leaves if id(v) not in outside.walk.where]
    stack = [answer]
    while stack:  # (a plain number it returns, read from outside)
        x = stack.pop()
        if type(x) in (list, tuple, dict):
            stack += list(x.values() if type(x) is dict else x)
        elif type(x) is float and id(x) not in outside.walk.where and id(x) not in followed:
            wanted.append(x)
    inside, cut = held_inside(outside.walk.places, wanted)
    for holder, label, steps, x in [*holders(wanted), *inside]:
        watcher.held(holder, label, steps, lines.get(id(x), ""))
        outside.held.append((holder, label, steps, lines.get(id(x), "")))
        name = vars(holder).get("__name__") if isinstance(holder, types.ModuleType) else None
        if type(name) is str and sys.modules.get(name) is holder:  # (the module a name
            watcher.held(sys.modules, "sys.modules", (("item", name),),  # finds, guarded
                         lines.get(id(x), ""))  # to stay that module: another put under
            # its name, ``sys.modules[RUN["name"]]``, captures again; a64p S9)
    unknown = [(number, node) for number, node in unknown_numbers(tape, outside)
               if type(number) is float]
    if cut and unknown:  # (a number it used may be held past what is kept: refused)
        number, node = unknown[0]
        return (f"it uses {number!r} (at {lines.get(id(number)) or record.lines.get(id(node), '?')}"
                f"), found nowhere a capture guards, and reads {cut[0]}, whose contents are "
                f"kept only {DEPTH} steps deep and {BUDGET} items (past them by identity: a "
                "number changed in place there would go unseen); keep the number where the "
                "function reads it by name (a global, an argument, an attribute of one), or "
                "nearer the top")
    return None


class Unwired(Exception):
    """A capture whose places read at every call (``unwired``'s) are guarded instead: it is
    made again at once, those places guarded from then on (``Compiled.fixed``)."""

    def __init__(self, keys: set[tuple[Any, ...]]) -> None:
        super().__init__(keys)
        self.keys = keys


def unwired(tape: Any, outside: Any) -> set[tuple[Any, ...]]:
    """The places read at every call (inputs: a stand-in put there while the capture ran)
    whose number, the very object they held, the graph used all the same as a constant: the
    function got it by a route that does not pass through the place (a ``queue.Queue``'s
    item three steps down that is one float object with a global ``lr``, found there by
    identity: ``holders``). The input would do nothing and the constant stay unguarded:
    before, ``lr`` changed, the program read it at every call and kept the constant 0.25
    (engine 1.25, program 0.375, silently). Such a place is guarded (each change captured
    again). A literal of the code that ran, and a number another place guarded holds, are
    no such constant."""
    installed = {id(number): place for place, number, _ in outside.watcher.installed
                 if type(number) is float or (type(number) is int and
                                              not -5 <= number <= 256)}
    if not installed:
        return set()
    inputs = {id(p) for p in outside.inputs}
    literals: set[int] = set()
    stack = [c for c in outside.watcher.codes if user_code(c)]
    while stack:
        for c in stack.pop().co_consts:
            if isinstance(c, types.CodeType):
                stack.append(c)
            literals.add(id(c))
    found: set[tuple[Any, ...]] = set()
    for number, _ in tape.origins.values():
        place = installed.get(id(number))
        if place is None or id(number) in literals or id(place) not in inputs:
            continue
        if all(id(p) in inputs for p in outside.walk.where.get(id(number), [])):
            found.add(place.key())
    return found


_DEEP = 16
"""How many steps down ``held_inside`` looks (``states.py`` keeps ``DEPTH``)."""
_SEARCHED = 20_000
"""How many objects ``held_inside`` looks at inside one holder, at most."""


def held_inside(places: list[Any], wanted: list[Any]) -> tuple[list[Found], list[str]]:
    """Where the objects of ``wanted`` are held inside the objects of the standard library's
    a walk reached and does not look into (``"opaque"``: a ``queue.Queue``, a
    ``weakref.WeakKeyDictionary``, a ``PriorityQueue``), through their attributes and the
    items of dicts, lists, tuples and deques, ``_DEEP`` steps down: each ``(holder, its
    name, the steps from it, the object)``, guarded as ``holders``' are. ``states.py`` keeps
    what they hold only ``DEPTH`` steps deep and ``BUDGET`` items: before,
    ``Q.queue[0]["hp"]["lr"][0]`` (four steps) or the 6th item of a 300-item buffer, changed
    in place, was kept (engine (0.375, 1.25), program (0.5, 1.5), silently). Also the
    holders that hold a number their guard does not keep (``states.numbers_kept``) in the
    containers they hold (an attribute's items, and theirs), or that were looked through
    only in part (past ``_SEARCHED`` objects or ``_DEEP`` steps)."""
    ids = {_address(x) for x in wanted if type(x) in (float, int)}
    found: list[Found] = []
    past: list[str] = []
    if not ids:
        return found, past
    for place in places:
        if place.kind != "opaque":
            continue
        stack: list[tuple[Any, tuple[tuple[str, Any], ...]]] = [(place.value, ())]
        seen, left = {id(place.value)}, _SEARCHED
        numbers: list[Any] = []
        while stack:
            x, way = stack.pop()
            left -= 1
            if left < 0 or len(way) >= _DEEP:
                numbers.append(None)  # (looked through in part)
                break
            for step, v in _steps(x):
                if _address(v) in ids:
                    found.append((place.value, place.said(), (*way, step), v))
                if (type(v) is float or (type(v) is int and not -5 <= v <= 256)) and \
                        all(k == "item" for k, _ in way[1:]) and (way or step[0] == "item"):
                    numbers.append(v)  # (in the data it holds, not its workings': a lock's)
                elif type(v) not in _PLAIN and id(v) not in seen:
                    seen.add(id(v))
                    stack.append((v, (*way, step)))
        kept = numbers_kept(state_of(place.value)) if numbers else set()
        if any(n is None or id(n) not in kept for n in numbers):
            past.append(place.said())
    return found, past


def _steps(x: Any) -> list[tuple[tuple[str, Any], Any]]:
    """What ``x`` holds one step down, as a place's steps read it: a dict's items under a
    key, a list's, a tuple's, a deque's; an object's attributes (not one with
    its own ``__getattribute__``, a class, a module, a function, a Value)."""
    kind = type(x)
    try:
        if isinstance(x, dict):
            return [(("item", k), v) for k, v in list(x.items())]  # (a weakref: the key of
            # a ``WeakKeyDictionary``'s ``data``, as a guard reads it)
        if isinstance(x, (list, tuple, deque)):
            return [(("item", k), v) for k, v in enumerate(list(x))]
        if isinstance(x, (type, Value)) or callable(x) or \
                kind.__getattribute__ is not object.__getattribute__:
            return []
        attributes = object.__getattribute__(x, "__dict__")
    except Exception:  # (none, changed as it was read)
        return []
    if type(attributes) is not dict:
        return []
    return [(("attr", k), v) for k, v in list(attributes.items())
            if type(k) is str and not k.startswith("__")]


def holders(wanted: list[Any]) -> list[Found]:
    """Every place that holds an object of ``wanted`` (numbers, texts, Values) by name, as
    said above: ``(holder, its name, the steps from it, the object)``: a module and
    ``(("attr", name),)``, or ``(("attr", name), ("item", key))`` for an item of a dict one
    of its globals holds...; a dict itself where no name leads to it (a view's)."""
    if not wanted:
        return []
    ids = {_address(x) for x in wanted}
    found: dict[tuple[int, int, Any], Found] = {}  # (each holder of each: a literal of a
    # module is one object wherever the module's code uses it)
    sources: list[Within] = []
    modules = list(sys.modules.values())
    modules = list(dict(zip(map(id, modules), modules)).values())  # (os.path: twice)
    if len(_WITHIN) > 2 * len(modules):  # (modules gone from sys.modules: let them go)
        alive = set(map(id, modules))
        for gone in [k for k in _WITHIN if k not in alive]:
            del _WITHIN[gone]
    for module in modules:
        made = _within(module)
        if made is None:
            continue
        now, within, fresh = made
        if not ids.isdisjoint(now):
            _add(found, ids, module, module.__name__, (), "attr", vars(module))
        sources += within
        if fresh:  # (what it holds now joins what is looked through)
            _VIEWS.update((id(w[0]), _view(w[0])) for w in within)
    if len(_VIEWS) > len(sources):  # (held no more: let them go)
        _VIEWS.clear()
        _VIEWS.update((id(w[0]), _view(w[0])) for kept in _WITHIN.values() for w in kept[3])
    hit = _holding(list(_VIEWS.items()), ids)  # (each once: a class many modules import)
    for items, holder, name, way, how in sources if hit else ():
        if id(items) in hit:
            _add(found, ids, holder, name, way, how, items)
    return list(found.values())


_address = object.__hash__
"""An object's address as a key (``object``'s hash of it: the address, its bits turned, one
key for one object, as ``id`` is), which raises no audit event: ``id`` raises one, and once
a capture has added its hook (``outside_calls.audited_once``) each is a call of Python's.
Here that was 120,000 calls at each capture in a process that has imported PyTorch."""


def _holding(views: list[tuple[int, Any]], ids: set[int]) -> set[int]:
    """The keys of ``views`` whose items hold an object of ``ids`` (``_address``'s): all of
    them looked through at once, then the halves of each part that holds one."""
    hit: set[int] = set()
    parts = [views]
    while parts:
        part = parts.pop()
        if ids.isdisjoint(map(_address, chain.from_iterable(view for _, view in part))):
            continue
        if len(part) == 1:
            hit.add(part[0][0])
        else:
            parts += [part[:len(part) // 2], part[len(part) // 2:]]
    return hit


Within = tuple[Any, Any, str, tuple[tuple[str, Any], ...], str]
_WITHIN: dict[int, tuple[Any, tuple[Any, ...], frozenset[int], list[Within]]] = {}
"""id(a module) -> (it, its globals, their addresses (``_address``; a set: ``holders`` asks it
of each wanted object, not each global of every module, at each capture), what they hold:
``_within``)."""
_VIEWS: dict[int, Any] = {}
"""id(a dict, a list or a tuple of ``_WITHIN``) -> a live view of its items (it, or its
values): each once, however many modules hold it (a class: every module importing it)."""


def _view(items: Any) -> Any:
    return items if type(items) in (list, tuple) else items.values()


def _within(module: Any) -> tuple[frozenset[int], list[Within], bool] | None:
    """The ids of a module's globals, and what they hold one step further (each a dict, a
    list, a tuple or an object's attributes, as it is at every call: ``(items, holder,
    name, the steps from the holder to it, "attr" or "item")``), made again (and said so)
    where the module's globals are not the objects they were; None for this package's
    modules, and what is no module."""
    kept = _WITHIN.get(id(module))
    if kept is None or kept[0] is not module:
        if type(module) is not types.ModuleType or \
                getattr(module, "__name__", "").startswith(_OURS):
            return None
    globals_ = vars(module)
    values = globals_.values()
    if kept is not None and kept[0] is module and len(values) == len(kept[1]) and \
            all(map(is_, values, kept[1])):
        return kept[2], kept[3], False
    held = tuple(values)  # (kept: no other object can have the id of one of them)
    now = frozenset(map(_address, held))
    within = []
    standard = module.__name__.partition(".")[0] in sys.stdlib_module_names
    for key, value in list(globals_.items()):
        if type(value) not in _PLAIN and not key.startswith("__") and (
                not standard or type(value) in (dict, list)):  # (the standard library's
            found = _inside(module, value, key)  # classes and objects: not a learner's)
            if found is not None:
                within.append(found)
    _WITHIN[id(module)] = (module, held, now, within)
    return now, within, True


def _add(found: dict[tuple[int, int, Any], Found], ids: set[int], holder: Any, name: str,
         way: tuple[tuple[str, Any], ...], how: str, items: Any) -> None:
    for k, v in list(items.items() if type(items) not in (list, tuple) else enumerate(items)):
        if _address(v) in ids and type(k) in (str, int) and not (type(k) is str and
                                                                  k.startswith("__")):
            steps = (*way, (how, k))
            found.setdefault((id(v), id(holder), steps), (holder, name, steps, v))


def _inside(module: Any, value: Any, name: str) -> Within | None:
    """What a module's global ``value`` (called ``name``) holds: its items, or attributes,
    reached from the module where a name leads there."""
    kind = type(value)
    way: tuple[tuple[str, Any], ...] = (("attr", name),)
    if kind is weakref.ref:
        value = value()
        kind = type(value)
        module, way = value, ()
    if kind is dict or kind is list or kind is tuple:
        return value, module, module.__name__ if way else name, way, "item"
    if kind is types.MappingProxyType:
        inner = [d for d in gc.get_referents(value) if type(d) is dict]
        return (inner[0], inner[0], name, (), "item") if inner else None
    if issubclass(kind, type):  # (the dict behind its mappingproxy: quicker to read)
        inner = [d for d in gc.get_referents(vars(value)) if type(d) is dict]
        return inner[0] if inner else vars(value), module, module.__name__, way, "attr"
    try:
        attributes = object.__getattribute__(value, "__dict__")
    except Exception:  # (none, or a __dict__ of its own making)
        return None
    if type(attributes) is not dict or str(getattr(kind, "__module__", "")).startswith(_OURS):
        return None
    if kind.__getattribute__ is object.__getattribute__:
        return attributes, module, module.__name__ if way else name, way, "attr"
    return attributes, attributes, f"{name}.__dict__", (), "item"
