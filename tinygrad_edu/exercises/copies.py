"""A graded function (or class) that is the same code as an answer the package ships: flagged
for the teacher, never scored differently, never shown to a learner alone.

The wheel a student installs holds the answers: ``model_answers.py`` (to read after trying)
and the grader's references in ``answers.py``. Students can always read public solutions;
what the grader can do is say when what it graded is one of them, however lightly edited.
``CopyReading(path)`` reads a learner's file once (parsed, never run) and ``same(exercise)``
names the answer of the package that one of the file's definitions, under any name and
anywhere in it, is the same code as (a copy renamed and bound to the exercise's name by an
alias, a lambda, a ``def`` that calls it or a decorator is the same copy, as each definition
is compared). A definition is read as a teacher reading for copies reads it, in the manner
of MOSS:

- dead code left out (statements after a ``return``, ``raise``, ``break`` or ``continue``;
  ``if False:``; an ``assert``; ``x = x``; a statement that calls nothing but builtins
  that change nothing, ``print`` and ``len`` among them (``INERT``), or assigns what they
  return to a name never read), docstrings, comments, annotations and decorators too;
- light rewrites undone: ``x += e`` is ``x = x + e``; ``xs.append(e)``, ``xs += [e]`` and a
  loop of appends are one; ``xs.extend(e)`` is ``xs = xs + e``; ``reversed(xs)`` is
  ``xs[::-1]``; ``s.add(k)`` is ``s[k] = True`` (a dict for a set); an empty ``set()``,
  ``dict()``, ``[]`` or ``{}`` one empty container; a list, set or generator comprehension
  one comprehension; ``not`` and ``not in`` as ``in``; ``len(xs) > 0`` as ``xs``; ``a, b =
  c, d`` two assignments;
- then written out as tokens: the learner's own names all one token (renaming changes
  nothing), numbers one token, strings one; keywords, operators, attributes (``.grad``,
  ``.parents``: what the exercise reads), builtins and the modules' names kept;
- fingerprinted: every run of ``GRAM`` tokens (winnowing's window of one: a definition is
  small).

The same code: at least ``SHARE`` of the answer's distinctive fingerprints are in the
definition. Distinctive: not in what every learner is shown and may type (``COMMON``:
micrograd's lecture, ``lecture.py``, which exercise 18 asks for as the lecture builds it).
An answer of fewer than ``FEWEST`` distinctive fingerprints is never flagged: a short or
canonical answer (``return b, a``, the one loop of ``backward_step``, a softmax in four
lines, the recursive topological sort of the lecture) is what anyone who solves the
exercise writes. The track's reference (``microgpt/reference.py``) is microgpt's own code,
which the track asks learners to write again, so it is not compared.

The file is not all that runs: code it compiles at run time (from a string it holds reversed,
say) is seen in the learner's process (``learner/audit.py``) and read here as the file is
(``RanReading``): a copy there is flagged so, ``COMPILED``; code made from bytes
(``marshal``, ``types.CodeType``) has no source to read, and is flagged as such (``BUILT``).

``exercises report`` also compares classmates (``classmates``): two files whose code for an
exercise shares enough that the package does not ship and most of the class does not write,
the code each compiled at run time read as more of it (a classmate's answer kept reversed in
a string is found too).

What is flagged is for the teacher alone (``Mark.copied``, ``Mark.alike``): the report's
columns and page, a test of Gradescope's results hidden from students, a hidden test case of
Otter's; never a verdict's text, ``check``'s output, the exercises page, nor anything a
learner sees alone (nbgrader, PrairieLearn and GitHub Classroom have no channel only a
teacher reads: their flags are in ``exercises report`` run on what was handed in).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import functools
import io
import itertools
import keyword
import tokenize
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.heard import UNREAD
from tinygrad_edu.exercises.loading import cell_texts, parsed, read_source

__all__ = ["BUILT", "COMPILED", "COPIED", "CopyReading", "RanReading", "classmates", "flag",
           "kind_of", "said"]

COPIED = "the same code as the model answer shipped in the package"
"""What a flagged exercise is, as every route says it."""
COMPILED = "in code the file compiled at run time"
"""Where a copy was found that is not in the file's text (``RanReading``)."""
BUILT = ("runs code it built at run time that the grader cannot read as source: what ran "
         "is not what was handed in")
"""What a flagged exercise is whose file made code from bytes (``RanReading``)."""
GRAM = 10
"""Tokens per fingerprint."""
SHARE = 0.6
"""How much of an answer's distinctive fingerprints a definition must hold to be its copy."""
FEWEST = 60
"""The fewest distinctive fingerprints an answer has to be flagged."""
MOST = 500
"""The most definitions of a file compared (a file of thousands of them is not an answer)."""
ANSWERS = ("model_answers.py", "answers.py")
"""The package's files of answers (in ``tinygrad_edu/exercises``), the first one that has a
definition of the name named when several do."""
COMMON = ("lecture.py", "value.py")
"""Code every learner is shown and may type: its fingerprints are no answer's own. Micrograd's
lecture, and the sort with a stack of one's own that the Value exercise's note shows
(``value.py``'s model of the lecture's class sorts so)."""
SAME_ATTRIBUTES = {"_prev": "parents", "_children": "parents", "children": "parents",
                   "_local_grads": "local_grads"}
"""Attributes that name the same thing in micrograd, microgpt and the exercises."""

BUILTINS = frozenset(dir(builtins))
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
Fingerprints = frozenset[tuple[str, ...]]


def flag(exercise_name: str, where: str) -> str:
    """The line a flagged exercise's result for the teacher gains (``where``: its
    ``Mark.copied``)."""
    how = "" if where.startswith(BUILT) else ("; compared with names made anonymous, "
                                              "docstrings, comments and dead code left out, "
                                              "light rewrites undone")
    return f"⚑ {exercise_name}: {said(where)[:-1]}{how}). Flagged for the teacher to read, " \
        "not scored differently."


def said(where: str) -> str:
    """A flag (a ``Mark.copied``) as the teacher reads it: what it is, then where."""
    return where if where.startswith(BUILT) else f"{COPIED} ({where})"


def kind_of(where: str) -> str:
    """What a flag (a ``Mark.copied``) is, in a few words: ``COPIED``, compiled at run time
    or not, or ``BUILT``."""
    if where.startswith(BUILT):
        return BUILT
    return f"{COPIED} ({COMPILED})" if where.endswith(COMPILED) else COPIED


class CopyReading:
    """A learner's file as the grader reads it for copies of the package's answers: parsed
    once, never run (a file that cannot be read or parsed has no copy to flag). Given
    ``source``, that text is read instead (code the file compiled at run time). Given
    ``ran``, the code the file compiled at run time (``apart.Graded.ran``) is read with it
    (``material``), for the class's report to compare with classmates."""

    def __init__(self, path: Path, within: Path | None = None,
                 source: str | None = None, ran: Sequence[str] = ()) -> None:
        self.path = path
        self.definitions: list[tuple[Definition, dict[str, str]]] = []
        self.bound: dict[str, list[str]] = {}  # (a name of the top level: the names bound to it)
        self._prints: dict[int, Fingerprints] = {}
        self.unparsed = False  # (a block of it is not Python the grader can parse)
        self.compiled: list[tuple[Definition, dict[str, str]]] = []  # (of ``ran``)
        try:
            self.unparsed = _take(cell_texts(path, read_source(path, within) if source is None
                                             else source), self.definitions, self.bound)
        except Exception:
            self.definitions = []
        for text in ran:
            with contextlib.suppress(Exception):  # (what cannot be read is flagged apart)
                _take([text], self.compiled, {})
        del self.compiled[MOST:]

    def same(self, exercise: ExerciseSpec) -> str:
        """The package's answer (``"model_answers.py's backward"``) for the exercise's name
        that a definition of the file, under any name and anywhere in it, is the same code
        as; empty if none is."""
        for where, kind, theirs in answers(exercise.symbol):
            for node, imports in self.definitions:
                if isinstance(node, ast.ClassDef) == kind and len(
                        theirs & self._fingerprints(node, imports)) >= SHARE * len(theirs):
                    return f"{where}'s {exercise.symbol}"
        return ""

    def material(self, exercise: ExerciseSpec, compiled: bool = True) -> Fingerprints:
        """What the file defines for the exercise, as fingerprints: its definitions of the
        exercise's name, and of every name they (or an assignment of that name) use that the
        file defines, and so on (an alias, a helper, a helper's helper); and unless
        ``compiled`` is false, every definition of the code it compiled at run time (``ran``:
        however named, and however the file reaches it, a key made at run time included)."""
        named: dict[str, list[tuple[Definition, dict[str, str]]]] = {}
        for node, imports in self.definitions:
            named.setdefault(node.name, []).append((node, imports))
        todo, seen, found = [exercise.symbol], set(), set[tuple[str, ...]]()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for node, imports in named.get(name, ()):
                found |= self._fingerprints(node, imports)
                todo += [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
            todo += self.bound.get(name, [])
        for node, imports in self.compiled if compiled else ():
            found |= self._fingerprints(node, imports)
        return frozenset(found)

    def _fingerprints(self, node: Definition, imports: dict[str, str]) -> Fingerprints:
        if id(node) not in self._prints:
            self._prints[id(node)] = fingerprints(node, imports)
        return self._prints[id(node)]


class RanReading:
    """The code a file compiled at run time (``apart.Graded.ran``), read for copies as the
    file is, each text once however often it is asked."""

    def __init__(self) -> None:
        self._read: dict[str, CopyReading] = {}

    def same(self, exercise: ExerciseSpec, ran: Sequence[str], built: Sequence[str]) -> str:
        """The package's answer that code compiled at run time is the same code as (said
        with ``COMPILED``); else ``BUILT`` (and how) if code was made from what the grader
        cannot read as source (bytes, a tree of the file's own, text its parser cannot
        take, a coding of the file's own: ``heard.py``); else empty."""
        unparsed = False
        for text in ran:
            if text not in self._read:
                self._read[text] = CopyReading(Path("<compiled at run time>"), source=text)
            same = self._read[text].same(exercise)
            if same:
                return f"{same}, {COMPILED}"
            unparsed = unparsed or self._read[text].unparsed
        if unparsed:
            built = [*built, f"{UNREAD} (text Python's parser does not take)"]
        return f"{BUILT} ({'; '.join(built)})" if built else ""


def classmates(readings: Mapping[str, CopyReading], exercise: ExerciseSpec,
               compiled: bool = True) -> dict[str, tuple[str, ...]]:
    """For each student (of ``readings``, by name), the classmates whose code for the exercise
    is the same as theirs, in the manner of MOSS: what each file defines for it
    (``CopyReading.material``, with what it compiled at run time unless ``compiled`` is
    false) less every fingerprint of what the package ships (its answers, the track's
    reference, ``COMMON``) and less those in more than half of the files as written (at least
    two: what a class writes alike is no pair's own; code compiled at run time is no one's
    writing, and counts for none), and less what two files or more compiled at run time
    that no file holds as written (the modules' own: a dataclass's methods); two are alike
    when they share at least ``FEWEST`` of what is left, and at least ``SHARE`` of the
    smaller's."""
    shipped = _shipped()
    written = {student: reading.material(exercise, compiled=False) - shipped
               for student, reading in readings.items()}
    counts = Counter(print_ for prints in written.values() for print_ in prints)
    crowd = max(2, len(written) // 2)
    ran = {student: reading.material(exercise) - shipped - written[student]
           for student, reading in readings.items() if compiled and reading.compiled}
    made, everyone = Counter(p for prints in ran.values() for p in prints), counts.keys()
    own = {student: frozenset(p for p in prints | {q for q in ran.get(student, ())
                                                   if made[q] < 2 or q in everyone}
                              if counts[p] <= crowd) for student, prints in written.items()}
    alike: dict[str, list[str]] = {}
    for one, other in itertools.combinations(sorted(own), 2):
        shared = len(own[one] & own[other])
        if shared >= FEWEST and shared >= SHARE * min(len(own[one]), len(own[other])):
            alike.setdefault(one, []).append(other)
            alike.setdefault(other, []).append(one)
    return {student: tuple(names) for student, names in alike.items()}


@functools.cache
def _shipped() -> Fingerprints:
    """Every fingerprint of the package's answers, the track's reference and ``COMMON``."""
    return frozenset().union(*(fingerprints(node, imports) for name in (
        *ANSWERS, *COMMON, "microgpt/reference.py") for node, imports in _read(name, top=True)))


def _take(blocks: Sequence[str], definitions: list[tuple[Definition, dict[str, str]]],
          bound: dict[str, list[str]]) -> bool:
    """Read ``blocks`` (a file's cells, or code compiled at run time) into ``definitions``
    (at most ``MOST``) and ``bound``; whether a block is not Python the grader can parse."""
    imports: dict[str, str] = {}
    unparsed = False
    for block in blocks:
        try:
            tree = parsed(block)
        except Exception:  # (not Python: its grading says so)
            unparsed = True
            continue
        imports.update(pair for statement in tree.body for pair in _imported(statement))
        for statement in tree.body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value:
                targets = statement.targets if isinstance(statement, ast.Assign) \
                    else [statement.target]
                used = [n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)]
                for name in (n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)):
                    bound.setdefault(name.id, []).extend(used)
        definitions += [(node, imports) for node in _definitions(tree)]
    del definitions[MOST:]
    return unparsed


def _definitions(tree: ast.Module) -> list[Definition]:
    """The functions and classes of a module, at any depth; a class's methods are read as
    its part, not apart."""
    methods = {id(s) for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
               for s in node.body}
    return [node for node in ast.walk(tree) if isinstance(
        node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and id(node) not in methods]


@functools.cache
def answers(symbol: str) -> tuple[tuple[str, bool, Fingerprints], ...]:
    """The package's answers (``ANSWERS``) of the name ``symbol`` long enough to flag: the
    file each is in, whether it is a class, and its distinctive fingerprints (not in
    ``COMMON``); read once, from the installed package's source."""
    return tuple((where, isinstance(node, ast.ClassDef), theirs) for where in ANSWERS
                 for node, imports in _read(where, top=True) if node.name == symbol
                 for theirs in [fingerprints(node, imports) - _common()]
                 if len(theirs) >= FEWEST)


@functools.cache
def _common() -> Fingerprints:
    """The fingerprints of ``COMMON``."""
    return frozenset().union(*(fingerprints(node, imports) for name in COMMON
                               for node, imports in _read(name, top=True)))


@functools.cache
def _read(name: str, top: bool = False) -> list[tuple[Definition, dict[str, str]]]:
    """The definitions of one of the package's files (its top level's alone if ``top``),
    read once."""
    try:
        tree = ast.parse((Path(__file__).resolve().parent / name).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    imports = dict(bound for statement in tree.body for bound in _imported(statement))
    nodes = [s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                     ast.ClassDef))] if top else _definitions(tree)
    return [(node, imports) for node in nodes]


def fingerprints(node: Definition, imports: dict[str, str]) -> Fingerprints:
    """The fingerprints of a definition (see the module's docstring): every run of ``GRAM``
    of its tokens; none for one too deep to read."""
    try:
        words = tokens(node, imports)
    except (RecursionError, ValueError, SyntaxError, tokenize.TokenError):
        return frozenset()
    return frozenset(tuple(words[i:i + GRAM]) for i in range(len(words) - GRAM + 1))


def tokens(node: Definition, imports: dict[str, str]) -> list[str]:
    """A definition as tokens, its dead code left out and light rewrites undone, its own
    names (and its function's name and signature) made anonymous."""
    tree = _Plain().visit(_Dead().clean(copy.deepcopy(node)))
    text = ast.unparse(ast.fix_missing_locations(tree))
    own = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
           and not isinstance(n.ctx, ast.Load)}
    own |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
    own |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef,
                                                              ast.AsyncFunctionDef))}
    words: list[str] = []
    before = ""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        word = _word(token, before, own, imports)
        if word:
            words.append(word)
        before = token.string
    if not isinstance(node, ast.ClassDef) and ">" in words:  # (a function's body alone)
        words = words[words.index(">") + 1:]
    return words


def _word(token: tokenize.TokenInfo, before: str, own: set[str], imports: dict[str, str]
          ) -> str:
    """One token as the comparison reads it ("" if it is left out)."""
    text = token.string
    if token.type == tokenize.NAME:
        if text in ("True", "False"):
            return "0"
        if before == ".":
            return SAME_ATTRIBUTES.get(text, text)
        if keyword.iskeyword(text) or (text.startswith("__")
                                                          and text.endswith("__")):
            return text
        if text in imports:
            return f"<{imports[text]}>"
        return text if text in BUILTINS and text not in own else "_"
    words = {tokenize.NUMBER: "0", tokenize.STRING: "''", tokenize.INDENT: ">",
             tokenize.DEDENT: "<", tokenize.NEWLINE: ";", tokenize.OP: text}
    return words.get(token.type, "")


_EMPTY = "__empty__"
"""An empty container, however written (a dunder name: kept as it is)."""


class _Dead(ast.NodeTransformer):
    """Code that changes nothing left out: statements after a ``return``, ``raise``,
    ``break`` or ``continue`` in their block; a block under a constant false test (its
    ``else`` kept); an ``assert``, an expression statement or a name assigned and never
    read (or assigned itself) that calls nothing but ``INERT`` builtins (again and again,
    until nothing more goes)."""

    def clean(self, node: ast.AST) -> ast.AST:
        for _ in range(10):
            before = ast.dump(node)
            self.read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                         and isinstance(n.ctx, ast.Load)}
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
        if isinstance(statement, (ast.Expr, ast.Pass, ast.Assert)) and _inert(statement):
            return []
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and \
                _inert(statement.value):
            targets = statement.targets if isinstance(statement, ast.Assign) else \
                [statement.target]
            value = statement.value
            if all(isinstance(t, ast.Name) and (t.id not in self.read or (
                    isinstance(value, ast.Name) and value.id == t.id)) for t in targets):
                return []  # (never read, or assigned itself: x = x)
        return [statement]


INERT = frozenset({
    "abs", "all", "any", "bin", "bool", "chr", "dict", "divmod", "enumerate", "float",
    "format", "frozenset", "hash", "hex", "id", "int", "isinstance", "issubclass", "iter",
    "len", "list", "max", "min", "oct", "ord", "pow", "print", "range", "repr", "reversed",
    "round", "set", "sorted", "str", "sum", "tuple", "type", "zip"})
"""Builtins whose call changes nothing a grader reads (``print`` writes, nothing more): a
statement that only calls them, or assigns what they return to a name never read, is dead."""


def _inert(node: ast.AST | None) -> bool:
    """Whether ``node`` calls nothing but ``INERT`` builtins (and awaits, yields nothing)."""
    return node is None or not any(
        isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom)) or (isinstance(n, ast.Call) and not (
            isinstance(n.func, ast.Name) and n.func.id in INERT)) for n in ast.walk(node))


class _Plain(ast.NodeTransformer):
    """Light rewrites undone (see the module's docstring): each form rewritten to one."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list):  # (a statement rewritten as several, or as none)
                flat = [s for item in block for s in (item if isinstance(item, list)
                                                      else [item])]
                setattr(node, field, flat or ([ast.Pass()] if field == "body" else []))
        return node

    def _definition(self, node: Definition) -> ast.AST:
        node.decorator_list = []
        if not isinstance(node, ast.ClassDef):
            node.returns = None
        return self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _definition

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.annotation = None
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        node = self.generic_visit(node)  # type: ignore[assignment]
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return None  # (a docstring, a bare string)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and len(
                value.args) == 1 and not value.keywords:
            xs, item = value.func.value, value.args[0]
            if value.func.attr == "append":
                return _assign(xs, ast.BinOp(xs, ast.Add(), ast.List([item], ast.Load())))
            if value.func.attr == "extend":
                return _assign(xs, ast.BinOp(xs, ast.Add(), item))
            if value.func.attr == "add":
                return ast.Assign([ast.Subscript(xs, item, ast.Store())], ast.Constant(True),
                                  lineno=0)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        return _assign(node.target, ast.BinOp(_loaded(node.target), node.op, node.value))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        if node.value is None:
            return None
        return self.visit(ast.Assign([node.target], node.value, lineno=0))

    def visit_Assign(self, node: ast.Assign) -> ast.AST | list[ast.stmt]:
        node = self.generic_visit(node)  # type: ignore[assignment]
        (target, *more), value = node.targets, node.value
        if not more and isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(
                target.elts) == len(value.elts) and not any(
                isinstance(e, ast.Starred) for e in [*target.elts, *value.elts]):
            return [ast.Assign([t], v, lineno=0) for t, v in zip(target.elts, value.elts)]
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        """``for t in it: xs = xs + [e]`` (appends, a loop of them) as ``xs = xs + (e for t
        in it)`` (an extend)."""
        node = self.generic_visit(node)  # type: ignore[assignment]
        step = node.body[0] if len(node.body) == 1 and not node.orelse else None
        if isinstance(step, ast.Assign) and isinstance(step.value, ast.BinOp) and isinstance(
                step.value.op, ast.Add) and isinstance(step.value.right, ast.List) and len(
                step.value.right.elts) == 1 and ast.dump(step.value.left) == ast.dump(
                _loaded(step.targets[0])):
            every = ast.GeneratorExp(step.value.right.elts[0],
                                     [ast.comprehension(node.target, node.iter, [], 0)])
            return _assign(step.targets[0], ast.BinOp(step.value.left, ast.Add(), every))
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if node.keywords or len(node.args) > 1:
            return node
        if name == "reversed" and node.args:
            return ast.Subscript(node.args[0], ast.Slice(None, None, ast.Constant(-1)),
                                 ast.Load())
        if name in ("set", "dict", "list", "tuple") and not node.args:
            return ast.Name(_EMPTY, ast.Load())
        if name in ("list", "set", "tuple") and node.args and isinstance(node.args[0],
                                                                          ast.GeneratorExp):
            return node.args[0]
        return node

    def _container(self, node: ast.AST) -> ast.AST:
        node = self.generic_visit(node)
        if not getattr(node, "elts", None) and not getattr(node, "keys", None):
            return ast.Name(_EMPTY, ast.Load())
        return node

    visit_List = visit_Tuple = visit_Set = visit_Dict = _container

    def _comprehension(self, node: ast.ListComp | ast.SetComp) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        return ast.GeneratorExp(node.elt, node.generators)

    visit_ListComp = visit_SetComp = _comprehension

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        left = node.left
        if isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and \
                left.func.id == "len" and len(left.args) == 1 and [ast.dump(o) for o in (
                    *node.ops, *node.comparators)] in ([ast.dump(ast.Gt()), _ZERO], [
                    ast.dump(ast.NotEq()), _ZERO]):
            return left.args[0]  # (len(xs) > 0: xs)
        node.ops = [{ast.NotIn: ast.In, ast.IsNot: ast.Is, ast.NotEq: ast.Eq}.get(
            type(op), type(op))() for op in node.ops]
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        node = self.generic_visit(node)  # type: ignore[assignment]
        return node.operand if isinstance(node.op, ast.Not) else node


_ZERO = ast.dump(ast.Constant(0))


def _assign(target: ast.expr, value: ast.expr) -> ast.Assign:
    stored = copy.deepcopy(target)
    for part in ast.walk(stored):
        if hasattr(part, "ctx"):
            part.ctx = ast.Load()
    stored.ctx = ast.Store()  # type: ignore[attr-defined]
    return ast.Assign([stored], value, lineno=0)


def _loaded(node: ast.expr) -> ast.expr:
    loaded = copy.deepcopy(node)
    for part in ast.walk(loaded):
        if hasattr(part, "ctx"):
            part.ctx = ast.Load()
    return loaded


def _imported(node: ast.AST) -> list[tuple[str, str]]:
    """The names an import of the top level binds, each with the module it names."""
    if isinstance(node, ast.Import):
        return [(alias.asname, alias.name) if alias.asname else
                (alias.name.split(".")[0], alias.name.split(".")[0]) for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [(alias.asname or alias.name, f"{node.module or ''}.{alias.name}")
                for alias in node.names]
    return []
