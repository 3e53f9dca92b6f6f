"""Otter-Grader's points, given by tinygrad_edu's grader outside the student's notebook.

Otter runs a submitted notebook in a kernel and runs each question's tests there, on the
objects the student's cells made: everything in that kernel is the student's to change.
And before it does, Otter reads what else the submission holds, as root on Gradescope: it
unpickles a ``.OTTER_LOG`` (a pickle runs what it names), and its kernel runs in the
submission's folder, first on ``sys.path`` (a module the submission holds, ``otter.py``,
is imported in place of Otter's own). So an assignment made by ``exercises assignment ...
--for otter`` lists ``GradeOutside`` among its plugins:

- ``before_grading`` (Otter's first event, before it reads anything of the submission but
  the notebook's JSON): as root, Otter's own copies of the package are made root's only
  (``_close_otters_copies``: the zip unpacked, and the package where it was installed from
  the zip's wheel, as in Otter's image on Gradescope); the submission's folder is left
  holding the notebook alone, with what Otter put there itself (its tests, its files, an
  empty ``__init__.py``); anything else the student handed in (``.OTTER_LOG``, a ``.py``, a
  folder) is removed, and the results say so;
- ``before_execution``: every code cell of the submission is emptied, and every cell's
  metadata and the notebook's cleared (Otter writes a cell's ``otter`` metadata into the
  code it runs), so that none of the student's code runs in Otter's kernel at all; a
  script handed in (``otter.py``, Otter grading the one ``.py`` of the folder), which the
  kernel would import as a module of its folder (``import otter``: before, the student's
  file ran as root there, read the model answers and took every point), is moved out of
  the folder, Otter having read it, into ``HIDDEN`` (a name no module can have) and graded
  from there;
- ``after_grading``: the submitted file is graded as ``exercises report`` grades a
  submission (``isolation.grade_all``: a grading process, learner's processes of their own
  behind the operating system's boundary), and each question gets its points and the
  verdict as its result (the failing input shown, the diagnosis of the mistake; no
  reference's code; a pass's note as its test case's success message, which Otter shows
  students in the public tests' summary).

``feedback`` is what a question's test runs when the student checks their answer in their
own notebook (``grader.check("d_tanh")``): for practice, the verdict the autograder will
give, graded as it grades, apart from their kernel, from the notebook's cells.

Imported by Otter (its plugins, its tests), where otter-grader runs; without it this module
imports all the same (for the API reference), and ``GradeOutside`` says what to install when
it is used.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path
from typing import Any

try:
    from otter.plugins import AbstractOtterPlugin  # type: ignore[import-untyped]
except ImportError:  # (see the module's docstring)
    class AbstractOtterPlugin:  # type: ignore[no-redef]
        """Where otter-grader is missing: ``GradeOutside`` says what to install."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise ImportError("tinygrad_edu's plugin of Otter needs otter-grader: pip install "
                              "otter-grader")

from tinygrad_edu.exercises.choosing import by_name
from tinygrad_edu.exercises.classroom.isolation import grade_all
from tinygrad_edu.exercises.classroom.results import (
    for_staff,
    not_graded,
    partial_credit_on,
    unpathed_result,
)
from tinygrad_edu.exercises.classroom.results import said as how_graded
from tinygrad_edu.exercises.copies import flag
from tinygrad_edu.exercises.machinery import flagged
from tinygrad_edu.exercises.text_blocks import visible

__all__ = ["GradeOutside", "NotYet", "feedback"]

HIDDEN = ".tinygrad-edu-script"
"""Where a script handed in is kept while Otter's kernel runs in its folder: no module has
this name, so nothing there is imported (``GradeOutside.before_execution``)."""


class GradeOutside(AbstractOtterPlugin):
    """Otter's plugin: the student's code graded outside Otter's kernel (see the module's
    docstring). Its configuration: ``partial`` (partial credit, off by default)."""

    set_aside: list[str]

    def before_grading(self, config: Any) -> None:
        """Leave the submission's folder holding the notebook alone (see the module's
        docstring): what Otter put there is put there again from its own source (the
        autograder's ``tests`` and ``files``), an empty ``__init__.py``, and everything else
        is removed, its name kept in ``set_aside``."""
        notebook = Path(self.submission_path)
        folder, source = notebook.parent, notebook.parent.parent / "source"
        _close_otters_copies(source)
        self.set_aside = []
        for entry in sorted(folder.iterdir()):
            if entry.name == notebook.name and not entry.is_symlink():
                continue
            if entry.name not in ("tests", "__init__.py") and not (
                    source / "files" / entry.name).exists():
                self.set_aside.append(entry.name)
            _remove(entry)
        for entry in (source / "files").iterdir() if (source / "files").is_dir() else ():
            if entry.is_dir():
                shutil.copytree(entry, folder / entry.name)
            else:
                shutil.copy(entry, folder / entry.name)
        if (source / "tests").is_dir():
            shutil.copytree(source / "tests", folder / "tests")
        (folder / "__init__.py").touch()

    def before_execution(self, submission: Any) -> Any:
        """The submission with every code cell emptied, and no metadata (a script:
        emptied)."""
        _hide(Path(self.submission_path))
        if isinstance(submission, str):
            return ""
        for cell in submission.cells:
            cell.metadata = {}
            if cell.cell_type == "code":
                cell.source = ""
                cell.outputs = []
        submission.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                              "language": "python"},
                               "language_info": {"name": "python"}}
        return submission

    def after_grading(self, results: Any) -> None:
        """Each question's points and result, from tinygrad_edu's grader."""
        from otter.test_files.abstract_test import TestCaseResult  # type: ignore[import-untyped]

        path = _graded(Path(self.submission_path))
        questions = {name: test for name, test in results.results.items()
                     if _exercise(name) is not None}
        if not questions:
            return
        points = {name: float(test.possible) for name, test in questions.items()}
        config = self.plugin_config or {}
        with partial_credit_on(bool(config.get("partial"))):
            (result,) = grade_all([(path.stem, path)], [by_name(n) for n in questions],
                                  points, jobs=1, within=path.parent, route="otter",
                                  allow_unsandboxed=bool(config.get("allow_unsandboxed")))
        result = unpathed_result(result, path, "your notebook's folder")  # (not Otter's
        for mark in result.marks:  # temporary folder)
            test = questions[mark.name]
            text = mark.text
            test.test_case_results = [TestCaseResult(dataclasses.replace(
                case, success_message=text) if mark.passed else case, text, mark.passed)
                for case in test.test_cases]  # (a pass's note: Otter shows a passed case's
            # success message, in the public tests' summary too, and not its result)
            if mark.copied:  # (the teacher's alone: a hidden test case, "failed" so that
                # Otter shows its message in the question's result, which students never
                # see on Gradescope, and never in the public tests' summary they see)
                hidden = dataclasses.replace(test.test_cases[0], name="copies", hidden=True,
                                             points=0)
                test.test_case_results.append(TestCaseResult(hidden, flag(
                    mark.name, mark.copied), False))
            if mark.tampered:  # (the teacher's alone too, so: machinery.py)
                hidden = dataclasses.replace(test.test_cases[0], name="tampered",
                                             hidden=True, points=0)
                test.test_case_results += [TestCaseResult(hidden, line, False)
                                           for line in flagged([mark])]
            test.update_score(mark.points)
        said = [not_graded(result.problem.message)] if result.problem is not None else []
        said.append(how_graded(result, "otter"))
        # (the protections and the teacher's command: Otter's stdout, which Gradescope shows
        # the staff alone unless the assignment sets show_stdout)
        print(visible(f"tinygrad_edu's grading of {path.name}: {for_staff(result)}"))
        aside = getattr(self, "set_aside", [])
        if aside:
            said.append(f"Set aside, not read: {', '.join(aside)} (only the notebook is "
                        "graded)")
        results.set_output(visible("\n".join(said)))  # (names set aside: a student's)


def _close_otters_copies(source: Path) -> None:
    """As root, make root's only (``chmod -R go-rwx``) the copies of the package that Otter's
    grading leaves readable to every user, as Gradescope's setup.sh does for its own: the
    autograder's folder ``source`` (the zip unpacked: its wheel in ``files/``, which this
    plugin copies beside the submission, modes kept), and the package this grader runs if it
    was installed from there (Otter's image installs it from the zip's wheel, and runs no
    setup step of the teacher's that could close it). Without Landlock the route's stand-in
    holds only if nobody can read any copy (``boundary.CLOSED``). A package installed from
    elsewhere (a teacher's own, under ``otter run``) is left as it is: closing it is theirs
    (the teaching guide says so), and the stand-in names it if it is open."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not source.is_dir():
        return
    from tinygrad_edu.exercises import boundary
    from tinygrad_edu.exercises.package_copies import installed_from

    closing = [source]
    inside = source.resolve()
    if any(made.resolve().is_relative_to(inside) for made in installed_from(boundary.PACKAGE)):
        closing.append(boundary.PACKAGE)
    for top in closing:
        for where, folders, files in os.walk(top):
            for name in [*folders, *files]:
                path = os.path.join(where, name)
                if not os.path.islink(path):
                    os.chmod(path, os.lstat(path).st_mode & 0o7700)
        top.chmod(top.stat().st_mode & 0o7700)
    print(visible("tinygrad_edu: made root's only (chmod -R go-rwx): "
                  + ", ".join(str(top) for top in closing)))


def _hide(path: Path) -> None:
    """A script handed in moved out of the folder Otter's kernel runs in (``HIDDEN``): the
    kernel puts its folder first on ``sys.path``, so ``otter.py`` there was imported in
    place of Otter (an attacker's a65b f1: 4/4 for a starter)."""
    if path.suffix == ".py" and path.is_file() and not path.is_symlink():
        hidden = path.parent / HIDDEN
        hidden.mkdir(mode=0o700, exist_ok=True)
        path.rename(hidden / path.name)


def _graded(path: Path) -> Path:
    """The submitted file as it is graded: a script where ``_hide`` moved it."""
    hidden = path.parent / HIDDEN / path.name
    return hidden if hidden.is_file() else path


def _remove(entry: Path) -> None:
    """A file, a link or a folder of the submission, removed (a link, not what it names)."""
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    else:
        entry.unlink()


def _exercise(name: str) -> Any:
    try:
        return by_name(name)
    except KeyError:
        return None


def feedback(exercise: str, solution: Any) -> None:
    """A question's test, in the student's own notebook (``grader.check("d_tanh")``): the
    verdict the autograder will give, raised as an ``AssertionError`` (``NotYet``) unless it
    passes (Otter shows it as it is, ``_said_as_it_is``; a pass's verdict is printed), with
    the seed its inputs were drawn from
    (``TINYGRAD_EDU_SEED``'s, if set: the seed of a grade gives its inputs). Graded as
    ``after_grading`` grades the notebook handed in, apart from the kernel, from the cells
    run so far, under the same import rules, applied to every code cell of the notebook as
    saved, which Otter's ``grader`` names (``graded_cell.practice``, as nbgrader's practice
    check)."""
    from tinygrad_edu.exercises import get_exercise
    from tinygrad_edu.exercises.classroom.graded_cell import practice

    if solution is None:
        _said_as_it_is()
        raise NotYet(f"{exercise} is not defined yet: run the cell with your answer")
    ex = get_exercise(exercise)
    namespace: dict[str, Any] = {}
    try:
        from IPython import get_ipython  # type: ignore[import-not-found,unused-ignore]

        shell = get_ipython()
        if shell is not None:
            namespace.update(shell.user_ns)
    except ImportError:  # (not in a notebook's kernel: the answer itself, graded here)
        pass
    namespace[ex.symbol] = solution
    passed, text = practice(ex, namespace, _otters_notebook(namespace))
    if not passed:
        _said_as_it_is()
        raise NotYet(text)
    print(text)  # (a pass's note, and the seed: Otter shows what the test printed)


def _otters_notebook(namespace: dict[str, Any]) -> str | None:
    """The notebook's file as Otter knows it: its ``grader = otter.Notebook("week3.ipynb")``
    in the student's notebook (the path it was given, or found in the working folder)."""
    for value in namespace.values():
        found = getattr(value, "_notebook", None) if type(value).__module__.startswith(
            "otter.") else None
        if isinstance(found, str):
            return found
    return None


class NotYet(AssertionError):
    """A verdict that does not pass, as a question's test raises it (``feedback``)."""


def _said_as_it_is() -> None:
    """Otter's test file running this check (an ``ExceptionTestFile``'s ``run``, or its
    subclass's that reads the tests from the student's notebook, up the
    stack) says a ``NotYet`` as its verdict alone: Otter's own message of a test that raises
    frames it as a crash, "Error at line 4 in test d_tanh: feedback('d_tanh', d_tanh)
    AssertionError: ✗ d_tanh: not yet." (issue 67); its other errors as Otter says them."""
    frame = sys._getframe(1)
    while frame is not None:
        owner: Any = frame.f_locals.get("self") if frame.f_code.co_name == "run" else None
        if any(kind.__name__ == "ExceptionTestFile" for kind in type(owner).__mro__) and \
                hasattr(owner, "_generate_error_message"):  # (a notebook's: a subclass)
            if not isinstance(owner._generate_error_message, _VerdictAlone):
                owner._generate_error_message = _VerdictAlone(owner._generate_error_message)
            return
        frame = frame.f_back  # type: ignore[assignment]


class _VerdictAlone:
    """An ``ExceptionTestFile``'s message of a test that raised: a ``NotYet``'s verdict alone,
    any other error as Otter says it (``original``)."""

    def __init__(self, original: Any) -> None:
        self.original = original

    def __call__(self, excp: BaseException, context: int = 0) -> str:
        return str(excp).strip() if isinstance(excp, NotYet) else str(self.original(
            excp, context))
