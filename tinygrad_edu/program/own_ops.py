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

import dis
import os
from collections.abc import Callable
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.ops import _BUILT_IN, _HIDDEN, OPS, edited
from tinygrad_edu.program.kinds import Asked
from tinygrad_edu.program.learners_code import learners_line
from tinygrad_edu.program.traced import Traced

__all__ = ["ENGINES", "built", "changed_after", "drawn_inside", "is_own", "said"]


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


def is_own(row: Any) -> bool:
    """Whether ``row`` is an op of one's own (or an engine's row edited since it was made)."""
    return _own(row)


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
    before = {id(p): p.read() for p in watcher.walk.places if p.kind == "number"} \
        if watcher is not None else {}
    functions = [getattr(row, "forward", None), *getattr(row, "rules", ())]
    cells = _cells(functions)
    why = _may_draw_or_write(functions, cells)
    if why:  # (one that draws or counts only sometimes did not at the capture: a64m S4)
        _noted(found, row.name, why)
    found.own_applied.append((row.name, watcher, before, cells,
                              [_contents(c) for c in cells], learners_line()))
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
    for name, watcher, before, cells, contents, line in found.own_applied:
        if any(_contents(c) is not x for c, x in zip(cells, contents)):
            _noted(found, name, "reads a variable changed after it was applied", line)
            continue
        for place in watcher.walk.places if watcher is not None else ():
            then = before.get(id(place), place)  # (a number read at every call: the
            then = then.value if isinstance(then, Traced) else then  # capture's stand-in)
            if then is not place and place.read() is not then:
                _noted(found, name, f"may read {place.said()}, changed after it was applied",
                       line)
                break
    found.own_applied.clear()


def _may_draw_or_write(functions: list[Any], cells: list[Any]) -> str:
    """Why an op's functions (or those their closures hold) may draw or write where a
    capture may not see it happen (on a branch not taken at the capture: ``x + gauss(...)
    if x > 0``, a count kept only sometimes): their code names a random draw, or sets a
    global, a closure's variable, an attribute or an item; else ''."""
    codes = [f.__code__ for f in [*functions, *(_contents(c) for c in cells)]
             if hasattr(f, "__code__")]
    while codes:
        code = codes.pop()
        codes += [c for c in code.co_consts if hasattr(c, "co_code")]
        if code.co_filename.startswith(_PACKAGE):  # (the row's own wrapping)
            continue
        drawn = _DRAWS.intersection(code.co_names)
        if drawn:
            return f"may draw random numbers ({sorted(drawn)[0]} in its code)"
        if _WRITES.intersection(code.co_code[::2]):
            return "may write outside its operands (its code sets a name, an attribute or an item)"
    return ""


_DRAWS = frozenset(("random", "gauss", "uniform", "normal", "normalvariate", "rand", "randn",
                    "randint", "randrange", "choice", "choices", "shuffle", "sample",
                    "getrandbits", "random_sample", "integers", "binomial", "standard_normal",
                    "default_rng", "permutation", "bernoulli", "betavariate", "expovariate"))
_WRITES = frozenset(dis.opmap[name] for name in (
    "STORE_GLOBAL", "STORE_DEREF", "STORE_ATTR", "STORE_SUBSCR", "DELETE_GLOBAL",
    "DELETE_DEREF", "DELETE_ATTR", "DELETE_SUBSCR") if name in dis.opmap)
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cells(functions: list[Any], depth: int = 3) -> list[Any]:
    """The closure cells of ``functions`` and of the functions those cells hold (an op's row
    wraps the learner's functions), ``depth`` levels down."""
    found: list[Any] = []
    for f in functions:
        inner = list(getattr(f, "__closure__", None) or ())
        found += inner
        if depth > 1:
            found += _cells([_contents(c) for c in inner if callable(_contents(c))], depth - 1)
    return found


def _contents(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # (empty)
        return _EMPTY


_EMPTY = object()


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
    return (f"{'; '.join(own)}: a program would do it again where the engine does not "
            "(other draws, another count); it runs as the engine for these arguments from "
            "now on. To compile it, keep the op's functions to their operands: draw or count "
            "in the function itself (followed: the engine's numbers)")
