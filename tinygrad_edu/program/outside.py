"""What a capture does with the numbers that reach a function from outside its arguments.

While a capture runs, every function of the learner's code that starts is seen once
(``Watcher``: ``sys.monitoring`` from 3.12, with the calls it makes, ``unfollowed.py``;
``sys.settrace``'s call events before; no line or opcode tracing), and its bytecode read for
the globals it loads and stores (all of its module's, where it calls ``globals()``) and the
closure cells it uses (``code_reads.Reads``: of every closure of that code the capture reached, a
factory's closures being seen once; the cells of the compiled function, and of a closure the
walk reached, wherever its code was written: ``fit(compile=True)``'s step holds the
learner's model).
Each is a root (and so are the compiled function's own default arguments, a module its code
reads from ``sys.modules`` by a name it holds, and a variable of ``os.environ`` it read, seen
by ``watching.py``), walked as it was when first read (``walk.Walk``); once the function
returns (``Outside``, in ``returned.py``):

- a **number** at a place is checked at every call to be the very same one (then the same
  bits); where that check fails once, the place becomes an **input** of the program (``lr``,
  a step count, ``cfg.t``, ``box[0]``, a ``threading.local``'s attribute): read at every
  call, never a capture again; a text (``os.environ['LR']``) is checked to be the same, an
  array (``array.array``, NumPy's) to hold the same numbers, else the function is captured
  again;
- a **Value** of the graph and every **container** and object on the way are checked by
  identity (a container by its length too): a parameter replaced by a new Value, a list that
  grows, an object given another attribute, are seen (``guards.py`` makes the check);
- a **number written** by the function (``step += 1``, in a global, a cell, an attribute, an
  item) is written again by the program at every call, and read at every call from then on;
  so is a constant written (a string, ``None``); writing anything else (a Value, a list, an
  object) to a global, a cell or an attribute is refused, naming the line; a number read
  at every call that it moves (``xs.reverse()``, a sort, a swap) is written again where it
  moved; a container it changes otherwise (an append, Values reordered) is said once, and
  no program of that capture is kept (a program does not change it again): the next call
  is captured again, as the engine changes it;
- an **iterator** read from outside (by name; an argument, attribute, item it advanced) and a
  **random generator** it drew from are refused (what they give changes at every call);
- a followed number the function left outside is put back as its plain number.

The learner's module meets a ``type`` of its own while the capture runs (``type(x) is
float`` of a followed number is its number's type), a ``float`` where its code only ever calls
it, and the functions a capture follows where it imported them by name (``from math import
exp``). A closure made while the capture runs (a lambda in ``f``, a comprehension) holds the
function's own locals, no place. What the capture cannot place is listed by
``Compiled.explain()``.
"""

from __future__ import annotations

import builtins
import dis
import functools
import gc
import itertools
import os
import sys
import threading
import types
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.program.addresses import Classes
from tinygrad_edu.program.aliases import is_number
from tinygrad_edu.program.code_reads import Reads, reads_of
from tinygrad_edu.program.held_calls import engines_own, reads_data, type_held, unseen_state
from tinygrad_edu.program.identity import seen_at_start, seen_starting, tests_by_identity
from tinygrad_edu.program.kinds import _learners, kind_of
from tinygrad_edu.program.learners_code import _PACKAGE, learners_line, user_code
from tinygrad_edu.program.places import MISSING, Place, function_and_self
from tinygrad_edu.program.randomness import (
    generator_state,
    generators_drawn,
    numpy_state,
    unseen_draws,
)
from tinygrad_edu.program.refused import SEEN_BY_NAME, state_read, took_a_float_only
from tinygrad_edu.program.seen import TypeSeen, float_seen
from tinygrad_edu.program.settings import read_by_c
from tinygrad_edu.program.traced import Recording, Traced
from tinygrad_edu.program.unfollowed import Calls
from tinygrad_edu.program.walk import Walk, has_given
from tinygrad_edu.program.watching import FOLLOWED, follow_data, put_over
from tinygrad_edu.program.world import followed_at, reached, streams_read, swapped_in_modules

_ident = threading.get_ident  # (bound here: a capture puts its own in threading)

__all__ = ["Watcher"]

_MONITORING: Any = getattr(sys, "monitoring", None)  # (3.12 on)
_NO_DATA = ("module", "class", "function", "method")  # (a module's globals that hold no data)
_DATA = ("number", "constant", "sequence", "dict", "set", "array", "value")
SEEN_HELD = {id(getattr(builtins, name)): ours
             for name, ours in (("type", TypeSeen), *SEEN_BY_NAME.items())}
"""id(Python's own ``type``, ``len``, ``set``...) -> what the learner's module meets for it
while a capture runs (``_swap``), under any name its globals hold it by (``T = type``,
``from builtins import type``); ``type`` held elsewhere (a default, a cell, an item):
refused."""


# ----------------------------------------------------------------------------- the watcher
class Watcher:
    """What a capture sees of the functions that start (``sys.monitoring``'s, or before 3.12
    ``sys.settrace``'s call events): the learner's code that runs, its globals and cells (the
    roots, walked as they were), the functions it imported by name that a capture follows,
    a ``type`` and a ``float`` of its own; generators it drew from, refused."""

    def __init__(self, record: Recording, function: Any, dynamic: set[tuple[Any, ...]],
                 back: frozenset[tuple[Any, ...]] = frozenset()) -> None:
        self.record = record
        self.dynamic = dynamic  # (places that are inputs: a number read at every call)
        self.held_back = set(back)  # (inputs guarded in this capture: ``aliases.py``)
        self.number_ids: dict[int, int] = {}  # (id of a number found outside: how often)
        self.identities = False  # (code that ran tests numbers by identity: ``aliases``)
        self.deferred: list[Place] | None = None  # (``_discover``'s roots, walked)
        self.codes: dict[types.CodeType, dict[str, Any]] = {}
        self.tested: set[types.CodeType] = set()  # (``identity.bool_tests``)
        self.roots: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # key -> step
        self.shallow: set[tuple[Any, ...]] = set()  # (roots not walked into: ``_root``)
        self.lines: dict[tuple[Any, ...], str] = {}  # key -> the learner's line that read it
        self.start: dict[tuple[Any, ...], Any] = {}  # (holder, step) -> what it held first
        self.swapped: list[tuple[Any, str, Any, Any]] = []  # (globals or a cell, name...)
        self.installed: list[tuple[Place, Any, Traced]] = []
        self.lent: set[int] = set()  # (id of an installed place its instance does not hold)
        self.cells: dict[types.CodeType, Any] = {}
        self.functions: list[types.FunctionType] = []
        self.previous: Any = None
        self.tool: int | None = None
        self.calls: Calls | None = None  # (3.12 on: ``sum`` held elsewhere, refused)
        self.thread = 0
        self.generators: list[tuple[Place, Any]] = []  # (a generator reached, its state)
        self.streams: list[tuple[Place, Any, str]] = []  # (a stream reached, its position)
        self.settings: set[Any] = set()  # (settings asked for: ``asked``)
        self.no_float: set[int] = set()  # (globals whose code uses float otherwise than float())
        self.stores: dict[str, str] = {}  # what is written -> the learner's line
        self.walk = Walk()  # (every place, as it was when its root was first read)
        self.classes = Classes()  # (``addresses.py``)
        record.outside = self  # (os.environ's items read are roots: ``read_by_name``)
        self._function, self._bound = function_and_self(function)
        self._code = getattr(self._function, "__code__", None)  # (the compiled function's)
        if self._function is not None:
            self.cells[self._function.__code__] = self._function.__closure__
        if self._bound is not None:
            self._root(("object", self._bound, "self"), self._bound)
        if self._function is not None and has_given(self._function):  # (its defaults)
            self._root(("object", self._function, self._function.__name__), self._function)
        if isinstance(function, functools.partial):  # (its arguments, ``partial(loss,
            name = getattr(function.func, "__name__", "")  # lr=1.3)``: ``.keywords`` may
            self._root(("object", function, f"partial({name})"), function)  # change)

    def __enter__(self) -> Watcher:
        if self._function is not None:
            self._discover(self._function.__code__, self._function.__globals__, None)
        self.thread = _ident()
        self.installed += followed_at(self.record, list(self.walk.places), FOLLOWED,
                                      self.line_of)
        if any(p.kind == "opaque" and reads_data(p.value) for p in self.walk.places):
            follow_data()  # (``attrgetter("_data")`` in a default: held_calls.reads_data)
        self.numpy_start = numpy_state()  # (``randomness.unseen_draws``)
        for asked in read_by_c():  # (settings C code reads for the code: guarded)
            self._root(("object", asked, asked.label), asked)
        monitoring = _MONITORING
        if monitoring is not None:  # (3.12 on: an event per function once, then none)
            for tool in (5, 4, 3, 1, 0):
                if monitoring.get_tool(tool) is None:
                    monitoring.use_tool_id(tool, "tinygrad_edu's capture")
                    self.tool = tool
                    break
        if self.tool is not None:
            monitoring.register_callback(self.tool, monitoring.events.PY_START, self._started)
            monitoring.register_callback(self.tool, monitoring.events.EXCEPTION_HANDLED,
                                         self._handled)
            monitoring.set_events(self.tool, monitoring.events.PY_START |
                                  monitoring.events.EXCEPTION_HANDLED)
            self.calls = Calls(self.record, self.tool)  # (``sum`` held elsewhere: refused)
            for code in [c for c in list(self.codes) if user_code(c)]:
                self.calls.watch(code)
            monitoring.restart_events()
        else:  # (before: sys.settrace's call events, a tracer set before chained)
            self.previous = previous = sys.gettrace()
            codes, discover, tested, record = self.codes, self._discover, self.tested, self.record

            def called(frame: types.FrameType, event: Any, arg: Any) -> Any:
                code = frame.f_code
                if code not in codes:
                    discover(code, frame.f_globals, frame)
                    if code.co_freevars:  # (once a tracer returns, Python puts the frame's
                        _ = frame.f_locals  # dict of locals back in its cells: made again
                        # from them, so that a number discover installed there as an input,
                        # a function followed, stays: else 3.10 read the cell's old number)
                elif code in tested:
                    seen_starting(record, code, frame)
                if previous is not None:
                    return previous(frame, event, arg)
                if user_code(code):  # (its exceptions, no line events: ``_handled``)
                    frame.f_trace_lines = False
                    return raised
                return None

            def raised(frame: types.FrameType, event: Any, arg: Any) -> Any:
                if event == "exception":
                    self._handled(frame.f_code, 0, arg[1])
                return raised if event != "return" else None

            sys.settrace(called)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.tool is not None:
            _MONITORING.set_events(self.tool, 0)
            _MONITORING.register_callback(self.tool, _MONITORING.events.PY_START, None)
            _MONITORING.register_callback(self.tool, _MONITORING.events.EXCEPTION_HANDLED, None)
            if self.calls is not None:
                self.calls.stop()
            _MONITORING.free_tool_id(self.tool)
            self.tool = None
        else:
            sys.settrace(self.previous)
        for globals_, name, held, ours in reversed(self.swapped):
            if not isinstance(globals_, dict):  # (a closure cell)
                if globals_.cell_contents is ours:
                    globals_.cell_contents = held
            elif globals_.get(name, MISSING) is ours:
                if held is MISSING:
                    del globals_[name]
                else:
                    globals_[name] = held
        self.swapped.clear()
        self.classes.restore()  # (the learner's classes given a hash of the capture's)
        generators_drawn(self.record, self.generators, self.lines)
        streams_read(self.record, self.streams)
        unseen_draws(self.record, self.numpy_start)

    def line_of(self, place: Place) -> str:
        """The line that read ``place``: its own where one is known (a name a function that
        ran is reached by, ``Value.tanh``), else its root's."""
        at: Place | None = place
        while at is not None:
            line = self.lines.get(at.key())
            if line or at.parent is None:
                return line or ""
            at = at.parent
        return ""

    def _handled(self, code: types.CodeType, offset: int, error: BaseException) -> None:
        """An exception the learner's code caught (3.12 on; before, one raised there):
        a followed number given to Python's code that takes a float object only is refused
        (``float.__mul__(z.data, 2.0)``: the engine gives a number)."""
        if _ident() == self.thread and user_code(code):
            self.record.refused = self.record.refused or took_a_float_only(
                error, self.record.views)

    def _started(self, code: types.CodeType, offset: int) -> Any:
        """sys.monitoring's PY_START (3.12 on): a function of code not seen yet starts (or
        of code that tests an argument with ``is True``: seen at every start)."""
        if _ident() != self.thread:
            return None  # (another thread's: not this capture's)
        frame = _getframe(1)
        if code not in self.codes:
            self._discover(code, frame.f_globals, frame)
            if user_code(code) and self.calls is not None:
                self.calls.watch(code)
        elif code in self.tested:
            seen_starting(self.record, code, frame)
        return None if code in self.tested else _MONITORING.DISABLE

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
        if "_data" in code.co_names or "_data" in code.co_consts:  # (``x._data``,
            follow_data()  # ``getattr(x, "_data")``: followed as ``x.data``, ``fields.py``)
        if seen_at_start(code):  # (seen at every start)
            self.tested.add(code)
            seen_starting(self.record, code, frame)
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
            names = names | {n for n, v in list(globals_.items())  # any of its numbers)
                             if not n.startswith("__") and kind_of(v) not in _NO_DATA}
        for name in sorted(names):  # (one missing too: a builtin it falls back to, a name
            self._root(("global", globals_, name), globals_.get(name, MISSING),  # caught as
                       _line(code, reads, "globals", name))  # a NameError: defined later)
        self._builtins(code, globals_, reads, names)
        for (kind, name), line in reads.lines.items():
            if kind in ("stored_globals", "stored_cells", "attributes"):
                self.stores.setdefault(name, f"{os.path.basename(code.co_filename)}:{line}")
        if code.co_freevars and not self._made_inside(code):
            cells = self._cells(code, frame)
            state_read(self.record, code, globals_, cells, frame)  # (sys.modules whole...)
            self._closure_cells(code, cells, reads)
        else:
            state_read(self.record, code, globals_, None, frame)
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

    def read_by_name(self, mapping: Any, name: Any, held: Any, into: bool = True) -> None:
        """An item of ``os.environ`` (``os.environb``: its bytes) the function read
        (``held``: its text, or MISSING), a module ``importlib.import_module`` or an
        ``import`` gave it: a root, guarded to stay the same (``watching.py`` sees the read);
        ``into``: walked into (an import's module is where it is the learner's)."""
        if type(name) in (str, bytes):
            self._root(("global", mapping, name), held, learners_line(), into)

    def asked(self, asked: Any, key: Any) -> None:
        """A setting the learner's code asked for (``settings.py``; ``key``: which, once a
        capture): a root, its text guarded to stay the same."""
        if key not in self.settings:
            self.settings.add(key)
            self._root(("object", asked, asked.label), asked, learners_line())

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

    def _root(self, step: tuple[Any, ...], value: Any, line: str = "",
              into: bool = True) -> None:
        key = Place(None, step, None, "constant").key()
        if key in self.roots:
            return
        self.roots[key] = step
        if not into:
            self.shallow.add(key)
        self.lines[key] = line
        walk = self.walk
        first = len(walk.places)
        functions = len(walk.functions)
        place = walk.root(step, value, into)
        new = walk.places[first:]
        for p in new:
            self.start.setdefault(_slot(p), p.value)
            if is_number(p):
                self.number_ids[id(p.value)] = self.number_ids.get(id(p.value), 0) + 1
        self.functions += walk.functions[functions:]
        self.generators += [(p, generator_state(p.value)) for p in new if p.kind == "generator"]
        self.streams += reached(self.record, new, line)  # (``world.py``)
        if FOLLOWED:  # (else at ``__enter__``: roots found before the capture's functions)
            self.installed += followed_at(self.record, new, FOLLOWED, lambda p: line)
        kind = place.kind
        held_call = next((why for p in new if p.kind in (  # (``Value.item`` held:
            "function", "opaque", "method") for why in [engines_own(p.value, p.said())] if why),
            None)  # ``held_calls.py``; ``attrgetter("_data")``, followed)
        held_call = held_call or next((why for p in new if p.kind in ("function", "opaque") and
                                       id(p.value) not in FOLLOWED for why in [
                                           unseen_state(p.value, p.said())] if why), None)
        if any(p.kind == "opaque" and reads_data(p.value) for p in new):
            follow_data()
        held_call = held_call or next((type_held(p.said()) for p in new if p.value is type and (
            p.parent is not None or p.step[0] != "global")), None)  # (a global: ``_swap``;
        # set, len... held so are seen where they are used)
        if held_call:  # (a C function bound before the call, held: ``held_calls.py``)
            self.record.refused = self.record.refused or (
                f"{held_call}, at {line or learners_line()}")
        if kind == "iterator" and step[0] != "object":
            what = "an iterator"
            self.record.refused = self.record.refused or (
                f"it reads {place.said()}, {what} ({type(value).__name__}): what it gives "
                "changes at every call, which a program cannot follow; pass what it gives "
                f"as arguments, at {line or '?'}")
        if self.deferred is not None:
            self.deferred += new
        elif self.dynamic:
            self._install(new)

    def held(self, holder: Any, label: str, steps: tuple[tuple[str, Any], ...],
             line: str) -> Place:
        """A place of an object the walk does not look into, found holding a number of
        unknown origin (``held.py``): guarded, or an input, as a root's places are."""
        walk = self.walk
        first = len(walk.places)
        place = walk.held(holder, label, steps)
        new = walk.places[first:]
        for p in new:
            self.start.setdefault(_slot(p), p.value)
            if is_number(p):
                self.number_ids[id(p.value)] = self.number_ids.get(id(p.value), 0) + 1
        self.lines.setdefault(walk.holders[id(holder)].key(), line)
        self.lines.setdefault(place.key(), line)  # (its own: a holder guarded at many names,
        if self.dynamic:  # ``Value.tanh`` and ``Value.__add__``, says the one that changed)
            self._install(new)
        return place

    def _install(self, places: list[Place]) -> None:
        """The places that are inputs (``dynamic``) hold a traced number while the capture
        runs; one whose number another place found outside holds too (the very object:
        ``cfg[0] is DEFAULT`` would see a stand-in) is guarded in this capture
        (``aliases.py``); after an op of one's own that runs (``own_ops.built``)."""
        if self.record.in_op:  # (its functions read the number themselves, at every run)
            self.record.after_op += places
            return
        for place in places:
            if place.kind == "number" and type(place.value) not in (Traced, bool) and \
                    place.key() in self.dynamic:  # (a bool stays guarded: ``FLAG is True``)
                if place.key() in self.held_back or (self.identities and self.number_ids.get(
                        id(place.value), 0) > 1):
                    self.held_back.add(place.key())
                    continue
                traced = self.record.input(place.value, ("place", place.key(), place.said()))
                if place.lent():  # (a class's default: put on the instance for the capture
                    self.lent.add(id(place))  # alone, taken away after: ``restore``)
                place.write(traced, own=True)
                self.installed.append((place, place.value, traced))

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

    def restore(self) -> None:
        """Put back the numbers installed as inputs (where the function did not write)."""
        for place, held, traced in reversed(self.installed):
            if place.read() is traced and id(place) in self.lent:
                place.take_back()  # (an absent attribute stays absent: ``Place.lent``)
            elif place.read() is traced:
                place.write(held, own=True)


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


def _slot(place: Place) -> tuple[Any, ...]:
    """A place by the object that holds it (for what held what at the start)."""
    if place.parent is None:
        return place.key()
    return (id(place.parent.value), place.step)


def _cell_holds(cell: Any, value: Any) -> bool:
    try:
        return cell.cell_contents is value
    except ValueError:
        return value is MISSING
