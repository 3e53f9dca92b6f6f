"""A copy of a model answer wrapped in a class is the same copy (issue
65): a function's answer is compared with every function of the file, a class's method and a
nested function included, so the model answer made a ``@staticmethod``, an instance method, a
method a ``def`` calls, or a method of a class inside a function is flagged for the teacher as
the same answer at top level is; honest work wrapped in a class is not. (``copies.py``;
``test_copies.py`` holds the rest.)"""

import ast
import csv
import inspect
import io
import textwrap

import pytest

from tests.exercises.test_copies import (
    HONEST_BACKWARD,
    HONEST_PATHS,
    flagged_in,
    honest_files,
    write,
)
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises import model_answers as M
from tinygrad_edu.exercises.classroom.report import report_csv
from tinygrad_edu.exercises.classroom.results import as_gradescope
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.copies import BESIDE, COPIED, CopyReading

ANSWER = textwrap.indent(inspect.getsource(M.sum_over_paths), "    ")
"""model_answers.py's sum_over_paths, word for word, indented to be a class's."""

WRAPPED = {
    "a @staticmethod, aliased": "class _Solver:\n    @staticmethod\n" + ANSWER
    + "\n\nsum_over_paths = _Solver.sum_over_paths\n",
    "an instance method, bound": "class Paths:\n" + ANSWER.replace(
        "(root, x)", "(self, root, x)", 1) + "\n\nsum_over_paths = Paths().sum_over_paths\n",
    "a method a def calls": "class Paths:\n" + ANSWER
    + "\n\ndef sum_over_paths(root, x):\n    return Paths.sum_over_paths(root, x)\n",
    "a classmethod of another name": "class Paths:\n    @classmethod\n" + ANSWER.replace(
        "def sum_over_paths(root, x)", "def walk(cls, root, x)") + "\n\nsum_over_paths = "
    "Paths.walk\n",
    "a class made in a function": "def _made():\n    class Kit:\n" + textwrap.indent(
        ANSWER, "    ") + "    return Kit\n\n\nsum_over_paths = _made().sum_over_paths\n",
}
"""The model answer made a class's static method, instance method, a method a ``def``
calls, a classmethod renamed, a method of a class made in a function: each scored 1/1 and
flagged nowhere before."""


@pytest.mark.parametrize("how", sorted(WRAPPED))
def test_the_model_answer_made_a_method_is_flagged(how, tmp_path):
    path = write(tmp_path, WRAPPED[how])
    compile(path.read_text(), str(path), "exec")  # (Python, as handed in)
    assert CopyReading(path).same(EXERCISES["sum_over_paths"]) == \
        "model_answers.py's sum_over_paths"
    assert flagged_in(path) == ["sum_over_paths"]


def test_backward_and_d_tanh_made_methods_are_flagged_as_at_top_level(tmp_path):
    """backward's model answer, flagged by its names as written, and d_tanh's one line beside
    it (``BESIDE``), both static methods of a class bound to the exercises' names."""
    text = ("class _Kit:\n    @staticmethod\n    def tanh_(x, y):\n        return 1 - y * y\n\n"
            "    @staticmethod\n" + textwrap.indent(inspect.getsource(M.backward), "    ")
            + "\n\nd_tanh = _Kit.tanh_\nbackward = _Kit.backward\n")
    reading = CopyReading(write(tmp_path, text))
    assert reading.same(EXERCISES["backward"]) == "model_answers.py's backward"
    assert reading.same(EXERCISES["d_tanh"]) == f"model_answers.py's d_tanh, {BESIDE} backward"
    # d_tanh's line as a method, with no copy beside it: not flagged (as at top level)
    alone = text.replace("backward = _Kit.backward\n", "")
    alone = alone[:alone.index("    @staticmethod\n    def backward")] + alone[alone.index(
        "\n\nd_tanh"):]
    assert flagged_in(write(tmp_path, alone, "alone.py")) == []


def test_a_wrapped_copy_is_flagged_in_the_report_and_gradescope_and_scored_as_before(tmp_path):
    exercises = [EXERCISES["sum_over_paths"]]
    points = {"sum_over_paths": 1.0}
    copied = grade_file(write(tmp_path, WRAPPED["a @staticmethod, aliased"], "mallory.py"),
                        exercises, points)
    honest = grade_file(write(tmp_path, "class Walker:\n" + textwrap.indent(textwrap.dedent(
        HONEST_PATHS).replace("(root, x)", "(self, root, x)"), "    ")
        + "\n\nsum_over_paths = Walker().sum_over_paths\n", "gus.py"), exercises, points)
    assert copied.score == honest.score == 1.0, (copied.marks, honest.marks)
    assert copied.marks[0].copied == "model_answers.py's sum_over_paths"
    assert not honest.marks[0].copied and "⚑" not in copied.marks[0].text
    hidden = [t for t in as_gradescope(copied)["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 1 and "⚑ sum_over_paths:" in hidden[0]["output"]
    assert not any(t["visibility"] == "hidden" for t in as_gradescope(honest)["tests"])
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(report_csv(
        [copied, honest], exercises)))}
    assert rows["mallory"]["copied"] == f"sum_over_paths: {COPIED}"
    assert rows["gus"]["copied"] == ""


def in_a_class(source: str) -> str:
    """A file's functions made static methods of one class (its other statements kept in
    the class's body)."""
    tree = ast.parse(textwrap.dedent(source))
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            statement.decorator_list.insert(0, ast.Name("staticmethod", ast.Load()))
    return ast.unparse(ast.Module([ast.ClassDef("Mine", [], [], tree.body or [ast.Pass()], [])],
                                  []))


def test_no_honest_answer_wrapped_in_a_class_is_flagged(tmp_path):
    """The suite's honest answers (``honest_files``), each file's functions made methods of
    a class, and honest backward and sum_over_paths as methods: none is flagged."""
    files = [(what, in_a_class(source)) for what, source in honest_files()]
    files += [("honest backward, methods", "class Grad:\n" + textwrap.indent(textwrap.dedent(
        HONEST_BACKWARD).replace("(root)", "(self, root)").replace("(x, y)", "(self, x, y)"),
        "    ") + "\n\nbackward = Grad().backward\nd_tanh = Grad().d_tanh\n")]
    assert len(files) > 160
    flagged = [(what, flagged_in(write(tmp_path, source))) for what, source in files]
    assert [f for f in flagged if f[1]] == []


class _Listed(ast.NodeTransformer):
    """Each name read taken from a literal made for it, ``[name][0]``, ``(name,)[0]`` or
    ``{"k": name}["k"]`` (an attacker's a65k c1: a mechanical rewrite)."""

    def __init__(self, wrap):
        self.wrap = wrap

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load):
            return node
        if self.wrap == "dict":
            return ast.Subscript(ast.Dict([ast.Constant("k")], [node]), ast.Constant("k"),
                                 ast.Load())
        held = ast.List if self.wrap == "list" else ast.Tuple
        return ast.Subscript(held([node], ast.Load()), ast.Constant(0), ast.Load())


@pytest.mark.parametrize("wrap", ["list", "tuple", "dict"])
def test_the_model_answer_with_each_name_read_from_a_literal_is_flagged(wrap, tmp_path):
    """(Before: 1/1, flagged nowhere.)"""
    tree = _Listed(wrap).visit(ast.parse(inspect.getsource(M.sum_over_paths)))
    path = write(tmp_path, ast.unparse(ast.fix_missing_locations(tree)) + "\n")
    compile(path.read_text(), str(path), "exec")
    assert flagged_in(path) == ["sum_over_paths"]
