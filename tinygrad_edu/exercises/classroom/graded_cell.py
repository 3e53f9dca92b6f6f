"""The graded cell of an nbgrader assignment: ``graded_cell("d_tanh", globals())`` grades the
learner's ``d_tanh`` with the project's grader, prints the verdict (with the diagnosis of a
mistake, which nbgrader's feedback shows) and raises ``AssertionError`` if it does not
pass: nbgrader gives the cell's points when it raises nothing.

The learner's code is graded apart (``apart.py``): the notebook's cells run so far (IPython's
``In``, the graded cells left out) are written to a file, which learner's processes of their
own run, each with the engine without what its exercise asks for. This is feedback, for the
student (nbgrader's Validate, a cell run by hand): it runs in the notebook's kernel, after
the learner's cells, which could change what it does there. The points nbgrader records
come from outside the kernel (``for_nbgrader_autograde.py``): under ``nbgrader autograde``
this cell only says so, and gives no points where the course is not set up for it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tinygrad_edu.exercises import get_exercise
from tinygrad_edu.exercises.apart import grade_apart, refused_in
from tinygrad_edu.exercises.cases import SEED, begin
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.grading import grade
from tinygrad_edu.exercises.rule_reading import RuleReading

__all__ = ["GRADED", "NotPassed", "graded_cell", "practice", "saved_notebook"]

GRADED = re.compile(r"""graded_cell\(\s*["'](\w+)["']""")
"""How a graded cell of tinygrad_edu's names its exercise: ``graded_cell("d_tanh", ...)``."""


def graded_cell(exercise: str, namespace: Mapping[str, Any]) -> None:
    """Grade the learner's answer to ``exercise`` (found by its name in ``namespace``, the
    notebook's ``globals()``, and graded from the notebook's cells), print the verdict, and
    raise ``AssertionError`` unless it passes. What is not the learner's own (not defined,
    or imported from tinygrad_edu) is an ``AssertionError`` that says so."""
    ex = get_exercise(exercise)
    solution = namespace.get(ex.symbol)
    if solution is None:
        raise NotPassed(f"✗ {ex.name}: not graded: {ex.symbol} is not defined: write "
                        f"{ex.definition} in the cell above and run that cell, then this one")
    module = getattr(solution, "__module__", None) or ""
    if module.split(".")[0] == "tinygrad_edu":
        raise NotPassed(f"✗ {ex.name}: not graded: {ex.symbol} is imported from {module}, "
                        f"so it is not yours; write your own "
                        f"`{ex.definition.removesuffix(': ...')}` in the cell above and run it")
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        print(f"✗ {ex.name}: graded outside this notebook, by tinygrad_edu's grader")
        raise NotPassed(
            "nbgrader's autograde takes the points of this cell from tinygrad_edu's grader, "
            "which runs outside the notebook: the course's nbgrader_config.py needs `from "
            "tinygrad_edu.exercises.classroom.for_nbgrader_autograde import "
            "autograde_preprocessors` and `c.Autograde.autograde_preprocessors = "
            "autograde_preprocessors()` (until then, this cell gives no points)")
    passed, text = practice(ex, namespace)
    validating = os.environ.get("NBGRADER_EXECUTION") == "validate"
    if not validating:
        print(text)
    if not passed:
        where = "above" if not validating else "above it"
        raise NotPassed(f"{ex.name} is not graded: see {where}" if text.startswith(
            f"✗ {ex.name}: not graded:") else f"{ex.name} does not pass yet: see the verdict "
            f"{where}", shown=text if validating else "")
    if validating:
        print(text)


class NotPassed(AssertionError):
    """A graded cell's error, from which nbgrader gives the cell no points. Jupyter shows it
    as its message alone (IPython's ``_render_traceback_``), not as a traceback into the
    package that reads as a crash, its long lines wrapped (``nbgrader validate`` cuts them:
    "... imported from tinygrad_edu.auto..."). Under ``nbgrader validate``, which shows a
    failed cell's error and not what it printed, the error holds the verdict (``shown``)
    above it."""

    def __init__(self, message: str, shown: str = "") -> None:
        super().__init__(message)
        self.shown = shown

    def _render_traceback_(self) -> list[str]:
        return _wrapped(f"{self.shown}\nAssertionError: {self}".lstrip("\n"))


def _wrapped(text: str, width: int = 80) -> list[str]:
    """``text``'s lines, each longer than ``width`` wrapped beneath itself, indented further
    (nbgrader validate cuts a line of its report at 87 characters, indented by 4)."""
    lines = []
    for line in text.splitlines():
        indent = " " * (len(line) - len(line.lstrip()))
        lines += textwrap.wrap(line, width, subsequent_indent=indent + "  ",
                               break_long_words=False, break_on_hyphens=False) or [line]
    return lines


def practice(ex: ExerciseSpec, namespace: Mapping[str, Any],
             notebook: str | None = None) -> tuple[bool, str]:
    """A practice check of the learner's answer to ``ex`` in a notebook's kernel
    (``namespace``, its ``globals()``): whether it passes, and the verdict (or why it is not
    graded). Graded as the course grades it, apart, from the notebook's cells run so far
    (IPython's ``In``) written to a file, under the same import rules and the same reading
    of a rule's code; the file's temporary path never shown. The grade reads every cell of
    the notebook handed in, run or not: so the import rules are applied to every code cell
    of the notebook as saved (``saved_notebook``; ``notebook``, its path where the tool knows
    it: Otter's), and an import refused there is said as the grade says it, with what to do;
    where the notebook's file is not found, the verdict says that it read the cells run so
    far alone. Outside a notebook, the answer itself, here. Its inputs are drawn as a grading
    draws them, afresh at each check from a seed that the verdict names, or from
    ``TINYGRAD_EDU_SEED``'s (``cases.begin``): the seed a grade names gives the grade's
    inputs, and so its verdict."""
    in_notebook = isinstance(namespace.get("In"), list)
    saved = saved_notebook(namespace, notebook) if in_notebook else None
    refused = refused_in(saved) if saved is not None else None
    if saved is not None and refused is not None:
        said = str(refused).replace(str(saved), saved.name)  # (the name it was saved as)
        return False, f"✗ {ex.name}: not graded: {said}\n{IMPORT_IN_SAVED}"
    drawn = begin()
    passed, text = _practice(ex, namespace)
    unsaved = f"\n{CELLS_RUN_ONLY}" if in_notebook and saved is None else ""
    if text.startswith(f"✗ {ex.name}: not graded:"):
        return passed, text + unsaved
    return passed, (f"{text}\n{seed_said(drawn, given=bool(os.environ.get(SEED, '').strip()))}"
                    f"{unsaved}")


IMPORT_IN_SAVED = (
    "The grade reads every code cell of the notebook you hand in, run or not, and this "
    "import leaves the whole notebook not graded (every question 0): take it out (a "
    "debugging cell: delete it), save the notebook, and check again.")
"""What a practice check adds to an import refused in the notebook as saved."""

CELLS_RUN_ONLY = (
    "(This check read the cells you have run alone: the notebook's file was not found. The "
    "grade reads every code cell of the notebook you hand in, run or not, where one import "
    "a submission may not make leaves every question not graded.)")
"""What a practice check adds where the notebook's file was not found."""


def saved_notebook(namespace: Mapping[str, Any], given: str | None = None) -> Path | None:
    """The file of the notebook whose kernel ``namespace`` is, as last saved: ``given`` (the
    tool's: Otter's ``grader``), else the one Jupyter names (``JPY_SESSION_NAME``, which
    ipykernel also gives as ``__session__``; VS Code's ``__vsc_ipynb_file__``), else the one
    notebook in the working folder (where a kernel of Jupyter's runs, and ``nbgrader
    validate``'s) that holds the cell running now; None if none is found. Under ``nbgrader
    validate`` the kernel is validate's own, which inherits its caller's environment: there
    the folder alone is read."""
    named: list[Any] = [given]
    if os.environ.get("NBGRADER_EXECUTION") != "validate":
        named += [namespace.get("__vsc_ipynb_file__"), namespace.get("__session__"),
                  os.environ.get("JPY_SESSION_NAME")]
    for name in named:
        if isinstance(name, str) and name.endswith(".ipynb"):
            for path in (Path(name), Path(Path(name).name)):  # (Jupyter's may be relative
                if path.is_file():  # to its root, where the kernel runs in the notebook's
                    return path.resolve()  # folder)
    cells = namespace.get("In")
    running = cells[-1].strip() if isinstance(cells, list) and cells and isinstance(
        cells[-1], str) else ""
    holding = [path for path in sorted(Path.cwd().glob("*.ipynb"))
               if running and running in _code_cells(path)]
    return holding[0].resolve() if len(holding) == 1 else None


def _code_cells(path: Path) -> list[str]:
    """The code cells of the notebook at ``path``, each stripped (none if it cannot be read
    as a notebook)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return ["".join(c["source"]).strip() if isinstance(c["source"], list) else
                c["source"].strip() for c in cells if c.get("cell_type") == "code"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return []


def seed_said(seed: int, given: bool = False) -> str:
    """How a practice check names the seed of its inputs, and how to draw them again; or,
    where the learner ``given`` the seed (``%env``), that its inputs are that seed's."""
    if given:
        return (f"Inputs from seed {seed}, the one `%env {SEED}={seed}` gives (with the seed "
                f"your grade names, the grade's inputs; `%env {SEED}=` draws them afresh).")
    return (f"Inputs drawn afresh for this check, from seed {seed} (`%env {SEED}={seed}` in a "
            "cell run before a check draws them again; with the seed your grade names, the "
            "grade's inputs).")


def _practice(ex: ExerciseSpec, namespace: Mapping[str, Any]) -> tuple[bool, str]:
    cells = namespace.get("In")
    if not isinstance(cells, list):  # not in a notebook: graded here, for practice
        verdict = grade(ex, namespace[ex.symbol])
        return verdict.passed, str(verdict)
    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-cell-") as folder:
        path = Path(folder, "notebook.ipynb")
        path.write_text(notebook_source(cells), encoding="utf-8")
        graded = grade_apart(path, [ex])
        RuleReading(path).refuse(graded, ex)  # (a rule's code read too: rule_reading.py)
        if graded.problem is not None or graded.reported:
            why = graded.problem or f"reported, not graded: its code {graded.reported}"
            return False, f"✗ {ex.name}: not graded: {_unpathed(str(why), path)}"
        if ex.name in graded.absent:
            said = "missing" if graded.absent[ex.name] == "missing" else "not graded"
            return False, f"✗ {ex.name}: {said}: {_unpathed(graded.why[ex.name], path)}"
        verdict = graded.verdicts[ex.name]
        return verdict.passed, _unpathed(str(verdict), path)


def _unpathed(text: str, path: Path) -> str:
    """``text`` with the temporary notebook's path said as the learner's notebook (its cells
    are named as the grade names them: ``text_blocks.cell_named``)."""
    return text.replace(str(path), "your notebook").replace(path.name, "your notebook")


def notebook_source(cells: list[Any]) -> str:
    """The notebook's cells run so far (IPython's ``In``) as a notebook's file, its N-th cell
    the one Jupyter shows as ``[N]``, read as the grader reads the learner's notebook
    (``loading.notebook_code``: each cell apart, one that is not Python left out; ``%``,
    ``!`` and Otter's lines commented out): the graded cells left empty, IPython's own calls
    (``get_ipython()``, what its ``%`` lines became) commented out."""
    sources = []
    for cell in cells[1:]:
        text = cell if isinstance(cell, str) and "graded_cell(" not in cell else ""
        sources.append("\n".join(f"# {line}" if line.lstrip().startswith("get_ipython()")
                                 else line for line in text.splitlines()))
    return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": text,
                                  "outputs": [], "execution_count": None}
                                 for text in sources],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
