"""A captured graph as a tape (``capture.py`` calls ``captured_tape``): the forward pass in an
order where every number comes after what it is computed from (nodes, and the traced plain
numbers between them), the backward pass in ``backward()``'s own order (so that gradients add
up in the same order, to the same bits), the guards as checks on slots.

Besides the loss's graph, the tape computes everything the function computed that can raise
an error: every node made and every plain number computed in the capture (an unused
``log(-1)`` raises in the program as in the engine), and checks that an operation that raised
where the code caught the error raises again (``Raises``). A Value is one of:

- a leaf made before the capture (a parameter, an argument): read at every run, its
  gradient added (``tape.leaves``);
- a node made before the capture (given, or kept outside): its number and local derivatives
  read from it at every run, its gradient passed on through them and set (``tape.inner``);
- a leaf made inside: from a followed number (``Value(x.data)``: that number, in a slot of its
  own), from a constant, or under ``no_grad()`` (its op, with no gradient);
- a node made inside: a step of its op's row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.errors import real_or_none
from tinygrad_edu.graph import walk
from tinygrad_edu.program import reading
from tinygrad_edu.program.number_steps import COMPARED
from tinygrad_edu.program.tape import Check, NumberStep, Raises, Step, Tape
from tinygrad_edu.program.traced import Guard, Recording, Traced, source_of, value_of
from tinygrad_edu.row import GivenOp, ListOp, given_op

__all__ = ["SetFromItself", "captured_tape", "copy"]


def copy(x: Any) -> Any:
    """A number as it is (a Value made from a followed number has a slot of its own)."""
    return x


class _Builder:
    """The tape of one capture, built item by item (see ``captured_tape``)."""

    def __init__(self, record: Recording, arg_values: list[Value]) -> None:
        self.record = record
        self.tape = tape = Tape()
        self.slots: dict[int, int] = {}  # id(node or Traced) -> slot
        self.inputs = [tape.slot() for _ in record.inputs]
        tape.numbers = [(slot, k) for k, slot in enumerate(self.inputs)]
        self.arg_at = {id(v): k for k, v in enumerate(arg_values)}
        self.arg_leaves: list[tuple[int, int]] = []
        self.keep: list[Any] = []  # (objects made here stay alive: ids stay unique)
        self.done: set[int] = set()
        self.graded: set[int] = set()
        self.current: Any = None  # (the item whose step is being made)

    # -- what an item is computed from, and its step (``k``: its id, taken once: each
    # ``id()`` is an audit event, heard by a capture's hook: ``outside_calls.audited_once``)
    def deps(self, item: Any, k: int) -> list[Any]:
        record = self.record
        if isinstance(item, Traced):
            source = source_of(item)
            if source[0] == "node":
                return [source[1]]
            if source[0] == "step":
                return [a for a in source[3] if isinstance(a, Traced)]
            return []
        if k in record.no_graph:  # (a number handed in, as a made node's below)
            return [a if isinstance(a, (Traced, Value)) else record.given[id(a)][1]
                    for a in self.no_graph_recipe(item)[1]
                    if isinstance(a, (Traced, Value)) or id(a) in record.given]
        made_from = [record.leaves[k]] if k in record.leaves else []
        if reading.is_leaf(item) or k in record.copied:  # (a node copied: its original's
            return made_from  # number, followed)
        found = [*made_from, *reading.children_of(item)]
        if k in record.made:
            for x in reading.numbers_given(item):
                if isinstance(x, Traced):  # (kept as given)
                    found.append(x)
                elif id(x) in record.given:
                    found.append(record.given[id(x)][1])
        return found

    def add(self, start: Any) -> None:
        """``start`` and everything it is computed from, each once, in order."""
        slots, done, deps, emit = self.slots, self.done, self.deps, self.emit
        stack: list[tuple[Any, int, bool]] = [(start, id(start), False)]
        while stack:
            item, k, ready = stack.pop()
            if ready:
                if k not in slots:
                    emit(item, k)
                continue
            if k in done:
                continue
            done.add(k)
            stack.append((item, k, True))
            for d in reversed(deps(item, k)):
                j = id(d)
                if j not in done:
                    stack.append((d, j, False))

    def emit(self, item: Any, k: int) -> None:
        record = self.record
        self.keep.append(item)
        self.current = item
        if isinstance(item, Traced):
            self.slots[k] = slot = self.traced_step(item)
            if type(value_of(item)) is not float:
                self.tape.kinds[slot] = type(value_of(item))
        elif k in record.no_graph:
            name, operands = self.no_graph_recipe(item)
            self.slots[k] = self.node_step(item, name, operands, graded=False)
        elif reading.is_leaf(item) or k in record.copied:
            self.slots[k] = self.leaf_slot(item)
        elif k in record.made:
            self.slots[k] = self.made_step(item)
        else:
            self.slots[k] = self.outside_node(item)

    def no_graph_recipe(self, item: Any) -> tuple[Any, tuple[Any, ...]]:
        """The row and operands of a node made under ``no_grad()``; a followed number given
        on the right of a Value (``q[0] * 0.99 + r``) as the engine took it: the float
        ``errors.real_or_none`` made of the capture's Traced, a step of the program (a NumPy
        float32's ``float()``), and that float used. Before (a64f's L1), the float was
        guarded as "a number the engine took in": captured again at every new reward or
        temperature, then run as the engine for good."""
        name, operands = _recipe(self.record.no_graph[id(item)])
        handed = self.record.handed_in.get(id(item))
        if not handed:
            return name, operands
        given, found = self.record.given, []
        for a in operands:  # (the float handed in this very op, made of ``a``)
            key = next((k for k in handed if isinstance(a, Traced) and _made_of(given[k][1], a)),
                       None)
            if key is not None:
                self.record.used.add(key)
            found.append(a if key is None else given[key][1])
        return name, tuple(found)

    def traced_step(self, t: Traced) -> int:
        source = source_of(t)
        if source[0] == "input":
            return self.inputs[source[1]]
        if source[0] == "node":
            slot = self.slots.get(id(source[1]))
            if slot is None:  # (its number read, then set as its own: ``W.__init__(W.data *
                raise SetFromItself(source[1])  # 2)``; before, a bare KeyError: a64r L1)
            return slot
        _, name, function, args = source
        out = self.tape.slot()
        self.tape.steps.append(NumberStep(name, function, out, tuple(self.number(a)
                                                                    for a in args)))
        return out

    def number(self, x: Any) -> int:
        """The slot of a plain number an op was given: traced, handed, or a constant."""
        if isinstance(x, Traced):
            return self.slots[id(x)]
        if id(x) in self.record.given:
            self.record.used.add(id(x))
            return self.slots[id(self.record.given[id(x)][1])]
        slot = self.tape.slot()
        self.tape.constants[slot] = x  # (the very number: a float, an int, a NumPy float)
        self.tape.origins[slot] = (x, self.current)
        return slot

    def leaf_slot(self, leaf: Value) -> int:
        tape, record = self.tape, self.record
        label = reading.label_of(leaf)
        if id(leaf) in record.leaves:  # (made from a followed number: a slot of its own)
            slot = tape.slot()
            tape.steps.append(NumberStep("a Value made from a number", copy, slot,
                                         (self.slots[id(record.leaves[id(leaf)])],)))
        elif id(leaf) in record.made:  # (made inside from a constant)
            slot = tape.slot()
            tape.constants[slot] = reading.number_of(leaf)
            tape.origins[slot] = (tape.constants[slot], leaf)
        else:
            slot = tape.slot()
            if id(leaf) in self.arg_at:
                self.arg_leaves.append((len(tape.leaves), self.arg_at[id(leaf)]))
            tape.leaves.append((slot, leaf))
        if label:
            tape.names[slot] = label
        return slot

    def made_step(self, node: Value) -> int:
        row = reading.row_of(node)
        assert row is not None
        if isinstance(row, GivenOp):
            out = self.tape.slot()
            traced = self.record.leaves.get(id(node))  # (its number given as a followed one)
            given = [self.slots[id(traced)] if traced is not None else
                     self.number(reading.number_of(node))]
            given += [self.number(d) for d in reading.local_grads_of(node)]
            children = reading.children_of(node)
            args = tuple(self.slots[id(c)] for c in children)
            self._graded(children)
            self.tape.steps.append(Step(row, out, args, (True,) * len(args),
                                        given=tuple(given)))
            self._label(node, out)
            return out
        return self.node_step(node, row, reading.operands_of(node), graded=True)

    def node_step(self, node: Value, row: Any, operands: Any, graded: bool) -> int:
        out = self.tape.slot()
        slots, number = self.slots, self.number
        args = tuple([slots[id(x)] if isinstance(x, Value) else number(x) for x in operands])
        first = len(operands) // 2 if isinstance(row, ListOp) and row.lists == 2 else 0
        nodes = tuple([graded and isinstance(x, Value) for x in operands])
        if graded:
            self._graded([x for x in operands if isinstance(x, Value)])
        self.tape.steps.append(Step(row, out, args, nodes, first))
        self._label(node, out)
        return out

    def outside_node(self, node: Value) -> int:
        """A node made before the capture: its number and local derivatives are inputs, read
        from it at every run; its children get their gradients through them."""
        children = reading.children_of(node)
        given = [self.node_input(node, -1)] + [self.node_input(node, k)
                                                for k in range(len(children))]
        out = self.tape.slot()
        row = reading.row_of(node)
        self.tape.steps.append(Step(given_op(getattr(row, "name", "op"), len(children)), out,
                                    tuple(self.slots[id(c)] for c in children),
                                    (True,) * len(children), given=tuple(given)))
        self.tape.inner.append((out, node))
        self._label(node, out)
        return out

    def node_input(self, node: Value, k: int) -> int:
        self.record.inputs.append(("node", node, k))
        slot = self.tape.slot()
        self.tape.numbers.append((slot, len(self.record.inputs) - 1))
        return slot

    def _graded(self, values: Any) -> None:
        record = self.record
        for v in values:
            if reading.is_leaf(v) or record.copied:
                k = id(v)
                if (reading.is_leaf(v) or k in record.copied) and (
                        k in record.made or k in record.leaves):
                    self.graded.add(self.slots[k])

    def _label(self, node: Value, slot: int) -> None:
        label = reading.label_of(node)
        if label:
            self.tape.names[slot] = label

    def raised(self, raised: Any) -> Raises:
        what = raised.what
        if what[0] == "step":
            _, name, function, args = what
            step: Step | NumberStep = NumberStep(name, function, -1, tuple(self.number(a)
                                                                         for a in args))
        else:
            _, row, operands = what
            args = tuple(self.slots[id(x)] if isinstance(x, Value) else self.number(x)
                         for x in operands)
            step = Step(row, -1, args, tuple(isinstance(x, Value) for x in operands))
        return Raises(step, raised.error, raised.where, raised.said)


def _recipe(made: tuple[str, tuple[Any, ...]]) -> tuple[Any, tuple[Any, ...]]:
    """The row and the operands of a node made under ``no_grad()``, from what its builder
    was given (a plain number as the engine keeps it: a NumPy float, an int, as a float)."""
    builder, args = made
    row = args[0]
    if builder == "many":  # (sums.many(row, y, parents, local_grads, a, b=None): its
        a, b = args[4], (args[5] if len(args) > 5 else None)  # operands as given, a and b)
        return row, tuple(map(_kept, (*a, *(b or ()))))
    return row, tuple(map(_kept, args[1:]))


def _made_of(handed: Traced, x: Traced) -> bool:
    """Whether a float the engine was handed (``Recording.handed``) is ``x`` itself (a float)
    or its ``float()`` step (a NumPy float's)."""
    source = source_of(handed)
    return handed is x or (source[0] == "step" and source[1] == "float" and
                           len(source[3]) == 1 and source[3][0] is x)


def _kept(x: Any) -> Any:
    """An operand as the engine keeps it in a node (``errors.real_or_none``)."""
    if type(x) is float or isinstance(x, (Value, Traced)):
        return x
    found = real_or_none(x)
    return x if found is None else found


class SetFromItself(Exception):
    """A Value whose number the function set to one computed from that very number
    (``W.__init__(W.data * 2)``): the program would read the number before it is made."""

    def __init__(self, value: Value) -> None:
        super().__init__(value)
        self.value = value


def captured_tape(root: Value, outputs: list[Any], record: Recording, arg_values: list[Value]
                  ) -> tuple[Tape, list[tuple[int, int]], Callable[[Any], int]]:
    """The tape of the captured graph (see the module's docstring): the loss's graph in the
    order ``backward()`` walks it, then whatever else the function computed, the guards;
    the program's answer's numbers are ``outputs``."""
    build = _Builder(record, arg_values)
    tape = build.tape
    order = walk(root)
    copied, is_leaf = record.copied, reading.is_leaf
    backward_nodes = [n for n in order if not is_leaf(n) and not (copied and id(n) in copied)]
    guards = [_plain_guard(g) for g in record.guards]
    extra: list[Any] = [*outputs]
    for g in guards:
        extra += [x for x in (g.left, g.right) if isinstance(x, Traced)]
    for raised in record.raised:
        what = raised.what
        extra += [a for a in (what[3] if what[0] == "step" else what[2])
                  if isinstance(a, (Traced, Value))]
    extra += record.steps
    extra += [v for v in record.made.values() if isinstance(v, Value)]
    for start in [*order, *extra]:  # (the backward's order first, then what else was made)
        build.add(start)
    for key, (_, traced) in record.given.items():
        if key not in record.used:  # (the engine made another number of it: a constant
            guards.append(Guard("same", traced, value_of(traced), True,  # somewhere)
                                "a number the engine took in"))
            build.add(traced)
    for raised in record.raised:
        tape.steps.append(build.raised(raised))
    tape.root = build.slots[id(root)]
    position = {step.out: k for k, step in enumerate(tape.steps) if isinstance(step, Step)}
    tape.backward_order = [position[build.slots[id(n)]] for n in reversed(backward_nodes)]
    if tape.inner:  # (a node made outside whose number alone was read: its .grad is not
        in_graph = {id(n) for n in order}  # set; guarded)
        tape.read = [(s, n) for s, n in tape.inner if id(n) not in in_graph]
        tape.inner = [(s, n) for s, n in tape.inner if id(n) in in_graph]
    for g in guards:
        tape.guards.append(Check(g.op, _side(g.left, build), _side(g.right, build, g.own),
                                 g.outcome, g.where))
    tape.graded = sorted(build.graded)
    tape.keep = build.keep  # type: ignore[attr-defined]

    def slot_of(x: Any) -> int:
        return build.slots[id(x)]

    return tape, build.arg_leaves, slot_of


def _plain_guard(g: Guard) -> Guard:
    """A branch on a comparison (``if x.data > 0``) as the comparison itself."""
    left = g.left
    if g.op == "!=" and g.right == 0.0 and isinstance(left, Traced) and \
            source_of(left)[0] == "step" and source_of(left)[1] in COMPARED:
        a, b = source_of(left)[3]
        return Guard(source_of(left)[1], a, b, g.outcome, g.where)
    return g


def _side(x: Any, build: _Builder, own: bool = False) -> int:
    """A guard's side as a slot (a constant has one of its own; ``own``: the capture's, a
    type's code, of no origin to place: not listed by ``explain()``)."""
    if own and not isinstance(x, Traced):
        slot = build.tape.slot()
        build.tape.constants[slot] = x
        return slot
    return build.number(x)
