"""A compiled function's arguments as a capture reads them (``capture.py``): the structure
that picks the program (``structure_of``: types, lengths, ints, strings, objects by identity;
each Value a leaf, a node or a Value made under ``no_grad()``, its class (a subclass of
Value's has operators of its own), what code set on it, and which
earlier argument it is), the floats that are its inputs, the Values that are its leaves,
and the arguments as the function gets them while it is captured (``as_traced``: each
float a ``Traced`` input)."""

from __future__ import annotations

import dis
import linecache
import os
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.program import reading
from tinygrad_edu.program.asking import attribute, static
from tinygrad_edu.program.followed_arrays import drawn_array
from tinygrad_edu.program.learners_code import learners_line
from tinygrad_edu.program.numpy_numbers import (
    float_array,
    masked_array,
    numpy_array,
    numpy_float,
    of_numpy,
)
from tinygrad_edu.program.states import exact_key
from tinygrad_edu.program.traced import Recording

__all__ = ["Copies", "as_traced", "objects_given", "own_container",
           "structure_of", "what_differs"]


def structure_of(tree: Any, held_twice: bool = False, named: Any = frozenset()
                 ) -> tuple[Any, list[Any], list[Value]]:
    """A call's arguments: the structure that picks the program (types, lengths, ints,
    strings, objects by identity; each Value as a leaf, a node or a Value made under
    ``no_grad()``, and which earlier argument it is, if any; a list, tuple or dict held
    twice, ``held_twice``: looked for once every one was seen; one the function also names
    from outside, its id in ``named``: an object given, ``named.py``), the floats in order,
    the Values in order. The key's second item says whether a node was given."""
    numbers: list[Any] = []
    values: list[Value] = []
    seen: dict[int, int] = {}
    kept: list[Any] = []  # (every container, alive while the key is made: ids not reused)
    containers: dict[int, int] | None = {} if held_twice else None
    node_given = [False]

    def key_of(x: Any) -> Any:
        if type(x) is float:
            numbers.append(x)
            return float
        if isinstance(x, Value):
            first = seen.get(id(x))
            if first is not None:
                return ("same Value", first)
            seen[id(x)] = len(values)
            values.append(x)
            if not reading.is_leaf(x):
                node_given[0] = True
                return ("node",)
            kind: Any = ("no_grad",) if reading.made_without_graph(x) else Value
            if type(x) is not Value:  # (a subclass: its own operators, a program of its own)
                kind = (kind, type(x))
            attributes = reading.attributes_of(x)  # (x.label, x.weight: each its program)
            return (kind, tuple(sorted((k, _as_key(v)) for k, v in attributes.items()))) \
                if attributes else kind
        if own_container(x):  # (a list or dict of its own class: given as itself)
            return ("object", id(x))
        if isinstance(x, (list, tuple, dict)):
            if id(x) in named:  # (one the function names from outside: given as itself)
                return ("object", id(x))
            kept.append(x)
            if containers is not None:  # (one held twice: ``a[0] is a[1]``)
                first = containers.get(id(x))
                if first is not None:
                    return ("same container", first)
                containers[id(x)] = len(containers)
            if isinstance(x, dict):
                return (dict, tuple((exact_key(k), key_of(v)) for k, v in x.items()))
            return (type(x), tuple(key_of(v) for v in x))
        if type(x) in _PLAIN:  # (a subclass's object, an IntEnum's member: given as itself)
            return (type(x), x)
        number = numpy_float(x)
        if number is None and isinstance(x, (*_PLAIN, float)):
            return _subclass_key(x)
        if number is not None:
            numbers.append(x)
            return ("numpy", str(x.dtype))
        shape = attribute(x, "shape")
        if shape is not None and unfollowed(x):  # (an object or structured array, a record,
            raise _Unfollowed(x)  # a masked array, a memoryview: refused, said where)
        if keyed_by_numbers(x):  # (a NumPy array: its entries)
            dtype: Any = getattr(x, "dtype", None)
            if float_array(x):  # (its numbers NumPy's, computed in their own type:
                numbers.extend(x.flat)  # np.float64(1.0) / 0.0 is inf, its repr
                return ("array", str(dtype), shape)  # np.float64(1.0), its .dtype float64)
            found = ("array", type(x), str(dtype or ""), _contents(x.tolist()))
            return found if numpy_array(x) else (*found, _held_key(x))
        return ("object", id(x))

    try:
        key = key_of(tree)
    except _Unfollowed as given:
        raise TypeError(f"{_where(tree, given.args[0])} is {unfollowed(given.args[0])}") \
            from None
    if not held_twice and len(set(map(id, kept))) != len(kept):
        return structure_of(tree, True, named)  # (rare: its numbers once, its key says where)
    return (key, node_given[0]), numbers, values


def keyed_by_numbers(x: Any) -> bool:
    """Whether an argument picks its program by its numbers: one of NumPy's arrays (a float
    array's items inputs, another's to the bit), or of a subclass of NumPy's array (its
    numbers to the bit, and what its object holds, ``_held_key``: an ``ndarray`` subclass's
    ``.scale``; itself also an object given, its attributes and class guarded). Any other
    array-like (a pandas ``Series``, whose index is no number of it; a torch tensor, whose
    ``.grad`` is not; a class of the learner's with ``shape`` and ``tolist()``) is an object
    given: by identity, what it holds guarded as an object's held outside."""
    return any(of_numpy(k) and k.__name__ == "ndarray" for k in type(x).__mro__)


def _held_key(x: Any) -> Any:
    """What an object holds in its own ``__dict__``, as a key: numbers to the bit, texts,
    objects by identity (guarded where the object given is walked)."""
    return tuple(sorted((str(k), _as_key(v)) for k, v in _own_names(x).items()))


def _own_names(x: Any) -> dict[str, Any]:
    """What an object holds in its own ``__dict__`` (none where it has none), read without
    its class's code (a ``__getattr__`` of the learner's)."""
    try:
        held = object.__getattribute__(x, "__dict__")
    except AttributeError:
        return {}
    return held if isinstance(held, dict) else {}


def _contents(x: Any) -> Any:
    """What an array that is no NumPy float array holds (an int array's, a torch tensor's
    ``tolist()``), as a key: each float by its bits, no input (a program per contents)."""
    if type(x) in (list, tuple):
        return tuple(map(_contents, x))
    if type(x) is float:
        return (float, x.hex())
    return (type(x), x) if type(x) in _PLAIN else (type(x), repr(x))


class _Unfollowed(Exception):
    """An argument whose numbers a program would not follow (``unfollowed``)."""


def unfollowed(x: Any) -> str:
    """What an array-like argument is, and what to give instead, where a program would not
    follow its numbers (its items are no inputs, its bytes not guarded): a NumPy array of
    objects or of a structured dtype, a record, a masked array, a ``memoryview``; else ''."""
    kind = getattr(getattr(x, "dtype", None), "kind", "")
    if type(x) is memoryview:
        return ("a memoryview: a program does not follow the numbers it shows. Give them as "
                "a NumPy float array, np.frombuffer(buf), or a list, buf.tolist()")
    if masked_array(x):
        return ("a NumPy masked array: a program follows a float array's items, not what a "
                "mask hides. Give a float array: xs.filled(0.0) or xs.compressed()")
    if getattr(x, "shape", None) is not None and not hasattr(x, "tolist") and \
            not hasattr(x, "__dict__") and not of_numpy(type(x)):
        return (f"a {type(x).__name__} (a shape, no tolist(), its numbers in slots): a "
                "program neither follows nor guards them. Give its numbers "
                "as a NumPy float array (np.asarray(x)), or call the function itself")
    if not of_numpy(type(x)) or kind not in ("O", "V"):
        return ""
    what = "record" if getattr(x, "ndim", 1) == 0 and type(x).__name__ == "void" else "array"
    if kind == "O":
        return (f"a NumPy {what} of dtype object: a program follows the numbers of a float "
                "array given, not of an object array. Give xs.astype(float), or a list of "
                "its numbers, [float(v) for v in xs] (a column of text apart)")
    return (f"a NumPy {what} of the structured dtype {x.dtype}: a program follows the numbers "
            "of a float array given, not of its fields. Give each field as a float array "
            "(data['x']), or a record as a dict of floats, dict(zip(row.dtype.names, "
            "row.tolist()))")


def _where(tree: Any, target: Any) -> str:
    """Where ``target`` is among the call's ``(args, kwargs)``: ``argument 0[1]``."""
    def look(x: Any, where: str) -> str:
        if x is target:
            return where
        items = x.items() if type(x) is dict else enumerate(x) \
            if type(x) in (list, tuple) else ()
        return next((w for k, v in items for w in [look(v, _inside(where, k))] if w), "")

    return look(tree, "") or "an argument"


def what_differs(old: Any, new: Any) -> str:
    """What the first difference of two structures (``structure_of``'s keys) is, said."""
    if not (isinstance(old, tuple) and isinstance(new, tuple)):
        return "a type given changes"
    if len(old) == 2 and old[0] == new[0] == "object":
        return "an object given is another one (it picks its program by identity)"
    if len(old) == 2 and old[0] is new[0] and old[0] in _PLAIN:
        name = old[0].__name__
        return f"{'an' if name[0] in 'aeiou' else 'a'} {name} given changes ({old[1]!r}, " \
               f"then {new[1]!r})"
    if len(old) == len(new):
        for a, b in zip(old, new):
            if a != b:
                return what_differs(a, b)
    return "a length or a type given changes"


_PLAIN = (bool, int, str, bytes, type(None))
"""What picks a program by its type and value; their subclasses' objects (``class Lr(float)``
with ``.scale``, a ``str`` with attributes, an ``IntEnum``'s member) are objects given."""


def _subclass_key(x: Any) -> Any:
    """An object of a subclass of float, int, str or bytes given (``Lr(0.5)`` with its
    ``.scale``): the key of the program it picks, by its class, its own value (to the bit)
    and what its ``__dict__`` holds (``_as_key``); a program's guards read the object it
    was captured with, equal in all of these."""
    if isinstance(x, float):
        value: Any = float.hex(x)
    elif isinstance(x, int):
        value = int.__index__(x)
    elif isinstance(x, str):
        value = str.__str__(x)
    else:
        value = bytes.__getitem__(x, slice(None))
    return ("subclass", type(x), value, _held_key(x))


def _as_key(x: Any) -> Any:
    """An attribute of a Value given, as the key of the program it picks: a number to the
    bit, a text, an object by identity."""
    if type(x) is float:
        return (float, x.hex())
    if isinstance(x, (bool, int, str, bytes, type(None))):
        return (type(x), x)
    return ("object", id(x))


def own_container(x: Any) -> bool:
    """Whether ``x`` is a list or a dict of its own class (a ``defaultdict``, a ``Counter``,
    an ``OrderedDict``, a list with its own ``__getitem__``), or a tuple of its own class
    that is no namedtuple's (``class Point(tuple)``) or holds names of its own (a
    namedtuple's subclass with ``s.weight = 2.0`` set on it): given as itself, an object
    whose items and attributes are places outside (a copy would lose what its class does,
    and what is set on it). A namedtuple's object (its items alone) is copied, its floats
    inputs."""
    if isinstance(x, (list, dict)):
        return type(x) not in (list, dict)
    return isinstance(x, tuple) and type(x) is not tuple and not isinstance(x, Value) and (
        static(type(x), "_make") is None or static(type(x), "_fields") is None or
        bool(_own_names(x)))


def objects_given(tree: Any, named: Any = frozenset()) -> list[tuple[str, Any]]:
    """The objects given (by identity), whose attributes the function may read, each with
    where it is among the arguments (``argument 2``, ``argument 0[1]``, ``keyword cfg``);
    a list, tuple or dict whose id is in ``named`` (``named.py``) among them."""
    found: list[tuple[str, Any]] = []

    def look(x: Any, where: str) -> None:
        if own_container(x) or (isinstance(x, (list, tuple, dict)) and id(x) in named):
            found.append((where, x))
        elif isinstance(x, (list, tuple)) and not isinstance(x, Value):
            for k, v in enumerate(x):
                look(v, f"{where}[{k}]")
        elif isinstance(x, dict):
            for k, v in x.items():
                look(v, f"{where}[{k!r}]")
        elif type(x) not in _PLAIN and type(x) is not float and not isinstance(x, Value) and \
                numpy_float(x) is None and not numpy_array(x):
            found.append((where, x))  # (a float's, an int's, a str's subclass too, an
            # array-like that is no NumPy array (a Series, a torch tensor), or of a subclass
            # of NumPy's: its attributes places, itself kept while its program is: its id not
            # another's)

    args, kwargs = tree
    for k, x in enumerate(args):
        look(x, f"argument {k}")
    for name, x in kwargs.items():
        look(x, f"keyword {name}")
    return found


class _GivenList(list):
    """A list given, as the function gets it while captured: a copy that notes the line of
    its first write (even one that leaves it as it was: a sort of sorted numbers, a shuffle
    that put each back). Its class is ``list`` to the function (``type(batch) is list``,
    ``batch.__class__``: ``seen.TypeSeen``, ``seen.plain_within``)."""

    __slots__ = ("written",)  # (no __dict__, no weak reference: as a list)
    given_as = list
    __class__ = property(lambda self: list)

    def __init__(self, *items: Any) -> None:
        list.__init__(self, *items)
        self.written = ""


class _GivenDict(dict):
    """A dict given, as ``_GivenList`` (a ``setdefault`` of a key it holds is no write)."""

    __slots__ = ("written",)  # (no __dict__, no weak reference: as a dict)
    given_as = dict
    __class__ = property(lambda self: dict)

    def __init__(self, *items: Any) -> None:
        dict.__init__(self, *items)
        self.written = ""

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self and not self.written:
            self.written = learners_line()
        return dict.setdefault(self, key, default)


def _noting(base: type, name: str) -> Any:
    method = getattr(base, name)

    def noted(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.written:
            self.written = learners_line()
        return method(self, *args, **kwargs)

    noted.__name__ = name
    return noted


for _name in ("__setitem__", "__delitem__", "__iadd__", "__imul__", "append", "extend",
              "insert", "pop", "remove", "sort", "reverse", "clear"):
    setattr(_GivenList, _name, _noting(list, _name))
for _name in ("__setitem__", "__delitem__", "__ior__", "pop", "popitem", "update", "clear"):
    setattr(_GivenDict, _name, _noting(dict, _name))


class Copies:
    """The lists and dicts given, as the function gets them while it is captured: copies
    (each float in them a ``Traced`` input). A program does not change the caller's lists
    and dicts, so a capture whose function wrote into one (an item set, an append, a sort,
    a shuffle), or changed it otherwise, is refused (``changed``)."""

    def __init__(self) -> None:
        self.made: list[tuple[str, Any, Any]] = []  # (where, the copy, its items as made)

    def add(self, where: str, copy: Any) -> Any:
        if not where.startswith(("argument", "keyword")):  # (the call's own (args, kwargs))
            return copy
        copy = _GivenDict(copy) if isinstance(copy, dict) else _GivenList(copy)
        self.made.append((where, copy, list(copy.items()) if isinstance(copy, dict)
                          else list(copy)))
        return copy

    def add_array(self, where: str, copy: Any) -> Any:
        """A NumPy array given, as the function gets it (``drawn_array``): an item set in it
        is refused as a list's is."""
        if where.startswith(("argument", "keyword")):
            self.made.append((where, copy, list(copy.view(type(copy).__base__).flat)))
        return copy

    def changed(self, function: Any) -> str:
        """The first list or dict given the function changed, said (else ""), with the line
        that wrote into it (or, where a write was not seen, the line of ``function`` that
        likely changes it)."""
        for where, copy, items in self.made:
            if not isinstance(copy, (_GivenList, _GivenDict)):  # (a NumPy array given: its items)
                now = list(copy.view(type(copy).__base__).flat)
                if any(a is not b for a, b in zip(now, items)):
                    return (f"it changes the array given as {where}"
                            f"{_changing_line(function, where)} (an item set: a program "
                            "does not change the caller's array again); return the numbers "
                            "instead, or change the array outside the compiled function")
                continue
            now = list(copy.items()) if isinstance(copy, dict) else list(copy)
            if copy.written or len(now) != len(items) or any(
                    a[0] is not b[0] or a[1] is not b[1] if isinstance(copy, dict)
                    else a is not b for a, b in zip(now, items)):
                kind = "dict" if isinstance(copy, dict) else "list"
                name = _changing_line(function, where, bool(copy.written))
                line = f"{name}, at {copy.written}" if copy.written else name
                return (f"it changes the {kind} given as {where}{line} (an item set, an "
                        f"append, a sort: a program does not change the caller's {kind} "
                        f"again); return the numbers instead, or change the {kind} outside "
                        "the compiled function")
        return ""


def as_traced(tree: Any, counter: Any, numbers: list[Any], record: Recording,
              copies: Copies, where: str = "", made: dict[int, Any] | None = None,
              named: Any = frozenset()) -> Any:
    """The arguments as the capture gives them to the function: each float a ``Traced``
    input (a NumPy array of floats an array of them, followed item by item), each list and
    dict a copy (``copies``: one it changes is refused), one held twice one copy held twice
    (``made``); a list or dict of its own class, or one the function also names from outside
    (its id in ``named``), as itself."""
    if type(tree) is float or numpy_float(tree) is not None:
        k = next(counter)
        return record.input(numbers[k], ("arg", k))
    if own_container(tree) or (isinstance(tree, (list, tuple, dict)) and id(tree) in named):
        return tree
    made = {} if made is None else made  # (id -> the container and its copy: kept alive)
    if isinstance(tree, (list, tuple, dict)) and id(tree) in made:
        return made[id(tree)][1]  # (as ``structure_of`` keys it: its numbers read once)
    if isinstance(tree, (list, tuple)) and not isinstance(tree, Value):
        items = [as_traced(v, counter, numbers, record, copies, _inside(where, k), made,
                           named) for k, v in enumerate(tree)]
        made[id(tree)] = tree, copies.add(where, items) if isinstance(tree, list) else \
            tuple.__new__(type(tree), items)  # (a namedtuple's, as its _make makes it)
        return made[id(tree)][1]
    if isinstance(tree, dict):
        made[id(tree)] = tree, copies.add(where, {k: as_traced(
            v, counter, numbers, record, copies, _inside(where, k), made, named)
            for k, v in tree.items()})
        return made[id(tree)][1]
    if float_array(tree):
        inputs = [record.input(numbers[k], ("arg", k))
                  for k in (next(counter) for _ in range(tree.size))]
        return copies.add_array(where, drawn_array(tree, inputs))  # (an array: item by item)
    return tree


_CHANGING = {"append", "extend", "insert", "pop", "remove", "sort", "reverse", "clear",
             "update", "setdefault", "popitem", "move_to_end", "__setitem__", "__delitem__"}


def _changing_line(function: Any, where: str, name_only: bool = False) -> str:
    """``, at file:line: code``: the first line of ``function`` that gives the parameter the
    argument at ``where`` is bound to a call, calls one of its changing methods or sets an item
    of it (else "": a line further in is not looked for)."""
    code = getattr(function, "__code__", None)
    parts = where.split("[", 1)[0].split()
    if code is None or len(parts) != 2:
        return ""
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    name = parts[1] if parts[0] == "keyword" else \
        names[int(parts[1])] if int(parts[1]) < code.co_argcount else ""
    if name_only:
        return f" ({name})" if name else ""
    found = list(dis.get_instructions(code))
    lines: dict[int | None, list[dis.Instruction]] = {}
    line = None
    for ins in found:
        line = getattr(ins, "line_number", None) if isinstance(ins.starts_line, bool) \
            else ins.starts_line or line  # (3.13: a flag, and the line its own field)
        lines.setdefault(line, []).append(ins)
    for number, row in lines.items():
        for k, ins in enumerate(row):
            if ins.argval != name or not ins.opname.startswith("LOAD_FAST") or number is None:
                continue
            after = row[k + 1] if k + 1 < len(row) else None
            if any(i.opname in ("STORE_SUBSCR", "DELETE_SUBSCR") for i in row[k:]) or (
                    after is not None and after.opname in ("LOAD_ATTR", "LOAD_METHOD") and
                    after.argval in _CHANGING) or (after is not None and after.opname in (
                    "CALL", "CALL_FUNCTION", "CALL_METHOD", "PRECALL", "CALL_FUNCTION_EX")):
                text = linecache.getline(code.co_filename, number).strip()
                return f" ({name}), at {os.path.basename(code.co_filename)}:{number}: {text}"
    return f" ({name})"


def _inside(where: str, k: Any) -> str:
    """Where an item of the arguments is: ``argument 2``, ``keyword lr``, ``argument 0[1]``."""
    if where == "":  # (the call's (args, kwargs))
        return "(args)" if k == 0 else "(kwargs)"
    if where == "(args)":
        return f"argument {k}"
    if where == "(kwargs)":
        return f"keyword {k}"
    return f"{where}[{k!r}]"
