"""A graph as a program: its nodes as a flat list of steps, each the row of the op table that
made the node, read from numbered slots and written to one.

``Tape`` is what every form of a program is made from (the Python source, the native
program, PyTorch's function). Its slots hold numbers: the leaves' numbers (read from the
Values at every run: parameters and inputs), constants, plain numbers computed from the data
(``NumberStep``: a softmax's max, a label read from the data set), and every node's number.
Each ``Step`` is one node: its row, its operands' slots, which operands are nodes (they get
a gradient), and, for an op on lists, where its first list ends. The steps are in the order
of ``graph.walk`` (each after the nodes it was made from), so running them backwards passes
every gradient on in exactly the order ``backward()`` does: a program gives the engine's
numbers bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.graph import walk
from tinygrad_edu.program.reading import (
    children_of,
    local_grads_of,
    number_of,
    operands_of,
    row_of,
)
from tinygrad_edu.row import GivenOp, ListOp, Op

__all__ = ["Check", "NumberStep", "Step", "Tape", "tape_of"]


@dataclass(frozen=True)
class Step:
    """One node: ``row`` applied to the slots ``args``, its number written to ``out``; the
    operands marked in ``nodes`` are nodes, which get a gradient (the others are plain
    numbers); ``first``: for ``dot``, how many operands its first list has. A node made by
    hand (``GivenOp``) has its number and its local derivatives in slots of their own:
    ``given`` (the number's slot, then one per child)."""

    row: Op
    out: int
    args: tuple[int, ...]
    nodes: tuple[bool, ...]
    first: int = 0
    given: tuple[int, ...] = ()


@dataclass(frozen=True)
class NumberStep:
    """A plain number computed from others (no gradient): ``function`` of the slots
    ``args``, written to ``out``; ``name`` is how the source shows it (``max``, ``-``)."""

    name: str
    function: Callable[..., float]
    out: int
    args: tuple[int, ...]


@dataclass(frozen=True)
class Raises:
    """An operation that raised when the program was captured, where the code caught the
    error and went on (``try: y = x.log() except ValueError: ...``): ``step`` (a ``Step`` or
    a ``NumberStep`` whose ``out`` nothing reads) must raise ``error`` again at every run,
    of that very type and with the same ``said`` (its args: its text), or the code would
    take another way (another ``except``) or keep another text (``str(e)``); ``where``: the
    learner's line."""

    step: Step | NumberStep
    error: type
    where: str
    said: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Check:
    """A guard of a captured program: ``op`` (``"<"``, ``"=="``... or ``"same"``: the very
    same number, of the same type, to the bit) between the slots ``left`` and ``right`` (a
    constant has a slot of its own) must give ``outcome`` again; ``where``: the learner's
    line it comes from."""

    op: str
    left: int
    right: int
    outcome: bool
    where: str


@dataclass
class Tape:
    """A graph as steps over numbered slots (see the module's docstring).

    ``leaves``: (slot, Value) for every leaf Value the program reads at each run and whose
    gradient it adds to; ``numbers``: (slot, how to get it) for the plain numbers given at
    each run (a program's number inputs); ``constants``: slot -> number; ``steps``: the
    nodes and the numbers computed from the data, in order; ``root``: the slot of the
    output; ``names``: a slot's label, for the source."""

    size: int = 0
    leaves: list[tuple[int, Value]] = field(default_factory=list)
    numbers: list[tuple[int, Any]] = field(default_factory=list)
    constants: dict[int, float] = field(default_factory=dict)
    steps: list[Step | NumberStep | Raises] = field(default_factory=list)
    root: int = -1
    names: dict[int, str] = field(default_factory=dict)
    guards: list[Check] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    backward_order: list[int] | None = None
    """The steps the backward pass visits, by index, in its order (None: every step, the
    last first); a capture's forward order can differ from ``backward()``'s walk."""
    inner: list[tuple[int, Value]] = field(default_factory=list)
    """Nodes made before the capture that the graph passes through (slot, node): the
    program returns their gradients after the leaves', which ``backward()`` sets (an inner
    node holds the latest pass's)."""
    read: list[tuple[int, Value]] = field(default_factory=list)
    """Nodes made before the capture whose numbers alone the function read (``h.data``):
    read at every run and guarded where they are held, as ``inner``'s, but no gradient slots
    (``backward()`` does not reach them: their ``.grad`` is not set)."""
    stale: Callable[[], str | None] | None = None
    """Why the program no longer gives the engine's numbers (a number outside changed, a
    parameter replaced), as its compiled function finds it at a call; None: it holds. Set by
    the capture; ``Program.run``, the native and PyTorch programs refuse to run then."""
    kinds: dict[int, type] = field(default_factory=dict)
    """The kind of a plain number's slot where it is not a float (an int, a bool: a count,
    a comparison): what the program's answer gives there."""
    origins: dict[int, tuple[Any, Any]] = field(default_factory=dict)
    """A constant's slot -> (the number, the node or Value that took it): where it came
    from, for ``Compiled.explain()``."""
    graded: list[int] = field(default_factory=list)
    """Slots that get a gradient and are neither leaves nor steps' outputs (a Value made in
    the function from a number): it starts at 0.0 and nobody reads it."""

    def backward_steps(self) -> list[Step]:
        """The nodes the backward pass visits, in its order."""
        if self.backward_order is None:
            return [s for s in reversed(self.steps) if isinstance(s, Step)]
        return [self.steps[k] for k in self.backward_order]  # type: ignore[misc]

    @property
    def gradients(self) -> list[tuple[int, Value]]:
        """The slots whose gradients a program returns, in order: the leaves', then the
        inner nodes' made before the capture."""
        return [*self.leaves, *self.inner]

    def slot(self) -> int:
        self.size += 1
        return self.size - 1

    @property
    def nodes(self) -> int:
        """How many nodes the graph has (its steps that are nodes)."""
        return sum(isinstance(s, Step) for s in self.steps)


NumberSource = Callable[[Value, int, Any], "int | None"]
"""``source(node, i, number)``: the slot of a plain number that stood as node's operand i,
where the capture knows where it came from (a program input, a number computed from the
data); None for a constant."""

LeafSource = Callable[[Value], "int | None"]
"""``source(leaf)``: the slot of a leaf made from a number the capture knows (a Value made
from the data), else None: the leaf is read at each run if it existed before the capture,
else it is a constant."""


def tape_of(root: Value, tape: Tape | None = None, number_source: NumberSource | None = None,
            leaf_source: LeafSource | None = None,
            made_inside: Callable[[Value], bool] | None = None) -> Tape:
    """The tape of ``root``'s graph. Without a capture's knowledge (``number_source``,
    ``leaf_source``, ``made_inside``): every leaf is read at each run, every plain number is
    a constant."""
    tape = tape if tape is not None else Tape()
    where: dict[int, int] = {}  # id(node) -> its slot
    for node in walk(root):
        row = row_of(node)
        if row is None:
            where[id(node)] = _leaf(tape, node, leaf_source, made_inside)
            continue
        out = tape.slot()
        where[id(node)] = out
        if node.label:
            tape.names[out] = node.label
        if isinstance(row, GivenOp):
            given = [_number(tape, node._data, number_source, node, -1)]
            given += [_number(tape, d, number_source, node, -2 - k)
                      for k, d in enumerate(local_grads_of(node))]
            args = tuple(where[id(c)] for c in children_of(node))
            tape.steps.append(Step(row, out, args, (True,) * len(args), given=tuple(given)))
            continue
        operands = operands_of(node)
        args = tuple(where[id(x)] if isinstance(x, Value) else
                     _number(tape, x, number_source, node, i) for i, x in enumerate(operands))
        first = len(operands) // 2 if isinstance(row, ListOp) and row.lists == 2 else 0
        tape.steps.append(Step(row, out, args, tuple(isinstance(x, Value) for x in operands),
                               first))
    tape.root = where[id(root)]
    return tape


def _leaf(tape: Tape, leaf: Value, source: LeafSource | None,
          made_inside: Callable[[Value], bool] | None) -> int:
    found = source(leaf) if source is not None else None
    if found is not None:
        return found
    slot = tape.slot()
    if leaf.label:
        tape.names[slot] = leaf.label
    if made_inside is not None and made_inside(leaf):
        tape.constants[slot] = number_of(leaf)
    else:
        tape.leaves.append((slot, leaf))
    return slot


def _number(tape: Tape, x: Any, source: NumberSource | None, node: Value, i: int) -> int:
    found = source(node, i, x) if source is not None else None
    if found is not None:
        return found
    slot = tape.slot()
    tape.constants[slot] = float(x)
    return slot


def operand_lists(step: Step, values: Sequence[Any]) -> tuple[Any, ...]:
    """A step's operands as its row's forward function takes them: one by one, or for an op
    on lists as one list (``vsum``) or two (``dot``)."""
    row = step.row
    if isinstance(row, ListOp):
        xs = [values[a] for a in step.args]
        return (xs,) if row.lists == 1 else (xs[:step.first], xs[step.first:])
    return tuple(values[a] for a in step.args)
