"""tinygrad_edu.exercises.running: what a solution raises, prints or exits with is part of its
verdict, shown with the learner's own line, never a crash of the grader."""

import sys

import pytest

from tests.exercises.learners import Shows, assert_shows
from tinygrad_edu.exercises import check


def _raises_for_big_x():
    def d_log(x, y):
        if x > 1:
            raise ValueError("oops, too big")
        return 1 / x

    return d_log


def _log_of_zero_at_1():
    from tinygrad_edu import log

    def d_log(x, y):  # log(0) at x = 1: the engine raises DomainError
        return 1 / x + 0 * log(y)

    return d_log


@pytest.mark.parametrize("name, answer, words", [
    pytest.param("d_log", _raises_for_big_x(), (
        "your function raised an error", "ValueError: oops, too big", "test_running.py, line",
        'raise ValueError("oops, too big")'), id="an exception is shown, not raised"),
    pytest.param("d_log", _log_of_zero_at_1(), (
        "DomainError: log: got 0.0", "in d_log  (return 1 / x + 0 * log(y))"),
        id="an error deep in the engine points at the learner's line"),
    pytest.param("d_exp", lambda x, y: sys.exit(3), ("SystemExit: 3",),
                 id="exit inside a solution is a failure, not an exit"),
])
def test_an_error_in_the_solution_is_part_of_the_verdict(name, answer, words):
    assert_shows(check(name, answer), Shows(words=words))


def test_printing_is_captured_and_shown_for_the_failing_input(capsys):
    def d_exp(x, y):
        print("x is", x)
        return x

    verdict = check("d_exp", d_exp)
    assert capsys.readouterr().out == ""  # nothing printed while grading
    assert f"it printed:\n    x is {verdict.failure.case.values[0]}" in str(verdict)


def test_what_a_failing_solution_printed_is_shown_even_when_it_raised_and_kept_short():
    def d_log(x, y):
        for k in range(1000):
            print("step", k)
        return 1 / (x - 1)  # ZeroDivisionError at x = 1

    text = str(check("d_log", d_log))
    assert "ZeroDivisionError" in text
    assert "it printed:\n    step 0\n    step 1\n" in text
    assert "step 11\n    … 985 more lines, 8,777 characters not shown …\n    step 997\n" \
        "    step 998\n    step 999\n" in text  # (the first lines, the cut, the last)


def test_an_error_names_the_learners_class_as_the_learner_wrote_it():
    """Python 3.14 names a class with its module: "cannot use 'solutions.Value' as a set
    element (unhashable type: 'Value')", where ``solutions`` is the module the grader runs the
    learner's file as, a name the learner never wrote."""
    from tinygrad_edu.exercises.running import _where

    try:
        raise TypeError("cannot use 'solutions.Value' as a set element (unhashable type: "
                        "'Value')")
    except TypeError as error:
        said = _where(error, lambda: None)
    assert said.startswith("TypeError: cannot use 'Value' as a set element (unhashable type: "
                           "'Value')"), said
    error = TypeError("in process")
    error.learner_text = "TypeError: 'solutions.Node' object is not iterable"
    assert _where(error, lambda: None) == "TypeError: 'Node' object is not iterable"
