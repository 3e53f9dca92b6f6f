"""``python -m tinygrad_edu exercises report DIR -o report.html``: what a class got wrong.

Every submission in DIR is graded (``find_submissions``: learners' files, a folder per
student, or nbgrader's ``submitted/<student>/<assignment>/``), each in a process of its own
(``isolation.py``); then ``summary`` counts, per exercise, how many passed, and how many made
each mistake the grader diagnosed. The report is a page (``pages/report.html``, ``.css``,
``.js``: self-contained, it loads nothing) with a chart per exercise to show in class and
the verdicts of each student, or a CSV file with a row per student. An exercise whose code
is the same as an answer the package ships, or as a classmate's (``with_classmates``), is
flagged in both (``copies.py``), never scored differently.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime
import io
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises.apart import learner_user
from tinygrad_edu.exercises.choosing import attempted_in
from tinygrad_edu.exercises.classroom.graded_cell import GRADED
from tinygrad_edu.exercises.classroom.results import FAILURES, PROBLEMS, Mark, Result
from tinygrad_edu.exercises.classroom.submissions import SUFFIXES, entry, locate
from tinygrad_edu.exercises.copies import CopyReading, classmates, kind_of, said
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.loading import SolutionFileError, defined_names, read_source
from tinygrad_edu.exercises.text_blocks import shown, shown_data
from tinygrad_edu.viz.pages import fill, json_for_script, part, policy

__all__ = ["ReportError", "alike_said", "assignment_points", "attempted", "attempted_by_most",
           "find_submissions", "report_csv", "report_html", "summary", "with_classmates"]


class ReportError(Exception):
    """The folder holds nothing to report on, or is ambiguous (the message says what to do)."""


def find_submissions(folder: Path, assignment: str | None = None) -> list[tuple[str, Path]]:
    """The submissions in ``folder``, as (student, path), sorted by student: nbgrader's
    ``submitted/<student>/<assignment>/`` when ``folder`` is a course's folder (or its
    ``submitted`` folder), else each ``.py`` or ``.ipynb`` file in it (the student is its
    name) and each folder in it (the student is the folder's name; the file is found in it
    when it is graded). ``assignment`` chooses one of nbgrader's assignments."""
    if not folder.is_dir():
        raise ReportError(f"{folder} is not a folder; give the folder that holds the "
                          "submissions (one file or folder per student)")
    submitted = folder / "submitted" if (folder / "submitted").is_dir() else \
        folder if folder.name == "submitted" else None
    if submitted is not None:
        return _nbgrader(submitted, assignment)
    found = [(p.name if p.is_dir() else p.stem, p) for p in sorted(folder.iterdir())
             if not p.name.startswith((".", "_"))
             and (p.is_dir() or (entry(p) and p.suffix in SUFFIXES))]  # (a link, a pipe, a
    # device too: listed, and refused when it is read, so that the report names it)
    if not found:
        raise ReportError(f"{folder} holds no submission: no .py or .ipynb file, and no "
                          "folder (one per student)")
    return one_row_each(found)


def one_row_each(found: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """The submissions, a row each: where two are one student's (``alice.py`` and
    ``alice.ipynb``, or a folder ``alice`` beside them), each row is named by its file, and
    a warning names both (a teacher decides which counts)."""
    by_name: dict[str, list[Path]] = {}
    for student, path in found:
        by_name.setdefault(student, []).append(path)
    rows = []
    for student, path in found:
        paths = by_name[student]
        if len(paths) > 1:
            if path == paths[0]:
                print(f"warning: {len(paths)} submissions of {student}: "
                      f"{' and '.join(p.name for p in paths)}; each is graded on a row of its "
                      "own, named by its file: keep the one that counts", file=sys.stderr)
            student = path.name
        rows.append((student, path))
    return _apart(rows)


def _apart(rows: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """``rows`` with no two named alike: a row named by its file's name may meet another's
    (``alice.py`` for ``alice.py`` beside ``alice.ipynb``, and the stem of ``alice.py.py``),
    and a teacher would read one student's marks, and the copy flags that name them, as the
    other's; each such row is named by its file's name, or its whole path, and a warning
    names the files."""
    for _ in range(2):
        named: dict[str, list[Path]] = {}
        for student, path in rows:
            named.setdefault(student, []).append(path)
        clashes = {student: paths for student, paths in named.items() if len(paths) > 1}
        if not clashes:
            break
        for student, paths in clashes.items():
            print(f"warning: {' and '.join(str(p) for p in paths)} would both be named "
                  f"{student}; each row is named by its file or its path instead",
                  file=sys.stderr)
        rows = [(student if student not in clashes else
                 path.name if path.name != student else str(path), path)
                for student, path in rows]
    return _told_apart(rows)


LOOKALIKE = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501"
    "\u04bb\u04cf\u03bf\u03b1\u03c1\u03c4\u03c5\u03bd\u03ba\u03f2"
    "\u0251\u0131\u03b5\u03f5\u0269\u0261\u026a\u1d00\u0299\u1d07\u029c\u1d0f",
    "aeopcyxijsdhloaptuvkcaieeigiabeho",
    "\u3164\u115f\u1160\uffa0\u2800\u180e\u17b4\u17b5\u034f")
"""Letters drawn as Latin ones (Cyrillic а, е, о, р, с...; Greek ο, α, ε...; Latin alpha
ɑ, dotless ı, small capitals), each read as the letter it looks like, and letters drawn as
nothing (Hangul fillers, the braille blank) left out: a name written with them looks like
another student's."""


def _skeleton(name: str) -> str:
    """What ``name`` looks like: its letters without accents, case, spaces, invisible
    characters or other alphabets' look-alikes."""
    plain = unicodedata.normalize("NFKD", name)
    kept = "".join(c for c in plain if unicodedata.category(c)[0] not in "MZC")
    return kept.casefold().translate(LOOKALIKE)


def _told_apart(rows: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """``rows`` where two names look alike (``аlice`` with a Cyrillic а beside ``alice``,
    ``carol`` with a no-break space, ``Alice``) said on stderr, and a name that is not
    plain ASCII among them written with its escapes (``\\u0430lice``), so that a row and
    the copy flags that name it are not read as the other student's (before: bob's row
    said "the same code as аlice's", read as the honest alice's)."""
    looks: dict[str, list[str]] = {}
    for student, _ in rows:
        looks.setdefault(_skeleton(student), []).append(student)
    alike = {student for names in looks.values() if len(names) > 1 for student in names}
    if not alike:
        return rows
    for names in looks.values():
        if len(names) > 1:
            print(f"warning: the names {', '.join(ascii(n) for n in names)} look alike; "
                  "each is written with its escapes where it is not plain ASCII",
                  file=sys.stderr)
    return [(student.encode("unicode_escape").decode("ascii") if student in alike
             else student, path) for student, path in rows]


def _nbgrader(submitted: Path, assignment: str | None) -> list[tuple[str, Path]]:
    students = [p for p in sorted(submitted.iterdir()) if p.is_dir()
                and not p.name.startswith(".")]
    names = sorted({a.name for s in students for a in s.iterdir() if a.is_dir()
                    and not a.name.startswith(".")})
    if assignment is None:
        if len(names) > 1:
            raise ReportError(f"{submitted} holds the assignments {', '.join(names)}: choose "
                              "one with --assignment NAME")
        if not names:
            raise ReportError(f"{submitted} holds no submission: nbgrader's collect puts them "
                              "in submitted/<student>/<assignment>/")
        assignment = names[0]
    elif assignment not in names:
        raise ReportError(f"no student of {submitted} handed in {assignment}; the assignments "
                          f"there are: {', '.join(names) or 'none'}")
    return [(s.name, s / assignment) for s in students if (s / assignment).is_dir()]


def assignment_points(folder: Path, submissions: Sequence[tuple[str, Path]]
                      ) -> tuple[dict[str, float], str] | None:
    """For an nbgrader course's folder (or its ``submitted`` folder) and the submissions
    found there: the points of each exercise as the assignment was made, read from the
    graded cells of its source notebooks (``source/<assignment>/*.ipynb``: a cell
    ``graded_cell("d_tanh", ...)`` and its nbgrader ``points``), with what to tell the
    teacher: where they were read, or, where no such cell was found, that ``--points`` is
    needed (then the points are empty). None where ``folder`` is not an nbgrader course."""
    course = folder if (folder / "submitted").is_dir() else \
        folder.parent if folder.name == "submitted" else None
    if course is None or not submissions:
        return None
    assignment = submissions[0][1].name
    source = course / "source" / assignment
    points: dict[str, float] = {}
    read = []
    for notebook in sorted(source.glob("*.ipynb")) if source.is_dir() else ():
        try:
            cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            continue
        for cell in cells if isinstance(cells, list) else ():
            meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) \
                else {}
            text = cell.get("source", "") if isinstance(cell, dict) else ""
            found = GRADED.search("".join(text) if isinstance(text, list) else str(text))
            if isinstance(meta, dict) and meta.get("grade") and found:
                with contextlib.suppress(TypeError, ValueError):
                    points[found.group(1)] = float(meta.get("points", 0))
                    read.append(notebook)
    if not points:
        return {}, (f"points: 1 per exercise, as {assignment} has no source notebook here to "
                    f"read its points from ({source}/*.ipynb): give them as the assignment "
                    "was made, --points NAME=N,... (d_tanh=2)")
    where = ", ".join(sorted({str(p.relative_to(course)) for p in read}))
    worth = ", ".join(f"{name} {value:g}" for name, value in points.items())
    return points, (f"points as {assignment} was made: {worth} (read from {where}; "
                    "--points gives others)")


def attempted(submissions: Sequence[tuple[str, Path]], within: Path | None = None
              ) -> list[ExerciseSpec]:
    """The exercises that any of the submissions defines (read, not run), in their order
    (``within``: the folder beneath which no link is followed): for one submission, its
    own (a class's report grades those of ``attempted_by_most``)."""
    return list(attempted_in(set().union(*_defined_by(submissions, within))))


def attempted_by_most(submissions: Sequence[tuple[str, Path]], within: Path | None = None
                      ) -> tuple[list[ExerciseSpec], list[tuple[ExerciseSpec, int]], int]:
    """The exercises to grade when none is named, read from the files (not run): of the
    submissions that attempt any exercise (a file that does not parse, or defines none of
    their names, attempts none), those that more than half define, in their order; with
    one such submission, those it defines. Then the exercises that fewer define, each with
    how many files define it: those are not graded, for one file that defines every
    exercise's name would otherwise give every student of the class as many exercises to
    fail (the teacher names them to grade them too). Last, how many submissions attempt
    any exercise."""
    attempts = [found for names in _defined_by(submissions, within)
                if (found := attempted_in(names))]
    counts: Counter[str] = Counter(ex.name for found in attempts for ex in found)
    by_name = {ex.name: ex for found in attempts for ex in found}
    catalog = [ex.name for ex in attempted_in(set().union(*_names(attempts)))]
    names = sorted(counts, key=[*catalog, *counts].index)  # (the catalog's order)
    graded: list[ExerciseSpec] = [by_name[n] for n in names if 2 * counts[n] > len(attempts)]
    fewer: list[tuple[ExerciseSpec, int]] = [(by_name[n], counts[n]) for n in names
                                             if 2 * counts[n] <= len(attempts)]
    return graded, fewer, len(attempts)


def _names(attempts: Sequence[Sequence[ExerciseSpec]]) -> list[set[str]]:
    """The names each submission's exercises are defined by."""
    return [{ex.symbol for ex in found} for found in attempts]


def _defined_by(submissions: Sequence[tuple[str, Path]], within: Path | None
                ) -> list[set[str]]:
    """The names each submission defines at its top level (none for one that cannot be
    read or parsed)."""
    defined = []
    for _, path in submissions:
        try:
            file = locate(path, within)
            defined.append(defined_names(read_source(file, within or file.parent), file))
        except SolutionFileError:
            defined.append(set())
    return defined


def summary(results: Sequence[Result], exercises: Sequence[ExerciseSpec]) -> dict[str, Any]:
    """What the report shows: per exercise the count of each status, of each diagnosed
    mistake (with the students who made it) and of the failures no mistake explains; per
    student the verdicts. A student with two diagnoses on one exercise counts once for
    each. A mistake is its key and its title together: two mistakes of one kind (a step
    run twice, and steps in the wrong order: both ``order``) never share a bar; its hint
    is the first student's."""
    rows = []
    for ex in exercises:
        marks = [(r.student, m) for r in results for m in r.marks if m.name == ex.name]
        statuses = Counter(m.status for _, m in marks)
        mistakes: dict[tuple[str, str], dict[str, Any]] = {}
        unexplained: Counter[str] = Counter()
        for student, m in marks:
            if m.status != "failed":
                continue
            if not m.diagnoses:
                unexplained[m.failure or "other"] += 1
            for key, title in dict.fromkeys((d.key, d.title) for d in m.diagnoses):
                d = next(d for d in m.diagnoses if (d.key, d.title) == (key, title))
                entry = mistakes.setdefault((key, title), {
                    "key": key, "title": title, "hint": d.hint, "count": 0, "students": []})
                entry["count"] += 1
                entry["students"].append(student)
        rows.append({
            "name": ex.name, "number": ex.number, "title": ex.title,
            "points": max((m.max_points for _, m in marks), default=0.0),
            "statuses": {s: statuses.get(s, 0) for s in ("passed", "failed", "not started",
                                                          "missing", "not graded")},
            "mistakes": sorted(mistakes.values(), key=lambda e: (-e["count"], e["title"])),
            "unexplained": [{"failure": f, "label": FAILURES[f], "count": n}
                            for f, n in unexplained.most_common()]})
    students = [{
        "student": r.student, "file": r.file, "score": r.score, "max_score": r.max_score,
        "problem": None if r.problem is None else {
            "kind": r.problem.kind, "label": PROBLEMS[r.problem.kind],
            "message": r.problem.message},
        "marks": [{"name": m.name, "status": m.status, "points": m.points,
                   "failure": FAILURES.get(m.failure, ""),
                   "mistakes": [d.title for d in m.diagnoses], "verdict": m.text,
                   "copied": m.copied, "flag": said(m.copied) if m.copied else "",
                   "alike": list(m.alike), "alike_said": alike_said(m) if m.alike else "",
                   "tampered": m.tampered}
                  for m in r.marks]} for r in results]
    return {"submissions": len(results), "exercises": rows, "students": students}


def report_csv(results: Sequence[Result], exercises: Sequence[ExerciseSpec]) -> str:
    """A row per student: the score, why the file does not run (if it does not), per
    exercise its status, its points and the titles of its diagnosed mistakes (or how it
    failed and why, where none is: ``_mistakes``), and last
    (``copied``) the exercises whose code is the same as an answer the package ships
    (``copies.py``: flagged, not scored differently), those whose code is the same as
    classmates' (``alike``: each with their names, and whose code that is was compiled at run
    time: ``alike_said``), those whose grading may have been tampered with (``tampered``:
    ``machinery.py``, with what was found), then the protections its grading
    found (``boundary.stated``) and the seed its inputs were drawn from (``--seed``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "file", "score", "max_score", "problem", *(
        column for ex in exercises
        for column in (ex.name, f"{ex.name} points", f"{ex.name} mistakes")), "copied",
        "alike", "tampered", "protections", "seed"])
    for r in results:
        marks = {m.name: m for m in r.marks}
        problem = "" if r.problem is None else f"{PROBLEMS[r.problem.kind]}: {r.problem.message}"
        cells: list[Any] = [_cell(r.student), _cell(r.file), f"{r.score:g}",
                            f"{r.max_score:g}", _cell(problem)]
        for ex in exercises:
            m = marks[ex.name]
            cells += [m.status, f"{m.points:g}", _cell(_mistakes(m))]
        kinds: dict[str, list[str]] = {}  # (copied, copied at run time, built from bytes)
        for m in r.marks:
            if m.copied:
                kinds.setdefault(kind_of(m.copied), []).append(m.name)
        cells.append("; ".join(f"{', '.join(names)}: {kind}" for kind, names in kinds.items()))
        cells.append(_cell("; ".join(f"{m.name}: {alike_said(m)}" for m in r.marks
                                     if m.alike)))
        tampered: dict[str, list[str]] = {}  # (machinery.py: what, on which exercises)
        for m in r.marks:
            if m.tampered:
                tampered.setdefault(m.tampered, []).append(m.name)
        cells.append(_cell("; ".join(f"{', '.join(names)}: {what}"
                                     for what, names in tampered.items())))
        cells += [_cell(r.protections), "" if r.seed is None else str(r.seed)]
        writer.writerow(cells)
    return out.getvalue()


def _mistakes(m: Mark) -> str:
    """A mark's mistakes in the CSV: its diagnoses' titles, or where none is diagnosed, how
    it failed and why (``Mark.reason``: "raised an error: NotAvailable: ...", "not as
    asked: Value is imported from tinygrad_edu.engine, ...")."""
    if m.diagnoses:
        return "; ".join(d.title for d in m.diagnoses)
    label = FAILURES.get(m.failure, "")
    return f"{label}: {m.reason}" if label and m.reason else label or m.reason


def with_classmates(results: Sequence[Result], exercises: Sequence[ExerciseSpec],
                    within: Path) -> list[Result]:
    """The results, each mark that is the same code as classmates' for the exercise given
    their names (``Mark.alike``, ``copies.classmates``), for the teacher alone. Each file is
    read with the code it compiled at run time (``Result.ran``, which the grading process
    sent back), so a classmate's answer kept in a string and compiled is found; a pair
    found only so names, in ``Mark.alike_compiled``, which of the two compiled it."""
    readings = {}
    for r in results:
        try:
            readings[r.student] = CopyReading(locate(Path(r.file)), within, ran=r.ran,
                                              made=r.made)
        except Exception:  # (no file to read: nothing to compare)
            continue
    alike = {ex.name: _alike(readings, ex) for ex in exercises}
    return [dataclasses.replace(r, marks=tuple(
        dataclasses.replace(m, alike=names, alike_compiled=compiled)
        for m in r.marks for names, compiled in [alike.get(m.name, {}).get(r.student, (
            (), ()))])) for r in results]


def _alike(readings: dict[str, CopyReading], ex: ExerciseSpec
           ) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Per student, the classmates whose code for ``ex`` is the same, in the files as written
    or with what they compiled at run time; and of the pairs found only with it, those
    whose code for ``ex`` holds code compiled at run time."""
    written = classmates(readings, ex, compiled=False)
    if not any(reading.compiled for reading in readings.values()):
        return {student: (names, ()) for student, names in written.items()}
    ran = classmates(readings, ex)
    material = {student: reading.material(ex) for student, reading in readings.items()}
    compiled = {student: material[student] - reading.material(ex, compiled=False)
                for student, reading in readings.items()}
    found = {}
    for student in sorted({*written, *ran}):
        only_ran = set(ran.get(student, ())) - set(written.get(student, ()))
        names = tuple(sorted({*written.get(student, ()), *only_ran}))
        found[student] = (names, tuple(sorted(  # (whose compiled code the other's shares)
            {one for other in only_ran for one, two in ((student, other), (other, student))
             if compiled[one] & material[two]})))
    return found


def alike_said(m: Mark) -> str:
    """A mark's classmates of the same code, as the report says them: ``the same code as
    alice's``, and whose was compiled at run time, if any (``(eve's compiled at run
    time)``)."""
    said = f"the same code as {', '.join(m.alike)}'s"
    if m.alike_compiled:
        said += f" ({' and '.join(m.alike_compiled)}'s {COMPILED_SAID})"
    return said


COMPILED_SAID = "compiled at run time"
"""How the report says that code alike was not in a file's text but compiled as it ran."""


def _cell(text: str) -> str:
    """Text as a cell shows it, whatever a submission put in it (its file's name, its
    error's message): control characters (a terminal's escape sequences, which forge a
    table on ``cat report.csv``; the bidirectional overrides; the line and paragraph
    separators, U+2028 and U+2029, a new line to some readers) made spaces, and a cell that
    starts like a formula (``=``, ``+``, ``-``, ``@``, even after spaces: a file named
    ``=HYPERLINK(...)``) quoted with a leading ``'``, as OWASP advises and spreadsheets
    themselves do. At most ``CELL_LARGEST`` characters: an error's message repeats the line
    that raised it, and a line of 300 KB made a cell Python's csv module refuses to read
    (131,072 at most) and hid every later row from a teacher's script."""
    plain = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
                    for c in text)
    if len(plain) > CELL_LARGEST:
        plain = plain[:CELL_LARGEST - 40] + f" … ({len(plain) - CELL_LARGEST + 40} more cut)"
    return f"'{plain}" if plain.lstrip()[:1] in ("=", "+", "-", "@") else plain


CELL_LARGEST = 10_000
"""The most characters a cell of the report's CSV holds (spreadsheets take 32,767)."""


def report_html(results: Sequence[Result], exercises: Sequence[ExerciseSpec], folder: Path,
                seconds: float) -> str:
    """The report as a page: ``pages/report.html`` with its CSS, its script and the summary
    in it. It loads nothing (its policy forbids every request), so it opens from disk."""
    data = summary(results, exercises)
    data.update(folder=str(folder), seconds=round(seconds, 1),
                date=datetime.date.today().isoformat())
    script = part("report.js")
    title = f"What the class got wrong: {folder.name or folder}"
    return fill(part("report.html"), {  # (a name that is not UTF-8 as its escapes: shown)
        "TITLE": escape(shown(title)), "POLICY": policy(script), "STYLE": part("report.css"),
        "DATA": json_for_script(shown_data(data)), "SCRIPT": script,
        "USER": escape(shown(graded_as())), "PROTECTIONS": escape(shown(protections(results))),
        "SEED": escape(str(next((r.seed for r in results if r.seed is not None), "none")))})


def protections(results: Sequence[Result]) -> str:
    """The kernel's protections of the learner's processes, as the report says them: all
    four, or what each result stated (``boundary.stated``) where one was missing."""
    said = list(dict.fromkeys(r.protections for r in results if r.protections))
    missing = any(r.unprotected for r in results) or any(
        not text.startswith("Protections: resource limits, no new privileges, Landlock and "
                            "seccomp") for text in said)
    if not missing:
        return ("resource limits (memory, CPU time, file size, open files), no new "
                "privileges, Landlock (the files it may read and write) and seccomp (the "
                "system calls it may make)")
    return ("not entirely (" + " ".join(said) + "), so what follows held only as far as "
            "the rest goes")


def graded_as() -> str:
    """Who the learner's processes ran as: the user ``nobody`` when the grader is root,
    else the grader's own user."""
    import getpass

    user = learner_user()
    if user is not None:
        return f"the user {user}"
    try:
        return f"your user ({getpass.getuser()})"
    except (KeyError, OSError):
        return "your user"
