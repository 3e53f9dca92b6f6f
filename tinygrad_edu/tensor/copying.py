"""Copying and pickling Tensors, as ``copy`` and ``pickle`` expect.

It exists because a graph is deep: ``copy.deepcopy`` would recurse once per op and hit
Python's recursion limit on a long chain, so a deep copy walks the graph instead (parents
first, each copy pointing at its parents' copies). A shallow copy is a new node with the
same array, parents and op. A pickle holds a leaf's numbers, gradient and label; a tensor
with history is refused with what to do, as PyTorch advises saving state dicts. The op rows
and the constants are shared with the original, never copied: they are data, not state.
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu.graph import walk

__all__ = ["deep_copy", "leaf", "pickled", "shallow_copy"]

FIELDS = ("_data", "grad", "label", "parents", "_row", "_operands", "_params", "_saved",
          "_no_graph")


def leaf(kind: type, data: Any, label: str = "") -> Any:
    """A new leaf of class ``kind`` around ``data`` itself (no copy): ``t.detach()``."""
    t: Any = object.__new__(kind)
    for field, value in zip(FIELDS, (data, None, label, (), None, (), (), (), False)):
        setattr(t, field, value)
    return t


def shallow_copy(t: Any) -> Any:
    """``copy.copy(t)``: a new node with the same array, gradient, parents, op and label."""
    twin = object.__new__(type(t))
    for field in FIELDS:
        setattr(twin, field, getattr(t, field))
    if getattr(t, "_scope", None):  # set only on a tensor made inside a named_scope
        twin._scope = t._scope
    return twin


def deep_copy(root: Any, memo: dict[int, Any]) -> Any:
    """``copy.deepcopy(root)``: the whole graph copied without recursion. Arrays and gradients
    are copied; each copy's parents and operands are the copies of the original's. The
    numbers a node keeps for its backward pass (``_saved``) are shared: read-only, they
    never change."""
    from copy import deepcopy

    for node in walk(root):
        if id(node) not in memo:
            twin = shallow_copy(node)
            twin._data = node._data.copy()
            twin.grad = deepcopy(node.grad, memo)
            twin._operands = tuple(memo[id(o)] if hasattr(o, "parents") else o
                                   for o in node._operands)
            twin.parents = tuple(memo[id(p)] for p in node.parents)
            memo[id(node)] = twin
    return memo[id(root)]


def pickled(t: Any) -> tuple[Any, ...]:
    """``t.__reduce__()``: a leaf pickles as its class, its numbers, gradient and label; a
    tensor with history raises a TypeError that says what to pickle instead."""
    if t.parents:
        raise TypeError(
            f"cannot pickle a Tensor made by {t._op!r} (it has a history); pickle "
            "t.detach() for its numbers, or a model's state_dict() (or use model.save)")
    return (type(t), (t._data,), (None, {"grad": t.grad, "label": t.label}))
