"""Copying and pickling whole graphs of Values, without recursion.

Python's own ``copy.deepcopy`` and ``pickle`` follow references recursively, so a graph a
few thousand nodes deep (any training step) would hit the recursion limit. Here a deep copy
walks the graph with ``graph.walk``, and a pickle is a flat table in which every inner node
is a row pointing at earlier rows. Leaves stand as themselves, so a leaf pickled beside its
graph (a model's parameter beside its loss) is one object again after loading.

This module knows how a Value keeps its fields (see ``engine.Value``) and makes nodes of the
class it is given, so it sits below the engine.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from tinygrad_edu.graph import walk

__all__: list[str] = []

FIELDS = ("_data", "grad", "label", "_fn", "_const", "_a", "_b", "_da", "_db")
"""A Value's fields (its ``__slots__``), but ``_scope``, set only inside a named scope."""


def leaf(cls: type, data: float, label: str = "") -> Any:
    """A new leaf of class ``cls`` holding ``data``, made without ``__init__`` and its checks."""
    node: Any = object.__new__(cls)
    node._data, node.grad, node.label, node._fn, node._const = data, 0.0, label, None, None
    node._a = node._b = node._da = node._db = None
    return node


def node_of(cls: type, data: float, label: str, op: Any, parents: tuple[Any, ...],
            local_grads: tuple[Any, ...], const: Any) -> Any:
    """A node of class ``cls`` with these fields, its parents and local derivatives given as
    tuples (kept as tuples by an op on whole lists, else one or two in the node itself)."""
    if op is None:
        return leaf(cls, data, label)
    node = leaf(cls, data, label)
    node._fn, node._const = op, const
    if op.many:
        node._a, node._da = parents, local_grads
    else:
        node._a, node._da = parents[0], local_grads[0]
        if len(parents) > 1:
            node._b, node._db = parents[1], local_grads[1]
    return node


def shallow_copy(value: Any) -> Any:
    """``copy.copy(value)``: a new node with the same fields, sharing its parents."""
    twin = object.__new__(type(value))
    for field in FIELDS:
        setattr(twin, field, getattr(value, field))
    if getattr(value, "_scope", None):
        twin._scope = value._scope
    if hasattr(value, "__dict__"):  # a subclass's own attributes
        twin.__dict__.update(value.__dict__)
    return twin


def deep_copy(value: Any, memo: dict[int, Any]) -> Any:
    """``copy.deepcopy(value)``: every node it depends on copied once, in ``walk`` order."""
    copied = []
    for node in walk(value):
        if id(node) not in memo:
            memo[id(node)] = _fields_of(node, tuple(memo[id(p)] for p in node.parents))
            copied.append(node)
    for node in copied:  # a gradient with a graph may lead back to these nodes
        memo[id(node)].grad = deepcopy(node.grad, memo)
    return memo[id(value)]


def _fields_of(node: Any, parents: tuple[Any, ...]) -> Any:
    """A copy of ``node`` (its gradient left at 0) whose parents are ``parents``."""
    twin = node_of(type(node), node._data, node.label, node._fn, parents, node.local_grads,
                   node._const)
    if getattr(node, "_scope", None):
        twin._scope = node._scope
    if hasattr(node, "__dict__"):
        twin.__dict__.update(deepcopy(node.__dict__))
    return twin


def pickled(value: Any) -> tuple[Any, ...]:
    """What ``value.__reduce__()`` returns: a leaf as itself, a graph as a flat table."""
    if not value.parents:  # the gradient comes after the leaf: it may lead back to it
        return (leaf, (type(value), value._data, value.label), (None, {"grad": value.grad}))
    order = walk(value)
    row = {node: i for i, node in enumerate(order)}
    table = [node if not node.parents else
             (type(node), node._data, node.grad, node.label, tuple(row[p] for p in node.parents),
              node.local_grads, node._fn, node._const, getattr(node, "_scope", ""))
             for node in order]
    return (rebuild, (table,))


def rebuild(table: list[Any]) -> Any:
    """The graph of a pickled table: its last row."""
    nodes: list[Any] = []
    for row in table:
        if isinstance(row, tuple):
            cls, data, grad, label, parents, local_grads, op, const, scope = row
            row = node_of(cls, data, label, op, tuple(nodes[i] for i in parents), local_grads,
                          const)
            row.grad = grad
            if scope:
                row._scope = scope
        nodes.append(row)
    return nodes[-1]
