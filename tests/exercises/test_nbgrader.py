"""``exercises assignment NAME... --for nbgrader``, tried for real: the source notebook and
its graded cells; nbgrader's whole round trip (generate_assignment, students right, wrong,
broken and cheating, autograde, export, generate_feedback, validate), once for the module;
a report on an nbgrader course; and nbgrader on a kernel without Landlock (the long tier).

These tests need nbgrader (the dev extra pins it) and skip without it; its commands run
with this Python's bin/ first on PATH (nbgrader calls alembic)."""

import copy
import csv
import json
import os
import re
import shutil
import sys

import pytest

from tests.exercises.assignment_runs import (
    NAMES,
    POINTS,
    POINTS_OPTION,
    STUB,
    nbgrader,
    needs_nbgrader,
    run,
)
from tests.exercises.class_work import WRONG_BACKWARD
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.classroom import graded_cell
from tinygrad_edu.exercises.classroom.for_nbgrader import source_notebook
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.starters import model_answer_body


def test_the_source_notebook_holds_the_answers_and_grades_them(capsys):
    """Its code cells, run in order as in the teacher's Jupyter, grade the model answers in
    the solution regions: every graded cell passes, printing its verdict."""
    notebook = source_notebook([EXERCISES[n] for n in NAMES], POINTS, "ps1")
    cells = notebook["cells"]
    metas = [c["metadata"]["nbgrader"] for c in cells]
    assert len({m["grade_id"] for m in metas}) == len(cells) == 2 + 3 * len(NAMES)
    assert [c["id"] for c in cells] == [m["grade_id"] for m in metas]
    graded = [(m["grade_id"], m["points"]) for m in metas if m["grade"]]
    assert graded == [(f"{n}-graded", POINTS[n]) for n in NAMES]
    assert all(m["locked"] for m in metas if m["grade"] or not m["solution"])
    answers = ["".join(c["source"]) for c, m in zip(cells, metas) if m["solution"]]
    assert len(answers) == len(NAMES)
    for name, source in zip(NAMES, answers):
        assert "    ### BEGIN SOLUTION\n" in source and source.endswith("    ### END SOLUTION")
        assert model_answer_body(EXERCISES[name]) in source
    namespace: dict = {}
    for cell in cells:
        if cell["cell_type"] == "code":
            exec("".join(cell["source"]), namespace)
    out = capsys.readouterr().out
    assert [line.split(" passed")[0] for line in out.splitlines() if "passed" in line] == \
        [f"✓ {n}" for n in NAMES]


def test_the_graded_cell_refuses_what_is_not_the_learners():
    with pytest.raises(AssertionError, match="d_tanh is not defined: write def d_tanh"):
        graded_cell("d_tanh", {})
    from tinygrad_edu.exercises import answers

    with pytest.raises(AssertionError, match=r"✗ d_tanh: not graded: d_tanh is imported from "
                       r"tinygrad_edu\.exercises\.answers, so it is not yours; write your own "
                       r"`def d_tanh\(x, y\)`"):
        graded_cell("d_tanh", {"d_tanh": answers.d_tanh})
    with pytest.raises(AssertionError, match="d_tanh does not pass yet: see the verdict"):
        graded_cell("d_tanh", {"d_tanh": lambda x, y: 1 - x * x})


def test_a_report_on_an_nbgrader_course_takes_the_assignments_points(tmp_path):
    """``exercises report COURSE``: the points the assignment was made with, read from its
    source notebook's graded cells (before: 1 each, where grades.csv had the course's);
    where the course has no source notebook, it says that --points is needed."""
    from tinygrad_edu.exercises.classroom.report import assignment_points

    course = tmp_path / "course"
    assert cli(["assignment", *NAMES, "--for", "nbgrader", "-o", str(course), "--name", "ps1",
                "--points", POINTS_OPTION]) == 0
    handed = course / "submitted" / "ada" / "ps1"
    handed.mkdir(parents=True)
    submissions = [("ada", handed)]
    points, said = assignment_points(course, submissions)
    assert points == POINTS and "read from source/ps1/ps1.ipynb" in said, said
    assert assignment_points(course / "submitted", submissions)[0] == POINTS
    assert assignment_points(tmp_path, submissions) is None  # (not a course)
    shutil.rmtree(course / "source")
    points, said = assignment_points(course, submissions)
    assert points == {} and "give them as the assignment was made, --points" in said, said



@needs_nbgrader
@pytest.mark.long(sibling="test_nbgraders_round_trip")
def test_autograde_stops_at_a_submission_that_is_not_files(tmp_path):
    """nbgrader reads and copies a submission as the teacher, following links: a link to a
    classmate's notebook took their full marks, a link beside the notebook to the source
    notebook came back in the feedback, and a FIFO hung autograde for the class (an
    attacker's, issue 65). The course's config stops autograde first, naming each. (The
    long tier's: 8 core-seconds; the round trip runs autograde under the same config.)"""
    course = tmp_path / "course"
    assert cli(["assignment", "d_mul", "--for", "nbgrader", "-o", str(course),
                "--name", "ps1"]) == 0
    nbgrader(course, "generate_assignment", "ps1")
    release = course / "release" / "ps1" / "ps1.ipynb"
    handed = {s: course / "submitted" / s / "ps1" for s in ("right", "linker", "leaker", "fifo")}
    for folder in handed.values():
        folder.mkdir(parents=True)
    shutil.copy(release, handed["right"] / "ps1.ipynb")
    (handed["linker"] / "ps1.ipynb").symlink_to(handed["right"] / "ps1.ipynb")
    shutil.copy(release, handed["leaker"] / "ps1.ipynb")
    (handed["leaker"] / "notes.txt").symlink_to(course / "source" / "ps1" / "ps1.ipynb")
    os.mkfifo(handed["fifo"] / "ps1.ipynb")
    graded = run([sys.executable, "-m", "nbgrader", "autograde", "ps1"], course)
    said = graded.stdout + graded.stderr
    assert graded.returncode == 1 and "stopped before grading anything" in said, said
    for where in ("linker/ps1/ps1.ipynb (a symbolic link)",
                  "leaker/ps1/notes.txt (a symbolic link)", "fifo/ps1/ps1.ipynb (a FIFO)"):
        assert f"submitted/{where}" in said, said
    assert not (course / "autograded").exists()
    for student in ("linker", "fifo"):  # removed: the class is graded
        shutil.rmtree(handed[student].parent)
    (handed["leaker"] / "notes.txt").unlink()
    nbgrader(course, "autograde", "ps1")
    assert sorted(p.name for p in (course / "autograded").iterdir()) == ["leaker", "right"]


SCRIPT = "<script>document.title = 'mine'</script>my notes [a](javascript:void(0))"


FRAME_WALK = """\
    try:
        raise ValueError
    except ValueError as error:
        frame = error.__traceback__.tb_frame
    while frame is not None:
        for value in list(frame.f_locals.values()):
            reference = getattr(value, "reference", None)
            if callable(reference) and getattr(value, "name", "") == "d_tanh":
                return reference(x, y)
        frame = frame.f_back
    return 0.0"""
"""A d_tanh that finds the grader's reference in its callers' frames, wherever it runs
beside them (the notebook's kernel)."""


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    """An nbgrader course made by the command; its assignment generated, handed in by three
    students (all right; d_tanh and backward wrong; d_tanh not valid Python and backward not
    started), autograded, exported and given feedback, once for the module's tests."""
    course = tmp_path_factory.mktemp("course")
    assert cli(["assignment", *NAMES, "--for", "nbgrader", "-o", str(course), "--name", "ps1",
                "--points", POINTS_OPTION]) == 0
    nbgrader(course, "generate_assignment", "ps1")
    release = json.loads((course / "release" / "ps1" / "ps1.ipynb").read_text("utf-8"))
    students = {
        "right": {n: model_answer_body(EXERCISES[n]) for n in NAMES},
        "wrong": {"d_mul": model_answer_body(EXERCISES["d_mul"]),
                  "d_tanh": "    return 1 - x * x",
                  "backward": WRONG_BACKWARD.split("\n", 1)[1].rstrip()},
        "broken": {"d_mul": model_answer_body(EXERCISES["d_mul"]),
                   "d_tanh": "    return (1 - y * y"},
        "cheat": {"d_mul": "    import tinygrad_edu\n"
                           "    return tinygrad_edu.exercises.answers.d_mul(a, b, y)",
                  "d_tanh": "    from tinygrad_edu import Value\n    v = Value(x)\n"
                            "    v.tanh().backward()\n    return v.grad",
                  "backward": "    root.backward()"},
        # In rebound in the solution cell: the graded cell used to grade in the kernel, where
        # a solution walks its callers' frames up to the grader's reference
        "rebinds": {"d_mul": model_answer_body(EXERCISES["d_mul"]) + "\n\n\nIn = None",
                    "d_tanh": FRAME_WALK},
        # the graded cell's function replaced: the locked cell then raises nothing
        # right, and a debug line that imports os: nothing graded, the line named (in the
        # student's notebook, never the grader's temporary copy)
        "imports": {"d_mul": "    import os\n" + model_answer_body(EXERCISES["d_mul"]),
                    "d_tanh": model_answer_body(EXERCISES["d_tanh"])},
        "replaces": {"d_mul": model_answer_body(EXERCISES["d_mul"]),
                     "d_tanh": "    return 1 - x * x\n\n\n__import__('tinygrad_edu.exercises."
                               "classroom', fromlist=['graded_cell']).graded_cell = "
                               "lambda *args: None"},
    }
    # copies: right, with a copy of a graded cell (its metadata, its grade_id, with it),
    # changed, put above the cell: nbgrader 0.9.6 stopped autograde there, and no student
    # after was graded
    students["copies"] = students["right"]
    # altered: a cell whose nbgrader metadata is {}, which nbgrader 0.9.6 took for an old
    # format of the assignment, and stopped autograde there too
    students["altered"] = {}
    # deleter: every graded cell deleted, a cell of its own added, which nbgrader's Execute
    # ran in a kernel as the teacher's user (it could rewrite the gradebook: 5/5, others 0)
    students["deleter"] = {}
    ran = course / "the deleter's cell ran"
    for student, bodies in students.items():
        notebook = copy.deepcopy(release)
        for cell in notebook["cells"]:
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if grade_id in bodies:
                cell["source"] = "".join(cell["source"]).replace(STUB, bodies[grade_id])
        if student == "altered":  # (nothing answered)
            notebook["cells"].append({**copy.deepcopy(notebook["cells"][1]), "id": "mine",
                                      "metadata": {"nbgrader": {}}})
        if student == "deleter":
            notebook["cells"] = [c for c in notebook["cells"]
                                 if not c["metadata"].get("nbgrader", {}).get("grade")]
            notebook["cells"].append({**copy.deepcopy(notebook["cells"][1]), "id": "mine",
                                      "metadata": {}, "outputs": [], "execution_count": None,
                                      "cell_type": "code",
                                      "source": f"open({str(ran)!r}, 'w').write('x')"})
        if student == "wrong":  # (and HTML of its own: see below)
            notebook["cells"] += [
                {"cell_type": "markdown", "id": "mine", "metadata": {}, "source": SCRIPT},
                {"cell_type": "raw", "id": "raw", "metadata": {"raw_mimetype": "text/html"},
                 "source": "<img src=x onerror=\"document.title='raw'\">"}]
        if student == "copies":
            at = next(i for i, c in enumerate(notebook["cells"])
                      if c["metadata"].get("nbgrader", {}).get("grade_id") == "d_tanh-graded")
            notebook["cells"].insert(at, {**copy.deepcopy(notebook["cells"][at]),
                                          "source": "print('mine')"})
        folder = course / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        (folder / "ps1.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    graded = run([sys.executable, "-m", "nbgrader", "autograde", "ps1"], course)
    log = graded.stdout + graded.stderr
    assert graded.returncode == 1 and re.findall(  # (altered's notebook alone failed)
        r"error processing assignment 'ps1' for student '(\w+)'", log) == ["altered"], log
    assert not ran.exists(), "a student's cell ran in autograde's kernel"
    nbgrader(course, "export")
    nbgrader(course, "generate_feedback", "ps1")
    return course, release, log


@needs_nbgrader
@pytest.mark.slow
def test_nbgraders_round_trip(round_trip):
    """One test for the whole round trip, so that it runs once (pytest-xdist spreads the
    tests of a module over its workers, each with its own module-scoped fixtures)."""
    course, release, autograde_log = round_trip
    # generate_assignment: the students' notebook, without the answers
    sources = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
               for c in release["cells"] if "nbgrader" in c["metadata"]}
    for name in NAMES:
        assert sources[name].endswith(STUB) and "BEGIN SOLUTION" not in sources[name]
        assert model_answer_body(EXERCISES[name]) not in sources[name]
        assert f'graded_cell("{name}", globals())' in sources[f"{name}-graded"]
    assert EXERCISES["d_tanh"].statement.strip()[:40] in sources["d_tanh-statement"]
    # autograde and export: the right scores
    with (course / "grades.csv").open(encoding="utf-8") as file:
        grades = {row["student_id"]: row for row in csv.DictReader(file)}
    total = sum(POINTS.values())
    # (rebinds: its file walks frames, f_locals and f_back, so its d_mul, a rule, earns
    # nothing either: rule_reading.py)
    assert {s: (float(r["score"]), float(r["max_score"])) for s, r in grades.items()} == {
        "right": (total, total), "wrong": (POINTS["d_mul"], total),
        "broken": (POINTS["d_mul"], total), "cheat": (0.0, total),
        "rebinds": (0.0, total), "replaces": (0.0, total), "copies": (total, total),
        "imports": (0.0, total),
        "altered": (0.0, total), "deleter": (0.0, total)}
    assert "altered's notebook has a cell whose nbgrader metadata is of version 0, not 3" \
        in autograde_log
    # generate_feedback: the verdicts, and the diagnoses of the mistakes
    feedback = {s: (course / "feedback" / s / "ps1" / "ps1.html").read_text("utf-8")
                for s in ("right", "wrong", "broken")}
    assert "✓ d_tanh passed" in feedback["right"] and "✓ backward passed" in feedback["right"]
    # (the protections are the teacher's: autograde's log; the students read the seed and
    # how to draw its inputs in their notebook)
    assert "Protections" not in feedback["right"] and "--seed" not in feedback["right"]
    assert "`%env TINYGRAD_EDU_SEED=" in feedback["right"]
    assert "Protections: resource limits, no new privileges, Landlock and seccomp" in \
        autograde_log
    # the right answers are the model answers: backward's flag is in autograde's log (the
    # teacher's), never in the feedback students read (copies.py)
    assert "⚑ backward: the same code as the model answer shipped in the package" in \
        autograde_log
    assert not any("⚑" in text for text in feedback.values())
    wrong = feedback["wrong"]
    # the student's Markdown and raw cells are shown as their text, never run as HTML in the
    # feedback's page, nor in formgrader's, which shows the autograded notebook (an
    # attacker's, issue 65: a <script> in a Markdown cell reached the feedback as is)
    assert "<script>document.title" not in wrong and "<img src=x" not in wrong
    assert "&lt;script&gt;document.title" in wrong and "my notes" in wrong
    assert 'href="javascript:' not in wrong
    autograded = json.loads((course / "autograded" / "wrong" / "ps1" / "ps1.ipynb").read_text(
        "utf-8"))["cells"]
    written = {c["id"]: "".join(c["source"]) for c in autograded if c["id"] in ("mine", "raw")}
    assert written["mine"] == f"```text\n{SCRIPT}\n```", written
    assert written["raw"].startswith("```text\n<img src=x"), written
    assert "✗ d_tanh: not yet." in wrong
    assert "diagnosis: the input x used where the output y was meant." in wrong
    assert "instead of" in wrong and "a reused node loses a path" in wrong
    assert "does not pass yet: see the verdict above" in wrong
    broken = feedback["broken"]
    assert "SyntaxError" in broken and "✓ d_mul passed" in broken
    assert "NotImplementedError" in broken
    # the copy: a cell of the student's own, commented out (its code is the teacher's), whose
    # top says why
    copied = feedback_of(course, "copies")
    assert "A copy of the cell 'd_tanh-graded' (its nbgrader id twice" in copied
    assert "# print('mine')" in copied and "✓ d_tanh passed" in copied
    cheat = feedback_of(course, "cheat")
    assert "backward is not available while backward is graded" in cheat
    assert "Value is not available while d_mul, d_tanh are graded" in cheat
    # the student's notebook named as they named it, never the grader's temporary copy
    # (before: "/tmp/tinygrad-edu-nbgrader-XXXX/notebook.ipynb, the cell that begins ...")
    imports = feedback_of(course, "imports")
    assert "ps1.ipynb, the cell that begins `def d_mul(a, b, y):`, line 3: os may not be " \
        "imported" in imports, imports
    assert "in ps1.ipynb, the cell that begins" in wrong
    for page in (course / "feedback").glob("*/ps1/ps1.html"):
        said = page.read_text("utf-8")
        assert "tinygrad-edu-" not in said and "notebook.ipynb" not in said, page
    assert "tinygrad-edu-" not in autograde_log and "notebook.ipynb" not in autograde_log
    # nbgrader validate (a student's check before handing in) shows the verdict and its
    # diagnosis, not a traceback into the package (before: "File .../graded_cell.py:59 ...
    # AssertionError: d_tanh does not pass yet: see the verdict above", with none shown).
    # Validated with it (one command): right answers but a debugging cell after the graded
    # cells that imports os (graded 0: the grade reads every cell), and a backward imported
    # from the package: Validate reads the saved notebook's every cell (before: "Success!"),
    # and shows the whole message of what is not the student's own (before: cut, "...
    # imported from tinygrad_edu.auto...")
    later = copy.deepcopy(release)
    for cell in later["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in NAMES:
            cell["source"] = "".join(cell["source"]).replace(STUB, model_answer_body(
                EXERCISES[grade_id]) if grade_id != "backward" else "    pass\n\n\nfrom "
                "tinygrad_edu.autograd.gradients import backward_into as backward")
    later["cells"].append({**copy.deepcopy(later["cells"][1]), "id": "debugging",
                           "metadata": {}, "cell_type": "code", "outputs": [],
                           "execution_count": None, "source": "import os\nprint(os.getcwd())"})
    (course / "later").mkdir()
    (course / "later" / "ps1.ipynb").write_text(json.dumps(later), encoding="utf-8")
    both = run([sys.executable, "-m", "nbgrader", "validate", "submitted/wrong/ps1/ps1.ipynb",
                "later/ps1.ipynb"], course).stdout
    assert "VALIDATION FAILED ON 3 CELL(S)" in both, both
    validated, later = both.split("VALIDATION FAILED ON 3 CELL(S)")
    assert "VALIDATION FAILED ON 2 CELL(S)" in validated, validated
    assert "✗ d_tanh: not yet." in validated and "✗ backward: not yet." in validated
    assert "diagnosis: the input x used where the output y was meant." in validated
    assert "graded_cell.py" not in validated and "Traceback" not in validated, validated
    flat = " ".join(later.split())
    assert "✗ d_tanh: not graded: ps1.ipynb, the cell that begins `import os`, line 1: os " \
        "may not be imported by a submission" in flat, later
    assert "take it out (a debugging cell: delete it), save the notebook, and check again" \
        in flat, later
    assert "✗ backward: not graded: backward is imported from tinygrad_edu.autograd." \
        "gradients, so it is not yours; write your own `def backward(root)` in the cell " \
        "above and run it" in flat, later
    # the teacher's command grades the notebook graded, where autograde left it
    again = re.findall(r"exercises check (\S+) d_mul d_tanh backward --seed", autograde_log)
    assert "autograded/wrong/ps1/ps1.ipynb" in again and all(
        (course / file).is_file() for file in again), again
    # the points come from outside the kernel: no graded cell ran there at all
    autograded = json.loads((course / "autograded" / "right" / "ps1" / "ps1.ipynb").read_text(
        "utf-8"))
    assert not any(c.get("outputs") for c in autograded["cells"]
                   if not c["metadata"].get("nbgrader", {}).get("grade"))
    # exercises report on the course: the students' own cells graded, the points as nbgrader's
    # (read from the assignment's source notebook: no --points)
    report = course / "report.csv"
    assert cli(["report", str(course), "-o", str(report)]) == 0
    with report.open(encoding="utf-8") as file:
        scores = {row["student"]: float(row["score"]) for row in csv.DictReader(file)}
    assert scores == {s: float(r["score"]) for s, r in grades.items()}, scores


def feedback_of(course, student):
    return (course / "feedback" / student / "ps1" / "ps1.html").read_text("utf-8")


@needs_nbgrader
@pytest.mark.long(sibling="tests/exercises/test_boundary.py::test_without_landlock_the_teachers_routes_refuse")
def test_nbgrader_without_landlock_grades_nothing(tmp_path):
    """nbgrader's autograde on a kernel without Landlock: every graded cell of tinygrad_edu's
    gives 0, its output saying what is missing and the opt-out. Before: graded."""
    from tests.exercises.test_boundary import NO_LANDLOCK, without

    course = tmp_path / "course"
    assert cli(["assignment", *NAMES, "--for", "nbgrader", "-o", str(course), "--name", "ps1",
                "--points", POINTS_OPTION]) == 0
    nbgrader(course, "generate_assignment", "ps1")
    notebook = json.loads((course / "release" / "ps1" / "ps1.ipynb").read_text("utf-8"))
    for cell in notebook["cells"]:
        name = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if name in NAMES:
            cell["source"] = "".join(cell["source"]).replace(
                STUB, model_answer_body(EXERCISES[name]))
    folder = course / "submitted" / "right" / "ps1"
    folder.mkdir(parents=True)
    (folder / "ps1.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    done = run([*without(*NO_LANDLOCK), sys.executable, "-m", "nbgrader", "autograde", "ps1"],
               course)
    assert done.returncode == 0, done.stdout + done.stderr
    nbgrader(course, "export")
    with (course / "grades.csv").open(encoding="utf-8") as file:
        (row,) = csv.DictReader(file)
    assert float(row["score"]) == 0, row
    graded = json.loads((course / "autograded" / "right" / "ps1" / "ps1.ipynb").read_text(
        "utf-8"))
    said = ["".join(o.get("text", "")) for c in graded["cells"] for o in c.get("outputs", [])]
    assert sum("not grading: nbgrader autograde (tinygrad_edu's preprocessor) needs "
               "Landlock" in text for text in said) == len(NAMES), said

