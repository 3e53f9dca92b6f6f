"""``python -m tinygrad_edu exercises``: list the exercises, show one, write starters, grade a file.

    python -m tinygrad_edu exercises                    the list, with your progress
    python -m tinygrad_edu exercises show d_tanh        one statement and its starter
    python -m tinygrad_edu exercises start FILE         a file with every starter in it
    python -m tinygrad_edu exercises check FILE [NAME]  grade the functions FILE defines

``check`` exits with 0 when every exercise the file attempts passes, 1 otherwise; with
``--json`` (or ``--format gradescope``) it prints the result for a machine to read. For a
class (``classroom/``): ``assignment NAME... --for nbgrader|gradescope|github -o DIR`` makes
an assignment to hand out, ``report DIR -o report.html`` (or ``.csv``) grades every
submission in DIR and shows what the class got wrong.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import sys
import tempfile
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

from tinygrad_edu.exercises import (
    EXERCISES,
    TRACK,
    ExerciseError,
    ProgressError,
    Status,
    apart,
    get_exercise,
    load_progress,
    progress_path,
)
from tinygrad_edu.exercises import progress as _progress
from tinygrad_edu.exercises.boundary import ROUTES, Decision, decide, requiring, stated
from tinygrad_edu.exercises.cases import begin, grading_seed
from tinygrad_edu.exercises.choosing import attempted_in
from tinygrad_edu.exercises.classroom.results import PARTIAL, seed_text
from tinygrad_edu.exercises.grading import Exercise, numpy_installed
from tinygrad_edu.exercises.loading import SolutionFileError, defined_names, parsed, read_source
from tinygrad_edu.exercises.remote import REQUIRE
from tinygrad_edu.exercises.rule_reading import RuleReading, reads
from tinygrad_edu.exercises.starters import PROG, starter_file
from tinygrad_edu.exercises.text_blocks import shown_on_terminal
from tinygrad_edu.exercises.verdicts import Verdict

__all__ = ["main"]

POINTS = ("the points of each exercise: N for every one, NAME=N for one (d_tanh=2); may be "
          "repeated (default: 1 each)")


PARTIAL_HELP = ("partial credit: an exercise of several graded parts (dX, dW and db; the "
                "node's data, structure, grads and long chain) that fails earns the share of "
                "its points of the parts it has right")
REQUIRE_HELP = ("grade only where the kernel offers every protection of the process a "
                "submission's code runs in (resource limits, no new privileges, Landlock, "
                "seccomp), even where the route has a stand-in for one; else grade nothing "
                "and say what is missing")
ALLOW_HELP = ("grade even where this machine lacks a protection the route needs (which it "
              "then refuses to grade without): every result says so")
SEED_HELP = ("draw the inputs from this seed, the one a grading recorded, to grade again on "
             "the same inputs (default: a new seed from the operating system, said with the "
             "result)")
ROUTE_HELP = ("grade as this teacher's route does (check --format gradescope is gradescope, "
              "--json machine; GitHub Classroom's workflow passes classroom): where this "
              "machine lacks a protection the route needs, grade nothing and say so")


def unprotected_here() -> str:
    """The protections of a learner's process this machine lacks, with why; empty if
    none."""
    from tinygrad_edu.exercises.learner.sandbox import offered
    from tinygrad_edu.exercises.syscall_filter import kernel

    return "; ".join(f"{name} ({why})" for name, why in offered(kernel()).items() if why)


def _listing() -> str:
    try:
        progress = load_progress()
    except ProgressError as error:
        print(f"warning: {error}", file=sys.stderr)
        progress = {}
    rows = [("#", "exercise", "what", "level", "status")]
    numpy = numpy_installed()
    for ex in EXERCISES.values():
        mark = "needs NumPy" if ex.arrays and not numpy else _mark(progress.get(ex.name))
        rows.append((str(ex.number), ex.signature, ex.title, str(ex.level), mark))
    track = [("", "Build microgpt yourself: from one Value to a GPT that makes up names",
              "", "", "")]
    for ex in TRACK.values():
        rows.append((str(ex.number), ex.signature if ex.kind != "class" else ex.definition,
                     ex.title, str(ex.level), _mark(progress.get(ex.name))))
        track.append(rows.pop())
    widths = [max(len(r[k]) for r in rows + track[1:]) for k in range(4)]

    def table(rows: Sequence[tuple[str, ...]]) -> list[str]:
        return ["  ".join(c.ljust(w) for c, w in zip(r, [*widths, 0])).rstrip() for r in rows]

    done = sum(1 for ex in EXERCISES if progress.get(ex) and progress[ex].passed)
    built = sum(1 for ex in TRACK if progress.get(ex) and progress[ex].passed)
    return "\n".join([
        *table(rows), "", track[0][1], *table(track[1:]),
        "",
        f"{done} of {len(EXERCISES)} exercises and {built} of {len(TRACK)} stages passed "
        f"(progress is kept in {progress_path()}).",
        f"Read one:     {PROG} show d_mul",
        f"Start a file: {PROG} start solutions.py   (microgpt: {PROG} start gpt.py microgpt)",
        f"Grade it:     {PROG} check solutions.py",
        f"Train yours:  {PROG} train gpt.py   (once its stages pass)",
    ])


def _mark(status: Status | None) -> str:
    if status is None:
        return "·"
    if status.passed:
        return "✓ passed"
    return f"✗ {status.attempts} attempt{'s' * (status.attempts != 1)}"


def _start(path: Path, names: list[Exercise], force: bool) -> int:
    if path.exists() and not force:
        print(f"{path} exists already; pass --force to overwrite it, or grade it with "
              f"`{PROG} check {path}`", file=sys.stderr)
        return 1
    chosen = names or list(EXERCISES.values())
    if not names and not numpy_installed():  # the exercises on arrays cannot be graded here
        left_out = ", ".join(ex.name for ex in chosen if ex.arrays)
        chosen = [ex for ex in chosen if not ex.arrays]
        print(f"NumPy is not installed here, so the exercises on arrays ({left_out}) are left "
              "out; pip install numpy to do them", file=sys.stderr)
    try:
        path.write_text(starter_file(path.name, chosen, numbered=True), encoding="utf-8")
    except OSError as error:
        print(f"cannot write {path}: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(chosen)} starter{'s' * (len(chosen) != 1)} to {path}; fill them in, "
          f"then run: {PROG} check {path}")
    return 0


def _not_started(verdict: Verdict) -> bool:
    failure = verdict.failure
    return failure is not None and isinstance(failure.error, NotImplementedError)


PRACTICE = ("Graded on your machine, for practice: your code ran in processes of its own, "
            "as a teacher's grader runs it, and the verdicts are the ones it gives.")
PRACTICE_HERE = ("Graded in this page's Python, for practice: your code ran beside the grader "
                 "(on your machine, python -m tinygrad_edu exercises check runs it in "
                 "processes of its own), and the verdicts are the same for the same answers.")
IN_AN_ASSIGNMENT = ("This file is part of an assignment: the grade that counts is the one "
                    "your teacher's grader gives the file you hand in.")


def _practice(path: Path, route: str | None = None) -> str:
    """What a verdict ends with: graded for practice, where (on this machine, or in a
    browser's Python); inside an assignment, whose grade counts. Run by a teacher's
    ``route`` (``--route classroom``: GitHub Classroom's workflow, on GitHub's runner), that
    it was graded there (not that it is the grade that counts: a student can edit that
    workflow, and the teacher's report is the grade)."""
    if route is not None:
        return (f"Graded by {ROUTES[route].how}, on the machine it runs on: your code ran in "
                "processes of its own, as every route of the course runs it.")
    said = PRACTICE if apart.APART else PRACTICE_HERE
    return f"{said} {IN_AN_ASSIGNMENT}" if _in_an_assignment(path) else said


def _in_an_assignment(path: Path) -> bool:
    """Whether the file is a student's copy of an assignment (``exercises assignment``):
    a notebook with nbgrader's cells, or a file in a GitHub Classroom repository (one with
    the workflow that grades it)."""
    if path.suffix == ".ipynb":
        try:
            return '"nbgrader"' in path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    folder = path.resolve().parent
    return any((here / ".github" / "workflows" / "classroom.yml").is_file()
               for here in (folder, *folder.parents))


def _graded(path: Path, exercises: list[Exercise]) -> apart.Graded:
    """The file graded (apart, or here in a browser's Python), its rules' code read too
    (``rule_reading.py``)."""
    graded = (apart.grade_apart if apart.APART else apart.grade_here)(path, exercises)
    if any(reads(ex) for ex in exercises):
        reading = RuleReading(path)
        for ex in exercises:
            reading.refuse(graded, ex)
    return graded


def _check(path: Path, names: list[Exercise], required: bool = True,
           decision: Decision | None = None) -> int:
    """``check FILE NAME...``: grade ``names`` (else what the file attempts); a name given is
    ``required`` (its absence fails), a stage named by the track's name (``microgpt``) is
    not. ``decision``: the route's (``boundary.decide``; practice by default), whose
    protections the output states where one is missing or a route grades."""
    wanted = names or _everything_in(path)
    graded = _graded(path, wanted)
    said = _protections(decision, graded)
    if said:
        print(said, file=sys.stderr)
    if graded.problem is not None:
        print(graded.problem, file=sys.stderr)
        return 1
    if graded.printed:
        print(graded.printed, end="" if graded.printed.endswith("\n") else "\n")
    if graded.reported:
        print(f"✗ {path}: reported, not graded: its code {graded.reported}. A grade is earned "
              "by the code you write, not by reaching the grader's files or programs.",
              file=sys.stderr)
        return 1
    whys = {graded.why[ex.name] for ex in wanted if graded.absent.get(ex.name) == "not graded"}
    if len(whys) == 1 and all(graded.absent.get(ex.name) in ("not graded", "missing")
                              for ex in wanted):
        print(whys.pop(), file=sys.stderr)  # the file does not run, wherever it is run
        return 1
    named = bool(names) and required  # (an exercise named whose answer is tinygrad_edu's
    # own fails, "✗ Value: not graded: ...", and the others are graded: as every route)
    for ex in wanted:
        if graded.absent.get(ex.name) == "not yours" and not named:
            print(graded.why[ex.name], file=sys.stderr)
    present = [ex for ex in wanted if graded.absent.get(ex.name) != "missing" and not (
        graded.absent.get(ex.name) == "not yours" and not named)]
    missing = [ex for ex in wanted if ex not in present]
    if names and required and missing:
        for ex in missing:
            if graded.absent.get(ex.name) == "missing":
                print(f"✗ {ex.name}: missing: {graded.why[ex.name]}{_other_names(path, ex)}",
                      file=sys.stderr)
        return 1
    if not present:
        expected = "\n".join(f"    {ex.definition}" for ex in EXERCISES.values())
        print(f"{path} defines none of the exercises' functions (or class). They are:\n"
              f"{expected}\n"
              f"`{PROG} start FILE` writes a file with all of them.", file=sys.stderr)
        return 1
    passed: list[Exercise] = []
    failed: list[Exercise] = []
    not_started: list[Exercise] = []
    for ex in present:
        if ex.name in graded.absent:
            said = "not graded: " if graded.absent[ex.name] == "not yours" else ""
            print(f"✗ {ex.name}: {said}{graded.why[ex.name]}\n")
            failed.append(ex)
            continue
        verdict = graded.verdicts[ex.name]
        if _not_started(verdict):
            not_started.append(ex)
            continue
        print(f"{verdict}\n")  # (never a copy's flag: the teacher's alone, copies.py)
        (passed if verdict.passed else failed).append(ex)
        try:
            _progress.record(ex.name, verdict.passed)
        except ProgressError as error:
            print(f"warning: progress not saved: {error}", file=sys.stderr)
    things = "stages of microgpt" if all(ex.track for ex in wanted) else "exercises"
    summary = f"{path}: {len(passed)} of {len(passed) + len(failed)} attempted {things} pass"
    extra = [f"{len(not_started)} not started (still NotImplementedError)"] if not_started else []
    if missing:
        extra.append(f"{len(missing)} not in the file")
    print(summary + (f"; {', '.join(extra)}" if extra else "") + ".")
    if {ex.name for ex in passed} >= set(TRACK):  # (the closing step, as the page says it)
        print(f"Every stage passes: train it, {PROG} train {path}  (300 steps, a few minutes).")
    print(textwrap.fill(_practice(path, decision.route if decision else None), 92))
    print(seed_text(grading_seed()))
    if not passed and not failed:
        print("Nothing to grade yet: replace a `raise NotImplementedError` with your code.")
        return 1
    return 0 if not failed else 1


def _protections(decision: Decision | None, graded: apart.Graded) -> str:
    """What ``check`` says of the protections: for a route, always; for practice, what was
    missing (nothing where nothing was)."""
    decision = decision or decide(None, missing={})
    if decision.route is None and not graded.unprotected:
        return ""
    return stated(decision, graded.unprotected)


def _check_part(path: Path, names: list[Exercise], part: str,
                decision: Decision | None = None) -> int:
    """``check FILE NAME --part PART``: the verdict, and exit with 0 exactly when the graded
    part ``PART`` of the one exercise named is right on every input tried."""
    if len(names) == 1 and part.isdigit() and 1 <= int(part) <= len(names[0].graded_parts):
        part = names[0].graded_parts[int(part) - 1]
    if len(names) != 1 or part not in names[0].graded_parts:
        parts = ", ".join(names[0].graded_parts) if len(names) == 1 else ""
        print(f"--part {part}: name one exercise, and one of its graded parts"
              + (f" ({parts})" if parts else ""), file=sys.stderr)
        return 2
    ex = names[0]
    graded = _graded(path, [ex])
    said = _protections(decision, graded)
    if said:
        print(said, file=sys.stderr)
    if graded.problem is not None or graded.reported or ex.name not in graded.verdicts:
        why = graded.problem or graded.reported or graded.why.get(ex.name, "not graded")
        said = "missing: " if graded.absent.get(ex.name) == "missing" else ""
        print(f"✗ {ex.name}: {said}{why}", file=sys.stderr)
        return 1
    verdict = graded.verdicts[ex.name]
    print(verdict)
    right = part in verdict.right
    print(f"{'✓' if right else '✗'} {ex.name}, {part}: {'right' if right else 'not right yet'}")
    return 0 if right else 1


def _track_text() -> str:
    """``show microgpt``: the stages, in order, and how to start."""
    lines = ["Build microgpt yourself: ten stages, from one Value to a GPT that makes up names.",
             ""]
    lines += [f"  {ex.number:>2}. {ex.name:<11} {ex.title}" for ex in TRACK.values()]
    lines += ["", f"Read a stage:   {PROG} show linear",
              f"Start the file: {PROG} start gpt.py microgpt",
              f"Grade it:       {PROG} check gpt.py",
              f"Watch it learn: {PROG} train gpt.py"]
    return "\n".join(lines)


def _train(path: Path, steps: int, samples: int) -> int:
    """``train FILE``: the file's own GPT, trained beside the reference (in this process: it
    is for seeing, not grading), then its names."""
    from tinygrad_edu.exercises.loading import load_solutions
    from tinygrad_edu.exercises.microgpt.training import train

    if steps < 1:
        print(f"--steps {steps}: train on at least one name", file=sys.stderr)
        return 2
    try:
        found = load_solutions(path)
        train(found, steps, samples=samples)
    except (SolutionFileError, ValueError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # the learner's code failed: where, and what to do
        print(f"{path}: your code raised {type(error).__name__}: {error}. Grade the file "
              f"first ({PROG} check {path}): every stage should pass.", file=sys.stderr)
        return 1
    return 0


def _other_names(path: Path, ex: Exercise) -> str:
    """The classes the file does define with a ``backward`` method (for a class exercise),
    or the functions named as the exercise's but for capitals, in case one is the answer
    under another name (read from its source, not run here)."""
    symbol = ex.symbol  # (the node stage's answer is class Value)
    try:
        tree = parsed(read_source(path))
    except Exception:  # (unreadable, not Python, or nested past the parser's limits)
        return ""
    if ex.kind == "class":
        kind = "class"
        found = [n.name for n in tree.body if isinstance(n, ast.ClassDef)
                 and not n.name.startswith("_")
                 and any(isinstance(f, ast.FunctionDef) and f.name == "backward"
                         for f in n.body)]
    else:
        kind = "def"
        found = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)
                 and n.name != symbol and n.name.lower() == symbol.lower()]
    if not found:
        return ""
    return (f"\n(it defines {kind} {', '.join(found)}: name yours {symbol}, or add "
            f"{symbol} = {found[0]})")


def _exercises(values: list[str]) -> list[Exercise]:
    """The exercises named (by name or number; ``microgpt``: every stage of the track), each
    once (``microgpt node`` graded node twice, "0 of 2 attempted stages")."""
    chosen: list[Exercise] = []
    for value in values:
        if value == "microgpt":
            chosen += TRACK.values()
        else:
            chosen.append(get_exercise(int(value) if value.isdigit() else value))
    return list({id(ex): ex for ex in chosen}.values())


def _defined(path: Path) -> set[str]:
    """The names a file defines at its top level, read from its source (not run here)."""
    try:
        return defined_names(read_source(path), path)
    except SolutionFileError:
        return set()


def _everything_in(path: Path) -> list[Exercise]:
    """What ``check FILE`` grades with no names: every exercise (and, for a file of the
    microgpt track, every stage), those on arrays only where NumPy is installed."""
    wanted = attempted_in(_defined(path), everything=True)
    return wanted if numpy_installed() else [ex for ex in wanted if not ex.arrays]


def main(argv: list[str] | None = None) -> int:
    """Run the command with ``argv`` (default: the command line's arguments) and return its
    exit code: 1 when a checked exercise does not pass or the file cannot be used (the
    message says why), else 0. A mistake in the command itself exits with 2."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Write derivative rules and backward passes yourself; "
        "property tests grade them and name the common mistakes.",
        epilog="With no command: the list of exercises and your progress. Progress is kept "
        "in $TINYGRAD_EDU_PROGRESS, else $XDG_DATA_HOME/tinygrad_edu/progress.json, else "
        "~/.local/share/tinygrad_edu/progress.json.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("list", help="the exercises with your progress (the default)")
    show = commands.add_parser("show", help="print an exercise's statement and starter")
    show.add_argument("exercise", help="its name (d_tanh, or a stage of microgpt: attention) "
                      "or number; microgpt: the track's stages")
    start = commands.add_parser("start", help="write a file with the starters")
    start.add_argument("file", type=Path)
    start.add_argument("exercise", nargs="*", default=[], help="only these (names or numbers)")
    start.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    train = commands.add_parser("train", help="train the GPT a file of the microgpt track "
                                "builds, beside the reference, and make up names with it")
    train.add_argument("file", type=Path)
    train.add_argument("--steps", type=int, default=300, help="names to train on (default: "
                       "300; about a third of a second each, with the reference's)")
    train.add_argument("--samples", type=int, default=10, help="names to make up (default: 10)")
    check = commands.add_parser("check", help="grade the functions a file defines")
    check.add_argument("file", type=Path)
    check.add_argument("exercise", nargs="*", default=[], help="only these (names or numbers)")
    check.add_argument("--json", action="store_true", help="print the result as JSON: per "
                       "exercise the status, the points, the diagnoses and the verdict")
    check.add_argument("--format", choices=("text", "json", "gradescope"), default="text",
                       help="text (the default), json (as --json), or gradescope: "
                       "Gradescope's results.json")
    check.add_argument("--points", action="append", default=[], metavar="SPEC",
                       help=f"{POINTS} (with --json or --format)")
    check.add_argument("--require-sandbox", action="store_true", help=REQUIRE_HELP)
    check.add_argument("--allow-unsandboxed", action="store_true", help=ALLOW_HELP)
    check.add_argument("--route", choices=sorted(ROUTES), help=ROUTE_HELP)
    check.add_argument("--seed", type=int, help=SEED_HELP)
    check.add_argument("--partial", action="store_true", help=PARTIAL_HELP)
    check.add_argument("--part", metavar="PART", help="with one exercise: exit with 0 exactly "
                       "when this graded part of it is right: its name (dW) or its number "
                       "among them, from 1 (GitHub Classroom's steps with partial credit)")
    check.add_argument("-o", "--output", type=Path, help="write the JSON to this file "
                       "(with --json or --format)")
    assignment = commands.add_parser(
        "assignment", help="make an assignment for nbgrader, Gradescope or GitHub Classroom")
    assignment.add_argument("exercise", nargs="+", help="its exercises (names or numbers)")
    assignment.add_argument("--for", dest="route", required=True,
                            choices=("nbgrader", "gradescope", "github", "otter",
                                     "prairielearn"),
                            help="nbgrader: a source notebook; gradescope: autograder.zip; "
                            "github: a template repository for GitHub Classroom")
    assignment.add_argument("-o", "--output", type=Path, required=True, metavar="DIR",
                            help="the folder to write it in (nbgrader: the course's folder)")
    assignment.add_argument("--name", default="assignment", help="the assignment's name, "
                            "and its file's (default: assignment)")
    assignment.add_argument("--points", action="append", default=[], metavar="SPEC",
                            help=POINTS)
    assignment.add_argument("--wheel", type=Path, help="the wheel of tinygrad_edu to carry "
                            "(default: built from this clone)")
    assignment.add_argument("--wheels", type=Path, metavar="DIR", help="gradescope, "
                            "prairielearn: more wheels to carry, so that the grader's image "
                            "installs offline (prairielearn: --wheels or --network)")
    assignment.add_argument("--network", action="store_true", help="prairielearn: its "
                            "grader installs what it needs from PyPI at each grading "
                            "(info.json sets enableNetworking)")
    assignment.add_argument("--force", action="store_true", help="overwrite the files of an "
                            "assignment made before in DIR")
    assignment.add_argument("--partial", action="store_true", help=PARTIAL_HELP + " (off by "
                            "default, so that a running course's scores do not change)")
    assignment.add_argument("--allow-unsandboxed", action="store_true", help="its grader "
                            "grades even where the machine lacks a protection the route "
                            "needs (by default it refuses, saying what is missing); every "
                            "result says so")
    report = commands.add_parser("report", help="grade every submission in a folder and show "
                                 "what the class got wrong")
    report.add_argument("folder", type=Path, metavar="DIR", help="the submissions: learners' "
                        "files, a folder per student, or nbgrader's course folder")
    report.add_argument("exercise", nargs="*", default=[], help="only these (default: those "
                        "the submissions define)")
    report.add_argument("-o", "--output", type=Path, required=True,
                        help="report.html (a page with the charts) or report.csv")
    report.add_argument("--points", action="append", default=[], metavar="SPEC", help=POINTS)
    report.add_argument("--assignment", help="nbgrader: which assignment, when submitted/ "
                        "holds several")
    report.add_argument("--require-sandbox", action="store_true", help=REQUIRE_HELP)
    report.add_argument("--allow-unsandboxed", action="store_true", help=ALLOW_HELP)
    report.add_argument("--seed", type=int, help=SEED_HELP)
    report.add_argument("--partial", action="store_true", help=PARTIAL_HELP)
    report.add_argument("--jobs", type=int, help="submissions graded at once (default: one "
                        "per core)")
    shown_on_terminal()  # (a file named with bytes that are not UTF-8, or with a terminal's
    args, extra = parser.parse_known_args(argv)  # escape codes, printed as escapes: argparse's
    if extra:  # errors too). Names after an option (report DIR -o r.csv d_tanh) are names:
        named = isinstance(getattr(args, "exercise", None), list)
        wrong = [word for word in extra if word.startswith("-") or not named]
        if wrong:
            parser.error(f"unrecognized arguments: {' '.join(wrong)}")
        args.exercise += extra
    try:
        chosen = _exercises(getattr(args, "exercise", []) or []) if args.command != "show" \
            else _exercises([args.exercise])
    except ExerciseError as error:
        parser.error(str(error))
    if getattr(args, "require_sandbox", False):
        lacking = unprotected_here()
        if lacking:
            print(f"not grading: --require-sandbox, and this machine lacks {lacking}",
                  file=sys.stderr)
            return 2
    settings = {REQUIRE: getattr(args, "require_sandbox", False),  # (the grading processes,
                PARTIAL: args.command in ("check", "report") and args.partial}  # theirs too)
    before = {name: os.environ.get(name) for name in settings}
    os.environ.update({name: "1" for name, on in settings.items() if on})
    try:
        with _hypothesis_elsewhere():
            return _run(parser, args, chosen)
    finally:  # (for a caller that runs several commands in one process: the tests)
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _hypothesis_elsewhere() -> Iterator[None]:
    """hypothesis keeps what it reads of the code it draws for (``.hypothesis/constants``)
    in the folder it is run from: a learner's, a class's, for ``check`` or ``report``. A
    command keeps it in a temporary folder of its own instead, removed as it ends."""
    from hypothesis.configuration import set_hypothesis_home_dir

    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-hypothesis-") as folder:
        set_hypothesis_home_dir(folder)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, chosen: list[Exercise]
         ) -> int:
    """Run the parsed command."""
    if args.command in (None, "list"):
        print(_listing())
        return 0
    if args.command == "show":
        print(chosen[0].describe() if len(chosen) == 1 else _track_text())
        return 0
    if args.command == "train":
        return _train(args.file, args.steps, args.samples)
    if args.command == "start":
        return _start(args.file, chosen, args.force)
    if args.command == "report":
        from tinygrad_edu.exercises.classroom.commands import report as report_command

        return report_command(args.folder, chosen, args.output, args.points, args.assignment,
                              args.jobs, args.allow_unsandboxed, args.seed)
    if args.command == "assignment":
        from tinygrad_edu.exercises.classroom.make import make_assignment

        return make_assignment(chosen, args.route, args.output, args.name, args.points,
                               args.wheel, args.wheels, args.force, args.partial,
                               args.allow_unsandboxed, args.network)
    if args.json and args.format not in ("text", "json"):
        parser.error(f"--json and --format {args.format} ask for two formats: give one")
    form = "json" if args.json else args.format
    if form == "text":
        if args.points or args.output:
            parser.error("--points and --output go with --json or --format gradescope")
        decision = decide(args.route, args.allow_unsandboxed,
                          around=[args.file.resolve().parent.parent])
        if decision.refused:
            print(decision.refused, file=sys.stderr)
            return 2
        begin(args.seed)
        with requiring(decision):
            if args.part is not None:
                return _check_part(args.file, chosen, args.part, decision)
            return _check(args.file, chosen, "microgpt" not in args.exercise, decision)
    from tinygrad_edu.exercises.classroom.commands import check_for_machines

    return check_for_machines(args.file, chosen, form, args.points, args.output,
                              args.route or ("gradescope" if form == "gradescope"
                                             else "machine"), args.allow_unsandboxed,
                              args.seed)
