"""One submission graded for a class: found (``locate``), then graded apart (``apart.py``:
read, its imports checked, run in learner's processes of its own, each exercise graded by
the grader, here), as ``exercises check`` grades it; the functions of the rule exercises
are read too (``rule_reading.py``: a file graded on a rule, or on the chain rule, never
computes with complex numbers).

What was graded is also compared with the answers the package ships (``copies.py``): a
mark whose code is the same is flagged (``Mark.copied``, for the teacher alone: never in its
text), never scored differently; so is one whose file compiled such code at run time, or
made code from bytes (``apart.Graded.ran``, ``built``). A mark whose file's text reaches
Python's machinery, or whose process switched the grader's watch off
(``apart.Graded.watch_off``), is flagged so too (``Mark.tampered``, ``machinery.py``).

``grade_file`` never raises for what is wrong with the submission: a file that cannot be
read, is not valid Python, imports what it may not, raises an error, exits, or runs past its
time gets a ``Result`` with its ``Problem`` (every exercise "not graded"); an exercise the
file lacks is "missing"; one whose answer is tinygrad_edu's own, imported, fails ("✗ Value:
not graded: Value is imported from tinygrad_edu.engine, ..."); a file whose code reached
outside its process is ``reported`` (every exercise "not graded", nothing scored).
``isolation.py`` grades several at once.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tinygrad_edu.exercises.apart import Graded, grade_apart
from tinygrad_edu.exercises.choosing import attempted_in
from tinygrad_edu.exercises.classroom.results import (
    Mark,
    Problem,
    Result,
    first_line,
    mark_of,
    not_run,
    unmarked,
)
from tinygrad_edu.exercises.copies import CopyReading, RanReading
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.loading import SolutionFileError, defined_names, read_source
from tinygrad_edu.exercises.machinery import MachineryReading, tampered
from tinygrad_edu.exercises.rule_reading import RuleReading, reads
from tinygrad_edu.exercises.text_blocks import indent

__all__ = ["grade_file", "locate"]

SUFFIXES = (".py", ".ipynb")
"""The files a submission can be: a Python file, or a notebook."""


def candidates(folder: Path) -> list[Path]:
    """The files in ``folder`` (not in its sub-folders) that can be a submission: any that
    is named so and is no folder (a link, a pipe or a device too: it is refused when it is
    read, so that what grades it says why)."""
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and entry(p)
                  and not p.name.startswith("."))


def entry(path: Path) -> bool:
    """Whether ``path`` is there and no folder (a symbolic link counts, whatever it points
    to, or if it points nowhere)."""
    return path.is_symlink() or (path.exists() and not path.is_dir())


def locate(path: Path, within: Path | None = None) -> Path:
    """The file to grade: ``path`` itself; in a folder, its one ``.py`` or ``.ipynb`` file;
    for a file that is not there, the one such file beside it (a student who uploaded
    ``hw1.py`` for ``assignment.py``). Where the folder holds several, the one its GitHub
    Classroom workflow grades (``assignment --for github`` names it there), else the one of
    them that defines any exercise's function (read, not run: a scratch file beside the
    solutions defines none). Else a ``SolutionFileError`` saying what is there, and what to
    do. ``within``: the folder beneath which no link is followed (default: the folder)."""
    if entry(path):  # (a link, a pipe: refused when it is read, naming it)
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
    named = _graded_by_workflow(folder, found)
    if named is not None:
        return named
    attempting = [p for p in found if _attempts(p, within or folder)]
    if len(attempting) == 1:
        return attempting[0]
    which = (f"{_listed([p.name for p in attempting])} each define exercises' functions"
             if attempting else "none of them defines an exercise's function")
    raise SolutionFileError(f"{missing}{len(found)} files in {folder} it could be "
                            f"({', '.join(p.name for p in found)}), and {which}, so which one "
                            "counts is not known: hand in one (a teacher grading a class: "
                            f"keep the one that counts in {folder}, and grade again)", "none")


WORKFLOW = Path(".github", "workflows", "classroom.yml")
"""Where a GitHub Classroom repository of an assignment has the workflow that grades it."""
CHECKED = re.compile(r"exercises check (\S+)")


def _graded_by_workflow(folder: Path, found: list[Path]) -> Path | None:
    """The one of ``found`` that the folder's GitHub Classroom workflow grades, if it has
    one (a regular file, reached by no link) naming one of them."""
    try:
        real = folder.resolve() / WORKFLOW
        workflow = folder / WORKFLOW
        if workflow.resolve() != real or not workflow.is_file():
            return None
        with open(workflow, "rb") as file:
            text = file.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return None
    names = {p.name: p for p in found}
    graded = {name for name in CHECKED.findall(text) if name in names}
    return names[graded.pop()] if len(graded) == 1 else None


def _attempts(path: Path, within: Path) -> bool:
    """Whether the file defines any exercise's function (or class), read, not run."""
    try:
        return bool(attempted_in(defined_names(read_source(path, within), path)))
    except SolutionFileError:
        return False


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def grade_file(path: Path, exercises: Sequence[ExerciseSpec], points: Mapping[str, float],
               student: str = "", loaded: Callable[[], None] | None = None,
               marked: Callable[[Mark], None] | None = None,
               within: Path | None = None) -> Result:
    """Grade ``exercises`` in the submission at ``path`` (see the module's docstring). The
    ``student`` names it in the result (default: the file's name). ``within``: the folder
    the grader was given, beneath which no link is followed (default: the folder of the
    file, or ``path`` itself if it is a folder). ``loaded()`` is called
    once grading has begun, ``marked(mark)`` after each exercise: a process grading it
    reports its progress through them."""
    began = time.perf_counter()
    student = student or path.stem
    if within is None:
        within = path if path.is_dir() and not path.is_symlink() else path.parent
    try:
        path = locate(path, within)
    except SolutionFileError as error:
        return _not_graded(student, path, exercises, points, Problem(error.kind, str(error)),
                           "there is no file to grade", began)
    if loaded is not None:
        loaded()

    reading = RuleReading(path, within) if any(reads(ex) for ex in exercises) else None
    copies = (CopyReading(path, within), RanReading())
    machinery = MachineryReading(path, within).said()  # (the file's text, read here)

    def each(graded: Graded, name: str) -> None:
        ex = next(e for e in exercises if e.name == name)
        if reading is not None:  # (before its mark is sent: a rule's code read too)
            reading.refuse(graded, ex)
        if marked is not None:
            marked(_mark(graded, ex, points[name], copies, machinery))

    graded = grade_apart(path, exercises, each=each, within=within)
    if reading is not None:
        for ex in exercises:
            reading.refuse(graded, ex)
    if graded.problem is not None:
        problem = Problem(graded.problem.kind, str(graded.problem))
        return dataclasses.replace(_not_graded(
            student, path, exercises, points, problem, not_run(problem), began),
            unprotected=graded.unprotected)
    if graded.reported:
        return dataclasses.replace(_not_graded(student, path, exercises, points, Problem(
            "reported", f"{path}: reported, not scored: its code {graded.reported}"),
            "it was reported", began), unprotected=graded.unprotected)
    marks = tuple(_mark(graded, ex, points[ex.name], copies, machinery) for ex in exercises)
    return Result(student, str(path), marks, None, time.perf_counter() - began,
                  graded.unprotected, ran=tuple(graded.ran),  # (for classmates: report.py)
                  made=tuple(text for text in graded.ran if text in graded.made))


def _mark(graded: Graded, ex: ExerciseSpec, points: float,
          copies: tuple[CopyReading, RanReading] | None = None, machinery: str = "") -> Mark:
    """The mark of one exercise of a file graded apart; flagged (``copies.py``) if what was
    graded is the same code as an answer the package ships, in the file or in code it
    compiled at run time, or if it ran code made from bytes; and flagged (``machinery.py``)
    if what ran may not be what was handed in: the file's text reaches Python's machinery
    (``machinery``: said so), or its process switched the grader's watch off."""
    verdict = graded.verdicts.get(ex.name)
    if verdict is not None and ex.name in graded.ended:  # (it ended Python, or took too long)
        return Mark(ex.name, ex.number, "failed", 0.0, points, str(verdict),
                    failure="loop" if ex.name in graded.too_long else "error",
                    reason=first_line(verdict.failure.error_text or verdict.failure.problem
                                      if verdict.failure else verdict.message))
    if verdict is not None:
        mark = mark_of(ex, verdict, points)
        same = "" if copies is None else (copies[0].same(ex) or copies[1].same(
            ex, graded.ran, graded.built))
        how = tampered(graded.watch_off, machinery, graded.noted.get(ex.name, ""))
        return dataclasses.replace(mark, copied=same, tampered=how)  # (the teacher's:
        # never in the text a learner reads, copies.py)
    absent, why = graded.absent[ex.name], graded.why[ex.name]
    if absent == "not a function":
        return Mark(ex.name, ex.number, "failed", 0.0, points, f"✗ {ex.name}: {why}",
                    failure="other", reason=first_line(why))
    if absent == "not yours":  # (tinygrad_edu's own, imported: not as asked, not missing)
        return Mark(ex.name, ex.number, "failed", 0.0, points,
                    f"✗ {ex.name}: not graded: {why}", failure="other",
                    reason=first_line(why))
    status = "not graded" if absent == "not graded" else "missing"
    text = (f"✗ {ex.name}: not graded: the file does not run:\n{indent(why, 2)}"
            if absent == "not graded" else f"✗ {ex.name}: missing: {why}")
    mark = unmarked(ex, status, points, text)
    return dataclasses.replace(mark, reason=first_line(why)) if status == "not graded" else mark


def _not_graded(student: str, path: Path, exercises: Sequence[ExerciseSpec],
                points: Mapping[str, float], problem: Problem, why: str, began: float
                ) -> Result:
    return Result(student, str(path), tuple(
        unmarked(ex, "not graded", points[ex.name], f"✗ {ex.name}: not graded: {why}:\n"
                 f"{indent(problem.message, 2)}") for ex in exercises),
        problem, time.perf_counter() - began)
