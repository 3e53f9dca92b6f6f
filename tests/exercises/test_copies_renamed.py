"""A copy with every name of its own renamed (its parameters, locals, loop and comprehension
variables, nested functions) reads as the model answer token for token once those names are
numbered in the order they first appear (``copy_tokens.tokens(numbered=True)``), so that a
short answer copied so, bound to the exercise's name, is flagged beside another copy (issue
65: ``backward`` with every local renamed and aliased, beside copies of
``topological_sort`` and ``sum_over_paths``, scored 1/1 unflagged on every route)."""

import ast
import inspect
import re
import textwrap

from tests.exercises.test_copies import HONEST_BACKWARD, flagged_in, write
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises import model_answers as M
from tinygrad_edu.exercises.copies import BESIDE, CopyReading
from tinygrad_edu.exercises.copy_tokens import tokens


def function(source: str) -> ast.FunctionDef:
    node = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(node, ast.FunctionDef)
    return node


def renamed(source: str, prefix: str = "_my_") -> str:
    """``source`` (one function) with every name it binds renamed (its own name given
    ``prefix``), as an attacker's rename does it: every occurrence, comments included."""
    node = function(source)
    bound = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
             and not isinstance(n.ctx, ast.Load)} | {
        n.arg for n in ast.walk(node) if isinstance(n, ast.arg)} | {
        n.name for n in ast.walk(node) if isinstance(n, ast.FunctionDef)} - {node.name}
    assert len(bound) >= 3
    text = re.sub(r"\b(" + "|".join(sorted(bound)) + r")\b",
                  lambda m: m.group(1)[::-1] + "_2", source)
    return text.replace(f"def {node.name}(", f"def {prefix}{node.name}(", 1)


EVERY_KIND = '''
def f(a, *rest, key=None, **more):
    def inner(b):
        return b + a
    try:
        c = [d * 2 for d in rest if (e := d) > 0]
    except ValueError as error:
        c = error
    match key:
        case [g, *h]:
            c = g
        case {"x": i, **j}:
            c = i
    import os as o
    k = lambda m: m + inner(a)
    return c, k, e, h, j, o, more, rest
'''
"""A function that binds names in every way Python has."""


def test_every_name_a_definition_binds_is_read_numbered():
    """Renaming what a definition binds changes nothing once its names are numbered, and the
    names as written differ (what the grader compared before); which name is which is kept
    (``a - b`` is not ``b - a``), and so is the answer of the note's names."""
    for source in (inspect.getsource(M.backward), inspect.getsource(M.topological_sort),
                   inspect.getsource(M.sum_over_paths), EVERY_KIND):
        model, copy = function(source), function(renamed(source))
        assert tokens(copy, {}, numbered=True) == tokens(model, {}, numbered=True)
        assert tokens(copy, {}, True) != tokens(model, {}, True)
    words = tokens(function(EVERY_KIND), {}, numbered=True)
    assert "os" in words and not {"inner", "error", "g", "i", "j", "o", "m", "more"} & set(words)
    one, other = (function(f"def f(a, b):\n    return {e}\n") for e in ("a - b", "b - a"))
    assert tokens(one, {}) == tokens(other, {})
    assert tokens(one, {}, numbered=True) != tokens(other, {}, numbered=True)
    honest = ast.parse(HONEST_BACKWARD).body[1]
    assert isinstance(honest, ast.FunctionDef) and honest.name == "backward"
    assert tokens(honest, {}, numbered=True) != tokens(function(
        inspect.getsource(M.backward)), {}, numbered=True)  # (its sort's `child`, not `parent`)


ROUTE_8 = "import math\n\n\n" + "\n\n".join(
    f"{renamed(inspect.getsource(getattr(M, name)))}\n{name} = _my_{name}\n"
    for name in ("topological_sort", "backward", "sum_over_paths"))
"""A file of renamed copies: the model answers of topological_sort, backward and
sum_over_paths, every name of their own renamed, each bound to the exercise's name."""


LECTURE_SORT = """
def _topo(root):
    topo = []
    visited = set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(root)
    return topo
"""
"""The lecture's topological sort, as a function of its own."""


def test_a_copy_with_every_name_renamed_is_flagged_beside_another(tmp_path):
    """backward's and topological_sort's copies are flagged beside sum_over_paths's (before,
    backward and topological_sort were not: their names as written were no longer the model
    answer's); the same answers written from the note, bound so beside the same copy, are not
    (the note's sort takes `child`, its loop `parent`)."""
    path = write(tmp_path, ROUTE_8, "renamed.py")
    assert "order" not in ROUTE_8 and "stack" not in ROUTE_8
    assert "backward = _my_backward" in ROUTE_8
    reading = CopyReading(path)
    assert reading.same(EXERCISES["backward"]) == \
        f"model_answers.py's backward, {BESIDE} sum_over_paths"
    assert reading.same(EXERCISES["topological_sort"]) == \
        f"model_answers.py's topological_sort, {BESIDE} sum_over_paths"
    assert flagged_in(path) == ["topological_sort", "backward", "sum_over_paths"]
    # honest answers bound so beside the copy of sum_over_paths: not flagged
    copy_of_paths = ROUTE_8[ROUTE_8.index("def _my_sum_over_paths"):]
    honest = HONEST_BACKWARD.replace("def backward(", "def _mine(") + "\n\nbackward = _mine\n"
    assert flagged_in(write(tmp_path, honest + "\n\n" + copy_of_paths, "honest.py")) == [
        "sum_over_paths"]
    # (the lecture's sort so bound is the model answer so: flagged beside it, as the guide says)
    lecture = LECTURE_SORT + "\n\ntopological_sort = _topo\n\n\n" + copy_of_paths
    assert flagged_in(write(tmp_path, lecture, "lecture.py")) == [
        "topological_sort", "sum_over_paths"]
    # the renamed copy alone, or under the exercise's own name: what honest work can be
    alone = ROUTE_8[:ROUTE_8.index("def _my_sum_over_paths")]
    assert flagged_in(write(tmp_path, alone, "alone.py")) == []
    direct = ROUTE_8.replace("def _my_backward(", "def backward(").replace(
        "backward = _my_backward\n", "")
    assert flagged_in(write(tmp_path, direct, "direct.py")) == [
        "topological_sort", "sum_over_paths"]
