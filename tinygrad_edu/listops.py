"""Operations on whole lists: ``vsum`` and ``dot``, one node for a whole sum.

A neuron computes w·x + b. Built from ``*`` and ``+`` that is 2n nodes; as one ``dot``
node and one ``+`` it is two, with the same gradients: the node keeps all its parents and
all its local derivatives (∂(w·x)/∂wᵢ = xᵢ, ∂(w·x)/∂xᵢ = wᵢ, which is the matrix form's
dW = Xᵀ·dZ one neuron at a time). Graphs stay small enough to draw and fast to run. Plain
numbers among the operands are constants, as the 2 in ``x * 2``.

``dots`` is a layer's weighted sums, one ``dot`` node per row, the inputs' numbers read
once for all the rows; ``dot`` is one such row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tinygrad_edu import checked, grad_mode
from tinygrad_edu.engine import Number, Value, computed, make_node
from tinygrad_edu.errors import as_float
from tinygrad_edu.ops import ListOp, freeze_built_ins, register

__all__ = ["dot", "dots", "vsum"]


def vsum(values: Iterable[Value | Number]) -> Value:
    """Σ vᵢ as a single node; the local derivative for every vᵢ is 1."""
    vs = _listed(values, "vsum", "vsum([a, b, 2.0])")
    kept = [isinstance(v, Value) for v in vs]
    numbers = [v._data if k else as_float(v, "vsum") for v, k in zip(vs, kept)]
    return _list_node(VSUM, checked.fsum(numbers), vs, kept, numbers, [1.0] * len(vs))


def dot(ws: Sequence[Value | Number], xs: Sequence[Value | Number]) -> Value:
    """w·x = Σ wᵢ·xᵢ as a single node. Local derivatives: ∂/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ, which is
    the matrix form's dW = Xᵀ·dZ, one neuron at a time."""
    return dots([ws], xs)[0]


def dots(rows: Iterable[Sequence[Value | Number]], xs: Sequence[Value | Number]) -> list[Value]:
    """``[dot(w, xs) for w in rows]``: a layer's weighted sums W·x, one node per row, with
    the inputs' numbers read once for all the rows."""
    inputs = _listed(xs, "dot", _EXAMPLE)
    x_kept = [isinstance(x, Value) for x in inputs]
    xd = tuple([x._data if k else as_float(x, "dot") for x, k in zip(inputs, x_kept)])
    every_x = all(x_kept)
    recording = grad_mode.is_grad_enabled()  # (asked once for the layer)
    nodes = []
    for row in rows:
        ws = _listed(row, "dot", _EXAMPLE)
        if len(ws) != len(inputs):
            raise ValueError(f"dot: {len(ws)} weights but {len(inputs)} inputs; they must match")
        wd = tuple([w._data for w in ws if type(w) is Value])  # (a subclass: below)
        if every_x and len(wd) == len(ws):  # every operand a Value: a layer of neurons
            total = checked.dot(wd, xd)
            nodes.append(make_node(total, DOT, None, None, many=(ws + inputs, xd + wd, None))
                         if recording else computed(total))
            continue
        w_kept = [isinstance(w, Value) for w in ws]
        wd = tuple([w._data if k else as_float(w, "dot") for w, k in zip(ws, w_kept)])
        nodes.append(_list_node(DOT, checked.dot(wd, xd), ws + inputs, w_kept + x_kept,
                                wd + xd, xd + wd))  # xᵢ for wᵢ, wᵢ for xᵢ
    return nodes


def _list_node(op: ListOp, total: float, operands: Sequence[Any], kept: list[bool],
               numbers: Sequence[float], local_grads: Sequence[float]) -> Value:
    """A node of an op on lists: the operands that are Values (``kept``) are its parents,
    each with its local derivative; a plain number is a constant, which the node keeps
    (among all its operands) but gives no gradient. Nothing but constants: a constant."""
    if not any(kept):
        return Value(total)
    parents = tuple([v for v, k in zip(operands, kept) if k])
    grads = tuple([d for d, k in zip(local_grads, kept) if k])
    given = None if all(kept) else tuple([v if k else x for v, x, k in zip(operands, numbers,
                                                                          kept)])
    return _node(total, op, (parents, grads, given))


def _node(total: float, op: ListOp, many: tuple[Any, Any, Any]) -> Value:
    """The node of an op on a list (``many``: its parents, their local derivatives and its
    operands if plain numbers stood among them), or under ``no_grad()`` a Value with none."""
    if not grad_mode.is_grad_enabled():
        return computed(total)
    return make_node(total, op, None, None, many=many)


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
