"""A graded function (or class) that is the same code as an answer the package ships is flagged,
never scored differently (``copies.py``): in ``check``'s output, in a mark (``copied``, and a
line of its text, which Gradescope's, Otter's and PrairieLearn's feedback show), in a
report's CSV column and page. The attacker's copied.py (model_answers.py followed by
lecture.py's Value, from the installed wheel) scored 19/19 unflagged before, copied_gpt.py
(microgpt/reference.py) 10/10. A copy with its names changed, its docstrings and comments
rewritten and annotations added is the same code; an honest answer written otherwise is not;
an answer short enough that anyone writes it so (``return b, a``) is never flagged."""

import csv
import inspect
import io
import textwrap
from pathlib import Path

import pytest

from tests.exercises.gpt_answers import RIGHT as RIGHT_GPT
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises import model_answers as M
from tinygrad_edu.exercises.classroom.report import report_csv, summary
from tinygrad_edu.exercises.classroom.results import (
    Result,
    as_gradescope,
    as_json,
)
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.copies import COPIED, SMALLEST, CopyReading, answers
from tinygrad_edu.exercises.microgpt.stages import TRACK

ATTACKS = Path(__file__).parent / "attacks"
COPIED_FILE = (ATTACKS / "copied.py.txt").read_text()
COPIED_GPT = (ATTACKS / "copied_gpt.py.txt").read_text()

BIG = sorted(name for name, shapes in answers().items() if name in EXERCISES
             and any(s.size >= SMALLEST for where, s in shapes if where == "model_answers.py"))
"""The exercises whose model answer is long enough to be flagged."""

RENAMED_BACKWARD = '''
def backward(out: "Value") -> None:
    """My own backward pass: a topological order first, then the chain rule."""
    topo, done, todo = [], set(), [(out, False)]
    while todo:  # iterative, so that a deep graph is fine
        v, ready = todo.pop()
        if ready:
            topo.append(v)
        elif v not in done:
            done.add(v)
            todo.append((v, True))
            todo.extend((p, False) for p in v.parents)
    out.grad = 1.0
    # from the root down, each node passes its grad on
    for v in reversed(topo):
        for p, d in zip(v.parents, v.local_grads):
            p.grad += d * v.grad
'''
"""model_answers.py's backward with every name changed, a docstring, comments and
annotations of its own: the same code."""

HONEST_BACKWARD = '''
def backward(root):
    order, seen = [], set()

    def visit(v):
        if id(v) in seen:
            return
        seen.add(id(v))
        for parent in v.parents:
            visit(parent)
        order.append(v)

    visit(root)
    root.grad = 1.0
    for v in order[::-1]:
        for parent, local in zip(v.parents, v.local_grads):
            parent.grad += local * v.grad
'''
"""A backward written otherwise (recursive, the order reversed by slicing): not a copy."""


def write(tmp_path, text, name="solutions.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_attackers_copy_is_flagged_and_scored_as_before(tmp_path, capsys):
    path = write(tmp_path, COPIED_FILE, "copied.py")
    assert cli(["check", str(path)]) == 0  # (every answer passes: not zeroed)
    out = capsys.readouterr().out
    assert "19 of 19 attempted exercises pass" in out
    flagged = [line.split(":")[0][2:] for line in out.splitlines()
               if line.startswith("⚑ ") and "(" in line.split(":")[1]]
    expected = [name for name in EXERCISES if name in BIG or name == "Value"]  # (in order)
    assert flagged == expected, flagged
    assert (f"⚑ backward: {COPIED} (model_answers.py's backward; compared with the names of "
            "your own made anonymous, docstrings and comments left out). Flagged for your "
            "teacher to read, not scored differently.") in out
    assert f"⚑ Value: {COPIED} (lecture.py's Value;" in out
    assert f"⚑ {', '.join(expected)}: {COPIED}." in out  # (the summary's line)
    assert "⚑ d_mul" not in out and "⚑ sgd_step" not in out  # (short: anyone writes them)


def test_the_attackers_copy_of_the_track_is_flagged(tmp_path, capsys):
    path = write(tmp_path, COPIED_GPT, "copied_gpt.py")
    assert cli(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "10 of 10 attempted stages of microgpt pass" in out
    for stage in ("node", "softmax", "attention", "block", "gpt", "adam", "train_step"):
        assert f"⚑ {stage}: {COPIED} (microgpt/reference.py's " in out, stage


def test_a_copy_with_its_names_changed_is_flagged_an_answer_written_otherwise_is_not(tmp_path):
    renamed = CopyReading(write(tmp_path, RENAMED_BACKWARD, "renamed.py"))
    assert renamed.same(EXERCISES["backward"]) == "model_answers.py's backward"
    honest = CopyReading(write(tmp_path, HONEST_BACKWARD, "honest.py"))
    assert honest.same(EXERCISES["backward"]) == ""


@pytest.mark.parametrize("name", BIG)
def test_every_long_model_answer_is_flagged_under_other_names(name, tmp_path):
    source = inspect.getsource(getattr(M, name))
    path = write(tmp_path, "import math\nimport numpy as numpy_\n\n" + source.replace(
        "np.", "numpy_."))
    assert CopyReading(path).same(EXERCISES[name]) == f"model_answers.py's {name}"


def test_a_class_with_a_method_more_is_still_the_same_code(tmp_path):
    lecture = (Path(M.__file__).parent / "lecture.py").read_text()
    more = lecture.replace("    def __repr__(self):",
                           "    def __str__(self):\n        return f'V({self.data})'\n\n"
                           "    def __repr__(self):")
    assert CopyReading(write(tmp_path, more)).same(EXERCISES["Value"]) == "lecture.py's Value"
    # a right microgpt written as the track's learners write it: its own
    assert CopyReading(write(tmp_path, RIGHT_GPT, "gpt.py")).same(TRACK["node"]) == ""


def test_the_starters_are_no_copies(tmp_path, capsys):
    for name, args in (("start.py", []), ("gpt.py", ["microgpt"])):
        assert cli(["start", str(tmp_path / name), *args]) == 0
        reading = CopyReading(tmp_path / name)
        assert not [ex.name for ex in [*EXERCISES.values(), *TRACK.values()]
                    if reading.same(ex)]


def test_a_class_report_and_gradescope_carry_the_flag(tmp_path):
    exercises = [EXERCISES["backward"], EXERCISES["d_mul"]]
    points = {"backward": 2.0, "d_mul": 1.0}
    copied = grade_file(write(tmp_path, COPIED_FILE, "carol.py"), exercises, points)
    honest = grade_file(write(tmp_path, HONEST_BACKWARD + "\n\ndef d_mul(a, b, y):\n"
                              "    return b, a\n", "bob.py"), exercises, points)
    assert copied.score == honest.score == 3.0  # (flagged, not scored differently)
    backward = copied.marks[0]
    assert backward.copied == "model_answers.py's backward" and backward.passed
    assert backward.text.startswith("✓ backward passed")
    assert f"\n⚑ backward: {COPIED} (model_answers.py's backward;" in backward.text
    assert not copied.marks[1].copied and not any(m.copied for m in honest.marks)
    # the JSON a grading process sends back, and check --json
    assert Result.from_json(as_json(copied)) == copied
    assert as_json(copied)["exercises"][0]["copied"] == "model_answers.py's backward"
    # Gradescope: the test's output (the mark's text) and the submission's
    data = as_gradescope(copied)
    assert data["tests"][0]["extra_data"]["copied"] == "model_answers.py's backward"
    assert "⚑ backward" in data["tests"][0]["output"]
    assert data["output"].endswith(f"\n⚑ backward: {COPIED} (flagged, not scored "
                                   "differently).")
    assert "⚑" not in as_gradescope(honest)["output"]
    # the report: a column, and the page's data
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(report_csv([copied, honest],
                                                                          exercises)))}
    assert rows["carol"]["copied"] == f"backward: {COPIED}"
    assert rows["bob"]["copied"] == ""
    page = summary([copied, honest], exercises)
    assert page["students"][0]["marks"][0]["copied"] == "model_answers.py's backward"
