"""One exercise's grading may take ``remote.EXERCISE_DEADLINE`` seconds (80 s), wherever it
is graded: a right answer so slow that the exercise takes longer (each call within its time
limit) fails with the same verdict from ``exercises check`` as from a class's report or an
assignment's autograder. Before, the learner's practice had no such limit: an attacker's
answer that sleeps 1 s a call showed ✓ at home after 109 s, and 0 in the grade."""

import pytest

from tinygrad_edu.exercises import EXERCISES, remote
from tinygrad_edu.exercises.classroom import isolation
from tinygrad_edu.exercises.cli import main as cli

SLOW_BUT_RIGHT = '''\
def d_tanh(x, y):
    total = 0
    for k in range(1_000_000):
        total += k
    return 1 - y * y
'''
"""Right on every input, and about 50 ms a call: some 5 s for the exercise's cases."""


@pytest.fixture
def short_exercise_deadline(monkeypatch):
    monkeypatch.setattr(remote, "EXERCISE_DEADLINE", 1.5)


def test_check_stops_a_slow_answer_as_the_grade_does(tmp_path, capsys,
                                                     short_exercise_deadline):
    path = tmp_path / "slow.py"
    path.write_text(SLOW_BUT_RIGHT)
    assert cli(["check", str(path), "d_tanh"]) == 1
    out = capsys.readouterr().out
    (result,) = isolation.grade_all([("slow", path)], [EXERCISES["d_tanh"]], {"d_tanh": 1.0})
    (mark,) = result.marks
    assert (mark.status, mark.points, mark.failure) == ("failed", 0.0, "loop")
    assert mark.text.startswith("✗ d_tanh: not yet: grading it took longer than 1.5 s, so "
                                "it was stopped: each call of your answer ended within its "
                                "time limit"), mark.text
    assert out.startswith(mark.text + "\n"), out  # practice says what the grade says
    assert "0 of 1 attempted exercises pass" in out


def test_an_answer_within_the_limit_passes_in_both(tmp_path, capsys):
    path = tmp_path / "quick.py"
    path.write_text(SLOW_BUT_RIGHT.replace("1_000_000", "10"))
    assert cli(["check", str(path), "d_tanh"]) == 0
    assert capsys.readouterr().out.startswith("✓ d_tanh passed")
    (result,) = isolation.grade_all([("quick", path)], [EXERCISES["d_tanh"]], {"d_tanh": 1.0})
    assert [m.status for m in result.marks] == ["passed"]
