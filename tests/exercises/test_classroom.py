"""tinygrad_edu.exercises.classroom: grading for a class. What a submission may import; the
points of ``--points``; a submission found in a folder and read from a notebook (graded in a
process of its own whatever it does: test_report.py, on the class it grades once); and
``exercises check --json`` and ``--format gradescope``, field by field."""

import json
import multiprocessing
import textwrap

import pytest

from tests.exercises.class_work import RIGHT, write_class
from tinygrad_edu.exercises import EXERCISES, loading
from tinygrad_edu.exercises.classroom import isolation, submissions
from tinygrad_edu.exercises.classroom.results import points_for
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.learner.imports import (
    ImportRefused,
    guarded_builtins,
    refused_import,
)
from tinygrad_edu.exercises.loading import SolutionFileError, read_source


def refused(source):
    import ast

    return refused_import(ast.parse(textwrap.dedent(source)))


@pytest.mark.parametrize("source", [
    "import math\nimport numpy as np\nfrom numpy.linalg import norm\n",
    "from tinygrad_edu import walk, Value\nfrom collections import deque\nimport itertools\n",
    "from __future__ import annotations\nfrom math import *\n",
    "from collections import abc\nfrom numpy import random as npr, linalg\n",
])
def test_a_submission_may_import_math_numpy_and_the_engine(source):
    assert refused(source) is None


@pytest.mark.parametrize("source, line, words", [
    ("import math\nimport os\n", 2, "os may not be imported by a submission"),
    ("def f(x, y):\n    import subprocess\n", 2, "subprocess may not be imported"),
    ("from tinygrad_edu.exercises import answers\n", 1, "holds the grader and its answers"),
    ("from tinygrad_edu import exercises\n", 1, "tinygrad_edu.exercises may not"),
    ("import tinygrad_edu.exercises.model_answers as key\n", 1, "its answers"),
    ("from . import helpers\n", 1, "a relative import"),
    ("import helpers\n", 1, "which may import only abc, bisect"),
    # a module an allowed one keeps under a name of its own: the import of os or sys all
    # the same (an attacker's `from random import _os` was let through, issue 65)
    ("from random import _os\n", 1, "random._os is the module os: os may not be imported"),
    ("import math\nfrom typing import List, sys as s\n", 2, "typing.sys is the module sys"),
])
def test_a_submission_may_not_import_the_answers_nor_the_system(source, line, words):
    found = refused(source)
    assert found is not None and found[0] == line and words in found[1], found


def test_a_refusal_lists_numpy_only_where_it_can_be_imported():
    """The exercises page's Python (Pyodide's core) has no NumPy: a refusal there listed it
    among the modules that may be imported (issue 66). Here, in a Python that blocks it and
    says it is the page's (``sys.platform``), as in a Python that has it (here)."""
    import subprocess
    import sys

    said = subprocess.run([sys.executable, "-c", (
        "import importlib.util, sys\nfound = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'numpy' else found(name, *a)\n"
        "from tinygrad_edu.exercises.learner.imports import why_refused\n"
        "sys.platform = 'emscripten'\n"
        "print(why_refused('sys'))")], capture_output=True, text=True, timeout=60, check=True)
    assert "numbers, operator, random" in said.stdout, said.stdout + said.stderr
    assert "(and numpy where it is installed: this page's Python has none)" in said.stdout
    assert "numbers, numpy, operator" in refused("import sys\n")[1]


def test_an_import_made_as_the_code_runs_is_refused_too():
    builtins = guarded_builtins()
    namespace = {"__builtins__": builtins}
    exec("import math\nfrom tinygrad_edu import walk", namespace)
    assert namespace["math"].pi > 3
    with pytest.raises(ImportRefused, match="os may not be imported"):
        exec("__import__('os')", namespace)
    with pytest.raises(ImportRefused, match="grader and its answers"):
        exec("from tinygrad_edu import exercises", namespace)


def test_points_are_given_for_all_or_one_by_name_or_number():
    exercises = [EXERCISES["d_mul"], EXERCISES["d_tanh"], EXERCISES["backward"]]
    assert points_for(exercises, []) == {"d_mul": 1, "d_tanh": 1, "backward": 1}
    assert points_for(exercises, ["2", "d_tanh=5,15=0.5"]) == {"d_mul": 2, "d_tanh": 5,
                                                              "backward": 0.5}
    for spec, words in [("x", "'x' is not a number"), ("d_exp=2", "d_exp is not one of"),
                        ("d_tanh=-1", "0 or more"), ("d_tanh=nan", "0 or more")]:
        with pytest.raises(ValueError, match=words):
            points_for(exercises, [spec])


def test_the_submission_is_found_in_its_folder(tmp_path):
    (tmp_path / "hw1.py").write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("")
    assert submissions.locate(tmp_path) == tmp_path / "hw1.py"
    assert submissions.locate(tmp_path / "assignment.py") == tmp_path / "hw1.py"  # renamed
    (tmp_path / "hw2.ipynb").write_text("{}")
    with pytest.raises(SolutionFileError, match=r"no assignment.py in .*, and 2 files in .* it "
                       r"could be \(hw1.py, hw2.ipynb\), and none of them defines an "
                       r"exercise's function, so which one counts is not known: hand in "
                       r"one") as error:
        submissions.locate(tmp_path / "assignment.py")
    assert error.value.kind == "none"
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("")
    with pytest.raises(SolutionFileError, match=r"no \.py or \.ipynb file in .*empty to grade; "
                       r"it holds notes\.txt"):
        submissions.locate(empty)


def test_a_scratch_file_beside_the_solutions_is_not_graded_in_their_place(tmp_path):
    """A student's folder (a GitHub Classroom clone) holding the solutions and a scratch
    file: the one that defines the exercises' functions is graded (before: "not graded",
    0, for "2 files it could be")."""
    class_ = tmp_path / "class4"
    for student in ("alice", "bob"):
        (class_ / student).mkdir(parents=True)
        (class_ / student / "week3.py").write_text(RIGHT)
    (class_ / "alice" / "scratch.py").write_text("def helper():\n    return 1\n")
    assert submissions.locate(class_ / "alice") == class_ / "alice" / "week3.py"
    report = tmp_path / "report.csv"
    assert cli(["report", str(class_), "d_tanh", "-o", str(report)]) == 0
    rows = report.read_text().splitlines()[1:]
    assert [row.split(",")[:4] for row in rows] == [
        ["alice", str(class_ / "alice" / "week3.py"), "1", "1"],
        ["bob", str(class_ / "bob" / "week3.py"), "1", "1"]]


def test_of_two_attempts_the_one_the_classroom_workflow_grades_is_graded(tmp_path):
    (tmp_path / "week3.py").write_text(RIGHT)
    (tmp_path / "old.py").write_text(RIGHT)
    with pytest.raises(SolutionFileError, match=r"2 files in .* it could be \(old.py, "
                       r"week3.py\), and old.py and week3.py each define exercises' "
                       r"functions, so which one counts is not known: hand in one \(a "
                       r"teacher grading a class: keep the one that counts in .*, and grade "
                       r"again\)"):
        submissions.locate(tmp_path)
    workflow = tmp_path / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("command: python -I -m tinygrad_edu exercises check week3.py d_tanh "
                        "--route classroom\n")
    assert submissions.locate(tmp_path) == tmp_path / "week3.py"
    (result,) = isolation.grade_all([("ada", tmp_path)], [EXERCISES["d_tanh"]],
                                    {"d_tanh": 1.0})
    assert (result.file, result.problem, result.marks[0].status) == \
        (str(tmp_path / "week3.py"), None, "passed")


def test_a_notebook_is_graded_by_its_code_cells(tmp_path):
    cells = [{"cell_type": "markdown", "source": ["# My work"]},
             {"cell_type": "code", "source": ["%matplotlib inline\n", "import math"]},
             {"cell_type": "code", "source": "def d_tanh(x, y):\n    return 1 - x * x\n"}]
    path = tmp_path / "work.ipynb"
    path.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5,
                                "metadata": {}}))
    result = submissions.grade_file(path, [EXERCISES["d_tanh"]], {"d_tanh": 1.0})
    (mark,) = result.marks
    assert result.problem is None and mark.status == "failed"
    assert [d.key for d in mark.diagnoses] == ["in_out"]
    path.write_text("{not a notebook")
    result = submissions.grade_file(path, [EXERCISES["d_tanh"]], {"d_tanh": 1.0})
    assert result.problem.kind == "unreadable" and "is not a notebook" in result.problem.message


def test_a_notebook_of_many_cells_is_read_once_each_or_refused(tmp_path):
    """31,000 empty code cells and one answer (2.5 MB): before, every reading of it padded
    each cell with the lines above it (31,000 squared over two), and the report's own
    process took 33 s and 1.7 GB before any grading, each grading 115 s, "did not finish"
    (an attacker's, issue 65). An empty cell runs nothing and is not read; more cells of
    code than ``MOST_CELLS`` are refused, saying so, as a file of too much code is."""
    answer = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": "def d_tanh(x, y):\n    return 1 - y * y\n"}
    empty = {**answer, "source": ["\n", "   "]}
    path = tmp_path / "work.ipynb"
    path.write_text(json.dumps({"cells": [answer] + [empty] * 31_000, "metadata": {},
                                "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    assert loading.cells_of(path, read_source(path)) == [(1, 1, 4)]
    result = submissions.grade_file(path, [EXERCISES["d_tanh"]], {"d_tanh": 1.0})
    assert result.problem is None and result.marks[0].status == "passed"
    many = {**answer, "source": "pass"}
    path.write_text(json.dumps({"cells": [answer] + [many] * loading.MOST_CELLS}),
                    encoding="utf-8")
    with pytest.raises(SolutionFileError) as error:
        read_source(path)
    assert error.value.kind == "unreadable"
    assert str(error.value) == (
        f"{path} holds 1,001 cells of code over 3,003 lines, more than the grader reads (each "
        "cell is read at its own lines: at most 1,000 cells, and 32 million lines above them "
        "all told); hand in your solutions in fewer cells")
    result = submissions.grade_file(path, [EXERCISES["d_tanh"]], {"d_tanh": 1.0})
    assert result.problem.kind == "unreadable" and "1,001 cells" in result.problem.message


@pytest.mark.parametrize("end", ["\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
                                 "\u2029", "\x0b"])
def test_a_notebook_is_graded_as_python_reads_its_lines(tmp_path, end):
    """A character ``str.splitlines`` ends a line at and Python does not (a form feed, a
    file separator...), inside a comment: Jupyter runs the function as Python reads it,
    returning 0.0, and so must the grade. Before: the comment's tail was graded as a line of
    its own, ``return 1 - y * y``, and the wrong answer passed (an attacker's, issue 65)."""
    source = (f"def d_tanh(x, y):\n    # see my notes{end}    return 1 - y * y\n"
              "    return 0.0\r\n")
    path = tmp_path / "work.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": source,
                                           "metadata": {}}]}), encoding="utf-8")
    namespace: dict = {}
    exec(read_source(path), namespace)
    assert namespace["d_tanh"](0.5, 0.5) == 0.0
    result = submissions.grade_file(path, [EXERCISES["d_tanh"]], {"d_tanh": 1.0})
    assert result.problem is None and result.marks[0].status == "failed"


@pytest.mark.parametrize("text, why", [
    pytest.param("[" * 100_000 + "]" * 100_000, "its JSON nests too deep to be read",
                 id="nested deeper than Python's recursion"),
    pytest.param('{"cells": [{"cell_type": "code", "source": {"a": 1}}]}',
                 "not the JSON a notebook is made of", id="a source that is a dict"),
    pytest.param('{"cells": [{"cell_type": "code", "source": 7}]}',
                 "not the JSON a notebook is made of", id="a source that is a number"),
])
def test_a_file_that_is_not_a_notebook_says_so(tmp_path, text, why):
    """Before: a RecursionError, or an AttributeError, out of the loader (a traceback from
    ``check``, "the grader's own code there failed" in a report)."""
    path = tmp_path / "work.ipynb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SolutionFileError) as error:
        read_source(path)
    assert error.value.kind == "unreadable"
    assert str(error.value) == (f"{path} is not a notebook ({why}); save it again from "
                                "Jupyter")


def test_a_notebooks_magics_are_left_out_but_not_blacks_continued_lines(tmp_path):
    """black writes ``!= 1.0`` and ``% (x,)`` on lines of their own inside brackets; they
    were commented out as if IPython's ``!`` and ``%`` lines: ``if (t2 != 1.0)`` became
    ``if (t2)``, and an honest notebook scored 4/5 where Jupyter gives it 5/5."""
    cell = ("%matplotlib inline\n!pip install nothing\ndef d_tanh(x, y):\n    if (\n"
            "        y\n        != 1.0\n    ):\n        return 1 - y * y\n"
            "    note = (\"%s\"\n            % (y,))\n    return 0.0\n%time d_tanh(0.0, 0.0)\n")
    path = tmp_path / "work.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": cell,
                                           "metadata": {}}]}), encoding="utf-8")
    code = read_source(path)
    assert "\n# %matplotlib inline\n# !pip install nothing\n" in code
    assert "\n        != 1.0\n" in code and "\n            % (y,))\n" in code
    assert "\n# %time d_tanh(0.0, 0.0)" in code
    namespace: dict = {}
    exec(code, namespace)
    assert namespace["d_tanh"](0.5, 0.25) == 1 - 0.25 * 0.25


@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
def test_more_code_than_is_graded_is_not_parsed(tmp_path, suffix):
    """An attacker's 8 MiB of ``a=1`` lines took the report's own process to 5.3 GB in
    Python's parser (told "nested deeper" after minutes); now refused before it is parsed."""
    code = "def d_tanh(x, y):\n    return 1 - y * y\n" + "a=1\n" * 140_000
    path = tmp_path / f"work{suffix}"
    path.write_text(code if suffix == ".py" else json.dumps(
        {"cells": [{"cell_type": "code", "source": code, "metadata": {}}]}), encoding="utf-8")
    with pytest.raises(SolutionFileError) as error:
        read_source(path)
    assert error.value.kind == "unreadable"
    assert f"{path} holds 546 KiB of code, more than the 512 KiB graded" in str(error.value)
    path.write_text(code[:200_000] if suffix == ".py" else json.dumps(
        {"cells": [{"cell_type": "code", "source": code[:200_000], "metadata": {}}]}))
    assert "return 1 - y * y" in read_source(path)


@pytest.mark.slow
def test_where_there_is_no_fork_each_child_is_a_fresh_python(tmp_path, monkeypatch):
    monkeypatch.setattr(isolation, "_context", lambda: multiprocessing.get_context("spawn"))
    path = write_class(tmp_path, ["barbara"]) / "barbara.py"
    (result,) = isolation.grade_all([("barbara", path)], [EXERCISES["d_tanh"]],
                                    {"d_tanh": 1.0})
    assert [(m.status, [d.key for d in m.diagnoses]) for m in result.marks] == \
        [("failed", ["in_out"])]


def test_check_json_says_per_exercise_the_verdict_points_and_diagnosis(tmp_path, capsys):
    path = tmp_path / "mine.py"
    path.write_text(RIGHT.replace("return 1 - y * y", "return 1 - x * x"))
    assert cli(["check", str(path), "--json", "--points", "d_tanh=2"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["file"], data["score"], data["max_score"], data["problem"]) == \
        (str(path), 2.0, 4.0, None)
    exercises = {e["name"]: e for e in data["exercises"]}
    assert list(exercises) == ["d_mul", "d_tanh", "backward"]  # those the file defines
    tanh = exercises["d_tanh"]
    assert (tanh["status"], tanh["passed"], tanh["points"], tanh["max_points"]) == \
        ("failed", False, 0.0, 2.0)
    (diagnosis,) = tanh["diagnoses"]
    assert diagnosis["key"] == "in_out"
    assert diagnosis["title"] == "the input x used where the output y was meant"
    assert "you used x in its place" in diagnosis["hint"]
    assert tanh["verdict"].startswith("✗ d_tanh: not yet.") and "diagnosis:" in tanh["verdict"]
    assert exercises["d_mul"]["verdict"].startswith("✓ d_mul passed")
    assert cli(["check", str(path), "d_mul", "--format", "json"]) == 0  # only those named
    assert [e["name"] for e in json.loads(capsys.readouterr().out)["exercises"]] == ["d_mul"]
    assert cli(["check", str(path), "d_mul", "Value", "--json"]) == 1  # one named is missing
    assert [e["status"] for e in json.loads(capsys.readouterr().out)["exercises"]] == [
        "passed", "missing"]


GRADESCOPE_TEST_FIELDS = {"name": str, "number": str, "score": float, "max_score": float,
                          "status": str, "output": str, "visibility": str, "extra_data": dict}


def assert_gradescope_results(data, names, points, passed):
    """``data`` is Gradescope's results.json: a test per exercise, field by field."""
    assert set(data) == {"score", "output", "visibility", "stdout_visibility", "execution_time",
                         "tests"}
    assert isinstance(data["output"], str) and data["visibility"] == "visible"
    shown = [t for t in data["tests"] if t["visibility"] != "hidden"]  # (a copy's flag: the
    assert [t["name"] for t in shown] == \
        [f"{EXERCISES[n].number}. {n}" for n in names]  # teacher's, a hidden test)
    for test, name in zip(shown, names):
        assert {k: type(v) for k, v in test.items()} == GRADESCOPE_TEST_FIELDS
        assert test["max_score"] == points[name]
        assert test["status"] == ("passed" if name in passed else "failed")
        assert test["score"] == (points[name] if name in passed else 0)
        assert test["visibility"] == "visible" and test["output"]
    assert data["score"] == sum(t["score"] for t in data["tests"])


def test_check_format_gradescope_writes_results_json(tmp_path, capsys):
    path = tmp_path / "mine.py"
    path.write_text(RIGHT.replace("return b, a", "return a, b"))
    out = tmp_path / "results" / "results.json"
    code = cli(["check", str(path), "d_mul", "d_tanh", "--format", "gradescope",
                "--points", "3", "-o", str(out)])
    assert code == 1 and capsys.readouterr().out == ""
    data = json.loads(out.read_text(encoding="utf-8"))
    assert_gradescope_results(data, ["d_mul", "d_tanh"], {"d_mul": 3, "d_tanh": 3}, {"d_tanh"})
    assert "the two derivatives swapped" in data["tests"][0]["output"]
    assert data["tests"][0]["extra_data"]["mistakes"] == ["swapped"]
    path.write_text("def d_mul(a, b, y)\n    return b, a\n")
    assert cli(["check", str(path), "d_mul", "d_tanh", "--format", "gradescope",
                "-o", str(out)]) == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    assert_gradescope_results(data, ["d_mul", "d_tanh"], {"d_mul": 1, "d_tanh": 1}, set())
    assert data["output"].startswith(f"Not graded: {path}, line 1: SyntaxError")
    assert all("not graded: the file is not valid Python:" in t["output"] for t in data["tests"])


@pytest.mark.parametrize("argv, words", [
    (["check", "x.py", "--points", "2"], "--points and --output go with --json"),
    (["check", "x.py", "--json", "--format", "gradescope"], "ask for two formats"),
    (["check", "x.py", "--json", "--points", "d_tanh=x"], "'x' is not a number"),
])
def test_check_says_what_is_wrong_with_its_options(argv, words, capsys, tmp_path,
                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.py").write_text("def d_tanh(x, y):\n    return 1 - y * y\n")
    try:
        code = cli(argv)
    except SystemExit as exit_:
        code = exit_.code
    assert code == 2 and words in capsys.readouterr().err
