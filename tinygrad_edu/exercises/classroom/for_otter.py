"""An assignment for Otter-Grader: ``DIR/NAME.ipynb``, Otter's master notebook, with the wheel
of tinygrad_edu and a ``requirements.txt`` that installs it in the grading image.

The notebook holds, after a raw cell of Otter's ``# ASSIGNMENT CONFIG`` and a cell of
imports, per exercise a question (``# BEGIN QUESTION``, its points): the statement, the
starter with the model answer in a ``# BEGIN SOLUTION`` block (``otter assign`` leaves the
starter's ``raise NotImplementedError()`` in its place), and one test (``# BEGIN TESTS``,
exception-based: ``tests: ok_format: false``), which gives the student the verdict of
tinygrad_edu's grader when they run ``grader.check("d_tanh")`` in their notebook: feedback,
in their own kernel.

The points never come from a kernel: the configuration lists tinygrad_edu's plugin
(``for_otter_grading.GradeOutside``), which leaves nothing of the submission but the
notebook for Otter to read, empties the student's cells before Otter runs the notebook,
grades the submitted notebook's source outside it, as ``exercises report``
does (processes of its own, behind the operating system's boundary), and writes each
question's score and the verdict as its result. ``otter assign NAME.ipynb dist`` makes the
student's notebook and the autograder's zip; ``otter run`` (or Gradescope, with the zip)
grades a submission.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises.classroom.assignment import points_text
from tinygrad_edu.exercises.classroom.wheel import project_wheel
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.starters import imports_for, model_answer_body, starter_head

__all__ = ["otter_assignment"]

PLUGIN = "tinygrad_edu.exercises.classroom.for_otter_grading.GradeOutside"
"""The plugin that gives Otter its points (``for_otter_grading.py``)."""


def otter_assignment(exercises: Sequence[ExerciseSpec], points: Mapping[str, float],
                     folder: Path, name: str, partial: bool = False,
                     wheel: Path | None = None, unsandboxed: bool = False) -> list[Path]:
    """Write the master notebook, the wheel and ``requirements.txt`` in ``folder`` (see the
    module's docstring); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    carried = project_wheel(folder, wheel)
    requirements = folder / "requirements.txt"
    requirements.write_text(requirement(carried.name) + "\n", encoding="utf-8")
    notebook = folder / f"{name}.ipynb"
    notebook.write_text(json.dumps(master_notebook(exercises, points, name, partial,
                                                   carried.name, unsandboxed), indent=1,
                                   ensure_ascii=False) + "\n", encoding="utf-8")
    return [notebook, requirements, carried]


def requirement(wheel: str) -> str:
    """The requirement that installs tinygrad_edu in the grading image: the wheel where
    Otter's zip holds it (``otter assign`` puts ``autograder_files`` in ``files/``), which
    Gradescope unpacks in /autograder/source."""
    return f"tinygrad-edu[testing] @ file:///autograder/source/files/{wheel}"


def master_notebook(exercises: Sequence[ExerciseSpec], points: Mapping[str, float], name: str,
                    partial: bool, wheel: str, unsandboxed: bool = False) -> dict[str, Any]:
    """The master notebook as nbformat 4's JSON."""
    config = "\n".join([
        "# ASSIGNMENT CONFIG", f"name: {name}", "requirements: requirements.txt",
        f"autograder_files:\n  - {wheel}", "run_tests: false", "init_cell: true",
        "check_all_cell: false", "export_cell: false", "generate: true",
        "tests:\n  files: false\n  ok_format: false",
        f"plugins:\n  - {PLUGIN}:\n      partial: {'true' if partial else 'false'}\n"
        f"      allow_unsandboxed: {'true' if unsandboxed else 'false'}"])
    count = f"{len(exercises)} exercise{'s' * (len(exercises) != 1)}"
    cells = [_cell("raw", config),
             _cell("markdown", f"# {name}\n\n{count} of tinygrad_edu, graded by its grader: "
                               "write each answer in place of `raise NotImplementedError()`, "
                               "then run "
                               "`grader.check(...)` under it to see its verdict (with the "
                               "diagnosis of a mistake). Your grade comes from the same "
                               "grader, run on the notebook you hand in."),
             _cell("code", imports_for(exercises).strip())]
    for ex in exercises:
        worth = points_text(points[ex.name])
        head = starter_head(ex)
        prompt = ex.starter.strip("\n")[len(head):].strip("\n") or \
            "    raise NotImplementedError()"
        answer = (f'{head}\n    """ # BEGIN PROMPT\n{prompt}\n    """ # END PROMPT\n'
                  f"    # BEGIN SOLUTION NO PROMPT\n{model_answer_body(ex)}\n    # END SOLUTION")
        cells += [
            _cell("raw", f"# BEGIN QUESTION\nname: {ex.name}\npoints: {worth}"),
            _cell("markdown", f"## {ex.heading} ({worth} point"
                              f"{'s' * (worth != '1')})\n\n{ex.statement.strip()}\n\n"
                              f"Graded on: {ex.domain}."),
            _cell("raw", "# BEGIN SOLUTION"),
            _cell("code", answer),
            _cell("raw", "# END SOLUTION"),
            _cell("raw", "# BEGIN TESTS"),
            _cell("code", f"def test_{ex.name.lower()}({ex.symbol}):\n"
                          "    from tinygrad_edu.exercises.classroom.for_otter_grading "
                          "import feedback\n\n"
                          f"    feedback({ex.name!r}, {ex.symbol})"),
            _cell("raw", "# END TESTS"),
            _cell("raw", "# END QUESTION"),
        ]
    for k, cell in enumerate(cells):
        cell["id"] = f"cell-{k}"
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def _cell(kind: str, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {},
                            "source": source.splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell
