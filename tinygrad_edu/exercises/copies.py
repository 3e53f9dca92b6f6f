"""A graded function (or class) that is the same code as an answer the package ships: flagged
for the teacher, never scored differently.

The wheel a student installs holds the answers: ``model_answers.py`` and ``lecture.py`` (to
read after trying), the grader's references in ``answers.py``, the track's
``microgpt/reference.py``. Students can always read public solutions; what the grader can do
is say when what it graded is one of them. ``CopyReading(path)`` reads a learner's file once
(parsed, never run) and ``same(exercise)`` names the answer of the package whose definition
of the exercise's name is the same code as one of the file's definitions, under any name and
anywhere in the file (a copy renamed and bound to the exercise's name, ``backward =
_my_backward``, by a lambda, a ``def`` that calls it or a decorator, is the same copy):

- dead code left out first (statements after a ``return``, ``raise``, ``break`` or
  ``continue``; ``if False:``; a name assigned and never read, from no call; an expression
  that does nothing), then every name of the learner's own made anonymous (parameters,
  local variables, nested functions and the file's own helpers, in the order they first
  appear), docstrings, comments, annotations and bare strings left out; the names of
  modules, builtins and attributes (``.data``, ``.grad``: what the exercise reads) kept;
- compared statement by statement: the same code when at least ``SHARE`` of the answer's
  statements, and of the file's, are the same, in the same order (a line added, changed or
  taken out leaves it the same code); a class, method by method, when at least ``SHARE``
  of it, and of the answer's, is.

Short answers are never flagged: an answer of fewer than ``SMALLEST`` nodes (``return b,
a``; the one loop of an SGD step) is what anyone who solves the exercise writes. What is
flagged is for the teacher alone (``Mark.copied``): the report's column and page, a test of
Gradescope's results hidden from students, a hidden test case of Otter's; never a verdict's
text, ``check``'s output nor anything a learner sees alone (nbgrader, PrairieLearn and
GitHub Classroom have no channel only a teacher reads: their flags are in ``exercises
report`` run on what was handed in).
"""

from __future__ import annotations

import ast
import builtins
import copy
import difflib
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
"""How much of a definition (a function's statements, a class's methods), and of the
answer's, must be the same code, in the same order, to flag it."""
MOST = 500
"""The most definitions of a file compared (a file of thousands of them is not an answer)."""
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
    code made anonymous, its size in nodes and its statements' code, in order."""

    parts: tuple[tuple[str, str, int, tuple[str, ...]], ...]

    @property
    def size(self) -> int:
        return sum(part[2] for part in self.parts)


class CopyReading:
    """A learner's file as the grader reads it for copies of the package's answers: parsed
    once, never run (a file that cannot be read or parsed has no copy to flag)."""

    def __init__(self, path: Path, within: Path | None = None) -> None:
        self.path = path
        self.definitions: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        self.imports: dict[str, str] = {}
        self._shapes: dict[int, Shape | None] = {}
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
            self.definitions = []

    def _read(self, tree: ast.Module) -> None:
        for statement in tree.body:
            self.imports.update(_imported(statement))
        self.definitions += [node for node in ast.walk(tree) if isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))][:MOST]

    def same(self, exercise: ExerciseSpec) -> str:
        """The package's answer (``"model_answers.py's d_tanh"``) for the exercise's name
        that a definition of the file, under any name and anywhere in it, is the same code
        as; empty if none is. Every definition, not only the one of the exercise's name: a
        copy renamed and then bound to that name (``backward = _my_backward``, a lambda, a
        ``def`` that calls it, a decorator's result) is the same copy."""
        theirs = answers().get(exercise.symbol, ())
        mine = sorted(self.definitions, key=lambda node: node.name != exercise.symbol)
        for node in mine if theirs else ():
            shape = self._shape(node)
            for where, answer in theirs:
                if shape is not None and _same(shape, answer):
                    return f"{where}'s {exercise.symbol}"
        return ""

    def _shape(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
               ) -> Shape | None:
        """A definition's ``Shape`` (its own name made ``<it>``, as the answers' are), read
        once."""
        if id(node) not in self._shapes:
            try:
                self._shapes[id(node)] = _shape(node, self.imports, node.name)
            except RecursionError:
                self._shapes[id(node)] = None
        return self._shapes[id(node)]


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
        return _alike(mine.parts[0], theirs.parts[0])
    by_key = {part[0]: part for part in theirs.parts}
    shared = sum(part[2] for part in mine.parts if part[0] in by_key
                 and _alike(part, by_key[part[0]]))
    return shared >= SHARE * mine.size and shared >= SHARE * theirs.size


def _alike(mine: tuple[str, str, int, tuple[str, ...]],
           theirs: tuple[str, str, int, tuple[str, ...]]) -> bool:
    """Two parts the same code: equal, or at least ``SHARE`` of the statements of each the
    same, in the same order."""
    if mine[1] == theirs[1]:
        return True
    matcher = difflib.SequenceMatcher(None, mine[3], theirs[3], autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return matched >= SHARE * len(mine[3]) and matched >= SHARE * len(theirs[3])


def _shape(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
           imports: dict[str, str], name: str) -> Shape:
    """``node`` read for comparison (``Shape``): a function whole, a class part by part."""
    if isinstance(node, ast.ClassDef):
        parts = []
        for statement in node.body:
            if _bare_string(statement):
                continue
            code, size, lines = _anonymous(statement, imports, name)
            key = statement.name if isinstance(statement, (ast.FunctionDef,
                                                           ast.AsyncFunctionDef)) else code
            parts.append((key, code, size, lines))
        return Shape(tuple(parts))
    code, size, lines = _anonymous(node, imports, name)
    return Shape(((name, code, size, lines),))


def _bare_string(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)


def _anonymous(node: ast.AST, imports: dict[str, str], name: str
               ) -> tuple[str, int, tuple[str, ...]]:
    """The code of ``node``, its dead code left out (``_Dead``), with the learner's own names
    made anonymous, docstrings, bare strings and annotations left out (``_Anonymous``); its
    size in nodes; each of its statements' own code, in order."""
    plain = _Anonymous(imports, name).visit(_Dead().clean(copy.deepcopy(node)))
    lines = tuple(_statement(s) for s in ast.walk(plain) if isinstance(s, ast.stmt))
    return ast.dump(plain, annotate_fields=False), sum(1 for _ in ast.walk(plain)), lines


def _statement(node: ast.stmt) -> str:
    """A statement's own code, its inner blocks left out (they are statements of their own)."""
    shallow = copy.copy(node)
    for field in ("body", "orelse", "finalbody", "handlers"):
        if isinstance(getattr(shallow, field, None), list):
            setattr(shallow, field, [])
    return ast.dump(shallow, annotate_fields=False)


class _Dead(ast.NodeTransformer):
    """Code that changes nothing left out: statements after a ``return``, ``raise``,
    ``break`` or ``continue`` in their block; a block under a constant false test (its
    ``else`` kept); an expression statement with no call; a name assigned, from no call,
    and never read (again and again, until nothing more goes)."""

    def clean(self, node: ast.AST) -> ast.AST:
        for _ in range(10):
            before = ast.dump(node)
            read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Load)}
            self.read = read
            node = self.visit(node)
            if ast.dump(node) == before:
                break
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                kept = []
                for statement in block:
                    kept.extend(self._kept(statement))
                    if isinstance(statement, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
                        break
                if field == "body" and not kept:
                    kept = [ast.Pass()]
                setattr(node, field, kept)
        return node

    def _kept(self, statement: ast.stmt) -> list[ast.stmt]:
        if isinstance(statement, (ast.If, ast.While)) and isinstance(statement.test,
                                                                      ast.Constant):
            if statement.test.value:
                return statement.body if isinstance(statement, ast.If) else [statement]
            return list(statement.orelse)
        if isinstance(statement, ast.Expr) and not _calls(statement.value) and not (
                isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)):
            return []
        if isinstance(statement, ast.Pass):
            return []
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and \
                not _calls(statement.value):
            targets = statement.targets if isinstance(statement, ast.Assign) else \
                [statement.target]
            if all(isinstance(t, ast.Name) and t.id not in self.read for t in targets):
                return []
        return [statement]


def _calls(node: ast.AST | None) -> bool:
    return node is not None and any(isinstance(n, (ast.Call, ast.Await, ast.Yield,
                                                   ast.YieldFrom)) for n in ast.walk(node))


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
