"""The exercises on graphs of Values: one step of backward, a topological order, the whole
backward pass (13-15), your own micrograd's class Value (18) and why gradients add, the sum
over paths (19). ``catalog.py`` lists them with the others, in order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.exercises import answers as A
from tinygrad_edu.exercises import assigned
from tinygrad_edu.exercises import cases as C
from tinygrad_edu.exercises import drawn_graphs as G
from tinygrad_edu.exercises import value as V
from tinygrad_edu.exercises.exact_graphs import ExactExpressions
from tinygrad_edu.exercises.grading import Exercise
from tinygrad_edu.exercises.learner import inputs as I
from tinygrad_edu.exercises.mistakes import GRAD_ADDED, GRAD_SET, VISITS, Mistake
from tinygrad_edu.exercises.starters import starter

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises

# ----------------------------------------------------------------------------- 13-15: graphs

_STEP_ASSIGN = Mistake(
    "assign", "`=` instead of `+=`: a reused node loses a path",
    "A node can be a parent along several paths (x in x * x, or in both a = x + y and "
    "b = x - y), and its gradient is the sum over all of them. `parent.grad = ...` overwrites "
    "what earlier steps (or the other operand) put there; `parent.grad += ...` adds to it.",
    A.step_assigns)
_STEP_UPSTREAM = Mistake(
    "upstream", "the upstream gradient not multiplied in",
    "The chain rule multiplies the local derivative by the gradient arriving from above, "
    "node.grad = dL/d(node): parent.grad += local * node.grad.", A.step_without_upstream)
_STEP_LOCAL = Mistake(
    "local", "the local derivative not multiplied in",
    "The chain rule multiplies the gradient arriving from above, node.grad, by the local "
    "derivative d(node)/d(parent), the parent's entry in node.local_grads: parent.grad += "
    "local * node.grad. Without it every operation passes its gradient on as if its slope "
    "were 1, as + does (in x * x, x.grad must be 2x, not 2).", A.step_without_local)

STEP = Exercise(
    number=13, name="backward_step", title="one step of backward: pass a gradient on",
    level=2, params="node",
    statement="""
A Value made by an operation remembers ``node.parents`` (its operands, in order: ``x * x``
has x twice) and ``node.local_grads``, d(node)/d(parent) for each, worked out in the
forward pass. When backward reaches a node, ``node.grad`` = dL/d(node) is complete.

Write the one step backward takes there: pass the gradient on to every parent by the chain
rule. A parent may already hold gradient from other paths; keep it. Change ``parent.grad``
in place and return nothing.
""",
    starter=starter("backward_step", "node",
                     "Pass node.grad on to node.parents by the chain rule."),
    domain="one node (+, -, *, tanh or exp; x * x included) with parents and grads in [-2, 2]",
    cases=G.node_cases(), call=C.call_step, parts=("the parents' grads",),
    reference=A.backward_step, rows=lambda case: [f"{n}.grad" for n in "ab"[:len(case.values)]],
    mistakes=(dataclasses.replace(_STEP_ASSIGN, where=("backward_step", GRAD_SET)),
              dataclasses.replace(_STEP_UPSTREAM, where=("backward_step", GRAD_ADDED)),
              dataclasses.replace(_STEP_LOCAL, where=("backward_step", GRAD_ADDED)),
              Mistake("data_grad", "node.data used where node.grad was meant",
                      "The upstream gradient is node.grad, dL/d(node); node.data is the node's "
                      "value from the forward pass.", A.step_with_data)),
    examples=(I.NodeCase("*", (1.5,), (0, 0), (0.0,), 1.0),
              I.NodeCase("*", (3.0, 2.0), (0, 1), (1.0, -1.0), 5.0)),
)


def _judge_order(case: I.Graph, answer: tuple[Any, ...]) -> Mistake | None:
    """Is ``answer`` (node names) a topological order of everything the root depends on?"""
    return _order_problem(case, answer)


def _order_problem(case: I.Graph, answer: tuple[Any, ...]) -> Mistake | None:
    listed = list(answer[0])
    names = case.node_names()
    if not all(isinstance(n, str) and n in names for n in listed):  # (only the grader's names)
        raise ValueError("an order of names that are not the graph's nodes")
    parents = case.parents()
    needed, stack = set(), [len(names) - 1]
    while stack:
        i = stack.pop()
        if i not in needed:
            needed.add(i)
            stack.extend(parents[i])
    repeated = sorted({n for n in listed if listed.count(n) > 1})
    if repeated:
        return Mistake("duplicates", "a node listed more than once",
                       f"{', '.join(repeated)} appear(s) more than once. A node used twice is "
                       "reached along two paths; keep a set of the nodes already visited and "
                       "skip them the second time.")
    missing = [names[i] for i in sorted(needed) if names[i] not in listed]
    if missing:
        return Mistake("missing", "nodes missing",
                       f"{', '.join(missing)} are missing. The order must hold every node the "
                       "root depends on: visit the parents of the parents too, down to the "
                       "leaves, and include the root itself.")
    position = {n: k for k, n in enumerate(listed)}

    def before_parents(order: dict[str, int]) -> list[str]:
        return [names[i] for i in sorted(needed)
                if any(order[names[p]] > order[names[i]] for p in parents[i])]

    late = before_parents(position)
    if not late:
        return None
    if not before_parents({n: -k for n, k in position.items()}):
        return Mistake("reversed", "the order reversed: children before their parents",
                       "Your list is a valid order read backwards: it has the root first. "
                       "That is the order backward visits, but a topological order puts "
                       "every node after its parents: append a node after visiting its "
                       "parents (or reverse your list).")
    return Mistake("order", "a node before one of its parents",
                   f"{', '.join(late)} come(s) before one of its parents. Append a node only "
                   "once all of its parents are in the list: visit the parents first, then "
                   "append the node.")


_GRAPHS_DOMAIN = ("random graphs of +, -, *, tanh, exp and nodes made by hand (Value(data, "
                  "children, local_grads)): small ones (up to 3 leaves and 8 steps), a node "
                  "used twice by one op or at two depths, stacked diamonds, wide fans, chains "
                  "of 20 to 150 steps; and the smallest graph on which each classic mistake "
                  "shows")

TOPO = Exercise(
    number=14, name="topological_sort", title="a topological order of a graph", level=3,
    params="root",
    statement="""
Backward must visit a node only after every node made from it, so that the node's gradient
is complete when it passes it on. The way to get such an order is a *topological sort*:
list the graph so that every node comes after all of its parents, then read it backwards.

Write it: return a list of every Value that ``root`` depends on (the root included), each
exactly once, every node after its parents (``node.parents``). Any valid order passes. A
depth-first search does it: visit a node's parents first, then append the node; keep a set
of visited nodes, because a node can be reached along several paths.
""",
    starter=starter("topological_sort", "root",
                     "Return every node root depends on, each once, parents first."),
    domain=_GRAPHS_DOMAIN,
    cases=G.graphs(), call=C.call_topological, parts=("order",),
    reference=A.topological_sort, judge=_judge_order,
    examples=G.graph_examples(),
)

_PREORDER = (
    "A node's gradient is complete only once every node made from it has passed its share "
    "on. Appending a node when the search first meets it (before visiting its parents) "
    "lists it before the nodes that reach it by a longer path: in v1 = x·x, v2 = v1 + c, "
    "f = v1·v2, the search from f meets v1 before v2, so v1 passes its gradient on before "
    "v2 has added its share. Append a node after its parents (post-order), then go through "
    "that list backwards.")
_BREADTH = (
    "Going out from the root level by level reaches a node at its shortest distance, but a "
    "node used by nodes at different depths (v1 in v1·(v1 + c)) must wait for the deepest "
    "of them: it passes its gradient on before that share has arrived. Visit the nodes in "
    "reverse topological order: a depth-first search that appends a node after its parents, "
    "read backwards.")

BACKWARD = Exercise(
    number=15, name="backward", title="the whole backward pass", level=3, params="root",
    statement="""
Put it together: fill ``.grad`` of every node that ``root`` depends on with d(root)/d(node).
All grads start at 0. Seed the root with d(root)/d(root) = 1, then visit the nodes in
reverse topological order (``walk(root)`` from tinygrad_edu lists them parents first) and
at each node pass its gradient on to its parents: for each parent and local derivative
(``zip(node.parents, node.local_grads)``: a node's operands, in order, and d(node)/d(each)),
add local × node.grad to the parent. Some nodes are made by hand, as microgpt makes its nodes:
``Value(data, children, local_grads)``, with local derivatives given, those of no op; their
``parents`` and ``local_grads`` are those given.

On f = (x + y)(x - y) at x = 3, y = 2 you should get x.grad = 6, y.grad = -4.
""",
    starter=starter("backward", "root", "Fill .grad of every node root depends on."),
    domain=_GRAPHS_DOMAIN,
    cases=G.graphs(), call=C.call_backward, parts=("grads",), reference=A.backward,
    explain=assigned.explain,  # (``=`` for ``+=`` in whatever order the nodes are visited)
    rows=lambda case: [f"{case.node_names()[i]}.grad" for i in case.listed()],  # (its order)
    mistakes=(
        Mistake(_STEP_ASSIGN.key, _STEP_ASSIGN.title, _STEP_ASSIGN.hint, A.backward_assigns,
                where=("backward", GRAD_SET)),
        Mistake(_STEP_UPSTREAM.key, _STEP_UPSTREAM.title, _STEP_UPSTREAM.hint,
                A.backward_without_upstream, where=("backward", GRAD_ADDED)),
        dataclasses.replace(_STEP_LOCAL, solution=A.backward_without_local,
                            where=("backward", GRAD_ADDED)),
        Mistake("order", "nodes visited parents first (not reversed)",
                "Backward must visit the topological order *backwards*: a node passes its "
                "gradient on only after every node made from it has added to it. Going "
                "forwards, a node passes on 0 (or a part) before its gradient is complete.",
                A.backward_in_forward_order, where=("backward", VISITS)),
        Mistake("by_hand", "a node made by hand passes nothing on",
                "Some nodes are made by hand, as microgpt makes them: Value(data, children, "
                "local_grads), their op named node. Their local derivatives are the numbers "
                "they were given, those of no op, so they cannot be worked out from the op "
                "(nor found by running the forward pass again): pass on what "
                "node.local_grads says, at every node, as backward_step does.",
                A.backward_past_hand_made),
        Mistake("seed", "the root not seeded with 1",
                "Everything starts at 0, so nothing flows: set root.grad = 1.0 first "
                "(d(root)/d(root) = 1).", A.backward_without_seed),
        *(Mistake("order", "nodes visited in pre-order (before all their children)", _PREORDER,
                  model) for model in (A.backward_in_preorder, A.backward_in_preorder_flipped)),
        *(Mistake("order", "nodes visited breadth-first (nearest the root first)", _BREADTH,
                  model) for model in (A.backward_breadth_first,
                                       A.backward_breadth_first_flipped)),
        *(Mistake("visited", "a node listed once per path (no visited set)",
                  "Your own sort lists a node every time a path reaches it (it keeps no set "
                  "of the nodes already visited), so a node reached along two paths (v in "
                  "v·v) is listed twice and passes its gradient on twice. Keep a set of "
                  "visited nodes in the sort and list each node once, or use walk(root).",
                  model)  # (a recursive sort, or one with a stack: their orders differ)
          for model in (A.backward_with_repeats, A.backward_with_repeats_flipped)),
        *(Mistake("order", "a node passes its gradient on once per path (no topological order)",
                "Your backward passes a node's gradient on every time it reaches the node, "
                "along each path from the root, with whatever gradient the node holds by "
                "then: a node used twice (v1 in v1·v1) passes on a half-done gradient first "
                "and the whole one again. Visit each node once, in reverse topological order.",
                model) for model in (A.backward_once_per_path,
                                     A.backward_once_per_path_interleaved)),
    ),
    examples=G.graph_examples(),
)

# ----------------------------------------------------------------------------- 18: your own Value

_VALUE_STATEMENT = """
Write your own micrograd: a class Value that holds a number, remembers how it was computed
and sends gradients back, as micrograd's lecture builds it.

- Value(data) keeps its number in .data, and a .grad that starts at 0.
- a + b, a - b, a * b, a / b between two Values, and with a plain number on either side:
  x + 2.0, 2.0 * x, 2.0 - x, 2.0 / x. When the number comes first, Python calls your
  __radd__, __rmul__, __rsub__ or __rtruediv__.
- x ** k for a plain number k (2, 3, -1, 0.5), and the methods x.tanh(), x.exp(), x.relu().
- Each operation returns a new Value that remembers the Values it was made from and a
  function _backward that passes its gradient on to them by the chain rule:
  self.grad += (local derivative) * out.grad. For out = a * b: a.grad += b.data * out.grad.
- root.backward() sets root.grad = 1, lists every node in topological order (each after
  the Values it was made from) and calls every node's _backward, in reverse.

The grader builds random expressions with your class and with tinygrad_edu's Value: first
it compares every node's data, then, after backward() on the root, every node's grad.
Start with b = a + a: a.grad must be 2.
"""

_VALUE_STARTER = '''class Value:
    """A number that remembers how it was computed: data, grad, and the Values it came from."""

    def __init__(self, data, _children=(), _op=""):
        raise NotImplementedError("Value: not written yet")
'''


def _node_rows(attribute: str) -> Callable[[Any], list[str]]:
    return lambda case: [f"{n}.{attribute}" for n in case.node_names()]


def _forward_only(case: Any) -> Any:
    return dataclasses.replace(case, forward_only=True)


_VALUE_DOMAIN = ("random expressions of + - * / (two Values, or a Value and a number on "
                 "either side), ** 2, 3, -1 or 0.5, tanh, exp and relu: small ones, a node "
                 "used at two depths, diamonds, wide fans and chains of up to 150 steps; "
                 "then a sum of 2001 terms")
_VALUE_COMMON: dict[str, Any] = {
    "number": 18, "name": "Value", "title": "your own micrograd: the class Value", "level": 3,
    "params": "data", "statement": _VALUE_STATEMENT, "starter": _VALUE_STARTER,
    "domain": _VALUE_DOMAIN, "reference": Value, "kind": "class", "examples_first": True}

VALUE_FORWARD = Exercise(
    **_VALUE_COMMON, stage="the forward pass: every node's data",
    cases=G.expressions().map(_forward_only), call=C.call_value_forward, parts=("data",),
    examples=tuple(_forward_only(e) for e in G.value_examples()), fit=V.fit_forward,
    rows=_node_rows("data"))

VALUE_CHAIN = Exercise(
    **_VALUE_COMMON, stage="backward on a long chain",
    cases=st.just(I.SumChain(0.5, 2000)), call=C.call_value_backward, parts=("grads",),
    tolerate=V.recursion_note, rows=_node_rows("grad"), max_examples=1, probe_examples=1)

VALUE = Exercise(
    **_VALUE_COMMON, stage="backward: every node's grad",
    cases=G.expressions(), call=C.call_value_backward, parts=("grads",),
    examples=G.value_examples(), mistakes=(V.UNSEEDED,), fit=V.fit_backward,
    explain=V.explain, rows=_node_rows("grad"), before=(VALUE_FORWARD,), after=(VALUE_CHAIN,),
    exact_graphs=(ExactExpressions(),))

# ----------------------------------------------------------------------------- 19: paths

_PATHS_STATEMENT = """
Why do gradients add where a value is used twice? Because x changes the root along every
path from x up to it. Along one path the changes multiply: each step contributes its local
derivative, d(next)/d(this). The paths' contributions add:

    d(root)/dx = the sum, over every path from x up to root, of the product of the local
                 derivatives along that path

Compute it without backward: return (count, total), the number of paths from x up to root
and the sum of their products. Search from root down: ``node.parents`` lists a node's
operands in order (``x * x`` lists x twice: two paths) and ``node.local_grads`` the local
derivative towards each. A path ends when it reaches x; one that ends at another leaf
carries nothing. If root does not depend on x at all, return (0, 0.0).

On f = (x + y)(x - y) at x = 3, y = 2 there are two paths from x, through x + y (product
1 · 1) and through x - y (product 1 · 5): (2, 6.0), and backward gives x.grad = 6.0 too.
``tinygrad_edu.paths(root, x)`` lists the paths, if you want to see them.
"""

_ONE_PATH_PER_USE = (
    "x * x uses x twice, and each use is a path of its own (node.parents lists x twice): "
    "d(x·x)/dx = x + x. Follow every operand in node.parents, with its own local derivative, "
    "even when two are the same Value.")

PATHS = Exercise(
    number=19, name="sum_over_paths", title="why gradients add: the sum over paths",
    level=3, params="root, x", statement=_PATHS_STATEMENT,
    starter=starter("sum_over_paths", "root, x",
                     "Return (the number of paths from x up to root, the sum of their "
                     "products)."),
    domain=_GRAPHS_DOMAIN + "; x is the first leaf",
    cases=G.graphs(), call=C.call_paths, parts=("count", "df/dx"), reference=A.sum_over_paths,
    mistakes=(
        Mistake("once_per_operand", "a value used twice by one op followed once",
                _ONE_PATH_PER_USE, A.paths_each_operand_once),
        Mistake("visited", "a node visited only once (a visited set)",
                "A topological sort visits each node once; a sum over paths must not: a node "
                "reached along a second path starts a second set of paths below it. Keep no "
                "visited set here: every route down to x is a path.", A.paths_visited_once),
        Mistake("added", "the local derivatives added along a path",
                "Along a path the changes multiply (the chain rule): a path x → a → f "
                "carries da/dx · df/da. You added them. Multiply what a path carries by each "
                "step's local derivative, starting from 1.", A.paths_adding_locals),
        Mistake("upstream", "only the last step's local derivative",
                "A path carries the product of *all* its local derivatives, from root down "
                "to x; yours keeps only the last one. Hand the product so far down to each "
                "parent: so_far * local.", A.paths_last_local_only),
        Mistake("every_leaf", "the paths to every leaf, not only to x",
                "A path that ends at another leaf (y, a constant) is not a path from x: it "
                "adds nothing to d(root)/dx. Count and add a path only when it reaches x.",
                A.paths_to_every_leaf),
    ),
    examples=G.paths_examples(),
)
