"""Second derivatives of Values: local derivatives recomputed as Values.

A node keeps its local derivatives as plain numbers, which is all a first backward pass
needs. To differentiate a gradient again (``backward(create_graph=True)``, ``grad(...,
create_graph=True)``), the local derivatives must themselves be Values with a graph: how
does dy/dx = 1 - y² change when x changes? So ``local_grads_as_values`` runs the op's own
rules again, this time on the node's operands and output as Values. The rules are written
with arithmetic and the engine's functions, so the very same rule that gave a number now
builds a graph.

A rule written with ``math``'s functions would quietly turn a Value into a plain number and
cut that graph (``math.cos(x)`` calls ``float(x)``): while the rules run, ``float(value)``
raises instead, naming the op (``engine.floats_refused``).

Where a rule is a plain function of floats (relu's slope, a step, ``math.cos``), its row
gives the same rule written with operations, whose graph gives the right second derivative
(``Op.graph_rules``; an op of your own gives one as ``graph_derivative``).
"""

from __future__ import annotations

import math
from typing import Any

from tinygrad_edu import safe_math
from tinygrad_edu.arrays import is_node
from tinygrad_edu.engine import apply
from tinygrad_edu.errors import DomainError, real_or_none
from tinygrad_edu.grad_mode import floats_refused
from tinygrad_edu.ops import hide, operand_names
from tinygrad_edu.row import ListOp, Op, local_derivative

__all__ = ["local_grads_as_values", "masked"]

# Where the plain pass's local derivative is MASKED (relu below 0, x ** 0: nothing passes
# back, whatever arrives), the rule's Value is put in a node of this op: its number is MASKED,
# so that the share it makes, MASKED × upstream, is 0 even where upstream is inf or NaN (as
# in the plain pass), and it passes what reaches it on to the rule's own graph unchanged, so
# that a mixed partial survives (d/db of b·a**(b-1) at b = 0 is 1/a).
ZERO = hide(Op("masked", lambda x: safe_math.MASKED, (1.0,), formula="0·{0}", local=("1",)))


def local_grads_as_values(node: Any) -> tuple[Any, ...]:
    """``node``'s local derivatives recomputed from its operands as Values by the op's own
    rules, so that they have a graph of their own (for ``create_graph=True``)."""
    op = node._row
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
    wanted = [i for i, x in enumerate(operands) if is_node(x)]
    rules = op.graph_rules
    try:
        with floats_refused(f"{op.name}: its derivative rule turned a Value into a plain "
                            "number (as math's functions do)"):
            grads = tuple(local_derivative(rules[i], *operands, node) for i in wanted)
    except TypeError as error:  # e.g. math.cos(x): math's functions take no Values
        raise TypeError(
            f"{op.name}: its derivative rule does not run on Values, which "
            f"create_graph=True needs ({error}); write it with tinygrad_edu's functions "
            "(exp, log, cos, sigmoid, ...) instead of math's") from error
    for g in grads:
        if not is_node(g) and real_or_none(g) is None:
            raise TypeError(f"{op.name}: its derivative rule returned "
                            f"{type(g).__name__} {g!r} on Values, not a Value or a number")
    return tuple(masked(g) if plain is safe_math.MASKED else
                 vertical(op, operands, i, g) if not is_node(g) and math.isinf(g) else g
                 for i, g, plain in zip(wanted, grads, node.local_grads))


def masked(g: Any) -> Any:
    """The local derivative ``g`` (a Value, or a number) where the plain pass has MASKED: the
    same 0 that passes nothing back, whatever arrives (see ZERO above)."""
    return apply(ZERO, g) if is_node(g) else safe_math.MASKED


# ----------------------------------------------------------------------------- at an edge
# A rule may give an infinite number where the op's graph stands vertical: sqrt's slope
# 1/(2√x) at x = 0, or that of x**b (0 < b < 1) at 0 (as PyTorch). That number has no graph,
# so its own derivative would come out as 0, as if the slope did not depend on x; but it
# falls from inf as x moves into the domain: sqrt's second derivative there is -inf.


def vertical(op: Any, operands: Any, i: int, slope: float) -> Any:
    """The infinite local derivative ``slope`` of operand ``i``, made a Value whose own
    derivatives are right: where the op is defined on one side of x0 only (the edge of its
    domain, probed with its forward function), it is ``slope − sign·√(x − x0)`` (with
    ``x0 − x`` for a domain below x0): its number is ``slope``, its derivative the infinity
    pointing into the domain (-inf for sqrt), and every higher one that of √x, as PyTorch
    gives for sqrt and x**b. A slope that is inf around x0 too is a constant (x · inf); any
    other raises an error that names the op and the number."""
    x = operands[i]
    numbers = [o.data if is_node(o) else o for o in operands]
    x0 = numbers[i]
    if not math.isfinite(x0):  # (x · inf at x = inf: no side to probe, a constant slope)
        return slope
    step = 1e-6 * max(1.0, abs(x0))
    above, below = (_defined(op, numbers, i, x0 + s) for s in (step, -step))
    if above != below:
        distance = x - x0 if above else x0 - x
        return slope - math.copysign(1.0, slope) * distance.sqrt()
    if all(math.isinf(_slope_at(op, numbers, i, x0 + s)) for s in (step, -step)):
        return slope  # the same infinite slope around x0: a constant
    name = operand_names(len(op.rules))[i]
    raise DomainError(
        f"create_graph=True: {op.name}'s derivative with respect to {name} at {name} = {x0!r} "
        f"is {slope!r}, a number with no graph, so its own derivative (a second derivative) "
        f"would come out as 0; but {op.name} is defined on both sides of {x0!r}, where that "
        "derivative is infinite with a different sign on each side, or undefined. Take the "
        f"point off {x0!r}, or take first derivatives only (without create_graph)")


def _defined(op: Any, numbers: list[Any], i: int, x: float) -> bool:
    """Whether the op's forward function gives a number with operand ``i`` set to ``x``."""
    try:
        y = op.forward(*numbers[:i], x, *numbers[i + 1:])
    except (ArithmeticError, ValueError, TypeError):
        return False
    return bool(y == y)  # NaN: not defined there


def _slope_at(op: Any, numbers: list[Any], i: int, x: float) -> float:
    """The op's local derivative of operand ``i`` with that operand set to ``x`` (NaN where
    it has none)."""
    shifted = [*numbers[:i], x, *numbers[i + 1:]]
    try:
        return float(local_derivative(op.rules[i], *shifted, op.forward(*shifted)))
    except (ArithmeticError, ValueError, TypeError):
        return math.nan


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
            local = [local_derivative(rule, *numbers, y)
                     for rule, x in zip(op.rules, operands) if is_node(x)]
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

