"""tinygrad_edu.exercises.verdicts: a verdict shows the simplest failing input with the
expected and the given answer, a table of every node for the exercises on graphs, and its
text is its repr (the last line of a notebook cell shows it)."""

import math

from tests.exercises.learners import solution
from tests.exercises.wrong_answers import wrong
from tinygrad_edu.exercises import EXERCISES, check
from tinygrad_edu.exercises.grading import grade


def test_the_verdict_shows_the_simplest_failing_input_expected_and_got():
    verdict = check("d_tanh", lambda x, y: 1 - x**2)
    text = str(verdict)
    assert verdict.failure is not None
    x = verdict.failure.case.values[0]
    assert f"failing input: x = {x!r}, y = tanh(x) = {math.tanh(x)!r}" in text
    assert f"expected {1 - math.tanh(x) ** 2:.10g}" in text
    assert repr(verdict) == text and not verdict


def test_backward_verdicts_show_every_node_as_a_table():
    verdict = check("backward", solution(wrong("backward", "= for +="), "backward"))
    lines = str(verdict).splitlines()
    header = next(i for i, line in enumerate(lines) if "expected" in line and "got" in line)
    assert lines[header + 1].lstrip().split()[0].endswith(".grad")
    assert any(line.rstrip().endswith("✗") for line in lines)


def test_a_verdict_holds_what_a_report_of_grades_needs():
    """``grade`` grades one answer; its verdict holds the exercise's name, passed or not, and
    each diagnosis's key, title and the words under it (its hint), as the text shows them."""
    verdict = grade(EXERCISES["d_tanh"], lambda x, y: 1 - x * x)
    assert (verdict.name, verdict.passed, verdict.keys) == ("d_tanh", False, ("in_out",))
    diagnosis = verdict.diagnosis
    assert diagnosis.hint == diagnosis.mistake.hint != ""
    assert f"diagnosis: {diagnosis.title}.\n    {diagnosis.hint.splitlines()[0]}" in str(verdict)
    verdict = grade(EXERCISES["d_tanh"], lambda x, y: 1 - y * y)
    assert (verdict.name, verdict.passed, verdict.diagnosis) == ("d_tanh", True, None)
