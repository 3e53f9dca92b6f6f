"""``=`` for ``+=`` in ``backward``, whatever order the learner's backward visits the nodes in.

With ``parent.grad = ...`` a node's gradient is what the last node made from it passed on,
so the answers depend on the order of the visit: ``answers.backward_assigns`` visits
``walk``'s order, and a learner's own depth-first search that takes a node's parents the
other way round (a stack they are pushed on in order) gives other numbers on the same graph.
``explain`` asks whether the learner's answers, on every input tried, are those of ``=`` in
*some* reverse topological order of that input (every node after all the nodes made from
it), each input worked out over all such orders at once: the graph's nodes that reach the
root, the sets of them visited so far, and for each the gradients it can leave (on 400
graphs drawn as the grader draws them: at most 12 outcomes and 29 ms a graph, none given up;
a graph of more than ``MOST`` is not explained so)."""

from __future__ import annotations

from typing import Any

from tinygrad_edu.exercises.comparing import Outcome
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.learner.graph_cases import Graph
from tinygrad_edu.exercises.learner.parts import Numbers, close
from tinygrad_edu.exercises.mistakes import Diagnosis

__all__: list[str] = []  # the grader's inner workings

MOST = 20_000
"""The most (visited set, gradients) pairs worked out for one input before giving up."""


def explain(exercise: ExerciseSpec, solution: Any, failure: Outcome, outcomes: list[Outcome]
            ) -> tuple[Diagnosis, ...]:
    """The exercise's ``=`` mistake (its first, ``key`` "assign"), if on every graph tried
    the learner's gradients are those of ``=`` for ``+=`` in some reverse topological order,
    and on one at least they are wrong; else nothing (the other mistakes are tried next)."""
    mistake = next((m for m in exercise.mistakes if m.key == "assign"), None)
    tried = [o for o in [failure, *outcomes] if o.got is not None]
    if mistake is None or not tried or not any(o.wrong for o in tried):
        return ()
    for outcome in tried:
        possible = assigned(outcome.case)
        got = outcome.got[0] if outcome.got else None
        if possible is None or not any(close(got, Numbers(grads))
                                       for grads in possible):
            return ()
    return (Diagnosis(mistake),)


def assigned(case: Any) -> list[list[float]] | None:
    """Every node's gradient (in the order of ``Graph.listed``) that ``=`` for ``+=`` can
    leave on the graph ``case``, each reverse topological order of the nodes that reach its
    root taken; None if the case is no graph, or has too many orders to work out."""
    if not isinstance(case, Graph):
        return None
    given = case.scattered()
    parents = [tuple(p) for _, _, p, _, _ in given.nodes]
    local = _local_grads(given)
    n, root = len(parents), given.root
    reach, todo = {root}, [root]
    while todo:
        for p in parents[todo.pop()]:
            if p not in reach:
                reach.add(p)
                todo.append(p)
    made_from: dict[int, set[int]] = {i: set() for i in reach}
    for i in reach:
        for p in parents[i]:
            made_from[p].add(i)
    start = tuple(1.0 if i == root else 0.0 for i in range(n))
    states: dict[frozenset[int], set[tuple[float, ...]]] = {frozenset(): {start}}
    count = 1
    for _ in range(len(reach)):
        after: dict[frozenset[int], set[tuple[float, ...]]] = {}
        for done, grads_set in states.items():
            for i in reach - done:
                if not made_from[i] <= done:
                    continue
                for grads in grads_set:
                    new = list(grads)
                    for p, g in zip(parents[i], local[i]):
                        new[p] = g * grads[i]
                    after.setdefault(done | {i}, set()).add(tuple(new))
                    count += 1
                    if count > MOST:
                        return None
        states = after
    return [list(grads) for found in states.values() for grads in found]


def _local_grads(given: Any) -> list[tuple[float, ...]]:
    """Each node's local derivatives, by the engine's own ops (the grader's process)."""
    return [tuple(float(g) for g in node.local_grads) for node in given.build()]
