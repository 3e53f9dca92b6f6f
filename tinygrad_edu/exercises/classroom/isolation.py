"""Grading many submissions, a few at a time, each by a grading process of its own.

A grading process (a child of this one) grades one submission: it holds the references, and
runs the submission's code in learner's processes of their own (fresh Pythons, never forked:
``apart.py``), so nothing of the submission runs where a reference is. Whatever the
submission does there (change ``math``, fill the memory, crash Python, loop inside a call
into C where no time limit reaches) ends with its process, and the others are graded all
the same. The grading process reports as it goes: once it has begun, then after each
exercise. If it dies, or runs past its deadline (``LOAD_DEADLINE`` to begin,
``STUCK_DEADLINE`` for each exercise), it is stopped, the exercise it was on fails saying
so, and a new one grades the exercises left. The grader's own failures are a submission's
alone too: a grading process that cannot go on (out of open files, of memory) says why, and
where no grading process can be started any more, the submissions left are not graded,
each saying why, and the class's results are written all the same.

On Linux the grading processes are forked from this one, after it has graded each
exercise's reference once (``warm_up``): the inputs hypothesis draws with a fixed seed are
then drawn once for the whole class, not once per submission. Elsewhere each is a fresh
Python.

Each grading process may grow by ``MORE_MEMORY`` (a submission that makes the grader work
hard fails itself, not the class), and the learner's processes of a class have their folders
in one of the class's own (``remote.FOLDERS``), removed at the end: a grading process that
was stopped leaves nothing behind, and the learner's processes it started end with it
(``learner/sandbox.py``: ``end_with``).
"""

from __future__ import annotations

import dataclasses
import faulthandler
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises import boundary, remote
from tinygrad_edu.exercises.cases import SEED, begin
from tinygrad_edu.exercises.choosing import by_name
from tinygrad_edu.exercises.classroom.results import (
    Mark,
    Problem,
    Result,
    as_sent,
    mark_from_json,
    mark_json,
    not_run,
    unmarked,
    visible_result,
)
from tinygrad_edu.exercises.classroom.submissions import grade_file
from tinygrad_edu.exercises.copies import answers
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.grading import grade, numpy_installed
from tinygrad_edu.exercises.learner.serve import LOAD_LIMIT
from tinygrad_edu.exercises.loading import cell_texts, parsed, read_source
from tinygrad_edu.exercises.remote import EXERCISE_DEADLINE, START_DEADLINE, too_long
from tinygrad_edu.exercises.running import probe

__all__ = ["LOAD_DEADLINE", "STUCK_DEADLINE", "grade_all"]

LOAD_DEADLINE = LOAD_LIMIT + 20.0
"""Seconds a child may take to start and run the submission's file before it is stopped
(the file's own time limit, ``LOAD_LIMIT``, stops a loop in Python code sooner)."""

MORE_MEMORY = 3 << 30
"""Bytes a grading process may grow by, beyond its size when it starts (``RLIMIT_AS``)."""

STUCK_DEADLINE = START_DEADLINE + EXERCISE_DEADLINE
"""Seconds a grading process may take to grade one exercise before it is stopped: a
learner's process of its own may take ``START_DEADLINE`` to start, and the exercise
``EXERCISE_DEADLINE`` (``grade_apart`` stops it there, saying so as ``exercises check``
does); this ends a grading process that is itself stuck."""


@dataclass
class _Task:
    """A submission being graded: its exercises still to grade and the marks so far."""

    student: str
    path: Path
    names: list[str]
    marks: dict[str, Mark] = field(default_factory=dict)
    began: float | None = None
    problem: Problem | None = None
    file: str = ""


@dataclass
class _Child:
    """A child process grading a task's exercises left."""

    task: _Task
    process: Any
    connection: Connection
    deadline: float
    loaded: bool = False
    result: dict[str, Any] | None = None
    failed: str = ""  # (what went wrong in the grader's own code there, as it said)


def grade_all(submissions: Iterable[tuple[str, Path]], exercises: Sequence[ExerciseSpec],
              points: Mapping[str, float], jobs: int | None = None,
              done: Callable[[Result], None] | None = None,
              within: Path | None = None, route: str | None = None,
              allow_unsandboxed: bool = False, seed: int | None = None,
              batch: bool = False) -> list[Result]:
    """Grade each (student, path) of ``submissions`` on ``exercises`` in processes of their
    own, ``jobs`` at a time (default: one per core), and return the results in the order
    given; ``done(result)`` is called as each one is finished. ``within``: the folder the
    grader was given, beneath which no link is followed (default: each submission's
    own). ``route``: the teacher's route it grades for (``boundary.ROUTES``; None:
    practice): where this machine lacks a protection the route needs, nothing is graded
    (each result's problem says why), unless ``allow_unsandboxed``; every result states the
    protections found (``Result.protections``). Every input is drawn from one seed, ``seed``
    (to grade again as before), else a new one (``cases.begin``), which every result
    records. ``batch``: this process grades more submissions with the same seed after these
    (one call per notebook of nbgrader's autograde): what is drawn is drawn here even for one
    submission (``warm_up``), once for them all."""
    tasks = [_Task(student, Path(path), [ex.name for ex in exercises])
             for student, path in submissions]
    # (the tool's folders that hold the submissions': a stand-in looks for copies there)
    around = [(within or task.path.parent).resolve().parent for task in tasks]
    decision = boundary.decide(route, allow_unsandboxed, around=around)
    drawn = begin(seed)
    if decision.refused:
        return [_refused(task, exercises, points, decision, done) for task in tasks]
    jobs = max(1, jobs or _cores())
    context = _context()
    if context.get_start_method() == "fork" and (len(tasks) > 1 or batch):
        warm_up(exercises)
    if context.get_start_method() == "fork":
        _parse_first(tasks, within)
    folders = tempfile.mkdtemp(prefix="tinygrad-edu-grading-")
    os.chmod(folders, 0o711)  # (each learner's process may enter its own folder)

    def stating(result: Result) -> Result:  # (and said with no raw control character)
        return dataclasses.replace(visible_result(result), protections=boundary.stated(
            decision, result.unprotected), seed=drawn)

    before = os.environ.get(SEED)
    os.environ[SEED] = str(drawn)  # (a grading process started afresh draws from it too)
    try:
        with boundary.requiring(decision):
            return _grade_tasks(tasks, exercises, points, jobs, context,
                                done,
                                within, folders, stating)
    finally:
        if before is None:
            os.environ.pop(SEED, None)
        else:
            os.environ[SEED] = before
        shutil.rmtree(folders, ignore_errors=True)


def _refused(task: _Task, exercises: Sequence[ExerciseSpec], points: Mapping[str, float],
             decision: boundary.Decision, done: Callable[[Result], None] | None) -> Result:
    """The result of a submission its route does not grade here (``decision.refused``)."""
    marks = tuple(unmarked(ex, "not graded", points[ex.name], f"✗ {ex.name}: not graded: "
                           f"{decision.refused}") for ex in exercises)
    result = Result(task.student, str(task.path), marks,
                    Problem("unprotected", decision.refused), 0.0, dict(decision.missing),
                    boundary.stated(decision))
    if done is not None:
        done(result)
    return result


def _grade_tasks(tasks: list[_Task], exercises: Sequence[ExerciseSpec],
                 points: Mapping[str, float], jobs: int, context: Any,
                 done: Callable[[Result], None] | None, within: Path | None, folders: str,
                 stating: Callable[[Result], Result]) -> list[Result]:
    waiting: deque[_Task] = deque(tasks)
    running: list[_Child] = []
    finished: dict[int, Result] = {}

    def finish(task: _Task, data: dict[str, Any] | None) -> None:
        result = stating(_result(task, exercises, points, data))
        finished[id(task)] = result
        if done is not None:
            done(result)

    while waiting or running:
        while waiting and len(running) < jobs:
            task = waiting.popleft()
            try:
                running.append(_start(context, task, points, within, folders))
            except OSError as error:  # (this process's limits reached: see _not_started)
                _not_started(task, error, points)
                finish(task, None)
        if not running:
            continue
        now = time.monotonic()
        wait([c.connection for c in running] + [c.process.sentinel for c in running],
             timeout=max(0.0, min(c.deadline for c in running) - now))
        for child in list(running):
            again = _follow(child, points)
            if again is None:
                continue
            running.remove(child)
            if again:
                waiting.appendleft(child.task)
            else:
                finish(child.task, child.result)
    return [finished[id(task)] for task in tasks]


def _not_started(task: _Task, error: OSError, points: Mapping[str, float]) -> None:
    """No grading process could be started for ``task`` (this process is out of open files
    or memory: a submission graded beside it, running as the same user where the kernel
    lacks the sandbox's filter, can lower its limits): the exercises left fail saying so,
    and the class goes on."""
    why = (f"the grader could not start a process to grade it ({type(error).__name__}: "
           f"{error.strerror or error}): the machine, or the grader's limits, ran out; "
           "run the report again for this submission")
    if not task.marks:
        task.problem = Problem("killed", f"{task.path}: not graded: {why}")
        return
    for name in list(task.names):
        ex = by_name(name)
        task.marks[name] = Mark(name, ex.number, "failed", 0.0, points[name],
                                f"✗ {name}: not graded: {why}", failure="error",
                                reason=why)
    task.names.clear()


def warm_up(exercises: Sequence[ExerciseSpec]) -> None:
    """Grade each exercise's reference once and draw its probe's inputs, here, before the
    children are forked: they inherit what hypothesis drew (and the answers a submission
    is compared with, ``copies.answers``, read once)."""
    for ex in exercises:
        answers(ex.symbol)
        if ex.arrays and not numpy_installed():
            continue
        grade(ex, ex.reference)
        for stage in (*ex.before, ex, *ex.after):
            probe(stage, stage.reference)  # (and the reference's answers there)


def _parse_first(tasks: Sequence[_Task], within: Path | None) -> None:
    """Each submission's file parsed here, before the grading processes are forked: they
    inherit its tree, and so does the class's report as it reads the files for classmates'
    copies (``report.with_classmates``): one parse of each file for the whole report
    (``loading.parsed``), where there were two (a grading process's, then the report's)."""
    for task in tasks:
        with suppress(Exception):  # (a file that cannot be read: its grading says why)
            source = read_source(task.path, within or task.path.parent)
            for block in cell_texts(task.path, source):
                with suppress(Exception):
                    parsed(block)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _context() -> Any:
    """Fork on Linux (fast, and the children inherit the warm-up); a fresh Python for each
    child elsewhere (macOS's system libraries do not survive a fork, and Windows has none)."""
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


def _start(context: Any, task: _Task, points: Mapping[str, float], within: Path | None,
           folders: str) -> _Child:
    if task.began is None:
        task.began = time.perf_counter()
    mine, theirs = context.Pipe(duplex=False)
    try:
        process = context.Process(target=_child, daemon=True,
                                  args=(theirs, task.student, str(task.path), task.names,
                                        dict(points), within, folders))
        process.start()
    except BaseException:
        mine.close()
        raise
    finally:
        theirs.close()
    return _Child(task, process, mine, time.monotonic() + LOAD_DEADLINE)


def _follow(child: _Child, points: Mapping[str, float]) -> bool | None:
    """Read what the child said. None: it goes on; False: its task is finished; True: it
    was stopped or died with exercises left, which a new child grades."""
    task = child.task
    try:
        while child.connection.poll():
            kind, data = child.connection.recv()
            if kind == "loaded":
                child.loaded, child.deadline = True, time.monotonic() + STUCK_DEADLINE
            elif kind == "mark":
                mark = mark_from_json(data)
                task.marks[mark.name] = mark
                task.names.remove(mark.name)
                child.deadline = time.monotonic() + STUCK_DEADLINE
            elif kind == "failed":
                child.failed = str(data)[:500]
            else:
                child.result = data
    except (EOFError, OSError):
        pass  # it died while it spoke: as if it had died before
    if child.result is not None:
        _end(child)
        return False
    alive = child.process.is_alive()
    late = time.monotonic() > child.deadline
    if alive and not late:
        return None
    _end(child)
    failed = (f": the grader's own code there failed ({child.failed}): the machine, or the "
              "grader's limits, ran out" if child.failed and not alive else "")
    if not child.loaded:
        task.problem = Problem("loop", f"{task.path}: the file was still running after "
                               f"{LOAD_DEADLINE:g} s, so it was stopped (an endless loop "
                               "inside a call into C, which no time limit stops?)") if alive \
            else Problem("killed", f"{task.path}: not graded: the grading process failed "
                         f"before it ran the file{failed}") if failed \
            else Problem("killed", f"{task.path}: running the file "
                         f"{_death(child.process.exitcode)}: a file that ends Python, or "
                         "fills the memory, does this")
        return False
    why = (too_long(STUCK_DEADLINE) if alive
           else f"grading it {_death(child.process.exitcode)}")
    name = task.names.pop(0)
    ex = by_name(name)
    text = (f"✗ {name}: not yet: {why}" + (
        ": an endless loop inside a call into C, which no time limit stops, or an answer "
        "too slow on every input" if alive else failed or
        ": does your answer end Python, or fill the memory?"))
    task.marks[name] = Mark(name, ex.number, "failed", 0.0, points[name], text,
                            failure="loop" if alive else "error", reason=why)
    return bool(task.names)


def _end(child: _Child) -> None:
    child.process.join(timeout=1.0 if child.result is not None else 0.0)
    if child.process.is_alive():
        child.process.kill()
    child.process.join()
    child.connection.close()


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        return f"ended the grading process (signal {-code})"
    return f"ended the grading process (exit code {code})"


def _result(task: _Task, exercises: Sequence[ExerciseSpec], points: Mapping[str, float],
            data: dict[str, Any] | None) -> Result:
    """The task's result: the child's, with the marks of earlier children in their places
    (a child that died left the exercises before its own marked)."""
    seconds = time.perf_counter() - (task.began or time.perf_counter())
    if task.problem is not None:
        marks = tuple(unmarked(ex, "not graded", points[ex.name], f"✗ {ex.name}: not graded: "
                               f"{not_run(task.problem)}:\n  {task.problem.message}")
                      for ex in exercises)
        return Result(task.student, str(task.path), marks, task.problem, seconds)
    unprotected: dict[str, str] = {}
    ran: tuple[str, ...] = ()
    made: tuple[str, ...] = ()
    if data is not None:
        result = Result.from_json(data)
        if result.problem is not None:
            return Result(result.student, result.file, result.marks, result.problem, seconds,
                          result.unprotected)
        task.marks.update((m.name, m) for m in result.marks)
        file, unprotected, ran, made = result.file, result.unprotected, result.ran, result.made
    else:
        file = str(task.path)
    marks = tuple(task.marks[ex.name] for ex in exercises)
    return Result(task.student, file, marks, None, seconds, unprotected, ran=ran, made=made)


def _child(connection: Connection, student: str, path: str, names: list[str],
           points: dict[str, float], within: Path | None, folders: str) -> None:
    """In the child: grade, telling the parent as it goes; nothing the submission prints
    reaches the parent's terminal. An error of the grader's own here (out of open files or
    memory) is said to the parent, which reports it for this submission alone."""
    try:
        _quiet()
        _limit_memory()
        remote.FOLDERS = folders
        exercises = [by_name(name) for name in names]
        result = grade_file(Path(path), exercises, points, student,
                            loaded=lambda: connection.send(("loaded", None)),
                            marked=lambda mark: connection.send(("mark", mark_json(mark))),
                            within=within)
        connection.send(("result", as_sent(result)))  # (with what it compiled at run
        # time, for the report to compare with classmates)
        connection.close()
    except Exception as error:
        with suppress(Exception):
            connection.send(("failed", f"{type(error).__name__}: {error}"))
        os._exit(1)  # (no traceback on the teacher's terminal: the report says it)


def _limit_memory() -> None:
    """This grading process may grow by ``MORE_MEMORY`` and no more (where it can tell its
    size: Linux)."""
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as status:
            size = next(int(line.split()[1]) * 1024 for line in status
                        if line.startswith("VmSize:"))
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + MORE_MEMORY
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or limit < soft:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, StopIteration, ValueError):
        pass


def _quiet() -> None:
    faulthandler.disable()  # (a crash of the submission's is the parent's to report)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")
