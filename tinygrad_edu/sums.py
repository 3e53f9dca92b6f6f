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

from tinygrad_edu import safe_math
from tinygrad_edu.engine import Number, Value, bare, fill, no_graph
from tinygrad_edu.errors import as_float
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.ops import register
from tinygrad_edu.row import ListOp

__all__ = ["dot", "dots", "vsum"]


def vsum(values: Iterable[Value | Number]) -> Value:
    """Σ vᵢ as a single node; the local derivative for every vᵢ is 1."""
    vs = _listed(values, "vsum", "vsum([a, 2.0, b])")
    kept = [isinstance(v, Value) for v in vs]
    numbers = [v._data if k else as_float(v, "vsum") for v, k in zip(vs, kept)]
    if all(kept):
        return many(VSUM, safe_math.fsum(numbers), vs, (1.0,) * len(vs), vs)
    return _with_numbers(VSUM, safe_math.fsum(numbers), vs, kept, numbers, [1.0] * len(vs),
                         None)


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
    nodes = []
    for row in rows:
        ws = _listed(row, "dot", _EXAMPLE)
        if len(ws) != len(inputs):
            raise ValueError(f"dot: {len(ws)} weights but {len(inputs)} inputs; they must match")
        wd = tuple([w._data for w in ws if type(w) is Value])  # (a subclass: below)
        if every_x and len(wd) == len(ws):  # every operand a Value: a layer of neurons
            nodes.append(many(DOT, safe_math.dot(wd, xd), ws + inputs, xd + wd, ws, inputs))
            continue
        w_kept = [isinstance(w, Value) for w in ws]
        wd = tuple([w._data if k else as_float(w, "dot") for w, k in zip(ws, w_kept)])
        nodes.append(_with_numbers(DOT, safe_math.dot(wd, xd), ws + inputs, w_kept + x_kept,
                                   wd + xd, xd + wd, len(ws)))  # xᵢ for wᵢ, wᵢ for xᵢ
    return nodes


def many(row: ListOp, y: float, parents: tuple[Value, ...], local_grads: tuple[float, ...],
         a: tuple[Any, ...], b: tuple[Any, ...] | None = None) -> Value:
    """The row of an op on whole lists applied: a node of the forward value ``y`` with its
    parents and the local derivative towards each, as microgpt keeps a node's children and
    local derivatives, and its operands, ``a`` and ``b`` (dot's two lists; vsum's one), as
    given, plain numbers among them; under ``no_grad()`` the value alone."""
    if not is_grad_enabled():
        return no_graph(bare(Value), y)
    return fill(bare(Value), y, row, a, None, b, None, parents, local_grads)


def _with_numbers(op: ListOp, total: float, operands: Sequence[Any], kept: list[bool],
                  numbers: Sequence[float], local_grads: Sequence[float],
                  first: int | None) -> Value:
    """A node of an op on lists where plain numbers stood among the operands: the Values
    (``kept``) are its parents, each with its local derivative; a plain number is a constant,
    which the node keeps in its lists as given (the ``first`` items are dot's first list) but
    gives no gradient. Nothing but constants: a constant."""
    if not any(kept):
        return Value(total)
    parents = tuple([v for v, k in zip(operands, kept) if k])
    grads = tuple([d for d, k in zip(local_grads, kept) if k])
    given = tuple([x if k else n for x, n, k in zip(operands, numbers, kept)])
    if first is None:
        return many(op, total, parents, grads, given)
    return many(op, total, parents, grads, given[:first], given[first:])


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


VSUM = ListOp("vsum", safe_math.fsum, 1, lambda numbers: [1.0] * len(numbers),
              lambda operands, node: (1.0,) * len(node.parents),
              formula="sum({all})", local=("1",))
DOT = ListOp("dot", lambda ws, xs: safe_math.dot(list(ws), list(xs)), 2,
             lambda numbers: numbers[len(numbers) // 2:] + numbers[:len(numbers) // 2],
             _partners, formula="dot([{first}], [{second}])", local=("{partner}",))
register(VSUM, vsum, built_in=True)
register(DOT, dot, built_in=True)
