"""Copying and pickling whole graphs of Values, without recursion.

Python's own ``copy.deepcopy`` and ``pickle`` follow references recursively, so a graph a
few thousand nodes deep (any training step) would hit the recursion limit. Here a deep copy
walks the graph with ``graph.walk``, and a pickle is a flat table in which every inner node
is a row pointing at earlier rows. Leaves stand as themselves, so a leaf pickled beside its
graph (a model's parameter beside its loss) is one object again after loading.

Nothing here knows which fields a node has: a node is copied field by field (its
``__slots__``, and its ``__dict__`` if it has one), with every node it refers to, directly
or inside a tuple, replaced by that node's copy (or, in a pickle, its row). ``copy.copy``,
``copy.deepcopy`` and ``pickle`` call these functions through a Value's ``__copy__``,
``__deepcopy__`` and ``__reduce__`` (engine.py).
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from typing import Any

from tinygrad_edu.arrays import is_node
from tinygrad_edu.graph import walk

__all__: list[str] = []


def slots_of(cls: type) -> tuple[str, ...]:
    """Every slot of ``cls`` and of its bases, but ``__dict__`` and ``__weakref__``."""
    if cls not in _SLOTS:
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            slots = klass.__dict__.get("__slots__", ())
            for name in (slots,) if isinstance(slots, str) else slots:
                if name not in ("__dict__", "__weakref__") and name not in names:
                    names.append(name)
        _SLOTS[cls] = tuple(names)
    return _SLOTS[cls]


_SLOTS: dict[type, tuple[str, ...]] = {}


def fields_of(node: Any) -> dict[str, Any]:
    """The fields ``node`` has set: its slots (an unset one is left out), then its dict."""
    fields = {name: getattr(node, name) for name in slots_of(type(node)) if hasattr(node, name)}
    fields.update(getattr(node, "__dict__", {}))
    return fields


def _own_fields(node: Any, new: Callable[[Any], Any]) -> dict[str, Any]:
    """``node``'s slots with the nodes in them replaced by ``new(node)``, but its gradient
    as it is (a gradient with a graph of its own is copied or pickled as a whole)."""
    return {name: getattr(node, name) if name == "grad" else _replaced(getattr(node, name), new)
            for name in slots_of(type(node)) if hasattr(node, name)}


def made(cls: type, fields: dict[str, Any]) -> Any:
    """A new object of class ``cls`` with these fields, made without ``__init__``."""
    node: Any = object.__new__(cls)
    for name, value in fields.items():
        setattr(node, name, value)
    return node


def _replaced(x: Any, new: Callable[[Any], Any]) -> Any:
    """``x`` with every node in it (itself, or inside tuples) replaced by ``new(node)``."""
    if is_node(x):
        return new(x)
    if type(x) is tuple:
        return tuple([_replaced(item, new) for item in x])
    return x


def shallow_copy(value: Any) -> Any:
    """``copy.copy(value)``: a new node with the same fields, sharing its parents."""
    return made(type(value), fields_of(value))


def deep_copy(value: Any, memo: dict[int, Any]) -> Any:
    """``copy.deepcopy(value)``: every node it depends on copied once, in ``walk`` order,
    each referring to the copies of the nodes it referred to; gradients copied last (a
    gradient with a graph may lead back to these nodes)."""
    copied = []
    for node in walk(value):
        if id(node) not in memo:
            fields = _own_fields(node, lambda n: memo[id(n)])
            fields.update(deepcopy(getattr(node, "__dict__", {}), memo))  # a subclass's own
            memo[id(node)] = made(type(node), fields)
            copied.append(node)
    for node in copied:
        memo[id(node)].grad = deepcopy(node.grad, memo)
    return memo[id(value)]


class _Row:
    """In a pickled table, a reference to an earlier row."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Row, (self.index,))


def pickled(value: Any) -> tuple[Any, ...]:
    """What ``value.__reduce__()`` returns: a leaf as itself, a graph as a flat table."""
    if not value.parents:  # the gradient comes after the leaf: it may lead back to it
        fields = fields_of(value)
        grad = fields.pop("grad")
        return (made, (type(value), fields), (None, {"grad": grad}))
    order = walk(value)
    row = {node: i for i, node in enumerate(order)}
    table = [node if not node.parents else
             (type(node), {**_own_fields(node, lambda n: _Row(row[n])),
                           **getattr(node, "__dict__", {})})
             for node in order]
    return (rebuild, (table,))


def rebuild(table: list[Any]) -> Any:
    """The graph of a pickled table: its last row."""
    nodes: list[Any] = []

    def node_of(x: Any) -> Any:
        if isinstance(x, _Row):
            return nodes[x.index]
        if type(x) is tuple:
            return tuple([node_of(item) for item in x])
        return x

    for row in table:
        if isinstance(row, tuple):
            cls, fields = row
            row = made(cls, {name: node_of(x) for name, x in fields.items()})
        nodes.append(row)
    return nodes[-1]

