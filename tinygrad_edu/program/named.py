"""The lists, tuples and dicts a compiled function can name from outside, to tell an argument
that is one of them (``loss(TRAIN)`` where ``loss`` tests ``data is TRAIN``): such an
argument is given as itself, not copied (``arguments.py``), so ``is`` sees the engine's
answer; its numbers are then places outside, guarded as a global's are (``outside.py``).

Looked for by name, before a capture can say what the function reads: the globals its code
names (and the code it holds: a comprehension, a nested function), those of the learner's
functions it names in the same module (a helper ``is_train(data)``), and its closure cells.
A list held only deeper (``data is self.train``) is not looked for here."""

from __future__ import annotations

import types
from typing import Any

from tinygrad_edu.program.places import function_and_self

__all__ = ["Named", "names_read"]

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
                if isinstance(held, types.FunctionType) and held.__globals__ is g and \
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
