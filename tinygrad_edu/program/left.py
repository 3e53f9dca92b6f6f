"""What a capture leaves outside its function, put back: a followed number (a ``Traced``)
the function stored where the caller's code reads it (a global, an attribute, an item of a
list or a dict, a memo ``CACHE[k] = x.data * 2``) is its plain number again once the capture
ends (``outside.py`` calls ``plain_at`` and ``unleak``; ``capture.py`` calls ``clean`` after
a capture that raised): nothing of the capture leaks into the caller's objects."""

from __future__ import annotations

import operator
from typing import Any

from tinygrad_edu.program.places import Place
from tinygrad_edu.program.traced import Traced, value_of
from tinygrad_edu.program.walk import Walk

__all__ = ["clean", "plain_at", "unleak"]


def plain_at(place: Place) -> None:
    """A followed number at ``place`` put back as its plain number (in a tuple too)."""
    if isinstance(place.value, Traced):
        plain = value_of(place.value)
        holder = place.parent.value if place.parent is not None else None
        if type(holder) is tuple and place.parent is not None:
            items = list(holder)
            items[place.step[1]] = plain
            place.parent.write(tuple(items))
        else:
            place.write(plain, own=True)


def unleak(x: Any, seen: set[int]) -> None:
    """Every followed number the function left in the container ``x`` (and in the lists,
    dicts, sets and tuples it holds) put back as its plain number, where no place names it
    (``CACHE[round(x.data, 1)] = x.data * 2``: a dict's item under a followed number as its key)."""
    if id(x) in seen:
        return
    seen.add(id(x))
    if isinstance(x, dict):
        if any(isinstance(k, Traced) for k in list(x)):
            items = [(_plain_of(k, seen), v) for k, v in list(x.items())]
            dict.clear(x)
            dict.update(x, items)
        for k, v in list(x.items()):
            plain = _plain_of(v, seen)
            if plain is not v:
                dict.__setitem__(x, k, plain)
    elif isinstance(x, list):
        for k, v in enumerate(list(x)):
            plain = _plain_of(v, seen)
            if plain is not v:
                list.__setitem__(x, k, plain)
    elif isinstance(x, set):
        for v in [v for v in x if _plain_of(v, seen) is not v]:
            x.discard(v)
            x.add(_plain_of(v, seen))


def _plain_of(x: Any, seen: set[int]) -> Any:
    """``x`` with no followed number in it: a Traced's plain number, a tuple of plain items
    (another where one was followed); a list, dict or set put right in place."""
    if isinstance(x, Traced):
        return value_of(x)
    if type(x) is tuple:
        items = [_plain_of(v, seen) for v in x]
        return x if all(map(operator.is_, items, x)) else tuple(items)
    if isinstance(x, (list, dict, set)):
        unleak(x, seen)
    return x


def clean(watcher: Any) -> None:
    """After a capture that raised: no followed number is left outside it (each put back as
    its plain number)."""
    walk = Walk()
    for step in watcher.roots.values():
        walk.root(step, step[1] if step[0] == "object" else Place(None, step, None, "").read())
    for place in walk.places:
        if isinstance(place.value, Traced):
            plain_at(place)
