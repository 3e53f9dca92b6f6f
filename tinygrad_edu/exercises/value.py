"""The Value exercise's diagnoses: mistakes fitted to a learner's class, and a backward()
that goes wrong, explained by running the learner's own steps.

A learner's ``class Value`` is graded by behaviour (the calls ``value_forward`` and
``value_backward`` of ``learner/inputs.py``). When it is wrong, three kinds of evidence name
the mistake. The class is probed where it is, in the learner's process
(``learner/value_probes.py``); what the probes saw comes back as data, and the models of the
mistakes are built here, beside the references:

- ``fit_forward`` and ``fit_backward`` build ``lecture_value`` (below) with the mistakes the
  probes saw on tiny expressions (``2.0 * x``, ``x + x``, ...): the grader names that model
  only if it gives the learner's answers on every input tried.
- ``explain`` has the learner's own ``_backward`` steps run again, for a class that keeps
  micrograd's names (``_prev``, ``_backward``): in a right order (if that gives the right
  gradients on every input tried, the mistake is in ``backward()`` itself: the root not
  seeded, an order that lets a node pass its gradient on too early, a step run once per
  path, a step never run), or with every ``=`` of a step made a ``+=``. Else, the first
  step whose local derivative, measured on its own, differs from the engine's (worked out
  here) is named. The probes answer with facts (names of methods and ops, nodes by their
  place in a case, counts, numbers), which are checked here and said in the grader's own
  words (``value_words.py``): the learner's process runs the learner's code, so no text of
  its own reaches a verdict or a class's report.
- ``recursion_note``: a recursive topological sort stops at Python's recursion limit on a
  long chain. That does not fail the exercise (see the note's text, which says why).
"""

from __future__ import annotations

import math
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.exercises import value_words
from tinygrad_edu.exercises.comparing import Outcome
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.learner import value_probes
from tinygrad_edu.exercises.learner.serve import DEPTH
from tinygrad_edu.exercises.learner.value_probes import ASSIGN_PROBES, METHODS, REVERSE
from tinygrad_edu.exercises.mistakes import Diagnosis, Mistake
from tinygrad_edu.exercises.remote import Remote

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises

# ----------------------------------------------------------------------------- the models
# The reference for the Value exercise is the engine's own Value. Below: a Value as
# micrograd's lecture writes it, right unless told to make a mistake, for the diagnoses.


def lecture_value(*, assign: frozenset[str] = frozenset(), missing: frozenset[str] = frozenset(),
                  swapped: frozenset[str] = frozenset(), unwrapped: frozenset[str] = frozenset(),
                  composite: bool = True, seeded: bool = True) -> type:
    """A class ``Value`` written as in micrograd's lecture (with tanh, exp and relu), right
    unless told otherwise: the ops in ``assign`` (``'+'``, ``'*'``, ``'**'``, ``'tanh'``,
    ``'exp'``, ``'relu'``, and ``'-'``, ``'/'`` when not composite) set their operands'
    grads with ``=`` instead of ``+=``; the methods in ``missing`` are not there; the
    reverse ops in ``swapped`` (``'__rsub__'``, ``'__rtruediv__'``) compute x - c for c - x;
    the ops in ``unwrapped`` forget to wrap a plain number in a Value; ``composite`` makes - and /
    from +, * and ** as micrograd does (else each is an op of its own); ``seeded=False``
    forgets ``self.grad = 1.0`` in backward."""

    def flow(op: str, node: Any, share: float) -> None:  # one edge of the chain rule
        if op in assign:
            node.grad = share
        else:
            node.grad += share

    def wrap(other: Any, op: str) -> Any:
        return other if isinstance(other, Value) or op in unwrapped else Value(other)

    class Value:
        def __init__(self, data: float, _children: tuple[Any, ...] = (), _op: str = "") -> None:
            self.data = data
            self.grad = 0.0
            self._backward: Any = lambda: None
            self._prev = tuple(_children)
            self._op = _op

        def __repr__(self) -> str:
            return f"Value(data={self.data}, grad={self.grad})"

        def __add__(self, other: Any) -> Value:
            other = wrap(other, "+")
            out = Value(self.data + other.data, (self, other), "+")

            def _backward() -> None:
                flow("+", self, out.grad)
                flow("+", other, out.grad)
            out._backward = _backward
            return out

        def __mul__(self, other: Any) -> Value:
            other = wrap(other, "*")
            out = Value(self.data * other.data, (self, other), "*")

            def _backward() -> None:
                flow("*", self, other.data * out.grad)
                flow("*", other, self.data * out.grad)
            out._backward = _backward
            return out

        def __pow__(self, k: float) -> Value:
            out = Value(self.data**k, (self,), f"**{k}")

            def _backward() -> None:
                flow("**", self, k * self.data ** (k - 1) * out.grad)
            out._backward = _backward
            return out

        def _unary(self, op: str, y: float, slope: float) -> Value:
            out = Value(y, (self,), op)

            def _backward() -> None:
                flow(op, self, slope * out.grad)
            out._backward = _backward
            return out

        def tanh(self) -> Value:
            t = math.tanh(self.data)
            return self._unary("tanh", t, 1 - t * t)

        def exp(self) -> Value:
            e = math.exp(self.data)
            return self._unary("exp", e, e)

        def relu(self) -> Value:
            return self._unary("relu", max(0.0, self.data), float(self.data > 0))

        def __neg__(self) -> Value:
            return self * -1

        def __sub__(self, other: Any) -> Value:
            if composite:
                return self + (-other)
            other = wrap(other, "-")
            out = Value(self.data - other.data, (self, other), "-")

            def _backward() -> None:
                flow("-", self, out.grad)
                flow("-", other, -out.grad)
            out._backward = _backward
            return out

        def __truediv__(self, other: Any) -> Value:
            if composite:
                return self * other**-1
            other = wrap(other, "/")
            out = Value(self.data / other.data, (self, other), "/")

            def _backward() -> None:
                flow("/", self, out.grad / other.data)
                flow("/", other, -self.data / other.data**2 * out.grad)
            out._backward = _backward
            return out

        def __radd__(self, other: Any) -> Value:
            return self + other

        def __rmul__(self, other: Any) -> Value:
            return self * other

        def __rsub__(self, other: Any) -> Value:
            return self - other if "__rsub__" in swapped else other + (-self)

        def __rtruediv__(self, other: Any) -> Value:
            return self / other if "__rtruediv__" in swapped else other * self**-1

        def backward(self) -> None:
            topo, seen, stack = [], set(), [(self, False)]
            while stack:  # micrograd's build_topo, with a stack
                v, parents_done = stack.pop()
                if parents_done:
                    topo.append(v)
                elif v not in seen:
                    seen.add(v)
                    stack.append((v, True))
                    stack.extend((child, False) for child in v._prev)
            if seeded:
                self.grad = 1.0
            for v in reversed(topo):
                v._backward()

    for name in missing:
        delattr(Value, name)
    return Value


_DUNDER = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__"}


def _probe(solution: Any, what: str, *args: Any) -> Any:
    """What ``value_probes``'s function ``what`` finds on the learner's class: asked of the
    learner's process, or run here for a class given in this process (the browser)."""
    if isinstance(solution, Remote):
        return solution.probe(what, *args)
    return getattr(value_probes, what)(solution, *args)


# ----------------------------------------------------------------------------- forward


def fit_forward(solution: Any) -> tuple[Mistake, ...]:
    """The lecture's Value with the forward mistakes seen in the learner's class: methods
    missing, a reverse op the wrong way round, ops that do not wrap a plain number in a
    Value; once with - and / made of other ops as micrograd makes them, once with ops of
    their own."""
    facts = _probe(solution, "forward_facts")
    if not isinstance(facts, dict) or facts.get("made") is not True:
        return ()
    missing = _known(facts.get("missing"), METHODS)
    swapped = _known(facts.get("swapped"), REVERSE)
    unwrapped_in = facts.get("unwrapped")
    found = []
    for composite in (True, False):
        unwrapped = _known(unwrapped_in.get("composite" if composite else "own")
                           if isinstance(unwrapped_in, dict) else None, _DUNDER)
        if not (missing or swapped or unwrapped):
            continue
        parts = ([_missing(sorted(missing, key=METHODS.index))] if missing else []) + [
            _swapped(name) for name in sorted(swapped)] + (
            [_not_wrapped(sorted(unwrapped, key="+-*/".index))] if unwrapped else [])
        model = lecture_value(missing=missing, swapped=swapped, unwrapped=unwrapped,
                              composite=composite)
        found.append(Mistake(parts[0][0], "; ".join(p[1] for p in parts),
                             "\n".join(p[2] for p in parts), model))
    return tuple(found)


def _known(names: Any, known: Any) -> frozenset[str]:
    """The names in a probe's list ``names`` that are among the grader's own (``known``): a
    fact from the learner's process is data, and only the grader's names are ever said."""
    if not isinstance(names, list):
        return frozenset()
    return frozenset(n for n in names if isinstance(n, str) and n in known)


def _missing(names: list[str]) -> tuple[str, str, str]:
    reverse = [n for n in names if n in REVERSE]
    others = [n for n in names if n not in REVERSE]
    title = ", ".join(names) + " missing"
    hints = []
    if reverse:
        n = reverse[0]
        hints.append(
            f"`2.0 {REVERSE[n]} x` first asks the float 2.0 to do it, and a float does not "
            f"know your Value; Python then asks your Value, x.{n}(2.0), and yours has no "
            f"{n}. Define the reverse forms: __radd__ and __rmul__ return self + other and "
            "self * other; __rsub__ is other + (-self), __rtruediv__ is other * self**-1.")
    if others:
        hints.append(f"Your Value has no {', '.join(others)}: the exercise uses every one of "
                     f"{', '.join(METHODS)}.")
    key = "reverse" if reverse else "missing"
    return key, title, " ".join(hints)


def _swapped(name: str) -> tuple[str, str, str]:
    op = REVERSE[name]
    return ("reverse", f"{name} the wrong way round: 2.0 {op} x gives x {op} 2.0",
            f"`2.0 {op} x` calls x.{name}(2.0), so self is x and other is 2.0: the result is "
            f"other {op} self, not self {op} other.")


def _not_wrapped(ops: list[str]) -> tuple[str, str, str]:
    shown = " and ".join(f"x {op} 2.0" for op in ops)
    return ("wrap", f"a plain number not wrapped in a Value: {shown} fails",
            f"`x {ops[0]} 2.0` hands your {_DUNDER[ops[0]]} the float 2.0, which has no .data. "
            "Wrap it first, as the first line of every two-operand op: other = other if "
            "isinstance(other, Value) else Value(other).")


# ----------------------------------------------------------------------------- backward

def fit_backward(solution: Any) -> tuple[Mistake, ...]:
    """The lecture's Value with ``=`` for ``+=`` in the backward of exactly the ops where the
    learner's class loses a share on its probe, once with - and / made of other ops as
    micrograd makes them and once with - and / ops of their own."""
    grads = _probe(solution, "backward_facts")
    if not isinstance(grads, dict):
        return ()
    found = []
    for composite in (True, False):
        ops = [op for op in ASSIGN_PROBES if not composite or op not in "-/"]
        right = lecture_value(composite=composite)
        assign = frozenset(
            op for op in ops
            if type(got := grads.get(op)) is float
            and abs(got - (value_probes.probe_grad(lecture_value(
                assign=frozenset({op}), composite=composite), op) or 0.0)) < 1e-9
            and abs(got - (value_probes.probe_grad(right, op) or 0.0)) > 1e-9)
        if assign:
            shown = [op for op in ASSIGN_PROBES if op in assign]
            found.append(Mistake(
                "assign", f"`=` instead of `+=` in the backward of {', '.join(shown)}: a node "
                "used twice loses a path",
                "b = a + a uses a twice, and a.grad must add both uses: 2, not 1. A "
                "`self.grad = ...` in a _backward overwrites what the other use (or another "
                "node) put there. Write `self.grad += ...` (and `other.grad += ...`) in every "
                "_backward; grads start at 0, so the first use adds to 0.",
                lecture_value(assign=assign, composite=composite)))
    return tuple(found)


def explain(exercise: ExerciseSpec, solution: Any, failure: Outcome, outcomes: list[Outcome]
            ) -> tuple[Diagnosis, ...]:
    """The learner's own steps run again (``value_probes.explain``) on the inputs tried, each
    with its right gradients; the engine's local derivatives of the failing input are worked
    out here, for the probe to compare a step's with. The probe sends back facts, which
    ``value_words`` checks and says in the grader's words."""
    if getattr(solution, "kind", "class") != "class" and not isinstance(solution, type):
        return ()
    tried = [o for o in [failure, *outcomes] if o.got is not None or o.error is not None]
    if not tried:
        return ()
    at = next((k for k, o in enumerate(tried) if o is failure), None)
    wanted = _local_grads(failure.case)
    facts = _probe(solution, "explain", failure.case, [(o.case, o.expected[0]) for o in tried],
                   at, wanted)
    return value_words.diagnoses(facts, failure.case, [o.case for o in tried], at, wanted)


def _local_grads(case: Any) -> list[list[tuple[int, float]]]:
    """For each node of ``case`` (in its order): each of its operands once, by index, with the
    engine's local derivative towards it (summed over its uses: x * x has 2x)."""
    nodes = case.build(Value)
    index = {id(n): j for j, n in enumerate(nodes)}
    wanted = []
    for node in nodes:
        operands = list({id(p): p for p in node.parents}.values())
        wanted.append([(index[id(p)], float(sum(g for q, g in zip(node.parents, node.local_grads)
                                                if q is p)))
                       for p in operands if id(p) in index])
    return wanted


UNSEEDED = Mistake(
    "seed", "every gradient 0: the root not seeded with 1",
    "Every grad starts at 0 and each step multiplies by the gradient above it, so nothing "
    "flows unless backward() first sets self.grad = 1.0 (d(root)/d(root) = 1) before it "
    "calls the _backward steps.", lecture_value(seeded=False))


# ----------------------------------------------------------------------------- long chains


def recursion_note(outcome: Outcome) -> str | None:
    """What to say when backward() on a long chain raised RecursionError, and why it does
    not fail the exercise; None for any other failure."""
    if not isinstance(outcome.error, RecursionError):
        return None
    chain = outcome.case
    return (
        f"One limit, which does not fail the exercise: backward() on a sum of {chain.n + 1} "
        f"terms (s = x, then s = s + x, {chain.n} times: a chain {chain.n} nodes deep) "
        "raised RecursionError. Your topological sort calls itself once for every node along "
        f"the chain, and Python stops at sys.getrecursionlimit() = {DEPTH} "
        "nested calls. That is a limit of depth, not a wrong number: every value and "
        "gradient your Value gave on the inputs tried is right, and micrograd's own "
        "build_topo stops at the same depth, so the exercise passes. But a loss summed over "
        "a thousand examples is such a chain. To lift the limit, sort with a stack of your "
        "own:\n" + "".join(f"    {line}\n" for line in value_words.NOTE_SORT.splitlines()
                            ).rstrip("\n"))
