"""Asking a compiled function where its numbers come from (``Compiled.explain()``), and
checking it (``compile(f, verify=N)``: every N-th call runs the engine beside the program
and compares, bit for bit).

``explain()`` lists, for every program kept: its arguments (inputs, leaves bound at every
call, what picks the program), the places outside the function it reads (the leaves of the
graph by where they were found, the numbers guarded, the numbers read at every call), the
random draws, the numbers it writes, the guards with their lines, the constants it fixed and
the constants of unknown origin (each with the learner's line), what was refused or said,
and why each capture after the first was made.
"""

from __future__ import annotations

import math
import struct
import types
import weakref
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.graph import walk
from tinygrad_edu.program import randomness, reading
from tinygrad_edu.program.answers import loss_number
from tinygrad_edu.program.guards import names_of
from tinygrad_edu.program.learners_code import user_code
from tinygrad_edu.program.places import MISSING, global_name
from tinygrad_edu.program.program import failed_guard
from tinygrad_edu.program.settings import read_by_c
from tinygrad_edu.program.tape import NumberStep, Raises, Step
from tinygrad_edu.program.warned import said_if_it_ran

__all__ = ["AS_ENGINE", "ProgramMismatch", "explain", "failed_place", "unknown_numbers",
           "verify", "why_draw", "why_guard", "why_outside"]

AS_ENGINE = {
    "node": "a call given a node (a Value made by an op) runs as the engine: a program cannot "
            "pass gradients into the graph it came from",
    "no_grad": "a call under no_grad() runs as the engine (its nodes have no graph)",
    "beyond": "a call with a structure of arguments beyond those kept runs as the engine",
    "kept": "arguments captured again and again run as the engine (said when it began)"}
"""Why calls of a compiled function ran as the engine (``Compiled.as_engine``), as
``explain()`` says it."""


class ProgramMismatch(AssertionError):
    """``verify=``: a program's numbers differ from the engine's (the message says where)."""


def explain(compiled: Any) -> str:
    """The sources of a compiled function's numbers, as text (see the module's docstring)."""
    count = sum(len(v) for v in compiled.programs.values())
    lines = [f"{compiled.__name__}: {count} program(s) for {len(compiled.programs)} "
             f"structure(s); {compiled.captures} capture(s), {compiled.runs} run(s) as a "
             f"program, {compiled.engine_calls} call(s) as the engine"
             f"{f', {compiled.checked} checked against the engine' if compiled.checked else ''}"]
    if compiled.why:
        lines.append("captured again because:")
        lines += [f"  {k + 2}. {why}" for k, why in enumerate(compiled.why)]
    lines += [AS_ENGINE.get(why, why) for why in compiled.as_engine]
    if compiled.dynamic:
        lines.append("numbers read at every call (they changed once): " +
                     ", ".join(sorted(_said(key) for key in compiled.dynamic)))
    for entries in compiled.programs.values():
        for k, entry in enumerate(entries):
            lines += _entry(entry, k + 1)
    if compiled.said:
        lines.append("said at a capture (a program does not do it again):")
        lines += [f"  {said}" for said in sorted(compiled.said)]
    return "\n".join(lines)


def _said(key: tuple[Any, ...]) -> str:
    """A place's name as Python says it (``model.t``, ``box[0]``), from its key."""
    root = key[0]
    name = global_name(root[1], root[2]) if root[0] == "global" else \
        root[2] if len(root) > 2 else "?"
    attributes = False
    for step in key[1:]:
        if step == ("attr", "__dict__"):
            attributes = True
            continue
        if step in (("get",), ("getvalue",), ("tell",)):
            name += f".{step[0]}()"
            continue
        if step == ("asked",):
            continue
        if step == ("deref",):  # (what a weak reference refers to)
            name += "()"
            continue
        name += f".{step[1]}" if step[0] in ("attr", "own") or attributes else f"[{step[1]!r}]"
        attributes = False
    return name


def _entry(entry: Any, number: int) -> list[str]:
    tape = entry.program.tape
    program = entry.program
    kind = getattr(program, "kind", "Python")
    why = getattr(program, "reason", "")
    lines = [f"program {number}: {tape.nodes} nodes, run as {kind}"
             f"{f' ({why})' if why else ''}, {entry.runs} run(s)"]
    record = entry.record
    arguments = [o for o in record.inputs if o[0] == "arg"]
    if arguments:
        lines.append(f"  {len(arguments)} number argument(s): inputs of the program")
    if entry.arg_leaves:
        lines.append(f"  {len(entry.arg_leaves)} Value argument(s): leaves, bound at every "
                     "call")
    outside = entry.outside
    where = outside.walk.where if outside is not None else {}
    found, unknown = [], []
    given = {id(leaf) for k, leaf in enumerate(entry.leaves)
             if any(k == a for a, _ in entry.arg_leaves)}
    for _, leaf in tape.leaves:
        if id(leaf) in given:
            continue
        places = where.get(id(leaf))
        if places:
            found.append(places[0].said())
        else:
            unknown.append(_value(leaf))
    if found:
        lines.append(f"  leaves read at every call, guarded where found: {_some(found)}")
    if unknown:
        lines.append("  leaves of unknown origin (read by identity; verify= checks): "
                     f"{_some(unknown)}")
    if tape.inner or tape.read:
        lines.append(f"  nodes made before the capture (their numbers read at every call): "
                     f"{_some([_value(n) for _, n in [*tape.inner, *tape.read]])}")
    if outside is not None:
        numbers = [p for p in outside.walk.places if p.kind == "number"]
        inputs = {id(p) for p in outside.inputs}
        fixed = [f"{p.said()} = {p.value!r}" for p in numbers if id(p) not in inputs]
        read = [p.said() for p in outside.inputs]
        if fixed:
            lines.append(f"  numbers from outside, guarded to stay the same: {_some(fixed)}")
        texts = [f"{p.said()} = {p.value!r}" for p in outside.walk.places
                 if type(p.value) is str and _number_in(p.value) is not None and
                 p.step != ("asked",)]
        every = {asked.label for asked in read_by_c()}  # (at every capture: not said)
        settings = [p.said() for p in outside.walk.places
                    if p.step == ("asked",) and p.said() not in every]
        if settings:
            lines.append(f"  settings read for the code, guarded to stay the same: "
                         f"{_some(settings)}")
        if texts:
            lines.append(f"  text of numbers from outside, guarded to stay the same: "
                         f"{_some(texts)}")
        if read:
            lines.append(f"  numbers from outside read at every call: {_some(read)}")
        if outside.walk.full:
            lines.append("  (more was reachable from outside than a capture walks: the rest "
                         "is not guarded; verify= checks)")
    if entry.draws is not None:
        lines.append("  random draws, made again at every call:")
        lines += [f"    {draw!r}" for draw in entry.draws.calls]
    for place, written in entry.writes:
        what = "the program's number" if isinstance(written, int) else repr(written[0])
        lines.append(f"  writes {place.said()} = {what} at every call")
    branches = [c for c in tape.guards if c.op != "same"]
    constants = [c for c in tape.guards if c.op == "same"]
    if branches:
        lines.append("  branches guarded (taken again, or captured again):")
        lines += [f"    {c.where}" for c in dict.fromkeys(branches)]
    if constants:
        lines.append("  numbers fixed where they were used (guarded to the bit):")
        lines += [f"    {where}" for where in dict.fromkeys(c.where for c in constants)]
    raised = [s for s in tape.steps if isinstance(s, Raises)]
    if raised:
        lines.append("  operations that raised and were caught (they must raise again):")
        lines += [f"    {s.where}" for s in raised]
    odd = _unknown_constants(entry)
    if odd:
        lines.append("  constants of unknown origin (not in the code that ran, nor found "
                     "outside; verify= checks):")
        lines += [f"    {c}" for c in odd]
    return lines


def _value(v: Value) -> str:
    label = reading.label_of(v)
    return f"Value({reading.number_of(v)!r}{f', label={label!r}' if label else ''})"


def _some(items: list[str], most: int = 8) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _unknown_constants(entry: Any) -> list[str]:
    """The tape's constants of unknown origin (``unknown_numbers``), with the learner's line
    of the node that used them."""
    lines = entry.record.lines
    found = [f"{number!r}, at {lines.get(id(node), 'a line not known')}"
             for number, node in unknown_numbers(entry.program.tape, entry.outside)]
    return list(dict.fromkeys(found))


def unknown_numbers(tape: Any, outside: Any, by_value: bool = True) -> list[tuple[Any, Any]]:
    """The tape's constants that are neither literals of the code that ran nor found at a
    place outside (nor held by a guarded array or text), each with the node that used it.
    ``by_value``: a number equal to a literal (or 0.0, 1.0, -1.0, as the engine's own ops
    make) is taken for one (what ``explain()`` lists); else only that very object is (what
    ``held.py`` looks for: ``box = [1.0]`` reached where no walk leads)."""
    literals: set[tuple[type, Any]] = set()
    objects: set[int] = set()
    codes = outside.watcher.codes if outside is not None else {}
    stack = [c for c in codes if user_code(c)]
    while stack:
        code = stack.pop()
        for c in code.co_consts:
            if isinstance(c, types.CodeType):
                stack.append(c)
            elif type(c) in (int, float):
                literals.add((type(c), c))
                literals.add((float, float(c)))
                objects.add(id(c))
    where = outside.walk.where if outside is not None else {}
    held = _held_numbers(outside)
    return [(number, node) for number, node in tape.origins.values()
            if not (id(number) in objects or id(number) in where or _found_in(number, held) or
                    (by_value and _hashable(number) and ((type(number), number) in literals
                                                         or number in (0.0, 1.0, -1.0))))]


def _hashable(number: Any) -> bool:
    """Whether a constant can be looked up among literals (not a 0-d NumPy array: an item
    of an int array given, compared with a number read, raised TypeError: unhashable)."""
    try:
        hash(number)
    except TypeError:
        return False
    return True


def _found_in(number: Any, held: set[Any]) -> bool:
    """Whether ``number`` is one of the numbers ``held`` (by its bits): a NumPy number (a 0-d
    array too, as ``min(cfg.scale, np.tanh(2.0))`` keeps) by its float."""
    if getattr(number, "shape", None) == () and hasattr(number, "item"):
        number = number.item()
    try:
        return _bits(number) in held
    except TypeError:  # (an unhashable constant: not a number held)
        return False


def _number_in(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _held_numbers(outside: Any) -> set[Any]:
    """The numbers held where a guard checks them by what they are, not by identity: an
    array's (``array.array``, NumPy's), a number's text (``os.environ['LR']``)."""
    found: set[Any] = set()
    for place in outside.walk.places if outside is not None else ():
        if place.kind == "array" and type(place.held) is tuple:  # (a buffer's bytes, as
            data = place.held[1][:80_000]  # doubles and floats at every offset)
            for size, code in ((8, "<d"), (4, "<f")):
                for at in range(0, len(data) - size + 1, size):
                    found.add(_bits(struct.unpack_from(code, data, at)[0]))
        elif place.kind == "array":
            value = place.held  # (its numbers as they were at the capture)
            if (value.size if type(value.size) is int else value.numel()) <= 10_000:
                found.update(_bits(x) for x in value.ravel().tolist() if type(x) is float)
        elif type(place.value) is str and _number_in(place.value) is not None:
            found.add(_bits(_number_in(place.value)))
    return found


# ----------------------------------------------------------------------------- why a capture
def failed_place(entry: Any, failed: int) -> Any:
    """The place whose guard failed."""
    outside = entry.outside
    if outside is None or failed in (-1, -2):
        return None
    return outside.failed if failed == 0 else outside.walk.places[failed]


def why_outside(entry: Any, failed: int) -> str:
    """Which place outside the function is not as it was, and the line that read it."""
    place = failed_place(entry, failed)
    if place is None or entry.outside is None:
        return "a place outside the function is not there any more"
    line = _taken_at(entry, place) or entry.outside.watcher.line_of(place)
    shown = f", read at {line}" if ": " in line else ""  # (where its code is known)
    return f"{entry.outside.by_identity or _changed(place)}{shown}"


def _taken_at(entry: Any, place: Any) -> str:
    """The learner's line of the one node that took the very number a place held (``args.wd
    * W`` for ``args.wd``), where there is one; else '' (the line that read its holder is
    said: ``Watcher.line_of``). Before (a64f's L3), the line that first read ``args``."""
    tape = getattr(getattr(entry, "program", None), "tape", None)
    if place.kind != "number" or tape is None:
        return ""
    lines = entry.record.lines
    found = {lines[id(node)] for number, node in tape.origins.values()
             if number is place.value and id(node) in lines}
    return found.pop() if len(found) == 1 else ""


def _changed(place: Any) -> str:
    """What is not as it was at a place: an item or attribute added, named; else the place."""
    now = place.read()
    if place.value is MISSING and isinstance(place.held, weakref.ref) and place.held() is None:
        return f"the object {place.said()} reached was freed"  # (held weakly: guards.py)
    if place.kind == "dict" and isinstance(now, dict):
        walked = {c.step[1] for c in place.children}  # (the keys a walk names)
        added = [k for k in now if k not in walked and (type(k) in (str, int) or k is None)]
        if added and place.step == ("attr", "__dict__") and place.parent is not None:
            return f"{place.parent.said()} was given the attribute {added[0]!r}"
        if added:
            return f"{place.said()} was given the item {added[0]!r}"
        if place.order is not None and tuple(now) != place.order:
            return f"{place.said()} holds its keys in another order"
    if place.kind in ("class", "module") and place.order is not None and now is place.value:
        then = set(place.order)
        added = [n for n in names_of(now) if n not in then]
        if added:  # (a name that was missing when the function fell back on it)
            owner = next((c for c in getattr(now, "__mro__", ()) if added[0] in vars(c)), now)
            base = f" (through its base class {owner.__name__})" if owner is not now else ""
            return f"{place.said()} was given the attribute {added[0]!r}{base}"
        if set(names_of(now)) == then:  # (``del HP.lr; HP.lr = v``: ``vars(HP)`` in order)
            return f"{place.said()} holds its names in another order"
        return f"{place.said()} lost an attribute"
    if place.step[0] == "attr" and place.value is MISSING and now is not MISSING and \
            place.parent is not None:  # (a name found missing, given since)
        return f"{place.parent.said()} was given the attribute {place.step[1]!r}"
    if place.kind == "value" and now is place.value:  # (a name of the learner's given
        added = [n for n in reading.own_names(now) if n not in place.held]  # it, or taken away)
        return f"{place.said()} was given the attribute {added[0]!r}" if added else \
            f"{place.said()} lost an attribute" if reading.own_names(now) != place.held else \
            f"{place.said()} is not what it was"
    if place.kind == "generator" and now is place.value:  # (its state read: states.py)
        return f"{place.said()}, a random generator, has been drawn from since the capture"
    return f"{place.said()} is not what it was"


def why_draw(draw: Any) -> str:
    """A random draw that picks (a choice, an int) came out otherwise, or a generator's
    state read is not what it was, and its line."""
    if getattr(draw, "name", "") in ("getstate", "get_state"):
        return (f"{draw.where}.{draw.name}() gives another state (a state read is guarded to "
                f"stay the same), at {draw.line}")
    return f"a random draw that picks came out otherwise, at {getattr(draw, 'line', '?')}"


def why_guard(tape: Any, leaves: list[Any], numbers: list[Any]) -> str:
    """Which guard failed (its line): the program is run again as Python to find it."""
    try:
        where = said_if_it_ran(failed_guard, tape, leaves, numbers, said=False)  # (NumPy's
    except (ArithmeticError, ValueError):  # warnings: said by the capture that follows)
        where = None
    return f"a guard failed at {where}" if where else "a guard failed"


# ----------------------------------------------------------------------------- verify=
def _bits(x: Any) -> Any:
    if type(x) is float:
        return "nan" if x != x else struct.pack("<d", x)
    return (type(x), x)


def verify(compiled: Any, entry: Any, saved: Any, ran: Any, args: Any, kwargs: Any,
           outputs_of: Any) -> None:
    """The engine run beside a program's run on the same numbers (the random streams and the
    places the program wrote put back first, the gradients kept aside), compared bit for
    bit; a ``ProgramMismatch`` names the first number that differs and its likely source."""
    answer, run = ran
    after = randomness.state()
    written = [(place, place.read()) for place, _ in entry.writes]
    randomness.put_back(saved.streams)
    for place, held in saved.places:
        place.write(held)
    result, made = _made_in(compiled.function, args, kwargs)
    mine = outputs_of(result)
    root = next((v for v in mine if isinstance(v, Value)), None)
    if root is None:
        raise ProgramMismatch(f"{compiled.__name__}: the engine's run returned no Value")
    leaves = [n for n in walk(root) if reading.is_leaf(n)]
    held = [(leaf, leaf.grad) for leaf in leaves]
    program_leaves = run.leaves[:len(entry.program.tape.leaves)]
    kept = [(leaf, leaf.grad) for leaf in program_leaves]
    try:
        for leaf in leaves:
            leaf.grad = 0.0
        root.backward()
        engine = {id(leaf): leaf.grad for leaf in leaves}
    finally:
        for leaf, grad in held:
            leaf.grad = grad
        for leaf, grad in kept:
            leaf.grad = grad
    streams = randomness.state()
    randomness.put_back(after)
    for place, value in written:
        place.write(value)
    problems = []
    if _bits(reading.number_of(root)) != _bits(_number(answer)):
        problems.append(f"the loss: the engine's {reading.number_of(root)!r}, the "
                        f"program's {_number(answer)!r}")
    found = dict(zip(map(id, program_leaves), run.found))
    for leaf in leaves:
        theirs = engine.get(id(leaf), 0.0)
        ours = found.get(id(leaf))
        if ours is None:
            if theirs != 0.0 and id(leaf) not in made:  # (one made in the call: its
                # gradient is the call's own, seen by no caller)
                problems.append(f"{_value(leaf)} gets the gradient {theirs!r} from the engine, "
                                "and none from the program: a leaf it does not know")
        elif _bits(ours) != _bits(theirs):
            problems.append(f"the gradient of {_value(leaf)}: the engine's {theirs!r}, the "
                            f"program's {ours!r}")
    if streams[0] != after[0]:
        problems.append("the random stream: the engine drew other numbers")
    if problems:
        likely = _likely(entry)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ProgramMismatch(
            f"{compiled.__name__}: verify= found the program's numbers differ from the "
            f"engine's: {problems[0]}{more}. Likely source: {likely}. Run it uncompiled; "
            "Compiled.explain() lists every source")


def _made_in(function: Any, args: Any, kwargs: Any) -> tuple[Any, set[int]]:
    """``function``'s answer, and the leaves made while it ran (by their ``id``):
    ``watching.leaves_made``, where the capture's changes to Value are made and undone."""
    from tinygrad_edu.program import watching

    return watching.leaves_made(function, args, kwargs)


def _number(answer: Any) -> Any:
    return loss_number(answer)


def _likely(entry: Any) -> str:
    text = "\n".join(_entry(entry, 1))
    lines = text.splitlines()
    for marker in ("of unknown origin", "could not be placed", "more was reachable"):
        for k, line in enumerate(lines):
            if marker in line:  # (a heading ending in ':' names its first item)
                first = lines[k + 1].strip() if line.endswith(":") and k + 1 < len(lines) \
                    else ""
                return f"{line.strip()} {first}".strip()
    return "none listed (a source the capture does not know)"


_ = (math, NumberStep, Step)
