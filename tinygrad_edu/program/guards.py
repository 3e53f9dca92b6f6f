"""The guards of a captured program on the places outside its function (``places.py``), as
one function made as Python source (as fast as a program's): every place checked by
identity (a number and a constant by their value), a list of Values at once, the checks
chained with ``or``; where a chain fails, ``Outside.exact`` looks again one place at a time.
It returns the numbers the program reads at every call (its inputs from outside)."""

from __future__ import annotations

import operator
import weakref
from array import array
from collections.abc import Callable
from keyword import iskeyword
from typing import Any

from tinygrad_edu.program.aliases import is_number, number_held, pattern
from tinygrad_edu.program.kinds import numbers_of
from tinygrad_edu.program.places import (
    MISSING,
    Place,
    buffer_of,
    deref,
    getvalue,
    item,
    names_held,
    names_of,
    own,
    state_of,
    tell,
    walked_key,
)
from tinygrad_edu.program.reading import has_dict, own_names
from tinygrad_edu.program.seen import Standing
from tinygrad_edu.program.states import exact_keys
from tinygrad_edu.program.traced import Traced, value_of

__all__ = ["changed", "checks", "item_of", "names_held", "names_in_order", "names_of",
           "same_array", "same_names", "stands_for"]

_COMPILED: dict[str, Any] = {}


IDENTITY = ("value", "sequence", "dict", "set", "array", "object", "class", "module",
            "function", "method", "opaque", "iterator", "generator")
"""What a guard checks by identity (a number and a constant by their value)."""
CONTAINERS = ("sequence", "dict", "set", "array")
"""What is checked beyond its identity: its length and items, an array's numbers."""


def checks(outside: Any, graph_values: set[int]) -> tuple[Callable[[], Any], str]:
    """The guards and inputs as one function (made as Python source, as fast as a
    program's): ``check()`` is ``(-1, inputs)`` where every guard holds, else ``(k, None)``:
    ``outside.failed`` is the place that is not as it was. A place checked by identity is
    read through its constant from then on, a list of such places is checked at once, and
    the checks are chained with ``or`` (a number by identity first; where a chain fails,
    ``Outside.exact`` checks it again one place at a time, a number by its value)."""
    places = outside.walk.places
    inputs = {id(p) for p in outside.inputs}
    names: dict[str, Any] = {"MISSING": MISSING, "is_": operator.is_,
                             "exact": outside.exact}
    keep: list[Place] = []
    needed = _needed(places, graph_values, inputs)
    fixed: set[int] = set()  # (places whose identity is checked: read as K{k})
    covered: set[int] = set()  # (lists whose items' identities are checked at once)
    checks: list[tuple[Place, str, str]] = []  # (place, what is checked, the condition)

    weak: set[int] = set()  # (places a weak reference reaches: held weakly, read as K{k}())

    def ref(place: Place) -> str:
        if place.index in weak:
            return f"K{place.index}()"
        return f"K{place.index}" if place.index in fixed else f"v{place.index}"

    def read(place: Place) -> str:
        step, k = place.step, place.index
        if step[0] == "global":
            names[f"D{k}"] = step[1]
            return f"D{k}.get({step[2]!r}, MISSING)"
        if step[0] == "cell":
            names[f"C{k}"] = step[1]
            return f"C{k}.cell_contents"
        parent = ref(place.parent)  # type: ignore[arg-type]
        if step[0] == "attr" and place.value is MISSING:  # (a slot not set)
            return f"getattr({parent}, {step[1]!r}, MISSING)"
        if step[0] == "attr":
            return f"{parent}.{step[1]}" if step[1].isidentifier() and not iskeyword(
                step[1]) else \
                f"getattr({parent}, {step[1]!r})"
        if step[0] == "own":  # (a class's descriptor)
            names["own"] = own
            return f"own({parent}, {step[1]!r})"
        if step[0] == "get":  # (a ContextVar's)
            return f"{parent}.get(MISSING)"
        if step[0] == "asked":  # (a setting's text: ``settings.py``)
            return f"{parent}.get()"
        if step[0] == "getvalue":  # (a stream in memory's text)
            names["getvalue"] = getvalue
            return f"getvalue({parent})"
        if step[0] == "tell":  # (its position)
            names["tell"] = tell
            return f"tell({parent})"
        if step[0] == "deref":  # (what a weak reference refers to)
            names["deref"] = deref
            return f"deref({parent})"
        key = repr(step[1])
        if type(step[1]) not in (str, int, bool, bytes) and step[1] is not None:
            key = f"Y{k}"  # (a float, a tuple, an object: the key itself)
            names[key] = step[1]
        if not plain_items(place.parent.value):  # type: ignore[union-attr]
            names["item"] = item  # (a list or dict of its own class: as it holds it)
            return f"item({parent}, {key})"
        return f"{parent}[{key}]"

    for place in places:
        if id(place) not in needed or id(place) in inputs:
            continue
        k = place.index
        parent = place.parent
        names[f"K{k}"] = place.value
        if place.step[0] == "object":  # (an object given, or the function's own: itself,
            fixed.add(k)  # its contents checked where it holds some, as a set or an array)
            if place.kind not in CONTAINERS:
                continue
        elif parent is not None and parent.index in covered and place.kind in IDENTITY:
            fixed.add(k)  # (its list was checked item by item at once: it is this one)
            if place.kind not in CONTAINERS:
                continue  # (a container in it may have grown all the same: checked below)
        elif _held_weakly(place):  # (``R()``, ``REG["a"]``: the object it
            names[f"K{k}"] = weakref.ref(place.value)  # refers to, not kept alive by the
            checks.append((place, "is", f"(K{k}() is None or {read(place)} is not K{k}())"))
            weak.add(k)  # program: gone, captured again; before, ``R()`` lived on, a64s)
            fixed.add(k)
        elif place.kind == "function":  # (or a capture's stand-in for it: another thread's)
            names["stands_for"] = stands_for
            checks.append((place, "is", f"not stands_for({read(place)}, K{k})"))
            fixed.add(k)
        else:
            differs = "!=" if type(place.value) in (str, bytes) else "is not"  # (a text is
            checks.append((place, "is", f"{read(place)} {differs} K{k}"))  # read anew)
            if place.kind in ("number", "constant"):
                continue
            fixed.add(k)
        if place.kind in ("sequence", "dict", "set"):
            length = place.held if place.kind != "set" else len(place.held)
            checks.append((place, f"len {length}", f"len(K{k}) != {length}"))
        if place.kind == "dict":  # (the same keys in another order: values() and zip() differ)
            if all(type(n) is str for n in place.order or ()):
                names[f"O{k}"] = place.order
                checks.append((place, "order", f"tuple(K{k}) != O{k}"))
            else:  # (1, 1.0 and True, or 0.0 and -0.0: one key to a dict, not to the code)
                names[f"O{k}"], names["exact_keys"] = exact_keys(place.order), exact_keys
                checks.append((place, "order", f"exact_keys(K{k}) != O{k}"))
        if place.kind == "sequence" and place.children and \
                all(c.kind in IDENTITY or c.kind == "number" for c in place.children) and \
                not any(id(c) in inputs for c in place.children):
            names[f"L{k}"] = tuple(c.value for c in place.children)
            checks.append((place, "items", f"not all(map(is_, K{k}, L{k}))"))
            if all(c.kind in IDENTITY for c in place.children):
                covered.add(k)
        elif place.kind == "set":
            names[f"L{k}"] = place.held
            checks.append((place, "items", f"not all(map(is_, K{k}, L{k}))"))
        elif place.kind == "array":
            names[f"A{k}"] = place.held
            checks.append((place, "array", f"not same_array(K{k}, A{k})"))
            names["same_array"] = same_array
    for place in places:  # (a class, a module whose names were taken whole, ``vars(HP)``:
        if place.kind in ("class", "module") and id(place.value) in outside.taken_whole \
                and id(place) in needed:  # their order as the call started, ``Place``;
            # ``del HP.lr; HP.lr = v``: a64s)
            names[f"O{place.index}"], names["names_in_order"] = place.order, names_in_order
            checks.append((place, "names in order",
                           f"names_in_order(K{place.index}) != O{place.index}"))
        elif place.kind in ("class", "module") and id(place.value) in outside.walk.seen and \
                id(place) in needed:  # (a name added, or taken away, seen:
            # ``getattr(Config, "decay", 1.0)``, ``hasattr``; against the names it held as
            # the call started, ``Place``: one the call gave, a lazy counter, seen at the
            # next call, a64e F2; Python's own ``__slotnames__`` added: let be)
            names[f"N{place.index}"], names["names_held"] = place.held, names_held
            checks.append((place, "names", f"names_held(K{place.index}) != N{place.index}[0]"))
    named: set[int] = set()
    for place in places:  # (a Value: a name of the learner's given it, or taken away, seen:
        if place.kind != "value" or id(place.value) in named or (  # ``hasattr(p, "frozen")``,
                f"K{place.index}" not in names and not (  # ``B.wd`` over a mixin's default;
                    place.parent is not None and id(place.parent) in needed and  # one in a
                    (has_dict(place.value) or hasattr(type(place.value), "__getattr__")))):
            continue  # list: where it has a ``__dict__``, as ``"frozen" in vars(p)`` makes,
            # or its class a ``__getattr__``; a64c's f8, f6)
        named.add(id(place.value))
        names[f"K{place.index}"] = place.value
        names[f"N{place.index}"], names["own_names"] = place.held, own_names
        checks.append((place, "own names", f"own_names(K{place.index}) != N{place.index}"))
    for place in places:  # (an object a capture does not look into: what it holds, checked;
        if place.kind in ("opaque", "generator") and place.held is not None and \
                id(place) in needed and \
                f"K{place.index}" in names:  # one the capture changed fails each time)
            names[f"S{place.index}"], names["state_of"] = place.held, state_of
            checks.append((place, "state", f"state_of(K{place.index}) != S{place.index}"))
    lines = ["def check():", "    try:"]
    outside.chains = []
    for start_at in range(0, len(checks), 40):
        chain = checks[start_at:start_at + 40]
        outside.chains.append([(place, what) for place, what, _ in chain])
        g = len(outside.chains) - 1
        lines.append(f"        if ({' or '.join(c for _, _, c in chain)}) and exact({g}): "
                     "return 0, None")
    for place in places:  # the inputs, read once every guard held
        if id(place) in inputs and id(place) in needed:
            k = place.index
            names[f"T{k}"] = type(place.value if not isinstance(place.value, Traced)
                                  else value_of(place.value))
            lines.append(f"        v{k} = {read(place)}")
            lines.append(f"        if type(v{k}) is not T{k}: return {k}, None")
            keep.append(place)
    if outside.identities:  # (the code tests numbers by identity: which are one object,
        numbers = [p for p in places if id(p) in needed and (  # Values' numbers too)
            is_number(p) or (p.kind == "value" and id(p.value) in graph_values))]
        if len(numbers) > 1:
            outside.numbers = numbers
            names["pattern"], names["aliased"] = pattern, outside.aliased
            outside.pattern = pattern([number_held(p) for p in numbers])
            read_now = ", ".join(f"v{p.index}" if id(p) in inputs else f"{read(p)}._data"
                                 if p.kind == "value" else read(p) for p in numbers)
            ones = " and ".join(f"now[{k}] is now[{j}]" for k, j in enumerate(
                outside.pattern) if j != k)  # (those that were one object: still one)
            names["D"] = len(set(outside.pattern))  # (and no more are one object)
            lines.append(f"        now = ({read_now},)")
            ones = f" or not ({ones})" if ones else ""
            lines.append(f"        if len(set(map(id, now))) != D{ones}: "
                         "return aliased(pattern(now)), None")
    got = ", ".join(f"v{p.index}" for p in keep)
    lines.append(f"        return -1, ({got}{',' if keep else ''})")
    lines.append("    except (AttributeError, KeyError, IndexError, TypeError, ValueError, "
                 "ReferenceError):")  # (a ``weakref.proxy`` whose object was freed: a64s)
    lines.append("        return -2, None")
    text = "\n".join(lines) + "\n"
    code = _COMPILED.get(text)
    if code is None:  # (the same function captured again: the same text)
        if len(_COMPILED) > 64:
            _COMPILED.clear()
        code = _COMPILED[text] = compile(text, "<the guards of a program>", "exec")
    exec(code, names)
    outside.inputs = keep
    gone = {id(p.value) for p in places if p.index in weak}
    for place in places:  # (what a weak reference reached: held by no place from now on,
        if place.index in weak:  # nor as what a place held first)
            place.held, place.value = names[f"K{place.index}"], MISSING
    start = outside.watcher.start
    for slot in [slot for slot, held in start.items() if id(held) in gone]:
        start[slot] = MISSING
    return names["check"], text


def _held_weakly(place: Place) -> bool:
    """Whether ``place`` is reached through a weak reference (``R()``, an item of a
    ``weakref.WeakValueDictionary``) and what it holds can be referred to weakly."""
    if not (place.step[0] == "deref" or (place.step[0] == "item" and place.parent is not None
                                         and type(place.parent.value) is
                                         weakref.WeakValueDictionary)):
        return False
    try:
        weakref.ref(place.value)
    except TypeError:
        return False
    return True


def same_names(place: Place, now: Any) -> bool:
    """Whether a class or module holds the names it held (``names_held`` counted them, in
    ``place.held``; ``place.order``: which), but for Python's own (``__slotnames__``, that
    ``copy`` adds to a class; counted from then on)."""
    held = names_held(now)
    if held == place.held[0]:
        return True
    if {n for n in names_of(now) if not n.startswith("__")} != {
            n for n in place.order or () if not n.startswith("__")}:
        return False
    place.held[0] = held
    return True


def names_in_order(x: Any) -> tuple[str, ...]:
    """The names ``names_held`` counts, in their order."""
    return tuple(names_of(x))


def plain_items(holder: Any) -> bool:
    """Whether ``holder[key]`` reads what ``item`` reads (else a guard calls ``item``)."""
    return type(holder) in (list, dict, tuple) or not isinstance(holder, (list, dict, tuple))


def item_of(holder: Any, child: Place) -> Any:
    """What ``holder`` holds where ``child`` was (MISSING where nothing is)."""
    try:
        return item(holder, child.step[1])
    except (IndexError, KeyError, TypeError):
        return MISSING


def stands_for(x: Any, function: Any) -> bool:
    """Whether ``x`` is ``function`` or stands in for it while a capture runs (``math.tanh``,
    ``random.random``, ``seen.Standing``): a module another thread's capture watches holds
    its stand-in (before, captures in two threads at once: a capture refused, "it writes
    tanh to tanh"; a program's guard failed)."""
    return x is function or (isinstance(x, Standing) and x.stands_for is function)


def same_array(now: Any, then: Any) -> bool:
    """An array with the same shape, type and numbers to the bit (-0.0 not 0.0, a NaN's sign
    and payload its own; an array of objects by ``==``, NaN as NaN); a buffer (an
    ``array.array``, a ``memoryview``...) with the same typecode and bytes (``then``: the
    two, as ``Place.held`` keeps them); a Tensor of this package's by its NumPy array."""
    now = numbers_of(now)
    if type(then) is tuple:
        return (not then[0] or (isinstance(now, array) and now.typecode == then[0])) and \
            not hasattr(now, "dtype") and buffer_of(now) == then
    if getattr(now, "shape", None) != then.shape or now.dtype != then.dtype:
        return False
    if hasattr(then, "detach"):  # (PyTorch's: its bytes, as a flat view)
        return bool(_bytes_of(now).equal(_bytes_of(then)))
    if then.dtype.kind == "O":
        return bool(((now == then) | ((now != now) & (then != then))).all())
    if then.nbytes > 65536 and then.itemsize in (1, 2, 4, 8):  # (no copies of a big one)
        bits = f"u{then.itemsize}"
        return bool((now.view(bits) == then.view(bits)).all())
    return bool(now.tobytes() == then.tobytes())


def _bytes_of(tensor: Any) -> Any:
    """A PyTorch tensor's bytes, as a flat tensor of them."""
    import torch

    return tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8)


def _needed(places: list[Place], graph_values: set[int], inputs: set[int]) -> set[int]:
    """The places a guard reads: every number, constant and container, each Value of the
    graph, and every place on the way to one (other Values, functions and objects nobody
    reads into are left alone)."""
    needed: set[int] = set()
    for place in places:
        wanted = place.kind in ("number", "constant", "sequence", "dict", "set", "array",
                                "object", "class", "module", "function", "method", "opaque",
                                "iterator", "generator") or \
            (place.kind == "value" and id(place.value) in graph_values) or id(place) in inputs
        if place.parent is not None and place.parent.vector and place.kind == "value" and \
                not any(id(c) in inputs for c in place.parent.children):
            wanted = id(place) in inputs  # (checked with its list, at once: where none of
            # its numbers is an input, ``[w, lr]`` with lr read at every call: each checked)
        if not wanted:
            continue
        p: Place | None = place
        while p is not None and id(p) not in needed:
            needed.add(id(p))
            p = p.parent
    return needed


def changed(place: Place, start: dict[tuple[Any, ...], Any], count: Any,
             replayed: set[tuple[Any, ...]]) -> bool:
    """Whether a container's items are not those it held (``count`` of them) at the start
    (but for numbers a program writes again; a dict's under the keys a walk takes: NumPy's
    ``{dtype: dtype}`` that ``np.std`` reads did not change)."""
    if not isinstance(count, int):
        return count is not None and tuple(place.value) != count
    try:
        items = list(place.value.items()) if place.kind == "dict" else list(
            enumerate(place.value)) if place.kind == "sequence" else None
    except TypeError:
        return False
    if items is None:
        return False
    if count != len(items):
        return True
    return any(start.get((id(place.value), ("item", k)), MISSING) is not v and
               (id(place.value), ("item", k)) not in replayed for k, v in items
               if place.kind != "dict" or walked_key(k))
