"""The graphs of the exercises on a graph (backward, topological order, paths) as data.

A ``Graph`` is leaves with numbers, then steps that each apply an op to earlier nodes; it
prints as the failing input of a verdict and builds fresh Values on each call. The learner's
process is sent it ``Scattered`` (``Graph.scattered``): its nodes in no order in which each
comes after its parents, each made alone on stand-ins of its parents. How a solution is run
on a graph (``call_backward``, ...) is in ``inputs.py``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tinygrad_edu.exercises.learner.parts import close

__all__ = ["BY_HAND", "Graph", "Scattered", "scattered"]

OPS: dict[str, Callable[..., Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "tanh": lambda a: a.tanh(),
    "exp": lambda a: a.exp(),
}
ARITY = {"+": 2, "-": 2, "*": 2, "tanh": 1, "exp": 1}
BY_HAND = "node"
"""The op of a step made by hand, as microgpt makes its nodes, ``Value(data, children,
local_grads)``: its number and its local derivatives are given (``Graph.given``), those of no
op. A backward that passes on ``node.local_grads`` honours them; one that works local
derivatives out from the op, or that runs the forward pass again to take differences (no
chain rule), cannot."""


def node(data: float, children: tuple[Any, ...], local_grads: tuple[float, ...]) -> Any:
    """A node made by hand (its op is named ``node``, after this function)."""
    from tinygrad_edu.engine import Value

    return Value(data, children, local_grads)


@dataclass(frozen=True)
class Graph:
    """A small computation: leaves with numbers, then steps that each apply an op to earlier
    nodes (leaves are nodes 0..n-1, so a node can be used more than once). The last step is
    the root. ``labels``: the number each step's name has (``v3``), a shuffle of 0, 1, ...
    drawn with the graph (none: in the order they are made), so that no order of the labels
    is the order the nodes were made in. A step whose op is ``BY_HAND`` is a node made by
    hand: ``given`` holds its number and local derivatives, a pair for each such step."""

    leaves: tuple[float, ...]
    steps: tuple[tuple[str, tuple[int, ...]], ...]
    names: tuple[str, ...] = ()
    labels: tuple[int, ...] = ()
    given: tuple[tuple[float, tuple[float, ...]], ...] = ()

    def node_names(self) -> list[str]:
        leaves = list(self.names) or [f"x{i}" for i in range(len(self.leaves))]
        numbers = self.labels if len(self.labels) == len(self.steps) else range(len(self.steps))
        return leaves + [f"v{k + 1}" for k in numbers]

    def parents(self) -> list[tuple[int, ...]]:
        """The parents of every node, by index (leaves have none)."""
        return [()] * len(self.leaves) + [args for _, args in self.steps]

    def build(self) -> list[Any]:
        """Fresh Values for every node, labelled with their names, in the graph's order (the
        root last), made in that order with the engine's ops: the grader's, never the
        learner's process's (which is sent the graph ``scattered``)."""
        from tinygrad_edu.engine import Value

        names = self.node_names()
        nodes = [Value(x, label=names[i]) for i, x in enumerate(self.leaves)]
        given = iter(self.given)
        for k, (op, args) in enumerate(self.steps):
            parents = [nodes[i] for i in args]
            if op == BY_HAND:
                data, local_grads = next(given)
                made = node(data, tuple(parents), local_grads)
            else:
                made = OPS[op](*parents)
            made.label = names[len(self.leaves) + k]
            nodes.append(made)
        return nodes

    def listed(self) -> list[int]:
        """The nodes (by index) in the order a graph's answers list them (every node's grad):
        the leaves, then the steps by their label's number (``v1``, ``v2``, ...): no order of
        the graph's own (``labels`` are drawn shuffled)."""
        steps = range(len(self.leaves), len(self.leaves) + len(self.steps))
        if len(self.labels) != len(self.steps):
            return list(range(len(self.leaves))) + list(steps)
        return list(range(len(self.leaves))) + sorted(
            steps, key=lambda i: self.labels[i - len(self.leaves)])

    def scattered(self) -> Scattered:
        """The graph as it is built in the learner's process: its nodes ``listed``, each with
        its number (the grader's engine's), its op and its parents by their place in that
        list (_scattered)."""
        names, made, parents = self.node_names(), self.build(), self.parents()
        listed = self.listed()
        at = {i: k for k, i in enumerate(listed)}
        ops = [""] * len(self.leaves) + [op for op, _ in self.steps]
        given = iter(self.given)
        local = [() if op != BY_HAND else tuple(next(given)[1]) for op in ops]
        return Scattered(tuple((names[i], ops[i], tuple(at[p] for p in parents[i]),
                                made[i].data, local[i]) for i in listed),
                         at[len(names) - 1])

    def __str__(self) -> str:
        names = self.node_names()
        text = [f"{names[i]} = {x!r}" for i, x in enumerate(self.leaves)]
        given = iter(self.given)
        for k, (op, args) in enumerate(self.steps):
            a = [names[i] for i in args]
            if op == BY_HAND:
                data, local_grads = next(given)
                children = f"({a[0]},)" if len(a) == 1 else f"({', '.join(a)})"
                rhs = f"Value({data!r}, {children}, {tuple(local_grads)!r}), made by hand"
            else:
                rhs = f"{a[0]} {op} {a[1]}" if len(a) == 2 else f"{op}({a[0]})"
            text.append(f"{names[len(self.leaves) + k]} = {rhs}")
        return "; ".join(text) + f"  (root {names[-1]})"


@dataclass(frozen=True)
class Scattered:
    """A graph as the learner's process is sent it and builds it (``Graph.scattered``): its
    nodes in the order answers list them (``Graph.listed``: the leaves, then the steps by
    their label's number), each as (name, op, parents by their place in ``nodes``, number,
    local derivatives given: those of a node made by hand, else ()); ``root``: the root's
    place. Nothing in it, nor in how it is built, is an order in which each node comes
    after its parents (_scattered)."""

    nodes: tuple[tuple[str, str, tuple[int, ...], float, tuple[float, ...]], ...]
    root: int

    def build(self) -> list[Any]:
        """Fresh Values for every node, in the order of ``nodes``, labelled with their names.
        Each is made alone, in an order drawn from the case, by its op (or by hand) on
        stand-ins of its parents (leaves of their numbers), whose places it then gives to
        the parents themselves: no node is made after its parents, by any code, so the order
        they are made in, and their places in memory (``gc.get_objects()``, ``id()``), tell
        nothing. The order is drawn from the case, so that a grading's verdicts are the same
        for its recorded seed."""
        from tinygrad_edu.engine import Value

        made: list[Any] = [None] * len(self.nodes)
        places: dict[int, tuple[Any, int]] = {}  # a stand-in's id: it, its parent's place
        for k in random.Random(repr(self.nodes)).sample(range(len(self.nodes)),
                                                        len(self.nodes)):
            name, op, parents, data, local_grads = self.nodes[k]
            if not parents:
                made[k] = Value(data, label=name)
                continue
            ins = {i: Value(self.nodes[i][3]) for i in parents}  # (one for x in x * x)
            places.update((id(s), (s, i)) for i, s in ins.items())
            operands = [ins[i] for i in parents]
            got = node(data, tuple(operands), local_grads) if op == BY_HAND \
                else OPS[op](*operands)
            if not close(got.data, data):
                raise RuntimeError(f"{name} = {op} came out {got.data!r} here, "
                                   f"{data!r} in the grader's process")
            got.label = name
            made[k] = got
        _put_in_place(made, places)
        return made


def _put_in_place(made: list[Any], places: dict[int, tuple[Any, int]]) -> None:
    """Every stand-in the nodes ``made`` hold (in a field, alone or in a tuple) replaced by
    the node it stands in for: ``places``, by the stand-in's id, holds it and that node's
    place in ``made``."""

    def placed(x: Any) -> Any:
        pair = places.get(id(x))
        if pair is not None and pair[0] is x:
            return made[pair[1]]
        return tuple([placed(item) for item in x]) if type(x) is tuple else x

    slots: dict[type, list[str]] = {}
    for node in made:
        kind = type(node)
        for slot in slots.get(kind) or slots.setdefault(kind, _slots(kind)):
            value = getattr(node, slot, None)
            if id(value) in places or type(value) is tuple:
                object.__setattr__(node, slot, placed(value))
        fields = getattr(node, "__dict__", {})
        for name, value in list(fields.items()):
            if id(value) in places or type(value) is tuple:
                fields[name] = placed(value)


def _slots(cls: type) -> list[str]:
    """The slots of ``cls`` and its bases, but ``__dict__`` and ``__weakref__``."""
    found = []
    for klass in cls.__mro__:
        slots = getattr(klass, "__slots__", ())
        found += [s for s in ((slots,) if isinstance(slots, str) else slots)
                  if s not in ("__dict__", "__weakref__")]
    return found


def scattered(case: Graph | Scattered) -> Scattered:
    """The graph as the learner's process builds it (the grader's process builds it so too,
    so that both list their answers in the same order: ``Graph.listed``)."""
    return case.scattered() if isinstance(case, Graph) else case

