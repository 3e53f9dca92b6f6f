"""Sets of Values made in the call, as a capture sees them (and of the Values given to it,
bound again at every call: as new, ``Recording.new_at_call``). A set's order is its items'
addresses, new at every call, and the graph built going through one with it (the engine's own
numbers change too): no program can follow that, so the capture refuses it, naming the line.

- ``set()`` and ``frozenset()`` in the learner's module are ``seen.SetSeen`` and
  ``FrozenSetSeen``: going through one that holds Values made in the call is refused
  (``gone_through``; so is ``pop()``, which takes an item by that order); each one made
  while a capture runs is kept (``kept_set``);
- a Value made in the call hashed by the learner's code that makes a set with braces (``{a * x,
  b * x}``, a set comprehension), with a set's operator (``d.keys() | e.keys()``), or with
  Python's own ``set`` (``builtins.set(p * x for p in P)``, ``S.add(v)`` of such a set):
  refused (``made_into_a_set``);
- a set the learner's ``set()`` made that holds Values made in the call, copied where no
  hook sees it, into a set display (``{*s, *t}``, ``{*s}``) or into Python's own set
  (``builtins.set(s)``): Python copies a set into another without going through it (without
  hashing its items again), so the code that ran is read: refused where it unpacks a set
  (``unpacked``).

What holds Values made in the call (``Term(p * x)``, ``(p * x, i)``), and objects made in it
that hash by their address, count as those Values do (``by_address``, ``made_in_call``,
``ordered_by_address``, here; ``addresses.py`` gives the learner's classes the hooks: a set of
the learner's ``set()`` holding them, gone through; one made with braces, as their hash sees
it, or a ``__hash__`` of the learner's class, a dataclass's, hashing a Value).
"""

from __future__ import annotations

import ast
import builtins
import os
import types
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.program.learners_code import learners_file
from tinygrad_edu.program.traced import Recording, recording

__all__ = ["by_address", "gone_through", "into_a_set", "kept_set", "made_in_call",
           "made_into_a_set", "ordered_by_address", "unpacked"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_SEEN = os.path.join(_HERE, "seen.py")  # (``seen._kept``'s operators)
_WHY = ("a set's order is its items' addresses, new at every call, and the graph with it (the "
        "engine's own numbers change too); keep them in a list, or a dict (it keeps the order "
        "they were added in)")

_GONE_THROUGH = ("it goes through a set of Values made in the call or given to it (or of "
                 "objects made in it that hold them, or that hash by their address) with a for "
                 f"loop, list(), sorted(), pop()...: {_WHY}")


_DEPTH = 3  # (how deep into attributes and items a Value made in the call is looked for)


def _hash_by_address(cls: type) -> bool:
    own = getattr(cls, "__hash__", None)
    return own is object.__hash__ or getattr(own, "by_address", False)


def by_address(x: Any) -> bool:
    """Whether ``hash(x)`` is an address (new for each new object), or hashes a Value made in
    the call."""
    if type(x) in (tuple, frozenset):
        return any(by_address(item) for item in x)
    if _hash_by_address(type(x)):
        return True
    found = recording()
    if found is None or type(x).__hash__ is None:
        return False
    before = found.hashed_made
    hash(x)  # (a frozen dataclass's: the hash of its fields)
    return found.hashed_made != before


def holds_made(x: Any, depth: int = _DEPTH) -> bool:
    """Whether ``x`` is a Value made in the call, or holds one (in its attributes, its items,
    ``depth`` levels deep)."""
    found = recording()
    if found is None:
        return False
    if found.new_at_call(x):
        return True
    if depth == 0 or type(x) in (int, float, str, bytes, bool, type(None)) or hasattr(
            type(x), "EMPTY_GRAD"):  # (a Value from outside: what it was made of is not held)
        return False
    if type(x) in (tuple, list, frozenset):
        return any(holds_made(item, depth - 1) for item in x)
    if type(x) is dict:
        return any(holds_made(item, depth - 1) for item in x.values())
    held = getattr(x, "__dict__", None)
    items = list(held.values()) if type(held) is dict else []
    for cls in type(x).__mro__:  # (``__slots__``, read as they are: no property runs)
        for name in getattr(cls, "__dict__", {}).get("__slots__", ()):
            slot = vars(cls).get(name)
            if type(slot) is _MEMBER:
                try:
                    items.append(slot.__get__(x, cls))
                except AttributeError:  # (not set)
                    pass
    return any(holds_made(item, depth - 1) for item in items)


_MEMBER = types.MemberDescriptorType


def made_in_call(x: Any) -> bool:
    """Whether ``x`` is, or holds, a Value made in the call, or is an object of a class of the
    learner's (hashed, shown by address: ``Classes``) that the capture did not find outside
    (where the function's globals, cells and arguments lead)."""
    found = recording()
    if found is None:
        return False
    if holds_made(x):
        return True
    outside = found.outside
    return _of_given(type(x)) and outside is not None and id(x) not in outside.walk.where


def _of_given(cls: type) -> bool:
    """Whether ``cls`` (or a base) holds a ``__hash__`` or ``__repr__`` the capture gave it
    (``addresses.Classes``: each marked ``given``)."""
    return any(getattr(vars(c).get("__hash__"), "given", False) or
               getattr(vars(c).get("__repr__"), "given", False) for c in cls.__mro__)


def ordered_by_address(x: Any) -> bool:
    """Whether a set holding ``x`` is ordered by the address of something made in the call."""
    found = recording()
    return found is not None and (found.new_at_call(x) or (made_in_call(x) and by_address(x)))



def gone_through(items: Any) -> None:
    """``items`` (a set's) gone through: refused where one is a Value made in the call."""
    found = recording()
    if found is not None and any(ordered_by_address(x) for x in items):
        found.refuse(_GONE_THROUGH)


def kept_set(made: Any) -> None:
    """A set made by the learner's ``set()`` (or ``frozenset()``) while a capture runs: kept
    for ``unpacked`` (what it holds when the capture ends)."""
    found = recording()
    if found is not None:
        found.sets.append(made)


def made_into_a_set(v: Any) -> None:
    """A Value made in the call hashed by the learner's code that makes a set with braces
    (``{a * x, b * x}``, a set comprehension: not ``set``, which ``SetSeen`` stands for),
    with a set's operator (``d.keys() | e.keys()``), or with Python's own set
    (``builtins.set(...)``, ``frozenset``'s, an alias of either, a method of such a set):
    refused, as going through it would be."""
    found = recording()
    if found is not None and found.new_at_call(v):
        into_a_set(_getframe(2), v)


def into_a_set(frame: Any, x: Any = None) -> None:
    """What holds a Value made in the call (``x``; the object ``addresses._hashed`` hashes
    when None) hashed in ``frame``, or in the code that called a ``__hash__`` of the
    learner's (a dataclass's hash of its fields): refused where that code makes a set with
    braces, a set's operator or Python's own set."""
    while frame is not None and (frame.f_code.co_name == "__hash__" or
                                 frame.f_code.co_filename.startswith(_HERE)):
        if frame.f_code.co_name == "kept" and frame.f_code.co_filename == _SEEN:
            return  # (an operator of the learner's ``set()``: its answer one too, seen)
        frame = frame.f_back  # (and this folder's: ``hash`` in the learner's module)
    code = frame.f_code if frame is not None else None
    if code is not None and (frame.f_lasti in _braces(code) or
                             frame.f_lasti in _set_operators(code) or (
            frame.f_lasti in _calls(code) and _calls_pythons_set(frame))):
        found = recording()
        if found is not None:
            found.refuse(_GONE_THROUGH)


def unpacked(record: Recording, codes: Any) -> None:
    """Where a set made by the learner's ``set()`` holds Values made in the call when the
    capture ends, and code that ran unpacks a set into a set display (``{*s, *t}``) or gives
    one to Python's own set (``builtins.set(s)``): refused, naming that line (Python copies a
    set into another without going through it, and the copy is gone through unseen)."""
    if record.refused or not any(
            any(record.new_at_call(x) for x in _items(s)) for s in record.sets):
        return
    for code in codes:
        line = _unpacks(code)
        if line:
            record.refused = (f"it copies a set of Values made in the call into another set "
                              f"({{*s, *t}}, builtins.set(s)), which Python goes through "
                              f"unseen: {_WHY}, at {line}")
            return


def _items(s: Any) -> Any:
    """What a set the learner's ``set()`` made holds (not gone through as the learner's)."""
    return set.__iter__(s) if isinstance(s, set) else frozenset.__iter__(s)


# ----------------------------------------------------------------------------- the code read
_BRACES: dict[Any, frozenset[int]] = {}
_OPERATORS: dict[Any, frozenset[int]] = {}
_CALLS: dict[Any, frozenset[int]] = {}
_UNPACKS: dict[Any, str] = {}
_SET_OPERATORS = ("|", "&", "-", "^", "|=", "&=", "-=", "^=")


def _instructions(code: Any) -> list[tuple[Any, int]]:
    """``code``'s instructions, each with its line."""
    import dis

    found, line = [], code.co_firstlineno
    for i in dis.get_instructions(code):
        at = getattr(i, "positions", None)
        if at is not None and at.lineno is not None:
            line = at.lineno
        elif type(i.starts_line) is int:  # (3.10's)
            line = i.starts_line
        found.append((i, line))
    return found


def _cached(cache: dict[Any, Any], code: Any, make: Any) -> Any:
    found = cache.get(code)
    if found is None:
        if len(cache) > 4096:
            cache.clear()
        found = cache[code] = make(code) if learners_file(code.co_filename) else make(None)
    return found


def _set_operators(code: Any) -> frozenset[int]:
    """Where the learner's ``code`` has an operator a set has (``d.keys() | e.keys()`` makes
    a set, hashing the keys): its instructions' offsets."""
    return _cached(_OPERATORS, code, lambda c: frozenset() if c is None else frozenset(
        i.offset for i, _ in _instructions(c)
        if (i.opname == "BINARY_OP" and i.argrepr in _SET_OPERATORS) or i.opname in (
            "BINARY_OR", "BINARY_AND", "BINARY_SUBTRACT", "BINARY_XOR", "INPLACE_OR",
            "INPLACE_AND", "INPLACE_SUBTRACT", "INPLACE_XOR")))  # (3.10's)


def _braces(code: Any) -> frozenset[int]:
    """Where the learner's ``code`` makes a set with braces (``{a, b}``, a set
    comprehension): its instructions' offsets."""
    return _cached(_BRACES, code, lambda c: frozenset() if c is None else frozenset(
        i.offset for i, _ in _instructions(c) if i.opname in ("BUILD_SET", "SET_ADD")))


def _calls(code: Any) -> frozenset[int]:
    """Where the learner's ``code`` calls something: its instructions' offsets."""
    return _cached(_CALLS, code, lambda c: frozenset() if c is None else frozenset(
        i.offset for i, _ in _instructions(c) if i.opname.startswith("CALL")))


def _unpacks(code: Any) -> str:
    """The first line of the learner's ``code`` that unpacks something into a set display
    (``{*s}``) or names ``builtins.set`` (``frozenset``), as ``file:line: text``; else ''."""
    def first(c: Any) -> str:
        if c is None:
            return ""
        at = _instructions(c)
        for k, (i, line) in enumerate(at):
            module = k > 0 and at[k - 1][0].opname.startswith("LOAD") and \
                at[k - 1][0].argval == "builtins"
            if (i.opname == "SET_UPDATE" and at[k - 1][0].opname != "LOAD_CONST") or (
                    module and i.opname in ("LOAD_ATTR", "LOAD_METHOD") and
                    i.argval in ("set", "frozenset")):
                import linecache

                text = linecache.getline(c.co_filename, line).strip()
                name = os.path.basename(c.co_filename)
                return f"{name}:{line}: {text}" if text else f"{name}:{line}"
        return ""

    return _cached(_UNPACKS, code, first)


_TREES: dict[str, tuple[list[str], dict[int, list[ast.expr]]]] = {}


def _called_on(filename: str, line: int) -> list[ast.expr]:
    """What the learner's file calls on ``line`` (each call's function, as written)."""
    import linecache

    lines = linecache.getlines(filename)
    found = _TREES.get(filename)
    if found is None or found[0] is not lines:
        calls: dict[int, list[ast.expr]] = {}
        try:
            tree = ast.parse("".join(lines))
        except (SyntaxError, ValueError):
            tree = ast.Module(body=[], type_ignores=[])
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for k in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                    calls.setdefault(k, []).append(node.func)
        if len(_TREES) > 256:
            _TREES.clear()
        found = _TREES[filename] = (lines, calls)
    return found[1].get(line, [])


def _calls_pythons_set(frame: Any) -> bool:
    """Whether the learner's line running in ``frame`` calls Python's own ``set`` or
    ``frozenset`` (``builtins.set``, an alias of it), or a method of such a set."""
    for called in _called_on(frame.f_code.co_filename, frame.f_lineno):
        found = _named(called, frame)
        if found is set or found is frozenset or type(found) in (set, frozenset):
            return True
    return False


def _named(node: ast.expr, frame: Any) -> Any:
    """What ``node`` (a name, or a module's attribute: nothing runs to find it) holds in
    ``frame``; for a method of a set of Python's own, that set; else None."""
    if isinstance(node, ast.Name):
        for scope in (frame.f_locals, frame.f_globals, vars(builtins)):
            if node.id in scope:
                return scope[node.id]
        return None
    if isinstance(node, ast.Attribute):
        base = _named(node.value, frame)
        if isinstance(base, types.ModuleType):
            return vars(base).get(node.attr)
        if type(base) in (set, frozenset):
            return base
    return None
