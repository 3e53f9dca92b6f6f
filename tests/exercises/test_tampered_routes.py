"""Issue 65's route (the audit hook switched off from inside the learner's process, then the
model answers, held reversed in a string, compiled at run time) earned every mark unflagged
on every route: the copy check read nothing, the hook being off, and nothing said it was.
Scored as before, it is now flagged for the teacher alone (``Mark.tampered``): the watch
switched off (``test_watch.py``), and the lines of the file that reach Python's machinery
(``test_machinery.py``), on each route's channel for the teacher."""

import csv
import io
import json

import pytest

from tests.exercises import right_variants
from tests.exercises.test_copies import write
from tests.exercises.test_machinery import attack_text
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.classroom.report import report_csv, summary
from tinygrad_edu.exercises.classroom.results import (
    Result,
    as_gradescope,
    as_json,
    as_sent,
    for_staff,
)
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.machinery import MACHINERY, WATCH_OFF

ROUTE = [EXERCISES["backward"], EXERCISES["sum_over_paths"]]
POINTS = {"backward": 1.0, "sum_over_paths": 2.0}


@pytest.mark.slow
def test_the_attack_is_flagged_for_the_teacher_on_every_route(tmp_path):
    """Scored as before (3/3), the attack is flagged twice, for the teacher alone: the watch
    switched off, and the lines of the file that reach Python's machinery; on the report
    (its CSV and its page), Gradescope (a hidden test), and the staff's log of nbgrader,
    PrairieLearn and Otter (``for_staff``; Otter's hidden test case: test_otter.py)."""
    path = write(tmp_path, attack_text(), "mallory.py")
    result = grade_file(path, ROUTE, POINTS)
    assert result.score == 3.0 and not any(m.copied for m in result.marks), result.marks
    for m in result.marks:
        assert m.tampered.startswith(f"{WATCH_OFF}; {MACHINERY} at line 4"), m.tampered
        assert "⚑" not in m.text and MACHINERY not in m.text
    assert Result.from_json(as_sent(result)).marks == result.marks  # (from a grading process)
    # the report: its CSV's column, its page's data
    row = next(csv.DictReader(io.StringIO(report_csv([result], ROUTE))))
    assert row["tampered"].startswith(f"backward, sum_over_paths: {WATCH_OFF}"), row
    page = summary([result], ROUTE)["students"][0]["marks"]
    assert all(m["tampered"].startswith(WATCH_OFF) for m in page)
    # Gradescope: a test hidden from students; nbgrader, PrairieLearn, Otter: the staff's log
    hidden = [t for t in as_gradescope(result)["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 1 and WATCH_OFF in hidden[0]["output"], hidden
    assert "⚑ backward, sum_over_paths: " + WATCH_OFF in for_staff(result)
    assert all(WATCH_OFF not in t["output"] for t in as_gradescope(result)["tests"]
               if t["visibility"] == "visible")
    assert as_json(result)["exercises"][0]["tampered"] == result.marks[0].tampered


@pytest.mark.long(sibling="test_the_attack_is_flagged_for_the_teacher_on_every_route")
def test_the_attack_is_flagged_in_the_class_report(tmp_path, capsys):
    """``exercises report``, run as a teacher runs it, on the attack and an honest file."""
    folder = tmp_path / "class"
    folder.mkdir()
    mallory = write(folder, attack_text(), "mallory.py")
    write(folder, right_variants.HEAD + "\n\n".join(
        source for name in POINTS for _, source in right_variants.VARIANTS[name][:1]), "ann.py")
    output = tmp_path / "report.csv"
    assert cli(["report", str(folder), "backward", "sum_over_paths", "-o", str(output)]) == 0
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(output.read_text()))}
    assert rows["mallory"]["score"] == "2" and rows["mallory"]["copied"] == ""
    assert rows["mallory"]["tampered"].startswith(
        f"backward, sum_over_paths: {WATCH_OFF}; {MACHINERY} at line 4"), rows["mallory"]
    assert rows["ann"]["score"] == "2" and rows["ann"]["tampered"] == "", rows
    capsys.readouterr()
    cli(["check", str(mallory), "backward", "--json"])  # (a learner's own check: none of it)
    said = capsys.readouterr().out
    assert json.loads(said)["score"] == 1.0 and WATCH_OFF not in said and MACHINERY not in said


def test_the_staff_read_first_that_a_route_refused_to_grade():
    """Otter's and nbgrader's logs said "tinygrad_edu graded alice: Protections: ...
    WITHOUT Landlock" where the route refused to grade (a65m): the refusal comes first."""
    from tinygrad_edu.exercises.classroom.results import Problem

    refused = Result("alice", "alice.py", (), Problem(
        "unprotected", "not grading: exercises report needs Landlock, and this machine lacks "
        "Landlock; add --allow-unsandboxed to grade without it"),
        protections="Protections: resource limits; WITHOUT Landlock")
    assert for_staff(refused).startswith("not grading: exercises report needs Landlock")
    assert "WITHOUT Landlock" in for_staff(refused)
    assert not for_staff(Result("bob", "bob.py", (), protections="Protections: all")).startswith(
        "not grading")
