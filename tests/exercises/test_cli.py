"""tinygrad_edu.exercises.cli, ``python -m tinygrad_edu exercises``: it lists the exercises
with your progress, writes starters, grades what a file defines (a class Value too) and exits
with 1 on a failure; and it never shows a traceback: a file that cannot be read, compiled or
run, a missing function and a wrong argument are messages."""

import csv
import io
import os
import re
import subprocess
import sys

import pytest

from tests.exercises.learners import ASSIGN_EVERYWHERE, ITERATIVE_SORT, lecture, write
from tinygrad_edu.exercises import EXERCISES, TRACK, check, load_progress
from tinygrad_edu.exercises.cli import main as cli


def test_cli_lists_the_exercises_with_progress(capsys):
    check("d_exp", lambda x, y: y, record_progress=True)
    check("d_log", lambda x, y: x, record_progress=True)
    assert cli([]) == 0
    out = capsys.readouterr().out
    exercises, track = out.split("Build microgpt yourself")
    lines = {line.split()[1]: line for line in exercises.splitlines()
             if line[:1].isdigit() and "(" in line.split()[1]}
    assert len(lines) == len(EXERCISES)
    assert "✓ passed" in lines["d_exp(x,"] and "✗ 1 attempt" in lines["d_log(x,"]
    stages = [line.split()[1].split("(")[0] for line in track.splitlines()
              if re.match(r"\d+  ", line)]
    assert stages == ["class", *(ex.symbol for ex in list(TRACK.values())[1:])]
    assert f"1 of {len(EXERCISES)} exercises and 0 of {len(TRACK)} stages passed" in out


def test_cli_start_then_check_a_file(tmp_path, capsys, private_progress):
    path = tmp_path / "mine.py"
    assert cli(["start", str(path)]) == 0
    assert cli(["start", str(path)]) == 1  # never overwrites without --force
    assert "exists already" in capsys.readouterr().err
    assert cli(["check", str(path)]) == 1  # nothing written yet
    assert "Nothing to grade yet" in capsys.readouterr().out
    source = path.read_text().replace(
        'def d_exp(x, y):\n    """x is the input, y = exp(x) the output. Return dy/dx."""\n'
        '    raise NotImplementedError("d_exp: not written yet")',
        "def d_exp(x, y):\n    return y")
    path.write_text(source)
    assert cli(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "✓ d_exp passed" in out and "1 of 1 attempted exercises pass" in out
    assert load_progress()["d_exp"].passed


def test_cli_check_grades_what_the_file_defines_and_exits_1_on_a_failure(tmp_path, capsys):
    path = write(tmp_path, """
        def d_exp(x, y):
            return y

        def d_tanh(x, y):
            return 1 - x**2

        if __name__ == "__main__":
            raise SystemExit("this does not run when graded")
    """)
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "✓ d_exp passed" in out and "✗ d_tanh: not yet" in out
    assert "input x used where the output y was meant" in out
    assert "1 of 2 attempted exercises pass" in out
    assert cli(["check", str(path), "d_exp"]) == 0  # only the ones named


# (the file, as text or as bytes; words printed; words in the errors, where {path} is the file)
FILES = [
    pytest.param("""
        def d_exp(x, y):
            return y

        def d_tanh(x, y)
            return 1 - y * y
    """, (), ("{path}, line 5: SyntaxError", "def d_tanh(x, y)"),
        id="a syntax error names the line"),
    pytest.param("import math\nx = math.sqrt(-1)\n", (), (
        "{path}, line 2: running the file raised ValueError", "x = math.sqrt(-1)"),
        id="an error while the file runs names the line"),
    pytest.param("x = 1\nbig = [0.0] * 10 ** 12\n", (), (
        "{path}, line 2: running the file ran out of memory (MemoryError): this line asked "
        "for more than there is", "big = [0.0] * 10 ** 12"),
        id="running out of memory is said at its line"),
    pytest.param(b"# caf\xe9 in Latin-1\ndef d_exp(x, y):\n    return y\n", (),
                 ("is not UTF-8 text (byte 0xe9 at position 5",), id="latin-1"),
    pytest.param(b"# -*- coding: klingon -*-\ndef d_exp(x, y):\n    return y\n", (),
                 ("unknown encoding: klingon; save it as UTF-8",), id="an unknown coding line"),
    # a codec that is no text encoding: the grader's own LookupError before (a traceback)
    pytest.param(b"# -*- coding: rot13 -*-\nqrs q_rkc(k, l):\n    erghea l\n", (), (
        "{path}: its coding line names rot13, which Python cannot read source in; save it "
        "as UTF-8",), id="rot13"),
    pytest.param(b"# coding: hex\n", (), ("its coding line names hex, which Python cannot "
                                          "read source in",), id="hex"),
    # the same message on every Python (3.10 raised ValueError, 3.11 SyntaxError)
    pytest.param(b"def d_exp(x, y):\n    return y\n\x00", (), (
        "solutions.py, line 3: a null byte (\\x00) at column 1, which Python code cannot "
        "contain; delete it, or save the file again as UTF-8",), id="a null byte"),
    pytest.param("def d_exp(x, y):\n    return y\n".encode("utf-16-le"), (), (
        "line 1: a null byte (\\x00) at column 2, which Python code cannot contain; delete "
        "it, or save the file again as UTF-8 text (a file saved as UTF-16 has one after every "
        "letter)",), id="utf-16"),
    pytest.param(b"import math\nraise SystemExit(math.pi)\n", (),
                 ("line 2: the file exits when it runs; put the code",), id="exits"),
    pytest.param("""
        def d_exp(x, y):
            return y

        def d_log(x, y):
            return 1 / (x - 1)
    """, ("✓ d_exp passed", "ZeroDivisionError", "line 6, in d_log  (return 1 / (x - 1))"),
        (), id="an exception inside a solution fails that exercise only"),
    pytest.param("d_exp = 3\n", ("it is a int, not a function",), (),
                 id="a name that is not a function"),
]


@pytest.mark.parametrize("content, printed, errors", FILES)
def test_cli_check_says_what_is_wrong_with_a_file_without_a_traceback(tmp_path, capsys, content,
                                                                       printed, errors):
    if isinstance(content, bytes):
        path = tmp_path / "solutions.py"
        path.write_bytes(content)
    else:
        path = write(tmp_path, content)
    assert cli(["check", str(path)]) == 1
    out, err = capsys.readouterr()
    for words in printed:
        assert words in out, out
    for words in errors:
        assert words.format(path=path) in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("content", [
    pytest.param(b"\xef\xbb\xbfdef d_exp(x, y):\n    return y\n", id="a byte-order mark"),
    pytest.param("# -*- coding: latin-1 -*-\n# café\ndef d_exp(x, y):\n    return y\n".encode(
        "latin-1"), id="a coding line"),
])
def test_cli_reads_a_file_as_python_does(tmp_path, capsys, content):
    """A file Python runs is graded: saved with a byte-order mark (as some editors save UTF-8)
    or in the encoding its coding line names (an independent attacker found right answers
    scored 0 as 'not valid Python' and 'not UTF-8 text')."""
    path = tmp_path / "solutions.py"
    path.write_bytes(content)
    assert cli(["check", str(path), "d_exp"]) == 0
    assert "✓ d_exp passed" in capsys.readouterr().out


def test_cli_missing_functions_are_named_with_their_signature(tmp_path, capsys):
    path = write(tmp_path, "def helper():\n    return 1\n")
    assert cli(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "defines none of the exercises' functions" in err and "def d_tanh(x, y): ..." in err
    assert "class Value: ..." in err
    assert cli(["check", str(path), "d_tanh"]) == 1
    err = capsys.readouterr().err
    # (as every route says it, "✗ NAME: ...": before, "... has no function d_tanh; exercise 5
    # expects", where the statements no longer cite the set's numbers)
    assert f"✗ d_tanh: missing: {path} has no function d_tanh; write one:\n    def d_tanh(x, " \
        "y): ..." in err, err


def test_cli_an_endless_loop_fails_that_exercise_only(tmp_path, capsys, short_time_limit):
    path = write(tmp_path, """
        def d_exp(x, y):
            while True:
                pass

        def d_tanh(x, y):
            return 1 - y * y
    """)
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "✗ d_exp: not yet" in out and "did not finish" in out
    assert re.search(r"line [34], in d_exp  \((while True:|pass)\)", out), out  # in the loop
    assert "✓ d_tanh passed" in out and "1 of 2 attempted exercises pass" in out


def test_cli_check_finds_the_class_value_in_the_file(tmp_path, capsys):
    path = write(tmp_path, lecture(*ASSIGN_EVERYWHERE))
    assert cli(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "✗ Value: not yet" in out and "`=` instead of `+=`" in out
    assert "0 of 1 attempted exercises pass" in out
    path.write_text(lecture(ITERATIVE_SORT))
    assert cli(["check", str(path), "Value"]) == 0
    assert "✓ Value passed" in capsys.readouterr().out


def test_cli_an_imported_value_is_not_the_learners(tmp_path, capsys):
    path = write(tmp_path, "from tinygrad_edu import Value\n\ndef d_exp(x, y):\n    return y\n")
    assert cli(["check", str(path)]) == 0
    captured = capsys.readouterr()
    assert "Value is imported from tinygrad_edu.engine, so it is not yours" in captured.err
    assert "Value passed" not in captured.out and "1 of 1 attempted" in captured.out
    renamed = write(tmp_path, lecture().replace("class Value:", "class MyValue:"), "mine.py")
    assert cli(["check", str(renamed), "Value"]) == 1
    err = capsys.readouterr().err
    assert "has no class Value" in err and "add Value = MyValue" in err


def test_cli_a_named_value_that_is_the_engines_fails_and_the_rest_is_graded(tmp_path, capsys):
    """``check FILE d_tanh Value`` (what Gradescope's autograder runs) on a file whose Value is
    the engine's: d_tanh graded, Value failed as every route says it, "✗ Value: not graded:
    ..." (before: one line on stderr, nothing graded; a report's status "missing", read as
    a file not handed in)."""
    from tests.exercises.class_work import answer
    from tinygrad_edu.exercises.classroom.report import report_csv
    from tinygrad_edu.exercises.classroom.submissions import grade_file

    path = write(tmp_path, "import math\nfrom tinygrad_edu import Value\n\n\n" + answer("d_tanh"))
    assert cli(["check", str(path), "d_tanh", "Value"]) == 1
    out = capsys.readouterr().out
    assert "✓ d_tanh passed" in out and "1 of 2 attempted exercises pass" in out, out
    said = ("✗ Value: not graded: Value is imported from tinygrad_edu.engine, so it is not "
            f"yours; write your own `class Value` in {path} to grade it")
    assert said in out
    result = grade_file(path, [EXERCISES["d_tanh"], EXERCISES["Value"]],
                        {"d_tanh": 1.0, "Value": 1.0})
    tanh, value = result.marks
    assert tanh.passed and (value.status, value.failure, value.text) == ("failed", "other", said)
    (row,) = csv.DictReader(io.StringIO(report_csv([result], [EXERCISES["d_tanh"],
                                                              EXERCISES["Value"]])))
    assert row["Value mistakes"] == "not as asked: " + said.split("not graded: ", 1)[1], row


def test_cli_the_value_starter_counts_as_not_started(tmp_path, capsys):
    path = tmp_path / "mine.py"
    assert cli(["start", str(path), "Value"]) == 0
    assert "class Value:" in path.read_text()
    assert cli(["check", str(path)]) == 1
    assert "1 not started" in capsys.readouterr().out


@pytest.mark.parametrize("argv, words", [
    (["check", "no_such_file.py"], "there is no file no_such_file.py"),
    (["show", "d_tahn"], "did you mean 'd_tanh'"),
    (["check", ".", "d_tanh"], "is a directory"),
    (["check"], "the following arguments are required: file\n"),  # not "file, exercise"
])
def test_cli_user_errors_are_messages_not_tracebacks(argv, words, capsys, tmp_path,
                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = cli(argv)
    except SystemExit as exit_:  # argparse's usage errors exit with 2
        code = exit_.code
    assert code != 0
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_cli_show_prints_the_statement_and_starter(capsys):
    assert cli(["show", "5"]) == 0
    out = capsys.readouterr().out
    assert "Exercise 5 (level 1): the derivative of tanh" in out and "def d_tanh(x, y):" in out


def test_cli_a_damaged_progress_file_is_a_warning(private_progress, capsys):
    private_progress.write_text("{not json")
    assert cli([]) == 0
    assert "is damaged" in capsys.readouterr().err


def test_the_module_entry_point_runs_exercises(tmp_path):
    env = {**os.environ, "TINYGRAD_EDU_PROGRESS": str(tmp_path / "p.json")}
    run = subprocess.run([sys.executable, "-m", "tinygrad_edu", "exercises", "show", "d_mul"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0 and "def d_mul(a, b, y):" in run.stdout
    run = subprocess.run([sys.executable, "-m", "tinygrad_edu", "exercises", "--help"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0 and "check" in run.stdout


def test_cli_a_learner_alone_is_told_it_is_practice_and_a_student_whose_grade_counts(
        tmp_path, capsys, private_progress):
    """Every verdict says where it was graded, for practice; only a student's copy of an
    assignment (here a GitHub Classroom repository, with the workflow that grades it) adds
    whose grade counts."""
    alone = write(tmp_path, "def d_tanh(x, y):\n    return 1 - y * y\n", "mine.py")
    assert cli(["check", str(alone)]) == 0
    out = capsys.readouterr().out
    assert "Graded on your machine, for practice" in out and "grade that counts" not in out
    repository = tmp_path / "assignment"
    (repository / ".github" / "workflows").mkdir(parents=True)
    (repository / ".github" / "workflows" / "classroom.yml").write_text("", encoding="utf-8")
    (repository / "work").mkdir()
    handed = write(repository / "work", "def d_tanh(x, y):\n    return 1 - y * y\n", "hw.py")
    assert cli(["check", str(handed)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "This file is part of an assignment: the grade that counts is the one your " \
        "teacher's grader gives the file you hand in." in out
    # the workflow's own step, on GitHub's runner: graded there (before: "Graded on your
    # machine, for practice", and this file "part of an assignment")
    assert cli(["check", str(handed), "d_tanh", "--route", "classroom"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Graded by GitHub Classroom's workflow, on the machine it runs on: your code ran " \
        "in processes of its own, as every route of the course runs it." in out, out
    assert "your machine" not in out and "part of an assignment" not in out, out


def test_check_leaves_no_hypothesis_folder_where_it_is_run(tmp_path):
    """``check`` run in a class's folder leaves nothing there: hypothesis's cache of what it
    reads of the code (``.hypothesis/constants``) went into the folder it was run from."""
    (tmp_path / "ada.py").write_text("def d_tanh(x, y):\n    return 1 - y * y\n")
    run = subprocess.run([sys.executable, "-I", "-m", "tinygrad_edu", "exercises", "check",
                          "ada.py", "d_tanh"], capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "TINYGRAD_EDU_PROGRESS": str(tmp_path / "p.json")},
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ada.py", "p.json"], list(
        tmp_path.iterdir())


def test_a_reader_that_stops_reading_ends_the_command_quietly(tmp_path):
    """`python -m tinygrad_edu exercises | head -5`: the pipe closed under it ends the
    command with the shell's code for SIGPIPE, not a BrokenPipeError traceback."""
    env = {**os.environ, "TINYGRAD_EDU_PROGRESS": str(tmp_path / "p.json")}
    run = subprocess.Popen([sys.executable, "-m", "tinygrad_edu", "exercises"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    run.stdout.close()  # (the reader has gone before the first line)
    said = run.stderr.read().decode()
    assert run.wait(timeout=60) == 141 and said == "", said
