"""The result of grading one submission for a class: a ``Mark`` per exercise (its status,
points, diagnoses and verdict) and, when the file itself does not run, its ``Problem``; and
the forms machines read: ``exercises check --json`` (``as_json``) and Gradescope's
results.json (``as_gradescope``)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises.cases import SEED
from tinygrad_edu.exercises.copies import flag
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.limit import TimeLimit
from tinygrad_edu.exercises.machinery import flagged
from tinygrad_edu.exercises.starters import PROG
from tinygrad_edu.exercises.text_blocks import CONTROLS, visible
from tinygrad_edu.exercises.verdicts import Verdict

__all__ = ["PROBLEMS", "STATUSES", "Found", "Mark", "Problem", "Result", "as_gradescope",
           "as_json", "as_sent", "first_line", "not_graded", "not_run", "points_for", "unpathed",
           "visible_result"]

STATUSES = ("passed", "failed", "not started", "missing", "not graded")
"""An exercise's status: passed; failed (a wrong answer, an error, a loop); not started (its
starter still raises NotImplementedError); missing (the file does not define it); not
graded (the file itself does not run)."""

PROBLEMS = {
    "unreadable": "cannot be read",
    "not a file": "is a symbolic link or not a regular file",
    "syntax": "is not valid Python",
    "import": "imports what it may not",
    "crash": "raises an error when it runs",
    "exit": "exits when it runs",
    "loop": "does not finish",
    "killed": "stopped the grader",
    "none": "has no file to grade",
    "reported": "was reported, not scored: its code reached outside its process",
    "unprotected": "was not graded: this machine lacks a protection the route needs",
}
"""Why a submission was not graded, by kind, as the report says it (after its name)."""

FAILURES = {"wrong": "a wrong answer", "error": "raised an error",
            "loop": "did not finish", "kind": "an answer of the wrong kind",
            "other": "not as asked"}
"""How a failed exercise failed (``Mark.failure``), as the report says it."""


def not_run(problem: Problem) -> str:
    """Why a file's exercises are not graded, after "not graded:": what its ``problem`` is
    (its message follows, naming the line): "the file imports what it may not", "the file
    is not valid Python", ...; else "the file does not run"."""
    if problem.kind in ("unreadable", "syntax", "import", "crash", "exit", "loop"):
        return f"the file {PROBLEMS[problem.kind]}"
    return "the file does not run"


@dataclass(frozen=True)
class Found:
    """A diagnosis, as a result keeps it: the mistake's ``key`` (``'sign'``, ``'assign'``),
    its ``title``, the ``hint`` under it, and the ``part`` of the answer it concerns."""

    key: str
    title: str
    hint: str
    part: str | None = None


@dataclass(frozen=True)
class Mark:
    """One exercise of a submission: its ``status`` (one of ``STATUSES``), the ``points`` it
    earns of ``max_points``, the diagnoses of its mistake, how it failed (``failure``, a key
    of ``FAILURES``, empty unless failed) and ``text``: the verdict as ``check`` prints it,
    or why there is none. ``copied`` names the package's answer whose code it is the same
    as (``copies.py``: flagged for the teacher, not scored differently), empty if none;
    ``alike`` the classmates whose code for it is the same (``exercises report`` alone:
    ``report.with_classmates``), ``alike_compiled`` those of the pair whose code that is
    was compiled at run time. ``tampered`` says, for the teacher alone as ``copied``, that
    what ran may not be what was handed in (``machinery.py``: the file reaches Python's
    machinery, its process switched the grader's watch off), empty if neither."""

    name: str
    number: int
    status: str
    points: float
    max_points: float
    text: str
    diagnoses: tuple[Found, ...] = ()
    failure: str = ""
    copied: str = ""
    alike: tuple[str, ...] = ()
    alike_compiled: tuple[str, ...] = ()
    """Of this student and the classmates of ``alike``, those whose code that is alike was
    compiled at run time (not in their file's text)."""
    reason: str = ""
    """Why it failed, in a line, where no mistake is diagnosed: the error it raised (``raised
    an error``, ``did not finish``), what is not as asked, what it is instead of the answer;
    empty where a diagnosis says it, or nothing can (a wrong answer: its failing input is
    in ``text``). The report's CSV gives it beside the diagnoses' titles."""
    tampered: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass(frozen=True)
class Problem:
    """Why a submission's file could not be graded: ``kind``, a key of ``PROBLEMS``, and the
    message naming the file and the line."""

    kind: str
    message: str


@dataclass(frozen=True)
class Result:
    """A submission graded: whose (``student``), which ``file``, a mark per exercise, and the
    file's ``problem`` if it does not run (then every mark is "not graded")."""

    student: str
    file: str
    marks: tuple[Mark, ...]
    problem: Problem | None = None
    seconds: float = field(default=0.0, compare=False)
    unprotected: dict[str, str] = field(default_factory=dict, compare=False)
    """The protections of the learner's processes that this machine lacked, with why
    (``learner/sandbox.py``): empty where it had them all."""
    protections: str = field(default="", compare=False)
    """The protections found, as the result says them (``boundary.stated``)."""
    seed: int | None = field(default=None, compare=False)
    """The grading's seed, which every input was drawn from (``cases.begin``): the same
    seed grades the file again on the same inputs (``--seed``)."""
    ran: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """The code the file compiled at run time (``apart.Graded.ran``), which the class's report
    compares with classmates' files (``report.with_classmates``). A grading process sends
    it back with its result (``as_sent``); ``check --json`` never prints it."""
    made: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """Of ``ran``, the code a module's code wrote (a dataclass's methods: ``Graded.made``),
    not the file's: what two files or more have of it is no pair's (``copies.classmates``)."""

    @property
    def score(self) -> float:
        return sum(m.points for m in self.marks)

    @property
    def max_score(self) -> float:
        return sum(m.max_points for m in self.marks)

    @property
    def passed(self) -> bool:
        """The file runs, some exercise passes and none fails or is missing: as ``check``
        exits with 0 (an exercise not started yet counts as neither)."""
        return self.problem is None and any(m.passed for m in self.marks) and all(
            m.status in ("passed", "not started") for m in self.marks)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        """A result from ``as_json``'s form (how a grading process sends it back)."""
        problem = Problem(**data["problem"]) if data["problem"] else None
        return cls(data["student"], data["file"],
                   tuple(mark_from_json(m) for m in data["exercises"]), problem,
                   data.get("seconds", 0.0), dict(data.get("unprotected") or {}),
                   str(data.get("protections") or ""), data.get("seed"),
                   tuple(str(text) for text in data.get("ran") or ()),
                   tuple(str(text) for text in data.get("made") or ()))


def mark_json(m: Mark) -> dict[str, Any]:
    """A mark as ``exercises check --json`` prints it."""
    return {"name": m.name, "number": m.number, "status": m.status, "passed": m.passed,
            "points": m.points, "max_points": m.max_points, "failure": m.failure,
            "diagnoses": [asdict(d) for d in m.diagnoses], "reason": m.reason,
            "verdict": m.text, "copied": m.copied, "tampered": m.tampered}


def mark_from_json(data: dict[str, Any]) -> Mark:
    """A mark from ``mark_json``'s form."""
    return Mark(name=data["name"], number=data["number"], status=data["status"],
                points=data["points"], max_points=data["max_points"], text=data["verdict"],
                diagnoses=tuple(Found(**d) for d in data["diagnoses"]),
                failure=data["failure"], copied=str(data.get("copied") or ""),
                reason=str(data.get("reason") or ""),
                tampered=str(data.get("tampered") or ""))


PARTIAL = "TINYGRAD_EDU_PARTIAL_CREDIT"
"""Set to 1 (``--partial``, and by an assignment made with it), a failed exercise of several
graded parts earns the share of its points of the parts it has right (``Verdict.earned``)."""


def partial_credit() -> bool:
    """Whether partial credit is on (``PARTIAL``)."""
    return os.environ.get(PARTIAL, "") not in ("", "0")


@contextlib.contextmanager
def partial_credit_on(on: bool = True) -> Iterator[None]:
    """Partial credit on (``PARTIAL``) for what is graded inside, if ``on``: for a grader
    that a tool runs in its own process (nbgrader's, Otter's plugins)."""
    before = os.environ.get(PARTIAL)
    if on:
        os.environ[PARTIAL] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PARTIAL, None)
        else:
            os.environ[PARTIAL] = before


def mark_of(ex: ExerciseSpec, verdict: Verdict, points: float) -> Mark:
    """The mark of a verdict: ``points`` if it passed, else 0 (with partial credit on, the
    share of its graded parts it has right, which the mark's text says)."""
    failure = verdict.failure
    not_started = failure is not None and isinstance(failure.error, NotImplementedError)
    if verdict.passed:
        status, how = "passed", ""
    elif not_started:
        status, how = "not started", ""
    else:
        status = "failed"
        how = ("other" if failure is None else "loop" if isinstance(failure.error, TimeLimit)
               else "error" if failure.error is not None else "kind" if failure.problem
               else "wrong")
    found = tuple(Found(d.key, d.title, d.hint, d.part) for d in verdict.diagnoses)
    reason = "" if status != "failed" or found else (
        verdict.message if failure is None else failure.problem if not failure.error_text
        else failure.error_text)
    earned, text = (points if verdict.passed else 0.0), str(verdict)
    parts = ex.graded_parts
    if partial_credit() and not verdict.passed and status == "failed" and len(parts) > 1:
        earned = round(points * verdict.earned, 6)
        right = [p for p in parts if p in verdict.right]
        text += (f"\n  partial credit: {len(right)} of its {len(parts)} graded parts right"
                 + (f" ({', '.join(right)})" if right else "")
                 + f", {earned:g} of {points:g} points")
    return Mark(ex.name, ex.number, status, earned, points, text, found, how,
                reason=first_line(reason))


def first_line(text: str) -> str:
    """A reason's first line (a traceback's, an error's message's), without its indent."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def unmarked(ex: ExerciseSpec, status: str, points: float, text: str) -> Mark:
    """The mark of an exercise that was not graded: missing, or its file did not run."""
    return Mark(ex.name, ex.number, status, 0.0, points, text)


def points_for(exercises: Sequence[ExerciseSpec], specs: Iterable[str]) -> dict[str, float]:
    """The points of each exercise from ``--points`` values: ``N`` gives every exercise N
    points, ``NAME=N`` (or ``NUMBER=N``) one exercise; several may be given, separated by
    commas or in several options, the later winning. 1 point each by default. A
    ``ValueError`` says what is wrong with a value."""
    points = {ex.name: 1.0 for ex in exercises}
    numbers = {str(ex.number): ex.name for ex in exercises}
    for spec in specs:
        for item in filter(None, (part.strip() for part in spec.split(","))):
            name, _, value = item.rpartition("=")
            try:
                amount = float(value)
            except ValueError:
                raise ValueError(f"--points {item}: {value!r} is not a number; give N for "
                                 "every exercise, or NAME=N (d_tanh=2)") from None
            if amount < 0 or amount != amount or amount == float("inf"):
                raise ValueError(f"--points {item}: points are a number 0 or more")
            if not name:
                points = dict.fromkeys(points, amount)
                continue
            name = numbers.get(name, name)
            if name not in points:
                raise ValueError(f"--points {item}: {name} is not one of this assignment's "
                                 f"exercises ({', '.join(points)})")
            points[name] = amount
    return points


def as_json(result: Result) -> dict[str, Any]:
    """What ``exercises check FILE --json`` prints: per exercise the status, the points, the
    diagnoses (``key``, ``title``, ``hint``, ``part``), the verdict's text and ``copied``
    (the package's answer it is the same code as, or empty)."""
    return {
        "student": result.student, "file": result.file, "score": result.score,
        "max_score": result.max_score,
        "problem": asdict(result.problem) if result.problem else None,
        "seconds": round(result.seconds, 3), "unprotected": result.unprotected,
        "protections": result.protections, "seed": result.seed,
        "exercises": [mark_json(m) for m in result.marks]}


def as_sent(result: Result) -> dict[str, Any]:
    """A result as a grading process sends it back (``Result.from_json`` reads it):
    ``as_json``'s form and the code the file compiled at run time (``Result.ran``, ``made``)."""
    return {**as_json(result), "ran": list(result.ran), "made": list(result.made)}


def as_gradescope(result: Result) -> dict[str, Any]:
    """Gradescope's results.json: a test per exercise (``name``, ``number``, ``score``,
    ``max_score``, ``status`` "passed" or "failed", ``output``: the verdict with its
    diagnosis, ``visibility``), the total ``score``, and an ``output`` for the whole
    submission: what was graded, or why the file does not run, and how (``said``). The
    exercises that are the same code as an answer the package ships (``copies.py``) are
    said in a test of no points that Gradescope hides from students: for the teacher; so
    are those whose grading may have been tampered with (``machinery.py``), in another."""
    tests: list[dict[str, Any]] = [
        {"name": f"{m.number}. {m.name}", "number": str(m.number), "score": m.points,
         "max_score": m.max_points, "status": "passed" if m.passed else "failed",
         "output": m.text, "visibility": "visible",
         "extra_data": {"exercise": m.name, "status": m.status,
                        "mistakes": [d.key for d in m.diagnoses]}}
        for m in result.marks]
    copied = [m for m in result.marks if m.copied]
    if copied:  # (for the teacher alone: a test Gradescope hides from students)
        tests.append({"name": "For the teacher: the same code as an answer the package ships",
                      "score": 0.0, "max_score": 0.0, "status": "passed",
                      "output": "\n".join(flag(m.name, m.copied) for m in copied),
                      "visibility": "hidden",
                      "extra_data": {"copied": {m.name: m.copied for m in copied}}})
    tampered = flagged(result.marks)
    if tampered:  # (the teacher's alone too: machinery.py)
        tests.append({"name": "For the teacher: what ran may not be what was handed in",
                      "score": 0.0, "max_score": 0.0, "status": "passed",
                      "output": "\n".join(tampered), "visibility": "hidden",
                      "extra_data": {"tampered": {m.name: m.tampered for m in result.marks
                                                  if m.tampered}}})
    if result.problem is not None:
        output = not_graded(result.problem.message)
    else:
        passed = sum(m.passed for m in result.marks)
        output = (f"{result.file}: {passed} of {len(result.marks)} exercises pass "
                  f"({_number(result.score)} of {_number(result.max_score)} points).")
    how = said(result, "gradescope")  # (the protections: check's stderr, the staff's view)
    if how:
        output += f"\n{how}"
    return {"score": result.score, "output": output, "visibility": "visible",
            "stdout_visibility": "hidden", "execution_time": round(result.seconds),
            "tests": tests}


def said(result: Result, route: str | None = None) -> str:
    """What a result tells the student of how it was graded: the seed its inputs were drawn
    from, and how to draw them again where they grade (``route``: see ``seed_text``). The
    protections found are the staff's (``for_staff``)."""
    return "" if result.seed is None else seed_text(result.seed, route)


def for_staff(result: Result, file: str = "") -> str:
    """What a result tells the course's staff of how it was graded, in their view alone (a
    route's log, its hidden output): the protections found, and the seed with the command
    that grades the file again on the same inputs, whole (the staff run it where they
    have the file: ``check`` with the file's name, or ``file``, where they have it, and its
    exercises); and the exercises flagged as the same code as an answer the package ships
    (``copies.flag``: nbgrader and PrairieLearn have no other channel the staff alone read),
    and those whose grading may have been tampered with (``machinery.flagged``)."""
    lines = [result.problem.message] if result.problem is not None and \
        result.problem.kind == "unprotected" else []  # (the route refused: "not grading:
    # ... needs Landlock", said first)
    lines += [result.protections] if result.protections else []
    lines += [flag(m.name, m.copied) for m in result.marks if m.copied]
    lines += flagged(result.marks)  # (machinery.py)
    if result.seed is not None:
        names = " ".join(m.name for m in result.marks)
        file = shlex.quote(file or os.path.basename(result.file))  # (as the staff have it,
        # not the grader's path)
        lines.append(seed_text(result.seed, again=f"{PROG} check {file} {names}"))
    return visible("\n".join(lines))  # (the file's name: a student's)


NOTEBOOKS = ("nbgrader", "otter")
"""The routes whose students grade in a notebook, where a cell ``%env`` sets the seed."""


def seed_text(seed: int, route: str | None = None, again: str = "") -> str:
    """How a result names its grading's seed, and what draws its inputs again: ``--seed`` on
    the command line (``check``, and the routes whose students have it), a cell's ``%env``
    in a notebook (``NOTEBOOKS``); on PrairieLearn, where students have neither, the seed
    alone. ``again``: the command that grades the file, where ``--seed`` alone would not say
    it."""
    drawn = f"Inputs drawn afresh for this grading, from seed {seed}"
    if route in NOTEBOOKS:
        return (f"{drawn} (`%env {SEED}={seed}` in a cell run before your checks draws them "
                "again: the same failing input, the same verdict).")
    if route == "prairielearn":
        return f"{drawn}."
    command = f"`{again} --seed {seed}`" if again else f"--seed {seed}"
    return f"{drawn} ({command} grades the file again on the same inputs)."


def unpathed(text: str, path: Path, folder: str = "your submission") -> str:
    """``text`` as the student reads it where a route grades a copy of their file at a path
    of the grader's own (a temporary folder, PrairieLearn's /grade/student): the file's path
    said as its name, and its folder's (an absolute path: not ``/``, nor ``.``) as
    ``folder``."""
    text = text.replace(str(path), path.name)
    parent = path.parent
    return text.replace(str(parent), folder) if parent.is_absolute() and parent.name else text


def unpathed_result(result: Result, path: Path, folder: str = "your submission") -> Result:
    """``result`` with every text a student reads ``unpathed``: each mark's (its reason
    too), and the problem's message."""
    problem = result.problem
    return dataclasses.replace(result, marks=tuple(
        dataclasses.replace(m, text=unpathed(m.text, path, folder), reason=unpathed(
            m.reason, path, folder)) for m in result.marks),
        problem=problem if problem is None else Problem(
            problem.kind, unpathed(problem.message, path, folder)))


def visible_result(result: Result) -> Result:
    """``result`` with each control character of its texts (each mark's, its reason's, the
    problem's message) but a new line and a tab written as its escape (``\\x1b``): what a
    learner's code printed or raised, or named its file, is in them, and every tool shows
    them (PrairieLearn's results.json and job's log, Otter's and nbgrader's outputs, which
    render a terminal's colours, the report): a learner's escapes could colour, hide or
    forge the lines around them."""
    problem = result.problem
    return dataclasses.replace(result, marks=tuple(
        dataclasses.replace(m, text=m.text.translate(CONTROLS), reason=m.reason.translate(
            CONTROLS)) for m in result.marks),
        problem=problem if problem is None else Problem(
            problem.kind, problem.message.translate(CONTROLS)))


def _number(x: float) -> str:
    return f"{x:g}"


def not_graded(message: str) -> str:
    """What a tool shows where a submission was not graded: ``message`` after "Not graded:"
    (said once: the boundary's refusal starts "not grading: " itself)."""
    return "Not graded: " + message.removeprefix("not grading: ")
