"""The inputs of the exercises as data, and how a solution is run on them (``Call``).

A case is plain data: numbers, arrays (``number_cases.py``), a small graph or expression
written as steps. It prints as the failing input of a verdict and makes *fresh* arguments on
each call, so a solution that changes its inputs (as ``backward`` changes ``.grad``) cannot
affect the reference, the next call or a model of a mistake. ``Call`` says how a solution is
run on a case and its answer made into parts (``parts.py``); it is data too, so that the
grader can ask the learner's process to run it there (``serve.py``), where a graph is built
with the engine that process has (``engines.py``). The strategies that draw cases, and the
grader's examples, are in ``tinygrad_edu/exercises/cases.py``.
"""

from __future__ import annotations

import functools
import numbers
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tinygrad_edu.exercises.learner import rerun, watched
from tinygrad_edu.exercises.learner.gpt_cases import GPT_CALLS
from tinygrad_edu.exercises.learner.parts import AnswerError, Numbers, close, parts_of

__all__ = ["Call", "Once", "taken"]

Solution = Callable[..., Any]
"""A learner's answer to an exercise: a function, or for the Value exercise a class."""

# ----------------------------------------------------------------------------- graphs

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


EXPRESSION_OPS: dict[str, Callable[..., Any]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b,
    "*": lambda a, b: a * b, "/": lambda a, b: a / b,
    "+c": lambda a, c: a + c, "c+": lambda a, c: c + a,
    "-c": lambda a, c: a - c, "c-": lambda a, c: c - a,
    "*c": lambda a, c: a * c, "c*": lambda a, c: c * a,
    "/c": lambda a, c: a / c, "c/": lambda a, c: c / a,
    "**": lambda a, c: a**c,
    "tanh": lambda a: a.tanh(), "exp": lambda a: a.exp(), "relu": lambda a: a.relu(),
    "log": lambda a: a.log(),
}
"""What a learner's Value must do, as Python writes it: ``+ - * /`` between two Values, with
a plain number c on the right (``"+c"``: x + c) or on the left (``"c+"``: c + x, which needs
``__radd__``), ``**`` a number, and the methods tanh, exp, relu and log (microgpt's node
has log, not tanh)."""

def expression_text(op: str, names: Sequence[str], number: Any = None) -> str:
    """One step as Python code: ``x0 + x1``, ``2.0 * v1``, ``v2 ** 3``, ``v3.tanh()``."""
    a = names[0]
    if op in ("tanh", "exp", "relu", "log"):
        return f"{a}.{op}()"
    if op == "**":
        return f"{a} ** {number!r}"
    if op.endswith("c"):
        return f"{a} {op[0]} {number!r}"
    if op.startswith("c"):
        return f"{number!r} {op[1]} {a}"
    return f"{a} {op} {names[1]}"


@dataclass(frozen=True)
class Expression:
    """A computation for the Value exercise: leaves, then steps that each apply an op of
    ``EXPRESSION_OPS`` to earlier nodes (and maybe a plain number). It prints as the Python
    code that builds it, ending with ``backward()`` on the root unless ``forward_only``."""

    leaves: tuple[float, ...]
    steps: tuple[tuple[str, tuple[int, ...], Any], ...]
    values: tuple[float, ...] = ()  # every node's number, as the engine computes it
    forward_only: bool = False

    def node_names(self) -> list[str]:
        return [f"x{i}" for i in range(len(self.leaves))] + [
            f"v{k + 1}" for k in range(len(self.steps))]

    def build(self, cls: type, made: list[Any] | None = None) -> list[Any]:
        """Every node, built with the class ``cls`` by Python's operators; the root is last.
        Each is appended to ``made`` too, as it is made (for ``unlinked``)."""
        names = self.node_names()
        nodes = [cls(x) for x in self.leaves]
        made = [] if made is None else made
        made.extend(nodes)
        for op, args, number in self.steps:
            operands = [nodes[i] for i in args]
            node = EXPRESSION_OPS[op](*operands, *([] if number is None else [number]))
            made.append(node)
            _check_made(node, cls, f"{names[len(nodes)]} = "
                        f"{expression_text(op, [names[i] for i in args], number)}")
            nodes.append(node)
        return nodes

    def size(self) -> tuple[int, int]:
        """Its steps, then its leaves: ``x0 - 2.0`` is one step on one leaf."""
        return (len(self.steps), len(self.leaves))

    def __str__(self) -> str:
        names = self.node_names()
        lines = [f"{names[i]} = Value({x!r})" for i, x in enumerate(self.leaves)]
        lines += [f"{names[len(self.leaves) + k]} = "
                  f"{expression_text(op, [names[i] for i in args], number)}"
                  for k, (op, args, number) in enumerate(self.steps)]
        if not self.forward_only:
            lines.append(f"{names[-1]}.backward()")
        return "\n".join(lines)


def _check_made(node: Any, cls: type, step: str) -> None:
    if not isinstance(node, cls):
        raise AnswerError(f"{step} gave {node!r:.60}, not a {cls.__name__}: every operation "
                          f"must return a new {cls.__name__}, made from its operands")


@dataclass(frozen=True)
class SumChain:
    """s = x, then s = s + x, ``n`` times: a sum of n + 1 terms, a chain n nodes deep (as deep
    as a loss summed over n examples)."""

    x: float
    n: int
    forward_only: bool = False

    def node_names(self) -> list[str]:
        return ["x", "s"]

    @property
    def values(self) -> tuple[float, float]:
        """x and s as the engine computes them: n + 1 additions of x."""
        s = self.x
        for _ in range(self.n):
            s = s + self.x
        return (self.x, s)

    def build(self, cls: type, made: list[Any] | None = None) -> list[Any]:
        """x and s, built with the class ``cls``; every node made is appended to ``made``
        (for ``unlinked``)."""
        made = [] if made is None else made
        x = cls(self.x)
        s = x
        made.append(x)
        for _ in range(self.n):
            s = s + x
            made.append(s)
        _check_made(s, cls, "s = s + x")
        return [x, s]

    def __str__(self) -> str:
        return (f"x = Value({self.x!r}); s = x, then s = s + x, {self.n} times (a sum of "
                f"{self.n + 1} terms, a chain {self.n} nodes deep)"
                + ("" if self.forward_only else "; s.backward()"))


def unlinked(call: Callable[[Any, Any, list[Any]], tuple[Any, ...]]
             ) -> Callable[[Any, Any], tuple[Any, ...]]:
    """``call(cls, case, made)``, after which every node in ``made`` (each node the case
    built, with the learner's class) lets go of what it holds, so that freeing the graph
    is flat. A graph frees itself node by node, each freeing the nodes only it held:
    freeing the root of a sum of 2001 terms goes 2000 calls deep, in C, which the stack
    of a browser's Python (Pyodide, in WebAssembly) does not survive. Emptied from the
    root end once the answer is read (or the call has raised), no node holds another, and
    each is freed alone, whatever else (a traceback's frames, the learner's own lists)
    still holds some of them."""
    def called(cls: Any, case: Any) -> tuple[Any, ...]:
        made: list[Any] = []
        try:
            return call(cls, taken(case), made)
        finally:
            for node in reversed(made):
                _let_go(node)
            made.clear()

    return functools.wraps(call)(called)


def _let_go(node: Any) -> None:
    """Drop every attribute ``node`` holds (its ``__dict__`` and its slots)."""
    try:
        vars(node).clear()
    except TypeError:  # (no __dict__)
        pass
    for slot in _slots(type(node)):
        try:
            object.__delattr__(node, slot)
        except (AttributeError, TypeError):
            pass


@unlinked
def call_value_forward(cls: Solution, case: Any, made: list[Any]) -> tuple[Any, ...]:
    """Build ``case`` with the class: every node's data, once every grad is checked to
    start at 0."""
    names = case.node_names()
    nodes = case.build(cls, made)
    grads = _numbers(nodes, "grad", names)
    started = [n for n, g in zip(names, grads) if g != 0]
    if started:
        raise AnswerError(f"{started[0]}.grad is {grads[names.index(started[0])]!r} before "
                          "backward(): a new Value's grad starts at 0 (self.grad = 0.0 in "
                          "__init__)")
    return (_numbers(nodes, "data", names),)


@unlinked
def call_value_backward(cls: Solution, case: Any, made: list[Any]) -> tuple[Any, ...]:
    """Build ``case`` with the class and call ``backward()`` on the root: every node's grad.
    The forward values must be the engine's (``case.values``), else the gradients mean
    nothing yet. While it runs, a forward pass run again (the same functions at nudged
    numbers) is watched for (``rerun.py``): on the expressions, not on the long chain, whose
    stage comes after theirs (where such a backward has failed already) and whose 2000
    nodes would make the watch cost a tenth of a second; nor the engine's own, the grader's
    reference."""
    from tinygrad_edu.engine import Value

    names = case.node_names()
    with rerun.Watching(cls, on=isinstance(case, Expression) and cls is not Value
                        ) as running_backward:
        nodes = case.build(cls, made)
        data = _numbers(nodes, "data", names)
        for name, got, want in zip(names, data, case.values):
            if not close(got, want):
                raise AnswerError(f"the forward pass differs on this input: {name}.data is "
                                  f"{float(got)!r}, {float(want)!r} was expected. Get the "
                                  "values right first")
        running_backward()
        nodes[-1].backward()
    return (_numbers(nodes, "grad", names),)


PRIMITIVE = ("+", "*", "**", "log", "exp", "relu")
"""The ops of microgpt's node that make one node of their operands (``a - b`` is made of
``+`` and a negation, ``a / b`` of ``*`` and ``** -1``)."""


def local_rows(case: Expression) -> list[str]:
    """The names of the local derivatives ``call_value_locals`` reads, in its order."""
    names = case.node_names()
    return [f"{names[len(case.leaves) + k]}._local_grads[{i}]"
            for k, (op, args, _) in enumerate(case.steps) if op in PRIMITIVE
            for i in range(len(args))]


@unlinked
def call_value_locals(cls: Any, case: Expression, made: list[Any]) -> tuple[Any, ...]:
    """Build ``case`` with the class: every node made by one op (``PRIMITIVE``) must hold its
    operands in ``_children`` and the local derivative towards each in ``_local_grads``, as
    microgpt's node does; the answer is those derivatives, in order."""
    names = case.node_names()
    nodes = case.build(cls, made)
    found = []
    for k, (op, args, number) in enumerate(case.steps):
        if op not in PRIMITIVE:
            continue
        name = names[len(case.leaves) + k]
        node = nodes[len(case.leaves) + k]
        code = expression_text(op, [names[i] for i in args], number)
        for field in ("_children", "_local_grads"):
            if not isinstance(getattr(node, field, None), (tuple, list)):
                raise AnswerError(f"{name} = {code} has no {field} (a tuple): microgpt's node "
                                  "keeps the nodes it was made from in _children and the "
                                  "local derivative towards each in _local_grads")
        children, local = list(node._children), list(node._local_grads)
        if len(children) != len(args) or any(c is not nodes[i] for c, i in zip(children, args)):
            want = ", ".join(names[i] for i in args)
            raise AnswerError(f"{name} = {code}: its _children should be ({want}), the nodes "
                              f"it was made from, in order; it holds {len(children)} "
                              "other(s)")
        if len(local) != len(children):
            raise AnswerError(f"{name} = {code}: _local_grads should hold one number per "
                              f"child ({len(children)}), it holds {len(local)}")
        for i, g in enumerate(local):
            if isinstance(g, bool) or not isinstance(g, numbers.Real):
                raise AnswerError(f"{name}._local_grads[{i}] is {g!r:.60}, not a number: a "
                                  "local derivative is a plain number, computed in the "
                                  "forward pass")
            found.append(float(g))
    return (Numbers(found),)


def scattered(case: Graph | Scattered) -> Scattered:
    """The graph as the learner's process builds it (the grader's process builds it so too,
    so that both list their answers in the same order: ``Graph.listed``)."""
    return case.scattered() if isinstance(case, Graph) else case


def call_backward(solution: Solution, case: Graph | Once) -> tuple[Any, ...]:
    """Run ``solution(root)`` on a fresh graph; the answer is every node's grad, in the order
    of ``Graph.listed``."""
    given = scattered(taken(case))
    nodes = given.build()
    watched.run_backward(solution, nodes[given.root:given.root + 1], _operands(nodes))
    return (_numbers(nodes, "grad"),)


def _operands(nodes: Sequence[Any]) -> dict[str, list[float]]:
    """The number each tanh and exp node of a graph took as its operand: where a backward
    that runs the forward pass again evaluates them nudged (``watched.run_backward``)."""
    operands: dict[str, list[float]] = {"tanh": [], "exp": []}
    for node in nodes:
        if node.op in operands:
            operands[node.op].append(node.parents[0].data)
    return operands


def _numbers(nodes: Sequence[Any], attribute: str, names: Sequence[str] | None = None
             ) -> Numbers:
    """``node.grad`` (or ``.data``) of every node, checking that each is still a number
    (``names`` name the nodes, else their labels)."""
    values = []
    for k, node in enumerate(nodes):
        name = node.label if names is None else names[k]
        if not hasattr(node, attribute):
            raise AnswerError(f"{name} has no attribute {attribute!r}: a Value keeps its "
                              f"number in .data and its gradient in .grad")
        g = getattr(node, attribute)
        if isinstance(g, type(node)) or hasattr(g, "grad"):  # a Value, of any class
            raise AnswerError(f"{name}.{attribute} became a Value; it should stay a number "
                              "(multiply numbers: node.grad is a float)")
        if isinstance(g, bool) or not isinstance(g, numbers.Real):
            raise AnswerError(f"{name}.{attribute} became {g!r:.60}, not a number")
        values.append(float(g))
    return Numbers(values)


def call_topological(solution: Solution, case: Graph | Once) -> tuple[Any, ...]:
    """Run ``solution(root)``; the answer is the names of the nodes it listed, in order.
    While it runs, nothing here lists the nodes in the graph's order (_no_order_held)."""
    given = scattered(taken(case))
    nodes = given.build()
    root = nodes[given.root]
    del given
    nodes.sort(key=id)  # (by their places in memory: what id() tells the learner anyway)
    names = {id(node): node.label for node in nodes}  # (before the learner's code runs)
    answer = solution(root)
    if answer is None:
        raise AnswerError("the function returned None; it should return a list of the nodes "
                          "(a missing `return`?)")
    try:
        items = list(answer)
    except TypeError:
        raise AnswerError(f"the function should return a list of nodes, got {answer!r:.60}"
                          ) from None
    listed = []
    for item in items:
        if id(item) not in names:
            raise AnswerError(f"the list holds {item!r:.60}, which is not a node of the graph "
                              "(return the Values themselves)")
        listed.append(names[id(item)])
    return (tuple(listed),)


def call_paths(solution: Solution, case: Graph | Once) -> tuple[Any, ...]:
    """Run ``solution(root, x)`` on a fresh graph, x its first leaf; the answer is (the
    number of paths, the sum of their products)."""
    given = scattered(taken(case))
    nodes = given.build()
    return parts_of(watched.run_backward(solution, (nodes[given.root], nodes[0]),
                                         _operands(nodes)),
                    ("count", "df/dx"), scalar=True)


@dataclass(frozen=True)
class NodeCase:
    """One node of a graph at the moment backward reaches it: its parents (``uses`` says
    which parent each operand is, so ``(0, 0)`` is x·x), the gradient each parent has
    collected so far from other paths, and the node's own gradient."""

    op: str
    values: tuple[float, ...]
    uses: tuple[int, ...]
    grads: tuple[float, ...]
    upstream: float

    def build(self) -> tuple[Any, list[Any]]:
        from tinygrad_edu.engine import Value

        names = ["a", "b"]
        parents = [Value(v, label=names[i]) for i, v in enumerate(self.values)]
        for p, g in zip(parents, self.grads):
            p.grad = g
        node = OPS[self.op](*(parents[i] for i in self.uses))
        node.label, node.grad = "out", self.upstream
        return node, parents

    def __str__(self) -> str:
        names = ["a", "b"]
        a = [names[i] for i in self.uses]
        rhs = f"{a[0]} {self.op} {a[1]}" if len(a) == 2 else f"{self.op}({a[0]})"
        parents = ", ".join(f"{names[i]} = {v!r} (grad so far {g!r})"
                            for i, (v, g) in enumerate(zip(self.values, self.grads)))
        return f"out = {rhs} with {parents}; out.grad = {self.upstream!r}"


def call_step(solution: Solution, case: NodeCase | Once) -> tuple[Any, ...]:
    node, parents = taken(case).build()
    watched.run_backward(solution, (node,), _operands([node]))
    return (_numbers(parents, "grad"),)


@dataclass(frozen=True)
class Params:
    """Parameters (numbers with gradients) and a learning rate, for one step of descent."""

    data: tuple[float, ...]
    grads: tuple[float, ...]
    lr: float

    def build(self) -> list[Any]:
        from tinygrad_edu.engine import Value

        params = [Value(d, label=f"w{i}") for i, d in enumerate(self.data)]
        for p, g in zip(params, self.grads):
            p.grad = g
        return params

    def __str__(self) -> str:
        ws = ", ".join(f"w{i} = {d!r} (grad {g!r})"
                       for i, (d, g) in enumerate(zip(self.data, self.grads)))
        return f"{ws}; lr = {self.lr!r}"


def call_sgd(solution: Solution, case: Params | Once) -> tuple[Any, ...]:
    given = taken(case)
    params = given.build()
    solution(params, given.lr)
    return (_numbers(params, "data"),)



# ----------------------------------------------------------------------------- calls


class Once:
    """A case as the learner's process hands it to a call (``serve.Context.call``): the call
    takes it (``taken``) as it builds the case's Values, and from then on nothing holds it
    (_no_order_held)."""

    def __init__(self, case: Any) -> None:
        self._case = case

    def take(self) -> Any:
        case, self._case = self._case, None
        if case is None:
            raise RuntimeError("a case taken twice")
        return case


def taken(case: Any) -> Any:
    """The case of ``case`` (a ``Once``'s, taken), or ``case`` itself."""
    return case.take() if isinstance(case, Once) else case


# _no_order_held: a graph's case lists its steps in the order they are made, each after its
# operands: a topological order. While a learner's topological_sort runs, neither the case
# (read off the caller's frame, sys._getframe(1).f_locals, or found with gc.get_objects(),
# its names in that order) nor a list of the graph's nodes in the case's order
# (gc.get_referrers(root)) is held by the learner's process: a second independent
# attacker's B02 and B02b each took topological_sort 1/1 (check, Gradescope) with no sort.
# (The case it is sent is scattered now, _scattered, and holds no such order either.)


@dataclass(frozen=True)
class Call:
    """How a solution is run on a case of an exercise, by ``kind``: ``"numbers"`` and
    ``"arrays"`` call it on the case's arguments and take each of ``parts`` from what it
    returns (numbers, or arrays); ``"rule"`` and ``"rule arrays"`` do so for a derivative
    rule, always on watched numbers (``watched.py``: ``ComplexUsed`` if it met a complex
    number), so that a call on the points where the grader tries a rule for exactness is
    the same call, with the same kind, as every other one: nothing the learner's process
    is told says which is which. Every other kind is a function of ``CALLS``, which builds
    the case's Values and reads what the solution did to them. ``call(solution, case)``
    returns the answer as a tuple of parts (``AnswerError`` for an answer of the wrong
    kind)."""

    kind: str
    parts: tuple[str, ...] = ("answer",)

    def __call__(self, solution: Solution, case: Any, node: type | None = None
                 ) -> tuple[Any, ...]:
        """``node``: the class of the nodes a stage of the microgpt track is run on
        (``gpt_cases.py``); the other kinds take none."""
        if self.kind in CALLS:  # (each takes the case itself: ``taken``)
            return CALLS[self.kind](solution, case)
        case = taken(case)
        if self.kind in ("numbers", "arrays"):
            return parts_of(solution(*case.args()), self.parts, scalar=self.kind == "numbers")
        if self.kind in ("rule", "rule arrays"):  # (watched.py)
            return watched.call(solution, case, self.parts, self.kind == "rule")
        if self.kind in GPT_CALLS:
            if node is None:
                raise AnswerError("there is no class Value to build this stage's nodes with")
            return GPT_CALLS[self.kind](solution, case, node)
        raise ValueError(f"no such kind of call: {self.kind!r:.40}")


CALLS: dict[str, Callable[[Solution, Any], tuple[Any, ...]]] = {
    "sgd": call_sgd, "step": call_step, "topological": call_topological,
    "backward": call_backward, "paths": call_paths, "value_forward": call_value_forward,
    "value_backward": call_value_backward, "value_locals": call_value_locals,
}
"""The kinds of call that build Values from a case, by name."""
