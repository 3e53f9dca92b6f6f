"""An assignment for nbgrader: the source notebook ``DIR/source/NAME/NAME.ipynb`` of the
course in ``DIR`` (and ``DIR/nbgrader_config.py`` if there is none).

The notebook holds, after an introduction and a locked cell of imports, per exercise: its
statement (a locked Markdown cell), the solution cell (the starter, with the model answer
between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, which ``nbgrader
generate_assignment`` replaces by ``raise NotImplementedError()``) and a locked, graded test
cell worth the exercise's points, which grades the answer with the project's grader and
prints the verdict and its diagnosis (``graded_cell``). ``nbgrader generate_assignment``,
``autograde``, ``generate_feedback`` and ``export`` work on it as they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises.classroom.assignment import points_text, template
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.starters import imports_for, model_answer_body, starter_head

__all__ = ["nbgrader_assignment"]


def nbgrader_assignment(exercises: Sequence[ExerciseSpec], points: Mapping[str, float],
                        course: Path, name: str, partial: bool = False,
                        unsandboxed: bool = False) -> list[Path]:
    """Write the source notebook (and the course's ``nbgrader_config.py`` if it has none) in
    ``course``; return the paths written."""
    notebook = course / "source" / name / f"{name}.ipynb"
    notebook.parent.mkdir(parents=True, exist_ok=True)
    notebook.write_text(json.dumps(source_notebook(exercises, points, name), indent=1,
                                   ensure_ascii=False) + "\n", encoding="utf-8")
    written = [notebook]
    config = course / "nbgrader_config.py"
    if not config.exists():
        config.write_text(template("nbgrader_config.py.in", {
            "NAME": name, "PARTIAL": "True" if partial else "False",
            "UNSANDBOXED": "True" if unsandboxed else "False"}), encoding="utf-8")
        written.append(config)
    return written


def source_notebook(exercises: Sequence[ExerciseSpec], points: Mapping[str, float],
                    name: str) -> dict[str, Any]:
    """The source notebook as nbformat 4's JSON, with nbgrader's metadata in each cell."""
    count = f"{len(exercises)} exercise{'s' * (len(exercises) != 1)}"
    cells = [_cell("markdown", "intro", template("notebook-intro.md",
                                                 {"TITLE": name, "COUNT": count}).strip(),
                   locked=True),
             _cell("code", "imports", imports_for(exercises).strip(), locked=True)]
    for ex in exercises:
        worth = points_text(points[ex.name])
        statement = (f"## {ex.heading} ({worth} point{'s' * (worth != '1')})\n\n"
                     f"{ex.statement.strip()}\n\nGraded on: {ex.domain}.")
        answer = (f"{starter_head(ex)}\n    ### BEGIN SOLUTION\n{model_answer_body(ex)}\n"
                  "    ### END SOLUTION")
        graded = (f"# Grades your {ex.name} ({worth} point{'s' * (worth != '1')}): prints the "
                  "verdict of tinygrad_edu's grader,\n# with the diagnosis of a mistake.\n"
                  "from tinygrad_edu.exercises.classroom import graded_cell\n\n"
                  f'graded_cell("{ex.name}", globals())')
        cells += [_cell("markdown", f"{ex.name}-statement", statement, locked=True),
                  _cell("code", ex.name, answer, solution=True),
                  _cell("code", f"{ex.name}-graded", graded, locked=True,
                        points=points[ex.name])]
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def _cell(kind: str, grade_id: str, source: str, locked: bool = False,
          solution: bool = False, points: float | None = None) -> dict[str, Any]:
    """A cell with nbgrader's metadata (schema 3): a graded cell has ``points``."""
    meta: dict[str, Any] = {"grade": points is not None, "grade_id": grade_id,
                            "locked": locked, "schema_version": 3, "solution": solution,
                            "task": False}
    if points is not None:
        meta["points"] = points
    cell: dict[str, Any] = {"cell_type": kind, "id": grade_id,
                            "metadata": {"nbgrader": meta},
                            "source": source.splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell
