"""A learner's file is parsed once, however many places read it (``loading.parsed``), and the
processes that run it run the code the grader compiled (``loading.learner_code``): Python
3.10 and 3.11 take a time that grows as the square of its length to parse an f-string with
many fields (170,000 of them: about 20 s here), and a file that each reader and each process
parsed again took minutes to grade on every route."""

import ast
import json
from collections import Counter

import pytest

from tests.exercises.class_work import CLASS, EXPECTED, NAMES
from tinygrad_edu.exercises import EXERCISES, loading, remote
from tinygrad_edu.exercises.apart import grade_apart
from tinygrad_edu.exercises.copies import CopyReading
from tinygrad_edu.exercises.rule_reading import RuleReading

LONG = 'a = 1\nlong = f"' + "{a}" * 300 + '"\n'  # (slow to parse when it is 100,000 fields)


def notebook(*cells):
    return json.dumps({"cells": [{"cell_type": "code", "source": code, "metadata": {},
                                  "outputs": [], "execution_count": None} for code in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
def test_each_text_of_a_file_is_parsed_once_by_all_that_read_it(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"solutions{suffix}"
    code = LONG + CLASS["barbara"]  # (d_tanh wrong: its diagnosis points at its line)
    path.write_text(code if suffix == ".py" else notebook(LONG, CLASS["barbara"]),
                    encoding="utf-8")
    parses: Counter[str] = Counter()
    real = ast.parse

    def counted(text, *args, **kwargs):
        if "{a}{a}" in str(text):
            parses[text] += 1
        return real(text, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counted)
    loading._PARSED.clear()
    graded = grade_apart(path, [EXERCISES[name] for name in NAMES])
    assert {name: v.passed for name, v in graded.verdicts.items()} == {
        name: EXPECTED["barbara"][name][0] == "passed" for name in NAMES}
    assert "line" in str(graded.verdicts["d_tanh"])  # (pointed at: it read the tree too)
    CopyReading(path)
    assert RuleReading(path).trees
    loading.defined_names(loading.read_source(path), path)
    assert parses and set(parses.values()) == {1}, parses


def test_the_process_runs_the_code_the_grader_compiled_not_the_file_again(tmp_path,
                                                                          monkeypatch):
    """What the process runs is what the grader sends it: here, in place of the file's wrong
    d_tanh, a right one, which passes."""
    path = tmp_path / "solutions.py"
    path.write_text(CLASS["barbara"], encoding="utf-8")
    right = tmp_path / "right.py"
    right.write_text(CLASS["ada"], encoding="utf-8")
    assert not grade_apart(path, [EXERCISES["d_tanh"]]).verdicts["d_tanh"].passed
    monkeypatch.setattr(remote, "learner_code", lambda path, source, cells: loading.learner_code(
        right, CLASS["ada"], cells))
    assert grade_apart(path, [EXERCISES["d_tanh"]]).verdicts["d_tanh"].passed


def test_a_text_that_does_not_parse_raises_the_same_error_each_time():
    loading._PARSED.clear()
    for _ in range(2):
        with pytest.raises(SyntaxError, match="was never closed"):
            loading.parsed("x = (")


DEEP = "z = 1" + "+1" * 1_500 + "\n"
"""Code Python compiles from its text, not from its tree under 3.10 to 3.12 (RecursionError:
the tree's conversion recurses deeper than the compiler reading the text)."""


@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
def test_code_too_deep_to_compile_from_its_tree_is_graded_as_python_runs_it(tmp_path, suffix):
    """Before: ``Python cannot parse this file`` (the .py file) or its cell (the notebook),
    and nothing graded, under 3.10 to 3.12, for a file that ``python file.py`` runs."""
    compile(DEEP, "deep.py", "exec")  # (it is Python, at this depth of the stack too)
    path = tmp_path / f"solutions{suffix}"
    path.write_text(DEEP + CLASS["ada"] if suffix == ".py" else notebook(DEEP, CLASS["ada"]),
                    encoding="utf-8")
    loading._PARSED.clear()
    graded = grade_apart(path, [EXERCISES[name] for name in NAMES])
    assert graded.problem is None and not graded.cell_problems, (graded.problem,
                                                                 graded.cell_problems)
    assert set(graded.verdicts) == set(NAMES) and all(
        verdict.passed for verdict in graded.verdicts.values()), graded.verdicts
