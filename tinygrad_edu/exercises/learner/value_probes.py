"""The Value exercise's probes of a learner's class, run where the class is: in the
learner's process.

- ``forward_facts`` and ``backward_facts`` look at the class on tiny expressions (``2.0 *
  x``, ``x + x``, ...): which methods it lacks, which reverse ops are the wrong way round,
  which ops leave a plain number unwrapped, and what gradient each op's probe gives. The
  grader (``tinygrad_edu/exercises/value.py``) builds models of the mistakes they show.
- ``explain`` runs the learner's own ``_backward`` steps again, for a class that keeps
  micrograd's names (``_prev``, ``_backward``), in a right order or with each ``=`` of a
  step made a ``+=``, and says which change alone makes the gradients right on every input
  tried (given with their right gradients by the grader); else which step's local
  derivative is wrong, measured on its own.

Every probe answers with facts, never with words: names of methods and ops, nodes by their
place in a case, counts and numbers. This process is the learner's, and whatever it sends
is data to the grader, which checks each fact against its own copy of the cases and says
it in its own words (``tinygrad_edu/exercises/value_words.py``): no text composed here
reaches a verdict or a class's report.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any, cast

from tinygrad_edu.exercises.learner.parts import Numbers, close

__all__ = ["backward_facts", "explain", "forward_facts"]

REVERSE = {"__radd__": "+", "__rsub__": "-", "__rmul__": "*", "__rtruediv__": "/"}
METHODS = ("__add__", "__sub__", "__mul__", "__truediv__", "__pow__", "tanh", "exp", "relu",
           *REVERSE, "backward")
STEPS = ("__add__", "__sub__", "__mul__", "__truediv__", "__pow__", "__neg__", "tanh", "exp",
         "relu", *REVERSE)
"""The methods whose steps an `=` is looked for in (a fact names one of them)."""


def _quietly(run: Callable[[], Any]) -> Any:
    """``run()``, or None if it raises: a probe only looks."""
    try:
        return run()
    except (Exception, SystemExit):
        return None


_DUNDER = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__"}


def _data_of(op: str, a: Any, b: Any) -> Any:
    """The .data of a op b, or None if that raises."""
    return _quietly(lambda: _apply(op, a, b).data)


def _apply(op: str, a: Any, b: Any) -> Any:
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[op]()


def _same_number(got: Any, want: float) -> bool:
    return isinstance(got, (int, float)) and abs(got - want) < 1e-12


ASSIGN_PROBES: dict[str, Callable[[Any], Any]] = {
    "+": lambda x: x + x, "*": lambda x: x * x, "-": lambda x: x - x, "/": lambda x: x / x,
    "**": lambda x: x**2 + x, "tanh": lambda x: x.tanh() + x, "exp": lambda x: x.exp() + x,
    "relu": lambda x: x.relu() + x,
}
"""For each op, an expression where ``=`` in that op's backward loses a share of x.grad."""


def probe_grad(cls: type, op: str) -> float | None:
    def run() -> float:
        x = cls(1.5)
        ASSIGN_PROBES[op](x).backward()
        return float(x.grad)

    return _quietly(run)


def forward_facts(cls: type) -> dict[str, Any]:
    """What the class does on tiny expressions: whether ``cls(0.5)`` makes a Value at all,
    the methods it lacks, the reverse ops the wrong way round, and the ops that fail on a
    plain number, with - and / made of other ops as micrograd makes them ("composite") and
    with ops of their own ("own")."""
    if _quietly(lambda: cls(0.5)) is None:
        return {"made": False}
    missing = [m for m in METHODS if not callable(getattr(cls, m, None))]
    swapped = [name for name, op in (("__rsub__", "-"), ("__rtruediv__", "/"))
               if name not in missing
               and _same_number(_data_of(op, 2.0, cls(0.5)), _apply(op, 0.5, 2.0))]
    unwrapped = {kind: [op for op in ops if _DUNDER[op] not in missing
                        and _data_of(op, cls(0.5), 2.0) is None]
                 for kind, ops in (("composite", "+*"), ("own", "+-*/"))}
    return {"made": True, "missing": missing, "swapped": swapped, "unwrapped": unwrapped}


def backward_facts(cls: type) -> dict[str, float | None]:
    """x.grad after ``backward()`` on each op's probe (``_ASSIGN_PROBES``) at x = 1.5, None
    where that raises."""
    return {op: probe_grad(cls, op) for op in ASSIGN_PROBES}


# ----------------------------------------------------------------------------- explain
# For a class that keeps micrograd's conventions (each node has a _backward step and keeps
# the Values it was made from in _prev), the learner's own steps can be run again: in a
# right order, or with each `=` of a step made a `+=`. When one such change alone gives the
# right gradient on every input tried, that change names the mistake, and the learner's run
# on the failing input shows where.

_CHILDREN = ("_prev", "_children", "children", "prev", "_parents", "parents")
_SENTINEL = 1024.0


def _children_of(node: Any) -> str | None:
    """The attribute in which ``node`` keeps the Values it was made from (micrograd: _prev)."""
    for name in _CHILDREN:
        kids = getattr(node, name, None)
        if isinstance(kids, (set, frozenset, tuple, list)):
            return name
    return None


def _reached(root: Any, kids: str) -> list[Any]:
    """Every node ``root`` depends on, itself included, in no order of the graph's."""
    found: dict[int, Any] = {}
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) not in found:
            found[id(node)] = node
            todo.extend(getattr(node, kids))
    return list(found.values())


class _Making:
    """While active, every instance of ``cls`` made is kept in ``made``, in the order made
    (the class's ``__init__`` is wrapped, and put back afterwards): a node is made after the
    nodes it is made from, so the order made is a right order for backward. The probes
    order a graph by it, never by a walk of their own: a topological sort here would be
    one that a learner's ``Value.backward`` (graded in this process) could call (_no_sort)."""

    def __init__(self, cls: type, made: list[Any]) -> None:
        self.cls, self.made = cls, made

    def __enter__(self) -> _Making:
        self.own = self.cls.__dict__.get("__init__")
        init, made = cast(Callable[..., None], self.cls.__init__), self.made  # type: ignore[misc]

        def making(obj: Any, *args: Any, **kwargs: Any) -> None:
            made.append(obj)
            init(obj, *args, **kwargs)

        self.cls.__init__ = making  # type: ignore[misc]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.own is None:
            del self.cls.__init__  # type: ignore[misc]
        else:
            self.cls.__init__ = self.own  # type: ignore[misc]


# _no_sort: this module has no topological sort. It is imported only where the Value
# exercise is graded (``serve.PROBED``), whose ``backward()`` needs one: with ``_graph``
# (a walk that listed each node after the nodes it was made from), imported in every
# process, a ``topological_sort`` that called it and sorted nothing took 1/1 on every
# route, and a Value's backward could have called it too.


class _GradWrites:
    """While active, every write to ``.grad`` on an instance of ``cls`` is also kept in
    ``writes``, with the code that wrote it (the class's ``__setattr__`` is wrapped, and put
    back afterwards); while ``shift`` is not 0, the grad of each node in ``shifted`` (by id)
    is stored that much above what was written (a later `+=` keeps it, an `=` does not)."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.writes: list[tuple[Any, Any, Any]] = []  # (node, value written, code)
        self.shift = 0.0
        self.shifted: set[int] = set()

    def __enter__(self) -> _GradWrites:
        self.own = self.cls.__dict__.get("__setattr__")
        setter = cast(Callable[[Any, str, Any], None], self.cls.__setattr__)
        writes = self.writes

        def recording(obj: Any, name: str, value: Any) -> None:
            if name == "grad":
                writes.append((obj, value, sys._getframe(1).f_code))
                if self.shift and id(obj) in self.shifted:
                    value = value + self.shift
            setter(obj, name, value)

        self.cls.__setattr__ = recording  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.own is None:
            del self.cls.__setattr__
        else:
            self.cls.__setattr__ = self.own  # type: ignore[method-assign]


class _Run:
    """The learner's class on one case, its steps recorded: which node's step ran when,
    the root's grad when its step ran, and (``accumulate``) which steps wrote a grad with
    `=`, each such write made a `+=`: the step is run from grads of 0, then again from
    grads of 1024 with 1024 added after each write (``_GradWrites.shift``); a write that
    does not keep what was added before it was an `=` (``_shares``)."""

    def __init__(self, cls: type, case: Any, accumulate: bool, writes: _GradWrites | None
                 ) -> None:
        made: list[Any] = []
        with _Making(cls, made):
            self.nodes = case.build(cls)
        self.rank = {id(node): k for k, node in enumerate(made)}
        self.root = self.nodes[-1]
        kids = _children_of(self.root)
        if kids is None or not callable(getattr(self.root, "_backward", None)):
            raise _NoConvention
        self.kids = kids
        self.every = self.graph(self.root)
        self.calls: list[Any] = []
        self.root_grads: list[Any] = []
        self.assigned: list[tuple[Any, Any, float, float, Any]] = []  # node, child, before,
        # share, the code of the first `=`
        self.uses: list[tuple[Any, Any, int]] = []  # node, child, how many times its step
        # wrote the child's grad
        self.grads = Numbers(0.0 for _ in self.nodes)
        self.writer: dict[int, Any] = {}  # (the code that last wrote a node's grad, by id)
        for node in self.every:
            original = node._backward
            step = self._accumulating(node, original, writes) if accumulate else original
            node._backward = self._recorded(node, step)

    def graph(self, root: Any) -> list[Any]:
        """Every node ``root`` depends on, each after the nodes it was made from (in the
        order they were made: ``_Making``)."""
        reached = _reached(root, self.kids)
        if any(id(node) not in self.rank for node in reached):
            raise _NoConvention  # (a node not made as an instance of the class)
        return sorted(reached, key=lambda node: self.rank[id(node)])

    def _recorded(self, node: Any, step: Callable[[], None]) -> Callable[[], None]:
        def recorded() -> None:
            self.calls.append(node)
            if node is self.root:
                self.root_grads.append(node.grad)
            step()
        return recorded

    def _accumulating(self, node: Any, step: Callable[[], None], writes: _GradWrites | None
                      ) -> Callable[[], None]:
        assert writes is not None

        def accumulating() -> None:
            kids = list({id(k): k for k in getattr(node, self.kids)}.values())
            before = [k.grad for k in kids]
            finals = []
            for start in (0.0, _SENTINEL):
                for k in kids:
                    k.grad = start
                del writes.writes[:]
                writes.shift, writes.shifted = start, {id(k) for k in kids}
                try:
                    step()
                finally:
                    writes.shift = 0.0
                finals.append(([k.grad for k in kids], list(writes.writes)))
            (zero, zero_writes), (_, high_writes) = finals
            for k, b, z in zip(kids, before, zero):
                own = [w for w in zero_writes if w[0] is k]
                self.uses.append((node, k, len(own)))
                if own:
                    self.writer[id(k)] = own[-1][2]
                share, assigned = _shares(own, [w for w in high_writes if w[0] is k], z)
                if assigned is not None:
                    self.assigned.append((node, k, b, share, assigned))
                k.grad = b + share
        return accumulating

    def backward(self, right_order: bool) -> Numbers:
        if right_order:
            self.root.grad = 1.0
            for node in reversed(self.every):
                node._backward()
        else:
            self.root.backward()
        return Numbers(float(n.grad) for n in self.nodes)


def _shares(zero: list[tuple[Any, Any, Any]], high: list[tuple[Any, Any, Any]], final: Any
            ) -> tuple[Any, Any]:
    """What a step gives one node's grad with each `=` made a `+=`, from its writes to it
    (node, value, code) run from 0 (``zero``, ending at ``final``) and from 1024 with 1024
    added after each write (``high``); and the code of its first `=` (None: none). A `+=`
    keeps what was stored before it (its write is that much higher in ``high``), an `=`
    does not (its write is the same): an `=` gives what it wrote, a `+=` what it added."""
    if len(zero) != len(high):  # (not the same writes twice: the step's grad as it is)
        return final, None
    share, assigned = 0.0, None
    stored = (0.0, _SENTINEL)
    for (_, z, code), (_, h, _) in zip(zero, high):
        if abs(h - z) < abs((h - z) - (stored[1] - stored[0])):  # an `=`
            share += z
            assigned = code if assigned is None else assigned
        else:
            share += z - stored[0]
        stored = (z, h + _SENTINEL)
    return share, assigned


class _NoConvention(Exception):
    """The class does not keep micrograd's conventions: its steps cannot be run again."""


def _replay(cls: type, case: Any, right_order: bool, accumulate: bool) -> _Run | None:
    """A run of the learner's steps (None if it cannot be made or raises)."""
    try:
        if accumulate:
            with _GradWrites(cls) as writes:
                run = _Run(cls, case, True, writes)
                run.grads = run.backward(right_order)
        else:
            run = _Run(cls, case, False, None)
            run.grads = run.backward(right_order)
    except (Exception, SystemExit):
        return None
    return run


def explain(cls: type, failure: Any, tried: list[tuple[Any, Numbers]], failure_at: int | None,
            wanted: list[list[tuple[int, float]]]) -> dict[str, Any]:
    """What changes the learner's answers into the right ones on every input tried (each
    case with its right gradients; the failing input is ``failure``), as facts: a right
    order of the steps (``"order"``: the mistake is in backward()), `+=` for `=` in the
    steps (``"assign"``), or both (``"both"``); else, measured on the failing input, a step
    whose local derivative is wrong (``"local"``; ``wanted``: see ``_local_fact``).
    ``{"variant": "none"}`` when none of this can be shown (the grader's models then have
    their turn). Facts only: which kind, nodes by their place in a case, counts and numbers;
    the grader says them in words (``value_words.py``), from its own copy of the cases.
    ``failure_at`` (where ``failure`` is among ``tried``) is the grader's to use."""
    nothing: dict[str, Any] = {"variant": "none"}
    if not inspect.isclass(cls) or not tried:
        return nothing

    def right_everywhere(right_order: bool, accumulate: bool) -> bool:
        for case, expected in tried:
            run = _replay(cls, case, right_order, accumulate)
            if run is None or not close(run.grads, expected):
                return False
        return True

    if right_everywhere(True, False):
        own = _replay(cls, failure, False, False)
        order = _order_fact(own) if own is not None else None
        return {"variant": "order", "order": order} if order is not None else nothing
    if right_everywhere(False, True):
        assign = _assign_fact(cls, failure)
        return {"variant": "assign", "assign": assign} if assign is not None else nothing
    if right_everywhere(True, True):  # both: `=` in the steps, and the order
        assign = _assign_fact(cls, failure)
        for k, (case, _) in enumerate(tried):  # the first input on which the order goes wrong
            own = _replay(cls, case, False, True)
            order = _order_fact(own, k) if own else None
            if order is not None and assign is not None:
                return {"variant": "both", "assign": assign, "order": order}
        return nothing
    local = _local_fact(cls, failure, wanted)
    return {"variant": "local", "local": local} if local is not None else nothing


Ref = dict[str, Any]
"""A node of a run, as a fact names it: ``{"index": k, "inside": False}`` for the case's
node k (its line of the case's code), ``{"index": k, "inside": True}`` for a node made on
the way inside node k's op (as x0 - x1 makes -x1)."""


def _refs(run: _Run) -> dict[int, Ref]:
    """Each node of a run (by id) as a fact names it: the case's own nodes by their index;
    any other node as made inside the first of the case's nodes whose graph holds it."""
    refs: dict[int, Ref] = {}
    for k, node in enumerate(run.nodes):
        refs[id(node)] = {"index": k, "inside": False}
    for node in run.nodes:
        for inner in _reached(node, run.kids):
            refs.setdefault(id(inner), {"index": refs[id(node)]["index"], "inside": True})
    return refs


def _number(x: Any) -> int | float | None:
    """A learner's number as a fact: an int or a float (None for anything else)."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return float(x)
    return None


def _order_fact(run: _Run, at: int | None = None) -> dict[str, Any] | None:
    """What the learner's backward() did wrong on this run (on ``tried[at]``; None: the
    failing input): the root not seeded (``"seed"``), a step run more than once
    (``"repeated"``), a step run before a step of a node made from it (``"early"``), a step
    never run (``"skipped"``); None if none of these."""
    refs = _refs(run)

    def ref(node: Any) -> Ref | None:
        return refs.get(id(node))

    if not run.root_grads or run.root_grads[0] != 1.0:
        return {"kind": "seed", "at": at,
                "grad": _number(run.root_grads[0]) if run.root_grads else 0.0}
    counts: dict[int, int] = {}
    for node in run.calls:
        counts[id(node)] = counts.get(id(node), 0) + 1
    inner = [n for n in run.every if getattr(n, run.kids)]
    repeated = [n for n in inner if counts.get(id(n), 0) > 1]
    if repeated:
        n = max(repeated, key=lambda v: counts[id(v)])
        return {"kind": "repeated", "at": at, "node": ref(n), "times": counts[id(n)]}
    position = {id(n): k for k, n in enumerate(run.calls)}
    inner_ids = {id(n) for n in inner}
    early = [(v, u) for u in run.every for v in getattr(u, run.kids)
             if id(v) in inner_ids and id(v) in position and id(u) in position
             and position[id(v)] < position[id(u)]]
    if early:
        named = [(v, u) for v, u in early if _own(ref(v)) and _own(ref(u))]
        v, u = min(named or early, key=lambda pair: position[id(pair[0])])
        return {"kind": "early", "at": at, "node": ref(v), "after": ref(u)}
    skipped = [n for n in inner if id(n) not in position]
    if skipped:
        return {"kind": "skipped", "at": at, "node": ref(skipped[0])}
    return None


def _own(ref: Ref | None) -> bool:
    """Whether a node is one of the case's own (not made inside one, nor unknown)."""
    return ref is not None and not ref["inside"]


def _assign_fact(cls: type, case: Any) -> dict[str, Any] | None:
    """A step that sets a grad with `=` where that loses a share on the failing input: the
    step's node, the node whose grad it sets, and ``other``, another step that gives that
    node a share (None: the step itself uses it twice, as b = a + a). What the order of the
    steps decides is not a fact: which of two steps ran later, what the grad held before
    (a set's order differs from the learner's run to this one, made of other objects). So
    the step and the node are chosen by their place in the case, the same in every order."""
    run = _replay(cls, case, False, True)
    if run is None or not run.assigned:
        return None
    refs = _refs(run)

    def place(node: Any) -> tuple[int, bool]:
        ref = refs.get(id(node))
        return (ref["index"], ref["inside"]) if ref else (len(run.nodes), True)

    found = []
    for node, child, _, _, code in run.assigned:
        others = [n for n, k, _ in run.uses if k is child and n is not node]
        twice = any(n is node and k is child and times > 1 for n, k, times in run.uses)
        if others or twice:
            other = min(others, key=place) if others and not twice else None
            found.append(((place(child), place(node)), node, child, other, code))
    if not found:
        return None
    _, node, child, other, code = min(found, key=lambda f: f[0])
    return {"node": refs.get(id(node)), "child": refs.get(id(child)),
            "other": refs.get(id(other)) if other is not None else None,
            "method": _method_of(cls, code)}


def _method_of(cls: type, code: Any) -> str | None:
    """Which of the class's methods of ``STEPS`` holds ``code`` (its own, or a function
    defined in it, such as the op's _backward)."""
    def holds(outer: Any) -> bool:
        return outer is code or any(inspect.iscode(c) and holds(c) for c in outer.co_consts)

    for name in STEPS:
        function = inspect.getattr_static(cls, name, None)
        inner = getattr(function, "__code__", None)
        if inner is not None and holds(inner):
            return name
    return None


def _local_fact(cls: type, case: Any, wanted: list[list[tuple[int, float]]]
                ) -> dict[str, Any] | None:
    """The first step (in the order of the case) whose local derivatives, measured on their
    own (grad 1 on the node, 0 below, `=` counted as `+=`), differ from the engine's:
    ``wanted[k]`` holds, for node k, each operand's index and the engine's local derivative
    towards it (the grader works them out; this process has no engine). The fact: the
    node's index, the operand's, the derivative the step gave (``got``), and the method
    whose code last wrote the operand's grad there (``method``, one of ``STEPS``, or
    None)."""
    try:
        with _GradWrites(cls) as writes:
            run = _Run(cls, case, True, writes)
            for k, (mine, operands) in enumerate(zip(run.nodes, wanted)):
                if not operands:
                    continue
                theirs = [run.nodes[j] for j, _ in operands]
                below = set().union(*({id(n) for n in run.graph(t)} for t in theirs))
                for n in run.graph(mine):
                    n.grad = 0.0
                mine.grad = 1.0
                run.writer.clear()
                for n in reversed(run.graph(mine)):
                    if id(n) not in below:
                        n._backward()
                for (j, want), t in zip(operands, theirs):
                    if not close(float(t.grad), float(want)):
                        code = run.writer.get(id(t))
                        return {"node": k, "of": j, "got": float(t.grad),
                                "method": _method_of(cls, code) if code else None}
    except (Exception, SystemExit):
        return None
    return None
