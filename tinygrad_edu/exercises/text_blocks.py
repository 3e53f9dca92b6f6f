"""Blocks of text as the grader's verdicts and diagnoses lay them out (their numbers and
shapes are written by ``tinygrad_edu.formatting``)."""

from __future__ import annotations

from collections.abc import Sequence

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises


def indent(text: str, n: int) -> str:
    """Every line of ``text`` that is not empty, ``n`` spaces further right."""
    return "\n".join(" " * n + line if line else line for line in text.splitlines())


def shorten(text: str, n: int, lines: int) -> str:
    """At most ``n`` characters and ``lines`` lines of ``text``, with … where it was cut."""
    kept = "\n".join(text.splitlines()[:lines])
    kept = kept[:n]
    return text if kept == text else kept + " …"


def place(file: str, cells: Sequence[Sequence[int]], lineno: int) -> str:
    """Where line ``lineno`` of a learner's code is, as a verdict says it: ``"FILE, line
    L"``, or for a notebook (``cells``: each cell's number, first and last line in its
    code, ``loading.cells_of``) ``"FILE, cell N, line L"``, counted in that cell."""
    for number, first, last in cells:
        if first <= lineno <= last:  # (its line ``# cell N`` is line 0 of the cell)
            return f"{file}, cell {number}, line {lineno - first}"
    return f"{file}, line {lineno}"
