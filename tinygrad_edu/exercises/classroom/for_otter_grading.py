"""Otter-Grader's points, given by tinygrad_edu's grader outside the student's notebook.

Otter runs a submitted notebook in a kernel and runs each question's tests there, on the
objects the student's cells made: everything in that kernel is the student's to change.
So an assignment made by ``exercises assignment ... --for otter`` lists ``GradeOutside``
among its plugins:

- ``before_execution``: every code cell of the submission is emptied, so that none of the
  student's code runs in Otter's kernel at all;
- ``after_grading``: the submitted file is graded as ``exercises report`` grades a
  submission (``isolation.grade_all``: a grading process, learner's processes of their own
  behind the operating system's boundary), and each question gets its points and the
  verdict as its result (the failing input shown, the diagnosis of the mistake; no
  reference's code).

``feedback`` is what a question's test runs when the student checks their answer in their
own notebook (``grader.check("d_tanh")``): the verdict, graded in their kernel, for
practice.

Imported by Otter (its plugins, its tests), where otter-grader runs; without it this module
imports all the same (for the API reference), and ``GradeOutside`` says what to install when
it is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

try:
    from otter.plugins import AbstractOtterPlugin  # type: ignore[import-untyped]
except ImportError:  # (see the module's docstring)
    class AbstractOtterPlugin:  # type: ignore[no-redef]
        """Where otter-grader is missing: ``GradeOutside`` says what to install."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise ImportError("tinygrad_edu's plugin of Otter needs otter-grader: pip install "
                              "otter-grader")

from tinygrad_edu.exercises.choosing import by_name
from tinygrad_edu.exercises.classroom.isolation import grade_all
from tinygrad_edu.exercises.classroom.results import partial_credit_on

__all__ = ["GradeOutside", "feedback"]


class GradeOutside(AbstractOtterPlugin):
    """Otter's plugin: the student's code graded outside Otter's kernel (see the module's
    docstring). Its configuration: ``partial`` (partial credit, off by default)."""

    def before_execution(self, submission: Any) -> Any:
        """The submission with every code cell emptied (a script: emptied)."""
        if isinstance(submission, str):
            return ""
        for cell in submission.cells:
            if cell.cell_type == "code":
                cell.source = ""
                cell.outputs = []
        return submission

    def after_grading(self, results: Any) -> None:
        """Each question's points and result, from tinygrad_edu's grader."""
        from otter.test_files.abstract_test import TestCaseResult  # type: ignore[import-untyped]

        path = Path(self.submission_path)
        questions = {name: test for name, test in results.results.items()
                     if _exercise(name) is not None}
        if not questions:
            return
        points = {name: float(test.possible) for name, test in questions.items()}
        config = self.plugin_config or {}
        with partial_credit_on(bool(config.get("partial"))):
            (result,) = grade_all([(path.stem, path)], [by_name(n) for n in questions],
                                  points, jobs=1, within=path.parent)
        for mark in result.marks:
            test = questions[mark.name]
            test.test_case_results = [TestCaseResult(case, mark.text, mark.passed)
                                      for case in test.test_cases]
            test.update_score(mark.points)
        if result.problem is not None:
            results.set_output(f"Not graded: {result.problem.message}")


def _exercise(name: str) -> Any:
    try:
        return by_name(name)
    except KeyError:
        return None


def feedback(exercise: str, solution: Any) -> None:
    """A question's test, in the student's own notebook: the verdict of ``solution``,
    raised as an ``AssertionError`` unless it passes (Otter shows it)."""
    from tinygrad_edu.exercises import check

    if solution is None:
        raise AssertionError(f"{exercise} is not defined yet: run the cell with your answer")
    verdict = check(exercise, solution)
    if not verdict.passed:
        raise AssertionError(str(verdict))
