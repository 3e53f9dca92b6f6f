"""What each of the teacher's routes needs of the operating system, and whether this machine
has it: grading fails closed.

A learner's process is confined by the kernel (``learner/sandbox.py``): resource limits, no
new privileges, Landlock, seccomp. Where this machine lacks one (an older kernel, a
container that forbids its calls, macOS, a grader without libseccomp), a route that has an
equivalent boundary of its own grades all the same, saying which; any other route refuses
to grade, in one line that says what is missing and how to grade anyway
(``--allow-unsandboxed``, whose results then say they were graded so). ``ROUTES`` is the
table (the teaching guide has it in words), ``decide`` applies it, and ``stated`` is the
line every result of a route carries: the protections found.

A learner's own ``exercises check`` (and the library's ``grade_all`` where no route is
named) is practice: it grades with what there is, and says what is missing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tinygrad_edu.exercises.learner.sandbox import LANDLOCK, PROTECTIONS, SECCOMP, offered

__all__ = ["ALLOW", "ALLOW_ENV", "PROTECTIONS", "ROUTES", "Decision", "Route", "decide",
           "requiring", "stated"]

ALLOW = "--allow-unsandboxed"
"""The opt-out: grade where a protection the route needs is missing (its results say so)."""
ALLOW_ENV = "TINYGRAD_EDU_ALLOW_UNSANDBOXED"
"""The opt-out where a tool runs the grader (PrairieLearn's run.sh): set to 1."""

PACKAGE = Path(__file__).resolve().parent.parent
"""The installed tinygrad_edu: the references are in ``exercises/``."""


@dataclass(frozen=True)
class Equivalent:
    """What holds on a route without a protection: ``said`` in words, and ``why_not()``,
    which says why it does not hold here (None: it holds)."""

    said: str
    why_not: Callable[[Sequence[Path]], str | None]


@dataclass(frozen=True)
class Route:
    """A teacher's route: how it is run (``how``), and the boundary it has of its own in
    place of a missing protection (``equivalents``); every other protection it needs; and
    how its teacher grades anyway (``opt_out``: the route's own place for ``ALLOW``)."""

    how: str
    equivalents: Mapping[str, Equivalent] = field(default_factory=dict)
    opt_out: str = f"add {ALLOW}"


def _another_user(around: Sequence[Path] = ()) -> str | None:
    from tinygrad_edu.exercises.apart import learner_user

    if learner_user() is None:
        return "the grader is not root, so the learner's code runs as the grader's own user"
    return None


def _package_closed(around: Sequence[Path] = ()) -> str | None:
    """Why the learner's user could read the package's files (the references), or None:
    the package must be root's only, and so must every other copy of it the grader knows of
    (``package_copies``: another install, the wheel it was installed from, the wheels and
    zips in the tool's folders ``around``)."""
    why = _another_user()
    if why is not None:
        return why
    for folder in (PACKAGE, PACKAGE / "exercises"):
        try:
            mode = folder.stat().st_mode & 0o777
        except OSError as error:
            return f"{folder} cannot be read ({error.strerror})"
        if mode & 0o077:
            return (f"the package is readable by other users ({folder} has mode {mode:o}; "
                    f"chmod -R go-rwx {PACKAGE}, as the Gradescope assignment's setup.sh "
                    "does)")
    from tinygrad_edu.exercises.apart import learner_user
    from tinygrad_edu.exercises.package_copies import copies, readable_by

    user = learner_user() or ""
    files, unsure = copies(PACKAGE, around)
    if unsure is not None:
        return unsure
    opened, unsure = readable_by(user, files)
    if unsure is not None:
        return unsure
    if opened:
        more = f" (and {len(opened) - 1} more)" if len(opened) > 1 else ""
        return (f"{user} can read a copy of the package: {opened[0]}{more} (chmod go-rwx "
                "every copy: the wheels the assignment ships, the folder they are in)")
    return None


CLOSED = Equivalent("its code runs as nobody, who cannot read the package nor any copy of it "
                    "found (root's only: chmod -R go-rwx, as setup.sh does), so not the "
                    "references",
                    _package_closed)
ALONE = Equivalent("one submission per container, its code run as nobody: no other "
                   "student's process or file there to reach", _another_user)

ROUTES: dict[str, Route] = {
    "report": Route("exercises report"),
    "nbgrader": Route("nbgrader autograde (tinygrad_edu's preprocessor)", opt_out=(
        "set c.GradeOutside.allow_unsandboxed = True in nbgrader_config.py (exercises "
        f"assignment --for nbgrader {ALLOW} writes it)")),
    "otter": Route("Otter-Grader (tinygrad_edu's plugin)", {LANDLOCK: CLOSED}, opt_out=(
        "set allow_unsandboxed: true in the plugin's configuration of the assignment's "
        f"notebook, then otter assign again (exercises assignment --for otter {ALLOW} "
        "writes it)")),
    "gradescope": Route("Gradescope's run_autograder", {LANDLOCK: CLOSED, SECCOMP: ALONE},
                        opt_out=f"add {ALLOW} to run_autograder's command (exercises "
                                f"assignment --for gradescope {ALLOW} writes it)"),
    "prairielearn": Route("PrairieLearn's external grader", {LANDLOCK: CLOSED, SECCOMP: ALONE},
                          opt_out=f"set {ALLOW_ENV}=1 where it grades (exercises assignment "
                                  f"--for prairielearn {ALLOW} writes it in run.sh)"),
    "classroom": Route("GitHub Classroom's workflow", opt_out=(
        f"add {ALLOW} to the workflow's commands (exercises assignment --for classroom "
        f"{ALLOW} writes it)")),
    "machine": Route("exercises check --json"),
}
"""Each route, by name: every protection is needed, but those it has an equivalent for."""


@dataclass(frozen=True)
class Decision:
    """What a route does on this machine: ``missing`` (each protection this machine lacks,
    with why), ``held`` (those of them an equivalent of the route stands in for, with it),
    ``refused`` (the line that says why it grades nothing; empty if it grades), and
    ``unsandboxed`` (it grades although a protection it needs is missing: the opt-out)."""

    route: str | None
    missing: dict[str, str]
    held: dict[str, str]
    refused: str = ""
    unsandboxed: bool = False

    @property
    def required(self) -> list[str]:
        """The protections each learner's process must have applied before it runs any of
        the submission's code (else it runs none): every one this machine offers, on a
        teacher's route that grades without the opt-out."""
        if self.route is None or self.unsandboxed or self.refused:
            return []
        return [p for p in PROTECTIONS if p not in self.missing]


@cache
def found() -> dict[str, str]:
    """The protections this machine lacks for a learner's process, with why (probed once:
    ``sandbox.offered``, with the grader's filter, ``syscall_filter.py``)."""
    from tinygrad_edu.exercises.syscall_filter import kernel

    return {name: why for name, why in offered(kernel()).items() if why}


def decide(route: str | None, allow_unsandboxed: bool = False,
           missing: Mapping[str, str] | None = None, around: Sequence[Path] = ()) -> Decision:
    """What ``route`` (a key of ``ROUTES``; None: practice) does here (or with ``missing``,
    the protections lacking, instead of this machine's). ``around``: the tool's folders
    that hold the submissions' (``/autograder``, ``/grade``), where a stand-in looks for
    copies of the package too."""
    lacking = dict(found() if missing is None else missing)
    if route is None:
        return Decision(None, lacking, {})
    held: dict[str, str] = {}
    unmet: dict[str, str] = {}
    for name, why in lacking.items():
        equivalent = ROUTES[route].equivalents.get(name)
        not_here = equivalent.why_not(around) if equivalent is not None else None
        if equivalent is not None and not_here is None:
            held[name] = equivalent.said
        else:
            unmet[name] = why + (f"; its stand-in here does not hold: {not_here}"
                                 if not_here else "")
    if not unmet:
        return Decision(route, lacking, held)
    if allow_unsandboxed:
        return Decision(route, lacking, held, unsandboxed=True)
    what = "; ".join(f"{name} ({why})" for name, why in unmet.items())
    return Decision(route, lacking, held, refused=(
        f"not grading: {ROUTES[route].how} needs {', '.join(unmet)}, and this machine lacks "
        f"{what}; to grade anyway, with what there is, {ROUTES[route].opt_out} (every result "
        "then says so)"))


def stated(decision: Decision, lacked: Mapping[str, str] | None = None) -> str:
    """The protections found, as every result of a route says them: those of
    ``decision``, and ``lacked``, what a learner's process of this result said it lacked."""
    missing = {**decision.missing, **(lacked or {})}
    if not missing:
        return ("Protections: resource limits, no new privileges, Landlock and seccomp (the "
                "kernel's boundary around the submission's code).")
    parts = []
    for name, why in missing.items():
        if name in decision.held:
            parts.append(f"without {name} ({why}), in its place: {decision.held[name]}")
        else:
            parts.append(f"WITHOUT {name} ({why})")
    had = [p for p in PROTECTIONS if p not in missing]
    text = f"Protections: {', '.join(had) or 'none'}; " + "; ".join(parts) + "."
    if decision.unsandboxed:
        text += f" Graded with {ALLOW}: what a missing protection stops was not stopped."
    elif decision.route is None and any(name not in decision.held for name in missing):
        text += " (Practice: a teacher's route would not grade here.)"
    return text


@contextlib.contextmanager
def requiring(decision: Decision) -> Iterator[None]:
    """Inside, each learner's process started (here, or in a grading process started here)
    requires the protections of ``decision`` (``remote.REQUIRE``): one that lacks any runs
    none of the submission's code."""
    from tinygrad_edu.exercises.remote import REQUIRE

    before = os.environ.get(REQUIRE)
    if decision.required:
        os.environ[REQUIRE] = ",".join(decision.required)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(REQUIRE, None)
        else:
            os.environ[REQUIRE] = before
