"""What the learner's code names outside its arguments, each a root of the capture's walk
(``CodeRoots``, a ``rooted.Rooted``): of each code object that starts (``_discover``), the
globals it loads and stores (all of its module's, where it calls ``globals()``), the builtins
it falls back on, the closure cells it uses (of every closure of that code the capture
reached), the data of a library's module it names (``sys.argv``, ``lib.LR``), and a module it
reads from ``sys.modules`` by a name it holds. And what the learner's module meets while the
capture runs in place of what it holds: a function the capture follows (``from math import
exp``), a ``type`` and a ``float`` of its own (``_swap``, ``_float``; put back when it ends).
When code starts: ``outside.py``.
"""

from __future__ import annotations

import builtins
import dis
import gc
import itertools
import os
import sys
import types
from typing import Any

from tinygrad_edu.program.addresses import (
    Classes,
    class_names_read,
    given_classes_passed,
    names_read_of_a_local,
    subclasses_read,
)
from tinygrad_edu.program.code_reads import Reads, reads_of
from tinygrad_edu.program.identity import seen_at_start, seen_starting, tests_by_identity
from tinygrad_edu.program.kinds import kind_of
from tinygrad_edu.program.learners_code import _PACKAGE, user_code
from tinygrad_edu.program.learners_objects import _learners
from tinygrad_edu.program.places import MISSING, function_and_self
from tinygrad_edu.program.refused import SEEN_BY_NAME, state_read
from tinygrad_edu.program.rooted import Rooted
from tinygrad_edu.program.seen import TypeSeen, float_seen
from tinygrad_edu.program.traced import Recording
from tinygrad_edu.program.watching import FOLLOWED, follow_data, put_over
from tinygrad_edu.program.world import swapped_in_modules

__all__ = ["CodeRoots", "starting"]

_NO_DATA = ("module", "class", "function", "method")  # (a module's globals that hold no data)
_DATA = ("number", "constant", "sequence", "dict", "set", "array", "value")
SEEN_HELD = {id(getattr(builtins, name)): ours
             for name, ours in (("type", TypeSeen), *SEEN_BY_NAME.items())}
"""id(Python's own ``type``, ``len``, ``set``...) -> what the learner's module meets for it
while a capture runs (``_swap``), under any name its globals hold it by (``T = type``,
``from builtins import type``); ``type`` held elsewhere (a default, a cell, an item):
refused."""


class CodeRoots(Rooted):
    """The roots the learner's code names (see the module's docstring)."""

    def __init__(self, record: Recording, function: Any, dynamic: set[tuple[Any, ...]],
                 back: frozenset[tuple[Any, ...]] = frozenset()) -> None:
        super().__init__(record, dynamic, back)
        self.codes: dict[types.CodeType, dict[str, Any]] = {}
        self.tested: set[types.CodeType] = set()  # (``identity.bool_tests``)
        self.swapped: list[tuple[Any, str, Any, Any]] = []  # (globals or a cell, name...)
        self.cells: dict[types.CodeType, Any] = {}
        self.no_float: set[int] = set()  # (globals whose code uses float otherwise than float())
        self.stores: dict[str, str] = {}  # what is written -> the learner's line
        self.classes = Classes()  # (``addresses.py``)
        self._function, self._bound = function_and_self(function)
        self._code = getattr(self._function, "__code__", None)  # (the compiled function's)
        if self._function is not None:
            self.cells[self._function.__code__] = self._function.__closure__

    def _discover(self, code: types.CodeType, globals_: dict[str, Any],
                  frame: types.FrameType | None) -> None:
        self.codes[code] = globals_
        if not user_code(code):
            name = code.co_filename
            if "-packages" in name and not name.startswith(_PACKAGE):  # (an installed
                reads = reads_of(code)  # package's: the globals of data it reads, writes)
                for data in sorted(reads.stored_globals | {n for n in reads.globals if kind_of(
                        globals_.get(n)) not in (*_NO_DATA, "opaque")}):
                    if data in globals_ or data in reads.stored_globals:
                        self._root(("global", globals_, data), globals_.get(data, MISSING),
                                   _line(code, reads, "globals", data))
                self._named_data(code, globals_, reads)
            if code.co_freevars and (code is self._code or any(  # (a closure compiled,
                    f.__code__ is code for f in self.functions)):  # or held: fit's step)
                self._closure_cells(code, self._cells(code, frame), reads_of(code))
            return
        if "_data" in code.co_names or "_data" in code.co_consts or \
                _by_a_made_name(code):  # (``x._data``, ``getattr(x, "_data")``, a name made
            follow_data()  # at run time: followed as ``x.data``, ``fields.py``)
        if seen_at_start(code) or names_read_of_a_local(code):  # (seen at every start)
            self.tested.add(code)
            starting(self.record, code, frame)
        self.identities = self.identities or tests_by_identity(code, globals_)
        self.deferred = []  # (its roots' inputs installed once all are walked: ``_install``)
        try:
            self._roots_of(code, globals_, frame)
        finally:
            deferred, self.deferred = self.deferred, None
            if self.dynamic:
                self._install(deferred)
        self.classes.watch(code, globals_, frame)

    def _roots_of(self, code: types.CodeType, globals_: dict[str, Any],
                  frame: types.FrameType | None) -> None:
        """The globals, builtins, cells and modules the learner's ``code`` reads: roots."""
        reads = reads_of(code)
        names = reads.globals | reads.stored_globals
        if "globals" in reads.globals and "globals" not in globals_:  # (globals()["lr"]:
            names = names | {n for n, v in list(globals_.items())  # any of its numbers;
                             if not n.startswith("__") and kind_of(v) not in _NO_DATA} | {
                c for c in code.co_consts if type(c) is str and c.isidentifier() and
                not c.startswith("__")}  # a name it asks for that is missing, guarded so:
            # ``globals().get("LR", 0.5)``, ``if "STEP" not in g``, defined later, a64f F1, F4)
        for name in sorted(names):  # (one missing too: a builtin it falls back to, a name
            self._root(("global", globals_, name), globals_.get(name, MISSING),  # caught as
                       _line(code, reads, "globals", name))  # a NameError: defined later)
        self._builtins(code, globals_, reads, names)
        for (kind, name), line in reads.lines.items():
            if kind in ("stored_globals", "stored_cells", "attributes"):
                self.stores.setdefault(name, f"{os.path.basename(code.co_filename)}:{line}")
        inside = code.co_freevars and not self._made_inside(code)
        cells = self._cells(code, frame) if inside else None
        why = class_names_read(code, globals_, cells, self.record.taken_whole) or \
            subclasses_read(code, globals_)  # (HP.__dict__ while HP is given ours: first,
        if why:  # the words for HP.__hash__ too; Term.__subclasses__())
            self.record.refuse(why)
        state_read(self.record, code, globals_, cells, frame)  # (sys.modules whole...)
        if inside:
            self._closure_cells(code, cells, reads)
        self._modules(code, globals_, reads)
        self._named_data(code, globals_, reads)
        self._swap(globals_, reads.globals)
        self.swapped += swapped_in_modules(code, globals_, reads.globals, FOLLOWED)
        self._float(globals_, reads)

    def _builtins(self, code: types.CodeType, globals_: dict[str, Any], reads: Reads,
                  names: set[str]) -> None:
        """The builtins the code falls back on (``abs``, ``max``, ``round``): roots, guarded
        by identity (``builtins.abs`` replaced between calls: captured again), as Python's
        own where the capture put its own there (``max``: ``put_over``)."""
        held = globals_.get("__builtins__", builtins)
        held = vars(held) if isinstance(held, types.ModuleType) else held
        if not isinstance(held, dict):
            return
        for name in sorted(names):
            if name in globals_ or name not in held:
                continue
            value = put_over(builtins, name) if held is vars(builtins) else MISSING
            self._root(("global", held, name), held[name] if value is MISSING else value,
                       _line(code, reads, "globals", name))

    def _closure_cells(self, code: types.CodeType, cells: Any, reads: Reads) -> None:
        """The cells ``code`` reads or writes, of ``cells`` (the closure that ran) and of
        every closure of that code the capture reached: roots (a closure seen once)."""
        closures = {id(c): c for c in [cells, *[f.__closure__ for f in self.functions
                                                if f.__code__ is code]] if c}
        for held_cells in closures.values():
            for name, cell in zip(code.co_freevars, held_cells):
                if name in reads.cells or name in reads.stored_cells:
                    try:
                        held = cell.cell_contents
                    except ValueError:
                        held = MISSING
                    self._root(("cell", cell, name), held, _line(code, reads, "cells", name))
                    ours = FOLLOWED.get(id(held))  # (``from math import exp`` in the
                    if ours is not None and ours is not held:  # function that made it)
                        cell.cell_contents = ours
                        self.swapped.append((cell, name, held, ours))

    def _named_data(self, code: types.CodeType, globals_: dict[str, Any],
                    reads: Reads) -> None:
        """The data of a module the walk does not look into that the code names
        (``sys.argv``, ``lib.LR``): roots."""
        for name in sorted(reads.globals):
            module = globals_.get(name)
            if type(module) is types.ModuleType and not module.__name__.startswith(
                    "tinygrad_edu") and not _learners(module):
                for attribute in code.co_names:
                    held = vars(module).get(attribute, MISSING)
                    over = put_over(module, attribute)  # (``math.tanh``: a program's step
                    if over is not MISSING:  # calls the one it held: rebound, seen)
                        held = over
                    if held is not MISSING and (kind_of(held) in _DATA or over is not MISSING):
                        self._root(("global", vars(module), attribute), held,
                                   _line(code, reads, "globals", name))
                if "__getattr__" in vars(module):  # (what it gives is not in its dict:
                    continue  # ``decimal.Decimal`` while a capture runs, a lazy import)
                for attribute in (*code.co_consts, *_attributes_of(code, name)):  # (a name
                    if type(attribute) is str and attribute.isidentifier() and \
                            attribute not in vars(module):  # it may fall back on, missing:
                        self._root(("global", vars(module), attribute), MISSING,  # ``getattr(
                                   _line(code, reads, "globals", name))  # cfg, "lr", 0.1)``)

    def _modules(self, code: types.CodeType, globals_: dict[str, Any], reads: Reads) -> None:
        """``sys.modules[name]`` read by code (through ``sys``, or ``modules`` imported by
        name): each module it names (a string of its code, or of a global it reads:
        ``__name__``, ``CONFIG = "config"``) is a root, walked and guarded as a global that
        holds it would be."""
        held = [n for n in sorted(reads.globals) if globals_.get(n) is sys.modules or (
            globals_.get(n) is sys and "modules" in code.co_names)]
        if not held:
            return
        names = {c for c in code.co_consts if type(c) is str and c in sys.modules}
        names.update(v for v in (globals_.get(n) for n in reads.globals)  # (a name held)
                     if type(v) is str and v in sys.modules)
        for name in sorted(names):
            self._root(("global", sys.modules, name), sys.modules.get(name, MISSING),
                       _line(code, reads, "globals", held[0]))

    def _made_inside(self, code: types.CodeType) -> bool:
        """Whether ``code`` is a closure made while the capture runs (defined in a function
        that ran in it, as a lambda in ``f``): its cells hold that function's locals, numbers
        computed in the capture (followed where they came from), not places outside."""
        return code is not self._code and any(code in parent.co_consts
                                              for parent in self.codes if parent is not code)

    def _cells(self, code: types.CodeType, frame: types.FrameType | None) -> Any:
        found = self.cells.get(code)
        if found is not None:
            return found
        for function in self.functions:
            if function.__code__ is code:
                return function.__closure__
        candidates = [f for f in gc.get_referrers(code) if isinstance(f, types.FunctionType)
                      and f.__code__ is code and f.__closure__]
        if frame is not None and len(candidates) > 1:  # (the one whose cells the frame has)
            values = frame.f_locals
            candidates = [f for f in candidates if all(
                _cell_holds(c, values.get(n, MISSING))
                for n, c in zip(code.co_freevars, f.__closure__ or ()))]
        if len(candidates) == 1:
            self.cells[code] = candidates[0].__closure__
            return candidates[0].__closure__
        self.record.effect(f"the closure cells of {code.co_name} could not be placed (they "
                           "are not guarded; verify= checks)")
        return None

    def _swap(self, globals_: dict[str, Any], names: set[str]) -> None:
        for name in names:
            held = globals_.get(name, MISSING)
            ours = FOLLOWED.get(id(held), SEEN_HELD.get(id(held))) if held is not MISSING \
                else None  # (``T = type``, ``from builtins import type``: ours there too)
            if ours is not None and ours is not held:
                globals_[name] = ours
                self.swapped.append((globals_, name, held, ours))
        for name, ours in (("type", TypeSeen), *SEEN_BY_NAME.items()):
            if name in names and name not in globals_:
                globals_[name] = ours
                self.swapped.append((globals_, name, MISSING, ours))

    def _float(self, globals_: dict[str, Any], reads: Reads) -> None:
        """``float(x)`` of a followed number followed, in a module whose code that runs only
        ever calls ``float`` (a ``float`` of its own there is no type: ``isinstance(x,
        float)`` must see Python's); taken back where code that uses it otherwise starts."""
        if not reads.float_called:
            self.no_float.add(id(globals_))
            if globals_.get("float") is float_seen:
                del globals_["float"]
        elif "float" in reads.globals and "float" not in globals_ and \
                id(globals_) not in self.no_float:
            globals_["float"] = float_seen
            self.swapped.append((globals_, "float", MISSING, float_seen))


def starting(record: Recording, code: types.CodeType, frame: Any) -> None:
    """The learner's ``code`` seen as it starts, each time (``CodeRoots.tested``): what it
    tests by identity (``identity.seen_starting``), and the classes given to it whose own
    names it reads (``addresses.given_classes_passed``)."""
    seen_starting(record, code, frame)
    given_classes_passed(record, code, frame)


def _line(code: types.CodeType, reads: Reads, kind: str, name: str) -> str:
    """The learner's line that reads ``name``: ``file:line: code``."""
    import linecache

    number = reads.lines.get((kind, name), code.co_firstlineno)
    text = linecache.getline(code.co_filename, number).strip()
    return f"{os.path.basename(code.co_filename)}:{number}{f': {text}' if text else ''}"


def _attributes_of(code: types.CodeType, name: str) -> list[str]:
    """The attributes ``code`` reads of the global ``name`` (``cfg.lr``: a missing one
    caught as an ``AttributeError``, ``try: lr = cfg.lr``)."""
    found = _ATTRIBUTES.get(code)
    if found is None:  # (once per code object)
        ops = list(dis.get_instructions(code))
        found = _ATTRIBUTES[code] = {}
        for op, after in itertools.pairwise(ops):
            if op.opname in ("LOAD_GLOBAL", "LOAD_NAME") and after.opname in (
                    "LOAD_ATTR", "LOAD_METHOD"):
                found.setdefault(op.argval, []).append(after.argval)
    return found.get(name, [])


_ATTRIBUTES: dict[types.CodeType, dict[str, list[str]]] = {}


def _cell_holds(cell: Any, value: Any) -> bool:
    try:
        return cell.cell_contents is value
    except ValueError:
        return value is MISSING


def _by_a_made_name(code: types.CodeType) -> bool:
    """Whether ``code`` reads an attribute by a name it may make at run time (``getattr``,
    ``attrgetter``, ``methodcaller``, ``reduce``, ``format`` called, a class's ``__dict__``
    or ``__slots__`` read, a descriptor's ``__get__`` called, ``inspect.getattr_static``: no
    constant names them all; a64o S3), or formats ``._data`` by a template
    (``"{0._data}"``): a Value's ``_data`` may be read so (``getattr(w, KEY)``: before, the
    capture's number at every call where the engine's moved; an attacker's, a64l S5). Such
    code reads ``.data`` through the capture's follower, at a cost of a call of Python's at
    each node the engine makes."""
    return any(name in code.co_names for name in _BY_NAME) or any(
        type(c) is str and "{" in c and "._data" in c for c in code.co_consts)


_BY_NAME = ("getattr", "attrgetter", "methodcaller", "__getattribute__", "reduce",
            "format", "format_map", "vformat", "get_field", "vars", "__dict__", "__get__",
            "getattr_static", "__slots__")
"""Names of what reads an attribute by a name made at run time (``"{0._data}".format(w)``:
``str.format`` reads attributes in C)."""
