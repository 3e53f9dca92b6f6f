"""Copies of a model answer edited by rote, with no understanding of it, read as the code they
copy (``copy_forms.py``): a list for a tuple (``[node, 1]`` for ``(node, True)``), ``(d.get(k)
or 0)`` for ``d.get(k, 0)``, an ``if``/``elif`` turned round with a ``continue``, ``while
True:`` with a ``break``, ``xs.reverse()`` before the loop. Each of the first three alone was
flagged, any two together were not (issue 65: sum_over_paths and backward 1/1 unflagged on the
report and Gradescope); the honest answers of the suite stay unflagged (``test_copies.py``).
Each form's pair is in ``test_copies_rewrites.py``'s tables, with the light rewrites."""

import ast
import inspect
import re

import pytest

from tests.exercises.test_copies import ATTACKS, flagged_in, write
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises import model_answers as M
from tinygrad_edu.exercises.copies import CopyReading
from tinygrad_edu.exercises.copy_tokens import tokens


@pytest.mark.parametrize("name, exercise", [("copy_lists_or", "sum_over_paths"),
                                            ("copy_or_turned", "sum_over_paths"),
                                            ("copy_backward_turned", "backward")])
def test_a_copy_with_two_edits_is_the_same_copy(name, exercise, tmp_path):
    path = write(tmp_path, (ATTACKS / f"{name}.py.txt").read_text(), f"{name}.py")
    assert CopyReading(path).same(EXERCISES[exercise]) == f"model_answers.py's {exercise}"
    assert flagged_in(path) == [exercise]


def test_the_model_answer_edited_every_way_at_once_reads_as_it(tmp_path):
    """sum_over_paths with every edit above, renamed and aliased: token for token the model
    answer, flagged."""
    source = inspect.getsource(M.sum_over_paths)
    edited = re.sub(r"\((\w+), (True|False)\)",
                    lambda m: f"[{m.group(1)}, {int(m.group(2) == 'True')}]", source)
    edited = re.sub(r"(\w+)\.get\(([\w]+), ([\d.]+)\)", r"(\1.get(\2) or \3)", edited)
    edited = edited.replace(
        "    while stack:\n", "    while True:\n        if not stack:\n            break\n"
    ).replace(
        "        if listed:\n            order.append(node)\n        elif node not in seen:\n",
        "        if not listed:\n            if node in seen:\n                continue\n"
    ).replace(
        "for parent in node.parents)\n",
        "for parent in node.parents)\n        else:\n            order.append(node)\n"
    ).replace("    for node in reversed(order):\n",
              "    order.reverse()\n    for node in order:\n")
    assert edited.count(" or ") == 6 and "[root, 0]" in edited and "continue" in edited
    assert "while True" in edited and "order.reverse()" in edited
    copy, model = ast.parse(edited).body[0], ast.parse(source).body[0]
    assert isinstance(copy, ast.FunctionDef) and isinstance(model, ast.FunctionDef)
    assert tokens(copy, {}, numbered=True) == tokens(model, {}, numbered=True)
    renamed = re.sub(r"\b(order|seen|stack|node|listed|parent|local|count|total)\b",
                     lambda m: m.group(1)[::-1] + "_", edited)
    path = write(tmp_path, renamed.replace("def sum_over_paths", "def _walk")
                 + "\n\nsum_over_paths = _walk\n")
    assert CopyReading(path).same(EXERCISES["sum_over_paths"]) == \
        "model_answers.py's sum_over_paths"
