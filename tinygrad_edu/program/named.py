"""The lists, tuples and dicts a compiled function can name from outside, to tell an argument
that is one of them (``loss(TRAIN)`` where ``loss`` tests ``data is TRAIN``): such an
argument is given as itself, not copied (``arguments.py``), so ``is`` sees the engine's
answer; its numbers are then places outside, guarded as a global's are (``outside.py``).

Looked for by name, before a capture can say what the function reads: the globals its code
names (and the code it holds: a comprehension, a nested function), those of the learner's
functions it names in the same module (a helper ``is_train(data)``), and its closure cells.
A list held only deeper (``data is self.train``) is not looked for here: where a capture
finds an argument's list there too and the code that ran tests identity (``is``) of other
than a constant or a class, it is refused (``held_deeper``)."""

from __future__ import annotations

import builtins
import dis
import linecache
import os
import types
from typing import Any

from tinygrad_edu.program.identity import operand_start
from tinygrad_edu.program.learners_code import user_code
from tinygrad_edu.program.places import function_and_self

__all__ = ["Named", "held_deeper", "names_read"]

_CONTAINERS = (list, tuple, dict)


def names_read(function: Any) -> tuple[list[tuple[dict[str, Any], str]], list[Any]]:
    """The (module dict, name) pairs ``function``'s code may read, and its closure cells,
    following the learner's functions it names in its own module (each once)."""
    start, _ = function_and_self(function)
    if start is None:
        return [], []
    pairs: list[tuple[dict[str, Any], str]] = []
    cells: list[Any] = []
    seen_codes: set[int] = set()
    seen_pairs: set[tuple[int, str]] = set()
    functions = [start]
    while functions:
        f = functions.pop()
        cells.extend(f.__closure__ or ())
        g = f.__globals__
        codes = [f.__code__]
        while codes:
            code = codes.pop()
            if id(code) in seen_codes:
                continue
            seen_codes.add(id(code))
            codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
            for name in code.co_names:
                if (id(g), name) in seen_pairs:
                    continue
                seen_pairs.add((id(g), name))
                pairs.append((g, name))
                held = g.get(name)
                if type(held) is types.FunctionType and held.__globals__ is g and \
                        len(seen_codes) < 256:
                    functions.append(held)
    return pairs, cells


class Named:
    """The names ``names_read`` found for a function, read at each call: ``ids()`` gives the
    ids of the lists, tuples and dicts they hold now (empty, at no cost, where none ever
    held one)."""

    def __init__(self, function: Any) -> None:
        pairs, cells = names_read(function)
        self.pairs = [(g, n) for g, n in pairs if type(g.get(n)) in _CONTAINERS]
        self.cells = [c for c in cells if _holds_container(c)]
        self.all_pairs, self.all_cells = pairs, cells

    def ids(self) -> set[int]:
        """The ids of the containers the names hold now (a name that held none at compile
        time and holds one now is seen at the next capture: ``refresh``)."""
        if not self.pairs and not self.cells:
            return set()
        found = {id(x) for g, n in self.pairs if type(x := g.get(n)) in _CONTAINERS}
        for cell in self.cells:
            if _holds_container(cell):
                found.add(id(cell.cell_contents))
        return found

    def refresh(self) -> None:
        """Look again at every name (at a capture: a global bound to a list since)."""
        self.pairs = [(g, n) for g, n in self.all_pairs if type(g.get(n)) in _CONTAINERS]
        self.cells = [c for c in self.all_cells if _holds_container(c)]


def _holds_container(cell: Any) -> bool:
    try:
        return type(cell.cell_contents) in _CONTAINERS
    except ValueError:  # (an empty cell)
        return False


def held_deeper(made: dict[int, Any], walk: Any, codes: Any, names_held: set[int]) -> str:
    """Where a list, tuple or dict given (``made``: the capture's copies, by the id of the
    one given) is also found outside by the capture's walk (not by a name: ``Named``), at a
    place such as ``self.train``, and the learner's code that ran tests identity of two
    things neither a constant nor a class (``data is self.train``): why it is refused (the
    function got a copy, for which ``is`` is False), else ""."""
    for original, _ in made.values():
        if type(original) not in _CONTAINERS or id(original) in names_held:
            continue
        for place in walk.where.get(id(original), ()):
            root = place
            while root.parent is not None:
                root = root.parent
            if root.step[0] == "object" and str(root.step[2]).startswith(("argument",
                                                                           "keyword")):
                continue
            line = next((found for found in map(_tests_objects, codes) if found), "")
            if line:
                return (f"it is given a {type(original).__name__} that it also reaches as "
                        f"{place.said()}, and tests identity (`is`): the function gets a copy "
                        "of a list given, which is not that one; pass a flag instead, or "
                        "name the list as a global of the function's module (given as "
                        f"itself then), at {line}")
    return ""


def _tests_objects(code: types.CodeType) -> str:
    """Where the learner's ``code`` tests by identity two things neither of which is a
    constant (``x is None``) or a name of a class of Python's (``type(x) is list``): its
    file and line and the line's text (else "")."""
    if not user_code(code):
        return ""
    at = list(dis.get_instructions(code))
    started = code.co_firstlineno  # (3.10: the line the last line-starting instruction began)
    for k, instruction in enumerate(at):
        if type(instruction.starts_line) is int:  # (3.13 on: a bool, and positions say it)
            started = instruction.starts_line
        if instruction.opname != "IS_OP":
            continue
        right = operand_start(at, k)
        sides = [at[operand_start(at, right):right], at[right:k]]
        if not any(len(side) == 1 and (side[0].opname == "LOAD_CONST" or (
                side[0].opname in ("LOAD_GLOBAL", "LOAD_NAME") and
                isinstance(getattr(builtins, str(side[0].argval), None), type)))
                for side in sides):
            number = getattr(getattr(instruction, "positions", None), "lineno", None) or \
                started  # (3.11 on: the line of its ``is``)
            text = linecache.getline(code.co_filename, number).strip()
            return f"{os.path.basename(code.co_filename)}:{number}: {text}"
    return ""
