"""A learner's file graded apart: its code in processes of its own, the references here.

``grade_apart(path, exercises)`` is how every route grades a file (``exercises check``,
``exercises report``, an assignment's autograder, nbgrader's graded cell): the file is read
and compiled here, its imports checked (``learner/imports.py``), then run in one learner's
process per group of exercises (``learner/engines.py``: each has the engine without what
its exercises ask for), and each exercise graded by the grader (``grading.grade``), which
asks that process what the learner's solution does (``remote.Remote``). Every process has
ended by the time ``grade_apart`` returns: whatever is written from its result (a verdict,
Gradescope's results.json, a report) is written by the grader alone.

A file whose code reached outside its process (the audit hook's reports: a file of the
grader's opened, a module of tinygrad_edu it does not have imported, a program run, a
tracer set) is ``reported``: the grading stops there, and no exercise of it is scored. The
code its processes compiled at run time is kept (``ran``; ``built``: code they made from
bytes), for the copy check to read as it reads the file (``copies.py``); after each
exercise, the grader checks that the audit hook of its process still watches (a canary:
``watch_off``, ``machinery.py``).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import io
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises import remote, running
from tinygrad_edu.exercises.ended_here import Shared, ended_here, ended_there
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.grading import CHATTY, grade
from tinygrad_edu.exercises.learner import serve
from tinygrad_edu.exercises.learner.engines import group_of
from tinygrad_edu.exercises.learner.imports import refused_import
from tinygrad_edu.exercises.learner.printed import printed_lines
from tinygrad_edu.exercises.limit import PageStop, TimeLimit
from tinygrad_edu.exercises.loading import (
    SolutionFileError,
    cell_texts,
    cells_of,
    compile_source,
    learner_code,
    out_of_memory,
    parsed,
    read_source,
)
from tinygrad_edu.exercises.microgpt import answering
from tinygrad_edu.exercises.pointing import pointed
from tinygrad_edu.exercises.remote import LEARNER, LearnerProcess, Remote, Stopped
from tinygrad_edu.exercises.text_blocks import cell_named, place
from tinygrad_edu.exercises.verdicts import Verdict
from tinygrad_edu.viz import printing

__all__ = ["Graded", "grade_apart", "refused_in"]


@dataclass
class Graded:
    """A file graded apart. ``problem``: why the file cannot be graded at all (unread, not
    Python, an import it may not make); ``reported``: what its code did outside its process
    (then nothing is scored); per exercise (by name), its ``verdict``, or why there is none
    (``absent``: ``"missing"``, ``"not yours"``, ``"not a function"``, ``"not graded"``, with
    the words to show in ``why``); ``printed``: what the file printed when it ran;
    ``load_problems``: why it did not run in the process of a group (in every one: that is
    the ``problem``); ``ran``: the code its processes compiled at run time (each text once;
``made``: those a module's code wrote, not the file's: ``heard.Heard.made``),
``built``: how they made code that has no source to read (``learner/audit.py``);
``watch_off``: whether the audit hook of a process was found switched off after an exercise
was graded (its canary not heard: ``remote.LearnerProcess.watching``, ``machinery.py``);
``noted``: per exercise, what the watch noted for the teacher as it was graded
(``machinery.noted``)."""

    path: Path
    problem: SolutionFileError | None = None
    reported: str = ""
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    absent: dict[str, str] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    printed: str = ""
    load_problems: list[SolutionFileError] = field(default_factory=list)
    ended: set[str] = field(default_factory=set)  # exercises whose process the code ended
    too_long: set[str] = field(default_factory=set)  # (of those: took longer than they may)
    cell_problems: dict[int, str] = field(default_factory=dict)  # a notebook's, by cell
    cell_names: dict[int, set[str]] = field(default_factory=dict)  # what each cell defines
    unprotected: dict[str, str] = field(default_factory=dict)  # protections its processes lacked
    ran: list[str] = field(default_factory=list)
    made: set[str] = field(default_factory=set)
    built: list[str] = field(default_factory=list)
    watch_off: bool = False
    noted: dict[str, str] = field(default_factory=dict)


APART = sys.platform != "emscripten"
"""Whether a learner's code can run in processes of its own here: not in a browser's Python
(Pyodide), which has no processes; there ``grade_here`` grades it, for practice."""


def learner_user(user: str | None = "auto") -> str | None:
    """The user the learner's processes go on as: ``LEARNER`` when the grader runs as root
    (and ``user`` is ``"auto"``), else none (they run as the grader's user)."""
    if user != "auto":
        return user
    return LEARNER if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def grade_apart(path: Path, exercises: Sequence[ExerciseSpec], user: str | None = "auto",
                each: Callable[[Graded, str], None] | None = None,
                within: Path | None = None) -> Graded:
    """Grade ``exercises`` in the learner's file at ``path`` (see the module's docstring);
    ``each(graded, name)`` is called as each exercise is done. ``within``: the folder the
    grader was given, beneath which no link is followed (``loading.read_submitted``)."""
    graded = Graded(path)
    try:
        source, cells = _read(graded, path, within)
        learner_code(path, source, cells)  # (once for every process; not too large)
    except SolutionFileError as error:
        graded.problem = error
        return graded
    groups: dict[str, list[ExerciseSpec]] = {}
    for ex in exercises:
        groups.setdefault(group_of(ex.name), []).append(ex)
    who = learner_user(user)
    for group, members in groups.items():
        left = list(members)
        while left:
            left = _grade_group(graded, source, cells, path, group, left, who, each)
            if graded.reported or graded.problem is not None:
                return graded
    if graded.load_problems and len(graded.load_problems) == len(groups):
        graded.problem = graded.load_problems[0]  # it does not run, wherever it runs
    return graded


def _read(graded: Graded, path: Path, within: Path | None
          ) -> tuple[str, list[tuple[int, int, int]]]:
    """The file's code, and a notebook's cells that are valid Python (``_compiled_cells``),
    read and its imports checked before anything of it runs: a ``SolutionFileError`` if it
    cannot be read, is not Python, or imports what it may not."""
    source = read_source(path, within)
    cells = cells_of(path, source)
    if cells:  # (a notebook: a cell that is not Python is left out, as Jupyter does)
        graded.cell_names = {number: set(DEFINED.findall(_lines(source, first, last)))
                             for number, first, last in cells}
        cells = _compiled_cells(graded, source, path, cells)
        trees = [parsed(text) for text in cell_texts(path, source, cells)] if cells else []
    else:
        compile_source(source, path)
        trees = [parsed(source)]
    refuse_imports(path, source, cells, trees)
    return source, cells


def refused_in(path: Path) -> SolutionFileError | None:
    """The import a submission may not make in the file at ``path``, as ``grade_apart``
    refuses it (every code cell of a notebook read, run or not, but those that are not
    valid Python), naming its cell and line; None where there is none (or the file cannot be
    read at all: its grade says so)."""
    try:
        _read(Graded(path), path, None)
    except SolutionFileError as error:
        return error if error.kind == "import" else None
    return None


def refuse_imports(path: Path, source: str, cells: list[tuple[int, int, int]],
                   trees: list[ast.Module]) -> None:
    """A ``SolutionFileError`` for the first import in the file that a submission may not
    make (``learner/imports.py``), naming its line, wherever the file is graded: apart, or
    here in a browser's Python (``grade_here``), with the same words."""
    refused = next((r for r in map(refused_import, trees) if r is not None), None)
    if refused is not None:
        lineno, why = refused
        lines = source.split("\n")  # (as Python numbers them: read_source ended each at \n)
        line = lines[lineno - 1].strip()
        where = place(str(path), cells, lineno, lines)
        raise SolutionFileError(f"{where}: {why}\n    {line}",
                                "import")


def _compiled_cells(graded: Graded, source: str, path: Path,
                    cells: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The notebook's cells that are valid Python; each other one's syntax error is kept in
    ``graded.cell_problems``, by its number."""
    valid = []
    lines = source.split("\n")
    for number, first, last in cells:
        try:  # (without its line ``# cell N``: a syntax error's line is the cell's own)
            compile_source(_lines(source, first + 1, last),
                           Path(f"{path}, {cell_named(lines[first:last])}"))
        except SolutionFileError as error:
            graded.cell_problems[number] = str(error)
            continue
        valid.append((number, first, last))
    return valid


def _lines(source: str, first: int, last: int) -> str:
    return "\n".join(source.split("\n")[first - 1:last])


def _grade_group(graded: Graded, source: str, cells: list[tuple[int, int, int]], path: Path,
                 group: str, exercises: list[ExerciseSpec], user: str | None,
                 each: Callable[[Graded, str], None] | None) -> list[ExerciseSpec]:
    """Grade ``exercises`` (of one group) in one learner's process; return those left to
    grade in a new one (the process ended on one of them)."""
    try:
        process = LearnerProcess(source, str(path), group, exercises, user,
                                 running.TIME_LIMIT, serve.LOAD_LIMIT,
                                 cells=cells)
    except Stopped as stop:
        return _stopped(graded, ended_there(stop, path, source), exercises, exercises[0])
    process.answering = answering.answer  # (the earlier stages of the track it asks for)
    try:
        return _grade_in(process, graded, path, exercises, each)
    finally:
        process.close()  # (killed at once: a finalizer left for its end never runs)
        _ran(graded, process)
        if process.reports and not graded.reported:
            graded.reported = said(process.reports)
        if graded.reported:
            graded.verdicts.clear()  # (a file reported is not scored at all)


def _grade_in(process: LearnerProcess, graded: Graded, path: Path,
              exercises: list[ExerciseSpec], each: Callable[[Graded, str], None] | None
              ) -> list[ExerciseSpec]:
    """Grade ``exercises`` in ``process``; return those left for a new one."""
    loaded = process.loaded
    graded.printed = graded.printed or process.printed
    graded.unprotected.update(process.sandbox.get("missing") or {})
    if loaded.get("kind") == "unprotected":
        missing = "; ".join(f"{name} ({why})" for name, why in graded.unprotected.items())
        graded.problem = SolutionFileError(
            f"{path}: not graded: the grader requires the protections of the process a "
            f"submission runs in that this machine offers, and its process lacked {missing}",
            "unprotected")
        return []
    for problem in loaded.get("cell_problems", []):  # (a notebook's cells that raised)
        graded.cell_problems.setdefault(int(problem["cell"]), _load_problem(path, problem))
    if not loaded.get("loaded"):
        why = _load_problem(path, loaded, exercises)
        graded.load_problems.append(SolutionFileError(why, str(loaded.get("kind", "crash"))))
        for ex in exercises:
            graded.absent[ex.name], graded.why[ex.name] = "not graded", why
            if each is not None:
                _ran(graded, process)
                each(graded, ex.name)
        return []
    for k, ex in enumerate(exercises):
        info = loaded["defines"].get(ex.symbol, {"found": False})
        absent = _absent(ex, info, path)
        if absent is not None and absent[0] == "missing":
            absent = _in_broken_cell(graded, ex) or absent
        if absent is not None:
            graded.absent[ex.name], graded.why[ex.name] = absent
        else:
            try:
                process.exercise_begins(remote.EXERCISE_DEADLINE)
                process.answer_for([earlier.symbol for earlier in _stand_ins(graded, ex)])
                process.asked.clear()
                process.noted.clear()
                verdict = grade(ex, Remote(process, ex.symbol, info))
                if process.noted:
                    graded.noted[ex.name] = process.noted[0]
                verdict = pointed(verdict, process.source, path)
                graded.verdicts[ex.name] = _saying_what_answered(verdict, ex, process.asked)
                _watched(graded, process)
            except Stopped as stop:
                left = _stopped(graded, ended_there(stop, path, process.source),
                                exercises[k + 1:], ex)
                if each is not None and not graded.reported:
                    _ran(graded, process)
                    each(graded, ex.name)
                return left
        if each is not None:
            _ran(graded, process)
            each(graded, ex.name)
    return []


def _watched(graded: Graded, process: LearnerProcess) -> None:
    """Whether the audit hook of ``process`` still watches, once an exercise is graded
    (``LearnerProcess.watching``): if not, or if the process ends before it says,
    ``graded.watch_off`` (a report of the hook's raises ``Stopped``). A process the grader
    ended already (a call past its time) is not asked."""
    if not process.open:
        return
    process.exercise_begins(None)  # (the grader's canary: not the exercise's time)
    try:
        heard = process.watching()
    except Stopped as stop:
        if stop.kind == "reported":
            raise
        heard = False
    graded.watch_off = graded.watch_off or not heard


def _ran(graded: Graded, process: LearnerProcess) -> None:
    """What ``process`` compiled at run time so far (and made from bytes), kept in
    ``graded`` (each once)."""
    known = set(graded.ran)
    graded.ran += [text for text in process.heard.ran if text not in known]
    graded.made |= process.heard.made - known
    graded.built += [how for how in process.heard.built if how not in graded.built]


def said(reports: list[str]) -> str:
    """The audit's reports, as a verdict says them: the first, and how many more."""
    more = len(reports) - 1
    return reports[0] + (f" (and {more} more thing{'s' * (more > 1)} of that kind)" if more
                         else "")


def _stopped(graded: Graded, stop: Stopped, left: list[ExerciseSpec], ex: ExerciseSpec
             ) -> list[ExerciseSpec]:
    """The process ended on ``ex``: reported, or ``ex`` fails and the rest go on."""
    if stop.kind == "reported":
        graded.reported = said(stop.reports or [str(stop)])
        return []
    graded.ended.add(ex.name)
    if stop.kind == "too long":
        graded.too_long.add(ex.name)
    graded.verdicts[ex.name] = Verdict(ex, False, message=(
        f"not graded: {stop}." if stop.kind == "grader" else
        f"grading it, {stop}: where the grader stands in for an earlier stage, it answers "
        "questions the size of the exercise's cases." if stop.kind == "oversized" else
        f"grading it, {stop}: only the grader's own code in your process writes to the "
        "grader; code that writes there fails the exercise." if stop.kind == "garbled" else
        f"grading it, {stop}: a process that stops itself answers nothing, and fails the "
        "exercise." if stop.kind == "stopped" else
        f"not yet: {stop}: {TOO_SLOW}" if stop.kind == "too long" else
        f"{stop}." if stop.kind == "here" else  # (grade_here: what the code did, ended_here)
        f"grading it, {stop}: an endless loop, or one call that never returns "
        "(sum(itertools.count()))? Run it by hand on the exercise's worked example."
        if stop.kind == "slow" else
        f"grading it, {stop}: does your answer end Python, or fill the memory? Run it by "
        "hand on the exercise's worked example to see what stops it."))
    return [e for e in left if e is not ex]


TOO_SLOW = ("each call of your answer ended within its time limit, but all of them took "
            "longer than an exercise may (the same limit wherever it is graded: exercises "
            "check, a class's report, an assignment's autograder): is it far slower than it "
            "needs to be (a sleep, or work done again on every call)? Time it by hand on the "
            "exercise's worked example.")
"""What a verdict adds when the exercise took longer than ``remote.EXERCISE_DEADLINE``."""


def _absent(ex: ExerciseSpec, info: dict[str, object], path: Path) -> tuple[str, str] | None:
    """Why the file has no solution of its own to grade for ``ex``, or None if it has."""
    if not info.get("found"):  # (said as "✗ NAME: missing: ...", as every route says it)
        return "missing", (f"{path} has no {ex.kind} {ex.symbol}; write one:"
                           f"\n    {ex.definition}")
    module = str(info.get("module", ""))
    if module.split(".")[0] == "tinygrad_edu":
        return "not yours", (f"{ex.symbol} is imported from {module}, so it is not yours; "
                             f"write your own `{ex.definition.removesuffix(': ...')}` in "
                             f"{path} to grade it")
    if not info.get("callable"):
        return "not a function", (f"in {path} it is a {info.get('type', 'value')}, not a "
                                  f"{ex.kind}; write {ex.definition}")
    return None


def _in_broken_cell(graded: Graded, ex: ExerciseSpec) -> tuple[str, str] | None:
    """For an exercise a notebook defines only in a cell that failed (not valid Python, or it
    raised): "not graded", saying which cell and why; else None."""
    for number, why in sorted(graded.cell_problems.items()):
        if ex.symbol in graded.cell_names.get(number, ()):
            return "not graded", f"the cell that defines {ex.symbol} does not run: {why}"
    return None


DEFINED = re.compile(r"^(?:def|class)\s+(\w+)", re.MULTILINE)
"""A definition at the top level of a cell, read from its text (it may not be valid Python)."""


def _load_problem(path: Path, loaded: dict[str, object],
                  exercises: Sequence[ExerciseSpec] = ()) -> str:
    """What a file that does not run says (as ``loading.run_code`` says it): where, why, and
    the line; for a NameError, what is not in its scope (``_in_scope``: the ``exercises``
    graded lend it)."""
    kind = str(loaded.get("kind", "crash"))
    where = str(loaded.get("where") or path)
    line = f"\n    {str(loaded['line']).strip()}" if loaded.get("line") else ""
    if kind == "exit":
        return (f"{where}: the file exits when it runs; put the code that exits under "
                f"`if __name__ == \"__main__\":`, which grading does not run{line}")
    if kind == "loop":
        counted = loaded.get("lines")  # (in the page: its count; in a process, what it printed)
        lines = counted if isinstance(counted, int) else printed_lines(
            str(loaded.get("printed") or ""))
        why = ("an endless loop, or a long one?" if lines < CHATTY else
               f"it printed {lines:,} lines by then, and printing that much takes the time: "
               "take the print out of the loop, or print every 1000th turn")
        return (f"{where}: running the file did not finish in {loaded.get('seconds', 5):g} s, "
                f"so it was stopped ({why}); the file should only define functions and "
                f"classes{line}")
    message = str(loaded.get("message", ""))
    if loaded.get("error") == "MemoryError":
        return out_of_memory(where, message, line)
    if loaded.get("error") == "ModuleNotFoundError" and "'numpy'" in message:
        message += (" (NumPy is not in this Python: the browser's has none, and the "
                    "exercises on arrays are for your machine; the stages of microgpt and "
                    "the other exercises need only math)")
    named = re.fullmatch(r"name '(\w+)' is not defined", message)
    return _in_scope(f"{where}: running the file raised {loaded.get('error', 'an error')}: "
                     f"{message}{line}", named and named[1], exercises)


def _in_scope(said: str, name: str | None, exercises: Sequence[ExerciseSpec]) -> str:
    """``said`` (why the file did not run), and, where it raised NameError for ``name`` and
    ``name`` is an earlier stage an exercise uses, why it is not in the file's scope, and
    what to define (a test of softmax at its file's top level, in the
    exercises page, was told only "NameError: name 'Value' is not defined"). The package's
    own Value is no stand-in: a learner's process refuses it while a stage is graded."""
    for ex in exercises:
        earlier = next((e for e in ex.uses if e.symbol == name), None)
        if earlier is not None:
            return (f"{said}\n{name} is not in this file when it runs: the grader lends "
                    f"{ex.symbol} (stage {ex.number}) the stages it uses, {name} (stage "
                    f"{earlier.number}) among them, only while it grades it. To try "
                    f"{ex.symbol} at the top level, paste your {name} above the test.")
    return said


def grade_here(path: Path, exercises: Sequence[ExerciseSpec]) -> Graded:
    """Grade ``exercises`` in the learner's file at ``path`` in this process, for practice,
    where there are no processes (``APART`` is False: a browser's Python): the same
    verdicts for the same answers, but the learner's code runs beside the references (and a
    stage of a track runs on the references' nodes, with the references of the earlier
    stages that did not pass in the learner's namespace). The file may import what a
    learner's process allows, and runs within the time it gives (``serve.LOAD_LIMIT``): an
    import refused, or a loop at its top level stopped, is said as there; and what would end
    that process (a GeneratorExit, a KeyboardInterrupt it raises: not the page's Stop,
    ``PageStop``) fails the exercise it was graded for, said with what the code did at its
    line, as is an error of the grader's own code after the file changed what the grader
    uses (a recursion limit lowered, ``math.exp`` replaced: ``ended_here.py``). The output
    streams the learner's code set (``sys.stdout = None``) are the grader's again once it has
    run: the verdicts are printed there (before, none was, and the page showed an empty
    box under "Passed"), and so are the builtins it replaced (``typing.sys.modules['builtins']
    .print = 5``: before, the page showed its own traceback, where the verdict is printed)."""
    graded = Graded(path)
    streams = sys.stdout, sys.stderr
    before, source = Shared.now(), ""
    try:
        source = read_source(path)
        found = _run_here(path, source)
        before.ran()
    except SolutionFileError as error:
        changed = _changed(before)
        cause = error.__context__  # (the grader's own error, after the file changed what
        if changed and error.kind == "crash" and cause is not None and not [  # it uses)
                f for f in traceback.extract_tb(cause.__traceback__) if f.filename == str(path)]:
            for ex in exercises:
                _stopped(graded, ended_here(cause, path, source, changed), [], ex)
        else:
            name = getattr(error.__context__, "name", None)  # (a NameError's)
            graded.problem = SolutionFileError(_in_scope(str(error), name, exercises),
                                               error.kind)
        return graded
    except BaseException as error:  # (raise GeneratorExit at its top level)
        changed = _changed(before)
        if isinstance(error, (PageStop, TimeLimit)):
            raise
        for ex in exercises:
            _stopped(graded, ended_here(error, path, source, changed), [], ex)
        return graded
    finally:  # (what the file printed, a flood cut, before the verdict)
        sys.stdout, sys.stderr = streams
        before.put_back()
        printing.settle()
    own = dict(found)  # (the file's own, given back once a stage stood in for is graded no
    stood_in: list[str] = []  # longer)
    try:
        for ex in exercises:
            for name in stood_in:
                if name in own:
                    found[name] = own[name]
                else:
                    found.pop(name, None)
            stood_in = []
            thing = found.get(ex.symbol)
            module = getattr(thing, "__module__", None) or ""
            info = {"found": thing is not None, "module": module if isinstance(module, str) else "",
                    "callable": callable(thing), "type": type(thing).__name__}
            absent = _absent(ex, info, path)
            if absent is not None:
                graded.absent[ex.name], graded.why[ex.name] = absent
            elif thing is not None:
                for earlier in _stand_ins(graded, ex):  # (here, the references themselves)
                    found[earlier.symbol] = earlier.reference
                    stood_in.append(earlier.symbol)
                try:
                    sys.stdout = _Unshown()  # (a __del__'s prints as the copies are freed)
                    graded.verdicts[ex.name] = pointed(grade(ex, thing), source, path)
                except BaseException as error:  # (raise GeneratorExit in backward)
                    changed = _changed(before)
                    if isinstance(error, (PageStop, TimeLimit)):
                        raise
                    _stopped(graded, ended_here(error, path, source, changed), [], ex)
                finally:
                    sys.stdout, sys.stderr = streams
                    before.put_back()
    finally:  # (a traceback a verdict keeps holds this frame: not the file's own names,
        own.clear()  # a chain of its Values among them, freed later wherever that is)
    return graded


class _Unshown(io.StringIO):
    """Where what the learner's code prints while it is graded goes, outside the calls the
    grader makes (whose prints their outcomes keep): a ``__del__`` run as the grader frees
    its copies of the learner's Values printed above the verdict (before, about
    100 "freed ..." lines above "✓ node passed"). Not shown, as the prints of those calls
    are not, nor kept."""

    def write(self, text: str) -> int:
        return len(text)


def _changed(before: Shared) -> list[tuple[str, str]]:
    """What the learner's code changed that the grader uses (``before``: as it was), read
    first; then the builtins and importers put back, before the grader uses them again
    (``del typing.sys.modules['builtins'].isinstance``: before, the grader's own traceback,
    "NameError: name 'isinstance' is not defined")."""
    changed = before.changed()
    before.put_back()
    return changed


def _run_here(path: Path, source: str) -> dict[str, Any]:
    """What the learner's file defines, run here (``loading.load_solutions``) within
    ``serve.LOAD_LIMIT`` seconds, with the imports a learner's process allows (read first,
    then each one made, as there); a ``SolutionFileError`` of kind ``"loop"`` (saying the
    line it was on) when it runs longer, but where it took ``page_python.MORE_MEMORY`` more
    memory meanwhile (in the page), one saying it ran out of memory (``grew_past``)."""
    from tinygrad_edu.exercises.learner.imports import guarded_builtins
    from tinygrad_edu.exercises.limit import call_with_time_limit
    from tinygrad_edu.exercises.loading import run_code
    from tinygrad_edu.viz.page_python import MORE_MEMORY, memory_bytes

    code = compile_source(source, path)
    refuse_imports(path, source, [], [parsed(source)])
    printed = printing.lines_so_far()  # (a flood is told so, as in a process)
    memory = memory_bytes()  # (what the page's Python has before: None here)
    try:
        return run_code(code, path, guarded_builtins(), functools.partial(
            call_with_time_limit, serve.LOAD_LIMIT))
    except TimeLimit as stop:
        frames = [f for f in traceback.extract_tb(stop.__traceback__)
                  if f.filename == str(path)]
        where = f"{path}, line {frames[-1].lineno}" if frames else str(path)
        line = (frames[-1].line or "") if frames else ""
        now = memory_bytes()
        if memory is not None and now is not None and now - memory >= MORE_MEMORY:
            raise SolutionFileError(grew_past(where, now - memory, serve.LOAD_LIMIT, line),
                                    "crash") from None  # (a MemoryError's kind, there)
        raise SolutionFileError(_load_problem(path, {
            "kind": "loop", "seconds": serve.LOAD_LIMIT, "where": where, "line": line,
            "lines": printing.lines_so_far() - printed}), "loop") from None


def grew_past(where: str, grown: int, seconds: float, line: str) -> str:
    """What a file whose top level took ``grown`` bytes more memory in the page before its
    time limit (``seconds``) stopped it at ``where`` (``line``, its text) is told: that it
    ran out of memory, as a learner's process on a computer, which may take
    ``page_python.MORE_MEMORY`` more, tells it with a MemoryError at that line. Before, "did
    not finish in 5 s ... (an endless loop, or a long one?)", where a function growing the
    same list was told MemoryError (a tester's walk): the page has 4 GB, and its last
    allocations, of memory never used before, are slow."""
    from tinygrad_edu.viz.page_python import MORE_MEMORY

    said = f"\n    {line.strip()}" if line else ""
    return (f"{where}: running the file ran out of memory: in its {seconds:g} s it took "
            f"{grown / 2 ** 30:.1f} GB more, past the {MORE_MEMORY / 2 ** 30:g} GB more a "
            f"learner's process may take on your machine (there, MemoryError at this line), "
            f"and it was stopped: this line asks for more and more (a list that grows "
            f"without end, or one far too big); keep only what the file needs{said}")


def _stand_ins(graded: Graded, ex: ExerciseSpec) -> list[ExerciseSpec]:
    """The earlier stages ``ex`` uses that have not passed in this grading (or are not in the
    file): the grader answers for each while ``ex`` is graded, and for nothing else (in the
    learner's process: ``learner/answered.py``; here, grading for practice, their
    references); never for a stage named as ``ex`` is (what ``ex`` is asked to do)."""
    return [earlier for earlier in ex.uses if earlier.symbol != ex.symbol and not (
        earlier.name in graded.verdicts and graded.verdicts[earlier.name].passed)]


def _saying_what_answered(verdict: Verdict, ex: ExerciseSpec, asked: set[str]) -> Verdict:
    """``verdict``, with a note naming the earlier stages the grader answered for."""
    stages = [earlier for earlier in ex.uses if earlier.symbol in asked]
    if not stages:
        return verdict
    names = [f"{e.symbol} (stage {e.number})" for e in stages]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    one = len(names) == 1
    note = (f"Where it used {listed}, the grader's own answered, as yours "
            f"{'has' if one else 'have'} not passed (or {'is' if one else 'are'} not "
            "graded here): a mistake there does not count against this stage.")
    return dataclasses.replace(verdict, notes=(*verdict.notes, note))
