"""Second derivatives of Values: local derivatives recomputed as Values.

A node keeps its local derivatives as plain numbers, which is all a first backward pass
needs. To differentiate a gradient again (``backward(create_graph=True)``, ``grad(...,
create_graph=True)``), the local derivatives must themselves be Values with a graph: how
does dy/dx = 1 - y² change when x changes? So ``local_grads_as_values`` runs the op's own
rules again, this time on the node's operands and output as Values. The rules are written
with arithmetic and the engine's functions, so the very same rule that gave a number now
builds a graph.

A rule written with ``math``'s functions would quietly turn a Value into a plain number and
cut that graph (``math.cos(x)`` calls ``float(x)``): while ``floats_refused`` is on,
``float(value)`` raises instead, naming the op.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tinygrad_edu.errors import real_or_none
from tinygrad_edu.graph import is_node
from tinygrad_edu.ops import ListOp

__all__ = ["floats_refused"]


class _FloatGuard(threading.local):
    why = ""  # while set, float(value) raises a TypeError that says this


float_guard = _FloatGuard()


@contextmanager
def floats_refused(why: str) -> Iterator[None]:
    """Inside the block ``float(value)`` (which ``math.cos(value)`` calls) raises a
    TypeError saying ``why``: code that must build a graph cannot take a Value's number."""
    before, float_guard.why = float_guard.why, why
    try:
        yield
    finally:
        float_guard.why = before


def local_grads_as_values(node: Any) -> tuple[Any, ...]:
    """``node``'s local derivatives recomputed from its operands as Values by the op's own
    rules, so that they have a graph of their own (for ``create_graph=True``)."""
    op = node._fn
    if op.given:
        made = "" if op.name == "op" else f"made by {op.name} "
        raise RuntimeError(
            f"create_graph=True needs to know how every local derivative changes, but the node "
            f"{node.label + ' ' if node.label else ''}{made}(data {node._data!r}) was made with "
            "Value(data, children, local_grads), which gives them as plain numbers: a second "
            "derivative through it would be wrong. Make that operation with "
            "tinygrad_edu.unary_op or binary_op, whose derivative rule runs on Values "
            "(unary_op('gelu', forward, derivative)); first derivatives (backward(), grad() "
            "without create_graph) work as they are")
    operands = node._operands
    _check_unchanged(node, op, operands)
    if isinstance(op, ListOp):
        return op.graph_rule(operands, node)
    try:
        with floats_refused(f"{op.name}: its derivative rule turned a Value into a plain "
                            "number (as math's functions do)"):
            grads = tuple(rule(*operands, node) for rule, x in zip(op.graph_rules, operands)
                          if is_node(x))
    except TypeError as error:  # e.g. math.cos(x): math's functions take no Values
        raise TypeError(
            f"{op.name}: its derivative rule does not run on Values, which "
            f"create_graph=True needs ({error}); write it with tinygrad_edu's functions "
            "(exp, log, cos, sigmoid, ...) instead of math's") from error
    for g in grads:
        if not is_node(g) and real_or_none(g) is None:
            raise TypeError(f"{op.name}: its derivative rule returned "
                            f"{type(g).__name__} {g!r} on Values, not a Value or a number")
    return grads


def _check_unchanged(node: Any, op: Any, operands: Any) -> None:
    """Raise if the numbers ``node`` was computed from have changed since (an update inside
    ``no_grad()``, ``x.data = ...``, an optimizer's ``step()``): the rules would then build
    the derivative at the new numbers, beside local derivatives taken at the old ones.

    The op's forward function and its rules, run again on the operands' numbers today, must
    give the node's number and its local derivatives. For every built-in op these determine
    all higher derivatives as well (a change they miss cannot change any derivative: the
    sum's, say, whose derivatives are constants)."""
    numbers = [x._data if is_node(x) else x for x in operands]
    try:
        if isinstance(op, ListOp):
            half = len(numbers) // 2
            y = op.forward(numbers) if op.lists == 1 else op.forward(numbers[:half], numbers[half:])
            local = [d for d, x in zip(op.local_rule(numbers), operands) if is_node(x)]
        else:
            y = op.forward(*numbers)
            local = [rule(*numbers, y) for rule, x in zip(op.rules, operands) if is_node(x)]
        same = _same(y, node._data) and all(map(_same, local, node.local_grads))
    except Exception:
        same = False
    if not same:
        changed = list(dict.fromkeys(x.label or f"the {type(x).__name__} {x._data!r}"
                                     for x in operands if is_node(x) and not x.parents))
        who = f" ({', '.join(changed)})" if changed else ""
        raise RuntimeError(
            f"create_graph=True: a value that {node.label or f'the {op.name} node'} = "
            f"{node._data!r} was computed from{who} has changed since the forward pass (an "
            "update inside no_grad(), x.data = ..., or an optimizer's step()), so its "
            "derivatives would mix the old numbers and the new. Take the gradients before "
            "changing the values (in a training loop: backward(), then step()), or run the "
            "forward pass again")


def _same(a: Any, b: Any) -> bool:
    """Equal numbers, NaN equal to NaN."""
    return bool(a == b or (a != a and b != b))
