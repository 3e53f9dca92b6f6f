"""Operations on whole lists: ``vsum`` and ``dot``, one node for a whole sum.

A neuron computes w·x + b. Built from ``*`` and ``+`` that is 2n nodes; as one ``dot``
node and one ``+`` it is two, with the same gradients: the node keeps all its parents and
all its local derivatives (∂(w·x)/∂wᵢ = xᵢ, ∂(w·x)/∂xᵢ = wᵢ, which is the matrix form's
dW = Xᵀ·dZ one neuron at a time). Graphs stay small enough to draw and fast to run. Plain
numbers among the operands are constants, as the 2 in ``x * 2``.

``dots`` is a layer's weighted sums, one ``dot`` per row, written out for speed: the
inputs' numbers are read once for all the rows. It sits beside the general ``dot`` it
stands in for, and tests/test_engine.py checks that both give the very same nodes.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from typing import Any, cast

from tinygrad_edu import checked
from tinygrad_edu.engine import Number, Value, make_node
from tinygrad_edu.errors import as_float
from tinygrad_edu.ops import ListOp, freeze_built_ins, register

__all__ = ["dot", "dots", "vsum"]


def vsum(values: Iterable[Value | Number]) -> Value:
    """Σ vᵢ as a single node; the local derivative for every vᵢ is 1."""
    return _list_op(VSUM, _listed(values, "vsum", "vsum([a, b, 2.0])"), checked.fsum,
                    lambda numbers: [1.0] * len(numbers))


def dot(ws: Sequence[Value | Number], xs: Sequence[Value | Number]) -> Value:
    """w·x = Σ wᵢ·xᵢ as a single node. Local derivatives: ∂/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ, which is
    the matrix form's dW = Xᵀ·dZ, one neuron at a time."""
    ws, xs = _listed(ws, "dot", _EXAMPLE), _listed(xs, "dot", _EXAMPLE)
    n = len(ws)
    if n != len(xs):
        raise ValueError(f"dot: {n} weights but {len(xs)} inputs; they must match")
    return _list_op(DOT, [*ws, *xs], lambda numbers: checked.dot(numbers[:n], numbers[n:]),
                    lambda numbers: numbers[n:] + numbers[:n])  # xᵢ for wᵢ, wᵢ for xᵢ


def _list_op(op: ListOp, operands: Sequence[Any], total: Any, local_grads: Any) -> Value:
    """A vsum or dot node: ``total(numbers)``, and ``local_grads(numbers)`` for every operand
    that is a Value (a parent); a plain number is a constant (its local derivative None)."""
    keep = [isinstance(v, Value) for v in operands]  # the Values become parents
    numbers = [v._data if k else as_float(v, op.name) for v, k in zip(operands, keep)]
    if not any(keep):  # nothing but constants: a constant
        return Value(total(numbers))
    parents = tuple([v for v, k in zip(operands, keep) if k])
    grads = tuple([d for d, k in zip(local_grads(numbers), keep) if k])
    given = None if all(keep) else tuple([v if k else x for v, x, k in zip(operands, numbers,
                                                                          keep)])
    return make_node(total(numbers), op, None, None, many=(parents, grads, given))


def _listed(items: Any, who: str, example: str) -> tuple[Any, ...]:
    """``items`` as a tuple, or a TypeError that shows how the call looks."""
    if type(items) is list or type(items) is tuple:  # the usual case, quickly
        return tuple(items)
    try:
        if not isinstance(items, (str, bytes)):
            return tuple(items)
    except TypeError:
        pass
    raise TypeError(f"{who} needs a list of Values and numbers, e.g. {example}; got "
                    f"{type(items).__name__} {items!r}")


_EXAMPLE = "dot([w1, w2], [x1, x2])"


def dots(rows: Iterable[Sequence[Value | Number]], xs: Sequence[Value | Number]) -> list[Value]:
    """``[dot(w, xs) for w in rows]``: a layer's weighted sums W·x, one node per row. When the
    weights are Values and the inputs all Values or all floats (a layer of neurons), the
    inputs' numbers are read once for all the rows; anything else takes ``dot``."""
    inputs = _listed(xs, "dot", _EXAMPLE)
    xd = _numbers_of_values(inputs)  # None unless every input is a Value
    if xd is None and not all(type(x) is float for x in inputs):
        return [dot(ws, inputs) for ws in rows]
    numbers = cast("tuple[float, ...]", inputs) if xd is None else xd
    nodes: list[Value] = []
    for row in rows:
        ws = _listed(row, "dot", _EXAMPLE)
        wd = tuple([w._data for w in ws if type(w) is Value])  # _numbers_of_values, in place:
        if len(wd) != len(ws) or not ws or len(ws) != len(inputs):  # this runs per neuron
            nodes.append(dot(ws, inputs))  # plain-number weights, or a size to complain of
            continue
        try:
            total = math.fsum(map(operator.mul, wd, numbers))  # checked.dot's usual case
        except (OverflowError, ValueError):
            total = checked.dot(wd, numbers)
        if xd is not None:  # Values: what dot makes, written out
            nodes.append(make_node(total, DOT, None, None, many=(ws + inputs, xd + wd, None)))
        else:  # floats: constants, so only the weights are parents
            nodes.append(make_node(total, DOT, None, None, many=(ws, numbers, ws + numbers)))
    return nodes


def _numbers_of_values(items: tuple[Any, ...]) -> tuple[float, ...] | None:
    """The numbers of ``items`` if each is a Value (not a subclass, quickly), else None."""
    numbers = tuple([v._data for v in items if type(v) is Value])
    return numbers if len(numbers) == len(items) else None


def _partners(operands: Sequence[Any], node: Any) -> tuple[Any, ...]:
    """dot's local derivatives as Values: for each operand that is a parent, its partner."""
    half = len(operands) // 2
    return tuple(operands[i - half] for i, v in enumerate(operands) if isinstance(v, Value))


VSUM = register(ListOp("vsum", checked.fsum, 1, lambda numbers: [1.0] * len(numbers),
                       lambda operands, node: (1.0,) * len(node.parents),
                       formula="sum({all})", local=("1",)))
DOT = register(ListOp("dot", lambda ws, xs: checked.dot(list(ws), list(xs)), 2,
                      lambda numbers: numbers[len(numbers) // 2:] + numbers[:len(numbers) // 2],
                      _partners, formula="dot([{first}], [{second}])", local=("{partner}",)))
VSUM.apply, DOT.apply = vsum, dot
freeze_built_ins()
