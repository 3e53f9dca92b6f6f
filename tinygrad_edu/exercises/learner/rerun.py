"""A ``Value`` class whose ``backward()`` runs its own forward pass again: how the grader tells
the chain rule from finite differences of the learner's own ops (issue 65).

The Value exercise grades every node's grad. They can be had with no chain rule at all: each
node keeps a function that recomputes it from its operands' numbers (``lambda a, b: a + b``),
and ``backward()`` runs those functions again with one node's number nudged up and down,
(root(x + h) - root(x - h)) / 2h, for every node at once on arrays of nudged columns. That is
within the tolerance everywhere, so the numbers alone cannot tell it.

What it does can: ``Watching`` has a profile function see every call of a function of the
class's file while the case's graph is built (the forward pass: each function's numbers, by
argument, a ``Value`` as its ``.data``), then while ``backward()`` runs. A function of the
forward pass called there again at numbers next to those it took in the forward pass (every
argument a number it took there, or one within ``NEXT`` of it, relative, and at least one not
equal: ``NUDGED`` such points next to one number), or at a complex number (the complex step),
is a forward pass run again: ``ForwardAgain``, with the function, the number and the line
of the call. An honest backward calls no function of the forward pass at a new point next to
an old one: its ``_backward`` steps take no arguments, and one that recomputes ``tanh`` does
so at the node's own number. No last-bit exactness is asked (``1 - t**2`` and
``1/cosh(x)**2`` both pass). The expressions are watched, not the long chain: its stage
comes after theirs. ``tanh`` and ``exp`` of ``math``, ``cmath`` and NumPy (``OWN``) are
seen as the class's own functions are, from the build on: a forward pass that stored
``np.tanh`` in its nodes and calls it again at nudged numbers is said as well.

What this cannot see: a forward pass run again with functions that are neither the class
file's own nor ``OWN`` (``operator.add``, ``numpy.multiply``, stored as they are) on an
expression with no tanh or exp, or with numbers made far from the forward pass's (a step
above ``NEXT``, a fourth-order difference with a large step). A diagnosis, not a boundary:
the learner's code runs in the process that watches it.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Callable, Iterator
from typing import Any

from tinygrad_edu.exercises import limit
from tinygrad_edu.exercises.learner import nudged, watched

__all__ = ["Watching"]

NEXT = 1e-3
"""A number within this of one a function took in the forward pass (relative to it; absolute
below 1), and not equal, is a nudged one: a finite difference's step, of any common size (a
central difference passes the grader's tolerance of 1e-5 only with a step below about 1e-2,
and takes its points at 1e-6 or so)."""
ROUNDED = 1e-12
"""Closer than this (relative) is the same number, rounded another way: no finite difference
with so small a step is within the tolerance (its rounding alone is 1e-4)."""
NUDGED = nudged.NUDGED
"""How many nudged numbers next to one number of the forward pass make a finite difference
(a central one takes two; one-sided ones, a column for each node below, as many)."""
OWN = ("tanh", "exp")
"""The ops' functions of ``math``, ``cmath`` and NumPy that are watched as the class's own
are, from the build on (``watched._watching_functions``): a forward pass may store them in
its nodes as they are. (Not ``add`` or ``multiply``: an honest backward multiplies.)"""
STARRED = 0x04
"""``CO_VARARGS``: a function that takes ``*args``, whose numbers are watched too."""
MOST = 4096
"""The most numbers kept for one argument of one function of the forward pass."""


class _Watch:
    """What the profile function saw: the forward pass's numbers of each function of the
    learner's files, by argument, then what ``backward()`` called them at."""

    def __init__(self, cls: type, files: set[str]) -> None:
        self.cls, self.files = cls, files
        self.forward: dict[Any, list[set[float]]] = {}
        self.sorted: dict[Any, list[list[float]]] = {}
        self.backward = False
        self.nudged: dict[tuple[Any, int, float], set[float]] = {}
        self.found = ""

    def profile(self, frame: Any, event: str, arg: Any) -> None:
        if event != "call":  # (the fast way out: it runs at every call and return)
            return
        try:  # (a profile function that raises is switched off: it never does)
            code = frame.f_code
            starred = code.co_flags & STARRED
            if code.co_filename not in self.files or not (code.co_argcount or starred) or (
                    self.found or (self.backward and code not in self.forward)):
                return
            local = frame.f_locals
            number = self._number
            names = code.co_varnames
            args = [number(local.get(name)) for name in names[:code.co_argcount]]
            if starred:  # (lambda *a: a[0] + a[1]: its numbers are in the tuple a)
                more = local.get(names[code.co_argcount + code.co_kwonlyargcount])
                args += [number(x) for x in more] if type(more) is tuple else []
            if self.backward:
                self._check(code, args, frame.f_back)
            else:
                self._record(code, args)
        except BaseException:
            return

    def _number(self, x: Any) -> Any:
        """An argument as numbers: a float, a complex number, an array; a Value's
        ``.data``; None for anything else."""
        if type(x) is float:
            return x
        if isinstance(x, self.cls):
            held = getattr(x, "__dict__", None)  # (no data yet in __init__: None)
            x = held.get("data") if isinstance(held, dict) else getattr(x, "data", None)
            if type(x) is float:
                return x
        if isinstance(x, bool) or x is None:
            return None
        if isinstance(x, (int, float, complex)):
            return x if isinstance(x, complex) else float(x)
        kind = getattr(getattr(x, "dtype", None), "kind", "")
        return x if kind in ("f", "c") and hasattr(x, "ravel") else None

    def _record(self, code: Any, args: list[Any]) -> None:
        seen = self.forward.setdefault(code, [])
        seen += [set() for _ in range(len(args) - len(seen))]  # (*args: as many as given)
        for k, x in enumerate(args):
            if type(x) is float and x == x and len(seen[k]) < MOST:
                seen[k].add(x)

    def wrapper(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        """``real`` (``math.tanh``, ``numpy.exp``...) seen as the learner's functions are:
        one the forward pass stored in a node (``self._f = np.tanh``) and calls again."""
        def watching(*args: Any, **kwargs: Any) -> Any:
            try:
                if not self.found:
                    numbers = [self._number(x) for x in args]
                    if self.backward:
                        self._check(name, numbers, sys._getframe(1))
                    else:
                        self._record(name, numbers)
            except Exception:  # (never in the way of the function itself)
                pass
            return real(*args, **kwargs)

        watching.__name__ = name
        return watching

    def _check(self, code: Any, args: list[Any], caller: Any) -> None:
        seen = self.forward.get(code)
        if seen is None:  # (a function the forward pass never called)
            return
        if code not in self.sorted:
            self.sorted[code] = [sorted(s) for s in seen]
        numbers = self.sorted[code]
        line = self._line(caller)
        name = _named(code)
        for x in args:
            if isinstance(x, complex) or getattr(getattr(x, "dtype", None), "kind", "") == "c":
                self.found = f"{name}, at a complex number{line}"
                return
        columns = _columns(args, numbers)
        for column in columns:
            near = []
            for k, v in column:
                u = _nearest(numbers[k], v)
                if u is None:
                    break
                if v != u:
                    near.append((k, u, v))
            else:
                for k, u, v in near:
                    points = self.nudged.setdefault((code, k, u), set())
                    points.add(v)
                    if len(points) >= NUDGED:
                        self.found = (
                            f"{name}, at {len(points)} numbers next to {u!r}, a number it "
                            f"took there, such as {v!r}{line}")
                        return

    def _line(self, frame: Any) -> str:
        while frame is not None:
            if frame.f_code.co_filename in self.files:
                return ", called " + watched.lines_said(frame.f_code.co_filename,
                                                        [frame.f_lineno])
            frame = frame.f_back
        return ""


limit.stops_by_lines(_Watch.profile.__code__)


def _defined(code: Any) -> str:
    """Where a function of the class's file begins, as a verdict says a line (``on line 9``;
    in a notebook, in its cell: ``watched.lines_said``)."""
    return watched.lines_said(code.co_filename, [code.co_firstlineno])


def _named(key: Any) -> str:
    """A function of the forward pass as a verdict names it: the learner's by its line, or
    ``math``'s or NumPy's by its name."""
    if isinstance(key, str):
        return f"{key}, which computed nodes in the forward pass"
    return f"{key.co_name}, your function {_defined(key)} that computed nodes in the forward pass"


def _columns(args: list[Any], numbers: list[list[float]]) -> Iterator[list[tuple[int, float]]]:
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
    near = [_nearest_all(numpy, numbers[k], f) for k, f in zip(used, flat)]
    kept = numpy.logical_and.reduce([u == u for u in near])  # (each number near one: NaN not)
    moved = numpy.logical_or.reduce([u != f for u, f in zip(near, flat)]) & kept
    for j in numpy.flatnonzero(moved)[:MOST]:  # (the columns that are a nudged point)
        yield [(k, float(f[j])) for k, f in zip(used, flat)]


def _nearest_all(numpy: Any, numbers: list[float], values: Any) -> Any:
    """``_nearest`` of each of ``values`` (NaN where none)."""
    table = numpy.asarray(numbers, dtype=float)
    k = numpy.clip(numpy.searchsorted(table, values), 1, len(table) - 1) if len(table) > 1 \
        else numpy.zeros(len(values), dtype=int)
    below, above = table[k - 1] if len(table) > 1 else table[k], table[k]
    u = numpy.where(abs(values - below) <= abs(values - above), below, above)
    gap = abs(values - u)
    same = gap <= ROUNDED * abs(u)
    close = gap <= NEXT * numpy.maximum(abs(u), 1.0)
    return numpy.where(same, values, numpy.where(close, u, numpy.nan))


def _nearest(numbers: list[float], v: float) -> float | None:
    """The number of ``numbers`` (sorted) that ``v`` is or is next to (``NEXT``), or None."""
    k = bisect.bisect_left(numbers, v)
    best = None
    for u in numbers[max(k - 1, 0):k + 1]:
        gap = abs(v - u)
        if gap <= ROUNDED * abs(u):
            return v  # (it, or it rounded another way: not nudged)
        if gap <= NEXT * max(abs(u), 1.0) and (best is None or gap < abs(v - best)):
            best = u
    return best


def _holder(cls: Any) -> Any:
    """A function of the class, whose module's names for ``OWN`` are watched too."""
    for value in vars(cls).values():
        function = getattr(value, "__func__", value)
        if isinstance(getattr(function, "__globals__", None), dict):
            return function
    return None


def _files(cls: type) -> set[str]:
    """The files of the class's own functions (its methods, and what they hold)."""
    files = set()
    for klass in cls.__mro__:
        for value in vars(klass).values():
            function = getattr(value, "__func__", value)
            code = getattr(function, "__code__", None)
            filename = getattr(code, "co_filename", None)
            if isinstance(filename, str) and klass is not object:
                files.add(filename)
    return files


class Watching:
    """While the ``with`` block builds a graph with ``cls``, then (once the function it is
    given is called) runs ``backward()``, if ``on``: ``ForwardAgain`` at its end if the
    backward ran a function of the forward pass again at nudged numbers (or a complex one),
    said with the function, the number and the line of the call."""

    def __init__(self, cls: Any, on: bool = True) -> None:
        self.watch = _Watch(cls, _files(cls) if on else set())
        self.cls, self.on = cls, on
        self.before: Any = None
        self.restore: Callable[[], None] = lambda: None

    def __enter__(self) -> Callable[[], None]:
        if self.on:
            watched._FORWARD.clear()
            watched._FORWARD["functions"] = OWN
            try:
                self.restore = watched._watching_functions(_holder(self.cls), self.watch.wrapper)
            finally:
                watched._FORWARD.clear()
            self.before = sys.getprofile()
            sys.setprofile(self.watch.profile)
        return self.running_backward

    def running_backward(self) -> None:
        self.watch.backward = True

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if self.on:
            before = self.before  # (cProfile's is no function: it cannot be put back)
            sys.setprofile(before if callable(before) else None)
            self.restore()
        if self.watch.found and (kind is None or issubclass(kind, Exception)):
            raise watched.ForwardAgain(self.watch.found)
