"""A rule exercise's file read, never run, by the grader: a file graded on a derivative rule,
or on the chain rule, that computes with complex numbers or with exact or many-digit
arithmetic anywhere is a numerical derivative (the complex step; a finite difference made
exact enough to pass) and earns no points for those exercises; nor does one that binds its
names dynamically, where the code the grader reads may not be the code that runs.

The grader watches the numbers a rule is run on (``learner/watched.py``), but a number made
plain first (``x = float(x)``) and then made complex by the learner's own code is not
watched any more. So the learner's source is also read here, in the grader's process (the
file is parsed, not run), when it is graded on an exercise with ``exact`` points
(``ExerciseSpec.exact``: the derivative rules) or on one whose subject is the chain rule
(``CHAIN_RULE``: backward_step, backward, sum_over_paths, the class Value, microgpt's node).
Nowhere in the file, not only in the graded function, may there be

- a complex number: a literal such as ``1j``, ``complex``, ``cmath``, ``.imag``, ``.real``,
  ``.conjugate()``, NumPy's complex types or dtypes, ``numpy.emath`` (``scimath``), NumPy's
  functions whose answers are complex (``roots``, ``eig``, ``fft``), or a constant
  expression whose value is complex (``(-1.0) ** 0.5`` is 1j, with no name to give it
  away: constants are worked out, through the names they are given);
- ``decimal``, ``fractions`` (or their ``Decimal`` and ``Fraction`` reached through
  another module: ``statistics`` gives both), ``mpmath`` or NumPy's ``longdouble``, which compute a
  function's values with more digits than a float has, or Python's own integers made to
  do so: a float's ``as_integer_ratio``, or an integer of 21 digits or more written in the
  file (``10 ** 120``, ``1 << 400``), the scale of a finite difference in integers;
- a name bound dynamically: ``globals()``, ``locals()``, ``vars()``, ``exec``, ``eval``,
  ``compile``, ``__dict__``, ``__globals__``, ``__code__``, ``__builtins__`` or a frame's
  ``f_globals`` (an attribute read wherever the syntax reads one: ``names_read.py``), with
  which a file installs under an exercise's name code other than the
  ``def`` the grader reads (a decoy that raises, and ``globals().update(d_tanh=...)``).

An honest file needs none of them (no rule on real numbers needs a complex number, and a
rule is written as a ``def``), so the whole file is read, and the verdict names the first
line: in the graded function and what it names at the top level (read through), if there
is one there; else anywhere in the file. A file that hides its complex numbers from this
reading too (a negative number from a function's answer raised to the power 0.5) can
still pass: the reading of its code, a teacher's, is the check there.

``RuleReading(path)`` reads a file once; ``refuse(graded, exercise)`` turns the verdict of an
exercise that passed into a failure that names the line, where its file uses one of these
(every route that grades a file calls it: ``exercises check``, a class's report, the graded
cell of a notebook); ``reads(exercise)`` says whether an exercise's file is read at all.
"""

from __future__ import annotations

import ast
import functools
import itertools
import math
import operator
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.loading import cell_texts, cells_of, imported, parsed, read_source
from tinygrad_edu.exercises.names_read import attributes_read
from tinygrad_edu.exercises.text_blocks import place
from tinygrad_edu.exercises.verdicts import Verdict

if TYPE_CHECKING:
    from tinygrad_edu.exercises.apart import Graded

__all__ = ["CHAIN_RULE", "RuleReading", "reads"]

CHAIN_RULE = frozenset({("", "backward_step"), ("", "backward"), ("", "sum_over_paths"),
                        ("", "Value"), ("microgpt", "node")})
"""The exercises whose subject is the chain rule, as (track, name): their file is read as a
rule exercise's is (a backward pass by the complex step has no chain rule in it)."""

EXACT_ARITHMETIC = ("decimal", "fractions", "mpmath")
"""Modules that compute with more digits than a float has."""
EXACT_ATTRIBUTES = frozenset({"as_integer_ratio"})
"""A float's exact form, as integers: where a finite difference in integers starts."""
EXACT_TYPES = frozenset({"Decimal", "Fraction"})
"""The classes of those modules' numbers, however they are reached: another module of the
standard library gives them under its own name (``from statistics import Decimal``,
``statistics.Fraction``)."""
HUGE = 10**20
"""An integer at least this large, written in the file (``10 ** 120``, ``1 << 400``): a
scale for computing in integers with more digits than a float has (``int(x * S)``)."""
LONG_FLOATS = frozenset({"longdouble", "longfloat", "float96", "float128"})
"""NumPy's floats with more digits than a float64 (x86's 80-bit long double)."""
COMPLEX_MODULES = ("cmath",)
COMPLEX_NAMES = frozenset({"complex", "complex64", "complex128", "complex256", "complex_",
                           "cdouble", "csingle", "clongdouble", "cfloat", "longcomplex",
                           "singlecomplex", "clongfloat"})
"""Names of complex types (Python's, NumPy's): as a name, or an attribute (``np.complex128``)."""
COMPLEX_ATTRIBUTES = COMPLEX_NAMES | {"imag", "real", "conjugate", "conj", "emath", "scimath",
                                      "iscomplex", "iscomplexobj", "roots", "eig", "eigvals",
                                      "fft", "ifft", "angle", "__complex__", "real_if_close",
                                      "isreal", "isrealobj", "sort_complex"}
"""Attributes that make or read complex numbers: ``z.imag``, ``z.conjugate()``,
``np.emath.sqrt(-1)``, ``np.roots([1, 0, 1])`` (the roots ±1j); read however the file reads
an attribute (``case object(imag=im)``: ``names_read.py``)."""
DTYPE_CODES = {**dict.fromkeys(("F", "D", "G", "c8", "c16", "c32", "<c8", "<c16", "<c32"),
                               "complex"),
               **dict.fromkeys(("g", "f12", "f16", "<f12", "<f16"), "exact")}
"""NumPy's one-letter (and sized) codes of complex and long types, as a dtype is given."""
DTYPE_CALLS = frozenset({"astype", "dtype", "array", "asarray", "zeros", "ones", "empty",
                         "full", "arange", "linspace", "view", "fromiter", "frombuffer",
                         "zeros_like", "ones_like", "empty_like", "full_like"})
DYNAMIC_NAMES = frozenset({"globals", "locals", "vars", "exec", "eval", "compile",
                           "__builtins__"})
"""Builtins that reach a module's names, or run code made at run time."""
DYNAMIC_ATTRIBUTES = frozenset({"__dict__", "__globals__", "__code__", "__builtins__",
                                "__closure__", "f_globals", "f_locals", "f_back", "f_builtins",
                                "tb_frame", "gi_frame", "cr_frame", "ag_frame", "cell_contents",
                                "__self__"})
"""Attributes that reach a module's (or a function's) names and code."""

WORDS = {
    "complex": ("computes with complex numbers", "that is the complex-step derivative, "
                "Im f(x + ih) / h, which gets {what} from the function's values; no {rule} "
                "on real numbers needs one"),
    "exact": ("computes with more digits than a float has", "with them a finite "
              "difference, (f(x + h) - f(x - h)) / 2h, comes as close as a rule, from the "
              "function's values; no {rule} on floats needs them"),
    "dynamic": ("binds names dynamically", "with it, the {name} that runs need not be the "
                "code the grader reads (a decoy def, the real one installed under its name); "
                "no {rule} needs it: an exercise is graded on code that defines its names "
                "plainly, with def and class"),
}
SUBJECTS = {
    "rule": ("the slope", "rule",
             "The exercise is the rule: write dy/dx as an expression of the inputs (and y), "
             "as the statement asks, as the engine's own rules are written. A numerical "
             "derivative earns no points here."),
    "chain rule": ("the gradients", "backward pass",
                   "The exercise is the chain rule: each node passes its gradient on to its "
                   "parents, times its local derivative with respect to each, in an order "
                   "where every node has all of its gradient first. Gradients found "
                   "numerically earn no points here."),
}
SAID = "your {name} {does} (at {where}, it uses {what}: `{line}`): {why}. {exercise}"
SAID_OF_FILE = ("your file {does} (at {where}, it uses {what}: `{line}`), and {name} is "
                "graded on the {subject}: a file graded on it may use that nowhere, so that "
                "no part of it can stand in for the {thing} you write. {Why}. {exercise}")


def reads(exercise: ExerciseSpec) -> bool:
    """Whether the file of ``exercise`` is read (see the module's docstring): a rule
    exercise's (it has ``exact`` points), or one whose subject is the chain rule."""
    return bool(exercise.exact) or (exercise.track, exercise.name) in CHAIN_RULE


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
            for block in cell_texts(path, source):
                try:  # (each cell at its own lines of the file)
                    self.trees.append(parsed(block))
                except Exception:  # (not Python, or past the parser's limits: its own
                    continue       # problem, which its grading reports)
        except Exception:
            self.trees = []
        self._reader: _Reader | None = None

    def why(self, exercise: ExerciseSpec) -> str:
        """Why the exercise, in this file, earns no points (the file computes with complex
        numbers or exact arithmetic, or binds names dynamically); empty if the exercise's
        file is not read (``reads``) or uses none of what is looked for."""
        if not reads(exercise) or not self.trees:
            return ""
        try:
            if self._reader is None:
                self._reader = _Reader(self.trees)
            found = self._reader.first_use(exercise.symbol)
            in_file = found is None
            if in_file:
                found = self._reader.anywhere
        except RecursionError:  # (code nested past what the reading follows)
            return ""
        if found is None:
            return ""
        lineno, whats, kind = found
        line = self.lines[lineno - 1].strip() if 0 < lineno <= len(self.lines) else ""
        if len(line) > 100:
            line = line[:99] + "…"
        what = whats[0] if len(whats) == 1 else f"{', '.join(whats[:-1])} and {whats[-1]}"
        subject = "rule" if exercise.exact else "chain rule"
        gets, thing, said = SUBJECTS[subject]
        does, why = WORDS[kind]
        why = why.format(what=gets, rule=thing, name=exercise.symbol)
        where = place(self.path.name, self.cells, lineno, self.lines)
        if in_file:
            return SAID_OF_FILE.format(does=does, where=where, what=what, line=line,
                                       name=exercise.symbol, subject=subject, thing=thing,
                                       Why=why[:1].upper() + why[1:], exercise=said)
        return SAID.format(name=exercise.symbol, does=does, what=what, line=line, why=why,
                           where=where, exercise=said)

    def refuse(self, graded: Graded, exercise: ExerciseSpec) -> None:
        """Make the verdict of ``exercise`` in ``graded`` a failure if it passed but its
        file uses what a rule never needs (``why``)."""
        verdict = graded.verdicts.get(exercise.name)
        if verdict is None or not verdict.passed:
            return
        why = self.why(exercise)
        if why:
            graded.verdicts[exercise.name] = Verdict(exercise, False, message=why)


Use = tuple[int, int, str, str]
"""What a node of the code uses: its line and column, what it is, and its kind
(``"complex"``, ``"exact"`` or ``"dynamic"``)."""


class _Reader:
    """The parsed file with what the reading needs: each name's last binding at the top
    level, what the names imported at the top level name, the constants the file's names
    hold, and the names the file binds itself (a variable called ``vars`` is no builtin)."""

    def __init__(self, trees: list[ast.Module]) -> None:
        self.trees = trees
        self.bindings: dict[str, ast.stmt] = {}  # (each name's last binding at the top level)
        self.modules: dict[str, str] = {}  # (a name imported at the top level: its module)
        for tree in trees:
            for statement in tree.body:
                for bound in _bound(statement):
                    self.bindings[bound] = statement
                    self.modules.pop(bound, None)
                self.modules.update(imported(statement))
        self.own = _own_names(trees)
        self.constants = _constants(trees, self.modules)
        self.known: dict[int, Number | None] = {}  # (the value of each node worked out)

    def first_use(self, name: str) -> tuple[int, list[str], str] | None:
        """The first line that uses what is looked for, in the function ``name`` (its last
        definition at the top level) and in what it names at the top level, read through:
        the line, what it uses there (in the order written) and its kind; None if none."""
        if name not in self.bindings:
            return None
        todo, seen = [self.bindings[name]], {id(self.bindings[name])}
        uses: list[Use] = []
        while todo:
            for node in ast.walk(todo.pop()):
                use = self.use(node)
                if use is not None:
                    uses.append(use)
                named = self.bindings.get(node.id) if isinstance(node, ast.Name) and \
                    isinstance(node.ctx, ast.Load) else None
                if named is not None and id(named) not in seen and not isinstance(
                        named, (ast.Import, ast.ImportFrom)):
                    seen.add(id(named))
                    todo.append(named)
        return _first(uses)

    @functools.cached_property
    def anywhere(self) -> tuple[int, list[str], str] | None:
        """The first line of the whole file that uses what is looked for (as ``first_use``)."""
        return _first([use for tree in self.trees for node in ast.walk(tree)
                       if (use := self.use(node)) is not None])

    def use(self, node: ast.AST) -> Use | None:
        """What ``node`` uses, of what a rule never needs (see ``Use``); None if nothing."""
        line = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        if isinstance(node, ast.Constant):
            if isinstance(node.value, complex):
                return *line, f"the complex number {node.value!r}", "complex"
            if type(node.value) is int and abs(node.value) >= HUGE:
                return *line, f"an integer of {_digits(node.value)} digits", "exact"
            if isinstance(node.value, str) and node.value in NAMED:
                return *line, f"{node.value!r}", NAMED[node.value]
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            dotted = self.modules.get(node.id)
            kind = None if dotted is None else _forbidden(dotted)
            if dotted is not None and kind is not None:
                return *line, dotted if dotted == node.id else f"{node.id} ({dotted})", kind
            if node.id in COMPLEX_NAMES and node.id not in self.own:
                return *line, node.id, "complex"
            if (node.id in LONG_FLOATS or node.id in EXACT_TYPES) and node.id not in self.own:
                return *line, node.id, "exact"
            if node.id in DYNAMIC_NAMES and node.id not in self.own:
                return *line, f"{node.id}()" if node.id != "__builtins__" else node.id, \
                    "dynamic"
            value = self.constants.get(node.id)
            if isinstance(value, complex):
                return *line, f"{node.id} (the complex number {value:.3g})", "complex"
        elif attributes_read(node):  # (x.imag; case object(imag=im); __match_args__)
            at = (line[0], (node.end_col_offset or 0) - len(node.attr)) \
                if isinstance(node, ast.Attribute) else line
            for name in attributes_read(node):
                kind = "complex" if name in COMPLEX_ATTRIBUTES else "exact" if (
                    name in LONG_FLOATS or name in EXACT_ATTRIBUTES or name in EXACT_TYPES) \
                    else "dynamic" \
                    if name in DYNAMIC_ATTRIBUTES else None
                if kind is not None:
                    return *at, f".{name}" if isinstance(node, ast.Attribute) else \
                        f"{name}= in a class pattern" if isinstance(node, ast.MatchClass) \
                        else f"{name!r} in __match_args__", kind
            return None
        elif isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)):
            value = _value(node, self.constants, self.modules, self.known)
            if isinstance(value, complex):
                return *line, f"{_short(node)}, the complex number {value:.3g}", "complex"
            digits = _huge(node, self.constants)
            if digits:
                return *line, f"{_short(node)}, an integer of {digits} digits", "exact"
            if isinstance(node, ast.Call):
                return _dtype(node)
        else:
            for _, dotted in imported(node):  # (an import: at the top level, or inside)
                kind = _forbidden(dotted)
                if kind is not None:
                    return *line, dotted, kind
        return None


NAMED = {**dict.fromkeys((*COMPLEX_MODULES, *COMPLEX_ATTRIBUTES), "complex"),
         **dict.fromkeys((*EXACT_ARITHMETIC, *LONG_FLOATS, *EXACT_ATTRIBUTES, *EXACT_TYPES),
                         "exact"),
         **dict.fromkeys((*DYNAMIC_NAMES, *DYNAMIC_ATTRIBUTES), "dynamic")}
"""Strings that name what is looked for (``__import__("cmath")``, ``getattr(z, "imag")``),
by kind. (``real`` and the like only as a whole string: a docstring is no name.)"""


def _first(uses: list[Use]) -> tuple[int, list[str], str] | None:
    """The first line of ``uses``: the line, what is used on it, its kind."""
    if not uses:
        return None
    first = min(uses)[0]
    on_it = sorted(u for u in uses if u[0] == first)
    return first, list(dict.fromkeys(u[2] for u in on_it)), on_it[0][3]


def _short(node: ast.AST) -> str:
    """``node`` as code, at most 40 characters; an expression of more than ``SHORT`` nodes
    is said to be one (its line is quoted whole): written out, each of a 2,900-term sum's
    sums would be (a time that grows as the square of its length), and Python's own
    ``unparse`` recurses past its limit."""
    if sum(1 for _ in itertools.islice(ast.walk(node), SHORT + 1)) > SHORT:
        return "a long expression"
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:39] + "…"


SHORT = 40
"""The most nodes of an expression ``_short`` writes out."""


def _dtype(call: ast.Call) -> Use | None:
    """A NumPy dtype given by its code (``astype("D")``, ``dtype="c16"``) that is complex
    or long."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else \
        func.id if isinstance(func, ast.Name) else ""
    given = [k.value for k in call.keywords if k.arg == "dtype"]
    if name in DTYPE_CALLS:
        given += call.args
    for arg in given:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and \
                arg.value in DTYPE_CODES:
            return (arg.lineno, arg.col_offset, f"the dtype {arg.value!r}",
                    DTYPE_CODES[arg.value])
    return None


def _own_names(trees: list[ast.Module]) -> set[str]:
    """Every name the file binds itself, anywhere: assigned, defined, imported, a parameter."""
    own: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                own.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                own.add(node.name)
            elif isinstance(node, ast.arg):
                own.add(node.arg)
            else:
                own.update(bound for bound, _ in imported(node))
    return own


Number = int | float | complex
FOLDED: dict[str, Callable[..., Any]] = {"pow": pow, "float": float, "int": int, "abs": abs,
                                         "complex": complex}
"""The builtins a constant expression may call, worked out as the file would."""
MATH = frozenset({"acos", "asin", "atan", "atan2", "cos", "cosh", "exp", "expm1", "fabs",
                  "hypot", "log", "log10", "log1p", "log2", "pow", "sin", "sinh", "sqrt",
                  "tan", "tanh", "copysign"})
MATH_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}


def _constants(trees: list[ast.Module], modules: dict[str, str]) -> dict[str, Number]:
    """The names assigned once in the whole file, to a constant expression (one of numbers,
    arithmetic, ``math``'s functions and the names of other such constants), with their
    values."""
    assigned: dict[str, list[ast.expr]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign,
                                                   ast.NamedExpr)) else []
            for target in targets:
                if isinstance(target, ast.Name):
                    value = getattr(node, "value", None)
                    bad = isinstance(node, ast.AugAssign) or len(node.targets) != 1 \
                        if isinstance(node, (ast.Assign, ast.AugAssign)) else False
                    assigned.setdefault(target.id, []).append(
                        value if value is not None and not bad else ast.Constant(None))
                elif isinstance(target, ast.Tuple | ast.List):
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            assigned.setdefault(sub.id, []).append(ast.Constant(None))
    once = {name: values[0] for name, values in assigned.items() if len(values) == 1}
    constants: dict[str, Number] = {}
    for _ in range(4):  # (a constant made of constants, a few deep)
        for name, expression in once.items():
            if name not in constants:
                value = _value(expression, constants, modules)
                if value is not None:
                    constants[name] = value
    return constants


def _value(node: ast.AST, constants: dict[str, Number], modules: dict[str, str],
           known: dict[int, Number | None] | None = None) -> Number | None:
    """The number a constant expression gives, worked out as Python would (never large: a
    power is worked out on floats); None if it is not one. Worked out from the leaves up,
    without recursion, each node once: ``known`` holds, by ``id``, the values of nodes
    worked out already (a reading's, for every node of its file: worked out from each of its
    sums again, 80 lines of 2,900-term sums took 23 million calls, a minute of the
    grader's time)."""
    known = {} if known is None else known
    todo: list[tuple[ast.AST, bool]] = [(node, False)]
    while todo:
        here, ready = todo.pop()
        if id(here) in known:
            continue
        operands = _operands(here)
        if operands and not ready:
            todo.append((here, True))
            todo += [(operand, False) for operand in operands if id(operand) not in known]
            continue
        known[id(here)] = _fold(here, [known[id(o)] for o in operands], constants, modules)
    return known[id(node)]


def _operands(node: ast.AST) -> list[ast.expr]:
    """What ``_fold`` needs the values of to work ``node`` out."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return [node.operand]
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Call) and not node.keywords and len(node.args) <= 2:
        return list(node.args)
    return []


def _fold(node: ast.AST, found: list[Number | None], constants: dict[str, Number],
          modules: dict[str, str]) -> Number | None:
    """The number ``node`` gives, its operands' (``_operands``) being ``found``."""
    try:
        if isinstance(node, ast.Constant):
            value = node.value
            return value if isinstance(value, (int, float, complex)) and \
                not isinstance(value, bool) else None
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                modules.get(node.value.id) == "math":
            return MATH_CONSTANTS.get(node.attr)
        values = [value for value in found if value is not None]
        if len(values) < len(found):
            return None
        if isinstance(node, ast.UnaryOp) and values:
            (operand,) = values
            return -operand if isinstance(node.op, ast.USub) else +operand
        if isinstance(node, ast.BinOp):
            operation = BINARY.get(type(node.op))
            return None if operation is None else \
                _number(operation(*(_plain(v) for v in values)))
        if isinstance(node, ast.Call) and not node.keywords and len(node.args) <= 2:
            args = [_plain(a) for a in values]
            func = node.func
            if isinstance(func, ast.Name) and func.id in FOLDED:
                return _number(FOLDED[func.id](*args))
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                    modules.get(func.value.id) == "math" and func.attr in MATH:
                return _number(getattr(math, func.attr)(*args))
    except (ArithmeticError, ValueError, TypeError):
        return None
    return None


def _huge(node: ast.AST, constants: dict[str, Number]) -> int:
    """The number of digits of the integer ``node`` makes, a power or a shift of integers
    written in the file (``10 ** 120``, ``1 << 400``), if it is at least ``HUGE``; else 0.
    Worked out by its logarithm (never the integer itself)."""
    if not isinstance(node, ast.BinOp) or not isinstance(node.op, (ast.Pow, ast.LShift)):
        return 0
    left, right = (n.value if isinstance(n, ast.Constant) else
                   constants.get(n.id) if isinstance(n, ast.Name) else None
                   for n in (node.left, node.right))
    if type(left) is not int or type(right) is not int or right <= 0 or left == 0:
        return 0
    size = right * math.log10(abs(left)) if isinstance(node.op, ast.Pow) else \
        right * math.log10(2) + math.log10(abs(left))
    return int(size) + 1 if size >= math.log10(HUGE) else 0


def _plain(x: Number) -> float | complex:
    """A number as a constant expression is worked out with: an int as a float (never a
    large int: ``10 ** 10 ** 10`` overflows a float at once)."""
    return x if isinstance(x, complex) else float(x)


def _number(x: Any) -> Number | None:
    return x if isinstance(x, (int, float, complex)) and not isinstance(x, bool) else None


BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow}
"""The operators a constant expression is worked out with."""


def _bound(node: ast.stmt) -> Iterator[str]:
    """The names a statement of the top level binds."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield node.name
    elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    yield sub.id  # (not d_tanh of d_tanh.__code__ = ...)
    else:
        yield from (bound for bound, _ in imported(node))


def _forbidden(dotted: str) -> str | None:
    """Whether what an import names is what a rule never needs: ``"complex"``, ``"exact"``
    or None."""
    parts = dotted.split(".")
    if parts[0] in EXACT_ARITHMETIC or any(p in LONG_FLOATS or p in EXACT_TYPES
                                           for p in parts[1:]):
        return "exact"
    if parts[0] in COMPLEX_MODULES or any(p in COMPLEX_ATTRIBUTES for p in parts[1:]):
        return "complex"
    return None


def _digits(n: int) -> int:
    """How many decimal digits ``n`` has, without ``str(n)``: Python refuses to write an int
    of more than 4,300 digits (a hex literal of the learner's may hold one)."""
    n = abs(n)
    guess = max(1, int(n.bit_length() * 0.30102999566398120))  # (log10(2) per bit)
    return guess + (n >= 10 ** guess)
