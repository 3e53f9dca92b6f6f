"""A backward pass (of the graph exercises: a step of one node, a backward, a sum over paths)
that runs the forward pass again: how the grader tells it from the chain rule (issue 65).

``run_backward`` runs the learner's function with the ops' own functions (``math.tanh``,
``numpy.exp``... and the learner's module's names for them: ``watched._watching_functions``)
noting the numbers they are evaluated at; ``NUDGED`` numbers next to one operand a node of
the graph took, not it, are a forward pass run again on nudged numbers, for finite
differences: ``watched.ForwardAgain``, with the function, the number and the line. (The
``Value`` class's own forward pass run again is told in ``rerun.py``.)
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises.learner import watched, watched_numbers

__all__ = ["NUDGED", "run_backward"]

NUDGED = 2
"""How many numbers next to one operand (within ``SMALL`` of it, not it) an op's function
must be evaluated at for a backward to be said to run the forward pass again: a central
difference takes two there for each node below it, an honest backward none (the local
derivatives are given), or the operand itself."""
_NUDGED: dict[tuple[str, float], dict[float, str]] = {}
"""While a backward runs: each op's operand that its function was evaluated next to, with
the numbers it was evaluated at and where."""


def run_backward(solution: Callable[..., Any], nodes: Any,
                 operands: dict[str, list[float]]) -> Any:
    """``solution(*nodes)`` (a backward pass, a step of one, a sum over paths) with the ops'
    own functions watched (by op name: the numbers the graph's nodes of that op took as
    their operand); ``ForwardAgain`` if it evaluated one at ``NUDGED`` numbers next to an
    operand."""
    _NUDGED.clear()
    watched_numbers.FORWARD.clear()
    watched_numbers.FORWARD.update({"functions": tuple(operands), "file": getattr(
        getattr(solution, "__code__", None), "co_filename", None),
        "operands": {name: sorted(set(values)) for name, values in operands.items()}})
    restore = watched._watching_functions(solution, _watching)
    answer = None
    try:
        answer = solution(*nodes)
    except Exception:
        if not _forward_again():
            raise
    finally:
        restore()
        found = _forward_again()
        watched_numbers.FORWARD.clear()
        _NUDGED.clear()
    if found:
        raise watched.ForwardAgain(found)
    return answer


def _forward_again() -> str:
    """What ``run_backward`` noticed: an op's function at ``NUDGED`` numbers next to one
    operand, said with one of them and where; or nothing."""
    for (name, operand), points in _NUDGED.items():
        if len(points) >= NUDGED:
            v, where = next(iter(points.items()))
            return (f"{name} at {len(points)} numbers next to {operand!r}, the number a node "
                    f"of the graph took it at, such as {name}({v!r}){where}")
    return ""


def _notice_nudged(name: str, values: list[float], operands: list[float]) -> None:
    """An op's function evaluated at ``values`` during a backward: each one next to an
    operand of the graph (``operands``, sorted), not it, noted; ``ForwardAgain`` at once
    where that makes ``NUDGED`` numbers next to one operand. (Noticed only once the
    backward had returned, a forward pass run again for each node of a chain of 150 took
    longer than the time limit on a loaded machine: its verdict was the time limit's, not
    the shortcut's, and test_shortcuts (now test_forward_again.py) failed now and then under two
    workers.)"""
    for v in values:
        k = bisect.bisect_left(operands, v)
        for u in operands[max(k - 1, 0):k + 1]:
            if v != u and abs(v - u) <= watched_numbers.SMALL * max(abs(u), 1e-3):
                _NUDGED.setdefault((name, u), {}).setdefault(v, watched_numbers.here())
    found = _forward_again()
    if found:
        raise watched.ForwardAgain(found)


def _watching(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    """``real`` (the op's function ``name``), noting the numbers it is evaluated at that are
    next to an operand of that op."""
    def watching(*args: Any, **kwargs: Any) -> Any:
        for x in args:
            _notice_nudged(name, watched.numbers_at(name, x),
                           watched_numbers.FORWARD.get("operands", {}).get(name, []))
        return real(*args, **kwargs)

    watching.__name__ = name
    return watching
