"""Grade where the big courses grade (issue 58): Otter-Grader, tried for real (``otter
assign``, then ``otter run`` on an honest, a wrong and a cheating notebook, and on
submissions that carry more than their notebook); the points come from tinygrad_edu's
grader on the submitted source, never from the student's kernel. A student's practice
check, Otter's zip, Otter on a kernel without Landlock (the long tier), and a copy's flag
kept for the teacher."""

import csv
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.exercises.assignment_runs import env
from tests.exercises.class_work import IMPORTS, answer, in_a_kernel
from tests.exercises.route_assignment import (
    NAMES,
    POINTS,
    POINTS_OPTION,
    WRONG,
)
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.cli import main as cli

CHEAT = ("import tinygrad_edu.exercises.classroom.for_otter_grading as otters\n"
         "otters.feedback = lambda *args: None\n")
"""A cell that replaces the grader's function (the route into Otter's own kernel)."""

needs_otter = pytest.mark.skipif(importlib.util.find_spec("otter") is None,
                                 reason="otter-grader is not installed: pip install "
                                        "otter-grader==7.0.0 (the dev extra has it)")


@pytest.fixture(scope="module")
def otter(tmp_path_factory):
    """An assignment for Otter made by the command (with partial credit), then ``otter
    assign``: (the folder, the autograder's zip, the students' notebook)."""
    folder = tmp_path_factory.mktemp("otter")
    assert cli(["assignment", *NAMES, "--for", "otter", "-o", str(folder / "master"),
                "--name", "week3", "--points", POINTS_OPTION, "--partial"]) == 0
    done = subprocess.run([sys.executable, "-m", "otter", "assign", "week3.ipynb", "dist"],
                          cwd=folder / "master", env=env(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    dist = folder / "master" / "dist"
    (zip_,) = (dist / "autograder").glob("week3-autograder_*.zip")
    return folder, zip_, json.loads((dist / "student" / "week3.ipynb").read_text("utf-8"))


def otter_run(otter, name, bodies, head="", prefix=(), run=True):
    """The students' notebook with ``bodies`` (by exercise) in its answer cells (and ``head``
    as a cell of its own after the imports), graded by ``otter run`` (under ``prefix``, a
    command that runs it: ``test_boundary.without``): results.json. (``run=False``: the
    notebook written, not graded.)"""
    folder, zip_, student = otter
    notebook = json.loads(json.dumps(student))
    for cell in notebook["cells"]:
        text = "".join(cell["source"])
        for ex, body in bodies.items():
            if cell["cell_type"] == "code" and text.startswith(f"def {ex}("):
                cell["source"] = body
        if cell["cell_type"] == "code" and text.startswith("import math") and head:
            cell["source"] = text + "\n" + head
    submission = folder / name / "week3.ipynb"
    submission.parent.mkdir()
    submission.write_text(json.dumps(notebook), encoding="utf-8")
    if not run:
        return {}, {}
    done = subprocess.run([*prefix, sys.executable, "-m", "otter", "run", "-a", str(zip_),
                           str(submission), "-o", str(submission.parent)], env=env(),
                          cwd=submission.parent, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((submission.parent / "results.json").read_text("utf-8"))
    results["(the run's log)"] = done.stdout + done.stderr
    return {t["name"]: t for t in results["tests"] if "score" in t}, results


@needs_otter
@pytest.mark.slow
def test_otter_grades_with_tinygrad_edus_grader(otter):
    # (an honest notebook's full marks through Otter: the next test but one, handed in with
    # every route at once; here it is only collected for the report)
    otter_run(otter, "honest", {n: answer(n) for n in NAMES}, run=False)
    wrong, said = otter_run(otter, "wrong", {n: WRONG.get(n, answer(n)) for n in NAMES})
    assert {n: t["score"] for n, t in wrong.items()} == {"d_mul": 1.0, "d_tanh": 0.0,
                                                         "dense_backward": 2.0}
    (public,) = [t["output"] for t in said["tests"] if t["name"] == "Public Tests"]
    assert "message: ✓ d_mul passed" in public, public  # (a pass's note, seen by students)
    tanh = wrong["d_tanh"]["output"]
    assert "diagnosis: the input x used where the output y was meant" in tanh
    # what students read says how to draw the grade's inputs in their notebook; the
    # protections and the command line are the teacher's: Otter's stdout (the staff's view)
    seed = re.search(r"from seed (\d+) \(`%env TINYGRAD_EDU_SEED=\1` in a cell run before "
                     r"your checks", said["output"])
    assert seed and "Protections" not in said["output"] and "--seed" not in said["output"], \
        said["output"]
    assert "Protections: resource limits" in said["(the run's log)"]
    again = re.search(r"`python -m tinygrad_edu exercises check (\S+) d_mul d_tanh "
                      rf"dense_backward --seed {seed[1]}` grades the file again",
                      said["(the run's log)"])  # (whole: before, "--seed N" alone)
    assert again and again[1] == "week3.ipynb", said["(the run's log)"]
    assert "partial credit: 2 of its 3 graded parts right" in wrong["dense_backward"]["output"]
    # the grader's function replaced from the student's cell, wrong answers: nothing of the
    # student's runs in Otter's kernel, and the file imports what it may not
    cheat, results = otter_run(otter, "cheat", {n: WRONG.get(n, answer(n)) for n in NAMES},
                               head=CHEAT)
    assert sum(t["score"] for t in cheat.values()) == 0, cheat
    assert "may not be imported by a submission" in results["output"]
    for test in [*wrong.values(), *cheat.values()]:
        assert "reference" not in test["output"].lower() or "the reference on" in \
            test["output"]  # (a verdict says "agrees with the reference on N inputs")
        assert "/tmp" not in test["output"], test["output"]  # (Otter's temporary folder)
    assert "/tmp" not in results["output"], results["output"]
    # the class report reads the notebooks Otter collected (its own lines set aside)
    folder = otter[0]
    collected = folder / "collected"
    collected.mkdir()
    for student in ("honest", "wrong", "cheat"):
        shutil.copy2(folder / student / "week3.ipynb", collected / f"{student}.ipynb")
    report = folder / "report.csv"
    assert cli(["report", str(collected), *NAMES, "-o", str(report), "--points",
                POINTS_OPTION]) == 0
    rows = {r["student"]: float(r["score"]) for r in csv.DictReader(
        report.read_text("utf-8").splitlines())}
    assert rows == {"honest": 6.0, "wrong": 1.0, "cheat": 0.0}  # (no partial credit here)


def test_otters_practice_check_gives_the_autograders_verdict(monkeypatch, tmp_path):
    """A question's test in the student's notebook (``grader.check``) grades the cells run so
    far apart from the kernel, under the same rules as the autograder: a ``backward`` that
    hands the work to the engine fails there (before: "All test cases passed!", graded 0),
    and so do right answers beside a debug cell that imports ``os`` (before: passed, graded
    0 of 6), run or not yet run but in the notebook as saved; the temporary file of the
    cells is never named, the line is said in its cell."""
    from tinygrad_edu.exercises.classroom.for_otter_grading import feedback

    def kernel(*cells):
        cells = ["", "import otter\ngrader = otter.Notebook('week3.ipynb')", IMPORTS, *cells,
                 'grader.check("backward")']
        in_a_kernel(monkeypatch, cells)
        return "\n\n".join(cells[2:-1])

    said = {}
    for case, cells in {"engine": [answer("backward", "    root.backward()")],
                        "os": ["import os\nprint(os.getcwd())", answer("backward")]}.items():
        kernel(*cells)
        with pytest.raises(AssertionError) as raised:
            feedback("backward", lambda root: None)
        said[case] = str(raised.value)
        assert "tinygrad-edu-cell-" not in said[case] and "/tmp" not in said[case], said[case]
    assert said["engine"].startswith("✗ backward: not yet"), said["engine"]
    # (the cell named as the grade names it, by its first line: an independent teacher's
    # walk found "cell 8" in the grade and "the cell run as [5]" in the check)
    assert "your notebook, the cell that begins `import os`, line 1: os may not be imported " \
        "by a submission" in said["os"], said["os"]
    kernel(answer("d_mul"))
    feedback("d_mul", lambda a, b, y: None)  # (right: no error)
    kernel("def d_tanh(x, y:\n    return 1 - y * y", answer("backward"))
    feedback("backward", lambda root: None)  # (a cell that is not Python is left out, as the
    # autograder leaves it out: before, the practice check failed backward for it)
    with pytest.raises(AssertionError, match=r"d_tanh.*the cell that begins `def d_tanh\(x, y:`, "
                       r"line 1: SyntaxError"):
        feedback("d_tanh", lambda x, y: None)
    # (the notebook's file not found: the check says it read the cells run alone)
    assert "This check read the cells you have run alone: the notebook's file was not found" \
        in said["engine"], said["engine"]
    # the notebook as saved holds a debugging cell not run yet, after the checks, which
    # imports os (the grade: 0): the check reads every cell of the notebook in the working
    # folder that holds the check running (before: passed; the grade 0 of 6)
    ran = kernel(answer("backward"))
    saved = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": text,
                        "execution_count": None}
                       for text in [ran, 'grader.check("backward")', "import os"]],
             "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "week3.ipynb").write_text(json.dumps(saved), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssertionError) as raised:
        feedback("backward", lambda root: None)
    assert str(raised.value).startswith(
        "✗ backward: not graded: week3.ipynb, the cell that begins `import os`, line 1: os may "
        "not be imported by a submission"), raised.value
    assert "take it out (a debugging cell: delete it), save the notebook" in str(raised.value)


@needs_otter
@pytest.mark.parametrize("kind", ["a test file", "the student's notebook's metadata"])
def test_otters_practice_check_says_the_verdict_not_a_crash(monkeypatch, tmp_path, kind):
    """Otter's own test file of a question (an exception-based one, as ``otter assign``
    writes it), run as ``grader.check("d_tanh")`` runs it: a verdict that does not pass is
    said as it is, with its diagnosis, under Otter's "Test case failed"; before, framed as a
    crash: "Error at line 4 in test d_tanh: feedback('d_tanh', d_tanh) AssertionError: ✗
    d_tanh: not yet." (issue 67). An error of the test's own is said as Otter says it.
    A student's notebook holds its tests in its metadata, run by Otter's subclass
    (NotebookMetadataExceptionTestFile): said the same."""
    from otter.test_files.exception_test import ExceptionTestFile
    from otter.test_files.metadata_test import NotebookMetadataExceptionTestFile

    def read(test):
        if kind == "a test file":
            return ExceptionTestFile.from_file(str(test))
        # (as Otter reads a test from the notebook's metadata: its source, and the notebook)
        return NotebookMetadataExceptionTestFile.from_metadata(
            test.read_text("utf-8"), path=str(tmp_path / "week3.ipynb"))

    test = tmp_path / "d_tanh.py"
    test.write_text(
        'from otter.test_files import test_case\n\nOK_FORMAT = False\n\nname = "d_tanh"\n'
        "points = 1\n\n@test_case(points=None, hidden=False)\ndef test_d_tanh(d_tanh):\n"
        "    from tinygrad_edu.exercises.classroom.for_otter_grading import feedback\n\n"
        "    feedback('d_tanh', d_tanh)\n", encoding="utf-8")
    wrong = answer("d_tanh", "    return 1 - x * x")
    in_a_kernel(monkeypatch, ["", IMPORTS, wrong, 'grader.check("d_tanh")'])
    checked = read(test)
    checked.run({"d_tanh": lambda x, y: 1 - x * x})
    summary, page = checked.summary(), checked._repr_html_()
    assert not checked.passed_all
    assert "✗ d_tanh: not yet" in summary and "diagnosis: the input x used where the " \
        "output y was meant" in summary, summary
    for crash in ("Error at line", "AssertionError", "NotYet", "feedback('d_tanh'"):
        assert crash not in summary and crash not in page, summary
    checked.run({"d_tanh": None})  # (its cell not run yet)
    assert "d_tanh is not defined yet: run the cell" in checked.summary()
    assert "Error at line" not in checked.summary()
    # right, but the notebook as saved, which Otter's grader names (``otter.Notebook(...)``),
    # holds a cell not run yet that imports os (the grade: 0): said (before: passed)
    import otter

    right = answer("d_tanh")
    saved = tmp_path / "handed in" / "week3.ipynb"
    saved.parent.mkdir()
    saved.write_text(json.dumps({"cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": text,
         "execution_count": None} for text in [IMPORTS, right, 'grader.check("d_tanh")',
                                               "import os"]],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    in_a_kernel(monkeypatch, ["", IMPORTS, right, 'grader.check("d_tanh")'])
    monkeypatch.chdir(tmp_path)  # (Otter's grader writes its log, .OTTER_LOG, where it runs)
    sys.modules["IPython"].get_ipython().user_ns["grader"] = otter.Notebook(str(saved))
    checked = read(test)
    checked.run({"d_tanh": lambda x, y: 1 - y * y})
    assert "✗ d_tanh: not graded: week3.ipynb, the cell that begins `import os`, line 1" in \
        checked.summary(), checked.summary()
    test.write_text(test.read_text("utf-8").replace("    from", "    1 / 0\n    from"))
    checked = read(test)
    checked.run({"d_tanh": lambda x, y: 1 - x * x})  # (an error of the test's own)
    assert "Error at line 10 in test d_tanh:" in checked.summary(), checked.summary()


def otter_requirements(zip_):
    """The pip requirements of the zip's environment.yml, as Gradescope's setup.sh gives them
    to pip (Otter's own, otter-grader, left out: it is not the assignment's)."""
    import yaml

    with zipfile.ZipFile(zip_) as packed:
        environment = yaml.safe_load(packed.read("environment.yml"))
    (pip,) = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    return [r for r in pip if not r.startswith("otter-grader")]


@needs_otter
def test_otters_zip_names_the_wheel_where_it_holds_it(otter):
    """The short sibling of test_tool_images.py's build of the zip: the requirement that
    installs tinygrad_edu names the wheel at the path the zip holds it, unpacked as
    Gradescope unpacks it (in /autograder/source)."""
    _, zip_, _ = otter
    (wanted,) = [r for r in otter_requirements(zip_) if r.startswith("tinygrad-edu")]
    name, url = wanted.split(" @ ")
    assert name == "tinygrad-edu[testing]" and url.startswith("file:///autograder/source/")
    with zipfile.ZipFile(zip_) as packed:
        assert url.removeprefix("file:///autograder/source/") in packed.namelist()


LOG_PAYLOAD = """
import os
open({marker!r}, "w").write("ran as uid %d" % os.getuid())
import sys
plugin = sys.modules.get("tinygrad_edu.exercises.classroom.for_otter_grading")
if plugin is not None:
    def after_grading(self, results):
        for test in results.results.values():
            test.update_score(test.possible)
    plugin.GradeOutside.after_grading = after_grading
"""
"""What a pickled ``.OTTER_LOG`` runs where Otter unpickles it: full marks, and a mark on disk
of having run."""


def otter_run_zip(otter, name, files, notebook=None):
    """The students' notebook (the starter, or ``notebook``) zipped with ``files`` (name:
    bytes), graded by ``otter run``: results.json."""
    import zipfile

    folder, zip_, student = otter
    there = folder / name
    there.mkdir()
    submission = there / "submission.zip"
    with zipfile.ZipFile(submission, "w") as packed:
        packed.writestr("week3.ipynb", json.dumps(notebook or student))
        for file, data in files.items():
            packed.writestr(file, data)
    done = subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(zip_),
                           str(submission), "-o", str(there)], env=env(), cwd=there,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((there / "results.json").read_text("utf-8"))
    return {t["name"]: t for t in results["tests"] if "score" in t}, results


@needs_otter
@pytest.mark.slow
def test_a_script_named_otter_is_never_imported_by_otters_kernel(otter, tmp_path):
    """A script handed in as ``otter.py`` (Otter grades the one ``.py`` of the folder): the
    kernel Otter grades in runs in that folder, first on ``sys.path``, and imported it in
    place of Otter, as root, outside every protection (it read the model answers and wrote
    them over itself: 4/4 for a starter, an attacker's a65b f1). Now it is moved out of the
    folder once Otter has read it, never imported, and graded as any submission: a stub
    (``raise NotImplementedError``) 0, right answers their points (one run of Otter's)."""
    folder, zip_, _ = otter
    marker = tmp_path / "imported"
    stub = NAMES[0]
    source = IMPORTS + "\n" + "\n\n".join(
        f"def {name}(*args):\n    raise NotImplementedError\n" if name == stub else answer(name)
        for name in NAMES) + (
        f"\nif __name__ == 'otter':\n    open({str(marker)!r}, 'w').write('imported')\n")
    there = folder / "script"
    there.mkdir()
    (there / "otter.py").write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(zip_),
                           str(there / "otter.py"), "-o", str(there)], env=env(),
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    # (not in its folder: ``python -m otter`` there would import it too)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((there / "results.json").read_text("utf-8"))
    scores = {t["name"]: t["score"] for t in results["tests"] if "score" in t}
    assert scores == {name: 0.0 if name == stub else float(POINTS[name]) for name in NAMES}, (
        scores, results.get("output"))
    assert not marker.exists()


class _Pickled:
    """Unpickled, it runs ``source`` (as Otter's ``Log.from_file`` unpickles a log)."""

    def __init__(self, source):
        self.source = source

    def __reduce__(self):
        return (exec, (self.source,))


@needs_otter
@pytest.mark.slow
def test_otter_reads_the_notebook_alone_with_every_route_at_once(otter, tmp_path):
    """The short sibling of the next test (in the long tier: four runs of Otter, a route
    each, on the starter): one run, an honest notebook handed in with every route at once:
    a pickled .OTTER_LOG, an ``otter.py`` and an ``__init__.py`` that would be imported, a
    cell's metadata that Otter would write into the code its kernel runs, a data file.
    None of them runs (each leaves a mark on disk if it does), the notebook gets its
    points, and the results name each file set aside."""
    import pickle

    markers = {kind: tmp_path / kind for kind in ("log", "module", "metadata")}
    module = f"open({str(markers['module'])!r}, 'w').write('imported')\n"
    honest = json.loads(json.dumps(otter[2]))
    for cell in honest["cells"]:
        text = "".join(cell["source"])
        for name in NAMES:
            if cell["cell_type"] == "code" and text.startswith(f"def {name}("):
                cell["source"] = answer(name)
    honest["cells"][1].setdefault("metadata", {})["otter"] = {"tests": [
        f'd_mul")\nopen({str(markers["metadata"])!r}, "w").write("ran")\n#']}
    graded, results = otter_run_zip(otter, "everything", {
        ".OTTER_LOG": pickle.dumps(_Pickled(LOG_PAYLOAD.format(marker=str(markers["log"])))),
        "otter.py": module, "__init__.py": module, "data.csv": b"x\n1\n",
        "\x1b[2J\x1b]0;graded\x07.csv": b"x\n"}, notebook=honest)
    assert not any(marker.exists() for marker in markers.values()), \
        {kind: marker.read_text() for kind, marker in markers.items() if marker.exists()}
    assert {n: t["score"] for n, t in graded.items()} == {n: float(p)
                                                          for n, p in POINTS.items()}
    said = results["output"]
    assert "Set aside, not read: " in said, said
    aside = said.split("Set aside, not read: ", 1)[1].split(" (only the notebook", 1)[0]
    assert {".OTTER_LOG", "otter.py", "data.csv", "\\x1b[2J\\x1b]0;graded\\x07.csv"} <= set(
        aside.split(", ")), said  # (a name's control characters as their escapes: issue 65)


@needs_otter
@pytest.mark.long(sibling="test_otter_reads_the_notebook_alone_with_every_route_at_once")
def test_otter_reads_nothing_of_a_submission_but_its_notebook(otter, tmp_path):
    """Before Otter reads the submission, only the notebook is left of it: a pickled
    .OTTER_LOG (which Otter unpickled, as root on Gradescope: before, 6 of 6 points), a
    module named ``otter.py`` (which Otter's kernel imported in place of Otter), a cell's
    metadata that Otter writes into the code its kernel runs: none of them runs, the
    starter scores 0, the results name what was set aside; an honest notebook handed in
    with a file beside it gets its points."""
    import pickle

    markers = {kind: tmp_path / kind for kind in ("log", "module", "metadata")}
    log = pickle.dumps(_Pickled(LOG_PAYLOAD.format(marker=str(markers["log"]))))
    module = f"open({str(markers['module'])!r}, 'w').write('imported')\n"
    injected = json.loads(json.dumps(otter[2]))
    injected["cells"][1].setdefault("metadata", {})["otter"] = {"tests": [
        f'd_mul")\nopen({str(markers["metadata"])!r}, "w").write("ran")\n#']}
    logged, results = otter_run_zip(otter, "logged", {".OTTER_LOG": log})
    assert sum(t["score"] for t in logged.values()) == 0, logged
    assert "Set aside, not read: .OTTER_LOG (only the notebook is graded)" in \
        results["output"]
    shadowed, results = otter_run_zip(otter, "shadowed", {"otter.py": module,
                                                          "__init__.py": module})
    assert sum(t["score"] for t in shadowed.values()) == 0, shadowed
    assert "Set aside, not read: otter.py (only the notebook is graded)" in \
        results["output"]
    otter_run_zip(otter, "injected", {}, notebook=injected)
    assert not any(marker.exists() for marker in markers.values()), \
        {kind: marker.read_text() for kind, marker in markers.items() if marker.exists()}
    honest = json.loads(json.dumps(otter[2]))
    for cell in honest["cells"]:
        text = "".join(cell["source"])
        for name in NAMES:
            if cell["cell_type"] == "code" and text.startswith(f"def {name}("):
                cell["source"] = answer(name)
    graded, results = otter_run_zip(otter, "honest-zip", {"data.csv": b"x\n1\n"},
                                    notebook=honest)
    assert {n: t["score"] for n, t in graded.items()} == {n: float(p)
                                                          for n, p in POINTS.items()}
    assert "Set aside, not read: data.csv" in results["output"]



# ------------------------------------------------------------------------- fail closed


@needs_otter
@pytest.mark.long(sibling="tests/exercises/test_boundary.py::test_without_landlock_the_teachers_routes_refuse")
def test_otter_without_landlock_grades_nothing(otter):
    """Otter on a kernel without Landlock, its package readable by others (Otter's
    stand-in, a package closed to nobody, does not hold): every question 0, the output says
    what is missing and the opt-out. Before: graded, saying nothing."""
    from tests.exercises.test_boundary import NO_LANDLOCK, without

    honest, results = otter_run(otter, "honest-no-landlock", {n: answer(n) for n in NAMES},
                                prefix=without(*NO_LANDLOCK))
    assert sum(t["score"] for t in honest.values()) == 0, honest
    assert "Not graded: Otter-Grader (tinygrad_edu's plugin) needs Landlock" in \
        results["output"], results["output"]
    assert "set allow_unsandboxed: true in the plugin's configuration" in results["output"]



@needs_otter
@pytest.mark.parametrize("flag, said", [
    ({"copied": "model_answers.py's backward"}, "⚑ backward: the same code as the model answer"),
    ({"tampered": "switched the grader's watch off (...)"},
     "⚑ backward: switched the grader's watch off (...). Flagged for the teacher")])
def test_otters_plugin_hides_a_copys_flag_from_students(tmp_path, monkeypatch, flag, said):
    """The short sibling of the next test: the plugin's ``after_grading`` on Otter's own
    results of one question, with tinygrad_edu's grading of a copy of the model answer
    (``backward``), then Otter's own results for Gradescope: the flag is a hidden test case,
    in the question's result (hidden from students), never in the public tests' summary,
    which carries the pass's note (before: "All test cases passed!" alone). So is a flag that
    what ran may not be what was handed in (``machinery.py``: before, none)."""
    from otter.run.run_autograder.autograder_config import AutograderConfig
    from otter.test_files import GradingResults
    from otter.test_files.abstract_test import TestCase
    from otter.test_files.ok_test import OKTestFile

    from tinygrad_edu.exercises.classroom import for_otter_grading
    from tinygrad_edu.exercises.classroom.results import Mark, Result

    copied = Mark("backward", EXERCISES["backward"].number, "passed", 1.0, 1.0,
                  "✓ backward passed (a note)", **flag)
    monkeypatch.setattr(for_otter_grading, "grade_all", lambda *a, **k: [Result(
        "week4", "week4.ipynb", (copied,), protections="Protections: all of them.")])
    test = OKTestFile("backward", "tests/backward.py", [TestCase(
        "backward - 1", "", False, 1.0, None, None)])
    results = GradingResults([test])
    plugin = for_otter_grading.GradeOutside(str(tmp_path / "week4.ipynb"), None, {})
    plugin.after_grading(results)
    data = results.to_gradescope_dict(AutograderConfig())
    (question,) = [t for t in data["tests"] if t["name"] == "backward"]
    assert question["score"] == 1.0 and question["visibility"] == "hidden"
    assert said in question["output"]
    public = [t for t in data["tests"] if t["visibility"] == "visible"]
    assert public and not any("⚑" in t.get("output", "") for t in public), public
    assert "⚑" not in data.get("output", "")
    assert any("✓ backward passed (a note)" in t["output"] for t in public), public


@needs_otter
@pytest.mark.long(sibling="test_otters_plugin_hides_a_copys_flag_from_students")
def test_otter_carries_a_copys_flag_for_the_teacher_alone(tmp_path):
    """A copy of the package's model answers, renamed and aliased with a dead line
    (``test_copies.RENAMED``: backward's, and d_tanh's one line beside it): each flag is a
    hidden test case of the question, in the question's result that Otter hides from
    students on Gradescope (visibility hidden), and in Otter's stdout (the staff's); never
    in the public tests' summary nor the output they see (issue 67: no flag before)."""
    from tests.exercises.test_copies import RENAMED

    assert cli(["assignment", "d_tanh", "backward", "--for", "otter", "-o",
                str(tmp_path / "master"), "--name", "week4"]) == 0
    done = subprocess.run([sys.executable, "-m", "otter", "assign", "week4.ipynb", "dist"],
                          cwd=tmp_path / "master", env=env(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    dist = tmp_path / "master" / "dist"
    (zip_,) = (dist / "autograder").glob("week4-autograder_*.zip")
    student = json.loads((dist / "student" / "week4.ipynb").read_text("utf-8"))
    tanh, backward = RENAMED.split("\n\n\ndef _my_backward")
    tests, results = otter_run((tmp_path, zip_, student), "copied", {
        "d_tanh": tanh.replace("import math", ""), "backward": "def _my_backward" + backward})
    for name in ("d_tanh", "backward"):
        question = tests[name]
        assert question["score"] == question["max_score"] > 0, question
        assert question["visibility"] == "hidden"
        assert f"⚑ {name}: the same code as the model answer" in question["output"]
        assert f"⚑ {name}: the same code" in results["(the run's log)"]
    public = [t for t in results["tests"] if t["visibility"] == "visible"]
    assert public and not any("⚑" in t.get("output", "") for t in public), public
    assert "⚑" not in results.get("output", "")
