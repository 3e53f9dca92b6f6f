"""A captured graph as a tape (``capture.py`` calls ``captured_tape``): the forward pass in an
order where every number comes after what it is computed from (nodes, and the traced plain
numbers between them), the backward pass in ``backward()``'s own order (so that gradients add
up in the same order, to the same bits), the guards as checks on slots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.graph import walk
from tinygrad_edu.program import reading
from tinygrad_edu.program.tape import Check, NumberStep, Step, Tape
from tinygrad_edu.program.traced import COMPARED, Guard, Recording, Traced

__all__ = ["captured_tape"]


def captured_tape(root: Value, outputs: list[Any], record: Recording, count: int,
                  arg_values: list[Value]
                  ) -> tuple[Tape, list[tuple[int, int]], Callable[[Any], int]]:
    """The tape of the captured graph: the forward pass in an order where every number
    comes after what it is computed from (nodes, and the traced numbers between them), the
    backward pass in ``backward()``'s own order."""
    tape = Tape()
    slots: dict[int, int] = {}  # id(node or Traced) -> slot
    inputs = [tape.slot() for _ in range(count)]
    tape.numbers = [(slot, k) for k, slot in enumerate(inputs)]
    arg_at = {id(v): k for k, v in enumerate(arg_values)}
    arg_leaves: list[tuple[int, int]] = []
    keep: list[Any] = []  # (the Traced numbers made here stay alive: ids stay unique)

    def traced_slot(t: Traced) -> int:
        return slots[id(t)]

    def deps(item: Any) -> list[Any]:
        if isinstance(item, Traced):
            kind = item.source[0]
            if kind == "node":
                return [item.source[1]]
            if kind == "step":
                return [a for a in item.source[3] if isinstance(a, Traced)]
            return []
        made_from = [record.leaves[id(item)]] if id(item) in record.leaves else []
        if reading.is_leaf(item):
            return made_from
        found = [*made_from, *reading.children_of(item)]
        for x in reading.numbers_given(item):
            if isinstance(x, Traced):  # (kept as given)
                found.append(x)
            elif id(x) in record.given:
                found.append(record.given[id(x)][1])
        return found

    def emit(item: Any) -> None:
        if isinstance(item, Traced):
            slots[id(item)] = _traced_step(tape, item, slots, inputs)
            keep.append(item)
        elif reading.is_leaf(item):
            slots[id(item)] = _leaf_slot(tape, item, record, slots, arg_at, arg_leaves)
        else:
            slots[id(item)] = _node_step(tape, item, record, slots)

    order = walk(root)
    backward_nodes = [id(n) for n in order if not reading.is_leaf(n)]  # (nodes, not leaves)
    guards_on = [_plain_guard(g) for g in record.guards]
    extra: list[Any] = [*outputs]
    for g in guards_on:
        extra += [x for x in (g.left, g.right) if isinstance(x, Traced)]
    done: set[int] = set()
    for start in [*order, *extra]:  # (the backward's order first, then what else is read)
        stack: list[tuple[Any, bool]] = [(start, False)]
        while stack:
            item, ready = stack.pop()
            if id(item) in done and not ready:
                continue
            if ready:
                if id(item) not in slots:
                    emit(item)
                continue
            done.add(id(item))
            stack.append((item, True))
            stack += [(d, False) for d in reversed(deps(item)) if id(d) not in done]
    # a number handed to the engine that no node holds as given (the engine made another
    # of it): a constant somewhere, so the very same number is a guard
    for key, (_, traced) in record.given.items():
        if key not in record.used:
            guards_on.append(Guard("same", traced, traced.value, True,
                                       "a number the engine took in"))
            stack2: list[tuple[Any, bool]] = [(traced, False)]
            while stack2:
                item, ready = stack2.pop()
                if ready:
                    if id(item) not in slots:
                        emit(item)
                    continue
                if id(item) in done:
                    continue
                done.add(id(item))
                stack2.append((item, True))
                stack2 += [(d, False) for d in reversed(deps(item)) if id(d) not in done]
    tape.root = slots[id(root)]
    position = {step.out: k for k, step in enumerate(tape.steps)}
    tape.backward_order = [position[slots[n]] for n in reversed(backward_nodes)
                           if slots[n] in position and isinstance(
                               tape.steps[position[slots[n]]], Step)]
    for g in guards_on:
        tape.guards.append(Check(g.op, _side(g.left, slots), _side(g.right, slots), g.outcome,
                                 g.where))
    tape.keep = keep  # type: ignore[attr-defined]

    def slot_of(x: Any) -> int:
        return slots[id(x)]

    return tape, arg_leaves, slot_of


def _plain_guard(g: Guard) -> Guard:
    """A branch on a comparison (``if x.data > 0``) as the comparison itself."""
    left = g.left
    if g.op == "!=" and g.right == 0.0 and isinstance(left, Traced) and \
            left.source[0] == "step" and left.source[1] in COMPARED:
        a, b = left.source[3]
        return Guard(left.source[1], a, b, g.outcome, g.where)
    return g


def _side(x: Any, slots: dict[int, int]) -> int | float:
    return slots[id(x)] if isinstance(x, Traced) else float(x)


def _traced_step(tape: Tape, t: Traced, slots: dict[int, int], inputs: list[int]) -> int:
    kind = t.source[0]
    if kind == "input":
        return inputs[t.source[1]]
    if kind == "node":
        return slots[id(t.source[1])]
    _, name, function, args = t.source
    out = tape.slot()
    arg_slots = []
    for a in args:
        if isinstance(a, Traced):
            arg_slots.append(slots[id(a)])
        else:
            slot = tape.slot()
            tape.constants[slot] = float(a)
            arg_slots.append(slot)
    tape.steps.append(NumberStep(name, function, out, tuple(arg_slots)))
    return out


def _leaf_slot(tape: Tape, leaf: Value, record: Recording, slots: dict[int, int],
               arg_at: dict[int, int], arg_leaves: list[tuple[int, int]]) -> int:
    if id(leaf) in record.leaves:  # (made from a traced number: that number)
        return slots[id(record.leaves[id(leaf)])]
    if reading.made_without_graph(leaf) and id(leaf) not in record.made:
        raise RuntimeError("the function computes a Value under no_grad(): a program cannot "
                           "follow its number; compute it outside no_grad(), or outside the "
                           "compiled function")
    slot = tape.slot()
    label = reading.label_of(leaf)
    if label:
        tape.names[slot] = label
    if id(leaf) in record.made:  # (made inside from a constant)
        tape.constants[slot] = reading.number_of(leaf)
        return slot
    if id(leaf) in arg_at:
        arg_leaves.append((len(tape.leaves), arg_at[id(leaf)]))
    tape.leaves.append((slot, leaf))
    return slot


def _node_step(tape: Tape, node: Value, record: Recording, slots: dict[int, int]) -> int:
    from tinygrad_edu.row import GivenOp, ListOp

    row = reading.row_of(node)
    assert row is not None
    out = tape.slot()
    label = reading.label_of(node)
    if label:
        tape.names[out] = label

    def number(x: Any) -> int:
        if isinstance(x, Traced):  # (the node keeps the traced number as it was given)
            return slots[id(x)]
        if id(x) in record.given:
            record.used.add(id(x))
            return slots[id(record.given[id(x)][1])]
        slot = tape.slot()
        tape.constants[slot] = float(x)
        return slot

    if isinstance(row, GivenOp):
        traced = record.leaves.get(id(node))  # (its number given as a traced one)
        given = [slots[id(traced)] if traced is not None else number(reading.number_of(node))]
        given += [number(d) for d in reading.local_grads_of(node)]
        children = reading.children_of(node)
        args = tuple(slots[id(c)] for c in children)
        graded = tuple(_graded(c, record) for c in children)
        tape.steps.append(Step(row, out, args, graded, given=tuple(given)))
        return out
    operands = reading.operands_of(node)
    args = tuple(slots[id(x)] if isinstance(x, Value) else number(x) for x in operands)
    first = len(operands) // 2 if isinstance(row, ListOp) and row.lists == 2 else 0
    graded = tuple(isinstance(x, Value) and _graded(x, record) for x in operands)
    tape.steps.append(Step(row, out, args, graded, first))
    return out


def _graded(x: Value, record: Recording) -> bool:
    """Whether a gradient flows into ``x``: a node, or a leaf that was there before the
    capture (a leaf made inside, from a constant or a traced number, gets none)."""
    return not reading.is_leaf(x) or (id(x) not in record.leaves and id(x) not in record.made)
