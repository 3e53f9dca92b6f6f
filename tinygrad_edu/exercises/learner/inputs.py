"""The inputs of the exercises as data, and how a solution is run on them (``Call``).

A case is plain data: numbers, arrays (``number_cases.py``), a small graph
(``graph_cases.py``) or expression (``expression_cases.py``) written as steps. It prints as
the failing input of a verdict and makes *fresh* arguments on each call, so a solution that
changes its inputs (as ``backward`` changes ``.grad``) cannot affect the reference, the next
call or a model of a mistake. ``Call`` says how a solution is run on a case and its answer
made into parts (``parts.py``); it is data too, so that the grader can ask the learner's
process to run it there (``serve.py``), where a graph is built with the engine that process
has (``engines.py``). The strategies that draw cases, and the grader's examples, are in
``tinygrad_edu/exercises/cases.py`` and ``drawn_graphs.py``.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tinygrad_edu.exercises.learner import nudged, rerun, watched
from tinygrad_edu.exercises.learner.expression_cases import (
    EXPRESSION_OPS,  # noqa: F401 (read as inputs.EXPRESSION_OPS)
    PRIMITIVE,
    Expression,
    SumChain,  # noqa: F401 (read as inputs.SumChain)
    expression_text,
    local_rows,  # noqa: F401 (read as inputs.local_rows)
)
from tinygrad_edu.exercises.learner.gpt_cases import GPT_CALLS
from tinygrad_edu.exercises.learner.graph_cases import (
    BY_HAND,  # noqa: F401 (read as inputs.BY_HAND)
    OPS,
    Graph,
    Scattered,  # noqa: F401 (read as inputs.Scattered)
    _slots,
    scattered,
)
from tinygrad_edu.exercises.learner.parts import AnswerError, Numbers, close, parts_of

__all__ = ["Call", "Once", "taken"]  # (its cases: expression_cases.py, graph_cases.py)

Solution = Callable[..., Any]
"""A learner's answer to an exercise: a function, or for the Value exercise a class."""

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
    with rerun.Watching(cls, on=isinstance(case, Expression) and cls is not Value,
                        known=_numbers_of(case)) as running_backward:
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


def _numbers_of(case: Any) -> tuple[float, ...]:
    """The numbers of an expression: its leaves, every node's, the numbers its steps add or
    multiply by, the exponents."""
    steps = getattr(case, "steps", ())
    found = [*getattr(case, "leaves", ()), *getattr(case, "values", ()),
             *(number for _, _, number in steps if isinstance(number, (int, float)))]
    return tuple(float(x) for x in found)


@unlinked
def call_value_locals(cls: Any, case: Expression, made: list[Any]) -> tuple[Any, ...]:
    """Build ``case`` with the class: every node made by one op (``PRIMITIVE``) must hold its
    operands in ``_children`` and the local derivative towards each in ``_local_grads``, as
    microgpt's node does; the answer is those derivatives, in order."""
    from tinygrad_edu.engine import Value

    names = case.node_names()
    with rerun.Watching(cls, on=cls is not Value, known=_numbers_of(case)):
        nodes = case.build(cls, made)  # (finite differences taken as each node is made,
        # kept as its local derivatives: ``rerun.py``)
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


def call_backward(solution: Solution, case: Graph | Once) -> tuple[Any, ...]:
    """Run ``solution(root)`` on a fresh graph; the answer is every node's grad, in the order
    of ``Graph.listed``."""
    given = scattered(taken(case))
    nodes = given.build()
    nudged.run_backward(solution, nodes[given.root:given.root + 1], _operands(nodes))
    return (_numbers(nodes, "grad"),)


def _operands(nodes: Sequence[Any]) -> dict[str, list[float]]:
    """The number each tanh and exp node of a graph took as its operand: where a backward
    that runs the forward pass again evaluates them nudged (``nudged.run_backward``)."""
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
    return parts_of(nudged.run_backward(solution, (nodes[given.root], nodes[0]),
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
    nudged.run_backward(solution, (node,), _operands([node]))
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
# (gc.get_referrers(root)) is held by the learner's process: a topological_sort that
# read the case off the caller's frame, and one that found it with gc, each took 1/1
# (check, Gradescope) with no sort.
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
