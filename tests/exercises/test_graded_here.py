"""Grading in this process, as the browser's Python grades (``apart.grade_here``: there are
no processes there): a loop at the top level of the learner's file is stopped within the
time a learner's process gives a file, and the right microgpt, with either topological sort,
passes every stage."""

import time

import pytest

from tests.exercises.gpt_answers import ITERATIVE_SORT, RIGHT, with_slip
from tinygrad_edu.exercises import TRACK, apart, get_exercise
from tinygrad_edu.exercises.learner import serve


def test_a_loop_at_the_top_level_is_stopped_and_said(tmp_path, monkeypatch):
    monkeypatch.setattr(serve, "LOAD_LIMIT", 0.5)
    path = tmp_path / "your answer"
    path.write_text("def d_tanh(x, y):\n    return 1 - y * y\n\nn = 0\nwhile True:\n"
                    "    n += 1\n", encoding="utf-8")
    started = time.perf_counter()
    graded = apart.grade_here(path, [get_exercise("d_tanh")])
    assert time.perf_counter() - started < 5
    assert graded.problem is not None and graded.problem.kind == "loop"
    text = str(graded.problem)
    assert text.startswith(f"{path}, line ")
    assert "did not finish in 0.5 s, so it was stopped (an endless loop, or a long one?)" in text
    assert text.splitlines()[-1].strip() in ("while True:", "n += 1")


def test_a_printing_loop_at_the_top_level_is_told_that_printing_takes_the_time(
        tmp_path, monkeypatch):
    """A long but finite loop that prints at the top level (the page's and the command
    line's words are the same): before, "an endless loop, or a long one?", above thousands
    of its lines on the page; a function that prints so is told so already."""
    import sys

    from tinygrad_edu.viz import printing

    monkeypatch.setattr(serve, "LOAD_LIMIT", 0.5)
    for name in ("stdout", "stderr", "stdin"):  # (put back afterwards)
        monkeypatch.setattr(sys, name, getattr(sys, name))
    monkeypatch.setattr(printing, "_installed", [])
    printing.install(lambda stream, text: None)  # (the page's streams, as in Pyodide)
    path = tmp_path / "your answer"
    path.write_text("for i in range(10**8):\n    print(i)\n\n"
                    "def d_tanh(x, y):\n    return 1 - y * y\n", encoding="utf-8")
    graded = apart.grade_here(path, [get_exercise("d_tanh")])
    assert graded.problem is not None and graded.problem.kind == "loop"
    text = str(graded.problem)
    assert "so it was stopped (it printed " in text and " lines by then, and printing that " \
        "much takes the time: take the print out of the loop, or print every 1000th turn)" \
        in text and "endless" not in text, text


@pytest.mark.slow  # (a long run: under the main Python only)
@pytest.mark.parametrize("source", [RIGHT, with_slip(*ITERATIVE_SORT)],
                         ids=["recursive build_topo", "iterative sort"])
def test_the_right_microgpt_passes_every_stage_here(source, tmp_path):
    path = tmp_path / "my_gpt.py"
    path.write_text(source, encoding="utf-8")
    graded = apart.grade_here(path, list(TRACK.values()))
    assert graded.problem is None
    assert {name: v.passed for name, v in graded.verdicts.items()} == dict.fromkeys(TRACK, True)


def test_an_import_the_command_line_refuses_is_refused_here_in_its_words(tmp_path):
    """Before: the browser's Python ran ``import sys; sys.setrecursionlimit(10**6)``, which
    the command line refuses, and the page's Python died of the recursion it allowed."""
    path = tmp_path / "your answer"
    path.write_text("import sys\nsys.setrecursionlimit(10**6)\n\n\ndef d_tanh(x, y):\n"
                    "    return 1 - y * y\n", encoding="utf-8")
    here = apart.grade_here(path, [get_exercise("d_tanh")])
    apart_ = apart.grade_apart(path, [get_exercise("d_tanh")])
    assert here.problem is not None and here.problem.kind == "import"
    assert str(here.problem) == str(apart_.problem)
    assert str(here.problem).startswith(f"{path}, line 1: sys may not be imported")
    path.write_text("def d_tanh(x, y):\n    return __import__('js').y\n", encoding="utf-8")
    verdict = str(apart.grade_here(path, [get_exercise("d_tanh")]).verdicts["d_tanh"])
    assert "ImportRefused: js may not be imported by a submission" in verdict
