"""The names a learner brings from micrograd, microgpt and PyTorch, on a Value.

They are put on ``Value`` here, beside the engine, which imports nothing of this file
(``import tinygrad_edu`` brings it in). microgpt's ``_children`` and ``_local_grads`` are
the engine's own words for a node (engine.py); the others:

- micrograd's ``_prev`` (the set of values a node was made from) and ``_op`` (the name of the
  op that made it, ``''`` for a leaf: micrograd's ``draw_dot`` adds it to a string), and
  ``op``, the same name, as PyTorch's ``grad_fn`` names a node's op;
- PyTorch's ``requires_grad`` (False for a value computed under ``no_grad``), ``detach()``
  and ``item()``;
- updates in place: inside ``no_grad()``, ``p -= lr * p.grad`` changes ``p`` itself, as in
  PyTorch (an update step); outside, ``c += c + 1`` makes a new node, as in micrograd; and
  on a leaf outside ``no_grad()`` with a plain number, where the loop ``for p in params: p -=
  lr * p.grad`` would update nothing, an error says so.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from tinygrad_edu import safe_math
from tinygrad_edu.engine import Value
from tinygrad_edu.grad_mode import is_grad_enabled

__all__: list[str] = []


def _op(self: Value) -> str:
    """The op that made this value: ``'*'``, ``'tanh'``, ... or ``''`` for a leaf."""
    return "" if self._row is None else self._row.name


def _prev(self: Value) -> set[Value]:
    """micrograd's name: the set of values this one was made from."""
    return set(self._children)


def _requires_grad(self: Value) -> bool:
    """False for a value computed under ``no_grad`` (it has no graph), as in PyTorch; True
    for inputs, parameters and everything computed from them."""
    return not getattr(self, "_no_graph", False)


def _detach(self: Value) -> Value:
    """A new leaf with the same number and no history."""
    return type(self)(self._data, label=self.label)


def _item(self: Value) -> float:
    """The plain float, as in PyTorch."""
    return self._data


_IN_PLACE: dict[str, tuple[Callable[[float, float], float], Callable[[Any, Any], Any]]] = {
    "+=": (operator.add, operator.add), "-=": (operator.sub, operator.sub),
    "*=": (operator.mul, operator.mul), "/=": (safe_math.div, operator.truediv)}


def _in_place(symbol: str) -> Callable[[Value, Any], Value]:
    combine, op = _IN_PLACE[symbol]

    def update(self: Value, other: Any) -> Value:
        """``value += other`` and the like: in place under ``no_grad`` (a leaf's number
        changes), else a new node (or an error, where that would update nothing). A leaf's
        ``.grad`` that ``backward(create_graph=True)`` left as a Value gets a new Value,
        ``grad + share``, from a later backward pass, as in PyTorch (never an error)."""
        if getattr(self, "_is_gradient", False):  # (set by autograd/gradients.py)
            grown: Value = op(self, other)
            setattr(grown, "_is_gradient", True)  # noqa: B010 (an attribute of its __dict__)
            return grown
        if not is_grad_enabled():
            if self._row is not None:
                raise RuntimeError(
                    f"{symbol} inside no_grad() on a value computed from others would change "
                    "a number its graph was built from; compute a new value instead "
                    f"(v = v {symbol[0]} ...)")
            self.data = combine(self._data, other._data if isinstance(other, Value) else other)
            return self
        if self._row is None and not isinstance(other, Value):
            raise RuntimeError(
                f"p {symbol} ... on a leaf Value (an input or a parameter) outside no_grad() "
                "would make a new Value and leave p unchanged, so a loop such as `for p in "
                "model.parameters(): p -= lr * p.grad` would update nothing. Write `with "
                "no_grad(): p -= lr * p.grad` (PyTorch's way) or `p.data -= lr * p.grad` "
                "(micrograd's)")
        made: Value = op(self, other)
        return made

    update.__name__ = f"__i{op.__name__.strip('_')}__"
    return update


for _name, _method in {  # what this room puts on Value
        "op": property(_op),
        "_op": property(_op),
        "_prev": property(_prev),
        "requires_grad": property(_requires_grad),
        "detach": _detach,
        "item": _item,
        "__iadd__": _in_place("+="),
        "__isub__": _in_place("-="),
        "__imul__": _in_place("*="),
        "__itruediv__": _in_place("/="),
}.items():
    setattr(Value, _name, _method)
