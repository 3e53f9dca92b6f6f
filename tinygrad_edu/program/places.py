"""Where a capture finds numbers outside a function's arguments, and how it reads them again:
each a ``Place``, reached from a root (a global of a module, a closure cell, an object, or an
item of ``sys.modules`` or ``os.environ``: a module, a variable's text, reached by name:
``global_name``) by steps (an attribute, an item, a class's descriptor itself, a
``ContextVar``'s number, a stream's text), read again at a later call (``Place.read``), said
as Python names it (``Place.said``) and written (``Place.write``: a number a capture follows
put there, and put back). An ``array.array``, a NumPy array and a buffer (``memoryview``,
``bytearray``, a ctypes number, structure or array) are held by their numbers (``held``), an
object the walk does not look into by what it holds (``states.py``: guarded at every call);
numbers held outside are compared to the bit (``same_bits``). How the places are found from
the roots: ``walk.py``. ``outside.py`` decides what a capture does with them, ``guards.py``
checks them.
"""

from __future__ import annotations

import builtins
import functools
import gc
import io
import math
import os
import struct
import types
from collections.abc import Iterator
from typing import Any, cast

from tinygrad_edu.program import reading
from tinygrad_edu.program.class_names import added_to
from tinygrad_edu.program.kinds import _MODULES, numbers_of
from tinygrad_edu.program.learners_objects import pythons_own
from tinygrad_edu.program.states import state_of
from tinygrad_edu.program.traced import Traced

__all__ = ["FREED", "MISSING", "Freed", "Place", "buffer_of", "deref", "function_and_self",
           "global_name", "item", "own", "same_bits", "same_number", "state_of", "walked_key"]

MISSING = object()
"""What a place holds where it holds nothing (a global not made yet, an item taken away)."""
FREED = object()
"""What a place of kind ``"freed"`` holds for the ``weakref.proxy`` found there, whose object
was freed (``kinds.kind_of``): no other look at the place sees the proxy, which raises
ReferenceError at an ``isinstance`` (before, a capture crashed with it from inside this
package, in any of a dozen modules); the capture refuses it, and stops there, before any
other look at what holds it (``rooted.Rooted._root``: ``Freed``)."""


class Freed(Exception):
    """A capture stopped where its walk found a freed ``weakref.proxy`` (``FREED``): why it is
    refused, said with the learner's line."""


# ----------------------------------------------------------------------------- places
class Place:
    """A place a number, a Value or an object was found at, from a root: ``parent`` (the place
    of the object holding it, or None for a root), ``step`` (how it is reached from there:
    ``("global", dict, name)``, ``("cell", cell, name)``, ``("object", obj)`` for a root;
    ``("attr", name)``, ``("item", key)``), ``value`` (what it held), ``kind``."""

    __slots__ = ("children", "held", "index", "itself", "kind", "made", "order", "parent",
                 "step", "value", "vector")

    def __init__(self, parent: Place | None, step: tuple[Any, ...], value: Any,
                 kind: str) -> None:
        self.parent, self.step, self.kind = parent, step, kind
        self.value: Any = value if kind != "freed" else FREED
        self.children: list[Place] = []
        self.vector = False  # (a list or tuple of Values and numbers: checked at once)
        self.index = -1
        self.held: Any = None  # (a container's length when walked; a set's items too)
        self.made: tuple[Any, ...] | None = None  # (a Value's fields: ``reading.as_made``)
        self.order: tuple[Any, ...] | None = None  # (a dict's keys in their order)
        self.itself: bool | None = None  # (a class's number written in the call: on the
        # class itself after it, ``cls.step += 1``, or through a base, ``Base.decay *= 0.5``)
        if kind in ("sequence", "dict"):
            self.held = len(value)
            if kind == "dict":
                self.order = tuple(value)
        elif kind == "set":
            self.held = tuple(value)
        elif kind == "value":  # (the learner's names it holds itself: one given it since,
            self.held = reading.own_names(value)  # seen, ``hasattr(p, "frozen")``)
            self.made = reading.as_made(value)  # (its fields as found: set in the call, seen)
        elif kind in ("class", "module"):  # (the names it holds as the call starts: a
            self.held = [names_held(value)]  # name the call gives it is a name added,
            self.order = tuple(names_of(value))  # ``guards``)
        elif kind in ("opaque", "generator"):
            self.held = state_of(value)  # (what its attributes are: seen to change; a
            # generator's state, drawn from outside between calls, by state_of)
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
        if step[0] == "deref":
            return f"{base}()"
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
            if step[0] == "deref":  # (what a weak reference refers to, while it lives)
                return deref(holder)
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

    def inherited(self) -> bool:
        """Whether this is a class's number that a base holds (``LAYER.__class__.scale``,
        ``scale`` set on ``Base``): another subclass's objects read the very number
        (``m.scale`` of a ``Model``), so no input stands for it, which each of them would
        meet (the input of ``Layer.scale`` then gave ``m.scale`` too, once the learner set
        ``Layer.scale`` alone: engine 0.875, program 0.2625, silently, an attacker's a64
        F1); put on the subclass instead, the code's own reads and writes through the base
        in the call miss it (a64d F1-F3). It stays guarded: each change, captured again."""
        step, holder = self.step, self.parent.read() if self.parent is not None else MISSING
        return step[0] == "attr" and isinstance(holder, type) and \
            step[1] not in vars(holder) and any(step[1] in vars(base)
                                                for base in holder.__mro__[1:])

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
            if isinstance(holder, type) and (own or step[0] == "own" or not self.itself):
                owner = next((c for c in holder.__mro__ if step[1] in c.__dict__), holder)
                # (where the class or a base holds it; the learner's write that left it on
                # the class itself, ``cls.step += 1``, replayed there, as Python's: on a
                # base, another subclass's number, an attacker's a64b F1)
            elif type(holder) is functools.partial and step[1] == "func":  # (read-only:
                state = (new, holder.args, holder.keywords, holder.__dict__ or None)  # its
                cast(Any, holder).__setstate__(state)  # state set, ``RELU.func is max``)
                return
            elif own and isinstance(getattr(type(owner), "__setattr__", None),
                                    types.FunctionType):
                try:
                    object.__setattr__(owner, step[1], new)
                    return
                except TypeError:  # (a class of C's: its own setattr)
                    pass
            if own and isinstance(owner, type) and isinstance(  # (past a metaclass's own
                    getattr(type(owner), "__setattr__", None), types.FunctionType):  # that
                type.__setattr__(owner, step[1], new)  # logs or checks: not the learner's
                return  # code that writes, a64d F5)
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


def deref(ref: Any) -> Any:
    """What the weak reference ``ref`` refers to (MISSING once it is gone)."""
    held = ref()
    return MISSING if held is None else held


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


def names_held(x: Any) -> Any:
    """How many names a module holds, or a class and each of its bases (not Python's own):
    what tells a name added since, that was missing when the function fell back on it
    (``getattr(Config, "decay", 1.0)``, ``hasattr(opt, "lr")``, a property added later).
    The names a running capture added to a class (Value's ``_scope``...) are not counted:
    a class's are taken as a call starts (``Place``), while one runs."""
    if not isinstance(x, type):
        return len(vars(x))
    return tuple(len(c.__dict__) - len(added_to(c)) for c in x.__mro__ if not pythons_own(c))


def names_of(x: Any) -> Iterator[str]:
    """The names ``names_held`` counts."""
    for held in [x] if not isinstance(x, type) else [
            c for c in x.__mro__ if not pythons_own(c)]:
        added = added_to(held) if isinstance(held, type) else ()
        yield from [name for name in list(vars(held)) if name not in added]
