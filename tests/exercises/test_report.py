"""``python -m tinygrad_edu exercises report DIR``: a class's work with known mistakes
(tests/exercises/class_work.py) graded, and the counts of the report checked: per exercise
how many passed and how many made each diagnosed mistake, per student the verdicts, in the
page (its data, and what a browser draws of it) and in the CSV file. The submissions are
found as learners' files, folders, or nbgrader's ``submitted/<student>/<assignment>/``."""

import csv
import io
import json
import os
import re
import shutil

import pytest

from tests.exercises.class_work import (
    CLASS,
    EXPECTED,
    NAMES,
    assert_graded_as_expected,
    write_class,
)
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.classroom import isolation
from tinygrad_edu.exercises.classroom.report import (
    ReportError,
    attempted,
    find_submissions,
    report_csv,
    report_html,
    summary,
)
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.learner import serve
from tinygrad_edu.exercises.learner.imports import allowed_here

EXERCISES_OF_CLASS = [EXERCISES[name] for name in NAMES]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded once: (folder, results)."""
    from tinygrad_edu.exercises import running

    saved = running.TIME_LIMIT, serve.LOAD_LIMIT
    running.TIME_LIMIT, serve.LOAD_LIMIT = 0.3, 1.0  # (the forked children inherit them)
    try:
        folder = write_class(tmp_path_factory.mktemp("class"))
        found = find_submissions(folder)
        assert attempted(found) == EXERCISES_OF_CLASS
        results = isolation.grade_all(found, EXERCISES_OF_CLASS, dict.fromkeys(NAMES, 2.0))
    finally:
        running.TIME_LIMIT, serve.LOAD_LIMIT = saved
    return folder, results


def test_each_submission_is_graded_in_a_process_of_its_own(graded):
    """A file that crashes, loops, imports what it may not or is not Python is said to, one
    that kills Python fails the exercise it was on, and none stops the others (the class
    graded once, for this module's tests)."""
    folder, results = graded
    assert [r.student for r in results] == [p.stem for p in sorted(folder.glob("*.py"))]
    for result in results:
        assert_graded_as_expected(result)
    by = {r.student: r for r in results}
    assert "signal 11" in by["tim"].marks[0].text  # a segmentation fault, in its own process
    assert by["ken"].marks[1].failure == "loop" and by["radia"].problem.kind == "loop"
    # (stopped on either line of its loop, `while True:` or `pass`, as the time ran out)
    assert re.search(r"line [12]: running the file did not finish in 1 s",
                     by["radia"].problem.message), by["radia"].problem.message
    assert "line 1: os may not be imported" in by["margaret"].problem.message
    assert by["ada"].score == 3 * 2.0 and by["claude"].score == 1 * 2.0  # (2 points each)


def expected_counts(name):
    """From class_work.EXPECTED: the count of each status and of each diagnosed mistake."""
    statuses, mistakes = {}, {}
    for student, expected in EXPECTED.items():
        status, keys = ("not graded", ()) if isinstance(expected, str) else expected[name]
        statuses[status] = statuses.get(status, 0) + 1
        for key in keys if status == "failed" else ():
            mistakes.setdefault(key, []).append(student)
    return statuses, mistakes


def test_the_report_counts_who_passed_and_who_made_each_mistake(graded):
    _, results = graded
    data = summary(results, EXERCISES_OF_CLASS)
    assert data["submissions"] == len(CLASS) == 14
    rows = {row["name"]: row for row in data["exercises"]}
    assert list(rows) == ["d_mul", "d_tanh", "backward"]
    tanh = rows["d_tanh"]  # spelled out once, for the reader
    assert tanh["statuses"] == {"passed": 5, "failed": 4, "not started": 1, "missing": 0,
                                "not graded": 4}
    assert [(m["key"], m["count"], m["students"]) for m in tanh["mistakes"]] == [
        ("in_out", 2, ["barbara", "claude"]), ("sign", 1, ["edsger"])]
    assert tanh["mistakes"][0]["title"] == "the input x used where the output y was meant"
    assert "you used x in its place" in tanh["mistakes"][0]["hint"]
    assert tanh["unexplained"] == [{"failure": "loop", "label": "did not finish", "count": 1}]
    assert rows["d_mul"]["unexplained"] == [{"failure": "error", "label": "raised an error",
                                             "count": 1}]  # tim's crash of Python
    for name in NAMES:
        statuses, mistakes = expected_counts(name)
        row = rows[name]
        assert {k: v for k, v in row["statuses"].items() if v} == statuses, name
        assert {m["key"]: m["students"] for m in row["mistakes"]} == mistakes, name
        assert row["points"] == 2.0


def test_the_report_gives_each_students_verdicts(graded):
    _, results = graded
    students = {s["student"]: s for s in summary(results, EXERCISES_OF_CLASS)["students"]}
    assert list(students) == sorted(CLASS)
    claude = students["claude"]
    assert (claude["score"], claude["max_score"], claude["problem"]) == (2.0, 6.0, None)
    assert [(m["name"], m["status"], m["mistakes"]) for m in claude["marks"]] == [
        ("d_mul", "passed", []),
        ("d_tanh", "failed", ["the input x used where the output y was meant"]),
        ("backward", "failed", ["`=` instead of `+=`: a reused node loses a path"])]
    assert claude["marks"][1]["verdict"].startswith("✗ d_tanh: not yet.")
    # a file that imports what it may not: said so, with the line (before: "the file does
    # not run", which it does)
    assert students["margaret"]["marks"][0]["verdict"] == (
        f"✗ d_mul: not graded: the file imports what it may not:\n  {graded[0] / 'margaret.py'}"
        ", line 1: os may not be imported by a submission, which may import only "
        f"{allowed_here()}\n      import os"), students["margaret"]["marks"][0]
    # a missing exercise in the form of the others (before: "john.py has no function
    # backward; exercise 15 expects ...", without "✗ backward:")
    assert students["john"]["marks"][2]["verdict"] == (
        f"✗ backward: missing: {graded[0] / 'john.py'} has no function backward; write one:\n"
        "    def backward(root): ..."), students["john"]["marks"][2]
    for student, kind, label in [("linus", "syntax", "is not valid Python"),
                                 ("margaret", "import", "imports what it may not"),
                                 ("niklaus", "crash", "raises an error when it runs"),
                                 ("radia", "loop", "does not finish")]:
        problem = students[student]["problem"]
        assert (problem["kind"], problem["label"]) == (kind, label)
        assert problem["message"].startswith(str(graded[0] / f"{student}.py"))


def test_the_csv_report_has_a_row_per_student(graded):
    _, results = graded
    rows = list(csv.DictReader(io.StringIO(report_csv(results, EXERCISES_OF_CLASS))))
    assert [row["student"] for row in rows] == sorted(CLASS)
    by = {row["student"]: row for row in rows}
    assert (by["claude"]["score"], by["claude"]["max_score"]) == ("2", "6")
    assert (by["claude"]["d_tanh"], by["claude"]["d_tanh points"],
            by["claude"]["d_tanh mistakes"]) == (
        "failed", "0", "the input x used where the output y was meant")
    assert by["john"]["backward"] == "missing" and by["grace"]["d_mul"] == "not started"
    # where no mistake is diagnosed, how it failed and why (before: empty; the page's hover
    # alone said it)
    assert by["ken"]["d_tanh mistakes"].startswith("did not finish: "), by["ken"]
    assert by["tim"]["d_mul mistakes"].startswith("raised an error: "), by["tim"]
    assert by["linus"]["problem"].startswith("is not valid Python: ")
    for name in NAMES:
        statuses, _ = expected_counts(name)
        column = [row[name] for row in rows]
        assert {s: column.count(s) for s in set(column)} == statuses


def page_data(html):
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>',
                      html, re.S)
    return json.loads(found.group(1))


def test_the_page_is_self_contained_and_holds_the_summary(graded):
    folder, results = graded
    html = report_html(results, EXERCISES_OF_CLASS, folder, 1.5)
    assert "default-src 'none'" in html  # its policy: no request leaves the page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@@" not in html
    data = page_data(html)
    assert data["seconds"] == 1.5 and data["folder"] == str(folder)
    assert {k: v for k, v in data.items() if k not in ("seconds", "folder", "date")} == \
        json.loads(json.dumps(summary(results, EXERCISES_OF_CLASS)))


try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None
CHROMIUM = next(filter(None, (shutil.which(name) for name in (
    os.environ.get("TINYGRAD_EDU_CHROMIUM") or "chromium", "chromium", "chromium-browser"))),
    None)


@pytest.mark.skipif(sync_playwright is None,
                    reason="Playwright is not installed: pip install -e '.[dev]'")
@pytest.mark.skipif(CHROMIUM is None,
                    reason="no Chromium to open the report in: sudo apt-get install chromium")
def test_a_browser_draws_the_charts_and_the_table(graded, tmp_path):
    folder, results = graded
    page_file = tmp_path / "report.html"
    page_file.write_text(report_html(results, EXERCISES_OF_CLASS, folder, 1.5),
                         encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors, requests = [], []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        tanh = page.locator("#ex-d_tanh")
        assert tanh.locator(".counts").inner_text() == "5 of 14 passed"
        bars = tanh.locator("svg").nth(1).locator("text").all_text_contents()
        assert bars == ["the input x used where the output y was meant", "2",
                        "sign flipped", "1", "did not finish", "1"]
        rows = page.locator("#students tbody tr")
        assert rows.count() == 14
        assert "the input x used" in rows.nth(sorted(CLASS).index("claude")).inner_text()
        assert page.locator("#problems li").count() == 4
        browser.close()
    assert errors == [] and requests == [page_file.as_uri()]


def test_the_command_writes_the_page_or_the_csv_file(tmp_path, capsys):
    folder = write_class(tmp_path / "class", ["ada", "barbara", "linus"])
    assert cli(["report", str(folder), "-o", str(tmp_path / "out" / "report.csv")]) == 0
    out, err = capsys.readouterr()
    assert "grading 3 submissions of d_mul, d_tanh, backward" in err
    assert "report.csv: 3 submissions of 3 exercises graded in" in out
    assert "1 could not be graded (the report says why)" in out
    rows = list(csv.DictReader((tmp_path / "out" / "report.csv").open(encoding="utf-8")))
    assert [(r["student"], r["score"], r["d_tanh"]) for r in rows] == [
        ("ada", "3", "passed"), ("barbara", "2", "failed"), ("linus", "0", "not graded")]
    assert cli(["report", str(folder), "d_tanh", "--points", "4", "-o",
                str(tmp_path / "report.html"), "--seed", "6502"]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'from seed <span\nid="seed">6502</span>' in page  # (issue 65: recorded)
    data = page_data(page)
    assert [row["name"] for row in data["exercises"]] == ["d_tanh"]
    assert data["exercises"][0]["points"] == 4.0


def test_the_exercises_may_come_after_an_option(tmp_path, capsys):
    folder = write_class(tmp_path / "class", ["ada", "barbara"])
    out = tmp_path / "report.csv"
    assert cli(["report", str(folder), "-o", str(out), "d_tanh"]) == 0
    assert "grading 2 submissions of d_tanh" in capsys.readouterr().err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["student"], r["d_tanh"]) for r in rows] == [("ada", "passed"),
                                                          ("barbara", "failed")]
    assert "d_mul" not in rows[0]
    with pytest.raises(SystemExit) as stopped:  # (argparse's way: exit code 2)
        cli(["report", str(folder), "-o", str(out), "d_tanh", "--nope"])
    assert stopped.value.code == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


@pytest.mark.parametrize("argv, words", [
    (["report", "{tmp}/nowhere", "-o", "r.html"], "is not a folder"),
    (["report", "{tmp}", "-o", "r.pdf"], "a page (-o report.html) or a table (-o report.csv)"),
    (["report", "{tmp}", "-o", "r.html"], "holds no submission"),
])
def test_the_command_says_what_is_wrong(argv, words, tmp_path, capsys):
    code = cli([arg.format(tmp=tmp_path) for arg in argv])
    assert code in (1, 2) and words in capsys.readouterr().err


def notebook(code):
    return json.dumps({"cells": [{"cell_type": "code", "source": code, "metadata": {},
                                  "outputs": [], "execution_count": None}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_nbgraders_submitted_folder_is_found_per_student(tmp_path, capsys):
    for student, assignment, code in [("ada", "ps1", CLASS["ada"]), ("alan", "ps1", "x = ("),
                                      ("ada", "ps2", CLASS["ada"])]:
        folder = tmp_path / "submitted" / student / assignment
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_text(notebook(code), encoding="utf-8")
        (folder / "timestamp.txt").write_text("2026-11-24 10:00:00")
    with pytest.raises(ReportError, match="holds the assignments ps1, ps2: choose one with "
                       "--assignment NAME"):
        find_submissions(tmp_path)
    assert find_submissions(tmp_path, "ps1") == [
        ("ada", tmp_path / "submitted" / "ada" / "ps1"),
        ("alan", tmp_path / "submitted" / "alan" / "ps1")]
    assert find_submissions(tmp_path / "submitted", "ps2") == [
        ("ada", tmp_path / "submitted" / "ada" / "ps2")]
    with pytest.raises(ReportError, match=r"no student .* handed in ps3"):
        find_submissions(tmp_path, "ps3")
    assert cli(["report", str(tmp_path), "--assignment", "ps1", "-o",
                str(tmp_path / "r.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert [(r["student"], r["score"], r["backward"]) for r in rows] == [
        ("ada", "3", "passed"), ("alan", "0", "not graded")]
    assert "is not valid Python" in rows[1]["problem"]


def test_a_mistake_is_its_key_and_its_title(tmp_path):
    """Two mistakes of one kind (both ``order``) are two bars, each with its own students
    and the words of its own first student: one student's diagnosis never renames
    another's."""
    from tinygrad_edu.exercises.classroom.results import Found, Mark, Result

    def result(student, *found):
        return Result(student, f"{student}.py", (Mark("Value", 18, "failed", 0.0, 1.0, "✗",
                                                      tuple(found), "wrong"),))

    twice = Found("order", "a node passes its gradient on more than once", "ran 2 times")
    early = Found("order", "backward in the wrong order", "ran before")
    data = summary([result("aaron", twice), result("bob", early), result("carol", early),
                    result("dora", twice, early)], [EXERCISES["Value"]])
    assert [(m["key"], m["title"], m["hint"], m["students"])
            for m in data["exercises"][0]["mistakes"]] == [
        ("order", early.title, "ran before", ["bob", "carol", "dora"]),
        ("order", twice.title, "ran 2 times", ["aaron", "dora"])]


INFLATING = "".join(f"def {name}(*args):\n    return 0\n\n\n" for name in (
    "d_mul", "chain_rule", "d_exp", "d_log", "d_tanh", "d_sigmoid", "d_relu", "d_div", "d_pow"))
HONEST_THREE = ("def d_tanh(x, y):\n    return 1 - y * y\n\n\n"
                "def d_sigmoid(x, y):\n    return y * (1 - y)\n\n\n"
                "def d_exp(x, y):\n    return y\n")


def test_with_no_names_a_class_is_graded_on_what_most_submissions_define(tmp_path, capsys):
    """One file defining every exercise's name does not give every student of the class
    six more exercises to fail: the exercises graded are those that more than half of
    the submissions define, and the command names the others, with how many files define
    each, and the command that grades them too."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "aaron.py").write_text(INFLATING)
    (folder / "alice.py").write_text(HONEST_THREE)
    (folder / "bea.py").write_text(HONEST_THREE)
    (folder / "carol.py").write_text(HONEST_THREE + "\n\ndef d_log(x, y):\n    return 1 / x\n")
    (folder / "dan.py").write_text("x = (")  # (attempts nothing: not counted)
    output = tmp_path / "report.csv"
    assert cli(["report", str(folder), "-o", str(output)]) == 0
    err = capsys.readouterr().err
    assert ("not graded: d_mul (1 file), chain_rule (1 file), d_log (2 files), d_relu (1 "
            "file), d_div (1 file), d_pow (1 file): at most half of the 4 submissions that "
            "attempt an exercise define them") in err, err
    assert (f"  python -I -m tinygrad_edu exercises report {folder} d_exp d_tanh d_sigmoid "
            f"d_mul chain_rule d_log d_relu d_div d_pow -o {output}\n") in err, err
    assert "grading 5 submissions of d_exp, d_tanh, d_sigmoid" in err
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [(r["student"], r["score"], r["max_score"]) for r in rows] == [
        ("aaron", "0", "3"), ("alice", "3", "3"), ("bea", "3", "3"), ("carol", "3", "3"),
        ("dan", "0", "3")]


def test_with_no_names_one_submission_is_graded_on_what_it_defines(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "aaron.py").write_text(INFLATING)
    assert cli(["report", str(folder), "-o", str(tmp_path / "r.csv")]) == 0
    assert "not graded" not in capsys.readouterr().err
    (row,) = csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8"))
    assert row["max_score"] == "9"


def test_with_no_names_and_no_majority_nothing_is_graded_and_the_command_says_so(
        tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.py").write_text("def d_tanh(x, y):\n    return 1 - y * y\n")
    (folder / "bob.py").write_text("def d_exp(x, y):\n    return y\n")
    assert cli(["report", str(folder), "-o", str(tmp_path / "r.csv")]) == 1
    err = capsys.readouterr().err
    assert "not graded: d_exp (1 file), d_tanh (1 file)" in err
    assert "no exercise is defined by more than half of the submissions" in err
    assert not (tmp_path / "r.csv").exists()


def test_a_file_that_python_cannot_parse_is_its_own_problem(tmp_path, capsys):
    """``z = ------...1`` (100,000 signs) is past the limits of Python's parser (MemoryError
    there), ``z = 1+1+...+1`` (20,000 terms) past those of its compiler (RecursionError,
    under every Python from 3.10: 3.13 compiles 3,000 signs, which 3.10 to 3.12 do not): the
    file is reported as one that is not valid Python, and every other student is graded."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.py").write_text(HONEST_THREE)
    (folder / "mallory.py").write_text(HONEST_THREE + "\nz = " + "-" * 100_000 + "1\n")
    (folder / "nina.py").write_text(HONEST_THREE + "\nz = 1" + "+1" * 20_000 + "\n")
    assert cli(["report", str(folder), "-o", str(tmp_path / "r.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert [(r["student"], r["score"], r["d_tanh"]) for r in rows] == [
        ("ada", "3", "passed"), ("mallory", "0", "not graded"), ("nina", "0", "not graded")]
    for row in rows[1:]:
        assert "is not valid Python" in row["problem"], row
        assert "Python cannot parse this file" in row["problem"], row
    capsys.readouterr()
    assert cli(["check", str(folder / "mallory.py")]) == 1
    err = capsys.readouterr().err
    assert "Python cannot parse this file (" in err and "Traceback" not in err  # (3.11:
    # MemoryError; 3.12 and later: its own words for an expression nested too deep)


# ----------------------------------------------------------------------------- issue 65

FORGED = "\x1b[H\x1b[2Jstudent,score\nada,0\nmallory,2\x1b[8m\u2028ada,0"
"""Raw terminal escapes: ``cat report.csv`` would clear the screen and show a table of its
own (classmates 0, the attacker full marks)."""


def test_a_csv_cell_holds_no_control_character_and_no_formula(tmp_path):
    """What a submission puts in a cell (its file's name, its error's message) is shown as
    text: control characters made spaces, a leading formula quoted (as OWASP advises)."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.py").write_text(HONEST_THREE)
    (folder / "mallory\x1b[2J.py").write_text(f"raise ValueError({FORGED!r})\n")
    (folder / " =HYPERLINK(x).py").write_text(HONEST_THREE)
    output = tmp_path / "r.csv"
    assert cli(["report", str(folder), "d_tanh", "-o", str(output)]) == 0
    text = output.read_text("utf-8")
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029"
                   for c in text), text
    rows = {r["student"]: r for r in csv.DictReader(text.splitlines())}
    assert set(rows) == {"ada", "mallory [2J", "' =HYPERLINK(x)"}, set(rows)
    assert "mallory,2" in rows["mallory [2J"]["problem"]  # (as text, on its own row)
    assert {s: r["score"] for s, r in rows.items()} == {
        "ada": "1", "mallory [2J": "0", "' =HYPERLINK(x)": "1"}


def test_a_cell_is_cut_where_csv_readers_stop(tmp_path):
    """A line of 300 KB that raises: its error's message repeats the line, and the cell it
    made stopped Python's csv module (131,072 characters at most), which hid every row after
    it from a teacher's script. Now cut, and every row reads."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "aaa.py").write_text("x = [" + "1, " * 100_000 + "1] + None\n")
    (folder / "bob.py").write_text(HONEST_THREE)
    output = tmp_path / "r.csv"
    assert cli(["report", str(folder), "d_tanh", "-o", str(output)]) == 0
    with output.open(encoding="utf-8") as file:
        rows = {r["student"]: r for r in csv.DictReader(file)}
    assert {s: r["score"] for s, r in rows.items()} == {"aaa": "0", "bob": "1"}
    assert len(rows["aaa"]["problem"]) <= 10_000 and "more cut)" in rows["aaa"]["problem"]


def test_a_report_that_cannot_be_written_is_said_before_grading(tmp_path, capsys):
    """-o where no file can be written (its folder is a file): said at once, before any
    submission is graded (before: the whole class was graded first, and the run lost)."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.py").write_text(HONEST_THREE)
    (tmp_path / "taken").write_text("")
    assert cli(["report", str(folder), "d_tanh", "-o", str(tmp_path / "taken" / "r.csv")]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "grading" not in err, err


def test_two_files_of_one_student_are_two_rows_and_a_warning(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(HONEST_THREE)
    (folder / "alice.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                   "source": "def d_tanh(x, y):\n    return 1 - x * x\n"}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    output = tmp_path / "r.csv"
    assert cli(["report", str(folder), "d_tanh", "-o", str(output)]) == 0
    assert "warning: 2 submissions of alice: alice.ipynb and alice.py" in capsys.readouterr().err
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [(r["student"], r["score"]) for r in rows] == [("alice.ipynb", "0"), ("alice.py", "1")]



@pytest.mark.parametrize("files", [("alice.py", "alice.ipynb", "alice.py.py", "bob.py"),
                                   ("alice", "alice.py", "alice.py.py", "bob.py")])
def test_no_two_rows_are_named_alike_whatever_the_files_are_named(tmp_path, capsys, files):
    """``alice.py.py`` (its stem ``alice.py``) beside ``alice.py`` and ``alice.ipynb`` (or a
    folder ``alice``): two rows were named alice.py, and a copy of bob's in the other file
    was told to the teacher as the honest alice's ("sum_over_paths: the same code as bob's"
    on her row, bob's naming "alice.py's"). Each row now has a name of its own, said."""
    from tinygrad_edu.exercises.classroom.report import one_row_each

    found = []
    for name in files:
        path = tmp_path / name
        found.append((name.split(".")[0] if name.count(".") == 1 else
                      name.rsplit(".", 1)[0] if "." in name else name, path))
    rows = one_row_each(found)
    names = [student for student, _ in rows]
    assert len(set(names)) == len(names), names
    assert [path for _, path in rows] == [path for _, path in found]
    assert ("bob", tmp_path / "bob.py") in rows
    assert "would both be named alice.py" in capsys.readouterr().err

STOPS = '''
def _stop():
    wrap = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == "_wrap_close"][0]
    wrap.__init__.__globals__["sys"].modules["signal"].raise_signal(19)  # SIGSTOP, itself


def d_tanh(x, y):
    _stop()


def d_exp(x, y):
    _stop()
'''


def test_a_learner_that_stops_itself_is_ended_at_once(tmp_path):
    """A learner's process that stops itself (SIGSTOP: a signal to itself, which the filter
    lets through) is seen stopped and ended at once, the exercise failing saying so. Before:
    each exercise waited for its deadline, about 35 s, for the whole class."""
    import time

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.py").write_text(HONEST_THREE)
    (folder / "mallory.py").write_text(STOPS)
    output = tmp_path / "r.csv"
    began = time.monotonic()
    assert cli(["report", str(folder), "d_tanh", "d_exp", "-o", str(output)]) == 0
    assert time.monotonic() - began < 30
    rows = {r["student"]: r for r in csv.DictReader(output.open(encoding="utf-8"))}
    assert rows["ada"]["score"] == "2" and rows["mallory"]["score"] == "0"
    grades = grade_apart(folder / "mallory.py", [EXERCISES["d_tanh"]])
    assert "it stopped its own process" in str(grades.verdicts["d_tanh"])


SYSTEM_EXIT = '''
CALLS = [0]


def d_tanh(x, y):
    CALLS[0] += 1
    if CALLS[0] > 103:  # (past the inputs tried: where the exact points are asked)
        raise SystemExit(3)
    return 1 - y * y


def d_exp(x, y):
    return y
'''


def test_a_learners_system_exit_never_ends_the_grader(tmp_path):
    """A SystemExit raised in the learner's process comes back as its name: the grader
    raises a stand-in of that name (an Exception), never SystemExit itself, which a handler
    of Exception lets through. Before: the grading ended (exit code 3), no verdict at all."""
    from tinygrad_edu.exercises.replies import exception

    error = exception("SystemExit", "3")
    assert isinstance(error, Exception) and type(error).__name__ == "SystemExit"
    path = tmp_path / "exits.py"
    path.write_text(SYSTEM_EXIT)
    graded = grade_apart(path, [EXERCISES["d_tanh"], EXERCISES["d_exp"]])
    assert not graded.verdicts["d_tanh"].passed and "SystemExit" in str(
        graded.verdicts["d_tanh"])
    assert graded.verdicts["d_exp"].passed


def test_names_that_look_alike_are_said_and_written_apart(capsys):
    """``аlice`` (a Cyrillic а) beside ``alice``, ``carol`` with a no-break space, ``Alice``,
    a zero-width space: before, no word, and bob's row told "the same code as аlice's",
    read as the honest alice's (an attacker's). Now a warning names them, and each that is
    not plain ASCII is written with its escapes; other names (``josé``) as they are."""
    from pathlib import Path

    from tinygrad_edu.exercises.classroom.report import one_row_each

    names = ["alice", "\u0430lice", "bob", "carol", "carol\u00a0", "Alice", "ali\u200bce",
             "jos\u00e9", "bob\u2800", "\u0251lice"]  # (the braille blank, a Latin alpha)
    rows = dict(one_row_each([(name, Path(f"{name}.py")) for name in names]))
    assert list(rows) == ["alice", "\\u0430lice", "bob", "carol", "carol\\xa0", "Alice",
                          "ali\\u200bce", "jos\u00e9", "bob\\u2800", "\\u0251lice"]
    err = capsys.readouterr().err
    assert "warning: the names 'alice', '\\u0430lice', 'Alice', 'ali\\u200bce', '\\u0251lice' " \
        "look alike" in err, err
    assert "'bob', 'bob\\u2800' look alike" in err, err
    assert "'carol', 'carol\\xa0' look alike" in err and "jos" not in err, err
