"""``python -m tinygrad_edu exercises assignment NAME... --for ROUTE -o DIR``, each route
tried for real: nbgrader's whole round trip (generate_assignment, a right, a wrong and a
broken student, autograde, export, generate_feedback); Gradescope's zip unpacked into a root
of its own, its setup.sh and run_autograder run as Gradescope runs them, and results.json
checked field by field; GitHub Classroom's workflow parsed, and each grading step's command
run against right and wrong answers.

nbgrader's tests need nbgrader (the dev extra pins it) and skip without it; its commands run
with this Python's bin/ first on PATH (nbgrader calls alembic)."""

import copy
import csv
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.exercises.class_work import IMPORTS, WRONG_BACKWARD, answer
from tests.exercises.test_classroom import assert_gradescope_results
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.classroom import graded_cell
from tinygrad_edu.exercises.classroom.for_nbgrader import source_notebook
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.starters import model_answer_body

REPOSITORY = Path(__file__).resolve().parents[2]
NAMES = ["d_mul", "d_tanh", "backward"]
POINTS = {"d_mul": 1, "d_tanh": 2, "backward": 3}
POINTS_OPTION = ",".join(f"{name}={points}" for name, points in POINTS.items())
WRONG = {"d_tanh": "def d_tanh(x, y):\n    return 1 - x * x\n", "backward": WRONG_BACKWARD}
"""Wrong answers: the input for the output in d_tanh, = for += in backward."""


def env(**more):
    """This Python's environment for a command: this checkout's tinygrad_edu, this Python's
    bin/ first on PATH, the progress in a file of its own."""
    return {**os.environ, "PYTHONPATH": str(REPOSITORY),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **more}


def run(args, cwd, **more):
    done = subprocess.run(args, cwd=cwd, env=env(**more), capture_output=True, text=True,
                          timeout=600, check=False)
    return done


# ----------------------------------------------------------------------------- nbgrader


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


needs_nbgrader = pytest.mark.skipif(
    importlib.util.find_spec("nbgrader") is None,
    reason="nbgrader is not installed: pip install nbgrader==0.9.6 (the dev extra has it)")

STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"


def nbgrader(course, *args):
    done = run([sys.executable, "-m", "nbgrader", *args], course)
    assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


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


# ----------------------------------------------------------------------------- Gradescope


# (the fixtures ``wheel`` and ``gradescope``: tests/exercises/conftest.py)


def made_for_gradescope(tmp_path_factory, wheel):
    """The zip made by the command (which builds the wheel from this clone), carrying more
    wheels (``--wheels``: here a copy of tinygrad_edu's, whose dependencies this Python
    has, so that setup.sh installs offline), unpacked as Gradescope unpacks it, and
    setup.sh run once, with python3 a fresh virtual environment that sees this Python's
    packages but not this checkout: (root, the venv's bin)."""
    made, wheels = tmp_path_factory.mktemp("made"), tmp_path_factory.mktemp("wheels")
    shutil.copy2(wheel, wheels / wheel.name)
    assert cli(["assignment", *NAMES, "--for", "gradescope", "-o", str(made), "--name", "hw1",
                "--points", POINTS_OPTION, "--wheels", str(wheels)]) == 0
    root = tmp_path_factory.mktemp("autograder")
    with zipfile.ZipFile(made / "autograder.zip") as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", wheel.name, f"wheels/{wheel.name}"} == set(names)
    assert (made / "hw1.py").read_text("utf-8").count("raise NotImplementedError") == 3
    bin_, done = set_up_gradescope(made / "autograder.zip", root)
    assert "installing tinygrad_edu from ./tinygrad_edu-" in done.stdout
    assert "(all of it from the wheels in this zip)" in done.stdout  # offline
    assert "ready to grade" in done.stdout
    return root, bin_


def set_up_gradescope(zip_file, root):
    """Gradescope's set-up: ``zip_file`` unpacked into ``root/source``, and its setup.sh run,
    with python3 a fresh virtual environment that sees this Python's packages but not this
    checkout; returns (the environment's bin/, setup.sh's completed process)."""
    with zipfile.ZipFile(zip_file) as archive:
        for info in archive.infolist():
            archive.extract(info, root / "source")
            mode = info.external_attr >> 16
            if mode:
                (root / "source" / info.filename).chmod(mode & 0o777)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print("
                              "sysconfig.get_path('purelib'))"], capture_output=True,
                             text=True, check=True).stdout.strip()
    mine = [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    Path(purelib, "this_pythons_packages.pth").write_text("\n".join(mine) + "\n")
    bin_ = venv / "bin"
    done = subprocess.run(["bash", "setup.sh"], cwd=root / "source", capture_output=True,
                          text=True, timeout=600, check=False,
                          env=gradescope_env(bin_, root))
    assert done.returncode == 0, done.stdout + done.stderr
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    return bin_, done


def gradescope_env(bin_, root):
    """As on Gradescope: python3 is the image's (here, the virtual environment's); no
    PYTHONPATH: tinygrad_edu is the one setup.sh installed."""
    return {"PATH": f"{bin_}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(root),
            "GRADESCOPE_ROOT": str(root), "LANG": "C.UTF-8"}


def grade_on_gradescope(gradescope, files, runner=None):
    """Gradescope's run of ``files`` (by name): results.json (with ``runner``, a command
    that runs run_autograder, also its completed process)."""
    root, bin_ = gradescope
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    for name, text in files.items():
        (submission / name).write_text(text, encoding="utf-8")
    (root / "results" / "results.json").unlink(missing_ok=True)
    done = subprocess.run([*(runner or []), str(root / "run_autograder")], cwd=root,
                          capture_output=True, text=True, timeout=600, check=False,
                          env=gradescope_env(bin_, root))
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((root / "results" / "results.json").read_text("utf-8"))
    return (data, done) if runner is not None else data


PYTHON_STAND_IN = """#!/usr/bin/env bash
# (setup.sh's python3: each pip command it is given written to pip.log, one a line; an
# offline install from wheels/ fails, as when the zip's wheels lack a package)
if [ "$1 $2 $3" = "-m pip install" ]; then
  shift 3; echo "$*" >> pip.log
  case " $* " in *" --no-index "*) exit 1;; esac
fi
case "$*" in *dirname*) mkdir -p package; echo "$PWD/package";; esac
"""


@pytest.mark.parametrize("wheels", [False, True])
def test_gradescopes_setup_asks_pip_for_wheels_only_where_there_are(tmp_path, wheels):
    """setup.sh's pip commands, run with a stand-in python3: without wheels/ (no --wheels:
    the default), pip is given no ``--find-links wheels`` (before: it printed "Location
    'wheels' is ignored: it is either a non-existing path or lacks a specific scheme"
    once per package installed, five times, in Gradescope's build log); with wheels/ that
    lack a package, pip reads them first and PyPI for the rest."""
    from tinygrad_edu.exercises.classroom.assignment import template

    (tmp_path / "setup.sh").write_text(template("setup.sh", {"WHEEL": "tg.whl"}), "utf-8")
    python = tmp_path / "python3"
    python.write_text(PYTHON_STAND_IN, encoding="utf-8")
    python.chmod(0o755)
    if wheels:
        (tmp_path / "wheels").mkdir()
        (tmp_path / "wheels" / "numpy.whl").write_bytes(b"")
    done = subprocess.run(["bash", "setup.sh"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHON": str(python)}, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    log = (tmp_path / "pip.log").read_text("utf-8").splitlines()
    expected = ["--no-index --find-links wheels ./tg.whl[testing]",
                "--find-links wheels ./tg.whl[testing]"] if wheels else ["./tg.whl[testing]"]
    assert log == ["--no-deps --ignore-installed ./tg.whl", *expected], log


@pytest.mark.slow
def test_gradescopes_setup_installs_the_wheel_the_zip_carries(gradescope):
    root, bin_ = gradescope
    done = subprocess.run([bin_ / "python3", "-c", "import tinygrad_edu; print("
                           "tinygrad_edu.__file__)"], capture_output=True, text=True,
                          env=gradescope_env(bin_, root), cwd=root, check=True)
    assert done.stdout.startswith(str(bin_.parent))  # (the environment setup.sh installed into)


@pytest.mark.slow
def test_gradescope_grades_right_and_wrong_answers(gradescope):
    right = IMPORTS + "\n\n".join(answer(n) for n in NAMES)
    data, done = grade_on_gradescope(gradescope, {"hw1.py": right}, runner=[])
    # (the protections: the autograder's own output, which Gradescope shows the staff alone
    # (stdout_visibility hidden), not the output students read)
    assert data["stdout_visibility"] == "hidden"
    assert "Protections: resource limits, no new privileges" in done.stdout + done.stderr
    assert_gradescope_results(data, NAMES, POINTS, set(NAMES))
    # (the right answers are the package's model answers: backward's, with the model
    # answer's own names, is flagged for the teacher alone, a test hidden from students; the
    # others are what anyone writes, not flagged: copies.py)
    assert re.fullmatch(
        r"hw1.py: 3 of 3 exercises pass \(6 of 6 points\).\n"
        r"Inputs drawn afresh for this grading, from seed (\d+) "
        r"\(--seed \1 grades the file again on the same inputs\).", data["output"]), \
        data["output"]
    (hidden,) = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert hidden["output"].startswith("⚑ backward: the same code as the model answer")
    assert hidden["output"].count("⚑") == 1 and hidden["max_score"] == 0
    wrong = IMPORTS + "\n\n".join(WRONG.get(n, answer(n)) for n in NAMES)
    data = grade_on_gradescope(gradescope, {"my_work.py": wrong})  # another name: found
    assert_gradescope_results(data, NAMES, POINTS, {"d_mul"})
    tanh, backward = data["tests"][1], data["tests"][2]
    assert "diagnosis: the input x used where the output y was meant" in tanh["output"]
    assert tanh["extra_data"] == {"exercise": "d_tanh", "status": "failed",
                                  "mistakes": ["in_out"]}
    assert backward["extra_data"]["mistakes"] == ["assign"]


@pytest.mark.slow
def test_gradescope_says_when_a_submission_does_not_run(gradescope):
    data = grade_on_gradescope(gradescope, {"hw1.py": "import os\n" + answer("d_mul")})
    assert_gradescope_results(data, NAMES, POINTS, set())
    assert data["output"].startswith("Not graded: hw1.py, line 1: os may not be imported")
    data = grade_on_gradescope(gradescope, {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    assert_gradescope_results(data, NAMES, POINTS, set())
    assert "no hw1.py in ., and 2 files in . it could be (a.py, b.py)" in data["output"]


@pytest.mark.slow
def test_gradescope_gives_no_points_for_a_route_around_the_work(gradescope):
    """The routes a student took to full marks, handed in as Gradescope runs them (as root):
    the engine's own answers and the grader's score 0, and a file that reaches for the
    grader's files is reported with 0 points. The grader's files are root's only, and the
    student's code runs as nobody."""
    root, bin_ = gradescope
    package = subprocess.run([bin_ / "python3", "-c", "import os, tinygrad_edu; print("
                              "os.path.dirname(tinygrad_edu.__file__))"], capture_output=True,
                             text=True, env=gradescope_env(bin_, root), check=True,
                             cwd=root).stdout.strip()
    answers = Path(package, "exercises", "answers.py")
    assert answers.stat().st_mode & 0o077 == 0 and Path(package).stat().st_mode & 0o077 == 0
    rest = "\n\n".join(answer(n) for n in NAMES if n != "d_mul")
    modules = ("    wrap = [c for c in ().__class__.__base__.__subclasses__()\n"
               "            if c.__name__ == '_wrap_close'][0]\n"
               "    modules = wrap.__init__.__globals__['sys'].modules\n")
    routes = {  # d_mul as handed in: what Gradescope must say
        "import tinygrad_edu\ndef d_mul(a, b, y):\n"
        "    return tinygrad_edu.exercises.answers.d_mul(a, b, y)\n": "",
        "import tinygrad_edu\ndef d_mul(a, b, y):\n    rules = tinygrad_edu.ops.OPS['*'].rules\n"
        "    return rules[0](a, b, y), rules[1](a, b, y)\n": "",
        "def d_mul(a, b, y):\n" + modules +
        "    here = modules['tinygrad_edu.exercises.learner.inputs'].__file__\n"
        "    source = open(here.rsplit('/', 2)[0] + '/answers.py').read()\n"
        "    return b, a\n": "reported",
    }
    for cheat, said in routes.items():
        data = grade_on_gradescope(gradescope, {"hw1.py": IMPORTS + cheat + rest})
        mul = data["tests"][0]
        assert mul["score"] == 0.0 and mul["status"] == "failed", (cheat, mul)
        if said:
            assert data["score"] == 0.0 and "reported, not scored" in data["output"], mul["output"]
    uid = ("def d_mul(a, b, y):\n    wrap = [c for c in ().__class__.__base__.__subclasses__()"
           " if c.__name__ == '_wrap_close'][0]\n    uid = float(wrap.__init__.__globals__"
           "['getuid']())\n    return uid, uid\n")
    data = grade_on_gradescope(gradescope, {"hw1.py": IMPORTS + uid + rest})
    assert "65534.0" in data["tests"][0]["output"]  # nobody's


# ----------------------------------------------------------------------------- GitHub


@pytest.fixture(scope="module")
def template(tmp_path_factory, wheel):
    folder = tmp_path_factory.mktemp("template")
    assert cli(["assignment", *NAMES, "--for", "github", "-o", str(folder), "--name", "hw1",
                "--points", POINTS_OPTION, "--wheel", str(wheel)]) == 0
    return folder


def workflow(template):
    yaml = pytest.importorskip("yaml", reason="reading the workflow needs PyYAML (the docs "
                               "extra has it, with MkDocs)")
    return yaml.safe_load((template / ".github" / "workflows" / "classroom.yml").read_text(
        "utf-8"))


def test_the_classroom_workflow_has_a_graded_step_per_exercise(template, wheel):
    flow = workflow(template)
    assert flow["on"] == ["push", "workflow_dispatch", "repository_dispatch"]
    assert flow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    install = steps[2]["run"]
    assert install == f'python -m pip install "./.github/grader/{wheel.name}[testing]"'
    assert (template / ".github" / "grader" / wheel.name).read_bytes() == wheel.read_bytes()
    graders = [s for s in steps if s.get("uses") ==
               "classroom-resources/autograding-command-grader@v1"]
    assert [s["id"] for s in graders] == NAMES
    for step, name in zip(graders, NAMES):
        assert step["with"]["test-name"] == step["name"] == f"{EXERCISES[name].number}. {name}"
        assert step["with"]["command"] == \
            f"python -I -m tinygrad_edu exercises check hw1.py {name} --route classroom"
        assert step["with"]["max-score"] == POINTS[name] and step["with"]["timeout"] == 5
    reporter = steps[-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["with"]["runners"] == ",".join(NAMES)
    assert reporter["env"] == {f"{n.upper()}_RESULTS": f"${{{{steps.{n}.outputs.result}}}}"
                               for n in NAMES}
    readme = (template / "README.md").read_text("utf-8")
    assert f'python -m pip install "./.github/grader/{wheel.name}[testing]"' in readme
    assert "python -m tinygrad_edu exercises check hw1.py" in readme
    assert "| 15 | `backward(root)` | the whole backward pass | 3 |" in readme


@pytest.mark.slow
def test_each_steps_command_passes_exactly_when_its_exercise_does(template, tmp_path):
    graders = [s for s in workflow(template)["jobs"]["run-autograding-tests"]["steps"]
               if "autograding-command-grader" in s.get("uses", "")]
    for kind, text in [("right", IMPORTS + "\n\n".join(answer(n) for n in NAMES)),
                       ("wrong", IMPORTS + "\n\n".join(WRONG.get(n, answer(n))
                                                       for n in NAMES))]:
        clone = tmp_path / kind
        shutil.copytree(template, clone)
        (clone / "hw1.py").write_text(text, encoding="utf-8")
        for step in graders:
            command = shlex.split(step["with"]["command"])
            assert command[0] == "python"
            done = run([sys.executable, *command[1:]], clone,
                       TINYGRAD_EDU_PROGRESS=str(tmp_path / "progress.json"))
            name = step["id"]
            passes = kind == "right" or name not in WRONG
            assert (done.returncode == 0) is passes, (kind, name, done.stdout, done.stderr)
            assert (f"✓ {name} passed" if passes else f"✗ {name}: not yet") in done.stdout


def test_the_students_starter_has_no_answer(template):
    starter = (template / "hw1.py").read_text("utf-8")
    assert starter.count("raise NotImplementedError") == 3
    assert "python -m tinygrad_edu exercises check hw1.py" in starter


@pytest.mark.parametrize("argv, words", [
    (["d_tanh", "--for", "github", "--points", "1.5"], "GitHub Classroom counts whole points"),
    (["d_tanh", "--for", "nbgrader", "--name", "my work"], "an assignment's name starts"),
    (["d_tanh", "--for", "gradescope", "--wheel", "nowhere.whl"], "not a wheel of tinygrad_edu"),
    (["d_tanh", "--for", "nbgrader", "--wheels", "."], "--wheels goes with --for gradescope"),
    (["d_tanh", "--for", "nbgrader", "--points", "d_mul=2"], "d_mul is not one of this"),
    (["d_tanh", "--for", "gradescope", "--wheels", "{tmp}"], "no .whl file there; fill it with"),
    (["d_tanh", "--for", "prairielearn"], "choose --wheels DIR"),
    (["d_tanh", "--for", "prairielearn", "--wheels", "{tmp}"], "no wheel of hypothesis, numpy"),
    (["d_tanh", "--for", "gradescope", "--network"], "--network goes with --for prairielearn"),
])
def test_the_command_says_what_is_wrong(argv, words, tmp_path, capsys):
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    assert cli(["assignment", *argv, "-o", str(tmp_path / "out")]) == 1
    assert words in capsys.readouterr().err


def test_an_assignment_made_before_is_not_overwritten_without_force(tmp_path, capsys):
    args = ["assignment", "d_tanh", "--for", "nbgrader", "-o", str(tmp_path)]
    assert cli(args) == 0
    notebook = tmp_path / "source" / "assignment" / "assignment.ipynb"
    notebook.write_text("edited by the teacher")
    assert cli(args) == 1
    assert "assignment.ipynb exists already" in capsys.readouterr().err
    assert notebook.read_text() == "edited by the teacher"
    assert cli([*args, "--force"]) == 0 and notebook.read_text() != "edited by the teacher"
