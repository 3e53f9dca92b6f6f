"""The items a watch looks at inside the lists and tuples a function of the learner's file
is given: the numbers of a helper given pairs or columns (``_ex((uh, ul))``, a double-double
pair; ``_add(((ah, al, bh, bl),))``, pairs one level down in a tuple) are there.

The walk is bounded, and runs no code of the learner's: lists and tuples of those types
exactly are looked into (a subclass may define ``__getitem__``), ``LISTED`` items of each,
``NESTED`` levels down, ``LISTED * NESTED * 2`` items in all. Both the class watch
(``rerun.py``: the numbers a helper the forward pass never called is given in ``backward()``)
and the stepped recording (``stepped.py``: the first number a function is given) walk so.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["KEYED", "LISTED", "NESTED", "STARRED", "given_to", "nested_items"]

LISTED = 8
"""How many items of each list or tuple are looked at: a helper that recomputes the graph is
given its operands' columns (one or two), a double-double pair two numbers."""
NESTED = 3
"""How many levels of lists and tuples are looked into (a65h's k1 and k3: central
differences in double-double arithmetic, their points given as pairs, inside tuples)."""


def nested_items(held: Iterable[Any]) -> Iterator[Any]:
    """The items, other than lists and tuples, among the first ``LISTED`` of each list and
    tuple in ``held`` and, ``NESTED`` levels down, of those they hold: a list's own items
    first, then those of the lists and tuples among them, in order."""
    stack = [(x, NESTED) for x in reversed(list(held)) if type(x) is list or type(x) is tuple]
    budget = LISTED * NESTED * 2
    while stack and budget > 0:
        items, depth = stack.pop()
        inner = []
        for y in items[:LISTED]:
            budget -= 1
            if type(y) is list or type(y) is tuple:
                if depth > 1:
                    inner.append((y, depth - 1))
            else:
                yield y
        stack += reversed(inner)  # (the first one's items, and theirs, before the next's)


STARRED = 0x04
"""``CO_VARARGS``: a function that takes ``*args``."""
KEYED = 0x08
"""``CO_VARKEYWORDS``: a function that takes ``**kw``."""


def given_to(code: Any, local: dict[str, Any]) -> list[Any]:
    """What a call of ``code`` was given (``local``: its frame's names as it starts): each
    named argument, keyword-only ones too, then the items of its ``*args`` tuple and the
    values of its ``**kw`` dict (read by their types' own methods: no learner code runs)."""
    names = code.co_varnames
    at = code.co_argcount + code.co_kwonlyargcount
    given = [local.get(name) for name in names[:at]]
    if code.co_flags & STARRED:
        more = local.get(names[at])
        given += list(tuple.__iter__(more)) if isinstance(more, tuple) else []
        at += 1
    if code.co_flags & KEYED:
        more = local.get(names[at])
        given += list(dict.values(more)) if isinstance(more, dict) else []
    return given
