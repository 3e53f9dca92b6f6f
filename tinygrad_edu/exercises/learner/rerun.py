"""A ``Value`` class whose ``backward()`` runs its own forward pass again: how the grader tells
the chain rule from finite differences of the learner's own ops (issue 65).

The Value exercise grades every node's grad. They can be had with no chain rule at all: each
node keeps a function that recomputes it from its operands' numbers (``lambda a, b: a + b``),
and ``backward()`` runs those functions again with one node's number nudged up and down,
(root(x + h) - root(x - h)) / 2h, for every node at once on arrays of nudged columns. That is
within the tolerance everywhere, so the numbers alone cannot tell it.

What it does can: ``Watching`` has a profile function see every call of a function of the
class's file while the case's graph is built (the forward pass: each function's numbers, by
argument, a ``Value`` as its ``.data``, a property's too), then while ``backward()`` runs. A
function of the forward pass called there again at numbers next to those of one call it had
in the forward pass (every argument a number it took there, or one within ``NEXT`` of it,
relative, and at least one not equal and no number of the graph; its texts, flags and Nones
those of the call), two such points on either side of one number, it their midpoint (a
central difference's; one-sided ones are off by their step and fail on the numbers), or at
a complex number (the complex step), is a forward pass run again: ``ForwardAgain``,
with the function, the number and the line of the call. A call at plain floats that made a
node (an op such as ``__mul__``) or, of the forward pass's, returned nothing (``__init__``)
is not looked at (at arrays or complex numbers it is): it is the class's own arithmetic,
which an honest backward may do at gradients and constants (``self.grad += (other *
out.grad).data``, the style second derivatives need; ``Value(1.0)`` next to a tanh of
0.9993 is no step). An honest backward calls no function of
the forward pass that returns a number at a new point next to an old one: its ``_backward``
steps take no arguments, and one that recomputes ``tanh`` does so at the node's own number. No
last-bit exactness is asked (``1 - t**2`` and ``1/cosh(x)**2`` both pass). The expressions are
watched, not the long chain: its stage comes after theirs. ``tanh`` and ``exp`` of ``math``,
``cmath`` and NumPy (``OWN``) are seen as the class's own functions are, from the build on: a
forward pass that stored ``np.tanh`` in its nodes and calls it again at nudged numbers is said
as well. A function of the file that the forward pass never called (a helper that recomputes
the graph, given lists of arrays) is seen in ``backward()`` at two numbers on either side of
any number of the forward pass (``_unseen``). And the forward pass itself is watched for finite
differences taken as each node is made, kept as its local derivatives: a function of it called
at two numbers on either side of one it took, that one their midpoint, neither a number of the
graph, or at a complex number (``_differences``: ``ForwardDifferences``). A complex number
held in a name of a function of the class's file, or given back by one, as it runs (the
complex step taken inline on a node's ``.data``, its unit made at run time: ``held.py``),
or on Python 3.12 and later given to any call the class's code makes (``held.CallsSeen``),
is said the same way, in ``backward()`` or in the forward pass, if nothing else was. And
a dual number, the local derivatives had by running an op's function on numbers whose own
``+`` and ``*`` carry a derivative along, is ``OwnNumbers`` where a function of the file is
given one, as the graph is built or in ``backward()``: a number of a class of the file's own
besides the class Value and its family, or two pairs of floats that a function gives back
multiplied as dual numbers are (``duals.DualsGiven``).

What this cannot see: on an expression with no tanh or exp, a forward pass run again with
functions that are neither the class file's own nor ``OWN`` (``operator.add``,
``numpy.multiply``, stored as they are), or with the class's own ops on nudged nodes holding
floats (``(Value(a + h) * b).data``: an op makes a node, and its floats are not looked at); one
run again with numbers made far from the forward pass's (a step above ``NEXT``, a fourth-order
difference with a large step); in the forward pass, or in a helper the forward pass never
called, a difference whose points are not placed evenly about the number (one-sided, f(u),
f(u + h), f(u + 2h): a chain of tanh makes honest numbers so) or whose two points are
taken as two nodes are made, and a property whose getter
tells the watch's call from others; under Python 3.10 and 3.11, a complex array made and
used within one expression by NumPy's operators alone, held in no name. (A complex number
so made and used is made by the complex type's constructor or operators, or a float's
power, watched while the graph is built and ``backward()`` runs, on every Python:
``complex_arithmetic.py``, through ``held.CallsSeen``.) A
diagnosis, not a boundary: the learner's code runs in the process that watches it.
"""

from __future__ import annotations

import bisect
import math
import sys
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises import limit
from tinygrad_edu.exercises.learner import nearby, nudged, watched, watched_numbers
from tinygrad_edu.exercises.learner.duals import SEQUENCES, DualsGiven
from tinygrad_edu.exercises.learner.fixed_point import class_long_held, digits_named
from tinygrad_edu.exercises.learner.held import (
    SHALLOW,
    CallsSeen,
    LearnerFrames,
    line_of,
)
from tinygrad_edu.exercises.learner.held_code import complex_constant
from tinygrad_edu.exercises.learner.nearby import MOST, NEXT, closest, columns, even, nearest
from tinygrad_edu.exercises.learner.nested import KEYED, STARRED, given_to, nested_items
from tinygrad_edu.exercises.learner.scaled import WIDE, Scaled, scaled_held

__all__ = ["NOTED", "Watching"]

NOTED: list[dict[str, Any]] = []
"""What the watch noted for the teacher, never failed (``scaled.py``: a number of the graph
held in fixed point), as facts; the learner's process sends the first with its reply to the
call that noted it (``serve.py``), and the grader says it (``machinery.noted``)."""

NUDGED = nudged.NUDGED
"""The points of a finite difference next to one number (a central one's two): the points
kept next to one number, to pair with those that come after, are a multiple of it."""
OWN = ("tanh", "exp")
"""The ops' functions of ``math``, ``cmath`` and NumPy that are watched as the class's own
are, from the build on (``watched._watching_functions``): a forward pass may store them in
its nodes as they are. (Not ``add`` or ``multiply``: an honest backward multiplies.)"""
FLOOR = 1e-11
"""A number closer than this to one the forward pass took (relative to it; absolute below 1)
is that number, computed another way, not a step: an honest forward pass makes -4.8e-35 and
4.8e-35 where the engine makes 0.0, on either side of it (a finite difference with so small
a step is off by its rounding, 1e-5, and fails on the numbers)."""
LOOKS = 8
"""One return in this many of the class file's functions is looked at whole for a number of
the graph held in fixed point (``scaled.py``; a long int given back is looked at at every
return): a look costs a return 2 microseconds, and the node stage's right answer, graded,
makes 20,000 returns (12 % longer looked at every return, 2 % so); a fixed-point difference
holds its integers at every return of its helpers, at every node of every expression."""
_EXACT = (("fractions", "Fraction"), ("decimal", "Decimal"))
"""The standard library's exact numbers, read as floats where they are loaded."""


class _Watch:
    """What the profile function saw: the forward pass's numbers of each function of the
    learner's files, by argument, then what ``backward()`` called them at."""

    def __init__(self, cls: type, files: set[str], known: tuple[float, ...] = ()) -> None:
        self.cls, self.files = cls, files
        self.known = sorted({x for x in known if x == x} | {-x for x in known if x == x})
        self.forward: dict[Any, list[set[float]]] = {}
        self.sorted: dict[Any, list[list[float]]] = {}
        self.backward = False
        self.nudged: dict[tuple[Any, ...], set[float]] = {}
        self.calls: dict[Any, set[tuple[tuple[int, Any], ...]]] = {}  # (each call of the
        # forward pass at two floats or more, or at a float and a text, a flag or None:
        # ``_check``)
        self.apart: dict[tuple[Any, ...], set[float]] = {}  # (``_kept_apart``)
        self.mirrored: dict[tuple[Any, ...], set[float]] = {}
        self.ordered: dict[tuple[Any, int], list[float]] = {}
        self.every: list[float] | None = None
        self.paired: dict[Any, dict[float, str]] = {}
        self.found = ""
        self.in_forward = False
        self.held = ""
        self.held_in_forward = False
        self.noted: dict[str, Any] | None = None  # (``scaled.py``: for the teacher)
        self.returns = 0  # (of the files' functions: one in ``LOOKS`` is looked at)
        self.scaled: Scaled | None = None  # (the graph's numbers, made at the first look)
        self.inits = {vars(k)["__init__"].__code__ for k in cls.__mro__
                      if hasattr(vars(k).get("__init__"), "__code__")}
        self.made = 0
        self.nodes: list[Any] = []  # (the nodes the forward pass made: ``_a_grad``)
        self.pending: dict[Any, tuple[Callable[..., None], Any, list[Any], Any,
                                      tuple[tuple[int, Any], ...]]] = {}
        self.mine = LearnerFrames(SHALLOW)  # (the frames of the files' functions running)
        self.duals = DualsGiven(cls, files, self._line, _defined)
        self.pairs = self.duals.pairs  # (read at every return, with ``pending``)
        self.plain = self.duals.plain  # (the types given that are no dual number)
        self.ran: set[Any] = set()  # (the code of the files' functions called: its complex
        # constants are looked for at the end, ``held_code.complex_constant``)

    def _returned(self, frame: Any, result: Any) -> None:
        """A function of the file called in ``backward()`` at plain floats has returned
        ``result``: its numbers are looked at, unless it made a node (``__mul__``), or is
        of the forward pass and returned nothing (``__init__``). An honest backward may do
        its arithmetic with the class's own ops, ``(other * out.grad).data``, and makes
        nodes at gradients and constants that can lie next to the forward pass's numbers.
        (An op's function, ``lambda a, b: a * b``, returns a number. A call at arrays or
        complex numbers is looked at as it is made, whatever it returns.)"""
        if self.pairs:  # (two pairs of floats given to it: ``DualsGiven``)
            self.duals.returned(frame, result)
        try:
            called = self.pending.pop(frame, None)
            if called is None or self.found or isinstance(result, self.cls):
                return
            judge, code, args, caller, tags = called
            if result is not None or judge != self._check:
                judge(code, args, caller, tags)
        except BaseException:
            return

    def profile(self, frame: Any, event: str, arg: Any) -> None:
        if event != "call":  # (the fast way out: it runs at every call and return)
            if event == "return" and (self.pending or self.pairs):
                self._returned(frame, arg)
            if (event == "c_call" or event == "return") and frame in self.mine:
                if event == "return":
                    self.mine.discard(frame)
                if not self.held:
                    self._held(frame, arg if event == "return" else None)
                if self.noted is None and event == "return":  # (what a function held
                    self.returns += 1  # and gives back, at its end: one return in
                    if not self.returns % LOOKS or (  # ``LOOKS`` looked at whole, and a
                            type(arg) is int and int.bit_length(arg) > WIDE):  # long int
                        self._noted(frame, arg)  # given back at every return)
            return
        try:  # (a profile function that raises is switched off: it never does)
            code = frame.f_code
            if code in self.inits:
                self.made += 1  # (a node is made: ``_differences`` pairs points within one)
                if not self.backward and len(self.nodes) < MOST:
                    self.nodes.append(frame.f_locals.get("self"))
            if code.co_filename not in self.files:
                return
            self.mine.add(frame)
            self.ran.add(code)
            starred = code.co_flags & (STARRED | KEYED)
            if not (code.co_argcount or code.co_kwonlyargcount or starred) or self.found:
                return
            local = frame.f_locals
            number = self._number
            given = given_to(code, local)  # (keyword-only ones, ``*args``' items, ``**kw``'s
            # values too: a65j's j6, j7, a65k's k5-k8)
            args = [number(x) for x in given]
            tags = nearby.tags_of(given)
            if starred or not self.plain.issuperset(map(type, given)) or (  # (at once: a
                    len(given) > 1 and type(given[-1]) in SEQUENCES and  # class's number,
                    type(given[-2]) in SEQUENCES):  # or two pairs, looked at)
                self.duals.given(code, given, frame)
            if self.backward:
                judge = self._check
                if code not in self.forward:  # (its numbers, and the arrays and numbers of the
                    # first items of the lists and tuples it is given: not their Values, a
                    # sort's stack of them)
                    judge = self._unseen
                    args += [number(y) for y in _listed(given)]
                if all(x is None or type(x) is float for x in args):
                    self.pending[frame] = (judge, code, args, frame.f_back, tags)  # (at its
                else:  # (arrays or complex numbers: no honest backward's)  # return)
                    judge(code, args, frame.f_back, tags)
            else:
                self._record(code, args, self._differences(code, args, frame.f_back), tags)
            if not self.found:
                self._kept_apart(code, given, frame.f_back)
        except BaseException:
            return

    def _kept_apart(self, code: Any, given: list[Any], caller: Any) -> None:
        """A function of the file given a number and a step kept apart (``_ex((x, h))``: a
        pair in a tuple or a list at any depth ``nested_items`` looks, a dict's first two
        values, or two float arguments side by side, ``_ex(x, h)``; the step far above the
        number's last bit, so no double-double's rounding error, and at most ``APART`` of
        it), then the same number with a step on the other side, while one node is made; and
        a step of that size so again at another number: a central difference whose two
        points are never a float, each carried as x and h in many-digit arithmetic of its
        own (a65h's k6, a65i's k1, k4, k5, k6). Honest pairs do not come so: two operands, a
        number and its rounding error, or ``(e, -f)`` and ``(e, f)`` of a tanh written as
        sinh / cosh, whose f differs at every number (a65i's h4, refused before); nor is a
        step that is a number of the graph (``known``) or a node's grad (``_a_grad``)."""
        for k, (number, step) in enumerate(nearby.pairs(given)):
            if not (4 * math.ulp(number) < abs(step) <= nearby.APART * abs(number)) or \
                    nearest(self.known, step, 0.0) is not None or self._a_grad(step):
                continue  # (a number of the graph, or a node's grad, is no step: an honest
                # backward's ``_mul(1.0, g)`` and ``_mul(1.0, -g)``, then ``_mul(2.0, g)``,
                # at the small grads of a saturated tanh; ``_mul(2.0, x)`` of a pow at a
                # small x of one sign and then another: a65t's h0, h1, h3, h4)
            steps = self.apart.setdefault((code, k, number, self.made), set())
            other = next((t for t in steps if t * step < 0), 0.0)  # (on its other side:
            for size in (abs(step), abs(other)) if other else ():  # a step of
                numbers = self.mirrored.setdefault((code, k, size), set())  # another size
                numbers.add(number)  # too, a65i's unmirrored k6)
                if len(numbers) > 1:
                    self.found = (f"{_named(code)}, at {number!r} with {min(step, other)!r} "
                                  f"and {max(step, other)!r} kept apart (a number and a "
                                  "step, as a pair)"
                                  f"{'' if self.backward else ', as a node was made'}"
                                  f"{self._line(caller)}")
                    self.in_forward = not self.backward
                    return
            if len(steps) < NUDGED * 8:
                steps.add(step)

    def _a_grad(self, step: float) -> bool:
        """Whether ``step``, or its negation, is the grad a node of the forward pass holds now
        (in ``backward()``: what an honest one multiplies its local derivatives by)."""
        if not self.backward:
            return False
        for node in self.nodes:
            held = getattr(node, "__dict__", None)
            grad = held.get("grad") if isinstance(held, dict) else None
            if type(grad) is float and abs(grad) == abs(step):
                return True
        return False

    def _held(self, frame: Any, returned: Any = None) -> None:
        """A complex number held by a function of the class's file, given to it, or given
        back (``held.complex_held``): the complex step, taken on the numbers of the nodes
        (``u = a.data``), its unit made at run time (no honest class has one); or a decimal,
        a fraction or a long double (``fixed_point.digits_named``), or a decimal or a
        fraction one level into what its names hold (``class_long_held``: a65i's k8): a
        finite difference made exact in many digits. Said
        if nothing else was (a function of the forward pass at a complex number says
        more)."""
        try:  # (``frame`` is of the files: ``profile`` saw it called)
            found = self.mine.held(frame, returned) or digits_named(frame, returned) or \
                class_long_held(frame, returned)
            if found:
                code = frame.f_code
                self.held = (f"{found}, in {code.co_name} " + watched_numbers.lines_said(
                    code.co_filename, [frame.f_lineno]))
                self.held_in_forward = not self.backward
        except BaseException:
            return

    def _noted(self, frame: Any, returned: Any = None) -> None:
        """A number of the graph held in fixed point by a function of the class's file
        (``scaled.scaled_held``): kept, for the teacher."""
        try:
            if self.scaled is None:
                self.scaled = Scaled(self.known)
            found = scaled_held(frame, returned, self.scaled)
            if found is not None:
                self.noted = found
        except BaseException:
            return

    def _number(self, x: Any) -> Any:
        """An argument as numbers: a float, a complex number, an array; a Value's
        ``.data``; None for anything else."""
        if type(x) is float:
            return x
        if isinstance(x, self.cls):
            held = getattr(x, "__dict__", None)  # (no data yet in __init__: None)
            x = held["data"] if isinstance(held, dict) and "data" in held else _held(x)
            if type(x) is float:
                return x
        if isinstance(x, bool) or x is None:
            return None
        if isinstance(x, (int, float, complex)):
            return x if isinstance(x, complex) else float(x)
        if any(type(x) is getattr(sys.modules.get(module), name, None)
               for module, name in _EXACT):  # (a step taken in exact digits is a step)
            return float(x)
        kind = getattr(getattr(x, "dtype", None), "kind", "")
        return x if kind in ("f", "c") and hasattr(x, "ravel") else None

    def _record(self, code: Any, args: list[Any], nudged: set[int],
                tags: tuple[tuple[int, Any], ...] = ()) -> None:
        """The numbers of a call of the forward pass (for ``_differences`` those not
        ``nudged``, by argument), and the call itself, its ``tags`` with them."""
        seen = self.forward.setdefault(code, [])
        seen += [set() for _ in range(len(args) - len(seen))]  # (*args: as many as given)
        floats = tuple((k, x) for k, x in enumerate(args) if type(x) is float and x == x)
        calls = self.calls.setdefault(code, set())
        if floats and len(floats) + len(tags) > 1 and len(calls) < MOST:
            calls.add(nearby.call_key(floats, tags))
        for k, x in enumerate(args):
            if type(x) is float and x == x and len(seen[k]) < MOST and x not in seen[k]:
                seen[k].add(x)
                if k not in nudged:
                    bisect.insort(self.ordered.setdefault((code, k), []), x)

    def _differences(self, code: Any, args: list[Any], caller: Any) -> set[int]:
        """In the forward pass: a function of the forward pass (of the class's file, or
        ``OWN``) called at a complex number, or at two numbers on either side of one it took
        before (within ``NEXT``), it their midpoint (``EVEN``), neither a number of the graph
        (``known``: an honest forward pass calls its functions at those, and a graph may hold
        t and 2 - t, on either side of 1), both while one node is made (between one call of
        the class's ``__init__`` and the next: the lecture's tanh calls exp at 2x, and three
        nodes 1e-4 apart put those on either side of one another, each as another node is
        made): finite differences taken as the nodes are made,
        kept as their local derivatives. Returns the arguments that were such a number (not
        recorded: the next step's is next to the operand, not to them)."""
        nudged: set[int] = set()
        for k, x in enumerate(args):
            if x is None or (type(x) is float and not self.ordered.get((code, k))):
                continue
            if isinstance(x, complex) or getattr(getattr(x, "dtype", None), "kind", "") == "c":
                self.found = f"{_named(code)}, at a complex number{self._line(caller)}"
                self.in_forward = True
                return nudged
            numbers = self.ordered.get((code, k), [])
            values = [x] if type(x) is float else [float(v) for v in x.ravel()[:MOST]]
            for v in values if numbers else ():
                u = nearest(numbers, v)
                if u is None or abs(v - u) <= FLOOR * max(abs(u), 1.0) or \
                        nearest(self.known, v, 0.0) is not None:
                    continue
                nudged.add(k)
                others = self.nudged.setdefault((code, k, u, self.made), set())
                for w in others:
                    if even(u, v, w):
                        self.found = (f"{_named(code)}, at {min(v, w)!r} and {max(v, w)!r}, "
                                      f"on either side of {u!r}, a number it took as a node "
                                      f"was made{self._line(caller)}")
                        self.in_forward = True
                        return nudged
                if len(others) < NUDGED * 8:
                    others.add(v)
        return nudged

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
                        self._record(name, numbers,
                                     self._differences(name, numbers, sys._getframe(1)))
            except Exception:  # (never in the way of the function itself)
                pass
            return real(*args, **kwargs)

        watching.__name__ = name
        return watching

    def _unseen(self, code: Any, args: list[Any], caller: Any,
                tags: tuple[tuple[int, Any], ...] = ()) -> None:
        """In ``backward()``: a function of the class's file that the forward pass never
        called (a helper that recomputes the graph), called at a complex number, or at two
        numbers on either side of one of the forward pass's (any function's), it their
        midpoint (``EVEN``), neither a number of the graph: the forward pass run again. (Not any
        two numbers next to one: a helper of an honest backward takes grads and local
        derivatives, which may lie next to the graph's numbers. At plain floats, only such pairs
        about two numbers of the forward pass, as a finite difference for each node makes:
        an honest helper's shares -u and 3u of a local derivative u, or u·t and u/t with t =
        tanh(7.39) = 1 - 7.6e-7, lie so about one number, in one grading of a hundred.)"""
        if self.every is None:
            self.every = sorted({x for seen in self.forward.values() for s in seen for x in s})
        name = f"{code.co_name}, your function {_defined(code)} that the forward pass never called"
        for x in args:
            if x is None:
                continue
            if isinstance(x, complex) or getattr(getattr(x, "dtype", None), "kind", "") == "c":
                self.found = f"{name}, at a complex number{self._line(caller)}"
                return
            for v in [x] if type(x) is float else [float(v) for v in x.ravel()[:MOST]]:
                u = nearest(self.every, v)
                if u is None or abs(v - u) <= FLOOR * max(abs(u), 1.0) or \
                        nearest(self.known, v, 0.0) is not None:
                    continue
                others = self.nudged.setdefault((code, -1, u), set())
                for w in others:
                    if even(u, v, w):
                        said = (f"{name}, at {min(v, w)!r} and {max(v, w)!r}, on either "
                                f"side of {u!r}, a number of the forward pass{self._line(caller)}")
                        paired = self.paired.setdefault(code, {})
                        paired.setdefault(u, said)
                        if type(x) is not float or len(paired) > 1:
                            self.found = next(iter(paired.values()))
                            return
                if len(others) < NUDGED * 8:
                    others.add(v)

    def _check(self, code: Any, args: list[Any], caller: Any,
               tags: tuple[tuple[int, Any], ...] = ()) -> None:
        """In ``backward()``: a function of the forward pass called at a complex number, or
        at two numbers on either side of one it took there, it their midpoint (``EVEN``),
        each point next to the numbers of one of its calls (``tags``: the strings, flags and
        Nones it is given, which name the call too: an op's symbol given to a dispatcher,
        ``_binary("*", a, b)``)."""
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
        calls = self.calls.get(code) if all(x is None or type(x) is float for x in args) \
            else None
        for column in columns(args, numbers):
            near = []
            call = []  # (the forward pass's numbers it is at or next to)
            for k, v in column:
                u = nearest(numbers[k], v)
                if u is None:
                    break
                call.append((k, u if v != u else closest(numbers[k], v)))
                if v != u and nearest(self.known, v, 0.0) is None:  # (a number of the
                    # graph is no step: ``4 / (exp(x) + exp(-x))**2`` at a tanh node's own
                    # x, next to another node's where the graph's numbers converge)
                    near.append((k, u, v))
            else:
                if calls and call and len(call) + len(tags) > 1 and \
                        nearby.call_key(tuple(call), tags) not in calls:
                    continue  # (next to numbers of the forward pass, each, but not to those
                    # of one of its calls: ``_add(1.0, -t * t)`` of an honest tanh's
                    # backward, where the forward pass called ``_add(x, 1.0)`` and
                    # ``_add(y, -1.0)``, tanh's t next to 1; a65 h3, h4; ``_binary("+",
                    # g, 1.0)`` next to the forward pass's ``_binary("*", t, t)``, a65t's
                    # h2. A finite difference calls the function at one call's numbers,
                    # nudged)
                for k, u, v in near:
                    if abs(v - u) > NEXT * abs(u):  # (next to a number below 1 by the floor
                        if self._across(code, (k, u, v), line):  # alone, where an honest
                            return  # backward's small gradients lie too: a step across it
                        continue  # is looked for, a central difference's; a65 h3, h4)
                    points = self.nudged.setdefault((code, k, u), set())
                    w = next((w for w in points if even(u, v, w)), None)
                    if w is not None:  # (not any two: ``_mul(-1.0, t * t)`` of an honest
                        self.found = (  # backward, t * t below the forward pass's 1.0 at
                            # every saturated tanh, a65t's h1; a one-sided difference's
                            # error, 1e-6 or more, fails on the numbers)
                            f"{name}, at {min(v, w)!r} and {max(v, w)!r}, on either side of "
                            f"{u!r}, a number it took there{line}")
                        return
                    if len(points) < NUDGED * 32:
                        points.add(v)

    def _across(self, code: Any, point: tuple[int, float, float], line: str) -> bool:
        """``v`` (``point``: k, u, v), next to ``u`` (a number below 1 that the forward pass
        gave argument ``k``) by more than ``NEXT`` of it: said found (at ``line``) if an
        earlier such number and ``v`` lie on either side of ``u``, it their midpoint, and
        nearer it than 0 (a central difference at a small number: ``u - h`` and ``u + h``);
        not two numbers near it (an honest backward's helper, ``_add(self.grad, ...)``, used
        by its forward pass too, is given gradients of 1e-5 next to a node's 1e-9, as many as
        there are nodes), nor ``g`` and ``-g`` about a small ``u``."""
        k, u, v = point
        points = self.nudged.setdefault((code, k, u, "across"), set())
        for w in points:
            if even(u, v, w) and abs(v + w - 2 * u) < abs(u):
                self.found = (f"{_named(code)}, at {min(v, w)!r} and {max(v, w)!r}, on "
                              f"either side of {u!r}, a number it took there{line}")
                return True
        if len(points) < NUDGED * 32:
            points.add(v)
        return False

    def _line(self, frame: Any) -> str:
        while frame is not None:
            if frame.f_code.co_filename in self.files:
                return ", called " + watched_numbers.lines_said(frame.f_code.co_filename,
                                                        [frame.f_lineno])
            frame = frame.f_back
        return ""


limit.stops_by_lines(_Watch.profile.__code__)


def _held(value: Any) -> Any:
    """A Value's number where it is not in its ``__dict__``: a slot's, or a property's (``data``
    computed from what the Value holds, ``self._d``), read as ``.data`` is; None if none."""
    for klass in type(value).__mro__:
        found = vars(klass).get("data")
        if found is not None:
            return found.__get__(value, type(value)) if hasattr(found, "__get__") else None
    return None


def _defined(code: Any) -> str:
    """Where a function of the class's file begins, as a verdict says a line (``on line 9``;
    in a notebook, in its cell: ``watched_numbers.lines_said``)."""
    return watched_numbers.lines_said(code.co_filename, [code.co_firstlineno])


def _named(key: Any) -> str:
    """A function of the forward pass as a verdict names it: the learner's by its line, or
    ``math``'s or NumPy's by its name."""
    if isinstance(key, str):
        return f"{key}, which computed nodes in the forward pass"
    return f"{key.co_name}, your function {_defined(key)} that computed nodes in the forward pass"


def _listed(given: list[Any]) -> list[Any]:
    """The floats and arrays (``nested_items``) in the lists and tuples among ``given``."""
    return [y for y in nested_items(given) if type(y) is float or hasattr(y, "dtype")]


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

    def __init__(self, cls: Any, on: bool = True, known: tuple[float, ...] = ()) -> None:
        self.watch = _Watch(cls, _files(cls) if on else set(), known)
        self.cls, self.on = cls, on
        self.before: Any = None
        self.restore: Callable[[], None] = lambda: None
        self.given: list[tuple[str, Any, int, Any]] = []
        self.seeing = CallsSeen.of(cls, _holder(cls) if on else None, self.watch.files,
                                   getattr(cls, "__module__", None), self.given,
                                   lambda: self.watch.backward, matrices=True)

    def __enter__(self) -> Callable[[], None]:
        if self.on:
            watched_numbers.FORWARD.clear()
            watched_numbers.FORWARD["functions"] = OWN
            try:
                self.restore = watched._watching_functions(_holder(self.cls), self.watch.wrapper)
            finally:
                watched_numbers.FORWARD.clear()
            self.before = sys.getprofile()
            self.seeing.__enter__()
            sys.setprofile(self.watch.profile)
        return self.running_backward

    def running_backward(self) -> None:
        self.watch.backward = True
        self.watch.nudged.clear()  # (the forward pass's: a backward's are counted anew)

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if self.on:
            self.seeing.__exit__()
            before = self.before  # (cProfile's is no function: it cannot be put back)
            sys.setprofile(before if callable(before) else None)
            self.restore()
        watch = self.watch
        if watch.noted is not None and len(NOTED) < 8:
            NOTED.append(watch.noted)
        if self.given and not watch.held:  # (one given to a call: Python 3.12 and later)
            what, code, offset, backward = self.given[0]
            watch.held = f"{what}, in {code.co_name} " + watched_numbers.lines_said(
                code.co_filename, [line_of(code, offset)])
            watch.held_in_forward = not backward
        constant = complex_constant(list(watch.ran)) if self.on and not watch.held else None
        if constant is not None:  # (1e-20j in the class's code: 3.10 and 3.11 see no call)
            what, code, line = constant
            watch.held = f"{what}, in {code.co_name} " + watched_numbers.lines_said(
                code.co_filename, [line])
        if self.seeing.done and not watch.held:  # (complex arithmetic, in one expression)
            what, code, offset, backward = self.seeing.done[0]
            watch.held = f"{what}, in {code.co_name} " + watched_numbers.lines_said(
                code.co_filename, [line_of(code, offset)])
            watch.held_in_forward = not backward
        if kind is not None and not issubclass(kind, Exception):
            return
        if watch.duals.found and not watch.found:  # (a dual number: before a complex one)
            raise watched.OwnNumbers(watch.duals.found)
        found, in_forward = (watch.found, watch.in_forward) if watch.found else \
            (watch.held, watch.held_in_forward)
        if found:
            raise (watched.ForwardDifferences if in_forward else watched.ForwardAgain)(found)
