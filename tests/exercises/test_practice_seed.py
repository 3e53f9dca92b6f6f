"""Practice in a notebook draws its inputs as the grade does (issue 67): each check afresh,
from a seed it names, or from ``TINYGRAD_EDU_SEED`` (``%env`` in the kernel), and with the
seed a grade names it finds the grade's failing input; a pass's note is shown too."""

import json
import re

import pytest

from tests.exercises.class_work import IMPORTS, in_a_kernel
from tinygrad_edu.exercises import EXERCISES
from tinygrad_edu.exercises.cases import SEED
from tinygrad_edu.exercises.classroom.isolation import grade_all

INEXACT = "def d_tanh(x, y):\n    return 1 - y * y + 1e-10\n"
"""Right to about 1e-10 everywhere: it fails where it is tried for exactness, at points drawn
from the grading's seed, which its verdict names (another seed, another point)."""
RIGHT = "def d_tanh(x, y):\n    return 1 - y * y\n"


@pytest.fixture
def kernel(monkeypatch):
    """A notebook's kernel, as Otter's ``grader.check`` sees it: its cells run so far
    (IPython's ``In``) after the imports; ``kernel(cell)`` sets them."""
    return lambda answer: in_a_kernel(monkeypatch, ["", IMPORTS, answer])


def check(answer):
    """Otter's practice check of d_tanh (``grader.check("d_tanh")``): what it raises."""
    from tinygrad_edu.exercises.classroom.for_otter_grading import feedback

    with pytest.raises(AssertionError) as raised:
        feedback("d_tanh", lambda x, y: None)
    return str(raised.value)


def seed_and_point(text):
    seed = re.search(r"from seed (\d+) \(`%env TINYGRAD_EDU_SEED=\1` in a cell", text)
    point = re.search(r"\(at x = (\S+), y = tanh", text)
    assert seed and point, text
    return int(seed[1]), point[1]


def test_practice_names_its_seed_and_honours_a_given_one_as_the_grade_does(
        kernel, monkeypatch, tmp_path, capsys):
    """Before: no seed was said, and TINYGRAD_EDU_SEED set in the kernel after a first check
    did not reach the next (the kernel kept its first seed), so practice's failing input was
    not the grade's."""
    monkeypatch.delenv(SEED, raising=False)
    kernel(INEXACT)
    first, at = seed_and_point(check(INEXACT))
    second, _ = seed_and_point(check(INEXACT))
    assert first != second  # (afresh at each check, as at each grading)
    notebook = tmp_path / "week3.ipynb"
    notebook.write_text(json.dumps({"cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": text} for text in (IMPORTS, INEXACT)],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    (graded,) = grade_all([("alice", notebook)], [EXERCISES["d_tanh"]], {"d_tanh": 1.0},
                          jobs=1, seed=first)
    assert graded.seed == first and f"(at x = {at}, y = tanh" in graded.marks[0].text
    monkeypatch.setenv(SEED, str(first))  # (%env TINYGRAD_EDU_SEED=... in the kernel)
    said = check(INEXACT)  # (the seed's inputs, said so; before: "drawn afresh")
    assert f"Inputs from seed {first}, the one `%env {SEED}={first}` gives" in said, said
    assert "afresh for this check" not in said and f"(at x = {at}, y = tanh" in said
    kernel(RIGHT)
    from tinygrad_edu.exercises.classroom.for_otter_grading import feedback

    capsys.readouterr()
    feedback("d_tanh", lambda x, y: None)  # (passes: the verdict printed, with its seed)
    printed = capsys.readouterr().out
    assert printed.startswith("✓ d_tanh") and f"from seed {first}, " in printed, printed
