"""A capture built as a program that ``compile`` keeps (``build``: the captured graph as a
tape, then Python or native code; ``Entry``: that program and what a call needs to run it),
and a call's run of it (``Run``: its gradients, added by ``backward()``; ``EngineRun``: a
call run as the engine). ``capture.py`` captures and picks the program a call runs."""

from __future__ import annotations

import math
from operator import is_, itemgetter
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.graph import walk
from tinygrad_edu.program import answers, own_ops, ran, reading
from tinygrad_edu.program import explain as explaining
from tinygrad_edu.program.captured import SetFromItself, captured_tape
from tinygrad_edu.program.held import Unwired, held_somewhere, unwired
from tinygrad_edu.program.numpy_numbers import of_numpy
from tinygrad_edu.program.program import Program
from tinygrad_edu.program.returned import Outside
from tinygrad_edu.program.traced import Recording, Traced, value_of
from tinygrad_edu.program.watching import REPLACED

__all__ = ["EngineRun", "Entry", "Run", "build"]


class Entry:
    """One captured program and what it needs at a call: the Values its leaves are (bound
    again where they were given), how to read the answer, the guards and inputs from
    outside (``outside``), the draws, where its other number inputs come from, the numbers
    it writes, and what the capture said."""

    def __init__(self, program: Any, answer: Any, arg_leaves: list[tuple[int, int]],
                 outside: Outside | None, record: Recording, args: int,
                 writes: list[tuple[Any, Any]], root: Any) -> None:
        self.program, self.answer, self.arg_leaves = program, answer, arg_leaves
        self.outside, self.draws = outside, record.draws or None
        self.writes, self.root, self.record = writes, root, record
        self.leaves = [leaf for _, leaf in program.tape.gradients]
        self.outside_values = {k for k, places in outside.walk.where.items()
                               if places[0].kind == "value"} if outside is not None else set()
        given = {k for k, _ in arg_leaves}
        for k, (_, leaf) in enumerate(program.tape.gradients):
            if k not in given:
                self.outside_values.add(id(leaf))
        self.alias: tuple[int, ...] = ()  # (which Values given are also found outside)
        places = [p.key() for p in outside.inputs] if outside is not None else []
        draws = iter(range(len(record.inputs)))
        self.plan: list[tuple[str, Any, int]] = []
        for origin in record.inputs[args:]:
            if origin[0] == "place":
                self.plan.append(("place", places.index(origin[1]), 0))
            elif origin[0] == "draw":
                self.plan.append(("draw", next(draws), 0))
            else:
                self.plan.append(("node", origin[1], origin[2]))
        self.runs = 0
        self.functions: list[tuple[Any, Any]] = []  # (``ran.py``: each with the code that ran)
        self.caches: list[tuple[Any, Any]] = []  # (``ran.py``: memoized, and their state)
        self.warned: list[Any] = []  # (the warnings it issued: ``warned.py``)
        self.numpy = any(of_numpy(k) for k in program.tape.kinds.values())
        self.registered = ran.registered()  # (the ABCs' registrations: ``ran.py``)
        self.rows = ran.rows_of(program.tape)  # (the op table's rows, as they were)
        self.classes = reading.class_parts(  # (subclasses of Value met, their parts as
            {type(v) for v in self.leaves} | {type(root) if root is not None else Value})
        # they were: a number method added later, a64p S10)
        self.own_rows = [row.name for row, *_ in self.rows if own_ops.reads_settings(row)]
        self.root_class: type[Value] = Value  # (the loss's class: its ``EMPTY_GRAD``, ``Run``)
        self.inner: list[tuple[Value, tuple[Any, ...]]] = []  # (nodes made outside, as
        # they were: their operands rewired between calls, captured again; a64m S6)


    def stale(self) -> str | None:
        """Why this program no longer holds (a call would capture again), or None. (Not a
        class registered on an ABC: importing torch registers some, to_torch would refuse.)"""
        replaced = ran.replaced(self.functions, self.caches, rows=self.rows,
                                classes=self.classes)
        if replaced:
            return replaced
        failed = self.outside.check()[0] if self.outside is not None else -1
        return None if failed == -1 else explaining.why_outside(self, failed)


class Run:
    """A call's run of the program: the numbers it ran on, and the gradients it found from
    the loss (each leaf's, from 0), added by ``backward()``."""

    def __init__(self, entry: Entry, leaves: list[Value], values: list[Any],
                 numbers: list[Any], found: tuple[Any, ...]) -> None:
        self.entry, self.leaves, self.values = entry, leaves, values
        self.numbers, self.found = numbers, found

    def backward(self, seed: Any) -> None:
        entry = self.entry
        if entry.root is not None:  # (the loss is a leaf: the engine's backward on it)
            root = entry.root if isinstance(entry.root, Value) else self.leaves[entry.root]
            root.backward(seed)
            return
        if type(seed) is not float:
            from tinygrad_edu.errors import as_float

            seed = as_float(seed, "backward(grad)")
        empty = entry.root_class.EMPTY_GRAD
        if type(empty) not in (int, float) or empty != 0 or math.copysign(1.0, empty) < 0:
            name = entry.root_class.__name__
            raise RuntimeError(  # (an attacker's a64b f6: its gradients, silently from 0.0)
                f"{name}.EMPTY_GRAD is {empty!r} (what an inner node's gradient starts from "
                "as backward begins), and a compiled function's backward starts each from "
                f"0.0, as the engine's does by default: set {name}.EMPTY_GRAD back to 0.0, or "
                "call the function itself (not compiled)")
        count = len(entry.program.tape.leaves)
        grads = [reading.gradient_number(leaf) for leaf in self.leaves[:count]]
        if seed == 1.0 and all(g == 0.0 and math.copysign(1.0, g) == 1.0 for g in grads):
            new = self.found  # (from 0.0, as backward() adds them: the very same numbers)
        elif entry.own_rows:  # (run again, an op of one's own would read its settings now,
            raise RuntimeError(  # the engine's as the call made its nodes: a64m S13)
                f"backward() with gradients held (or a seed other than 1.0) on a compiled "
                f"function's answer runs its program again, whose op of your own "
                f"({entry.own_rows[0]}) would read its settings as they are now, where the "
                "engine's backward() uses the local derivatives the call computed: zero the "
                "gradients before the call and call backward() once with no seed, or call "
                "the function uncompiled")
        else:  # (gradients held already, or another seed: the whole program again, on the
            # numbers of this call)
            new = entry.program.function(self.values, grads, self.numbers, seed)[2]
        for leaf, grad in zip(self.leaves, new):
            leaf.grad = grad


class EngineRun:
    """A call run as the engine (its capture, or a call a program cannot run): its
    backward() is the engine's. ``entry``: for a capture, what it was captured as (its
    program, named after the function)."""

    def __init__(self, root: Value, entry: Entry | None = None) -> None:
        self.root, self.entry = root, entry

    def backward(self, seed: Any) -> None:
        self.root.backward(seed)


def _passed_back_as_the_ops_do(name: str, root: Value) -> None:
    """Refused: a graph whose gradients the engine's ``backward()`` passes back otherwise
    than by each node's op (``reading.own_way_back``: a node with its own ``_backward``, set
    by any route, or of a class of its own; the loss's own ``backward``), or an engine whose
    ``backward()`` is not its own (``reading.engines_way_back``). A program passes each
    gradient back by the node's op: before, w.grad 7.5 where the engine's clipped one gave
    0.15, silently (an attacker's, a64k S1-S4, S6)."""
    replaced = reading.engines_way_back()
    if replaced:
        raise RuntimeError(f"{name} cannot be captured as a program: the engine's backward() "
                           f"is not its own ({replaced} replaced), and a program passes "
                           "gradients back by each node's op; put the engine's back, or call "
                           "the function uncompiled")
    replaced = reading.engines_builder() or REPLACED[0]
    if replaced:
        raise RuntimeError(f"{name} cannot be captured as a program: the engine is not its "
                           f"own ({replaced} replaced), and a program computes and gives each "
                           "node's number by its op's row as the engine's own Value does; put "
                           "the engine's back (an op of your own: unary_op or binary_op; a "
                           "method of your own: a subclass of Value), or call the function "
                           "uncompiled")
    for node in walk(root):
        way = reading.own_way_back(node) if node is root or reading.row_of(node) is not None \
            else None
        if way:
            raise RuntimeError(
                f"{name} cannot be captured as a program: a node of its graph passes "
                f"gradients back its own way ({way}: {explaining._value(node)}), which the "
                "engine's backward() follows and a program, passing them back by each node's "
                "op, does not; write the op with unary_op or binary_op (its derivative a "
                "rule), or call the function uncompiled")


def _as_made(name: str, record: Recording) -> None:
    """Refused: a node made in the call whose row, operands or local derivatives were set
    after its op made it (``r._da = -1.0``, a gradient reversal; ``out._da = 1.0`` after a
    relu, a straight-through estimator; ``h._a = u``, ``h._row = ...``: the engine's
    backward() follows what the node holds, a program computes each node by its op's row:
    before, w.grad +9 where the engine's reversal gave -9, and a loss of 13.5 where the
    engine's was 9.0, silently; an attacker's, a64l S1, S2), or a node made by the engine's
    builder reached past the capture's watch (``from tinygrad_edu.engine import apply``,
    ``engine.fill(...)``: before, the capture's node read at every call; a64l S6)."""
    nodes = list(map(itemgetter(0), record.as_made))
    thens = list(map(itemgetter(1), record.as_made))
    readers = (type, *reading.FIELD_READERS)  # (field by field, no object made per node)
    changed = not all(all(map(is_, map(read, nodes), map(itemgetter(k), thens)))
                      for k, read in enumerate(readers))
    for node, then in record.as_made if changed else ():
        field = reading.field_set_since(node, then)
        if field:
            raise RuntimeError(
                f"{name} cannot be captured as a program: it sets {field} of a Value made "
                f"in the call ({explaining._value(node)}), which the engine's backward() "
                "then follows and a program, computing each node by its op's row, does not; "
                "write the op with unary_op or binary_op (its derivative a rule), or call "
                "the function uncompiled")
    made, copied = record.made, record.copied
    record.as_made = []  # (not kept with the program: 65,077 of them for the demo step)
    for v in record.filled:
        if reading.row_of(v) is not None and id(v) not in made and id(v) not in copied:
            raise RuntimeError(
                f"{name} cannot be captured as a program: it makes a node with the engine's "
                f"builder reached past what a capture watches ({explaining._value(v)}: the "
                "engine's apply or fill held by name, engine.fill called), a node a program "
                "would not compute again; make it with the Value's operators and methods "
                "(x * y, x.exp()), or unary_op or binary_op for an op of your own")


def build(name: str, answer: Any, record: Recording, outside: Outside, count: int,
           given: Any, values: list[Value], native: bool) -> tuple[Entry, Any]:
    """The captured graph as a program, and the first call's answer."""
    found = answers.values_in(answer)
    if not found:
        raise TypeError(f"{name} returned {answer!r}: a compiled function returns its loss, a "
                        "Value (or a tuple, a list, a dict or a dataclass whose first Value is "
                        "the loss)")
    root = found[0]
    _passed_back_as_the_ops_do(name, root)
    _as_made(name, record)
    writes = [(place, x) for place, x in outside.writes]
    traced_writes = [x for _, x in writes if isinstance(x, Traced)]
    try:
        tape, arg_leaves, slot_of = captured_tape(root, [*answers.outputs_of(answer),
                                                         *traced_writes],
                                                  record, values)
    except SetFromItself as why:
        raise RuntimeError(
            f"{name} cannot be captured as a program: it sets the number of "
            f"{explaining._value(why.value)} to one computed from that Value's own number "
            "(as Value.__init__(w, w.data * 2) does), which a program, reading each node's "
            "number before what is made of it, cannot order; set it outside the compiled "
            "function, or make a new Value of it") from None
    aliased = unwired(tape, outside)  # (an input the graph did not read: its number
    if aliased:  # got by another route, guarded instead; captured again at once)
        raise Unwired(aliased)
    shape, items = answers.answer_shape(answer, slot_of, tape, name=name,
                                          outside=outside.walk.where)
    given = {k for k, _ in arg_leaves}
    read = [v for _, v in tape.read]  # (nodes made outside whose numbers alone it read)
    inner = [v for _, v in [*tape.inner, *tape.read]]
    made = record.made
    for places in outside.walk.where.values():  # (a Value found outside, its fields set in
        place = places[0]  # the call: a parameter's number, a node's local derivative;
        if place.kind == "value" and place.made is not None:  # a64n S5, S7)
            field = reading.field_set_since(place.value, place.made)
            if field:
                raise RuntimeError(
                    f"{name} cannot be captured as a program: it sets {field} of "
                    f"{place.said()} ({explaining._value(place.value)}), a Value made outside "
                    "it, which a program reads at every call but does not set again; set it "
                    "outside the compiled function")
    for v in inner:  # (a node "from outside" made of Values made in the call was made in
        if any(id(c) in made for c in reading.children_of(v)):  # it, unseen: a64m S5)
            raise RuntimeError(
                f"{name} cannot be captured as a program: it makes a node past what a capture "
                f"watches ({explaining._value(v)}, of Values made in the call: by "
                "object.__new__ and its fields set, or a builder held by name), a node a "
                "program would not compute again; make it with the Value's operators and "
                "methods (x * y, x.exp()), or unary_op or binary_op for an op of your own")
    walked = set(outside.walk.where)
    past = held_somewhere(tape, outside, record,
                          [v for k, (_, v) in enumerate(tape.gradients) if k not in given] +
                          read, answer)
    if past:  # (a number of unknown origin, and an object held past what is kept)
        raise RuntimeError(f"{name} cannot be captured as a program: {past}")
    late = [places[0].value for k, places in outside.walk.where.items()  # (found at build,
            if k not in walked and places[0].kind == "value"]  # after the call's writes)
    outside.guard({id(v) for _, v in [*tape.gradients, *tape.read]})
    unknown = [v for k, (_, v) in enumerate(tape.gradients)
               if k not in given and id(v) not in outside.walk.where]
    unknown += [v for v in read if id(v) not in outside.walk.where]
    if unknown or late:  # (its writes to them unseen: a program would not make them
        from tinygrad_edu.program.learners_code import user_code  # again; a64o L2, a64p S7)

        writer = reading.field_writer((c, g) for c, g in outside.watcher.codes.items()
                                      if user_code(c))
        if writer:
            found = [*unknown, *late]
            raise RuntimeError(
                f"{name} cannot be captured as a program: it reads {len(found)} Value(s) "
                "a capture found only after the call (held where no walk leads, behind a "
                f"weak reference: {', '.join(explaining._value(v) for v in found[:3])}), "
                f"and its code may set a Value's fields ({writer}), which a program would "
                "not do again: keep the Values where the function reads them by name (a "
                "global, an argument, an attribute of one), or call the function uncompiled")
    if unknown:  # (made by a copy in the function, or held where a capture does not look)
        from tinygrad_edu.program.explain import _value

        record.effect(f"it reads {len(unknown)} Value(s) found nowhere outside it "
                      f"({', '.join(_value(v) for v in unknown[:3])}): a program reads these "
                      "very Values at every call (verify= checks; explain() lists them)")
    written: list[tuple[Any, Any]] = []
    for place, x in writes:
        if isinstance(x, Traced):
            tape.outputs.append(slot_of(x))
            written.append((place, len(tape.outputs) - 1))
        else:
            written.append((place, (x,)))
    if native:  # (C where it can; its Python program is made only where C stops)
        from tinygrad_edu.program.native import native_program

        program: Any = native_program(tape, name)
    else:
        program = Program(tape, name)
    leaf_root: Any = None
    if reading.is_leaf(root):  # (the loss is a leaf: backward() is the engine's, on it)
        at = next((k for k, v in enumerate(values) if v is root), None)
        leaf_root = root if at is None else next(
            (k for k, a in arg_leaves if a == at), root)
    entry = Entry(program, shape, arg_leaves, outside, record, count, written, leaf_root)
    entry.inner = [(v, reading.as_made(v)) for v in inner]  # (rewired outside since: seen)
    entry.alias = tuple(id(v) if id(v) in entry.outside_values else 0 for v in values)
    entry.root_class = type(root)
    tape.stale = entry.stale
    first = [reading.number_of(x) if isinstance(x, Value) else value_of(x) for x in items]
    return entry, answers.answer(shape, reading.number_of(root), first,
                                 EngineRun(root, entry))
