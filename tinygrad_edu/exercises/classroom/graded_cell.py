"""The graded cell of an nbgrader assignment: ``graded_cell("d_tanh", globals())`` grades the
learner's ``d_tanh`` with the project's grader, prints the verdict (with the diagnosis of a
mistake, which nbgrader's feedback shows) and raises ``AssertionError`` if it does not
pass: nbgrader gives the cell's points when it raises nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tinygrad_edu.exercises import get_exercise
from tinygrad_edu.exercises.grading import grade

__all__ = ["graded_cell"]


def graded_cell(exercise: str, namespace: Mapping[str, Any]) -> None:
    """Grade the learner's answer to ``exercise`` (found by its name in ``namespace``, the
    notebook's ``globals()``), print the verdict, and raise ``AssertionError`` unless it
    passes. What is not the learner's own (not defined, or imported from tinygrad_edu) is
    an ``AssertionError`` that says so."""
    ex = get_exercise(exercise)
    solution = namespace.get(ex.name)
    if solution is None:
        raise AssertionError(f"{ex.name} is not defined: write {ex.definition} in the cell "
                             "above and run that cell, then this one")
    module = getattr(solution, "__module__", None) or ""
    if module.split(".")[0] == "tinygrad_edu":
        raise AssertionError(f"{ex.name} here is {module}'s, not yours: write your own "
                             f"{ex.definition} in the cell above and run it")
    verdict = grade(ex, solution)
    print(verdict)
    if not verdict.passed:
        raise AssertionError(f"{ex.name} does not pass yet: see the verdict above")
