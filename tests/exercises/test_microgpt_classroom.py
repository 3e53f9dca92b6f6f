"""Build microgpt yourself in a class: an assignment of the whole track, or of some of its
stages, for each of the three tools, tried for real as the exercises' are
(test_nbgrader.py, test_gradescope.py, test_github_classroom.py): nbgrader's round trip,
Gradescope's zip set up and run as Gradescope runs it, GitHub Classroom's steps run one by
one; and the class report, per stage, with the mistakes the class made."""

import copy
import csv
import json
import shlex
import shutil
import sys

import pytest

from tests.exercises.assignment_runs import (
    STUB,
    grade_on_gradescope,
    nbgrader,
    needs_nbgrader,
    run,
    set_up_gradescope,
    workflow,
)
from tests.exercises.gpt_answers import RIGHT, SLIPS, with_slip
from tests.exercises.test_report import page_data
from tinygrad_edu.exercises import TRACK
from tinygrad_edu.exercises.classroom.wheel import project_wheel
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.starters import model_answer_body

STAGES = list(TRACK)
SOME = ["softmax", "attention", "adam"]
SEES_ALL = SLIPS["attention"][0]  # a position sees the positions after it
EPS = SLIPS["rmsnorm"][0]  # 1e-5 not added


def test_a_notebook_of_the_track_holds_the_reference_and_runs_it():
    """The source notebook's answers are the references, without their type hints and
    docstrings: they run in a notebook with nothing but math imported."""
    namespace: dict = {}
    exec("import math", namespace)
    for stage in TRACK.values():
        body = model_answer_body(stage)
        assert '"""' not in body and "->" not in body and ": list" not in body
        head = f"class {stage.symbol}:" if stage.kind == "class" else \
            f"def {stage.symbol}({stage.params}):"
        exec(f"{head}\n{body}\n", namespace)
    node = namespace["Value"]
    x = node(2.0)
    y = x * x + x.log()
    y.backward()
    assert x.grad == pytest.approx(4.5)


@needs_nbgrader
@pytest.mark.slow
@pytest.mark.long(sibling="tests/exercises/test_nbgrader.py::test_nbgraders_round_trip")
def test_the_tracks_nbgrader_round_trip(tmp_path):
    """Some stages of the track in nbgrader: generated, handed in by a right student and by
    one whose attention sees the future, autograded, given feedback: the right one gets
    every point, the other every point but attention's, and the feedback names the mistake."""
    course = tmp_path / "course"
    assert cli(["assignment", *SOME, "--for", "nbgrader", "-o", str(course), "--name", "gpt",
                "--points", "2"]) == 0
    nbgrader(course, "generate_assignment", "gpt")
    release = json.loads((course / "release" / "gpt" / "gpt.ipynb").read_text("utf-8"))
    sees_all = with_slip(*SEES_ALL[1:])
    body = sees_all.split("def attention(q, k, v):\n", 1)[1].split("\n\n\ndef ", 1)[0]
    students = {"right": {n: model_answer_body(TRACK[n]) for n in SOME},
                "peeks": {**{n: model_answer_body(TRACK[n]) for n in SOME}, "attention": body}}
    for student, bodies in students.items():
        notebook = copy.deepcopy(release)
        for cell in notebook["cells"]:
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if grade_id in bodies:
                assert STUB in "".join(cell["source"])
                cell["source"] = "".join(cell["source"]).replace(STUB, bodies[grade_id])
        folder = course / "submitted" / student / "gpt"
        folder.mkdir(parents=True)
        (folder / "gpt.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    nbgrader(course, "autograde", "gpt")
    nbgrader(course, "export")
    nbgrader(course, "generate_feedback", "gpt")
    with (course / "grades.csv").open(encoding="utf-8") as file:
        grades = {row["student_id"]: float(row["score"]) for row in csv.DictReader(file)}
    assert grades == {"right": 6.0, "peeks": 4.0}
    feedback = (course / "feedback" / "peeks" / "gpt" / "gpt.html").read_text("utf-8")
    assert "✓ softmax passed" in feedback and "✗ attention: not yet." in feedback
    assert SEES_ALL[0] in feedback


@pytest.fixture(scope="module")
def gradescope(tmp_path_factory, wheel):
    """The track's autograder.zip (every stage), unpacked and set up as Gradescope does."""
    made, wheels = tmp_path_factory.mktemp("made"), tmp_path_factory.mktemp("wheels")
    shutil.copy2(wheel, wheels / wheel.name)
    assert cli(["assignment", "microgpt", "--for", "gradescope", "-o", str(made), "--name",
                "gpt", "--wheels", str(wheels)]) == 0
    assert (made / "gpt.py").read_text("utf-8").count("raise NotImplementedError") == 10
    root = tmp_path_factory.mktemp("autograder")
    bin_, _ = set_up_gradescope(made / "autograder.zip", root)
    return root, bin_


def on_gradescope(gradescope, text):
    return grade_on_gradescope(gradescope, {"gpt.py": text})


@pytest.mark.slow
@pytest.mark.long(
    sibling="tests/exercises/test_gradescope.py::test_gradescope_grades_right_and_wrong_answers")
def test_gradescope_grades_the_track_stage_by_stage(gradescope):
    right = on_gradescope(gradescope, RIGHT)
    assert [t["status"] for t in right["tests"]] == ["passed"] * len(STAGES)
    # (no hidden flag: the track's reference is microgpt's own code, not compared, copies.py)
    assert right["score"] == len(STAGES)
    slipped = on_gradescope(gradescope, with_slip(*EPS[1:]))
    failed = [t for t in slipped["tests"] if t["status"] == "failed"]
    assert [t["name"] for t in failed] == ["5. rmsnorm"] and EPS[0] in failed[0]["output"]
    assert slipped["score"] == len(STAGES) - 1


@pytest.mark.slow
@pytest.mark.long(sibling="tests/exercises/test_github_classroom.py::"
                         "test_each_steps_command_passes_exactly_when_its_exercise_does")
def test_github_classrooms_steps_pass_exactly_when_their_stage_does(tmp_path):
    template = tmp_path / "template"
    wheel = project_wheel(tmp_path / "wheel")
    assert cli(["assignment", "microgpt", "--for", "github", "-o", str(template), "--name",
                "gpt", "--wheel", str(wheel)]) == 0
    graders = [s for s in workflow(template)["jobs"]["run-autograding-tests"]["steps"]
               if "autograding-command-grader" in s.get("uses", "")]
    assert [s["id"] for s in graders] == STAGES
    clone = tmp_path / "clone"
    shutil.copytree(template, clone)
    (clone / "gpt.py").write_text(with_slip(*SEES_ALL[1:]), encoding="utf-8")
    for step in graders:
        command = shlex.split(step["with"]["command"])
        done = run([sys.executable, *command[1:]], clone,
                   TINYGRAD_EDU_PROGRESS=str(tmp_path / "progress.json"))
        passes = step["id"] != "attention"
        assert (done.returncode == 0) is passes, (step["id"], done.stdout, done.stderr)


@pytest.mark.slow
@pytest.mark.long(sibling="tests/exercises/test_report.py::"
                         "test_the_report_counts_who_passed_and_who_made_each_mistake")
def test_the_class_report_shows_each_stage_and_the_mistakes_made(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.py").write_text(RIGHT, encoding="utf-8")
    (folder / "grace.py").write_text(with_slip(*SEES_ALL[1:]), encoding="utf-8")
    (folder / "linus.py").write_text(with_slip(*EPS[1:]).replace(*SEES_ALL[1:]),
                                     encoding="utf-8")
    assert cli(["report", str(folder), "-o", str(tmp_path / "report.csv")]) == 0
    rows = {r["student"]: r for r in csv.DictReader((tmp_path / "report.csv").open())}
    assert [(s, rows[s]["score"], rows[s]["attention"], rows[s]["rmsnorm"]) for s in rows] == [
        ("ada", "10", "passed", "passed"), ("grace", "9", "failed", "passed"),
        ("linus", "8", "failed", "failed")]
    assert cli(["report", str(folder), "-o", str(tmp_path / "report.html")]) == 0
    data = page_data((tmp_path / "report.html").read_text(encoding="utf-8"))
    stages = {row["name"]: row for row in data["exercises"]}
    assert list(stages) == STAGES
    mistakes = {m["title"]: m["students"] for m in stages["attention"]["mistakes"]}
    assert mistakes == {SEES_ALL[0]: ["grace", "linus"]}
    assert {m["title"] for m in stages["rmsnorm"]["mistakes"]} == {EPS[0]}
