"""Tamper evidence that does not depend on the learner's process being honest: for the
teacher alone, as the copy flags are (``copies.py``), never scored differently.

The audit hook (``learner/audit.py``) runs in the learner's process, so what it sees is what
that process lets it see: a file that finds the hook's own state (``gc.get_objects()``) and
empties or alters it (its set of events that need nothing, the function it checks with)
switches it off, then compiles what it likes (the shipped model answers, held reversed in a
string) unseen, and the copy check that reads what the process compiled (``RanReading``) has
nothing to read (issue 65). The operating system is the boundary (``sandbox.py``: the
kernel refuses what the hook would have); what is here only says, for the teacher, that what
ran may not be what was handed in, two ways:

- ``MachineryReading`` reads the file handed in, in the grader (parsed, never run, as
  ``copies.py`` reads it), for code that makes or runs code at run time or reaches the
  interpreter's machinery: ``exec``, ``eval``, ``compile``, ``__import__``, ``globals``,
  ``vars``, ``breakpoint``; an import of ``importlib``, ``gc``, ``ctypes``, ``marshal``,
  ``builtins`` and the like (``MODULES``); an attribute of the machinery read (``ATTRIBUTES``:
  ``gc.get_objects``, ``sys.modules``, ``sys._getframe``, ``types.CodeType``, a frame's
  ``f_globals``, ``__code__``, ``__globals__``, ``__builtins__``, ``__subclasses__``, a module
  reached through another, ``random._os.sys``), or ``__dict__`` of anything but ``self`` or
  ``cls`` (names the file never binds), each read wherever the syntax reads a name
  (``names_read.py``: ``case object(tb_frame=fr)`` too); ``getattr``, ``setattr`` or
  ``delattr`` given a name that is not a string literal (or a literal that names the
  machinery). Each is said with its line (``said``). Honest
  autograd code does none of it: defining ``__add__``, reading ``other.data``,
  ``isinstance``, ``getattr(other, "data", other)`` are what any answer does (the suite reads
  every shipped answer, starter and right variant, micrograd's and microgpt's code, and
  none is flagged).
- The watch's canary (``WATCH_OFF``): after each exercise is graded, and before its mark is
  kept, the grader asks the learner's process to compile a text of its own, made of fresh
  random digits the learner's code cannot know (``audit.CANARY``); the hook sees every
  ``compile`` and sends what it was given to the grader, so where the grader does not hear
  it, the hook was switched off (``apart.Graded.watch_off``).

``Mark.tampered`` holds what was found (``said``, ``WATCH_OFF``'s words), for the teacher
on every route the copy flags go (``flagged``): the report's columns and page, a test of
Gradescope's results hidden from students, a hidden test case of Otter's, the staff's log of
nbgrader's and PrairieLearn's grading; never in a verdict's text, ``check``'s output, nor
anything a learner sees alone.
"""

from __future__ import annotations

import ast
import contextlib
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from tinygrad_edu.exercises.loading import cell_texts, cells_of, parsed, read_source
from tinygrad_edu.exercises.names_read import attributes_read, is_key
from tinygrad_edu.exercises.text_blocks import at_lines, place

__all__ = ["FIXED_POINT", "MACHINERY", "MODULES", "WATCH_OFF", "MachineryReading", "flagged",
           "noted", "tampered"]

MACHINERY = "reaches Python's machinery"
"""What a file whose text makes or runs code at run time, or reaches the interpreter's
machinery, is flagged with (its lines named after)."""
MAY_DIFFER = "what ran may not be what was handed in"
"""Why that, or a watch switched off, matters to a teacher."""
WATCH_OFF = ("switched the grader's watch off (the audit hook did not see code the grader "
             "compiled in the learner's process after the file's code ran: what that process "
             f"did was not all watched, and {MAY_DIFFER})")
"""What a file whose process no longer reported what it compiled is flagged with."""
NAMES = frozenset({"exec", "eval", "compile", "__import__", "globals", "vars", "breakpoint",
                   "__builtins__", "__loader__", "__spec__"})
"""Builtins (and module globals) that make or run code, or reach a module's namespace."""
MODULES = frozenset({"importlib", "gc", "ctypes", "marshal", "builtins", "_imp", "runpy",
                     "code", "codeop", "pickle", "_pickle", "dill", "cloudpickle", "copyreg",
                     "dis", "_thread", "cffi", "_ctypes", "zipimport",
                     "pkgutil", "_frozen_importlib", "_frozen_importlib_external", "inspect"})
"""Modules of the machinery (their submodules too): imported, a file reaches it."""
ATTRIBUTES = frozenset({
    # gc, sys, inspect, importlib
    "get_objects", "get_referrers", "get_referents", "_getframe", "_current_frames",
    "modules", "meta_path", "path_hooks", "path_importer_cache", "settrace", "setprofile",
    "monitoring", "addaudithook", "currentframe", "import_module",
    "find_spec", "create_builtin", "exec_module", "load_module", "BuiltinImporter",
    # code and frames
    "CodeType", "FunctionType", "LambdaType", "CellType", "FrameType", "ModuleType",
    "f_globals", "f_locals", "f_back", "f_builtins", "f_code", "tb_frame", "gi_frame",
    "gi_code", "cr_frame", "ag_frame", "co_code", "co_consts", "co_names", "cell_contents",
    "__traceback__", "tb_next", "f_lasti", "co_freevars",
    # a field read by its name given as text (string.Formatter().get_field(...))
    "get_field", "Formatter",
    # dunders that reach a function's, a class's or a module's insides
    "__code__", "__globals__", "__builtins__", "__subclasses__", "__closure__", "__base__",
    "__bases__", "__mro__", "__getattribute__", "__import__", "__loader__", "__spec__",
    "__self__", "__defaults__", "__kwdefaults__", "__init_subclass__", "__reduce_ex__",
    # a module reached through another (random._os.sys, typing.sys, copy.copyreg)
    "sys", "os", "_os", "builtins", "gc", "importlib", "_imp", "ctypes", "marshal",
    "_sys", "_bootstrap", "inspect", "copyreg", "_thread", "runpy", "codeop", "_pickle",
    "zipimport", "pkgutil", "_ctypes", "_frozen_importlib", "_frozen_importlib_external",
    # inspect's ways to frames, closures and attributes by a name given (dataclasses.inspect)
    "getmembers", "getmembers_static", "getclosurevars", "getargvalues", "getouterframes",
    "getinnerframes", "getattr_static", "getsource",
})
"""Attributes of the machinery: a file that reads one reaches it, whatever it reads it of."""
CALLED = frozenset({"modules"})
"""Of ``ATTRIBUTES``, those a call of leaves honest (``model.modules()``, not ``sys.modules``)."""
NAMED = frozenset({"getattr", "setattr", "delattr", "attrgetter", "methodcaller"})
"""Calls that reach an attribute by a name given: honest with a string literal alone."""
OWN = frozenset({"self", "cls"})
"""What ``__dict__`` may be read of (an object's own attributes, a class's own)."""
SHOWN = 5
"""The most places a flag names (then how many more)."""


class MachineryReading:
    """A learner's file read for what reaches Python's machinery (see the module's
    docstring): parsed once, never run. ``found``: (line, what) of each place, in order;
    ``said()``: the flag, or empty. Given ``source``, that text is read instead."""

    def __init__(self, path: Path, within: Path | None = None,
                 source: str | None = None) -> None:
        self.path = path
        self.found: list[tuple[int, str]] = []
        self.cells: list[tuple[int, int, int]] = []
        self.lines: list[str] = []
        try:
            text = read_source(path, within) if source is None else source
            self.cells, self.lines = cells_of(path, text), text.split("\n")
            blocks = cell_texts(path, text, self.cells)
        except Exception:  # (a file that cannot be read: its grading says so)
            return
        for block in blocks:
            with contextlib.suppress(Exception):  # (not Python, too deep: its grading says)
                self.found += reached(parsed(block))
        self.found = sorted(set(self.found))

    def said(self) -> str:
        """The flag for the teacher: ``MACHINERY`` at each line (at most ``SHOWN``), with
        what is there; or empty."""
        lines: dict[int, list[str]] = {}
        for lineno, what in self.found:
            lines.setdefault(lineno, []).append(what)
        if not lines:
            return ""
        places = [f"{self._line(lineno)} ({', '.join(map(_short, _outermost(whats)))})"
                  for lineno, whats in sorted(lines.items())[:SHOWN]]
        more = len(lines) - SHOWN
        listed = ", ".join(places) + (f" and {more} more line{'s' * (more > 1)}"
                                      if more > 0 else "")
        return f"{MACHINERY} at {listed}: {MAY_DIFFER}"

    def _line(self, lineno: int) -> str:
        return place("", self.cells, lineno, self.lines).removeprefix(", ")


def _outermost(whats: list[str]) -> list[str]:
    """What a line reaches, each once, leaving out what another holds (``random._os`` in
    ``random._os.sys``)."""
    kept = list(dict.fromkeys(whats))
    return [w for w in kept if not any(w != other and w in other for other in kept)]


def reached(tree: ast.Module) -> list[tuple[int, str]]:
    """Where the module's code makes or runs code at run time or reaches the interpreter's
    machinery (see the module's docstring), as (line, what)."""
    shadowed = {s.name for s in tree.body if isinstance(
        s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}  # (def eval(...): its own)
    rebound = {node.id for node in ast.walk(tree)
               if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)} | {
        node.name for node in ast.walk(tree) if isinstance(node, (ast.MatchAs, ast.MatchStar))
        and node.name}
    own = OWN - rebound  # (self = BaseException: its __dict__ is no object's own)
    found: list[tuple[int, str]] = []
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in ast.walk(tree):
        what = _what(node, parents, shadowed, own)
        if what:
            found.append((getattr(node, "lineno", 0), what))
    return found + _matched_at_run_time(tree, rebound)


SELF_MATCHING = frozenset({"bool", "bytearray", "bytes", "dict", "float", "frozenset", "int",
                           "list", "set", "str", "tuple"})
"""Python's classes whose one positional pattern matches the subject itself (no
``__match_args__``)."""
HOOKS = frozenset({"__instancecheck__", "__subclasscheck__", "__match_args__"})
"""What decides, at run time, what a class pattern matches and which attributes its positional
parts read."""


def _matched_at_run_time(tree: ast.Module, rebound: set[str]) -> list[tuple[int, str]]:
    """Class patterns whose positional parts read attributes no text of the file names: of a
    class not defined in the file with ``__match_args__`` written as a tuple of texts (whose
    names ``attributes_read`` reads), nor one of ``SELF_MATCHING``; and ``HOOKS`` defined or
    set otherwise (a second attacker of issue 65, a65b: ``__match_args__`` made with ``chr``
    in a metaclass's dict, then ``case P(frame)``, read the hook's frames and builtins
    unflagged; ``__instancecheck__ = bool`` hid a complex step)."""
    def literal(value: ast.AST | None) -> bool:
        return isinstance(value, (ast.Tuple, ast.List)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts)

    written = {c.name for c in ast.walk(tree) if isinstance(c, ast.ClassDef) and not c.keywords
               and any(isinstance(s, ast.Assign) and literal(s.value) and any(
                   isinstance(t, ast.Name) and t.id == "__match_args__" for t in s.targets)
                       for s in c.body)}
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.MatchClass) and node.patterns and not (
                isinstance(node.cls, ast.Name) and (node.cls.id in written or (
                    node.cls.id in SELF_MATCHING and node.cls.id not in rebound))):
            found.append((line, f"a pattern {_shown(node.cls)}(...) read by position"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in HOOKS:
            found.append((line, f"def {node.name}"))
        elif isinstance(node, ast.Attribute) and node.attr in HOOKS and \
                not isinstance(node.ctx, ast.Load):
            found.append((line, f"{node.attr} set at run time"))
        elif isinstance(node, ast.Constant) and node.value in HOOKS:
            found.append((line, f"{node.value} made at run time"))
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in HOOKS
                                                  for t in node.targets) and not (
                literal(node.value) and all(isinstance(t, ast.Name) and t.id == "__match_args__"
                                            for t in node.targets)):
            hook = next(t.id for t in node.targets if isinstance(t, ast.Name) and t.id in HOOKS)
            found.append((line, f"{hook} set to what runs"))
    return found


def _what(node: ast.AST, parents: dict[int, ast.AST], shadowed: set[str],
          own: frozenset[str] = OWN) -> str:
    """What ``node`` reaches of the machinery, in a few words; empty if nothing (``own``:
    the names whose ``__dict__`` may be read, ``OWN`` that the file never binds)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return _imported(node)
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        if node.id in NAMES and node.id not in shadowed:
            return node.id
        if node.id in NAMED and node.id not in shadowed and not _by_literal(node, parents):
            return f"{node.id} with a name made at run time"
    if isinstance(node, ast.Attribute):
        parent = parents.get(id(node))
        if node.attr in NAMED and not _by_literal(node, parents):
            return f"{node.attr} with a name made at run time"
        if node.attr in ATTRIBUTES and not (
                node.attr in CALLED and isinstance(parent, ast.Call) and parent.func is node):
            return _shown(node)
        if node.attr == "__dict__" and not (isinstance(node.value, ast.Name)
                                            and node.value.id in own):
            return _shown(node)
    elif attributes_read(node):  # (a class pattern's keywords, __match_args__: names read)
        hit = [name for name in attributes_read(node)
               if name in ATTRIBUTES or name in NAMED or name == "__dict__"]
        how = "a class pattern" if isinstance(node, ast.MatchClass) else "__match_args__"
        return f"{how} reading {', '.join(hit)}" if hit else ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _literal(node, parents) or _names_inside(node.value, parents.get(id(node)))
    if isinstance(node, (ast.BinOp, ast.Subscript, ast.Call)):
        text, parent = _folded(node), parents.get(id(node))
        if text is not None and (parent is None or _folded(parent) is None):  # (the whole)
            return _made(text)
        if isinstance(node, ast.BinOp) and not (isinstance(parent, ast.BinOp) and
                                                isinstance(parent.op, ast.Add)):
            return _dunder_made(node)
    return ""


INSIDE = frozenset(a for a in ATTRIBUTES if a.startswith("__") or a[:3] in (
    "tb_", "f_l", "f_g", "f_b", "co_", "cel", "gi_", "cr_", "ag_")) | {"__dict__"}
"""Names of the machinery that give a text away wherever it holds them: a format string
(``"{0.__globals__}"``), a field path (``get_field("0.__globals__[__builtins__]")``)."""


def _names_inside(text: str, parent: ast.AST | None) -> str:
    """A literal holding a name of ``INSIDE`` among its words (not a docstring's)."""
    if isinstance(parent, ast.Expr) or len(text) > 2000:  # (a docstring, prose)
        return ""
    words = set(_WORDS.findall(text))
    hit = sorted(words & INSIDE)
    return f"the text {_short(repr(text))}" if hit else ""


def _made(text: str) -> str:
    """A text made from literals at run time (``"ex" + "ec"``, ``"cexe"[::-1]``,
    ``"".join(...)``) that is a name of the machinery, or holds one (``INSIDE``)."""
    if text in NAMES or text in MODULES or text in ATTRIBUTES or \
            set(_WORDS.findall(text)) & INSIDE:
        return f"a text made to be {_short(repr(text))}"
    return ""


def _folded(node: ast.AST, depth: int = 0) -> str | None:
    """The text an expression of string literals makes (``+``, ``*`` by a number, a slice,
    ``"".join`` of literals), or None if it is not one."""
    if depth > 50:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp):
        left, right = _folded(node.left, depth + 1), _folded(node.right, depth + 1)
        if isinstance(node.op, ast.Add) and left is not None and right is not None:
            return left + right if len(left) + len(right) < 10_000 else None
        if isinstance(node.op, ast.Mult) and (left is None) != (right is None):
            count = node.right if left is not None else node.left
            if isinstance(count, ast.Constant) and type(count.value) is int and \
                    0 <= count.value < 100:
                return (left if left is not None else right or "") * count.value
        return None
    if isinstance(node, ast.Subscript):
        text = _folded(node.value, depth + 1)
        if text is None:
            return None
        with contextlib.suppress(Exception):
            key = ast.literal_eval(node.slice) if not isinstance(node.slice, ast.Slice) else \
                slice(*(None if part is None else ast.literal_eval(part)
                        for part in (node.slice.lower, node.slice.upper, node.slice.step)))
            made = text[key]
            return made if isinstance(made, str) else None
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == "reversed" and len(node.args) == 1 and not node.keywords:
        text = _folded(node.args[0], depth + 1)  # (a text reversed, to be joined)
        return None if text is None else text[::-1]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr == "join" and len(node.args) == 1 and not node.keywords:
        glue = _folded(node.func.value, depth + 1)
        items = node.args[0]
        if glue is not None and isinstance(items, (ast.List, ast.Tuple)):
            parts = [_folded(item, depth + 1) for item in items.elts]
            if all(part is not None for part in parts):
                return glue.join(parts)  # type: ignore[arg-type]
        joined = _folded(items, depth + 1) if glue is not None else None
        return None if joined is None or glue is None else glue.join(joined)
    return None


def _dunder_made(node: ast.BinOp) -> str:
    """A name made at run time between two ``"__"`` (``"__" + name + "__"``): a dunder whose
    name the file does not write."""
    parts: list[ast.expr] = []
    stack: list[ast.expr] = [node]
    while stack:
        part = stack.pop()
        if isinstance(part, ast.BinOp) and isinstance(part.op, ast.Add):
            stack += [part.right, part.left]
        else:
            parts.append(part)
    first, last = parts[0], parts[-1]
    if len(parts) > 2 and all(isinstance(p, ast.Constant) and isinstance(p.value, str)
                              for p in (first, last)) and \
            str(first.value).endswith("__") and str(last.value).startswith("__"):  # type: ignore[attr-defined]
        return "a dunder name made at run time"
    return ""


_WORDS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _literal(node: ast.Constant, parents: dict[int, ast.AST]) -> str:
    """A string literal that names the machinery where a name is given: to ``getattr`` and
    its kind (``getattr(b, "exec")``), or as a subscript's key (``found["__builtins__"]``:
    a dunder, or ``NAMES``)."""
    text, parent = str(node.value), parents.get(id(node))
    if is_key(node, parent):  # (found["__builtins__"], case {"__builtins__": b})
        if text in NAMES or text == "__dict__" or (
                text in ATTRIBUTES and text.startswith("__")):
            return f"[{text!r}]"
        return ""
    if isinstance(parent, ast.Call) and node in parent.args and _called_name(parent) in NAMED \
            and any(part in NAMES or part in ATTRIBUTES or part == "__dict__"
                    for part in text.split(".")):
        return f"{_called_name(parent)}(…, {text!r})"
    return ""


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr \
        if isinstance(func, ast.Attribute) else ""


def _imported(node: ast.Import | ast.ImportFrom) -> str:
    """An import of the machinery (``MODULES``), or of a name of it from any module."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
        hit = next((n for n in names if _machinery_module(n)), "")
        return f"import {hit}" if hit else ""
    module = node.module or ""
    if node.level == 0 and _machinery_module(module):
        return f"from {module} import"
    hit = next((a.name for a in node.names if a.name in ATTRIBUTES or a.name in NAMES or (
        a.name in NAMED and a.asname not in (None, a.name))), "")  # (renamed: not checked)
    return f"from {module} import {hit}" if hit else ""


def _machinery_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in MODULES)


def _by_literal(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Whether ``node`` (``getattr`` and its kind) is called with its name (or names) given
    as string literals (one that names the machinery is flagged apart: ``_literal``)."""
    call = parents.get(id(node))
    if not isinstance(call, ast.Call) or call.func is not node or call.keywords:
        return False
    names: Sequence[ast.expr] = call.args
    if _called_name(call) in ("getattr", "setattr", "delattr"):
        names = call.args[1:2]
    return bool(names) and all(isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                               for arg in names)


def _shown(node: ast.expr) -> str:
    """An expression as the flag names it: its source."""
    try:
        return ast.unparse(node)
    except Exception:  # (too deep to unparse)
        return f"….{node.attr}" if isinstance(node, ast.Attribute) else "an attribute"


def _short(text: str) -> str:
    """What a flag names, at most 50 characters (its end kept: the attribute read)."""
    return text if len(text) <= 50 else "…" + text[-49:]


def tampered(watch_off: bool, machinery: str, noted: str = "") -> str:
    """A mark's ``tampered``: the watch switched off, what the file reaches, what the watch
    noted as the exercise was graded (``noted``), or all three."""
    return "; ".join(part for part in (WATCH_OFF if watch_off else "", machinery, noted)
                     if part)


FIXED_POINT = ("its class held the graph's number {number!r} times {scale} (an integer of "
               "{digits} digits) {where}, {at}: fixed-point arithmetic, in which a "
               "finite difference comes as close as the chain rule; read how it takes each "
               "local derivative")
"""What the watch noted (``learner/scaled.py``: a number of the graph held in fixed point),
as the teacher reads it."""
_NAME = re.compile(r"[\w<>.]{1,60}")


def noted(facts: object, cells: Sequence[Sequence[int]], source: str) -> str:
    """What a learner's process noted for the teacher (``learner/rerun.NOTED``), said in the
    grader's words once each fact is checked to be of its kind; '' for anything else (the
    process is the learner's: it sends facts, never words)."""
    if not isinstance(facts, dict):
        return ""
    digits, base, power, number = (facts.get(k) for k in ("digits", "base", "power", "number"))
    name, function, line = (facts.get(k) for k in ("name", "function", "line"))
    if not (type(digits) is int and type(power) is int and base in (0, 2, 10) and
            type(base) is int and type(number) is float and math.isfinite(number) and
            type(line) is int and 0 < line <= source.count("\n") + 1 and
            type(name) is str and (name == "" or _NAME.fullmatch(name)) and
            type(function) is str and _NAME.fullmatch(function)):
        return ""
    where = f"in {name}, in {function}" if name else f"in what {function} gives back"
    scale = f"{base}**{power}" if base else f"another integer it held, of {power} digits"
    return FIXED_POINT.format(number=number, scale=scale, digits=digits, where=where,
                              at=at_lines(cells, [line], source.split("\n")))


def flagged(marks: Iterable[object]) -> list[str]:
    """The lines for the teacher of marks whose grading may have been tampered with
    (``Mark.tampered``): one per flag, naming the exercises it is on."""
    names: dict[str, list[str]] = {}
    for mark in marks:
        text = str(getattr(mark, "tampered", "") or "")
        if text:
            names.setdefault(text, []).append(str(getattr(mark, "name", "")))
    return [f"⚑ {', '.join(exercises)}: {text}. Flagged for the teacher to read, not scored "
            "differently." for text, exercises in names.items()]
