"""Numbers next to numbers: where a class Value's watch (``rerun.py``) tells a number a
function of the forward pass is called at in ``backward()`` from one it took there, nudged
(a finite difference's step) or the same computed another way; and the points of a central
difference, on either side of one number.
"""

from __future__ import annotations

import bisect
import itertools
import sys
from collections.abc import Iterator
from typing import Any

from tinygrad_edu.exercises.learner.nested import nested_items

__all__ = ["APART", "EVEN", "MOST", "NEXT", "ROUNDED", "call_key", "closest", "columns", "even",
           "nearest", "nearest_all", "pairs", "tags_of"]

NEXT = 1e-3
"""A number within this of one a function took in the forward pass (relative to it; absolute
below 1), and not equal, is a nudged one: a finite difference's step, of any common size (a
central difference passes the grader's tolerance of 1e-5 only with a step below about 1e-2,
and takes its points at 1e-6 or so)."""
ROUNDED = 1e-12
"""Closer than this (relative) is the same number, rounded another way: no finite difference
with so small a step is within the tolerance (its rounding alone is 1e-4)."""
MOST = 4096
"""The most numbers kept for one argument of one function of the forward pass."""
EVEN = 1e-6
"""Two numbers on either side of one the forward pass took before, its midpoint to within
this part of their distance: the points of a central difference, u - h and u + h, of any
step within ``NEXT`` (rounding moves the midpoint by an ulp of u, a millionth of the
smallest step ``NEXT`` lets through). Numbers of an honest graph are never placed so but
by the graph (t and 2 - t about 1: ``known``); a one-sided difference, u, u + h, u + 2h,
is not looked for: a chain of tanh makes its numbers so, evenly spaced to 1e-7."""


def columns(args: list[Any], numbers: list[list[float]]) -> Iterator[list[tuple[int, float]]]:
    """Each point a call evaluated its function at: for each argument the forward pass gave
    numbers to, its number; of arrays broadcast together, each column that is next to numbers
    of the forward pass and not all of them (the others need no look)."""
    used = [k for k, x in enumerate(args) if x is not None and k < len(numbers) and numbers[k]]
    if not used:
        return
    arrays = [k for k in used if not isinstance(args[k], float)]
    if not arrays:
        yield [(k, args[k]) for k in used]
        return
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return
    try:
        spread = numpy.broadcast_arrays(*(numpy.asarray(args[k], dtype=float) for k in used))
    except (ValueError, TypeError):
        return
    flat = [a.ravel() for a in spread]
    near = [nearest_all(numpy, numbers[k], f) for k, f in zip(used, flat)]
    kept = numpy.logical_and.reduce([u == u for u in near])  # (each number near one: NaN not)
    moved = numpy.logical_or.reduce([u != f for u, f in zip(near, flat)]) & kept
    for j in numpy.flatnonzero(moved)[:MOST]:  # (the columns that are a nudged point)
        yield [(k, float(f[j])) for k, f in zip(used, flat)]


def nearest_all(numpy: Any, numbers: list[float], values: Any) -> Any:
    """``nearest`` of each of ``values`` (NaN where none)."""
    table = numpy.asarray(numbers, dtype=float)
    k = numpy.clip(numpy.searchsorted(table, values), 1, len(table) - 1) if len(table) > 1 \
        else numpy.zeros(len(values), dtype=int)
    below, above = table[k - 1] if len(table) > 1 else table[k], table[k]
    u = numpy.where(abs(values - below) <= abs(values - above), below, above)
    gap = abs(values - u)
    same = gap <= ROUNDED * abs(u)
    close = gap <= NEXT * numpy.maximum(abs(u), 1.0)
    return numpy.where(same, values, numpy.where(close, u, numpy.nan))


def even(u: float, v: float, w: float) -> bool:
    """Whether ``v`` and ``w`` lie on either side of ``u``, its midpoint (``EVEN``); never
    about 0, where a number and its negation are so (a grad g and -g, given to a helper of an
    honest backward: found by the tests, now and then)."""
    return u != 0 and (v - u) * (w - u) < 0 and abs(v + w - 2 * u) <= EVEN * abs(v - w)


def closest(numbers: list[float], v: float) -> float:
    """The number of ``numbers`` (sorted, not empty) closest to ``v``."""
    k = bisect.bisect_left(numbers, v)
    return min(numbers[max(k - 1, 0):k + 1], key=lambda u: abs(v - u))


def nearest(numbers: list[float], v: float, near: float = NEXT) -> float | None:
    """The number of ``numbers`` (sorted) that ``v`` is or is next to (``near``), or None."""
    k = bisect.bisect_left(numbers, v)
    best = None
    for u in numbers[max(k - 1, 0):k + 1]:
        gap = abs(v - u)
        if gap <= ROUNDED * abs(u):
            return v  # (it, or it rounded another way: not nudged)
        if gap <= near * max(abs(u), 1.0) and (best is None or gap < abs(v - best)):
            best = u
    return best


def tags_of(given: list[Any]) -> tuple[tuple[int, Any], ...]:
    """The arguments of a call that are a text, a flag or None, by their place."""
    return tuple((k, x) for k, x in enumerate(given)
                 if x is None or type(x) is str or type(x) is bool)


def call_key(floats: tuple[tuple[int, Any], ...], tags: tuple[tuple[int, Any], ...]
          ) -> tuple[tuple[int, Any], ...]:
    """A call's key: its floats and ``tags``, by their place."""
    return tuple(sorted(floats + tags, key=lambda item: item[0])) if tags else floats


APART = 2.0 ** -20
"""The largest step, relative to its number, that the watch's ``_kept_apart`` takes for one
kept apart in a pair (a double-double difference's is about 2^-30 of it)."""


def pairs(given: list[Any]) -> Iterator[tuple[float, float]]:
    """Each (number, step) a call's arguments may carry apart: the first two numbers of each
    list or tuple (``nested_items``: a pair, three levels down) or dict (its first two
    values), and each two float arguments side by side; (0.0, 0.0) where there is none, so
    that each keeps its place."""
    for x in given:
        if isinstance(x, (tuple, list)):  # (a subclass's too, read as a tuple: a65j's j11)
            two = [y for y in itertools.islice(nested_items([tuple(tuple.__iter__(x)) if
                                                            isinstance(x, tuple) else
                                                            list(list.__iter__(x))]), 4)
                   if type(y) is float][:2]
        elif isinstance(x, dict):  # (an ``OrderedDict`` too: a65k's k10, k11)
            two = list(itertools.islice(dict.values(x), 2))
        else:
            two = []
        two = [y for y in two if type(y) is float]  # (a tag first, ``("t", a, b)``: a65k's
        yield (two[0], two[1]) if len(two) == 2 else (0.0, 0.0)  # k9, the floats)
    for a, b in itertools.pairwise(given):
        yield (a, b) if type(a) is float and type(b) is float else (0.0, 0.0)
