"""Ops of one's own (``unary_op``, ``binary_op``) inside a capture. A program calls an op's
forward function and its rules itself, at every run, as the engine calls them at every call;
what they compute from their operands is theirs, and the capture does not follow it. One that
draws random numbers (a noise op, a dropout written as an op) or writes outside itself (a
count of its calls) cannot be a step of a program: a run that a guard stops after it, or a
capture again, would call it once more than the engine does (other draws, another count),
and the capture's following of its draws and writes would do them twice. So the capture
notes what such an op did (``built``), and the function runs as the engine for those
arguments, said once (``capture.py``), as PyTorch's ``torch.compile`` runs an
``autograd.Function`` with side effects eagerly (a graph break). An op of one's own applied
to plain numbers gives a plain number, which a program would keep as a constant while its
forward function reads what may change between calls (a temperature in a dict: before, the
engine's loss 0.0091 and the program's 0.0013 after the second change, silently; an
attacker's, a64j S2): refused, naming the line. And an op with a setting (``param``: its
``alpha``) called with the default: the op function's defaults are guarded to stay as they
are (``scale.__defaults__ = (1.5,)``, a schedule: captured again; before, the program kept
the capture's alpha, 2.0 where the engine gave 5.0, silently; a64j S3), as the engine's own
methods' defaults are (``settings.engines_defaults``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.ops import _BUILT_IN, _HIDDEN, OPS, edited
from tinygrad_edu.program.kinds import Asked
from tinygrad_edu.program.learners_code import learners_line
from tinygrad_edu.program.own_reads import (
    Looked,
    cells_of,
    contents,
    defaults_of,
    looked_at,
    same,
    shallow,
)
from tinygrad_edu.program.traced import Traced, value_of

__all__ = ["ENGINES", "READ", "built", "changed_after", "drawn_inside", "is_own", "new_capture",
           "reads_settings", "said"]


def _own(row: Any) -> bool:
    """Whether ``row`` is an op of one's own (not one of the engine's, by name and identity),
    or one of the engine's whose forward or rules were set since the engine made it
    (``OPS["tanh"].forward = noisy``: what it draws or writes is noted as an own op's is)."""
    name = getattr(row, "name", None)
    return not (name in _BUILT_IN and (OPS.get(name) is row or _HIDDEN.get(name) is row)) \
        or bool(edited(row))


ENGINES: set[Any] = set()
"""The engine's own rows met by this capture, as the engine made them (``built`` looks no
further: ``watching.py`` calls the builder itself for these, one call of Python's fewer for
each node a capture makes; emptied as a capture starts: a row edited between two is seen)."""


def new_capture() -> None:
    """A capture starts: the engine's rows met and what each op of one's own reads are
    asked anew (a row edited since; a helper its code names rebound, a notebook cell run
    again: a64p S3)."""
    ENGINES.clear()
    _LOOKED.clear()
    READ.clear()


def built(found: Any, builder: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``builder(*args)`` (the engine's node builder, ``args[0]`` the op's row) while a
    capture runs: for an op of one's own, what its functions write outside (a number found
    at a place of the capture's walk, changed) is noted in ``found.own``."""
    row = args[0]
    if not _own(row):
        ENGINES.add(row)
        return builder(*args)
    outer, found.in_op = found.in_op, row.name
    watcher = found.outside
    function: Any = getattr(row, "apply", None)  # (the op's function: ``ops.named``)
    if watcher is not None and getattr(function, "__defaults__", None):
        watcher.asked(Asked(lambda: repr((function.__defaults__, function.__kwdefaults__)),
                            f"the default of {row.name}'s setting (an op of your own)"),
                      ("defaults", id(function)))
    looked = _looked(row)
    if looked.effect:  # (one that draws or counts only sometimes did not at the capture)
        _noted(found, row.name, looked.effect)
    before = {id(p): _now(p) for p in watcher.walk.places if looked.settings or
              p.kind == "number"} if watcher is not None else {}
    if looked.settings:  # (what it may read, as it was: ``changed_after``)
        functions = [getattr(row, "forward", None), *getattr(row, "rules", ())]
        cells = cells_of(functions) + defaults_of(functions) + list(looked.names)
        found.own_applied.append((row.name, watcher, before, cells,
                                  [shallow(contents(c)) for c in cells], learners_line()))
    lent = _lent(watcher)
    try:
        made = builder(*args)
        if not isinstance(made, Value):
            found.refuse(f"it applies the op {row.name!r} (an op of your own) to plain numbers, "
                         "whose result a program would keep as a constant where its forward "
                         "function may read what changes between calls; apply it to a Value "
                         "(Value(x)), or compute the number outside the compiled function")
        return made
    finally:
        found.in_op = outer
        for place, number, traced in lent:  # (unchanged: the capture's stand-in again)
            if place.read() is number:
                place.write(traced, own=True)
        if watcher is not None:
            for place in watcher.walk.places:
                if place.kind == "number" and place.read() is not before.get(
                        id(place), place.value):
                    _noted(found, row.name, f"writes {place.said()}")
                    break
            if not outer:
                found_late, found.after_op = found.after_op, []
                watcher._install(found_late)


def changed_after(found: Any) -> None:
    """An op of one's own applied, and after it the function changed a number its walk found
    outside (``ALPHA[0] = 0.3``, a slope set per layer) or a variable the op's functions
    read (a closure's cell): noted in ``found.own``, the call run as the engine. A program
    runs the op's functions after the function's writes, where the engine ran them between
    (before: both layers at the last slope, silently; an attacker's, a64m S11)."""
    for name, watcher, before, cells, held, line in found.own_applied:
        if any(not same(shallow(contents(c)), x) for c, x in zip(cells, held)):
            _noted(found, name, "reads a variable changed after it was applied", line)
            continue
        for place in watcher.walk.places if watcher is not None else ():
            then = before.get(id(place), place.value)  # (found later: as found; a number
            then = value_of(then) if isinstance(then, Traced) else then  # read at every call:
            now = _now(place) if id(place) in before else place.read()  # the capture's
            # stand-in; a setting read anew, by value; an array by its bytes: a64p S5)
            if not same(now, then) and not (type(now) is type(then) and type(now) in
                                             _BY_VALUE and now == then):
                _noted(found, name, f"may read {place.said()}, changed after it was applied",
                       line)
                break
    found.own_applied.clear()


_BY_VALUE = (int, str, bytes, bool)


def _now(place: Any) -> Any:
    """What ``place`` holds now, to compare (``own_reads.same``): an array with its bytes."""
    held = place.read()
    return shallow(held, 1) if place.kind == "array" else held


def is_own(row: Any) -> bool:
    """Whether ``row`` is an op of one's own (or an engine's row edited since it was made)."""
    return _own(row)


def reads_settings(row: Any) -> bool:
    """Whether an op of one's own reads settings or may draw or write (``own_reads.py``)."""
    return _own(row) and _looked(row).settings


def _looked(row: Any) -> Looked:
    try:
        found = _LOOKED.get(row)
    except TypeError:  # (a row of a class of its own, unhashable)
        looked = looked_at([getattr(row, "forward", None), *getattr(row, "rules", ())])
        READ.update((id(f), (f, f.__code__)) for f in looked.read)
        return looked
    if found is None or found[0] is not row.forward or found[1] is not row.rules:
        found = _LOOKED[row] = (row.forward, row.rules, looked_at(
            [getattr(row, "forward", None), *getattr(row, "rules", ())]))
        if len(_LOOKED) > 256:
            _LOOKED.clear()
        READ.update((id(f), (f, f.__code__)) for f in found[2].read)
    return found[2]


READ: dict[int, tuple[Any, Any]] = {}
"""The functions of the learner's the ops of one's own this capture met read, each with its
code: a program guards them as it guards the code that ran (``ran.replaced``: a helper's
``__code__`` set after the capture, in a branch the capture did not take, a64r S4)."""


_LOOKED: dict[Any, tuple[Any, Any, Looked]] = {}


def _lent(watcher: Any) -> list[tuple[Any, Any, Any]]:
    """The numbers read at every call (a global setting, changed once: the capture follows
    it) put back at their places while an op of one's own runs, the capture's stand-ins
    after it: the op's functions are called by a program itself at every run, reading the
    number then, as the engine's call does (a64e's L3: computing with the stand-in, the op
    seemed to write the global it reads, and ran as the engine for good). One found first
    while it runs is not put there till after it (``outside.OutsideWatcher._install``)."""
    if watcher is None:
        return []
    lent = [(place, number, traced) for place, number, traced in watcher.installed
            if place.read() is traced]
    for place, number, _ in lent:
        place.write(number, own=True)
    return lent


def drawn_inside(found: Any, where: str, name: str) -> None:
    """A draw from ``random``'s or ``numpy.random``'s global generator (``where.name``),
    noted if an op of one's own draws it (``found.in_op``)."""
    if found.in_op:
        _noted(found, found.in_op, f"draws random numbers ({where}.{name})")


def _noted(found: Any, op: str, what: str, line: str = "") -> None:
    said = f"the op {op!r} (an op of your own) {what} at {line or learners_line()}"
    if said not in found.own:
        found.own.append(said)


def said(own: list[str]) -> str:
    """The warning that a function runs as the engine for its arguments, for what ops of
    one's own did (``found.own``)."""
    return (f"{'; '.join(own)}: a program calls the op's functions at every run, after the "
            "function's own steps, where the engine called them as it made each node (other "
            "draws, another count, a setting as it is then); it runs as the engine for these "
            "arguments from now on. To compile it, keep the op's functions to their operands, "
            "constants and math's functions: draw, count or read settings in the function "
            "itself (followed: the engine's numbers)")
