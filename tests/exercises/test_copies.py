"""A graded function (or class) that is the same code as an answer the package ships is flagged,
never scored differently (``copies.py``), for the teacher alone (issue 65): a mark's
``copied``, a report's CSV column and page, a test of Gradescope's hidden from students, a
hidden test case of Otter's; never a verdict's text, ``check``'s output, ``check --json``
nor any feedback a learner reads. The attacker's copied.py (model_answers.py followed by
lecture.py's Value, from the installed wheel) scored 19/19 unflagged at first, copied_gpt.py
(microgpt/reference.py) 10/10; then with the names changed and aliased (``backward =
_my_backward``) or a dead line added, 3/3 unflagged (the whole track 10/10). A copy with its
names changed, aliased, its docstrings and comments rewritten, annotations and dead code
added, is the same code; an honest answer written otherwise is not; an answer short enough
that anyone writes it so (``return b, a``) is never flagged."""

import csv
import inspect
import io
import json
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


def test_the_attackers_copy_is_flagged_for_the_teacher_and_scored_as_before(tmp_path, capsys):
    path = write(tmp_path, COPIED_FILE, "copied.py")
    assert cli(["check", str(path)]) == 0  # (every answer passes: not zeroed)
    out = capsys.readouterr().out
    assert "19 of 19 attempted exercises pass" in out
    assert "⚑" not in out and COPIED not in out  # (a learner's check never shows it)
    reading = CopyReading(path)
    flagged = [name for name in EXERCISES if reading.same(EXERCISES[name])]
    expected = [name for name in EXERCISES if name in BIG or name == "Value"]  # (in order)
    assert flagged == expected, flagged
    assert reading.same(EXERCISES["Value"]) == "lecture.py's Value"
    assert not reading.same(EXERCISES["d_mul"]) and not reading.same(EXERCISES["sgd_step"])


def test_the_attackers_copy_of_the_track_is_flagged(tmp_path, capsys):
    path = write(tmp_path, COPIED_GPT, "copied_gpt.py")
    assert cli(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "10 of 10 attempted stages of microgpt pass" in out and "⚑" not in out
    reading = CopyReading(path)
    for stage in ("node", "softmax", "attention", "block", "gpt", "adam", "train_step"):
        assert reading.same(TRACK[stage]).startswith("microgpt/reference.py's "), stage


ALIASED = '''
def _my_order(start):
    result, been, todo = [], set(), [(start, False)]
    unused = 42
    while todo:
        item, finished = todo.pop()
        if finished:
            result.append(item)
        elif item not in been:
            been.add(item)
            todo.append((item, True))
            todo.extend((p, False) for p in item.parents)
    start.grad = 1.0
    for item in reversed(result):
        for p, local in zip(item.parents, item.local_grads):
            p.grad += local * item.grad
    return None
    print("never")


_again = _my_order
backward = _again


def topological_sort(root):
    return _sorted(root)


def _sorted(root):
    order, visited = [], set()

    def walk_it(node):
        if node not in visited:
            visited.add(node)
            if False:
                print("dead")
            for parent in node.parents:
                walk_it(parent)
            order.append(node)

    walk_it(root)
    return order
'''
"""model_answers.py's backward and topological_sort renamed, aliased (twice), passed on to
from a def of the exercise's name, with dead lines (a name never read, a statement after
return, ``if False:``): 3/3 unflagged before."""


def test_a_copy_renamed_aliased_and_with_dead_code_is_flagged(tmp_path):
    reading = CopyReading(write(tmp_path, ALIASED))
    assert reading.same(EXERCISES["backward"]) == "model_answers.py's backward"
    assert reading.same(EXERCISES["topological_sort"]) == "model_answers.py's topological_sort"
    one_line_more = inspect.getsource(M.backward).replace(
        "    root.grad = 1.0\n", "    root.grad = 1.0\n    total = len(order)\n")
    assert CopyReading(write(tmp_path, one_line_more, "more.py")).same(
        EXERCISES["backward"]) == "model_answers.py's backward"


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
    assert "⚑" not in backward.text  # (the text a learner reads: never the flag)
    assert not copied.marks[1].copied and not any(m.copied for m in honest.marks)
    # the JSON a grading process sends back, and check --json
    assert Result.from_json(as_json(copied)) == copied
    assert as_json(copied)["exercises"][0]["copied"] == "model_answers.py's backward"
    # Gradescope: a test hidden from students, no points; nothing in what they see
    data = as_gradescope(copied)
    hidden = [t for t in data["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 1 and hidden[0]["max_score"] == 0, data["tests"]
    assert f"⚑ backward: {COPIED} (model_answers.py's backward;" in hidden[0]["output"]
    assert hidden[0]["extra_data"]["copied"] == {"backward": "model_answers.py's backward"}
    visible = json.dumps([t for t in data["tests"] if t["visibility"] != "hidden"])
    assert "⚑" not in data["output"] and "⚑" not in visible and "copied" not in visible
    assert not any(t["visibility"] == "hidden" for t in as_gradescope(honest)["tests"])
    # the report: a column, and the page's data
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(report_csv([copied, honest],
                                                                          exercises)))}
    assert rows["carol"]["copied"] == f"backward: {COPIED}"
    assert rows["bob"]["copied"] == ""
    page = summary([copied, honest], exercises)
    assert page["students"][0]["marks"][0]["copied"] == "model_answers.py's backward"
