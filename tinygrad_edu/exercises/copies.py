"""A graded function (or class) that is the same code as an answer the package ships: flagged
for the teacher, never scored differently.

The wheel a student installs holds the answers: ``model_answers.py`` and ``lecture.py`` (to
read after trying), the grader's references in ``answers.py``, the track's
``microgpt/reference.py``. Students can always read public solutions; what the grader can do
is say when what it graded is one of them. ``CopyReading(path)`` reads a learner's file once
(parsed, never run) and ``same(exercise)`` names the answer of the package whose definition
of the exercise's name is the same code as the file's: compared as syntax trees with every
name of the learner's own made anonymous (parameters, local variables, nested functions and
the file's own helpers, in the order they first appear), docstrings, comments, annotations
and bare strings left out; the names of modules, builtins and attributes (``.data``,
``.grad``: what the exercise reads) are kept. A class is the same code when at least
``SHARE`` of it, and of the answer's, is methods (and lines of the class's body) that are.

Short answers are never flagged: an answer of fewer than ``SMALLEST`` nodes (``return b,
a``; the one loop of an SGD step) is what anyone who solves the exercise writes. What is
flagged reaches the teacher in every route's output (``check``, ``--json``, a report's column,
Gradescope's, Otter's and PrairieLearn's feedback): a mark's ``copied`` and a line of its
text (``flag``).
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
from dataclasses import dataclass
from pathlib import Path

from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.loading import cells_of, read_source

__all__ = ["COPIED", "CopyReading", "flag"]

COPIED = "the same code as the model answer shipped in the package"
"""What a flagged exercise is, as every route says it."""
SMALLEST = 50
"""The fewest nodes (of the answer's syntax tree, names made anonymous) an answer has to be
flagged: below, the same code is what anyone writes."""
SHARE = 0.8
"""How much of a class, and of the answer's class, must be the same code to flag it."""
ANSWERS = ("model_answers.py", "lecture.py", "answers.py", "microgpt/reference.py")
"""The package's files of answers (in ``tinygrad_edu/exercises``), the first one that has a
definition of the name named when several do."""

BUILTINS = frozenset(dir(builtins))


def flag(exercise_name: str, where: str) -> str:
    """The line a flagged exercise's verdict gains."""
    return (f"⚑ {exercise_name}: {COPIED} ({where}; compared with the names of your own "
            "made anonymous, docstrings and comments left out). Flagged for your teacher to "
            "read, not scored differently.")


@dataclass(frozen=True)
class Shape:
    """A definition read for comparison: its parts (a function is one part; a class, each
    statement of its body: a method by its name, anything else by its code), each with its
    code made anonymous and its size in nodes."""

    parts: tuple[tuple[str, str, int], ...]

    @property
    def size(self) -> int:
        return sum(size for _, _, size in self.parts)


class CopyReading:
    """A learner's file as the grader reads it for copies of the package's answers: parsed
    once, never run (a file that cannot be read or parsed has no copy to flag)."""

    def __init__(self, path: Path, within: Path | None = None) -> None:
        self.path = path
        self.definitions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = {}
        self.imports: dict[str, str] = {}
        try:
            source = read_source(path, within)
            lines = source.split("\n")
            blocks = ["\n".join(lines[first - 1:last])
                      for _, first, last in cells_of(path, source)] or [source]
            for block in blocks:
                try:
                    tree = ast.parse(block)
                except Exception:  # (not Python: its grading says so)
                    continue
                self._read(tree)
        except Exception:
            self.definitions = {}

    def _read(self, tree: ast.Module) -> None:
        for statement in tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.definitions[statement.name] = statement
            self.imports.update(_imported(statement))

    def same(self, exercise: ExerciseSpec) -> str:
        """The package's answer (``"model_answers.py's d_tanh"``) whose definition of the
        exercise's name is the same code as the file's; empty if none is."""
        name = exercise.symbol
        mine = self.definitions.get(name)
        if mine is None:
            return ""
        try:
            shape = _shape(mine, self.imports, name)
        except RecursionError:
            return ""
        for where, theirs in answers().get(name, ()):
            if _same(shape, theirs):
                return f"{where}'s {name}"
        return ""


@functools.cache
def answers() -> dict[str, tuple[tuple[str, Shape], ...]]:
    """The definitions of the package's answers (``ANSWERS``), by name, each with the file it
    is in: read once, from the installed package's source."""
    folder = Path(__file__).resolve().parent
    found: dict[str, list[tuple[str, Shape]]] = {}
    for name in ANSWERS:
        try:
            tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        imports = {bound: dotted for statement in tree.body
                   for bound, dotted in _imported(statement)}
        for statement in tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.setdefault(statement.name, []).append(
                    (name, _shape(statement, imports, statement.name)))
    return {name: tuple(shapes) for name, shapes in found.items()}


def _same(mine: Shape, theirs: Shape) -> bool:
    """Whether ``mine`` is the same code as ``theirs`` (see the module's docstring)."""
    if theirs.size < SMALLEST:
        return False
    if len(mine.parts) == 1 and len(theirs.parts) == 1:
        return mine.parts == theirs.parts
    shared_parts = set(theirs.parts)
    shared = sum(size for part in mine.parts if part in shared_parts for size in [part[2]])
    return shared >= SHARE * mine.size and shared >= SHARE * theirs.size


def _shape(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
           imports: dict[str, str], name: str) -> Shape:
    """``node`` read for comparison (``Shape``): a function whole, a class part by part."""
    if isinstance(node, ast.ClassDef):
        parts = []
        for statement in node.body:
            if _bare_string(statement):
                continue
            code, size = _anonymous(statement, imports, name)
            key = statement.name if isinstance(statement, (ast.FunctionDef,
                                                           ast.AsyncFunctionDef)) else code
            parts.append((key, code, size))
        return Shape(tuple(parts))
    code, size = _anonymous(node, imports, name)
    return Shape(((name, code, size),))


def _bare_string(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)


def _anonymous(node: ast.AST, imports: dict[str, str], name: str) -> tuple[str, int]:
    """The code of ``node`` with the learner's own names made anonymous, docstrings, bare
    strings and annotations left out (``_Anonymous``), and its size in nodes."""
    plain = _Anonymous(imports, name).visit(copy.deepcopy(node))
    return ast.dump(plain, annotate_fields=False), sum(1 for _ in ast.walk(plain))


class _Anonymous(ast.NodeTransformer):
    """Each name of the learner's own made ``v0``, ``v1``... in the order it first appears
    (the definition's own name ``<it>``); a module's name made the module's (``np`` is
    ``numpy``); builtins and attributes kept; docstrings, bare strings and annotations
    left out."""

    def __init__(self, imports: dict[str, str], name: str) -> None:
        self.imports = imports
        self.names: dict[str, str] = {name: "<it>"}
        self.own: set[str] = set()

    def anonymous(self, name: str) -> str:
        if name not in self.names:
            self.names[name] = f"v{len(self.names)}"
        return self.names[name]

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if not isinstance(node.ctx, ast.Load):
            self.own.add(node.id)
        if node.id in self.names or node.id in self.own or (
                node.id not in self.imports and node.id not in BUILTINS):
            node.id = self.anonymous(node.id)
        elif node.id in self.imports:
            node.id = f"<{self.imports[node.id]}>"
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self.anonymous(node.arg)
        node.annotation = None
        node.type_comment = None
        return node

    def _definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                    ) -> ast.AST:
        node.name = self.anonymous(node.name)
        if not isinstance(node, ast.ClassDef):
            node.returns = None
            node.type_comment = None
        return self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _definition

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        return self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        if node.value is None:
            return None
        return self.visit(ast.Assign(targets=[node.target], value=node.value, lineno=0))

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        return None if _bare_string(node) else self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> ast.AST:
        node.names = [self.anonymous(n) for n in node.names]
        return node

    visit_Nonlocal = visit_Global  # type: ignore[assignment]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        if node.name is not None:
            node.name = self.anonymous(node.name)
        return self.generic_visit(node)

    def visit_alias(self, node: ast.alias) -> ast.AST:
        if node.asname is not None:
            node.asname = self.anonymous(node.asname)
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and not body and field == "body":
                body.append(ast.Pass())  # (a body of a docstring alone)
        return node


def _imported(node: ast.AST) -> list[tuple[str, str]]:
    """The names an import of the top level binds, each with the module it names."""
    if isinstance(node, ast.Import):
        return [(alias.asname, alias.name) if alias.asname else
                (alias.name.split(".")[0], alias.name.split(".")[0]) for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [(alias.asname or alias.name, f"{node.module or ''}.{alias.name}")
                for alias in node.names]
    return []
