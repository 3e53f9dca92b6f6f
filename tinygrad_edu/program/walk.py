"""How a capture finds the places outside a function's arguments (``Walk``): from each root
(a global, a closure cell, an object; ``places.Place``), every place reachable, walked once:
items of lists, tuples, dicts and sets, an object's attributes through its ``__dict__`` and
slots, its class's and the learner's modules' plain data (``_names_of``: what of a class is
data, not a method), the default arguments of the learner's functions and a
``functools.partial``'s arguments, a ``threading.local``'s attributes of the calling thread,
a subclass of Value's class; and the places ``held.py`` found holding a number of unknown
origin (``Walk.held``). What each thing found is taken for, and so how it is walked:
``kinds.py``. What a place is, and how it is read and written again: ``places.py``.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import io
import sys
import types
import weakref
from collections.abc import Iterator
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.nn.module import Module
from tinygrad_edu.program import reading
from tinygrad_edu.program.kinds import _MODULES, Asked, gradient_held, kind_of
from tinygrad_edu.program.learners_code import learners_file
from tinygrad_edu.program.learners_objects import _learners, pythons_own
from tinygrad_edu.program.numpy_numbers import ndarray_subclass
from tinygrad_edu.program.places import (
    MISSING,
    Place,
    getvalue,
    tell,
    walked_key,
)
from tinygrad_edu.program.randomness import followed_draw

__all__ = ["Walk", "has_given"]

LIMIT = 200_000  # places walked per capture, at most (beyond: said by explain())


_NAMES: dict[type, list[str]] = {}


_PROXY = (weakref.ProxyType, weakref.CallableProxyType)
_WEAK = (weakref.ref, weakref.WeakValueDictionary, *_PROXY)


def _data_names(x: Any) -> list[str]:
    """As ``_names_of``, once per class for its instances."""
    kind = type(x)
    if isinstance(x, type) or kind in _PROXY:  # (a proxy's: its referent's, each its own)
        return _names_of(x)
    found = _NAMES.get(kind)
    if found is None:
        found = _NAMES[kind] = _names_of(x)
    return found if "__dict__" not in found or isinstance(getattr(x, "__dict__", None),
                                                          dict) else found[1:]


def _names_of(x: Any) -> list[str]:
    """The names of an object's plain data: of an instance, its own attributes (its
    ``__dict__``, a dict whose items are its attributes, and its slots) and its class (whose
    attributes it reads where it has none of its own); of a class, its own attributes and
    its bases' that hold data (not methods, properties or other descriptors: a callable
    object is data, a model or a schedule with ``__call__``, a ``functools.partial``; so is a
    class, ``act = Tanh``, guarded by identity: rebound, captured again), and
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
            if (k.startswith("__") and k != "__dataclass_fields__") or k in names or v is \
                    type or (hasattr(type(v), "__get__") and not _holds_own(v) and
                             not isinstance(v, functools.partial)):
                continue  # (methods, properties, slots, type; not a method holding its own;
            names.append(k)  # an object with a __call__ is data, a model, a partial (whose
            # __get__, 3.13's, gives itself); a class)
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
            elif kind in ("number", "constant", "value", "generator", "iterator", "held",
                          "freed") or \
                    (kind == "opaque" and not isinstance(x, _WEAK)) or (
                        kind == "array" and not gradient_held(x) and
                                      not _tensor_with_more(x)) or \
                    id(x) in self.seen or (
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
        elif kind == "array":  # (a tensor's gradient: a new ``backward()`` rebinds it or
            if gradient_held(x):  # adds into it, read inside as ``T.grad``: a place of its
                grad = x.grad  # own)
                yield Place(place, ("attr", "grad"), grad, kind_of(grad))
            if _tensor_with_more(x):  # (what code set on a tensor, ``p.lr_mult``, its
                yield from self._attributes(place, x, "object")  # flag, its class's)
                if _torch_tensor(type(x)):
                    yield Place(place, ("attr", "requires_grad"), x.requires_grad, "constant")
                klass = type(x)
                if id(klass) not in self.seen and _learners_class(klass):
                    yield Place(place, ("attr", "__class__"), klass, "class")
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
        elif type(x) in _PROXY:  # (``child.parent = weakref.proxy(parent)``: the
            yield from self._attributes(place, x, "object")  # attributes it reaches)
        elif isinstance(x, weakref.ref):  # (``BREF().p``: what it refers to, walked as held
            held = x()  # by a name; before, a Value past it was found at build only, after
            if held is not None:  # the function's writes: a64o S9)
                yield Place(place, ("deref",), held, kind_of(held))
        elif type(x) is weakref.WeakValueDictionary:  # (a registry of layers, ``REG["p"]``)
            for k in list(x.keys()):
                held = x.get(k)
                if walked_key(k) and held is not None:
                    yield Place(place, ("item", k), held, kind_of(held))
        elif kind == "method":
            if not followed_draw(x):  # (``from random import gauss``: followed, its draws)
                yield Place(place, ("attr", "__self__"), x.__self__, kind_of(x.__self__))
                if _own(x.__func__) and (x.__func__.__dict__ or has_given(x.__func__)):
                    # (``self.forward.scale``; its defaults, ``FWD = layer.fwd`` held, then
                    # ``Layer.fwd.__defaults__`` changed: a64f F2)
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
                new = getattr(x, "__new__", None)  # (a named tuple's defaults are its
                if issubclass(x, tuple) and hasattr(x, "_fields") and \
                        isinstance(new, types.FunctionType) and new.__defaults__:  # __new__'s:
                    yield Place(place, ("attr", "__new__"), new, "function")  # a64k S8)
                if _has_learners_bases(x):  # (a base's number it overrides, ``super().scale``: the
                    yield Place(place, ("attr", "__bases__"), x.__bases__, "sequence")  # base
                    # walked too, its numbers guarded; before, not: a64d F4)
                meta = type(x)  # (its metaclass where it is the learner's, walked as a class:
                if meta is not type and id(meta) not in self.seen and _learners_class(meta):
                    yield Place(place, ("attr", "__class__"), meta, "class")  # what it
                    # gives, ``type(p).wd``, its property's or ``__getattr__``'s numbers)
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
            if kind == "module" and ((item_kind == "module" and not _learners(item)) or
                                     item is type or (item_kind == "function" and
                                                      type(item) is not types.FunctionType)):
                continue  # (a class, a function of Python's held by name, guarded by
                # identity: ``cfg.act = Relu``; a module of the learner's walked into,
                # ``cfg.opt.lr`` of modules made at run time; not ``type``, which
                # ``held_calls.type_held`` refuses where the code holds it, not where a
                # module it reads does)
            yield Place(place, ("attr", name), item, item_kind)


def _tensor_with_more(x: Any) -> bool:
    """Whether ``x`` is a tensor (PyTorch's, or a subclass of one) or an array of a class of
    the learner's that subclasses NumPy's, which hold more than their numbers and gradient:
    a flag PyTorch keeps (``requires_grad``), what code set on it (``p.lr_mult`` of a
    parameter, ``t.scale``, ``q.unit``), a class of the learner's (a subclass's class
    attribute): each a place, guarded (before, the capture's stayed, silently)."""
    return _torch_tensor(type(x)) or (ndarray_subclass(x) and
                                      not str(type(x).__module__).startswith("numpy"))


def _torch_tensor(kind: type) -> bool:
    return any(k.__module__ == "torch" and k.__name__ == "Tensor" for k in kind.__mro__)


def _learners_class(x: type) -> bool:
    """Whether a class is walked into: not Python's own, nor a module's but the learner's
    (one of ``builtins`` and not Python's own: exec'd, the learner's)."""
    return not pythons_own(x) and not (x.__module__ in sys.modules and
                                       x.__module__ != "builtins" and
                                       not _learners(sys.modules[x.__module__]))


def _has_learners_bases(cls: type) -> bool:
    """Whether a class of the learner's has a base of the learner's, whose numbers it may
    override (then read only through ``super()``, which no walk of the class's attributes
    reaches); so whether one does stays the same from the start of a call to its end, where
    the class gains one (``cls.step += 1``)."""
    return any(_learners_class(base) for base in cls.__mro__[1:-1])


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
