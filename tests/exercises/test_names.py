"""A student's file or folder whose name is not UTF-8 (git and a Linux file system take any
bytes but ``/`` and NUL; Python reads them as lone surrogates, ``week3\\udcff.py``): shown as
its escapes (``week3\\xff.py``) in every output of the grader, the report's CSV and page,
Gradescope's results.json and the terminal; and a report's file written whole or not at all.

Before (an independent attacker, issue 65): ``exercises report`` graded the whole class, then
died writing the CSV or the page (``UnicodeEncodeError: surrogates not allowed``), leaving the
output at 0 bytes, an earlier report at that path wiped; on Gradescope "The autograder could
not run"."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.exercises.class_work import IMPORTS, answer
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.text_blocks import shown

RIGHT = IMPORTS + answer("d_tanh")
BYTES = b"week3\xff.py"


def _named(folder: Path, name: bytes) -> Path:
    """``folder / name``, a name of bytes; skips where the file system refuses it (macOS)."""
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), name)))
    try:
        path.write_text(RIGHT, encoding="utf-8")
    except OSError:
        pytest.skip("this file system takes only UTF-8 names")
    return path


def test_shown_writes_a_name_that_is_not_utf8_as_its_bytes():
    assert shown(os.fsdecode(BYTES)) == "week3\\xff.py"
    assert shown("café \ud800") == "café \\ud800"  # (a lone surrogate of another kind)
    assert shown("plain") == "plain"


@pytest.mark.parametrize("form", [".csv", ".html"])
def test_a_report_shows_a_name_that_is_not_utf8(tmp_path, capsys, form):
    """A class as ``gh classroom clone`` lays it out, mallory's file named ``week3\\xff.py``
    and another student's folder ``b\\xe9a``: every student graded, and named by the escapes
    in the CSV and in the page (its data: JSON a page reads), and on the terminal."""
    class_ = tmp_path / "class"
    for student in ("alice", "mallory"):
        (class_ / student).mkdir(parents=True)
    (class_ / "alice" / "week3.py").write_text(RIGHT, encoding="utf-8")
    _named(class_ / "mallory", BYTES)
    folder = Path(os.fsdecode(os.path.join(os.fsencode(class_), b"b\xe9a")))
    folder.mkdir()
    (folder / "week3.py").write_text(RIGHT, encoding="utf-8")
    output = tmp_path / f"report{form}"
    output.write_text("an earlier report", encoding="utf-8")
    assert cli(["report", str(class_), "d_tanh", "-o", str(output)]) == 0
    text = output.read_text(encoding="utf-8")  # (strict: UTF-8 throughout)
    if form == ".csv":
        rows = {row["student"]: row for row in csv.DictReader(text.splitlines())}
        assert sorted(rows) == ["alice", "b\\xe9a", "mallory"]
        assert rows["mallory"]["file"].endswith("mallory/week3\\xff.py")
        assert rows["mallory"]["score"] == rows["b\\xe9a"]["score"] == "1"
    else:
        assert "week3\\\\xff.py" in text and "b\\\\xe9a" in text  # (in the page's JSON)
        assert "\\udcff" not in text
    assert "wrote" in capsys.readouterr().out


def test_gradescope_and_check_show_a_name_that_is_not_utf8(tmp_path):
    """Gradescope's run_autograder grades the one .py file of the submission's folder
    whatever its name: results.json is written, naming it by its escapes; ``check`` on the
    terminal says the same name (a UTF-8 locale whose stdout is strict: en_US.UTF-8 raised
    where C.UTF-8 wrote the raw byte)."""
    submission = tmp_path / "submission"
    submission.mkdir()
    _named(submission, BYTES)
    results = tmp_path / "results" / "results.json"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    done = subprocess.run(
        [sys.executable, "-I", "-m", "tinygrad_edu", "exercises", "check", "week3.py",
         "d_tanh", "--format", "gradescope", "--output", str(results)],
        cwd=submission, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["score"] == 1 and "week3\\xff.py" in data["output"], data
    done = subprocess.run(
        [sys.executable, "-I", "-m", "tinygrad_edu", "exercises", "check", os.fsdecode(BYTES),
         "d_tanh"], cwd=submission, env=env, capture_output=True, timeout=120)
    out = done.stdout.decode("utf-8")  # (strict: the escapes, never the raw byte)
    assert done.returncode == 0 and "week3\\xff.py: 1 of 1 attempted" in out, (
        out, done.stderr.decode("utf-8", "replace"))


def test_a_report_that_cannot_be_written_leaves_the_earlier_one(tmp_path):
    """A report cut short as it is written (here the file-size limit, as a full disk would)
    leaves the earlier report whole, and no file of its own beside it."""
    output = tmp_path / "report.csv"
    output.write_text("an earlier report\n", encoding="utf-8")
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from tinygrad_edu.exercises.classroom.commands import _write\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))\n"
        "sys.exit(0 if _write('x' * 100_000, Path(sys.argv[1])) else 1)\n")
    done = subprocess.run([sys.executable, "-c", script, str(output)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and f"cannot write {output}" in done.stderr, done.stderr
    assert output.read_text(encoding="utf-8") == "an earlier report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_check_writes_a_terminals_escape_codes_as_escapes(tmp_path):
    """A file named with a terminal's escape codes (ESC, BEL: retitle the terminal, clear it)
    and an answer that prints them: ``check`` writes each control character as its escape,
    never raw, on stdout and stderr (before, raw: issue 65)."""
    name = "week3\x1b]0;graded\x07\x1b[2J.py"
    (tmp_path / name).write_text(
        'print("\\x1b[2J\\x1b[1;1Hall passed\\r")\n' + RIGHT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-I", "-m", "tinygrad_edu", "exercises", "check", name, "d_tanh"],
        cwd=tmp_path, capture_output=True, timeout=120)
    out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    assert done.returncode == 0, (out, err)
    assert "week3\\x1b]0;graded\\x07\\x1b[2J.py: 1 of 1 attempted" in out, out
    for control in ("\x1b", "\x07", "\r"):
        assert control not in out and control not in err, (out, err)


def _controls(data):
    """The control characters of ``data``'s strings (JSON's: dicts, lists, strings), but a
    new line and a tab."""
    if isinstance(data, str):
        return [c for c in data if c not in "\n\t" and (ord(c) < 32 or 0x7F <= ord(c) < 0xA0)]
    if isinstance(data, dict):
        return _controls(list(data)) + _controls(list(data.values()))
    if isinstance(data, (list, tuple)):
        return [c for item in data for c in _controls(item)]
    return []


def test_every_tools_result_writes_a_learners_escape_codes_as_escapes(tmp_path):
    """A file named with a terminal's escape codes, an answer that prints and raises them,
    a file that raises them as it loads: every tool's result (Gradescope's results.json,
    PrairieLearn's and its job's log, Otter's, nbgrader's feedback, which render a
    terminal's colours; the report) writes each control character of a verdict, a problem
    or a name but a new line and a tab as its escape, as ``check`` does on the terminal
    (before, issue 65: raw, JSON-escaped as
    ``\\u001b`` on Gradescope, which decodes and shows it; raw on PrairieLearn, Otter and
    nbgrader, as they all take the verdicts of ``grade_all``)."""
    from tinygrad_edu.exercises.choosing import by_name
    from tinygrad_edu.exercises.classroom.isolation import grade_all
    from tinygrad_edu.exercises.classroom.results import as_gradescope
    from tinygrad_edu.exercises.text_blocks import shown_data

    good = tmp_path / "week3\x1b]0;graded\x07\x1b[2J.py"
    good.write_text(IMPORTS + answer("d_tanh", (
        '    print("\\x1b[2J\\x1b[1;1Hall passed\\x9b")\n'
        '    raise ValueError("\\x1b[32m✓\\x07")\n')), encoding="utf-8")
    bad = tmp_path / "bad.py"
    bad.write_text('raise ValueError("\\x1b[32mall passed\\x9b")\n', encoding="utf-8")
    results = grade_all([("good", good), ("bad", bad)], [by_name("d_tanh")], {"d_tanh": 1},
                        jobs=2)
    (mark,), problem = results[0].marks, results[1].problem
    assert "ValueError: \\x1b[32m✓\\x07" in mark.text, mark.text
    assert "it printed:\n    \\x1b[2J" in mark.text, mark.text
    assert problem is not None and "\\x1b[32mall passed\\x9b" in problem.message, problem
    assert _controls([mark.text, problem.message, [m.text for m in results[1].marks]]) == []
    data = shown_data(as_gradescope(results[0]))  # (what results.json holds)
    assert "week3\\x1b]0;graded\\x07\\x1b[2J.py" in data["output"], data
    assert _controls(data) == [], data


def test_a_name_argparse_refuses_is_written_with_escapes(capsys):
    """A student's file named like an option (``-\\x1b[2J.py``), given to ``check *.py``:
    the command line's own error names it with its escapes, never raw (before, a third
    round of attacks on issue 65: argparse wrote it before the terminal was set)."""
    with pytest.raises(SystemExit):
        cli(["check", "-\x1b]0;graded\x07\x1b[2J.py", "d_tanh"])
    err = capsys.readouterr().err
    assert "unrecognized arguments: -\\x1b]0;graded\\x07\\x1b[2J.py" in err, err


def test_the_staffs_line_writes_a_name_with_escapes():
    """What a route tells the staff (Otter's output, PrairieLearn's job's log, nbgrader's
    log) names the student's file with its control characters as their escapes (before,
    raw: issue 65)."""
    from tinygrad_edu.exercises.classroom.results import Result, for_staff

    said = for_staff(Result("mallory", "/sub/week3\x1b]0;graded\x07.ipynb", (), seed=7))
    assert "week3\\x1b]0;graded\\x07.ipynb" in said and "\x1b" not in said, said
