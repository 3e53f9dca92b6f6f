"""Random draws inside a compiled function: from ``random``'s and ``numpy.random``'s global
generators, a program draws the same numbers from the same stream at every call, so that its
numbers are the engine's for the same seed (dropout, noise, a random scale).

While a capture runs, the functions of ``random`` (``random.random``, ``gauss``, ``uniform``,
``choice``, ``shuffle``...) and ``numpy.random``'s (``normal``, ``rand``, ``randint``...)
draw as they do and the capture records each call (``Draws``); a float drawn is a number the
capture follows, an input of the program; anything else drawn (an int, a choice, an order)
picks the program, like an int given. At each call of the program, the same calls are made
again on the same generator, in the same order (``Draws.replay``): the floats are the
program's inputs, and where anything else comes out otherwise, the stream is put back and the
function is captured again. A choice, a sample or a shuffle of a sequence is replayed on the
positions of one as long (the same draws), and the positions are what must come out again.

An array of floats drawn (``rand(2)``, ``normal(size=3)``: a dropout mask, noise) is one
input per item, and the function meets it as an array whose items are followed
(``followed_arrays.py``: ``rand(2) > 0.5``, ``mask / (1 - p)``, ``m[0]`` are steps of the
program; a sum of it, ``np.where``, a product of matrices are made of its numbers, constants
guarded to the bit); an array of ints drawn picks the program. ``numpy.random.seed`` inside
the function is a draw too, replayed at every call; so is a state saved and set again
(``st = random.getstate(); peek = random.random(); random.setstate(st)``): the state set is
the one saved at that call (``Draw.source``).

A generator made in the call from a seed (``random.Random(seed)``, NumPy's
``default_rng(seed)``) draws the seed's numbers at every call: the program's (a seed the
capture follows is guarded to the bit). A draw from any other generator (one made outside
the call, or with no seed, a ``SystemRandom``) or the clock is refused, naming the line:
make it in the function from a seed, or draw outside the compiled function and pass the
numbers in. So is a draw from NumPy's global generator by a way the
capture does not see (the object itself: ``unseen_draws``), and any draw from PyTorch's
generators (``torch_draws``: their state lives in C, where a program cannot draw again).
"""

from __future__ import annotations

import random
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from tinygrad_edu.program.followed_arrays import drawn_array
from tinygrad_edu.program.learners_code import learners_line
from tinygrad_edu.program.own_ops import drawn_inside
from tinygrad_edu.program.states import generator_state
from tinygrad_edu.program.traced import Traced, recording

__all__ = ["Draws", "generators_drawn", "numpy_state", "patches", "put_back",
           "state", "torch_draws", "unseen_draws"]

RANDOM = ("random", "uniform", "gauss", "normalvariate", "lognormvariate", "expovariate",
          "vonmisesvariate", "gammavariate", "betavariate", "paretovariate", "weibullvariate",
          "triangular", "binomialvariate", "randint", "randrange", "getrandbits", "choice",
          "choices", "sample", "shuffle", "seed", "setstate", "getstate", "randbytes")
"""The functions of ``random`` (its global generator's methods) a capture follows."""

NUMPY = ("rand", "randn", "random", "random_sample", "sample", "ranf", "uniform", "normal",
         "standard_normal", "exponential", "standard_exponential", "gamma", "standard_gamma",
         "beta", "lognormal", "laplace", "logistic", "gumbel", "triangular", "rayleigh",
         "wald", "weibull", "pareto", "power", "vonmises", "chisquare", "standard_t",
         "standard_cauchy", "poisson", "binomial", "geometric", "randint", "random_integers",
         "choice", "shuffle", "permutation", "seed", "set_state", "get_state")
"""``numpy.random``'s functions of its global generator a capture follows (without
``size``: one number)."""

ON_POSITIONS = {"choice", "choices", "sample", "shuffle", "permutation"}
"""Draws that pick from a sequence: replayed on the positions of one as long."""

_inside = threading.local()  # (a draw running: the generator's own calls are its)


class Draw:
    """One call on a global generator: where (``"random"`` or ``"numpy"``), the function's
    name, its arguments as replayed (a sequence's length ``n`` where it picks from one), and
    what came out (a float drawn is an input: ``number``; anything else must come out again:
    ``outcome``)."""

    def __init__(self, where: str, name: str, args: tuple[Any, ...], options: dict[str, Any],
                 n: int | None, outcome: Any, number: bool, line: str) -> None:
        self.where, self.name, self.args, self.options = where, name, args, options
        self.n, self.outcome, self.number, self.line = n, outcome, number, line
        self.source: Draw | None = None  # (a state set that a getstate of the call gave)
        self.last: Any = None  # (what it gave at its last replay)
        self.set_again = False  # (a state saved that the call sets again: its own each call)

    def again(self) -> Any:
        """The same call on the generator (on positions where it picks from a sequence):
        what it gives, as ``outcome`` is kept (a state saved and set again in the call,
        ``st = random.getstate() ... random.setstate(st)``: the one saved this time)."""
        function = _original(self.where, self.name)
        if self.source is not None:
            self.last = function(self.source.last, *self.args[1:], **self.options)
            return self.last
        if self.n is None:
            self.last = function(*self.args, **self.options)
            return self.last
        positions = _positions(self.where, self.name, self.n)
        out = function(positions, *self.args, **self.options)
        return _outcome(self.name, positions, out)

    def __repr__(self) -> str:
        what = "an input of the program" if self.number else f"must give {self.outcome!r} again"
        return f"{self.where}.{self.name}({', '.join(map(repr, self.args))}): {what}, {self.line}"


class Draws:
    """The draws of one capture, in order (``replay`` makes them again)."""

    def __init__(self) -> None:
        self.calls: list[Draw] = []
        self.failed: Draw | None = None  # (the draw that came out otherwise, last replay)

    def __bool__(self) -> bool:
        return bool(self.calls)

    def replay(self) -> list[Any] | None:
        """The same calls again: the floats drawn (the program's inputs, in order), or None
        where something else drawn came out otherwise (the caller puts the streams back)."""
        found = []
        for draw in self.calls:
            out = draw.again()
            self.failed = draw
            if draw.number:
                if type(draw.outcome) is float:
                    if type(out) is not float:
                        return None
                    found.append(out)
                elif _floats(out) and out.shape == draw.outcome.shape:
                    found.extend(out.flat)
                else:
                    return None
            elif draw.name in ("getstate", "get_state"):
                if not draw.set_again and not _same_held(out, draw.outcome):
                    return None  # (a state read: what it holds must be what it was)
            elif not _same(out, draw.outcome):
                return None
        self.failed = None
        return found


def _positions(where: str, name: str, n: int) -> Any:
    """What a draw that picks from a sequence of ``n`` items is made on instead: the same
    calls on the generator."""
    if name == "shuffle":
        return list(range(n))
    return n if where == "numpy" else range(n)


def _outcome(name: str, positions: Any, out: Any) -> Any:
    """The positions a draw on positions picked, as plain ints."""
    if name == "shuffle":
        return list(positions)
    if hasattr(out, "tolist"):
        return out.tolist()
    return list(out) if isinstance(out, (list, tuple)) else int(out)


def _same(a: Any, b: Any) -> bool:
    if hasattr(a, "shape") and hasattr(b, "shape"):  # (an array of ints drawn)
        return bool(type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype and
                    (a == b).all())
    try:
        return bool(type(a) is type(b) and a == b)
    except (TypeError, ValueError):  # (arrays)
        return False


def _same_held(a: Any, b: Any) -> bool:
    """Two states of a generator (``getstate()``, ``get_state()``: tuples, NumPy's arrays or
    dicts in them) holding the same."""
    if hasattr(a, "shape") or hasattr(b, "shape"):
        return _same(a, b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same_held, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_held(a[k], b[k]) for k in a)
    return _same(a, b)


def state() -> tuple[Any, Any]:
    """The global generators' states (to put back where a program does not run)."""
    numpy = sys.modules.get("numpy")
    return random.getstate(), (numpy.random.get_state() if numpy is not None else None)


def numpy_state() -> Any:
    """``numpy.random``'s global generator's state as a capture starts (None: no NumPy)."""
    numpy = sys.modules.get("numpy")
    return numpy.random.mtrand._rand.get_state() if numpy is not None else None  # (its
    # own method: numpy.random.get_state is a draw the capture records)


def unseen_draws(record: Any, start: Any) -> None:
    """Where ``numpy.random``'s global generator is not, at the capture's end, where the
    draws it saw leave it from ``start`` (made again from there), something drew from it
    unseen (the generator itself, ``numpy.random.mtrand._rand``, as scikit-learn's
    ``check_random_state(None)`` gives it): refused, for a program would not draw again."""
    numpy = sys.modules.get("numpy")
    if start is None or numpy is None:
        return
    held = numpy.random.mtrand._rand
    end = held.get_state()
    seen = [d for d in (record.draws.calls if record.draws else ()) if d.where == "numpy"]
    if not seen and _same_state(start, end):
        return
    _inside.on = True
    held.set_state(start)
    try:
        for draw in seen:
            draw.again()
        expected = held.get_state()
    finally:
        held.set_state(end)
        _inside.on = False
    if not _same_state(expected, end):
        record.refused = record.refused or (
            "it draws from numpy.random's global generator by a way the capture does not see "
            "(the generator itself, numpy.random.mtrand._rand, as scikit-learn's "
            "check_random_state(None) gives it; or another thread drew from it meanwhile), "
            "which a program would not draw again; call numpy.random's functions "
            "(numpy.random.rand()), which a program draws again at every call, or draw "
            "outside the compiled function and pass the numbers in; somewhere in the call "
            f"made at {learners_line()}")


def _same_state(a: Any, b: Any) -> bool:
    """Two states of NumPy's legacy generator (its name, its key, position, cached
    Gaussian) the same."""
    return a[0] == b[0] and tuple(a[2:]) == tuple(b[2:]) and bool((a[1] == b[1]).all())


def put_back(saved: tuple[Any, Any]) -> None:
    """The global generators' states as ``state()`` saved them."""
    random.setstate(saved[0])
    numpy = sys.modules.get("numpy")
    if saved[1] is not None and numpy is not None:
        numpy.random.set_state(saved[1])


_METHOD = {"seed": "seed", "sample": "random_sample", "ranf": "random_sample"}
"""``numpy.random``'s functions that are no method of its global generator (each calls
this one of its methods)."""
_ORIGINALS: dict[tuple[str, str], Callable[..., Any]] = {}


def _original(where: str, name: str) -> Callable[..., Any]:
    found = _ORIGINALS.get((where, name))
    if found is None:
        if where == "random":
            found = getattr(random._inst, name)
        else:  # (numpy.random.seed, sample, ranf: functions of the module that call these)
            found = getattr(sys.modules["numpy"].random.mtrand._rand, _METHOD.get(name, name))
        _ORIGINALS[(where, name)] = found
    return found


def followed_draw(method: Any) -> bool:
    """Whether ``method`` is a function of ``random``'s or ``numpy.random``'s global
    generator that a capture follows, bound to it (``from random import gauss``: what the
    module holds, imported by name): its draws are the program's inputs, so the generator it
    is bound to is no generator of the function's own (``outside.py`` does not look into
    it)."""
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    if owner is getattr(random, "_inst", None):
        return name in RANDOM
    numpy = sys.modules.get("numpy")
    return numpy is not None and owner is numpy.random.mtrand._rand and (
        name in NUMPY or name in _METHOD.values())


def patches() -> list[tuple[Any, str, Any]]:
    """What a capture puts in place of the generators' functions: (owner, name, new)."""
    found: list[tuple[Any, str, Any]] = []
    for name in RANDOM:
        if hasattr(random, name):
            found.append((random, name, _drawn("random", name)))
    for cls in (random.Random, random.SystemRandom):  # (any other generator: refused, but
        for name in ("random", "getrandbits"):  # one made in the call from a seed)
            found.append((cls, name, _refused(cls.__dict__.get(name) or getattr(cls, name))))
    found.append((random.Random, "__init__", _made_seeded(random.Random.__init__)))
    found.append((random.Random, "seed", _seeded_again(random.Random.seed)))
    found.append((random.Random, "setstate", _seeded_again(random.Random.setstate, False)))
    numpy = sys.modules.get("numpy")  # (only where NumPy is in use already)
    if numpy is not None:
        held = numpy.random.mtrand._rand
        for name in NUMPY:
            function = getattr(numpy.random, name, None)
            if getattr(function, "__self__", None) is held or (
                    name in _METHOD and function is not None and
                    hasattr(held, _METHOD[name])):
                found.append((numpy.random, name, _drawn("numpy", name)))
    return found


def _drawn(where: str, name: str) -> Callable[..., Any]:
    """The global generator's function ``name`` as a capture sees it (the module's docstring)."""
    def draw(*args: Any, **options: Any) -> Any:
        found = recording()
        if found is None or getattr(_inside, "on", False):
            return _original(where, name)(*args, **options)
        drawn_inside(found, where, name)
        args = tuple(found.constant(a, f"{where}.{name}") if isinstance(a, Traced) else a
                     for a in args)
        options = {k: found.constant(v, f"{where}.{name}") if isinstance(v, Traced) else v
                   for k, v in options.items()}
        n = None
        if name in ON_POSITIONS and args and not isinstance(args[0], int):
            sequence, args = args[0], args[1:]
            n = len(sequence)
            positions = _positions(where, name, n)
            _inside.on = True
            try:
                out = _original(where, name)(positions, *args, **options)
            finally:
                _inside.on = False
            outcome = _outcome(name, positions, out)
            result = _picked(where, name, sequence, outcome)
            number = False
        else:
            _inside.on = True
            try:
                out = _original(where, name)(*args, **options)
            finally:
                _inside.on = False
            result = outcome = out
            number = type(out) is float or _floats(out)
        if found.draws is None:
            found.draws = Draws()
        line = learners_line()
        made = Draw(where, name, args, options, n, outcome, number, line)
        if name in ("setstate", "set_state") and args:  # (a state the call saved: its own
            made.source = next((d for d in reversed(found.draws.calls) if d.where == where  # at
                                and d.outcome is args[0]), None)  # every call, as the engine)
            if made.source is not None:
                made.source.set_again = True
        if made.source is None and name in ("setstate", "set_state", "seed") and any(
                not isinstance(a, (int, float, str, bytes, type(None))) for a in args):
            found.effect(f"{where}.{name} with a state object (replayed with the same object)")
        found.draws.calls.append(made)
        at = len(found.draws.calls) - 1
        if number and type(out) is not float:  # (an array of floats: one input each)
            return drawn_array(out, [found.input(x, ("draw", at)) for x in out.flat])
        if number:
            return found.input(out, ("draw", at))
        return result

    draw.__name__ = name
    return draw


def _picked(where: str, name: str, sequence: Any, positions: Any) -> Any:
    """What a draw on positions gives for the sequence itself (a shuffle: in place)."""
    if name == "shuffle":
        old = list(sequence)
        sequence[:] = [old[k] for k in positions]
        return None
    items = sys.modules["numpy"].asarray(sequence) if where == "numpy" else sequence
    if isinstance(positions, int):
        return items[positions]
    return items[positions] if where == "numpy" else [items[k] for k in positions]


def _made_seeded(init: Callable[..., Any]) -> Callable[..., Any]:
    """``random.Random(seed)`` as a capture sees it: one made in the call from a seed (a
    number the program is picked by or guards: a followed one is guarded to the bit) draws
    the seed's numbers at every call, as NumPy's ``default_rng(seed)`` made inside does, so
    its draws are the program's, not refused (a64f's L2). One with no seed (the system's
    bytes), made outside, or a ``SystemRandom``: refused at its first draw."""
    def made(self: Any, x: Any = None, *args: Any, **options: Any) -> None:
        found = recording()
        if found is None or getattr(_inside, "on", False):
            return init(self, x, *args, **options)
        if isinstance(x, Traced):
            x = found.constant(x, "random.Random(seed)")
        init(self, x, *args, **options)
        if x is not None and not isinstance(self, random.SystemRandom):
            found.seeded[id(self)] = self  # (kept alive: its id stays its own)
        return None

    made.__name__, made.__qualname__ = init.__name__, init.__qualname__
    return made


def _seeded_again(seed: Callable[..., Any], by_seed: bool = True) -> Callable[..., Any]:
    """``rng.seed(a)`` as a capture sees it: a followed seed guarded to the bit; one made in
    the call seeded from the system (``rng.seed()``), or given a state (``rng.setstate(st)``,
    ``by_seed`` False: a state from anywhere, another generator's), is no longer followed."""
    def seeded(self: Any, a: Any = None, *args: Any, **options: Any) -> None:
        found = recording()
        if found is not None and not getattr(_inside, "on", False):
            if isinstance(a, Traced):
                a = found.constant(a, "rng.seed(a)")
            if a is None or not by_seed:
                found.seeded.pop(id(self), None)
        return seed(self, a, *args, **options)

    seeded.__name__, seeded.__qualname__ = seed.__name__, seed.__qualname__
    return seeded


def _refused(method: Callable[..., Any]) -> Callable[..., Any]:
    """A draw from another generator (or from the global one by another way) as a capture
    sees it: refused, naming the line."""
    def draw(self: Any, *args: Any) -> Any:
        found = recording()
        if found is not None and not getattr(_inside, "on", False) and \
                self is getattr(random, "_inst", None):
            found.refuse(f"it draws from random's global generator by a way the capture does "
                         f"not see (random._inst.{method.__name__}); "
                         f"call random's function (random.{method.__name__}(): followed, the "
                         "engine's numbers for the same seed)")
        elif found is not None and not getattr(_inside, "on", False) and \
                found.seeded.get(id(self)) is not self:
            found.refuse(f"it draws from a generator a program cannot follow "
                         f"({type(self).__name__}.{method.__name__}: made outside the call, "
                         "or with no seed); make it in the compiled function from a seed, "
                         "random.Random(seed) (its draws are the seed's, followed), or draw "
                         "outside the compiled function and pass the numbers in")
        return method(self, *args)

    draw.__name__ = method.__name__
    return draw


# ----------------------------------------------------------------------------- arrays drawn
def _floats(out: Any) -> bool:
    """Whether ``out`` is an array of floats NumPy drew (``rand(2)``, ``normal(size=3)``)."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and type(out) is numpy.ndarray and out.dtype == numpy.float64


# ----------------------------------------------------------------------------- its own
def generators_drawn(record: Any, generators: Any, lines: dict[Any, str]) -> None:
    """A generator reached from outside (``outside.py``'s places, each with its state when
    reached) whose state the function changed: refused (what it gives changes at every call),
    naming the line that read it (``lines``: a root's key -> the line)."""
    for place, before in generators:
        if generator_state(place.value) != before:
            root = place
            while root.parent is not None:
                root = root.parent
            record.refused = record.refused or (
                f"it draws from {place.said()!r}, a random generator of its own "
                f"({type(place.value).__name__}): a program cannot follow it; make it in "
                "the compiled function from a seed (random.Random(seed), "
                "numpy.random.default_rng(seed): its draws are the seed's, followed), or draw "
                "outside the compiled function and pass the numbers in, at "
                f"{lines.get(root.key()) or '?'}")


# ----------------------------------------------------------------------------- PyTorch's
def torch_draws() -> AbstractContextManager[Any]:
    """PyTorch's random generators as a capture sees them, while the block runs: a call of
    PyTorch's (``torch.rand``, ``randn`` with a ``torch.Generator``, a ``Dropout`` in training
    mode, ``uniform_``, ``torch.nn.init.normal_``) after which its default generator, or one
    it was given, holds another state drew from it: refused, naming the line, as another
    generator is (their state lives in C: a program would keep the capture's draw). Only
    where PyTorch is imported already; its modes are the thread's, as a capture is. Made
    before the capture: importing PyTorch's modes draws from ``random``."""
    torch: Any = sys.modules.get("torch")
    if torch is None:
        return nullcontext()
    if not _TORCH_MODE:
        from torch.overrides import TorchFunctionMode

        class Drawn(TorchFunctionMode):
            def __torch_function__(self, func: Any, types: Any, args: Any = (),
                                   kwargs: Any = None) -> Any:
                kwargs = kwargs or {}
                held = [torch.default_generator, *(g for g in (*args, *kwargs.values())
                                                   if type(g) is torch.Generator)]
                before = [g.get_state() for g in held]
                out = func(*args, **kwargs)
                found = recording()
                if found is not None and any(not torch.equal(state, g.get_state())
                                             for g, state in zip(held, before)):
                    found.refuse(f"it draws from PyTorch's random generator "
                                 f"({getattr(func, '__name__', 'torch')}), which a program "
                                 "cannot draw again; draw from random's or numpy.random's "
                                 "global generator, or outside the compiled function and "
                                 "pass the numbers in")
                return out

        _TORCH_MODE.append(Drawn)
    return _TORCH_MODE[0]()


_TORCH_MODE: list[Any] = []
