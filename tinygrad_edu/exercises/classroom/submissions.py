"""One submission graded for a class, in this process: found (``locate``), read (a ``.py``
file or a notebook's code cells), checked for imports it may not make (``imports.py``), run
with a time limit, and each exercise graded by the grader, as ``exercises check`` grades it.

``grade_file`` never raises for what is wrong with the submission: a file that cannot be
read, is not valid Python, imports what it may not, raises an error, exits, or runs past
``LOAD_LIMIT`` seconds gets a ``Result`` with its ``Problem`` (every exercise "not graded");
an exercise the file lacks is "missing". ``isolation.py`` runs it in a process of its own,
so that one submission can neither stop nor change the grading of the others.
"""

from __future__ import annotations

import ast
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises.classroom.imports import guarded_builtins, refused_import
from tinygrad_edu.exercises.classroom.results import Mark, Problem, Result, mark_of, unmarked
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.grading import grade
from tinygrad_edu.exercises.limit import TimeLimit, call_with_time_limit
from tinygrad_edu.exercises.loading import (
    SolutionFileError,
    compile_source,
    read_source,
    run_code,
)
from tinygrad_edu.exercises.text_blocks import indent

__all__ = ["LOAD_LIMIT", "grade_file", "locate"]

LOAD_LIMIT = 5.0
"""Seconds a submission's own code (what runs when the file is run, not its functions) may
run before it is stopped."""

SUFFIXES = (".py", ".ipynb")
"""The files a submission can be: a Python file, or a notebook."""


def candidates(folder: Path) -> list[Path]:
    """The files in ``folder`` (not in its sub-folders) that can be a submission."""
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file()
                  and not p.name.startswith("."))


def locate(path: Path) -> Path:
    """The file to grade: ``path`` itself; in a folder, its one ``.py`` or ``.ipynb`` file;
    for a file that is not there, the one such file beside it (a student who uploaded
    ``hw1.py`` for ``assignment.py``). Else a ``SolutionFileError`` saying what is there."""
    if path.is_file():
        return path
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        raise SolutionFileError(f"there is no file {path}", "none")
    found = candidates(folder)
    if len(found) == 1:
        return found[0]
    missing = f"no {path.name} in {folder}, and " if folder is not path else ""
    if not found:
        listed = sorted(p.name for p in folder.iterdir())[:8]
        there = f"it holds {', '.join(listed)}" if listed else "it is empty"
        raise SolutionFileError(f"{missing}no .py or .ipynb file in {folder} to grade; "
                                f"{there}", "none")
    raise SolutionFileError(f"{missing}{len(found)} files in {folder} it could be "
                            f"({', '.join(p.name for p in found)}): hand in one", "none")


def load(path: Path) -> dict[str, Any]:
    """Run the submission's file under the class's rules and return what it defines; a
    ``SolutionFileError`` (with its ``kind``) says why it cannot be graded."""
    source = read_source(path)
    code = compile_source(source, path)
    refused = refused_import(ast.parse(source))
    if refused is not None:
        lineno, why = refused
        line = source.splitlines()[lineno - 1].strip()
        raise SolutionFileError(f"{path}, line {lineno}: {why}\n    {line}", "import")
    try:
        return run_code(code, path, guarded_builtins(),
                        call=lambda *args: call_with_time_limit(LOAD_LIMIT, *args))
    except TimeLimit as stop:
        frames = [f for f in traceback.extract_tb(stop.__traceback__) if f.filename == str(path)]
        where = f"{path}, line {frames[-1].lineno}" if frames else str(path)
        line = f"\n    {frames[-1].line}" if frames and frames[-1].line else ""
        raise SolutionFileError(
            f"{where}: running the file did not finish in {LOAD_LIMIT:g} s, so it was "
            "stopped (an endless loop?); the file should only define functions and "
            f"classes{line}", "loop") from None


def grade_file(path: Path, exercises: Sequence[ExerciseSpec], points: Mapping[str, float],
               student: str = "", loaded: Callable[[], None] | None = None,
               marked: Callable[[Mark], None] | None = None) -> Result:
    """Grade ``exercises`` in the submission at ``path`` (see the module's docstring). The
    ``student`` names it in the result (default: the file's name). ``loaded()`` is called
    once the file has run, ``marked(mark)`` after each exercise: a process grading it
    reports its progress through them."""
    began = time.perf_counter()
    student = student or path.stem
    try:
        path = locate(path)
        found = load(path)
    except SolutionFileError as error:
        why = "there is no file to grade" if error.kind == "none" else "the file does not run"
        return Result(student, str(path), tuple(
            unmarked(ex, "not graded", points[ex.name], f"✗ {ex.name}: not graded: {why}:\n"
                     f"{indent(str(error), 2)}") for ex in exercises),
            Problem(error.kind, str(error)), time.perf_counter() - began)
    if loaded is not None:
        loaded()
    marks: list[Mark] = []
    for ex in exercises:
        mark = grade_one(found, ex, points[ex.name], path)
        if marked is not None:
            marked(mark)
        marks.append(mark)
    return Result(student, str(path), tuple(marks), None, time.perf_counter() - began)


def grade_one(found: Mapping[str, Any], ex: ExerciseSpec, points: float, path: Path) -> Mark:
    """The mark of one exercise, from what the file defines."""
    thing = found.get(ex.name)
    if thing is None:
        return unmarked(ex, "missing", points, f"{path} has no {ex.kind} {ex.name}; exercise "
                        f"{ex.number} expects\n    {ex.definition}")
    module = getattr(thing, "__module__", None) or ""
    if module.split(".")[0] == "tinygrad_edu":
        return unmarked(ex, "missing", points, f"{path}: {ex.name} is imported from "
                        f"{module}, so it is not yours; write your own "
                        f"`{ex.definition.removesuffix(': ...')}` in {path} to grade it")
    if not callable(thing):
        return Mark(ex.name, ex.number, "failed", 0.0, points,
                    f"✗ {ex.name}: in {path} it is a {type(thing).__name__}, not a {ex.kind}; "
                    f"write {ex.definition}", failure="other")
    try:
        verdict = grade(ex, thing)
    except Exception as error:  # the grader's own failure: said, and the others go on
        return Mark(ex.name, ex.number, "failed", 0.0, points,
                    f"✗ {ex.name}: the grader could not grade it ({type(error).__name__}: "
                    f"{error}); grade it alone with `python -m tinygrad_edu exercises check "
                    f"{path} {ex.name}`", failure="other")
    return mark_of(ex, verdict, points)
