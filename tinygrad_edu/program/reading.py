"""How the program tools read a node of the scalar engine: its row, what it was computed from
(Values and plain numbers, in order), which of those are its children, and its local
derivatives. The one place that knows the node's fields (engine.py)."""

from __future__ import annotations

import builtins
import dis
import gc
import inspect
import os
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.row import GivenOp, ListOp, Op

__all__ = ["ENGINES_OWN", "PASSES_ON", "attributes_of", "children_of", "engines_way_back",
           "has_dict", "is_leaf", "made_without_graph", "number_of", "operands_of",
           "own_names", "own_way_back", "row_of"]


def row_of(node: Value) -> Op | None:
    """The row of the op that made ``node``; None for a leaf."""
    return node._row


def attributes_of(node: Value) -> dict[str, Any]:
    """What code set on ``node`` besides the engine's own fields and marks (``ENGINES_OWN``):
    its ``label``, ``x.weight = 2.0``, a subclass's own (in a slot too: a64c's f2), a
    private name of the learner's (``self._decay``, ``w._lr_mult``: a64c's f1), by name;
    and the data the bases of a subclass of Value give its instances (``class Param(Value):
    wd = 0.01``), as ``node`` reads it (its own, set on it after a capture, shadows the
    class's: a64b's f7)."""
    own = {} if len(gc.get_referents(node)) <= _PLAIN else {  # (asking for __dict__ would
        k: v for k, v in vars(node).items()  # make one for every Value asked: most hold
        if type(k) is str and _learners_name(k)}  # nothing but their fields)
    for name, held in _slots_of(node).items():
        own.setdefault(name, held)
    for name, held in _class_data(type(node)).items():
        own.setdefault(name, held)
    return own


def own_names(node: Value) -> tuple[str, ...]:
    """The names of the learner's a Value holds itself, in its ``__dict__`` (not the engine's
    marks), in order: a name given to it since (``B.frozen = True`` tested by ``hasattr``,
    ``B.wd`` over a mixin's or a ``__getattr__``'s default: a64c's f8, f6) is one more."""
    if not has_dict(node):
        return ()
    return tuple(k for k in vars(node) if type(k) is str and _learners_name(k) and
                 k not in _VALUES_DATA)


def has_dict(node: Value) -> bool:
    """Whether a Value has a ``__dict__`` (asking for it would make one: most hold nothing
    but their fields)."""
    return len(gc.get_referents(node)) > _PLAIN


def _slots_of(node: Value) -> dict[str, Any]:
    """What the slots a subclass of Value declares (``__slots__ = ("wd",)``) hold, by name
    (one not set: not there; a64c's f2)."""
    found: dict[str, Any] = {}
    for klass in type(node).__mro__:
        if klass is Value or not issubclass(klass, Value):
            break
        for name, slot in list(vars(klass).items()):
            if type(slot) is _SLOT and _learners_name(name) and name not in found:
                try:
                    found[name] = slot.__get__(node, klass)
                except AttributeError:
                    continue
    return found


_SLOT = type(vars(Value)["grad"])  # (a slot's member descriptor)


def _class_data(cls: type) -> dict[str, Any]:
    """The plain data (no function, class, property or other descriptor; no name of the
    engine's or Python's) the bases of a subclass of Value give its instances, by name: its
    own classes', and a mixin's before or after Value (``class Param(Decay, Value)``; a64c's
    f6), where Value gives none of that name."""
    found: dict[str, Any] = {}
    taken: set[str] = set()
    for klass in cls.__mro__:
        if klass is Value:
            taken |= set(vars(Value))
        if klass is Value or klass is object:
            continue
        for name, held in list(vars(klass).items()):
            if type(name) is str and _learners_name(name) and name not in taken and \
                    not callable(held) and not hasattr(type(held), "__get__"):
                found[name] = held
                taken.add(name)
    return found


ENGINES_OWN = frozenset(name for name in (*dir(Value), *getattr(Value, "__annotations__", {}))
                        if name.startswith("_") and not name.startswith("__"))
"""The names of the engine's own fields and marks on a Value (``_data``, ``_scope``,
``_no_graph``, ``_data_before``...) and of its class's private methods: what the class
declares, not the learner's (a name of its own, ``_decay``, is walked as any attribute)."""


_VALUES_DATA = frozenset(name for name, held in vars(Value).items() if not name.startswith("_")
                         and not callable(held) and not hasattr(type(held), "__get__"))
"""The data Value's class gives every Value (its ``label``'s ``""``): one set on a Value is
no name of its own to ``own_names`` (where code read the class's, a capture guards what the
Value reads: ``fields.ClassLabel``)."""


def _learners_name(name: str) -> bool:
    return name not in ENGINES_OWN and not (name.startswith("__") and name.endswith("__"))


_PLAIN = sum(1 for name in Value.__slots__ if name != "__dict__") + 1
"""What a Value that holds nothing but its fields refers to: each field, and its class."""


def is_leaf(node: Value) -> bool:
    """Whether ``node`` is a leaf (made by ``Value(...)``, not by an op)."""
    return node._row is None


def operands_of(node: Value) -> tuple[Any, ...]:
    """Everything ``node`` was computed from, in order: Values and plain numbers (for an op
    on lists, its lists one after the other; for a node made by hand, its children)."""
    row = node._row
    if isinstance(row, GivenOp):
        return tuple(node._children)
    if isinstance(row, ListOp):
        given = node._operands
        return tuple(given)
    return tuple(node._operands)


def children_of(node: Value) -> tuple[Value, ...]:
    """The Values ``node`` was made from, in order (a Value used twice is listed twice)."""
    return tuple(node._children)


def local_grads_of(node: Value) -> tuple[float, ...]:
    """d(node)/d(child) for each child, as the forward pass computed them."""
    return tuple(_LOCAL_GRADS.__get__(node))


_LOCAL_GRADS = vars(Value)["local_grads"]  # (the engine's: a capture refuses the learner's)


def number_of(node: Value) -> float:
    """The number ``node`` holds (its ``.data``, read past any tool's property)."""
    return node._data


def made_without_graph(node: Value) -> bool:
    """Whether ``node`` was computed under ``no_grad()`` (a leaf with no graph behind it)."""
    return bool(getattr(node, "_no_graph", False))


def label_of(node: Value) -> str:
    """The node's label ('' for none)."""
    return str(getattr(node, "label", "") or "")


def numbers_given(node: Value) -> list[Any]:
    """The plain numbers ``node`` was given (its operands that are no Value, and for a node
    made by hand its local derivatives), as the objects it holds."""
    found = [x for x in operands_of(node) if not isinstance(x, Value)]
    if isinstance(node._row, GivenOp):
        found += list(local_grads_of(node))
    return found


def gradient_number(leaf: Value) -> float:
    """A leaf's gradient as a number, for a program to add to (an error if it is a graph,
    left by ``backward(create_graph=True)``)."""
    grad = leaf.grad
    if type(grad) is float:
        return grad
    if isinstance(grad, (int, float)):  # (False + g is g, as the engine adds it)
        return float(grad)
    if isinstance(grad, Value):
        raise TypeError(f"a program adds to a leaf's gradient, which must be a number; "
                        f"{leaf!r} has the gradient {grad!r}, a graph (from "
                        "create_graph=True): zero_grad() first, or call "
                        "backward(create_graph=True) without a program")
    raise TypeError(f"a program adds to a leaf's gradient as a float; {leaf!r} has the "
                    f"gradient {grad!r} ({type(grad).__name__}), which the engine adds to as "
                    f"{type(grad).__name__} arithmetic does: set it to 0.0 (zero_grad()) "
                    "before the call, or call the function uncompiled")


PASSES_ON = ("_backward", "backward", "_add_grad", "grad", "__setattr__")
"""What passes a gradient on at a node in the engine's ``backward()``: its ``_backward`` (the
chain rule at it), ``backward`` and ``_add_grad`` (the seed at the root), and how its ``grad``
is set. A node, or its class, that holds its own of any of these passes gradients its own way
(micrograd's ``out._backward = ...``: a straight-through estimator, a gradient clipped at one
node, a loss scaled), which a program, passing them on by each node's op, does not follow."""


AS_MADE = ("_data", "_row", "_a", "_da", "_b", "_db", "_list", "_list_grads")
"""A Value's fields that its op (or ``Value(...)``, or a copy) set when it made it: its
number, the row, the operands, the local derivatives (a capture keeps them as made,
``built.py`` sees them still so)."""


def field_writer(codes: Any) -> str:
    """The first of ``codes`` (the learner's that ran, each with its globals) that may set a
    Value's fields: by name (``P._da = ...``), or by a setter however it is named
    (``setattr``, ``S = setattr``, ``NS.go = setattr``, ``object.__setattr__``, a
    descriptor's ``__set__``, ``methodcaller("__setattr__", ...)``: a64p L3), said; else ''."""
    for code, space in codes:
        held: Any = None
        for ins in dis.get_instructions(code):
            name = ins.argval
            if ins.opname in ("STORE_ATTR", "DELETE_ATTR") and name in AS_MADE:
                return f"{code.co_name} sets .{name}"
            if type(name) is str and name in _SETTER_NAMES:
                return f"{code.co_name} calls {name}"
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                held = space.get(name, vars(builtins).get(name))
            elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and held is not None:
                try:
                    held = inspect.getattr_static(held, name)
                except AttributeError:
                    held = None
            else:
                held = None
            if held is not None and any(held is setter for setter in _SETTERS):
                return f"{code.co_name} calls {name} (a setter)"
    return ""


_SETTER_NAMES = frozenset(("setattr", "__set__", "__setattr__", "__delete__", "__delattr__",
                           "delattr"))
_SETTERS = (setattr, delattr, object.__setattr__, object.__delattr__)


FIELD_READERS = tuple(vars(Value)[name].__get__ for name in AS_MADE)
"""Each of ``AS_MADE`` read by its slot's own reader (past a capture's stand-in): what a
watched node builder keeps of every node it makes (``watching.py``)."""


def as_made(node: Value) -> tuple[Any, ...]:
    """The fields of ``AS_MADE`` as ``node`` holds them now, after its class."""
    return (type(node), *[read(node) for read in FIELD_READERS])


WIRING = ("_row", "_a", "_b", "_list")
"""The fields of ``AS_MADE`` that wire a node: its row and operands (a node made outside:
its number and local derivatives are read at every call, its wiring checked)."""


def field_set_since(node: Value, then: tuple[Any, ...], fields: tuple[str, ...] = AS_MADE
                    ) -> str:
    """What ``node`` holds otherwise than ``then`` (``as_made`` as it was made): its class,
    or the first of ``fields`` that holds another object, else ''."""
    now = as_made(node)
    if now[0] is not then[0]:
        return f"its class (now {now[0].__qualname__})"
    return next((name for name, x, y in zip(AS_MADE, now[1:], then[1:])
                 if name in fields and x is not y), "")


def own_way_back(node: Value) -> str | None:
    """How ``node`` passes gradients on its own way in the engine's ``backward()``: the first
    name of ``PASSES_ON`` it holds itself (``out.__dict__["_backward"] = ...``) or its class
    holds, of a class of its own (``out.__class__ = STE``); else None."""
    if has_dict(node):
        for name in PASSES_ON[:3]:
            if name in vars(node):
                return f"its own {name}, set on it"
    for cls in type(node).__mro__:
        if cls is Value:
            break
        for name in PASSES_ON:
            if name in vars(cls):
                return f"the {name} of its class {cls.__qualname__}"
    return None


def engines_way_back() -> str | None:
    """What of the engine's ``backward()`` is no longer the engine's own (``Value._backward``
    replaced, ``graph.backpropagate`` wrapped to clip), named; else None. A capture's own
    stand-in, put there while a capture runs (in another thread), is the engine's."""
    for name, own in _BACKWARD_OWN.items():
        held = vars(Value).get(name)
        if held is not own and not _captures(held):
            return f"Value.{name}"
    for module, name, own in _BACKWARD_CODE:
        held = getattr(module, name, None)
        if held is not own and not _captures(held):
            return f"{module.__name__}.{name}"
    return None


def engines_builder() -> str | None:
    """What of the engine's node builder is no longer the engine's own (``engine.fill``
    wrapped to floor tanh's slope, ``engine.apply`` replaced), named; else None. A program
    computes each node by its op's row, as the engine's own builder does: before, w.grad
    0.265 where the engine's floored slope gave 5.37, silently (an attacker's, a64l S7). A
    capture's own stand-in is the engine's where what it watches is."""
    for module, name, own in _BUILDER_CODE:
        held = getattr(module, name, None)
        if held is not own and not (_captures(held) and getattr(held, "builder", None) is own):
            return f"{module.__name__}.{name}"
    for name, own in _FIELDS_OWN.items():  # (``Value._da`` a property that halves it:
        held = vars(Value).get(name)  # a64m's S9)
        if held is not own and not _captures(held):
            return f"Value.{name}"
    from tinygrad_edu import graph

    if graph.before_a_pass:  # (a check the engine's pass runs first: a64m's S10; one a
        return "graph.before_a_pass"  # paused stepping put there too)
    return None


def _captures(held: Any) -> bool:
    """Whether ``held`` is a capture's own stand-in (``watching.py``'s: its code, or its
    class, is the program layer's)."""
    for x in (held, getattr(held, "fget", None)):
        code = getattr(x, "__code__", None)
        if code is not None and code.co_filename.startswith(_PROGRAM):
            return True
    return type(held).__module__.startswith("tinygrad_edu.program.")


_PROGRAM = os.path.dirname(__file__) + os.sep


def _backward_code() -> list[tuple[Any, str, Any]]:
    from tinygrad_edu import engine, graph

    return [(module, name, getattr(module, name)) for module, name in (
        (engine, "backward_lists"), (graph, "backpropagate"), (graph, "seeded_order"),
        (graph, "walk"))]


def _builder_code() -> list[tuple[Any, str, Any]]:
    from tinygrad_edu import engine, sums

    return [(module, name, getattr(module, name)) for module, name in (
        (engine, "fill"), (engine, "bare"), (engine, "apply"), (engine, "apply_rest"),
        (engine, "with_numbers"), (sums, "fill"), (sums, "bare"), (sums, "many"),
        (sums, "_with_numbers"))]


_BACKWARD_OWN = {name: vars(Value).get(name) for name in PASSES_ON}
_FIELDS_OWN = {name: vars(Value)[name] for name in AS_MADE}
_NUMBER_OWN = {name: vars(Value).get(name) for name in (
    "data", "item", "__float__", "detach", "__init__", "__repr__", "__int__", "__round__",
    "__format__", "__bool__", "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__",
    "__hash__", "__copy__", "__deepcopy__", "__reduce__")}


def class_parts(classes: Any) -> tuple[tuple[type, tuple[Any, ...]], ...]:
    """Each subclass of Value of ``classes`` with its own parts that give, compare or make a
    number (``_NUMBER_OWN``'s names) as they are now (``class_parts_changed`` compares)."""
    return tuple((c, tuple(vars(c).get(name) for name in _NUMBER_OWN)) for c in classes
                 if c is not Value and isinstance(c, type) and issubclass(c, Value))


def class_parts_changed(parts: tuple[tuple[type, tuple[Any, ...]], ...]) -> str:
    """The first part of ``class_parts``'s subclasses set, replaced or taken away since,
    named (``Param.item`` added after the capture: a64p S10); else ''."""
    for c, held in parts:
        for name, was in zip(_NUMBER_OWN, held):
            if vars(c).get(name) is not was:
                return f"{c.__name__}.{name}"
    return ""


def number_parts_replaced() -> str:
    """The first of Value's parts that give, compare or make its number (``data``, ``item``,
    ``__float__``, ``__gt__``, ``__bool__``, ``__format__``, ``__eq__``, ``__init__``...) not
    the engine's own, else '': asked before a capture puts its own there, over the
    learner's, and before each run of a program (``built.Entry.stale``: one replaced after
    the capture). Before: a program's numbers from the engine's own, the engine's from the
    learner's, silently (an attacker's, a64n S6, a64o S4, S8)."""
    for name, own in _NUMBER_OWN.items():
        held = vars(Value).get(name)
        if held is not own and not _captures(held):
            return f"Value.{name}"
    return ""
_BACKWARD_CODE = _backward_code()
_BUILDER_CODE = _builder_code()
