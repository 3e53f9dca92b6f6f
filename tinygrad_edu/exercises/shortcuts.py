"""A rule exercise is graded on the rule: an answer that has the right numbers without one (a
numerical derivative of the function) earns no points, and the verdict says why.

The derivative of tanh at x can be had from tanh's values alone: by the complex step,
Im tanh(x + ih) / h (exact to the last digit), or by a finite difference, (tanh(x + h) -
tanh(x - h)) / 2h (good to about ten digits, well within the grader's tolerance of 1e-5). A
learner who does that has not written the rule, which is what the exercise is (and what the
engine needs: a rule it can run on Values, for second derivatives). So once an answer of an
exercise with ``exact`` points has passed, it is run once more on those points, with its
numbers watched (``learner/watched.py``):

- if it met a complex number, it is the complex step (no rule needs one);
- if it is further from the rule than ``EXACT`` (relative to the answer's largest entry), it
  is a finite difference: a rule written as an expression of its inputs is exact to about
  1e-15 on these points (chosen away from 0, kinks and numbers a power of two apart), and no
  finite difference, whatever its step, comes closer than about 1e-11 there.

Told by what the answer does, not by its text: ``(-1) ** 0.5`` makes a complex number with no
``cmath`` and no ``1j`` in sight.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.learner.inputs import Call
from tinygrad_edu.exercises.learner.watched import ComplexUsed
from tinygrad_edu.exercises.limit import call_with_time_limit
from tinygrad_edu.exercises.mistakes import Solution
from tinygrad_edu.exercises.remote import Remote

__all__ = ["EXACT", "shortcut"]

EXACT = 1e-12
"""How close to the rule a rule's answer is on the exact points, relative to its largest
entry: 1000 times the rounding of float64, 10 times closer than any finite difference."""

COMPLEX = ("your answer computes with complex numbers (it met {what}): that is the complex-step "
           "derivative, Im f(x + ih) / h, which gets the slope from the function's values. "
           "It gives the right numbers, but the exercise is the rule: write dy/dx as an "
           "expression of the inputs (and y), as the statement asks, as the engine's own "
           "rules are written. A numerical derivative earns no points here.")
INEXACT = ("your answer agrees with the rule only to about {error:.0e} (at {case}), where a "
           "rule is exact to about 1e-15: that is a finite difference, (f(x + h) - f(x - "
           "h)) / 2h, which gets the slope from the function's values. The exercise is the "
           "rule: write dy/dx as an expression of the inputs (and y), as the statement asks. "
           "A numerical derivative earns no points here.")


def shortcut(exercise: ExerciseSpec, solution: Solution | Remote) -> str:
    """Why ``solution``, which has passed ``exercise``, is a numerical derivative and not a
    rule; empty if it is a rule (or the exercise has no ``exact`` points)."""
    if not exercise.exact:
        return ""
    kind = "numbers watched" if exercise.call.kind == "numbers" else "arrays watched"
    watched = dataclasses.replace(exercise, call=Call(kind, exercise.call.parts))
    worst, where = 0.0, None
    for case in exercise.exact:
        expected = exercise.call(exercise.reference, case)
        try:
            if isinstance(solution, Remote):
                got = solution.run(watched, case)[0]
            else:
                got = call_with_time_limit(5.0, watched.call, solution, case)
        except ComplexUsed as used:
            return COMPLEX.format(what=used)
        except Exception as error:  # (a stand-in of its class, from the learner's process)
            if type(error).__name__ == "ComplexUsed":
                return COMPLEX.format(what=error)
            return ""  # (it passed on these numbers as plain numbers: not for here to say)
        off = _relative(got, expected)
        if off > worst:
            worst, where = off, case
    if worst > EXACT:
        return INEXACT.format(error=worst, case=where)
    return ""


def _relative(got: tuple[Any, ...], expected: tuple[Any, ...]) -> float:
    """The largest difference between the two answers' entries, over the largest entry of
    the expected one."""
    a, b = _entries(got), _entries(expected)
    if len(a) != len(b):
        return float("inf")
    scale = max((abs(x) for x in b), default=0.0)
    if scale == 0.0:
        return 0.0 if all(x == 0 for x in a) else float("inf")
    return max(abs(x - y) for x, y in zip(a, b)) / scale


def _entries(answer: Any) -> list[float]:
    """Every number of an answer (its parts: numbers, Numbers, arrays), in order."""
    if isinstance(answer, (tuple, list)):
        return [v for part in answer for v in _entries(part)]
    ravel = getattr(answer, "ravel", None)
    if ravel is not None:
        return [float(v) for v in ravel()]
    return [float(answer)]
