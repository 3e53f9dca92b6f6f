"""The commands for a class, as ``python -m tinygrad_edu exercises`` runs them:
``check FILE --json`` (or ``--format gradescope``), ``report DIR -o FILE`` and ``assignment
NAME... --for ROUTE -o DIR``. Each returns the command's exit code, and says what went wrong
on stderr, never with a traceback."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tinygrad_edu.exercises.boundary import decide
from tinygrad_edu.exercises.classroom.isolation import grade_all
from tinygrad_edu.exercises.classroom.report import (
    ReportError,
    assignment_points,
    attempted,
    attempted_by_most,
    find_submissions,
    report_csv,
    report_html,
    with_classmates,
)
from tinygrad_edu.exercises.classroom.results import (
    Result,
    as_gradescope,
    as_json,
    for_staff,
    points_for,
)
from tinygrad_edu.exercises.classroom.written import write_whole
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.starters import PROG
from tinygrad_edu.exercises.text_blocks import shown_data

__all__ = ["check_for_machines", "report"]


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _write(text: str, output: Path | None) -> bool:
    if output is None:
        sys.stdout.write(text)
        return True
    try:
        write_whole(output, text)  # (whole or not at all: a report of last week kept)
    except OSError as error:
        _say(f"cannot write {output}: {error}")
        return False
    return True


def _unwritable(output: Path) -> str:
    """Why ``output`` cannot be written, or nothing: its folder is made if need be."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot write {output}: {error}"
    if output.is_dir():
        return f"cannot write {output}: it is a folder"
    there = output if output.exists() else output.parent
    if not os.access(there, os.W_OK):
        return f"cannot write {output}: {'it' if there == output else 'its folder'} is not " \
            "writable by you"
    return ""


def check_for_machines(path: Path, chosen: Sequence[ExerciseSpec], form: str,
                       points: Sequence[str], output: Path | None, route: str = "machine",
                       allow_unsandboxed: bool = False, seed: int | None = None) -> int:
    """``check FILE --json`` or ``--format gradescope``: grade the file as a class's work is
    graded (in a process of its own, under ``imports.py``'s rules), for ``route``
    (``boundary.ROUTES``: where this machine lacks a protection it needs, the result says
    it was not graded, and why), and print the result as JSON (or write it to ``output``).
    Exits with 0 when every exercise graded passes."""
    student = path.stem if path.suffix else path.name
    within = path if path.is_dir() and not path.is_symlink() else path.parent
    exercises = list(chosen) or attempted([(student, path)], within)
    try:
        worth = points_for(exercises, points)
    except ValueError as error:
        _say(str(error))
        return 2
    (result,) = grade_all([(student, path)], exercises, worth, jobs=1, within=within,
                          route=route, allow_unsandboxed=allow_unsandboxed, seed=seed)
    if result.problem is not None and result.problem.kind == "unprotected":
        _say(result.problem.message)
    if not exercises and result.problem is None:
        _say(f"{path} defines none of the exercises' functions (or class); name the ones to "
             f"grade: {PROG} check {path} d_tanh ...")
    data = as_json(result) if form == "json" else as_gradescope(result)
    if form == "gradescope" and for_staff(result):  # (the autograder's output: the staff's)
        _say(for_staff(result))
    if form == "json":  # (a copy's flag is the teacher's alone, never a learner's check's;
        for mark in data["exercises"]:  # so is one of tampering, machinery.py)
            mark.pop("copied", None)
            mark.pop("tampered", None)
    if not _write(json.dumps(shown_data(data), indent=2, ensure_ascii=False) + "\n", output):
        return 1
    return 0 if result.passed else 1


def _not_graded(folder: Path, output: Path, submissions: int, graded: Sequence[ExerciseSpec],
                fewer: Sequence[tuple[ExerciseSpec, int]]) -> str:
    """What ``report`` says of the exercises it does not grade (defined by at most half of
    the ``submissions`` that attempt any): each with how many files define it, and the
    command that grades them too."""
    listed = ", ".join(f"{ex.name} ({n} file{'s' * (n != 1)})" for ex, n in fewer)
    names = " ".join(shlex.quote(ex.name) for ex in [*graded, *(ex for ex, _ in fewer)])
    them = "it" if len(fewer) == 1 else "them"
    return (f"not graded: {listed}: at most half of the {submissions} submissions that "
            f"attempt an exercise define {them} (with no exercise named, those that more "
            "than half define are graded, so that one file cannot add exercises to "
            "everyone's score). To grade them too, name every exercise to grade:\n"
            "  python -I -m tinygrad_edu exercises report "
            f"{shlex.quote(str(folder))} {names} -o {shlex.quote(str(output))}")


def report(folder: Path, chosen: Sequence[ExerciseSpec], output: Path, points: Sequence[str],
           assignment: str | None, jobs: int | None, allow_unsandboxed: bool = False,
           seed: int | None = None) -> int:
    """``report DIR -o report.html`` (or ``.csv``): grade every submission in ``folder`` and
    write the report of the class. With no exercise named, those that more than half of the
    submissions define (``report.attempted_by_most``); the others are named on stderr, with
    the command that grades them too. Where this machine lacks a protection the report
    needs (``boundary.py``), nothing is graded and nothing written, unless
    ``allow_unsandboxed``."""
    decision = decide("report", allow_unsandboxed)
    if decision.refused:
        _say(decision.refused)
        return 2
    form = output.suffix.lower()
    if form not in (".html", ".htm", ".csv"):
        _say(f"-o {output}: the report is a page (-o report.html) or a table (-o report.csv)")
        return 2
    unwritable = _unwritable(output)
    if unwritable:  # (said now, not once the whole class is graded)
        _say(unwritable)
        return 1
    try:
        submissions = find_submissions(folder, assignment)
    except ReportError as error:
        _say(str(error))
        return 1
    exercises, fewer, attempts = (list(chosen), [], 0) if chosen else \
        attempted_by_most(submissions, folder)
    if fewer:
        _say(_not_graded(folder, output, attempts, exercises, fewer))
    if not exercises:
        _say(f"no exercise is defined by more than half of the submissions in {folder}: "
             "name the exercises to grade (above)" if fewer else
             f"no submission in {folder} defines any of the exercises' functions; name the "
             f"exercises to grade: {PROG} report {folder} d_tanh ... -o {output}")
        return 1
    course = None if points else assignment_points(folder, submissions)
    if course is not None:  # (an nbgrader course's: its points as the assignment was made)
        read, said = course
        points = [",".join(f"{ex.name}={read[ex.name]!r}" for ex in exercises
                           if ex.name in read)]
        _say(said)
    try:
        worth = points_for(exercises, points)
    except ValueError as error:
        _say(str(error))
        return 2
    _say(f"grading {len(submissions)} submission{'s' * (len(submissions) != 1)} of "
         f"{', '.join(ex.name for ex in exercises)}")
    began = time.perf_counter()
    count = [0]
    live = sys.stderr.isatty()

    def done(result: Result) -> None:
        count[0] += 1
        if live:
            print(f"\r  {count[0]} of {len(submissions)} graded", end="", file=sys.stderr,
                  flush=True)

    results = grade_all(submissions, exercises, worth, jobs, done, within=folder,
                        route="report", allow_unsandboxed=allow_unsandboxed, seed=seed)
    results = with_classmates(results, exercises, folder)
    seconds = time.perf_counter() - began
    if live:
        print(file=sys.stderr)
    text = report_csv(results, exercises) if form == ".csv" else \
        report_html(results, exercises, folder, seconds)
    if not _write(text, output):
        return 1
    broken = sum(r.problem is not None for r in results)
    seed = next((r.seed for r in results if r.seed is not None), None)
    print(f"wrote {output}: {len(results)} submissions of {len(exercises)} exercises graded "
          f"in {seconds:.1f} s" + (f"; {broken} could not be graded (the report says why)"
                                   if broken else "") + "." + (
              f" Inputs drawn from seed {seed} (--seed {seed} draws them again)."
              if seed is not None else ""))
    return 0

