"""What a capture does with the numbers that reach a function from outside its arguments.

While a capture runs, every function of the learner's code that starts is seen once
(``Watcher``: ``sys.monitoring`` from 3.12, with the calls it makes, ``unfollowed.py``;
``sys.settrace``'s call events before; no line or opcode tracing), and its bytecode read
(``code_roots.py``) for the globals it loads and stores (all of its module's, where it calls
``globals()``) and the closure cells it uses (``code_reads.Reads``: of every closure of that
code the capture reached, a factory's closures being seen once; the cells of the compiled
function, and of a closure the walk reached, wherever its code was written:
``fit(compile=True)``'s step holds the learner's model).
Each is a root (and so are the compiled function's own default arguments, a module its code
reads from ``sys.modules`` by a name it holds, and a variable of ``os.environ`` it read, seen
by ``watching.py``), walked as it was when first read (``walk.Walk``; the roots, their places
and the inputs put there: ``rooted.py``); once the function returns (``Outside``, in
``returned.py``):

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

import functools
import sys
import threading
import types
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.program.code_roots import CodeRoots, starting
from tinygrad_edu.program.held_calls import reads_data
from tinygrad_edu.program.learners_code import user_code
from tinygrad_edu.program.places import MISSING
from tinygrad_edu.program.randomness import generators_drawn, numpy_state, unseen_draws
from tinygrad_edu.program.refused import took_a_float_only
from tinygrad_edu.program.settings import read_by_c
from tinygrad_edu.program.traced import Recording
from tinygrad_edu.program.unfollowed import Calls
from tinygrad_edu.program.walk import has_given
from tinygrad_edu.program.watching import FOLLOWED, follow_data
from tinygrad_edu.program.world import followed_at, streams_read

_ident = threading.get_ident  # (bound here: a capture puts its own in threading)

__all__ = ["Watcher"]

_MONITORING: Any = getattr(sys, "monitoring", None)  # (3.12 on)


# ----------------------------------------------------------------------------- the watcher
class Watcher(CodeRoots):
    """What a capture sees of the functions that start (``sys.monitoring``'s, or before 3.12
    ``sys.settrace``'s call events): the learner's code that runs, its globals and cells (the
    roots, walked as they were: ``code_roots.py``, ``rooted.py``), the functions it imported by
    name that a capture follows, a ``type`` and a ``float`` of its own; generators it drew
    from, refused."""

    def __init__(self, record: Recording, function: Any, dynamic: set[tuple[Any, ...]],
                 back: frozenset[tuple[Any, ...]] = frozenset()) -> None:
        super().__init__(record, function, dynamic, back)
        self.previous: Any = None
        self.tool: int | None = None
        self.calls: Calls | None = None  # (3.12 on: ``sum`` held elsewhere, refused)
        self.thread = 0
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
        if any(p.kind in ("opaque", "function", "class", "method", "constant") and
               reads_data(p.value) for p in self.walk.places):
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
            ways: dict[types.CodeType, tuple[bool, bool]] = {}  # (code seen: whether it is

            def called(frame: types.FrameType, event: Any, arg: Any) -> Any:  # tested, and
                code = frame.f_code  # the learner's: both fixed once it is discovered)
                way = ways.get(code)
                if way is None:
                    if code not in codes:
                        discover(code, frame.f_globals, frame)
                        if code.co_freevars:  # (once a tracer returns, Python puts the
                            _ = frame.f_locals  # frame's dict of locals back in its cells:
                            # made again from them, so that a number discover installed
                            # there as an input, a function followed, stays: else 3.10 read
                            # the cell's old number)
                    elif code in tested:
                        starting(record, code, frame)
                    way = (code in tested, user_code(code))
                    if code in codes:
                        ways[code] = way
                elif way[0]:
                    starting(record, code, frame)
                if previous is not None:
                    return previous(frame, event, arg)
                if way[1]:  # (the learner's: its exceptions, no line events: ``_handled``)
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
            starting(self.record, code, frame)
        return None if code in self.tested else _MONITORING.DISABLE
