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


def place(file: str, cells: Sequence[Sequence[int]], lineno: int,
          lines: Sequence[str]) -> str:
    """Where line ``lineno`` of a learner's code is, as a verdict says it: ``"FILE, line
    L"``, or for a notebook (``cells``: each cell's number, first and last line in its
    code, ``loading.cells_of``; ``lines``: that code's lines) ``FILE, the cell that begins
    `def d_tanh(x, y):`, line L``, counted in that cell as Jupyter counts a cell's lines."""
    for _, first, last in cells:
        if first <= lineno <= last:  # (its line ``# cell N`` is line 0 of the cell)
            return f"{file}, {cell_named(lines[first:last])}, line {lineno - first}"
    return f"{file}, line {lineno}"


def cell_named(lines: Sequence[str]) -> str:
    """A notebook's cell (its lines) as a learner finds it in Jupyter, which numbers no cell
    but the runs (``[5]``, another at each run; none before a run, in a notebook saved
    again, or in the kernel's ``In`` of a check): by its first line of code, the same in a
    check, in the grade and in the teacher's report."""
    code = [line.strip() for line in lines if line.strip()]
    first = next((line for line in code if not line.startswith("#")), code[0] if code else "")
    if not first:
        return "an empty cell"
    return f"the cell that begins `{first if len(first) <= 48 else first[:47] + '…'}`"
