"""nbgrader's points, given by tinygrad_edu's grader outside the student's notebook.

``nbgrader autograde`` runs a notebook in a kernel and gives a graded cell its points when
the cell raises nothing. Everything in that kernel is the student's to change: a solution
cell can rebind ``In``, replace ``graded_cell``, or make any later cell raise nothing. So
the course's ``nbgrader_config.py`` (as ``exercises assignment ... --for nbgrader`` writes
it) puts ``GradeOutside`` in the place of nbgrader's ``Execute``:

    c.Autograde.autograde_preprocessors = autograde_preprocessors()

``GradeOutside`` writes the student's cells (the teacher's test cells left out) to a file of
its own, grades it as ``exercises report`` grades a submission (``isolation.grade_all``: a
grading process, learner's processes of their own behind the operating system's
boundary), and writes each graded cell's outputs itself: the verdict, and an error when it
did not pass, from which nbgrader's ``SaveAutoGrades`` gives 0 (else the cell's points).
Every notebook of one ``autograde`` run is graded on inputs drawn from one seed, as a class's
report is: they are drawn once, for the first, and each notebook's grading process inherits
them.
The student's code never runs in a kernel at all, unless the notebook also holds graded
cells that are not tinygrad_edu's (a teacher's own tests): then nbgrader's ``Execute`` runs
it first, as it would have, and only tinygrad_edu's cells are graded outside. A notebook
whose graded cells were all deleted is not run either (it was, by nbgrader's ``Execute``:
a student's cell then ran in a kernel as the teacher's user, outside every protection, and
rewrote the gradebook: 5/5 for no work, an honest classmate 0): the deleted cells earn 0.

Imported by nbgrader's configuration, where nbgrader runs (``pip install nbgrader``);
without nbgrader it imports all the same (for the API reference), and ``GradeOutside`` says
what to install when it is used.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

try:
    from nbgrader.preprocessors import (  # type: ignore[import-untyped]
        CheckCellMetadata,
        DeduplicateIds,
        Execute,
        NbGraderPreprocessor,
    )
    from traitlets import Bool
except ImportError:  # (see the module's docstring)
    class Execute:  # type: ignore[no-redef]
        """Where nbgrader is missing: ``GradeOutside`` says what to install."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise ImportError("tinygrad_edu's preprocessor of nbgrader autograde needs "
                              "nbgrader: pip install nbgrader")

    CheckCellMetadata = DeduplicateIds = NbGraderPreprocessor = Execute

    class Bool:  # type: ignore[no-redef]
        """Where traitlets is missing: a setting's default, as the class shows it."""

        def __init__(self, default: bool, **kwargs: Any) -> None:
            self.default_value = default

        def tag(self, **kwargs: Any) -> bool:
            return self.default_value

from tinygrad_edu.exercises.cases import begin
from tinygrad_edu.exercises.choosing import by_name
from tinygrad_edu.exercises.classroom.graded_cell import GRADED
from tinygrad_edu.exercises.classroom.isolation import grade_all
from tinygrad_edu.exercises.classroom.results import (
    for_staff,
    partial_credit_on,
    said,
    unpathed_result,
)

__all__ = ["CheckSubmittedMetadata", "GradeOutside", "KeepOneGradeId", "WrittenAsText",
           "autograde_preprocessors", "handed_in_as_files", "sanitize_preprocessors"]



def handed_in_as_files(config: Any = None, argv: list[str] | None = None) -> None:
    """Stop ``nbgrader autograde`` before it reads any submission, where one holds what is
    not a file or a folder, and say what to remove. nbgrader reads and copies each
    submission as the teacher's user, following links: a symbolic link to a classmate's
    notebook was graded as the student's own (their full marks), links to the source
    notebook and the gradebook came back in the student's feedback, and a FIFO (or a link
    to /dev/zero) hung autograde for the whole class (or filled the disk), an attacker's
    (issue 65). The course's ``nbgrader_config.py`` calls it with nbgrader's ``c``, whose
    ``CourseDirectory.root`` and ``submitted_directory`` it reads; ``argv``: the command's
    (default ``sys.argv``), checked for ``autograde``."""
    if "autograde" not in (sys.argv if argv is None else argv)[1:]:
        return
    section = (config or {}).get("CourseDirectory", {})
    folder = Path(section.get("root", ".")) / section.get("submitted_directory", "submitted")
    if not folder.is_dir():
        return
    odd = []
    for parent, folders, files in os.walk(folder):  # (links to folders: listed, not entered)
        for name in sorted(folders + files):
            path = Path(parent, name)
            mode = path.lstat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                kind = ("a symbolic link" if stat.S_ISLNK(mode) else "a FIFO"
                        if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode)
                        or stat.S_ISBLK(mode) else "a socket")
                odd.append(f"  {path} ({kind})")
    if odd:
        sys.stderr.write(
            "nbgrader autograde stopped before grading anything: a submission is graded as "
            "the files a student handed in, and these are not files (nbgrader would read and "
            "copy what they point to, as your user):\n" + "\n".join(odd) + "\nRemove them "
            "(or put the student's own file in their place), then run autograde again.\n")
        raise SystemExit(1)


class GradeOutside(Execute):
    """nbgrader's ``Execute``, for a notebook of tinygrad_edu's exercises: the student's code
    graded outside any kernel, and each graded cell's outputs written from the verdict
    (see the module's docstring)."""

    partial = Bool(False, help="partial credit: an exercise of several graded parts that "
                   "fails earns the share of its points of the parts it has right").tag(
                       config=True)
    allow_unsandboxed = Bool(False, help="grade even where this machine lacks a protection "
                             "of the process the students' code runs in (every graded "
                             "cell says so); by default nothing is graded there").tag(
                                 config=True)

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        """Grade the notebook's exercises outside its kernel, and write their cells'
        outputs (see the module's docstring)."""
        ours = {index: GRADED.search(cell.source).group(1)  # type: ignore[union-attr]
                for index, cell in enumerate(nb.cells) if _test_cell(cell)
                and GRADED.search(cell.source)}
        others = [cell for index, cell in enumerate(nb.cells) if _test_cell(cell)
                  and cell.cell_type == "code" and index not in ours]
        if others:  # (a teacher's own tests need the kernel, as nbgrader runs it; a notebook
            nb, resources = super().preprocess(nb, resources)  # with none left: never run)
        if ours:
            student = str(resources.get("nbgrader", {}).get("student", "student"))
            with partial_credit_on(self.partial):
                marks, seed, staff = _grade(nb, student, {index: (name, float(
                    nb.cells[index].metadata["nbgrader"].get("points", 0)))
                    for index, name in ours.items()}, self.allow_unsandboxed,
                    _notebook(resources))
            self.log.info("tinygrad_edu's grading of %s: %s", student, staff)  # (the teacher's)
            for index, name in ours.items():
                nb.cells[index].outputs = _outputs(name, marks.get(name), self.partial, seed)
        return nb, resources


def _test_cell(cell: Any) -> bool:
    from nbgrader.utils import is_grade, is_solution  # type: ignore[import-untyped]

    return bool(is_grade(cell)) and not is_solution(cell)


_SEED: list[int] = []
"""The seed of this process's ``autograde`` run (``_run_seed``)."""


def _run_seed() -> int:
    """The seed every notebook of this ``autograde`` run is graded with: drawn for the first
    (``cases.begin``: ``TINYGRAD_EDU_SEED``'s, else a new one), the same for the others."""
    if not _SEED:
        _SEED.append(begin())
    return _SEED[0]


def _notebook(resources: Any) -> Path:
    """The notebook being graded, as the teacher has it: its name as the student gave it
    (``week3.ipynb``), in the folder nbgrader autogrades it in (``autograded/<student>/
    <assignment>/``, said from the course's folder where it is beneath it)."""
    name = str(resources.get("nbgrader", {}).get("notebook") or "notebook")
    folder = str(resources.get("metadata", {}).get("path") or "")
    with contextlib.suppress(ValueError):  # (another drive, on Windows: kept whole)
        relative = os.path.relpath(folder) if folder else ""
        folder = folder if relative.startswith("..") else relative
    return Path(folder, f"{name}.ipynb")


def _grade(nb: Any, student: str, graded: dict[int, tuple[str, float]],
           allow_unsandboxed: bool = False, notebook: Path = Path("notebook.ipynb")
           ) -> tuple[dict[str, Any], str, str]:
    """The marks of the exercises of ``graded`` in the notebook, by exercise's name, what
    the student reads of how it was graded (its seed) and what the teacher reads (the
    protections found too: ``results.for_staff``). The notebook is graded as a file of
    ``notebook``'s name in a folder of its own: each mark names it so, never that folder
    (``results.unpathed``), and the teacher's command names ``notebook``."""
    names = list(dict.fromkeys(name for name, _ in graded.values()))
    points = {name: worth for name, worth in graded.values()}
    import nbformat

    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-nbgrader-") as folder:
        path = Path(folder, notebook.name)
        path.write_text(nbformat.writes(nb), encoding="utf-8")
        (result,) = grade_all([(student, path)], [by_name(n) for n in names], points,
                              jobs=1, within=Path(folder), route="nbgrader",
                              allow_unsandboxed=allow_unsandboxed, seed=_run_seed(),
                              batch=True)
    result = unpathed_result(result, path, "your notebook's folder")
    return ({mark.name: mark for mark in result.marks}, said(result, "nbgrader"),
            for_staff(result, str(notebook)))


def _outputs(name: str, mark: Any, partial: bool = False, seed: str = "") -> list[Any]:
    """A graded cell's outputs: the verdict printed (and the seed it was drawn from), then (unless
    it passed) an error, from which nbgrader gives 0; with partial credit, the points
    earned as the cell's value instead, which nbgrader takes as its score."""
    import nbformat

    text = mark.text if mark is not None else f"✗ {name}: not graded"
    text = f"{text.rstrip()}\n{seed}" if seed else text
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=text.rstrip() + "\n")]
    if partial and mark is not None and mark.status != "passed":
        outputs.append(nbformat.v4.new_output(
            "execute_result", data={"text/plain": f"{mark.points:g}"}, execution_count=None))
    elif mark is None or mark.status != "passed":
        outputs.append(nbformat.v4.new_output(
            "error", ename="AssertionError", evalue=f"{name} does not pass yet: see the "
            "verdict above", traceback=[f"AssertionError: {name} does not pass yet: see the "
                                        "verdict above"]))
    return outputs


def autograde_preprocessors() -> list[Any]:
    """nbgrader's preprocessors of ``autograde``, with ``GradeOutside`` in the place of
    ``Execute``: what a course's ``nbgrader_config.py`` sets
    ``c.Autograde.autograde_preprocessors`` to."""
    from nbgrader.converters import Autograde  # type: ignore[import-untyped]

    default = Autograde.class_traits()["autograde_preprocessors"].default()
    return [GradeOutside if step is Execute else step for step in default]


class KeepOneGradeId(DeduplicateIds):
    """nbgrader's ``DeduplicateIds``, whose duplicates become plain cells: a student who
    copies a cell (its metadata with it) has one ``grade_id`` twice, and nbgrader keeps the
    last and leaves the others an empty ``nbgrader`` metadata, which its
    ``CheckCellMetadata`` takes for an old format: ``autograde`` then stops, and every
    student after that one goes ungraded (jupyter/nbgrader#1083). Here a copy loses its
    metadata whole, and says so at its top, which the student reads in the feedback: a copy
    of the teacher's cell (a locked one) is commented out, a copy of the student's answer
    runs as a cell of the student's own."""

    def preprocess_cell(self, cell: Any, resources: Any, cell_index: int) -> tuple[Any, Any]:
        from nbgrader.utils import (
            is_grade,
            is_locked,
            is_solution,
        )

        if not (is_grade(cell) or is_solution(cell) or is_locked(cell)):  # (as nbgrader's)
            return cell, resources
        grade_id = cell.metadata.nbgrader["grade_id"]
        if grade_id not in self.grade_ids:
            self.grade_ids.add(grade_id)
            return cell, resources
        teachers = is_locked(cell)
        student = str(resources.get("nbgrader", {}).get("student", "student"))
        self.log.warning("%s's notebook has the cell %r more than once: a copy is graded as "
                         "a cell of the student's own (its feedback says so)", student, grade_id)
        del cell.metadata["nbgrader"]
        note = (f"A copy of the cell {grade_id!r} (its nbgrader id twice in this notebook; "
                "the last one is graded as that cell): "
                + ("it is the teacher's, so its lines are commented out here"
                   if teachers else "it runs as a cell of your own")
                + ". Delete the copy.")
        if cell.cell_type != "code":
            cell.source = f"*{note}*\n\n{cell.source}"
        else:
            lines = cell.source.splitlines() if teachers else [cell.source]
            cell.source = "\n".join([*(f"# {line}" for line in textwrap.wrap(note, 88)),
                                     *(f"# {line}" if teachers else line for line in lines)])
        return cell, resources


class CheckSubmittedMetadata(CheckCellMetadata):
    """nbgrader's ``CheckCellMetadata``, for a submission: a cell whose nbgrader metadata is
    of another version (``{}``, say, edited by hand or pasted from another notebook) fails
    that student's notebook, as metadata nbgrader finds corrupted does, where nbgrader stops
    ``autograde`` for the class (asking for ``nbgrader update``, the teacher's notebooks'
    remedy)."""

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        from nbgrader.nbgraderformat.common import (  # type: ignore[import-untyped]
            SchemaMismatchError,
            ValidationError,
        )

        try:
            return super().preprocess(nb, resources)
        except SchemaMismatchError as error:
            student = str(resources.get("nbgrader", {}).get("student", "student"))
            raise ValidationError(
                f"{student}'s notebook has a cell whose nbgrader metadata is of version "
                f"{error.actual_version}, not {error.expected_version} (edited by hand, or "
                "pasted from another notebook): this notebook is not graded, the others "
                "are; remove that metadata and autograde this student again") from None


_MARKUP = re.compile(r"[<&]|\]\s*[(\[]|^\s*\[[^\]]*\]:", re.M)
"""What in Markdown can become HTML of its own or a link: a tag, an entity, a link or an
image (inline, by reference, or a reference's definition)."""


class WrittenAsText(NbGraderPreprocessor):
    """The Markdown and raw cells that are not locked (the student's, and any the teacher
    did not lock; locked ones come back as the teacher wrote them) that hold HTML, an entity
    or a link (``_MARKUP``), shown as the text they are, in a fence longer than any run of
    backquotes in them: nbgrader's feedback and formgrader render a Markdown cell's HTML as
    it is (their templates do not sanitize), so a student's ``<script>``, an ``onerror=``
    or a ``javascript:`` link ran in the page of the feedback, and in the teacher's
    formgrader, logged in to the teacher's Jupyter server (an attacker's, issue 65). Such a
    written answer reads as the student typed it, unrendered; one left as given ("YOUR
    ANSWER HERE") is untouched, so nbgrader still scores it 0 with "No response."."""

    def preprocess_cell(self, cell: Any, resources: Any, cell_index: int) -> tuple[Any, Any]:
        from nbgrader.utils import is_locked

        if cell.cell_type not in ("markdown", "raw") or is_locked(cell) or (
                cell.cell_type == "markdown" and not _MARKUP.search(cell.source)):
            return cell, resources
        fence = "`" * max([3, *(len(run) + 1 for run in re.findall("`+", cell.source))])
        cell.cell_type = "markdown"
        for key in ("raw_mimetype", "format"):
            cell.metadata.pop(key, None)
        cell.source = f"{fence}text\n{cell.source}\n{fence}"
        return cell, resources

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        for index, cell in enumerate(nb.cells):
            nb.cells[index], resources = self.preprocess_cell(cell, resources, index)
        return nb, resources


def sanitize_preprocessors() -> list[Any]:
    """nbgrader's preprocessors of ``autograde``'s first step, sanitizing a submission, with
    ``KeepOneGradeId`` and ``CheckSubmittedMetadata`` in the place of ``DeduplicateIds`` and
    ``CheckCellMetadata``, and ``WrittenAsText`` last: what a course's
    ``nbgrader_config.py`` sets ``c.Autograde.sanitize_preprocessors`` to."""
    from nbgrader.converters import Autograde

    ours = {DeduplicateIds: KeepOneGradeId, CheckCellMetadata: CheckSubmittedMetadata}
    default = Autograde.class_traits()["sanitize_preprocessors"].default()
    return [*(ours.get(step, step) for step in default), WrittenAsText]
