"""``compile(f)``: a function of Values captured once as a program, then run as one.

The first call runs ``f`` as the engine runs it, and records its graph (the loss's, and every
Value and plain number it made) as a tape (``tape.py``); later calls run the program
(``program.py``: Python, or native code where a C compiler is found) with the new numbers.
A program is only right while ``f`` would build the same graph from the same numbers, so the
capture knows where every number comes from (the table is in docs/guides/programs.md, "What a
program follows, guards and refuses"):

- **the arguments**: a float (or a list of them) is an input of the program; a Value is a
  leaf, bound again at every call (the same Value given twice, a node, a Value made under
  ``no_grad()``: each its own structure; a node given runs as the engine); an int, a string,
  a length, an object picks the program (one per structure, kept: ``Compiled.programs``;
  for ``STRUCTURES`` of them at most, then a call with another runs as the engine, said once);
  a list or dict given is a copy (one the function changes is refused), one of its own
  class (a ``defaultdict``, a list with its own ``__getitem__``) an object given;
- **``v.data``** and what is computed from it (``traced.py``): steps of the program; a
  branch on it is a guard (``if x.data > 0``); what the capture cannot follow (``int()``,
  formatting) is a constant guarded to the bit;
- **numbers from outside the arguments** (globals, closure cells, attributes, containers,
  ``sys.modules[...]``, ``os.environ``: ``outside.py``): guarded at every call; a number
  whose guard fails once is an input from then on; a Value replaced, a list that grows, is
  seen; numbers the function writes are written again;
- **random draws** from ``random``'s and ``numpy.random``'s global generators
  (``randomness.py``): drawn again at every call from the same stream;
- **the code that ran**: each function of the learner's, checked to keep its code, and
  guarded where it is found by name (a class's method, a module's function: rebound, or
  its module reloaded, captured again; ``ran.py``).

What cannot be followed is refused with the learner's line; a capture again is said the first
time (a ``ProgramWarning``: why, and the line). Calling the compiled function returns what
``f`` returns (``answers.py``), each Value a ``Result`` (its number, ``.data``;
``.backward()`` adds every leaf's gradient as ``loss.backward()`` does, with the numbers of
its own call). Errors are
the engine's: a run that fails runs ``f`` again as the engine. ``verify=N`` runs the engine
beside every N-th call and compares bit for bit; ``explain()`` lists every source.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.program import answers, own_ops, ran, randomness, reading
from tinygrad_edu.program import explain as explaining
from tinygrad_edu.program.aliases import held_late, put_back
from tinygrad_edu.program.answers import Result
from tinygrad_edu.program.arguments import (
    Copies,
    as_traced,
    objects_given,
    structure_of,
    what_differs,
)
from tinygrad_edu.program.asking import asked
from tinygrad_edu.program.built import EngineRun, Entry, Run, build
from tinygrad_edu.program.explain import ProgramMismatch, explain, verify
from tinygrad_edu.program.held import Unwired
from tinygrad_edu.program.identity import tested_later
from tinygrad_edu.program.learners_code import engines_code, user_code
from tinygrad_edu.program.left import clean
from tinygrad_edu.program.named import Named, held_deeper
from tinygrad_edu.program.outside import Watcher
from tinygrad_edu.program.places import MISSING, Freed
from tinygrad_edu.program.program import Program
from tinygrad_edu.program.refused import engines_words, took_a_float_only
from tinygrad_edu.program.returned import Outside
from tinygrad_edu.program.rooted import place_slot
from tinygrad_edu.program.seen import decimals_held
from tinygrad_edu.program.sets import unpacked
from tinygrad_edu.program.tape import Tape
from tinygrad_edu.program.traced import Recording, Traced, recording, set_recording
from tinygrad_edu.program.warned import Warned, issue, said_if_it_ran
from tinygrad_edu.program.watching import no_collection, watching

__all__ = ["Compiled", "ProgramMismatch", "ProgramWarning", "Result", "compile"]


STRUCTURES = 8
"""Structures of arguments a compiled function keeps programs for, at most (as
torch.compile's cache_size_limit): a call with another runs as the engine, said once."""


class ProgramWarning(UserWarning):
    """What a program does not do again (a print, an append), said once at its capture; a
    function captured again (the first time, why and the line); one captured again and
    again, run as the engine from then on."""


def compile(function: Callable[..., Any], *, native: bool = True, programs: int = 8,
            verify: int = 0) -> Compiled:
    """``f`` captured as a program (see the module's docstring): ``step = compile(loss_of)``
    then ``loss = step(xs, ys); loss.backward()``. ``native``: run the program as C where a
    compiler is found; ``programs``: how many programs to keep per structure; ``verify``:
    every ``verify``-th call also runs the engine and compares, bit for bit (0: never)."""
    if not callable(function):
        raise TypeError(f"compile() takes a function of Values, got {function!r}")
    if not isinstance(verify, int) or verify < 0:
        raise ValueError(f"compile(verify=...) takes how often to check (every N-th call, 0 "
                         f"for never), got {verify!r}")
    return Compiled(function, native, programs, verify)


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:  # (a cell not yet given its value)
        return False
    return True


class Compiled:
    """A function captured as programs, one per structure of its arguments (see the
    module's docstring). ``captures``: how many times the function ran as the engine to be
    captured; ``programs``: the programs kept, by structure; ``last_capture``: why the last
    one was made; ``engine_calls``: calls a program could not run (a node given)."""

    def __init__(self, function: Callable[..., Any], native: bool, keep: int,
                 verify: int = 0) -> None:
        self.function, self.native, self.keep, self.verify = function, native, keep, verify
        self.programs: dict[Any, list[Entry]] = {}
        self.captures = 0
        self.runs = 0
        self.engine_calls = 0
        self.checked = 0
        self.last_capture = ""
        self.why: list[str] = []  # (why each capture after the first was made)
        self.last: Entry | None = None
        self.dynamic: set[tuple[Any, ...]] = set()  # places read at every call
        self.fixed: set[tuple[Any, ...]] = set()  # (places that cannot be: ``_not_inputs``)
        self.engine_keys: set[Any] = set()  # structures that run as the engine
        self.as_engine: dict[str, None] = {}  # (why calls ran as it: ``explain.AS_ENGINE``)
        self.streaks: dict[Any, int] = {}  # (captures in a row, by structure)
        self.said: set[str] = set()
        self.warned = False  # (a capture again said)
        self.bounded = False  # (structures beyond ``STRUCTURES``: said)
        self.guarded: tuple[Tape, list[Any], list[Any]] | None = None  # (a guard failed on)
        self.held: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # (places found by held.py)
        self.named = Named(function)  # (lists it names from outside: given as themselves)
        self.__wrapped__ = function
        self.__name__ = getattr(function, "__name__", "compiled")
        self.__doc__ = getattr(function, "__doc__", None)

    def __repr__(self) -> str:
        count = sum(len(v) for v in self.programs.values())
        return (f"<compiled {self.__name__}: {count} program(s) for {len(self.programs)} "
                f"structure(s), {self.captures} capture(s), {self.runs} run(s) as a program>")

    def program(self) -> Program:
        """The program the last call ran (or captured)."""
        if self.last is None:
            raise RuntimeError(f"{self.__name__} has no program yet: call it once first")
        return self.last.program

    def source(self) -> str:
        """The last call's program as Python (``Program.source``)."""
        return self.program().source()

    def explain(self) -> str:
        """Every source of the numbers of the programs kept: arguments, places outside,
        draws, writes, guards, constants of unknown origin (with their lines), what was
        refused or said, and why each capture was made (``explain.py``)."""
        return explain(self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if recording() is not None:
            raise RuntimeError(f"{self.__name__}: a compiled function called while another "
                               "is being captured; call the function itself there")
        if not is_grad_enabled():  # (under no_grad(): the engine's nodes, with no graph;
            self.engine_calls += 1  # a program's would pass gradients: runs as the engine)
            self.as_engine.setdefault("no_grad")
            return self._as_engine(args, kwargs)
        try:
            key, numbers, values = structure_of((args, kwargs), False, self.named.ids())
        except TypeError as err:  # (an argument whose numbers no program follows)
            raise TypeError(f"{self.__name__}: {err}") from None
        if key[1] or key in self.engine_keys:  # (a node given: no program reads the graph
            self.engine_calls += 1  # it was made from; or a structure no program is reused for)
            self.as_engine.update({"node": None} if key[1] else {})
            return self._as_engine(args, kwargs)
        if key not in self.programs and len(self.programs) >= STRUCTURES:
            self._bounded(key)  # (one more structure: as the engine, said once)
            self.as_engine.setdefault("beyond")
            self.engine_calls += 1
            return self._as_engine(args, kwargs)
        checking = self.verify and (self.runs + 1) % self.verify == 0
        why, self.guarded = "", None  # (why the newest program did not run)
        for entry in reversed(self.programs.get(key, [])):
            saved = _Saved(entry) if checking else None
            ran = self._run(entry, numbers, values)
            if ran is not None:
                self.runs += 1
                entry.runs += 1
                self.streaks[key] = 0
                self.last = entry
                if saved is not None:
                    self._verify(entry, saved, ran, args, kwargs)
                issue(entry.warned)
                return ran[0]
            why = why or self.last_capture
        if why == "a guard failed" and self.guarded:  # (which: found once it is captured)
            why = explaining.why_guard(*self.guarded)
        self.last_capture = why or self.last_capture
        return self._capture(key, args, kwargs, numbers, values)

    def _bounded(self, key: Any) -> None:
        """A call with a structure of arguments beyond the ``STRUCTURES`` kept, said once:
        why (what differs from the last structure captured) and what to do."""
        if self.bounded:
            return
        self.bounded = True
        last = next(reversed(self.programs))
        warnings.warn(f"{self.__name__}: {STRUCTURES} structures of arguments captured, a "
                      f"program kept for each (the last because {what_differs(last, key)}); "
                      "a call with another runs as the engine from now on. An object given "
                      "picks its program by identity, an int or a text by its value: give "
                      "the same object at every call, or the numbers that change as floats "
                      "or Values (a program's inputs)", ProgramWarning, stacklevel=3)

    # ------------------------------------------------------------------------- a run
    def _run(self, entry: Entry, numbers: list[Any], values: list[Value]) -> Any:
        program = entry.program
        replaced = ran.replaced(entry.functions, entry.caches,  # (autoreload, a cache
                                entry.registered, entry.rows,  # cleared, a class
                                entry.classes)  # registered
        # on an ABC, a row of the op table edited)
        if replaced:
            self.last_capture = replaced
            return None
        for node, then in entry.inner:  # (a node made outside, rewired since: a64m S6)
            field = reading.field_set_since(node, then, reading.WIRING)
            if field:
                self.last_capture = (f"a node made outside it ({explaining._value(node)}) "
                                     f"holds another {field} since the capture")
                return None
        if values and tuple([id(v) if id(v) in entry.outside_values else 0
                             for v in values]) != entry.alias:
            self.last_capture = ("a Value given is (or is no longer) one the function also "
                                 "reads from outside")
            return None
        inputs: tuple[Any, ...] = ()
        if entry.outside is not None:
            entry.outside.by_identity = ""  # (``aliased`` says it where that failed)
            failed, inputs = entry.outside.check()
            if failed != -1:
                self.last_capture = explaining.why_outside(entry, failed)
                self._learn(entry, failed)
                return None
        drawn: list[Any] = []
        saved = None
        if entry.draws is not None:
            saved = randomness.state()
            found = entry.draws.replay()
            if found is None:
                randomness.put_back(saved)
                self.last_capture = explaining.why_draw(entry.draws.failed)
                return None
            drawn = found
        if entry.plan:
            numbers = numbers + [inputs[k] if kind == "place" else drawn[k] if kind == "draw"
                                 else (reading.number_of(k) if j < 0 else
                                       reading.local_grads_of(k)[j])
                                 for kind, k, j in entry.plan]
        leaves = list(entry.leaves)
        for k, at in entry.arg_leaves:
            leaves[k] = values[at]
        count = len(program.tape.leaves)
        leaf_numbers = [reading.number_of(v) for v in leaves[:count]]
        try:
            found = program.function(leaf_numbers, [0.0] * count, numbers, 1.0) \
                if not entry.numpy else said_if_it_ran(program.function, leaf_numbers,
                                                       [0.0] * count, numbers, 1.0)
        except (ArithmeticError, ValueError):
            found = None
            self.last_capture = "a run raised an error: the function runs as the engine"
        if found is None:
            if saved is not None:
                randomness.put_back(saved)
            if not self.last_capture.startswith("a run raised"):
                self.last_capture = "a guard failed"
                self.guarded = self.guarded or (program.tape, leaf_numbers, numbers)
            return None
        out, outputs, grads = found
        for place, written in entry.writes:
            place.write(outputs[written] if isinstance(written, int) and
                        not isinstance(written, bool) else written[0])
        run = Run(entry, leaves, leaf_numbers, numbers, grads)
        return answers.answer(entry.answer, out, outputs, run), run

    def _as_engine(self, args: Any, kwargs: Any) -> Any:
        answer = self.function(*args, **kwargs)
        roots = answers.values_in(answer)
        if not roots:
            return answer
        return answers.engine_answer(answer, roots[0], EngineRun(roots[0]))

    # ------------------------------------------------------------------------- a capture
    def _capture(self, key: Any, args: Any, kwargs: Any, numbers: list[Any],
                 values: list[Value], back: frozenset[tuple[Any, ...]] = frozenset()) -> Any:
        self.captures += 1
        why = ""
        if self.captures > 1:
            why = self.last_capture or "another structure of arguments"
            self.why.append(why)
        self.last_capture = ""
        if why and key in self.programs and not self.warned:  # (a program of these
            self.warned = True  # arguments was not run: said the first time, with why)
            warnings.warn(f"{self.__name__}: captured again because {why}; said once: "
                          "explain() lists every capture", ProgramWarning, stacklevel=3)
        self.named.refresh()  # (a name bound to a list since: the structure again)
        names_held = self.named.ids()
        key, numbers, values = structure_of((args, kwargs), False, names_held)
        record = Recording()
        record.given_values = {id(v) for v in values}
        copies = Copies()
        made: dict[int, Any] = {}  # (the copies, by the id of the list given)
        traced_args = as_traced((args, kwargs), iter(range(len(numbers))), numbers, record,
                                copies, made=made, named=names_held)
        watcher = Watcher(record, self.function, self.dynamic, back)
        try:
            for where, x in objects_given((args, kwargs), names_held):  # (objects given:
                watcher._root(("object", x, where), x)  # places too)
        except Freed as freed:  # (``places.FREED``: refused where the walk found it)
            raise RuntimeError(f"{self.__name__} cannot be captured as a program: {freed}") \
                from None
        for holder, label, steps, line in self.held.values():  # (found at a capture before)
            watcher.held(holder, label, steps, line)
        warned = Warned()  # (its warnings: issued again at every call, ``warned.py``)
        fixed: set[tuple[Any, ...]] = set()
        drawn = randomness.torch_draws()  # (PyTorch's draws: refused)
        streams = randomness.state()  # (put back where it is captured again at once: else
        # its draws were made twice, the engine's stream left behind)
        with watching():  # (no garbage collection while it runs: ``watching``)
            set_recording(record)
            try:
                with watcher, warned, drawn:
                    record.said = warned.said()
                    answer = self.function(*traced_args[0], **traced_args[1])
                    decimals_held(p.value for p in watcher.walk.places)  # (its context)
            except BaseException as err:
                set_recording(None)
                watcher.restore()
                said = _cleaned(watcher) or took_a_float_only(err, record.views) or asked(err)
                if said:
                    raise RuntimeError(f"{self.__name__} cannot be captured as a program: "
                                       f"{said}") from err
                if record.refused and isinstance(err, Exception):  # (what it refused made
                    # the error: ``xs.index(max(xs))`` of a NaN found by identity, ``nans.py``)
                    raise RuntimeError(f"{self.__name__} cannot be captured as a program: "
                                       f"{record.refused}") from err
                fixed = _not_inputs(err, watcher)
                if not fixed:
                    own = engines_words(err)  # (``len(z.data)``: the engine's error, its
                    if own is None:  # words: 'float', not the capture's number's class)
                        raise
                    raise own.with_traceback(err.__traceback__) from None
            finally:
                set_recording(None)
                watcher.restore()
                record.read_here.clear()  # (frames, and what they hold: not kept)
        late = held_late(watcher.walk.places, watcher.installed) if (
            watcher.identities or record.identities) else set()  # (``aliases.py``)
        if late:
            put_back(watcher)  # (what it wrote outside: as it was)
        if fixed or late:  # (captured again at once, those numbers guarded: each change a
            self.dynamic -= fixed  # capture; those one object with another number outside
            self.fixed |= fixed  # guarded in that capture only)
            randomness.put_back(streams)
            self.captures -= 1
            if why:
                self.why.pop()
            with _said_once():
                return self._capture(key, args, kwargs, numbers, values, back | late)
        if copies.changed(self.function):
            record.refused = record.refused or copies.changed(self.function)
        record.refused = record.refused or held_deeper(made, watcher.walk, watcher.codes,
                                                       names_held)
        tested_later(record, watcher.codes, watcher.stores)
        unpacked(record, watcher.codes)  # (``{*s, *t}`` of sets of Values made in the call)
        outside = Outside(watcher, record)
        for v, line in record.grad_writes:
            if id(v) not in record.made:  # (a Value from outside: the engine's call sets it)
                record.refused = record.refused or (
                    f"it sets the .grad of a Value made outside it (a program does not set "
                    f"it again), at {line}; zero the gradients before calling the compiled "
                    "function")
        if record.refused:
            raise RuntimeError(f"{self.__name__} cannot be captured as a program: "
                               f"{record.refused}")
        for place, written in outside.writes:  # (a number it changes: an input at once)
            before = outside.watcher.start.get(place_slot(place), MISSING)
            if isinstance(written, Traced) or (place.kind == "number" and
                                               type(before) in (int, float, bool)):
                self.dynamic.add(place.key())
        functions, memoized, named = ran.functions(  # (the learner's code that ran, and
            ((c, g) for c, g in watcher.codes.items()  # the engine's, where it is held)
             if user_code(c) or engines_code(c)),
            [self.function, *(cell.cell_contents for cells in watcher.cells.values()
                              for cell in cells or () if _filled(cell))])
        within = ran.guard_named(watcher, named, functions)  # (a method or a module's
        # function rebound; a partialmethod's keywords changed)
        for v, line in record.default_labels.values():  # (``p.label`` of one with none: it
            if not any(v is given for given in values):  # stays so; an argument's picks
                watcher.held(v, explaining._value(v), (("attr", "label"),), line)  # its own)
        for v, name, line in record.names_missing.values():  # (a name a Value lacked, asked:
            if not any(v is given for given in values):  # it stays missing; an argument's
                watcher.held(v, explaining._value(v), (("attr", name),), line)  # its own)
        try:
            with no_collection():
                entry, result = build(self.__name__, answer, record, outside, len(numbers),
                                       (args, kwargs), values, self.native)
        except Unwired as unwired:  # (a number read at every call that the graph took by
            put_back(watcher)  # another route: guarded from now on, captured again at once)
            randomness.put_back(streams)
            self.dynamic -= unwired.keys
            self.fixed |= unwired.keys
            self.captures -= 1
            if why:
                self.why.pop()
            self.last_capture = why.replace(" (a number: read at every call from now on)",
                                            "") + " (a number the function took by another " \
                "route: guarded, each change captured again)"
            with _said_once():
                return self._capture(key, args, kwargs, numbers, values, back | unwired.keys)
        entry.functions = functions + [kept for kept in own_ops.READ.values()
                                       if all(kept[0] is not g for g, _ in functions)]
        entry.warned = warned.kept_but(record.said_by_steps)  # (the program says its own)
        entry.caches = ran.cache_state(memoized)
        filled = ran.computed(memoized, watcher.codes)  # (a cache filled: the engine's next
        if filled:  # call takes from it what this one computed; no program kept)
            self.last_capture = (f"{filled} (memoized: functools.lru_cache, functools.cache) "
                                 "computed in the capture before, and its cache holds it now")
        for holder, label, steps, line in [*outside.held, *within]:
            self.held.setdefault((id(holder), steps), (holder, label, steps, line))
        own_ops.changed_after(record)  # (what it read, changed after it was applied)
        if record.own:  # (an op of one's own drew or wrote: ``own_ops.py``; as the engine)
            self.engine_keys.add(key)
            self.as_engine.setdefault(f"{'; '.join(record.own)}: these arguments run as "
                                      "the engine")
            warnings.warn(f"{self.__name__}: {own_ops.said(record.own)}", ProgramWarning,
                          stacklevel=3)
        for said in record.effects:
            if said not in self.said:
                self.said.add(said)
                warnings.warn(f"{self.__name__}: {said}", ProgramWarning, stacklevel=3)
        if outside.changed:  # (a program would not change it again: no program kept, the
            # next call captured again, as the engine changes it: ``xs.reverse()`` twice)
            self.last_capture = (f"it changes {outside.changed[0]}, which a program does not "
                                 "change again")
        kept = self.programs.setdefault(key, [])
        if filled:  # (programs that took a number from its cache: not run again)
            kept[:] = [e for e in kept if not any(m in memoized for m, _ in e.caches)]
        kept.extend([] if filled or record.own or outside.changed else [entry])
        self.last = entry
        del kept[:-self.keep]
        streak = self.streaks.get(key, 0) + 1 if why and "from now on" not in why else 0
        self.streaks[key] = streak
        if streak >= 4:  # (captured again and again, no program ever run again)
            self.engine_keys.add(key)
            self.as_engine.setdefault("kept")
            warnings.warn(f"{self.__name__}: captured {streak + 1} times in a row, no program "
                          f"run again (the last because {why}); it runs as the engine for "
                          "these arguments from now on (explain() says more)",
                          ProgramWarning, stacklevel=3)
        issue(warned.kept)
        return result

    def _learn(self, entry: Entry, failed: int) -> None:
        """A place whose number changed is an input of every capture from now on."""
        place = explaining.failed_place(entry, failed)
        if place is not None and entry.outside is not None and \
                not entry.outside.by_identity:  # (one object, or not: no input for that)
            if place.kind == "number" and place.key() in self.dynamic:  # (guarded in that
                self.last_capture += (" (guarded, each change captured again: one object "
                                      "with another number outside when captured, or a "
                                      "base class's number read through a subclass)")
            elif place.kind == "number" and bool not in (type(place.value), type(
                    place.read())) and place.key() not in self.fixed:
                self.dynamic.add(place.key())  # (a bool stays guarded: ``FLAG is True``)
                self.last_capture += " (a number: read at every call from now on)"

    # ------------------------------------------------------------------------- verify=
    def _verify(self, entry: Entry, saved: _Saved, ran: Any, args: Any, kwargs: Any) -> None:
        self.checked += 1
        verify(self, entry, saved, ran, args, kwargs, answers.outputs_of)


@contextlib.contextmanager
def _said_once() -> Iterator[None]:
    """A capture made again at once: what the function prints on ``sys.stdout`` that time
    is dropped, the first attempt having printed it as the engine's call does (before:
    twice, "a step" printed two times at that call: the fuzzer's seed 6009), as its random
    draws are put back. (Not ``sys.stderr``, where Python's warnings go: a native build's
    "runs as Python" is said at that capture alone.)"""
    with contextlib.redirect_stdout(_Dropped()):
        yield


class _Dropped:
    """A stream that keeps nothing (``_said_once``)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


class _Saved:
    """What a call changes, saved before it for ``verify=``: the random streams, the places
    the program writes, and its leaves' gradients."""

    def __init__(self, entry: Entry) -> None:
        self.streams = randomness.state()
        self.places = [(place, place.read()) for place, _ in entry.writes]


def _not_inputs(err: BaseException, watcher: Watcher) -> set[tuple[Any, ...]]:
    """The places whose numbers, read at every call (inputs), met Python's code that takes a
    number of its own only, through an object's ``__float__`` (``__index__``, ``__int__``)
    that returned the capture's (``float(LR)`` where ``LR.v`` changed, ``math.log(LR)``):
    ``TypeError: Lr.__float__ returned non-float (type Traced)``, where the engine gives a
    number. They are no inputs from then on: guarded, each change captured again."""
    if type(err) is not TypeError or "returned non-" not in str(err) or \
            "(type Traced)" not in str(err):
        return set()
    installed = [place for place, _, _ in watcher.installed]
    held = [p for p in installed if p.parent is not None and any(
        hasattr(type(p.parent.value), name) for name in ("__float__", "__index__", "__int__"))]
    return {p.key() for p in held or installed}


def _cleaned(watcher: Watcher) -> str | None:
    """``left.clean`` after a capture that raised; where it asks a ``__getattr__`` of the
    learner's that raises (a ``KeyError``, ``asking.asked``), why, said in place of the error."""
    try:
        clean(watcher)
    except Exception as err:
        said = asked(err)
        if said is None:
            raise
        return said
    return None
