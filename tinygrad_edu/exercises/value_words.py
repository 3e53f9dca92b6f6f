"""The words of the Value exercise's diagnoses of backward(), said by the grader from the facts
that the learner's process found (``learner/value_probes.py:explain``).

That process runs the learner's code, so whatever it sends is data, and possibly a lie: it
sends facts only (a variant, nodes by their place in a case, counts and numbers), and
``diagnoses`` checks each one's type and range before it says anything. Every sentence is
composed here, from the grader's own copy of the cases (their names and lines of code) and
of the engine's local derivatives: a fact of an unknown kind, a node or a case out of range,
or a number that is not one gives no diagnosis at all, never a word of the learner's.

The node a fact names is ``{"index": k, "inside": False}``, the case's node k (called by its
line of the case's code, ``v3 = x0 - x1``; a leaf by its name), or ``{"index": k, "inside":
True}``, a node made on the way inside node k's op ("a node made inside v3 = x0 - x1", as -
makes -x1); ``None`` when the learner's process could not place it ("a node").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tinygrad_edu.exercises.learner.parts import close
from tinygrad_edu.exercises.learner.value_probes import STEPS
from tinygrad_edu.exercises.mistakes import Diagnosis, Mistake, Where

__all__ = ["NOTE_SORT", "diagnoses"]

NOTE_SORT = """topo, visited, stack = [], set(), [(self, False)]
while stack:
    v, children_done = stack.pop()
    if children_done:
        topo.append(v)
    elif v not in visited:
        visited.add(v)
        stack.append((v, True))
        stack.extend((child, False) for child in v._prev)
"""
"""The sort with a stack of one's own that the Value exercise's note shows (``value.py``'s
``recursion_note``): what a learner may type as it is written, its names too
(``copies.py`` reads it so)."""

RIGHT_STEPS = ("Your steps themselves are right: run once each, in reverse topological "
               "order, from a root seeded with 1, they give the right gradient on every "
               "input tried.")

TIMES = 10**9
"""The most times a fact may say a step ran (a count past this is not one)."""


class _Invalid(Exception):
    """A fact that is not one the learner's process can have found: no diagnosis."""


def diagnoses(facts: Any, failure: Any, tried: Sequence[Any], failure_at: int | None,
              wanted: Sequence[Sequence[tuple[int, float]]]) -> tuple[Diagnosis, ...]:
    """The diagnoses that the explain probe's ``facts`` show, in the grader's words.
    ``failure``: the failing case; ``tried``: the cases the probe was given, in its order
    (``failure_at``: where ``failure`` is among them, if it is); ``wanted``: the engine's
    local derivatives of each node of ``failure`` (``value._local_grads``). Empty for facts
    that show nothing, or are not valid facts."""
    try:
        return _diagnoses(facts, failure, list(tried), failure_at, wanted)
    except _Invalid:
        return ()


def _diagnoses(facts: Any, failure: Any, tried: list[Any], failure_at: int | None,
               wanted: Sequence[Sequence[tuple[int, float]]]) -> tuple[Diagnosis, ...]:
    if not isinstance(facts, dict):
        raise _Invalid
    variant = facts.get("variant")
    if variant == "order":
        return (Diagnosis(_order(_dict(facts.get("order")), failure, tried, failure_at,
                                 steps_right=True, alone=True)),)
    if variant == "assign":
        return (Diagnosis(_assign(_dict(facts.get("assign")), failure, alone=True)),)
    if variant == "both":
        assign = _assign(_dict(facts.get("assign")), failure, alone=False)
        order = _order(_dict(facts.get("order")), failure, tried, failure_at,
                       steps_right=False, alone=False)
        return (Diagnosis(assign), Diagnosis(order))
    if variant == "local":
        return (Diagnosis(_local(_dict(facts.get("local")), failure, wanted)),)
    return ()  # ("none", or a variant no probe sends)


# ----------------------------------------------------------------------------- the checks


def _dict(x: Any) -> dict[str, Any]:
    if not isinstance(x, dict):
        raise _Invalid
    return x


def _index(x: Any, size: int) -> int:
    """An index into something of ``size`` items: an int (not a bool) in range."""
    if type(x) is not int or not 0 <= x < size:
        raise _Invalid
    return x


def _number(x: Any) -> int | float:
    """A number: an int (not a bool) or a float."""
    if type(x) not in (int, float):
        raise _Invalid
    return x


def _node(ref: Any, case: Any) -> str:
    """What to call the node ``ref`` names in ``case`` (see the module's docstring)."""
    if ref is None:
        return "a node"
    ref = _dict(ref)
    inside = ref.get("inside")
    if set(ref) != {"index", "inside"} or type(inside) is not bool:
        raise _Invalid
    names, texts = case.node_names(), _texts(case)
    k = _index(ref["index"], min(len(names), len(texts)))
    own = names[k] if texts[k].startswith("Value(") else f"{names[k]} = {texts[k]}"
    return f"a node made inside {own}" if inside else own


def _texts(case: Any) -> list[str]:
    """Each node's line of the case's code (a leaf's is its Value(...))."""
    lines = str(case).split("\n")
    return [line.split(" = ", 1)[1] if " = " in line else line for line in lines]


def _one_line(case: Any) -> str:
    return str(case).replace("\n", "; ")


# ----------------------------------------------------------------------------- the words


def _order(fact: dict[str, Any], failure: Any, tried: list[Any], failure_at: int | None,
           steps_right: bool, alone: bool) -> Mistake:
    """What the learner's backward() did wrong on one input: the root not seeded, a step run
    more than once, a step run before a step of a node made from it, a step never run.
    ``steps_right``: the steps themselves are right, and the hint says so. Alone, the fact
    is of the failing input; beside `=` for `+=`, of the first input tried (``at``) on which
    the order goes wrong."""
    at = fact.get("at")
    if alone and at is not None:
        raise _Invalid
    if at is None or at == failure_at:
        if not alone and at is None:
            raise _Invalid
        case, where = failure, "the input above"
    else:
        case = tried[_index(at, len(tried))]
        where = _one_line(case)
    on = f"On {where}"
    right = f" {RIGHT_STEPS}" if steps_right else ""
    kind = fact.get("kind")
    if kind == "seed":
        grad = _number(fact.get("grad"))
        if grad == 1.0:
            raise _Invalid
        return Mistake("seed", "the root not seeded with 1",
                       f"{on} the root's step ran with grad {grad!r}: backward() must set "
                       f"self.grad = 1.0 before the first step.{right}")
    name = _node(fact.get("node"), case)
    if kind == "repeated":
        times = fact.get("times")
        if type(times) is not int or not 2 <= times <= TIMES:
            raise _Invalid
        return Mistake("order", "a node passes its gradient on more than once",
                       f"{on} the step of {name} ran {times} times: once for every path "
                       "that reaches it, the first times before all of its gradient had "
                       "arrived. Keep a set of visited nodes, and run each node's step once, "
                       f"in reverse topological order.{right}")
    if kind == "early":
        after = _node(fact.get("after"), case)
        short = name.split(" = ")[0] if not name.startswith("a node") else "it"
        return Mistake("order", "backward in the wrong order",
                       f"{on} the step of {name} ran before the step of {after}, which is "
                       f"made from it, had added its share: {short} passed on a gradient "
                       "that was not complete. List the nodes in topological order (each "
                       "after the Values it is made from) and run the steps in "
                       f"reverse.{right}")
    if kind == "skipped":
        return Mistake("order", "some nodes never pass their gradient on",
                       f"{on} the step of {name} never ran: backward() must run the step of "
                       f"every node the root depends on.{right}")
    raise _Invalid


def _assign(fact: dict[str, Any], case: Any, alone: bool) -> Mistake:
    """A step that sets a grad with `=` where a share is lost on the failing input: of a
    node another step uses too (``other``), or that the step uses twice (``other`` None).
    Nothing the order of the steps decides (which ran later, what the grad held): a set's
    order in the learner's run is not the replay's."""
    where = _node(fact.get("node"), case)
    whose = _node(fact.get("child"), case).split(" = ")[0]
    step = where.split(" = ")[0] if not where.startswith("a node") else "that step"
    if fact.get("other") is None:
        what = (f"On the input above, the step of {where} sets {whose}.grad with `=`, and "
                f"uses {whose} twice: the second use overwrites the first.")
    else:
        other = _node(fact.get("other"), case)
        if other == where:
            raise _Invalid
        what = (f"On the input above, {whose} is used by the step of {where} and by the "
                f"step of {other}, and the step of {step} sets {whose}.grad with `=`: "
                f"whenever it runs after the other, it throws away the share the other "
                f"added ({whose}.grad should hold both).")
    rest = (" With `+=` in its place, and nothing else changed, your Value gives the right "
            "gradient on every input tried." if alone else
            " With `+=` in its place and the steps run in a right order (see below), your "
            "Value gives the right gradient on every input tried.")
    method = fact.get("method")
    return Mistake(
        "assign", "`=` instead of `+=`: a node used twice loses a path",
        f"{what} b = a + a uses a twice, and a.grad must add both uses: 2, not 1. Write "
        "`self.grad += ...` (and `other.grad += ...`) in every _backward; grads start at 0, "
        f"so the first use adds to 0.{rest}",
        where=(method, ASSIGNED) if method in STEPS else None)  # (its line: pointing.py)


ASSIGNED = r"\.grad\s*=(?!=)"
"""A line that sets a grad with `=` (not `+=`, not `==`)."""


def _local(fact: dict[str, Any], case: Any, wanted: Sequence[Sequence[tuple[int, float]]]
           ) -> Mistake:
    """A step whose local derivative, measured on its own on the failing input, is not the
    engine's (``wanted``, worked out by the grader): node k's derivative towards its
    operand j, as the step gave it (``got``)."""
    names = case.node_names()
    k = _index(fact.get("node"), min(len(wanted), len(names)))
    operands = dict(wanted[k])
    j = fact.get("of")
    if type(j) is not int or j not in operands or not 0 <= j < len(names):
        raise _Invalid
    got, want = float(_number(fact.get("got"))), float(operands[j])
    if close(got, want):  # (the step is right there: nothing to say)
        raise _Invalid
    name, of = names[k], names[j]
    text = _texts(case)[k] if k < len(_texts(case)) else ""
    method = fact.get("method")
    where: Where | None = None  # (its line, where the step is the node's own op's)
    if method in STEPS and method == _op_method(text):  # (the node's own op: its operand's)
        mine = r"\bself\.grad\b" if text.startswith((f"{of} ", f"{of}.")) else r"\bother\.grad\b"
        where = (method, (rf"{mine}\s*\+?=", r"\.grad\s*\+?="))
    elif method in _ONE_OPERAND:  # (an op made of others, 2.0 / x of **: its one grad line)
        where = (method, r"\.grad\s*\+?=")
    said = (f"Run on its own (grad 1 on {name}, 0 on the nodes below), the step of "
            f"{_node({'index': k, 'inside': False}, case)} gives d{name}/d{of} = {got!r}; at "
            f"these numbers it is {want!r}.")
    if abs(want) > 1e-9 and close(got, -want):  # (before: "is wrong", the sign unsaid)
        return Mistake(
            "sign", f"the local derivative d{name}/d{of}: its sign flipped",
            f"{said} That is minus the right one: look for a minus in this op's _backward "
            "(a term turned round, or the rule of the op's negative).", where=where)
    return Mistake(
        "local", f"the local derivative d{name}/d{of} is wrong",
        f"{said} Check the local derivative in this op's _backward (is it the derivative "
        "of the right function, at the input, times out.grad?).", where=where)


_ONE_OPERAND = ("tanh", "exp", "relu", "__pow__")
"""The methods whose step writes one operand's grad (a line to point at, whichever node's
step ran it)."""

_OPS = ((".tanh()", "tanh"), (".exp()", "exp"), (".relu()", "relu"), (" ** ", "__pow__"),
        (" * ", "__mul__"), (" / ", "__truediv__"), (" + ", "__add__"), (" - ", "__sub__"))
"""A node's line of the case's code, by what it holds, and the method of its op."""


def _op_method(text: str) -> str | None:
    """The method whose step a node of the case's line ``text`` (``x0 * x1``) runs, its
    operand a Value on the left; None for another (a reflected op, a negation)."""
    if text.startswith(("-", "(")) or text[:1].isdigit():
        return None
    return next((method for op, method in _OPS if op in text), None)
