"""Stage 1 of "Build microgpt yourself": the node, microgpt's ``Value``.

Graded in four steps, as a class is (``ExerciseSpec.before``/``after``): every node's
``data``, then every ``_children`` and ``_local_grads`` (where a slip in one op's local
derivative shows by itself), then every ``grad`` after ``backward()``, then a chain 2000
nodes deep (a recursive sort that stops there passes, with a note). The helpers that make a
stage are here too: every stage is made as this one is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from tinygrad_edu.exercises.comparing import Outcome
from tinygrad_edu.exercises.grading import Exercise
from tinygrad_edu.exercises.learner.expression_cases import local_rows
from tinygrad_edu.exercises.learner.inputs import Call
from tinygrad_edu.exercises.learner.serve import DEPTH
from tinygrad_edu.exercises.microgpt import cases as C
from tinygrad_edu.exercises.microgpt import mistakes as M
from tinygrad_edu.exercises.microgpt import reference as R
from tinygrad_edu.exercises.mistakes import GRAD_ADDED, GRAD_SET, RETURN, VISITS, Mistake

__all__ = ["NODE"]

TRACK_NAME = "microgpt"


def make_stage(**fields: Any) -> Exercise:
    """A stage of the track: run on the reference's nodes, its level its place in the
    track's thirds."""
    number = fields["number"]
    fields.setdefault("level", 1 + (number - 1) * 3 // 10)
    return Exercise(track=TRACK_NAME, node=R.Value, **fields)


def part_rows(*parts: Callable[[Any], list[str]]) -> Callable[[Any], list[list[str]]]:
    return lambda case: [part(case) for part in parts]


def entry_names(what: str, field: str) -> Callable[[Any], list[str]]:
    """The names of a part's numbers, shaped as the case's ``field`` (a vector or a matrix):
    ``x[2].grad``, ``w[1][0].grad``, ``out[0][1]``."""
    def names(case: Any) -> list[str]:
        value = getattr(case, field)
        if value and isinstance(value[0], tuple):
            return [what.format(f"[{i}][{j}]") for i, row in enumerate(value)
                    for j in range(len(row))]
        return [what.format(f"[{i}]") for i in range(len(value))]
    return names


# ----------------------------------------------------------------------------- 1: the node

_NODE_STATEMENT = """
microgpt's whole autograd is one small class. Write it: a Value holds a number and what it
needs for backward, and nothing else.

- Value(data, children=(), local_grads=()) keeps data, a grad that starts at 0, the nodes
  it was made from (_children) and, for each, the local derivative of this node with
  respect to it (_local_grads): numbers worked out in the forward pass.
- a + b and a * b (a Value or a plain number on either side), a ** k (k a number),
  a.log(), a.exp(), a.relu(): each returns Value(result, children, local_grads). For
  c = a * b that is Value(a.data * b.data, (a, b), (b.data, a.data)).
- -a, a - b, a / b and the reversed forms (2.0 - a, 2.0 / a) can be made of those:
  a - b = a + (-b), a / b = a * b ** -1.
- root.backward(): list every node root depends on in topological order (each after its
  children), set root.grad = 1, then go through the list backwards and, at each node, add
  local_grad * node.grad to every child's grad. The chain rule is that one line.

Graded with random expressions of these operations: first every node's data, then every
_children and _local_grads, then every grad after backward(), then a chain 2000 nodes
deep. Start with b = a + a: a.grad must be 2.
"""

_NODE_STARTER = '''class Value:
    """A number in a computation: data, grad, and the nodes it was made from."""

    def __init__(self, data, children=(), local_grads=()):
        raise NotImplementedError("Value: not written yet")
'''

_NODE_DOMAIN = ("random expressions of + - * / (two Values, or a Value and a number on either "
                "side), ** 2, 3, -1 or 0.5, log, exp and relu: small ones, a node used at two "
                "depths, diamonds, wide fans, chains of up to 150 steps; then a sum of 2001 "
                "terms")

_TOPO = ("Backward must reach a node only after every node made from it has added its share "
         "to the node's grad. ")
_NODE_COMMON: dict[str, Any] = {
    "number": 1, "name": "node", "defines": "Value", "kind": "class",
    "title": "the node: microgpt's Value", "params": "data, children=(), local_grads=()",
    "statement": _NODE_STATEMENT, "starter": _NODE_STARTER, "domain": _NODE_DOMAIN,
    "reference": R.Value, "examples_first": True, "shrink_examples": True}


def _expression_rows(attribute: str) -> Callable[[Any], list[str]]:
    return lambda case: [f"{n}.{attribute}" for n in case.node_names()]


def _forward_only(case: Any) -> Any:
    return dataclasses.replace(case, forward_only=True)


NODE_FORWARD = make_stage(
    **_NODE_COMMON, stage="the forward pass: every node's data",
    cases=C.node_expressions().map(_forward_only), call=Call("value_forward", ("data",)),
    parts=("data",), examples=tuple(_forward_only(e) for e in C.node_examples()),
    smallest=tuple(_forward_only(e) for e in C.node_smallest()),
    rows=_expression_rows("data"),
    mistakes=(
        Mistake("sign", "a - b computed as a + b: the minus sign lost",
                "a - b is a + (-b): b goes in with its sign changed (so its local derivative "
                "is -1). Yours adds b as it is.", M.NODE_SUB_PLUS, where=("__sub__", RETURN)),
        Mistake("reversed", "2.0 - x computed as x - 2.0",
                "Python turns 2.0 - x into x.__rsub__(2.0): self is x and other is 2.0, so "
                "the result is other - self, other + (-self).", M.NODE_RSUB_REVERSED,
                where=("__rsub__", RETURN)),
        Mistake("reversed", "2.0 / x computed as x / 2.0",
                "Python turns 2.0 / x into x.__rtruediv__(2.0): self is x and other is 2.0, "
                "so the result is other / self, other * self ** -1.",
                M.NODE_RTRUEDIV_REVERSED, where=("__rtruediv__", RETURN)),
        Mistake("sign", "-a computed as a: its sign not changed",
                "-a is a times -1; yours multiplies by 1 and gives a back, so a - b (a + "
                "(-b)) adds b and 2.0 - x adds x.", M.NODE_NEG_ONE, where=("__neg__", RETURN)),
    ))

NODE_LOCALS = make_stage(
    **_NODE_COMMON, stage="every node's _children and _local_grads",
    cases=C.node_expressions().map(_forward_only), call=Call("value_locals", ("locals",)),
    parts=("locals",), examples=tuple(_forward_only(e) for e in C.node_examples()),
    smallest=tuple(_forward_only(e) for e in C.node_smallest()),
    rows=local_rows,
    mistakes=(
        Mistake("swapped", "a * b: the two local derivatives swapped",
                "d(a·b)/da is b: with b fixed, a·b moves b times as fast as a. So "
                "_local_grads is (b.data, a.data), each the *other* operand.",
                M.NODE_MUL_SWAPPED, where=("__mul__", RETURN)),
        Mistake("factor", "a ** k: the factor k missing",
                "The power rule brings the exponent down in front: d(a**k)/da = k·a**(k-1).",
                M.NODE_POW_WITHOUT_K, where=("__pow__", RETURN)),
        Mistake("factor", "a ** k: the power not lowered",
                "The power rule lowers the power by one: k·a**(k-1), not k·a**k.",
                M.NODE_POW_NOT_LOWERED, where=("__pow__", RETURN)),
        Mistake("sign", "a ** k: the local derivative's sign flipped",
                "The power rule has no minus sign of its own: d(a**k)/da = k·a**(k-1), "
                "negative only where k or a**(k-1) is (x ** 2 at 1.0 has slope 2, not -2).",
                M.NODE_POW_SIGN, where=("__pow__", RETURN)),
        Mistake("value", "log: its value instead of its slope",
                "The local derivative of log at a is 1/a (log grows slower and slower); "
                "you stored log(a), the output itself.", M.NODE_LOG_VALUE,
                where=("log", RETURN)),
        Mistake("factor", "log: 1/a squared, not 1/a",
                "The local derivative of log at a is 1/a, to the first power: 1/a**2 is the "
                "slope of -1/a, not of log (at a = 2, log's slope is 0.5, not 0.25).",
                M.NODE_LOG_SQUARED, where=("log", RETURN)),
        Mistake("sign", "log: the local derivative's sign flipped",
                "log grows wherever it is defined: its slope at a is 1/a, positive for every "
                "a > 0 (at a = 2, 0.5). -1/a is the slope of -log a, which falls.",
                M.NODE_LOG_SIGN, where=("log", RETURN)),
        Mistake("in_out", "exp: the input where the output was meant",
                "exp is its own slope: d(e**a)/da = e**a, the output you just computed; you "
                "stored a, the input.", M.NODE_EXP_INPUT, where=("exp", RETURN)),
        Mistake("sign", "exp: the local derivative's sign flipped",
                "exp is its own slope, d(e**a)/da = e**a, positive for every a: exp always "
                "grows. -e**a is the slope of -e**a, which falls (at a = 0, exp's is 1).",
                M.NODE_EXP_SIGN, where=("exp", RETURN)),
        Mistake("sides", "relu: slope 1 on both sides",
                "relu is flat below 0: there its slope is 0, and 1 only where a > 0 "
                "(float(a.data > 0)).", M.NODE_RELU_ONE, where=("relu", RETURN)),
        Mistake("sign", "relu: the local derivative's sign flipped",
                "relu never falls: its slope is 1 where a > 0 (it is a there) and 0 below, "
                "float(a.data > 0); yours gives -1 where a > 0.",
                M.NODE_RELU_SIGN, where=("relu", RETURN)),
    ))

_NO_VISITED = (
    "Your topological sort has no set of visited nodes, so a node reached along two paths "
    "(x in x + x, v1 in v1·(v1 + c)) is listed twice and passes its gradient on twice, the "
    "first time before it is complete. Keep a set of the nodes already visited and skip them.")
def _recursion_note(outcome: Outcome) -> str | None:
    """What to say when backward() on a long chain raised RecursionError: a limit of depth,
    not a wrong number, so the stage passes with this note."""
    if not isinstance(outcome.error, RecursionError):
        return None
    return (
        "One limit, which does not fail the stage: backward() on a sum of 2001 terms (a chain "
        "2000 nodes deep) raised RecursionError. A topological sort that calls itself once "
        f"per node stops at sys.getrecursionlimit() = {DEPTH} nested calls, "
        "as microgpt's own build_topo does. A loss summed over a long sequence is such a "
        "chain; to lift the limit, sort with a stack of your own:\n"
        "    order, seen, todo = [], set(), [(self, False)]\n"
        "    while todo:\n"
        "        node, finished = todo.pop()\n"
        "        if finished:\n"
        "            order.append(node)\n"
        "        elif node not in seen:\n"
        "            seen.add(node)\n"
        "            todo.append((node, True))\n"
        "            todo.extend((child, False) for child in node._children)")


NODE_CHAIN = make_stage(
    **_NODE_COMMON, stage="backward on a long chain",
    cases=st.just(C.long_chain()), call=Call("value_backward", ("grads",)), parts=("grads",),
    tolerate=_recursion_note, rows=lambda case: ["x.grad", "s.grad"], max_examples=1,
    probe_examples=1)

NODE = make_stage(
    **_NODE_COMMON, stage="backward: every node's grad",
    cases=C.node_expressions(), call=Call("value_backward", ("grads",)), parts=("grads",),
    examples=C.node_examples(), smallest=C.node_smallest(), rows=_expression_rows("grad"),
    before=(NODE_FORWARD, NODE_LOCALS), after=(NODE_CHAIN,),
    mistakes=(
        *(Mistake("assign", "`=` instead of `+=`: a node used twice loses a path",
                  "A node used along several paths (x in x + x) gets the sum of what each "
                  "path sends back: child.grad += local * node.grad. With `=`, the last path "
                  "overwrites the others.", model,
                  where=("backward", GRAD_SET))
          for model in (M.NODE_ASSIGNS_RECURSIVE, M.NODE_ASSIGNS)),
        Mistake("upstream", "the upstream gradient not multiplied in",
                "The chain rule multiplies the local derivative by the gradient arriving "
                "from above, node.grad = d(root)/d(node): child.grad += local * node.grad. "
                "Without it each child gets only its own local derivative, as if the node "
                "were the root (in y = 2 * x; z = y * y, x.grad must be 2 · 2y, not 2).",
                M.NODE_WITHOUT_UPSTREAM, where=("backward", GRAD_ADDED)),
        Mistake("local", "the local derivative not multiplied in",
                "The chain rule multiplies the gradient arriving from above, node.grad, by "
                "the local derivative d(node)/d(child), the child's entry in _local_grads: "
                "child.grad += local * node.grad. Without it every operation passes its "
                "gradient on as if its slope were 1, as + does (in x * 2.0, x.grad must be "
                "2, not 1).", M.NODE_WITHOUT_LOCAL, where=("backward", GRAD_ADDED)),
        Mistake("order", "the root reached last: the order not reversed",
                _TOPO + "Yours reaches the root last, so every other node passes its grad on "
                "while it is still 0, and only the root's children get a gradient. List the "
                "nodes with each after its children (append a node once they are all in), "
                "then go through that list backwards: for node in reversed(topo).",
                M.NODE_NOT_REVERSED,
                where=("backward", VISITS)),
        Mistake("seed", "every gradient 0: the root not seeded with 1",
                "Every grad starts at 0 and each step multiplies by the node's grad, so "
                "nothing flows unless backward first sets self.grad = 1 (d(root)/d(root) = 1).",
                M.NODE_UNSEEDED, where=("backward", r"\bself\.grad\s*=[^=]")),
        *(Mistake("visited", "a node listed once per path (no visited set)", _NO_VISITED,
                  model)  # (a recursive sort, or one with a stack: their orders differ)
          for model in (M.NODE_NO_VISITED, M.NODE_NO_VISITED_STACK)),
    ))
"""Stage 1, the node: its data, then its locals, then its grads, then a long chain."""
