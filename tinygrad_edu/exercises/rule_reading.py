"""A rule exercise's function read, never run, by the grader: a rule that computes with complex
numbers, or with exact or many-digit arithmetic, is a numerical derivative (the complex step;
a finite difference made exact enough to pass), and earns no points.

The grader watches the numbers a rule is run on (``learner/watched.py``), but a number made
plain first (``x = float(x)``) and then made complex by the learner's own code is not
watched any more. So the learner's source is also read here, in the grader's process (the
file is parsed, not run): the function of an exercise with ``exact`` points
(``ExerciseSpec.exact``), and every function, class, assignment and import of the file's top
level that it names (and they name, and so on), may not use

- a complex number: a literal such as ``1j``, ``complex``, ``cmath``, ``.imag``, NumPy's
  complex types or ``numpy.emath`` (``scimath``);
- ``decimal``, ``fractions`` or ``mpmath``, which compute a function's values with more
  digits than a float has.

A file that hides its complex numbers from this reading too (names built from strings,
``globals()``) can still pass: the reading of its code, a teacher's, is the check there.

``RuleReading(path)`` reads a file once; ``refuse(graded, exercise)`` turns the verdict of an
exercise that passed into a failure that names the line, where its function uses one of
these (every route that grades a file calls it: ``exercises check``, a class's report, the
graded cell of a notebook).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.loading import cells_of, read_source
from tinygrad_edu.exercises.text_blocks import place
from tinygrad_edu.exercises.verdicts import Verdict

if TYPE_CHECKING:
    from tinygrad_edu.exercises.apart import Graded

__all__ = ["RuleReading"]

EXACT_ARITHMETIC = ("decimal", "fractions", "mpmath")
"""Modules that compute with more digits than a float has."""
COMPLEX_MODULES = ("cmath",)
COMPLEX_NAMES = frozenset({"complex", "complex64", "complex128", "complex256", "complex_",
                           "cdouble", "csingle", "clongdouble", "cfloat", "longcomplex",
                           "singlecomplex", "clongfloat"})
"""Names of complex types (Python's, NumPy's): as a name, or an attribute (``np.complex128``)."""
COMPLEX_ATTRIBUTES = COMPLEX_NAMES | {"imag", "emath", "scimath"}
"""Attributes that make or read complex numbers: ``z.imag``, ``np.emath.sqrt(-1)``."""

WORDS = {
    "complex": ("computes with complex numbers", "that is the complex-step derivative, "
                "Im f(x + ih) / h, which gets the slope from the function's values; no rule on "
                "real numbers needs one"),
    "exact": ("computes with more digits than a float has", "with them a finite "
              "difference, (f(x + h) - f(x - h)) / 2h, comes as close as a rule, from the "
              "function's values; no rule on floats needs them"),
}
SAID = ("your {name} {does} (at {where}, it uses {what}: `{line}`): {why}. The exercise is "
        "the rule: write dy/dx as an expression of the inputs (and y), as the statement asks, "
        "as the engine's own rules are written. A numerical derivative earns no points here.")


class RuleReading:
    """A learner's file as the grader reads it for the rule exercises (see the module's
    docstring): parsed once, never run. A file that cannot be read or parsed has nothing to
    read here (the grading says why it is not graded)."""

    def __init__(self, path: Path, within: Path | None = None) -> None:
        self.path = path
        self.lines: list[str] = []
        self.cells: list[tuple[int, int, int]] = []
        self.trees: list[ast.Module] = []
        try:
            source = read_source(path, within)
            self.cells = cells_of(path, source)
            self.lines = source.split("\n")
            blocks = [(first, "\n".join(self.lines[first - 1:last]))
                      for _, first, last in self.cells] or [(1, source)]
            for first, block in blocks:
                try:  # (each cell at its own lines of the file)
                    self.trees.append(ast.parse("\n" * (first - 1) + block))
                except Exception:  # (not Python, or past the parser's limits: its own
                    continue       # problem, which its grading reports)
        except Exception:
            self.trees = []

    def why(self, exercise: ExerciseSpec) -> str:
        """Why the exercise's function, as written, is a numerical derivative; empty if the
        exercise has no ``exact`` points or the function uses none of what is looked for."""
        if not exercise.exact or not self.trees:
            return ""
        found = _first_use(self.trees, exercise.symbol)
        if found is None:
            return ""
        lineno, whats, kind = found
        line = self.lines[lineno - 1].strip() if 0 < lineno <= len(self.lines) else ""
        if len(line) > 100:
            line = line[:99] + "…"
        what = whats[0] if len(whats) == 1 else f"{', '.join(whats[:-1])} and {whats[-1]}"
        does, why = WORDS[kind]
        return SAID.format(name=exercise.symbol, does=does, what=what, line=line, why=why,
                           where=place(self.path.name, self.cells, lineno))

    def refuse(self, graded: Graded, exercise: ExerciseSpec) -> None:
        """Make the verdict of ``exercise`` in ``graded`` a failure if it passed but its
        function uses what a rule never needs (``why``)."""
        verdict = graded.verdicts.get(exercise.name)
        if verdict is None or not verdict.passed:
            return
        why = self.why(exercise)
        if why:
            graded.verdicts[exercise.name] = Verdict(exercise, False, message=why)


def _first_use(trees: list[ast.Module], name: str) -> tuple[int, list[str], str] | None:
    """The first line that uses a complex number or exact arithmetic, in the function
    ``name`` (its last definition at the top level) and in what it names at the top level,
    read through: the line, what it uses there (in the order written) and what kind of
    thing that is (``"complex"``, or ``"exact"``); None if none."""
    bindings: dict[str, ast.stmt] = {}  # (each name's last binding at the top level)
    modules: dict[str, str] = {}  # (a name imported at the top level: its module)
    for tree in trees:
        for statement in tree.body:
            for bound in _bound(statement):
                bindings[bound] = statement
                modules.pop(bound, None)
            modules.update(_imported(statement))
    if name not in bindings:
        return None
    todo, seen = [bindings[name]], {id(bindings[name])}
    uses: list[tuple[int, int, str, str]] = []  # (line, column, what, kind)
    while todo:
        for node in ast.walk(todo.pop()):
            use = _use(node, modules)
            if use is not None:
                uses.append(use)
            named = bindings.get(node.id) if isinstance(node, ast.Name) and isinstance(
                node.ctx, ast.Load) else None
            if named is not None and id(named) not in seen and not isinstance(
                    named, (ast.Import, ast.ImportFrom)):
                seen.add(id(named))
                todo.append(named)
    if not uses:
        return None
    first = min(uses)[0]
    on_it = sorted(u for u in uses if u[0] == first)
    return first, list(dict.fromkeys(u[2] for u in on_it)), on_it[0][3]


def _bound(node: ast.stmt) -> Iterator[str]:
    """The names a statement of the top level binds."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield node.name
    elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    yield sub.id
    else:
        yield from (bound for bound, _ in _imported(node))


def _imported(node: ast.AST) -> list[tuple[str, str]]:
    """The names an import binds, each with what it names: ``import numpy as np`` binds np
    to ``numpy``, ``from cmath import exp as e`` binds e to ``cmath.exp``."""
    if isinstance(node, ast.Import):
        return [(alias.asname, alias.name) if alias.asname else
                (alias.name.split(".")[0], alias.name.split(".")[0]) for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [(alias.asname or alias.name, f"{node.module or ''}.{alias.name}")
                for alias in node.names]
    return []


def _forbidden(dotted: str) -> str | None:
    """Whether what an import names is what a rule never needs: ``"complex"``, ``"exact"``
    or None."""
    parts = dotted.split(".")
    if parts[0] in EXACT_ARITHMETIC:
        return "exact"
    if parts[0] in COMPLEX_MODULES or any(p in COMPLEX_ATTRIBUTES for p in parts[1:]):
        return "complex"
    return None


def _use(node: ast.AST, modules: dict[str, str]) -> tuple[int, int, str, str] | None:
    """What a node of the code uses, of what a rule never needs: its line and column, what
    it is, and its kind (``"complex"`` or ``"exact"``)."""
    line = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    if isinstance(node, ast.Constant):
        if isinstance(node.value, complex):
            return *line, f"the complex number {node.value!r}", "complex"
        if isinstance(node.value, str) and node.value in (
                *COMPLEX_MODULES, *COMPLEX_ATTRIBUTES, *EXACT_ARITHMETIC):
            return *line, f"{node.value!r}", _kind(node.value)
    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        dotted = modules.get(node.id)
        kind = None if dotted is None else _forbidden(dotted)
        if dotted is not None and kind is not None:
            return *line, dotted if dotted == node.id else f"{node.id} ({dotted})", kind
        if node.id in COMPLEX_NAMES:
            return *line, node.id, "complex"
    elif isinstance(node, ast.Attribute) and node.attr in COMPLEX_ATTRIBUTES:
        return line[0], (node.end_col_offset or 0) - len(node.attr), f".{node.attr}", "complex"
    else:
        for _, dotted in _imported(node):  # (an import inside the code read)
            kind = _forbidden(dotted)
            if kind is not None:
                return *line, dotted, kind
    return None


def _kind(name: str) -> str:
    return "exact" if name in EXACT_ARITHMETIC else "complex"
