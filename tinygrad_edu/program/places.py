"""Where a capture finds numbers outside a function's arguments: what a function's code
reads (``code_reads.Reads``: the globals it loads and stores, the closure cells it uses, in
its bytecode), and every place reachable from those (``Walk``: items of lists, tuples, dicts and
sets, an object's attributes through its ``__dict__`` and slots, its class's and the
learner's modules' plain data, the default arguments of the learner's functions and a
``functools.partial``'s arguments, a ``threading.local``'s attributes of the calling thread),
each a ``Place`` that can be read again at a later call. A root may be a global of a
module, a closure cell, an object, or an item of ``sys.modules`` or ``os.environ`` (a module,
a variable's text, reached by name: ``global_name``), or an object ``held.py`` found holding
a number of unknown origin (``Walk.held``). An ``array.array``, a NumPy array and a buffer
(``memoryview``, ``bytearray``, a ctypes number, structure or array) are held by their
numbers (``held``), an object the walk does not look into by what it holds (``states.py``:
guarded at every call). A model of ``nn`` is named first (what its first call does).
What each thing found is taken for, and so how it is walked: ``kinds.py``. ``outside.py``
decides what a capture does with them, ``guards.py`` checks them.
"""

from __future__ import annotations

import builtins
import contextvars
import dataclasses
import functools
import gc
import io
import math
import os
import struct
import sys
import types
from collections.abc import Iterator
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.nn.module import Module
from tinygrad_edu.program import reading
from tinygrad_edu.program.kinds import (
    _MODULES,
    Asked,
    _learners,
    kind_of,
    numbers_of,
    pythons_own,
)
from tinygrad_edu.program.learners_code import learners_file
from tinygrad_edu.program.randomness import followed_draw
from tinygrad_edu.program.states import state_of
from tinygrad_edu.program.traced import Traced

__all__ = ["MISSING", "Place", "Walk", "buffer_of", "function_and_self", "global_name", "item",
           "own", "same_bits", "same_number", "state_of", "walked_key"]

MISSING = object()
"""What a place holds where it holds nothing (a global not made yet, an item taken away)."""
LIMIT = 200_000  # places walked per capture, at most (beyond: said by explain())


# ----------------------------------------------------------------------------- places
class Place:
    """A place a number, a Value or an object was found at, from a root: ``parent`` (the place
    of the object holding it, or None for a root), ``step`` (how it is reached from there:
    ``("global", dict, name)``, ``("cell", cell, name)``, ``("object", obj)`` for a root;
    ``("attr", name)``, ``("item", key)``), ``value`` (what it held), ``kind``."""

    __slots__ = ("children", "held", "index", "kind", "order", "parent", "step", "value",
                 "vector")

    def __init__(self, parent: Place | None, step: tuple[Any, ...], value: Any,
                 kind: str) -> None:
        self.parent, self.step, self.value, self.kind = parent, step, value, kind
        self.children: list[Place] = []
        self.vector = False  # (a list or tuple of Values and numbers: checked at once)
        self.index = -1
        self.held: Any = None  # (a container's length when walked; a set's items too)
        self.order: tuple[Any, ...] | None = None  # (a dict's keys in their order)
        if kind in ("sequence", "dict"):
            self.held = len(value)
            if kind == "dict":
                self.order = tuple(value)
        elif kind == "set":
            self.held = tuple(value)
        elif kind == "value":  # (the learner's names it holds itself: one given it since,
            self.held = reading.own_names(value)  # seen, ``hasattr(p, "frozen")``)
        elif kind == "opaque":  # (what its attributes are: seen to change, by state_of)
            self.held = state_of(value)
        elif kind == "array":  # (its numbers as they were; a buffer's as its bytes)
            held = numbers_of(value)
            self.held = buffer_of(held) if not hasattr(held, "dtype") else \
                held.detach().clone() if hasattr(held, "detach") else held.copy()

    def key(self) -> tuple[Any, ...]:
        """The place's name, the same from one capture to the next."""
        steps: list[Any] = []
        place: Place | None = self
        while place is not None:
            step = place.step
            if step[0] in ("global", "cell", "object"):
                steps.append((step[0], id(step[1]), step[2] if len(step) > 2 else ""))
            else:
                steps.append(step)
            place = place.parent
        return tuple(reversed(steps))

    def said(self) -> str:
        """The place as Python names it: ``model.layers[0].w``, ``cfg.t``, ``lr``."""
        step = self.step
        if step[0] == "global":
            return global_name(id(step[1]), step[2])
        if step[0] == "cell":
            return f"{step[2]} (a closure cell)"
        if step[0] == "object":
            return step[2] if len(step) > 2 and step[2] else type(step[1]).__name__
        parent = self.parent
        if step == ("attr", "__class__"):
            return type(parent.value).__name__ if parent is not None else "?"
        if parent is not None and parent.step == ("attr", "__dict__"):
            base = parent.parent.said() if parent.parent is not None else "?"
            return f"{base.replace(' (a closure cell)', '')}.{step[1]}"
        base = parent.said().replace(" (a closure cell)", "") if parent else "?"
        if step[0] in ("get", "getvalue", "tell"):
            return f"{base}.{step[0]}()"
        if step[0] == "asked":
            return base
        return f"{base}.{step[1]}" if step[0] in ("attr", "own") else f"{base}[{step[1]!r}]"

    def read(self) -> Any:
        """What is at the place now (MISSING where nothing is)."""
        step = self.step
        try:
            if step[0] == "global":
                return step[1].get(step[2], MISSING)
            if step[0] == "cell":
                return step[1].cell_contents
            if step[0] == "object":
                return step[1]
            holder: Any = self.parent.read() if self.parent is not None else MISSING
            if step[0] == "attr":
                return getattr(holder, step[1])
            if step[0] == "own":  # (a class's descriptor itself, not what it gives)
                return own(holder, step[1])
            if step[0] == "get":  # (a ContextVar's number)
                return holder.get(MISSING)
            if step[0] == "getvalue":  # (a stream in memory's text)
                return getvalue(holder)
            if step[0] == "tell":  # (its position)
                return tell(holder)
            if step[0] == "asked":  # (a setting's text)
                return holder.get()
            return item(holder, step[1])
        except (AttributeError, KeyError, IndexError, TypeError, ValueError):
            return MISSING

    def lent(self) -> bool:
        """Whether this is an attribute an instance does not hold itself (its class gives it,
        a mixin, a ``__getattr__``: no ``__dict__`` item, slot or property's setter), where
        a capture's number put (``write(own=True)``) is to be taken away again, not written
        back (``take_back``): else the instance would keep it, shadowing the class's later
        numbers, in the learner's own code too."""
        step, holder = self.step, self.parent.read() if self.parent is not None else MISSING
        if step[0] != "attr" or holder is MISSING or isinstance(holder, type) or \
                not isinstance(getattr(holder, "__dict__", None), dict):
            return False
        try:
            given = own(type(holder), step[1])
        except AttributeError:
            given = None
        return step[1] not in vars(holder) and not hasattr(type(given), "__set__")

    def take_back(self) -> None:
        """The instance's own attribute a capture put here (``lent``) taken away: what its
        class gives is what it reads again, as before the capture."""
        holder = self.parent.read() if self.parent is not None else MISSING
        if holder is not MISSING:
            vars(holder).pop(self.step[1], None)

    def write(self, new: Any, own: bool = False) -> None:
        """Put ``new`` at the place (an attribute of an instance where it holds its own, else
        where its class has it). ``own``: the capture's own write (a number it follows put
        there, and put back), past an instance's ``__setattr__`` of its class's (a frozen
        dataclass's, one that checks what it is given is a float: it is not the learner's
        code that writes)."""
        step = self.step
        if step[0] == "global":
            step[1][step[2]] = new
        elif step[0] == "cell":
            step[1].cell_contents = new
        elif step[0] in ("attr", "own"):
            holder = self.parent.read() if self.parent is not None else None
            owner = holder
            if isinstance(holder, type):  # (where the class or a base holds it)
                owner = next((c for c in holder.__mro__ if step[1] in c.__dict__), holder)
            elif own and isinstance(getattr(type(owner), "__setattr__", None),
                                    types.FunctionType):
                try:
                    object.__setattr__(owner, step[1], new)
                    return
                except TypeError:  # (a class of C's: its own setattr)
                    pass
            setattr(owner, step[1], new)
        elif step[0] == "item":
            holder = self.parent.read() if self.parent is not None else None
            if type(holder) is types.MappingProxyType:  # (written where it is a view of)
                inner = next(d for d in gc.get_referents(holder) if type(d) is dict)
                owner = next((c for c in gc.get_referrers(inner) if isinstance(c, type) and
                              c.__dict__ == holder), None)
                if owner is not None:  # (a class's attributes: set as an attribute)
                    setattr(owner, step[1], new)
                    return
                holder = inner
            if isinstance(holder, (dict, list)) and type(holder) not in (dict, list):
                (dict if isinstance(holder, dict) else list).__setitem__(  # (not its class's)
                    holder, step[1], new)  # type: ignore[index]
            else:
                holder[step[1]] = new  # type: ignore[index]
        elif step[0] == "get":
            holder = self.parent.read() if self.parent is not None else None
            holder.set(new)  # type: ignore[union-attr]


_NAMES: dict[type, list[str]] = {}


def _data_names(x: Any) -> list[str]:
    """As ``_names_of``, once per class for its instances."""
    if isinstance(x, type):
        return _names_of(x)
    kind = type(x)
    found = _NAMES.get(kind)
    if found is None:
        found = _NAMES[kind] = _names_of(x)
    return found if "__dict__" not in found or isinstance(getattr(x, "__dict__", None),
                                                          dict) else found[1:]


def _names_of(x: Any) -> list[str]:
    """The names of an object's plain data: of an instance, its own attributes (its
    ``__dict__``, a dict whose items are its attributes, and its slots) and its class (whose
    attributes it reads where it has none of its own); of a class, its own attributes and
    its bases' that hold data (not methods, properties, descriptors or classes: a callable
object is data, a model or a schedule with ``__call__``, a ``functools.partial``), and
    a dataclass's fields (``__dataclass_fields__``, read by ``dataclasses.fields``: of each
    field, what code can read of it, ``_FIELD_NAMES``)."""
    if type(x) is dataclasses.Field:
        return list(_FIELD_NAMES)
    if not isinstance(x, type):
        names = ["__dict__"] if isinstance(getattr(x, "__dict__", None), dict) else []
        for klass in type(x).__mro__:
            for k, v in list(klass.__dict__.items()):
                if type(v).__name__ == "member_descriptor" and k not in names:
                    names.append(k)  # (a slot)
        if isinstance(x, BaseException):
            names.append("args")  # (what it was raised with: ``LAST_ERROR.args[1]["lr"]``)
        return [*names, "__class__"]
    names = []
    for klass in x.__mro__:
        if klass is object or pythons_own(klass):
            continue
        for k, v in list(klass.__dict__.items()):
            if (k.startswith("__") and k != "__dataclass_fields__") or k in names or ((
                    hasattr(type(v), "__get__") or isinstance(v, type)) and not _holds_own(v)):
                continue  # (methods, properties, slots, classes; not a method holding its
            names.append(k)  # own; an object with a __call__ is data: a model, a partial)
    return names


_FIELD_NAMES = ("default", "default_factory", "metadata")
"""What a dataclass's field holds that code reads after the class is made (its other slots
make the class's methods once)."""


def _holds_own(v: Any) -> bool:
    """Whether a class's method (a function, a ``staticmethod``, a ``classmethod``) is the
    learner's and code set attributes on it (``Model.forward.scale = 0.1``)."""
    inner = getattr(v, "__func__", v) if isinstance(v, (staticmethod, classmethod)) else v
    return _own(inner) and bool(inner.__dict__)


class Walk:
    """Every place reachable from the roots (see the module's docstring), walked once."""

    def __init__(self) -> None:
        self.places: list[Place] = []
        self.where: dict[int, list[Place]] = {}  # id(object) -> its places
        self.seen: set[int] = set()  # (objects walked into: each once)
        self.full = False  # (LIMIT places reached)
        self.refused: list[str] = []
        self.functions: list[types.FunctionType] = []
        self.holders: dict[int, Place] = {}  # (id of an object held: ``held``)

    def root(self, step: tuple[Any, ...], value: Any, into: bool = True) -> Place:
        """The place ``step`` (holding ``value``) and, where ``into``, every place reachable
        from it (else it alone: a library's module an ``import`` in the code gives)."""
        place = Place(None, step, value, kind_of(value) if value is not MISSING else "constant")
        self._add(place)
        if value is not MISSING and into:
            self._into(place)
        return place

    def held(self, holder: Any, label: str, steps: tuple[tuple[str, Any], ...]) -> Place:
        """The place ``steps`` from ``holder`` (an attribute, an item, of what it holds),
        objects this walk does not look into (found holding a number of unknown origin:
        ``held.py``), named ``label``: each on the way checked by identity, the place as
        any other."""
        place = self.holders.get(id(holder))
        if place is None:
            place = self.holders[id(holder)] = Place(None, ("object", holder, label), holder,
                                                     "held")
            self._add(place)
        for k, step in enumerate(steps):
            child = next((c for c in place.children if c.step == step), None)
            if child is None:
                value = Place(place, step, None, "").read()
                child = Place(place, step, value, "held" if k < len(steps) - 1 else
                              kind_of(value) if value is not MISSING else "constant")
                place.children.append(child)
                self._add(child)
                if k == len(steps) - 1:
                    self._into(child)
            place = child
        return place

    def _add(self, place: Place) -> None:
        place.index = len(self.places)
        self.places.append(place)
        self.where.setdefault(id(place.value), []).append(place)
        if len(self.places) >= LIMIT:
            self.full = True

    def _into(self, first: Place) -> None:
        stack = [first]
        while stack and not self.full:
            place = stack.pop()
            x, kind = place.value, place.kind
            if kind == "function" and isinstance(x, types.FunctionType):
                self.functions.append(x)
            if kind == "value" and id(x) not in self.seen and (
                    reading.attributes_of(x) or self._class_of(x) is not None):
                pass  # (what code set on a Value, w.lr_mult: walked as attributes are)
            elif kind in ("number", "constant", "value", "array", "opaque", "generator",
                          "iterator", "held") or id(x) in self.seen or (
                    kind == "function" and not has_given(x) and not _own(x)):
                continue
            if kind == "module" and not _learners(x) and not (
                    place.parent is None and place.step[1] is _MODULES):
                continue  # (a module reached by its name is the learner's to read)
            if kind == "class" and not _learners_class(x):
                continue
            self.seen.add(id(x))
            if kind == "object" and isinstance(x, Module) and "_children_named" not in vars(x):
                x._name_children()  # (what its first call does: not a change the guards see)
            children = list(self._children(place))
            place.vector = kind == "sequence" and bool(children) and all(
                c.kind in ("value", "number") for c in children)
            place.children = children
            for child in children:
                self._add(child)
            stack += reversed(children)

    def _children(self, place: Place) -> Iterator[Place]:
        x, kind = place.value, place.kind
        if kind == "value":
            for name, held in reading.attributes_of(x).items():
                yield Place(place, ("attr", name), held, kind_of(held))
            klass = self._class_of(x)
            if klass is not None:  # (a subclass of Value, walked as a class: a schedule
                yield Place(place, ("attr", "__class__"), klass, "class")  # object or a
                # descriptor of its own, a name added later: ``getattr(type(p), "wd", 0.1)``)
        elif kind in ("sequence", "dict"):
            for k, item in enumerate(list(x)) if kind == "sequence" else list(x.items()):
                if kind == "sequence" or walked_key(k):
                    yield Place(place, ("item", k), item, kind_of(item))
            if (isinstance(x, (list, dict)) and type(x) not in (list, dict)) or (
                    type(x) is not tuple and isinstance(x, tuple) and  # (its own class:
                    isinstance(getattr(x, "__dict__", None), dict)):  # ``self.scale`` too)
                yield from self._attributes(place, x, "object")
        elif kind == "set":
            return  # (a set of Values is read in an order of its own: by identity, as a whole)
        elif type(x) is contextvars.ContextVar:
            held = x.get(MISSING)
            yield Place(place, ("get",), held, kind_of(held) if held is not MISSING else
                        "constant")
        elif type(x) is Asked:  # (a setting asked for: what it says now)
            yield Place(place, ("asked",), x.get(), "constant")
        elif isinstance(x, (io.StringIO, io.BytesIO)):  # (a text in memory: ``getvalue()``,
            yield Place(place, ("getvalue",), getvalue(x), "constant")  # ``getbuffer()``)
            yield Place(place, ("tell",), tell(x), "constant")  # (its position: ``tell()``)
            yield from self._attributes(place, x, kind)
        elif kind == "method":
            if not followed_draw(x):  # (``from random import gauss``: followed, its draws)
                yield Place(place, ("attr", "__self__"), x.__self__, kind_of(x.__self__))
                if _own(x.__func__) and x.__func__.__dict__:  # (``self.forward.scale``)
                    yield Place(place, ("attr", "__func__"), x.__func__, "function")
        elif kind == "function":  # (what it was given: defaults, a partial's arguments;
            for name in (("func", "args", "keywords") if isinstance(x, functools.partial)
                         else ("__defaults__", "__kwdefaults__")):  # what code set on it:
                item = getattr(x, name)  # ``step.calls``)
                if item is not None:
                    yield Place(place, ("attr", name), item, kind_of(item))
            if _own(x) or (isinstance(x, functools.partial) and x.__dict__):  # (a dict
                yield Place(place, ("attr", "__dict__"), x.__dict__, "dict")  # whose items
                # are its attributes, as an object's; a partial's too: ``step.cfg``)
        else:  # an object, a class, a module of the learner's (its data: no __builtins__)
            if kind == "class":  # (a descriptor of the learner's holding its own numbers:
                for name, held in _descriptors(x):  # ``opt.lr`` from a ``__get__``)
                    yield Place(place, ("own", name), held, "object")
            yield from self._attributes(place, x, kind)

    def _class_of(self, x: Any) -> type | None:
        """A Value's class where it is a subclass of Value not walked yet (else None)."""
        klass = type(x)
        return None if klass is Value or id(klass) in self.seen or \
            not _learners_class(klass) else klass

    def _attributes(self, place: Place, x: Any, kind: str) -> Iterator[Place]:
        names = _data_names(x) if kind != "module" else [
            n for n in list(vars(x)) if not n.startswith("__")]
        for name in names:
            try:
                item = getattr(x, name)
            except AttributeError:  # (a slot not set: guarded to stay so)
                if kind == "object" and name != "__dict__":
                    yield Place(place, ("attr", name), MISSING, "constant")
                continue
            except Exception:  # (a lazy attribute)
                continue
            item_kind = kind_of(item)
            if kind == "module" and item_kind in ("module", "class", "function"):
                continue
            yield Place(place, ("attr", name), item, item_kind)


def _learners_class(x: type) -> bool:
    """Whether a class is walked into: not Python's own, nor a module's but the learner's
    (one of ``builtins`` and not Python's own: exec'd, the learner's)."""
    return not pythons_own(x) and not (x.__module__ in sys.modules and
                                       x.__module__ != "builtins" and
                                       not _learners(sys.modules[x.__module__]))


def _descriptors(cls: type) -> list[tuple[str, Any]]:
    """A class's descriptors that are objects of the learner's (a ``__get__`` of a class of
    its own: their attributes are numbers it gives)."""
    found: dict[str, Any] = {}
    for klass in cls.__mro__:
        for k, v in list(klass.__dict__.items()):
            if k not in found and hasattr(type(v), "__get__") and not callable(v) and \
                    kind_of(v) == "object" and not isinstance(v, type):
                found[k] = v
    return list(found.items())


def walked_key(key: Any) -> bool:
    """Whether a dict's item under ``key`` is a place of its own: every key (a text, a
    number, a tuple, an object: ``cfg[(0, 1)]``, ``cfg[1.5]``, ``cfg[Phase.TRAIN]``) but a
    number the capture follows, that the function put there (put back as its plain number
    once it returned: ``left.unleak``)."""
    return not isinstance(key, Traced)


def item(holder: Any, key: Any) -> Any:
    """``holder[key]`` as its list, dict or tuple holds it: not through a class's own
    ``__getitem__`` or ``__missing__`` (a ``defaultdict`` read here is not filled)."""
    bases: tuple[Any, ...] = (dict, list, tuple)
    base = next((b for b in bases if isinstance(holder, b)), None) if type(holder) not in bases \
        else None
    return base.__getitem__(holder, key) if base is not None else holder[key]


def getvalue(stream: Any) -> Any:
    """What an ``io.StringIO`` or ``io.BytesIO`` holds (``getvalue()``, ``getbuffer()`` and
    every read give it; MISSING once closed)."""
    try:
        own_class = io.StringIO if isinstance(stream, io.StringIO) else io.BytesIO
        return own_class.getvalue(stream)  # (io's own, not a subclass's)
    except ValueError:
        return MISSING


def tell(stream: Any) -> Any:
    """Where an ``io.StringIO`` or ``io.BytesIO`` is (``tell()``: moved by ``seek()``, by a
    write or a read outside; MISSING once closed)."""
    try:
        own_class = io.StringIO if isinstance(stream, io.StringIO) else io.BytesIO
        return own_class.tell(stream)  # (io's own, not a subclass's)
    except ValueError:
        return MISSING


def own(cls: Any, name: str) -> Any:
    """What a class (or its first base that has it) holds as ``name``, not what it gives."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    raise AttributeError(name)


def global_name(holder: int, name: Any) -> str:
    """A root reached by name in ``holder`` (its id) as Python says it: ``lr``,
    ``sys.modules['config']``, ``os.environ['LR']``, ``os.environb[b'LR']``."""
    if holder == id(_MODULES):
        return f"sys.modules[{name!r}]"
    if holder == id(vars(builtins)):
        return f"builtins.{name}"
    if holder == id(os.environ):
        return f"os.environ[{name!r}]"
    if holder == id(getattr(os, "environb", None)):
        return f"os.environb[{name!r}]"
    return str(name)


def has_given(function: Any) -> bool:
    """Whether a function holds numbers it was given: the learner's function with default
    arguments (``def step(x, lr=0.1)``), a ``functools.partial``."""
    if isinstance(function, functools.partial):
        return True
    return isinstance(function, types.FunctionType) and learners_file(
        function.__code__.co_filename) and bool(function.__defaults__ or
                                                function.__kwdefaults__)


def _own(function: Any) -> bool:
    """Whether ``function`` is the learner's (code may set attributes on it: ``f.calls``)."""
    return isinstance(function, types.FunctionType) and learners_file(
        function.__code__.co_filename)




def buffer_of(x: Any) -> tuple[str, bytes]:
    """What a buffer holds (an ``array.array``, a ``bytearray``, a ``memoryview``, a ctypes
    number or array): its type code (an array's) and its bytes (empty where released)."""
    try:
        return getattr(x, "typecode", ""), memoryview(x).tobytes()
    except ValueError:  # (a view released)
        return "", b""


def same_number(a: Any, b: Any) -> bool:
    """The very same number: of the same type and bits (NaN as NaN, -0.0 not 0.0). Two
    exist because they compare different things: this one a program's own numbers (its
    "same" step, native's G_SAME: new objects at every run, so any NaN is the same NaN),
    ``same_bits`` a number held outside with the one its guard kept (the very NaN object:
    Python's ``in`` and ``is`` tell NaNs apart by identity)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (a != a and b != b)
    return bool(a == b)


def same_bits(a: Any, b: Any) -> bool:
    """The very same number held outside, as its guard compares it: of the same type and
    bits (-0.0 not 0.0; a NumPy scalar by its bytes), a NaN the very same object (Python's
    ``in``, ``count``, ``index`` and ``is`` find a NaN by its identity alone: another NaN of
    the same bits is not in the list that holds the first)."""
    if type(a) is not type(b):
        return False
    if a != a:  # (a NaN)
        return a is b
    if type(a) is float:
        return _DOUBLE(a) == _DOUBLE(b)
    if hasattr(a, "tobytes") and hasattr(a, "dtype"):
        return bool(a.tobytes() == b.tobytes())
    return bool(a == b)


_DOUBLE = struct.Struct("<d").pack


def length(x: Any) -> int:
    try:
        return len(x)
    except TypeError:
        return -1


def function_and_self(function: Any) -> tuple[types.FunctionType | None, Any]:
    """The function whose code runs first, and the object it is bound to (a method's
    ``self``, a callable object), if any."""
    if isinstance(function, types.MethodType):
        inner = function.__func__
        return (inner if isinstance(inner, types.FunctionType) else None), function.__self__
    if isinstance(function, types.FunctionType):
        return function, None
    call = next((k.__dict__["__call__"] for k in type(function).__mro__
                 if "__call__" in k.__dict__), None) if callable(function) else None
    # (a class's own __call__ or one it inherits: a Module's, for MLP)
    if isinstance(call, types.FunctionType):
        return call, function
    return None, None
