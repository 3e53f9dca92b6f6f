"""The inputs the grader draws for each kind of exercise (hypothesis's strategies), the worked
examples every solution is tried on first, and how a solution is run on them (a ``Call``).

The cases themselves, and the calls, are data: ``learner/inputs.py`` defines them, so that
the learner's process, which runs the solution, can read them without the grader.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import os
import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from tinygrad_edu.exercises.learner.inputs import Call, Params
from tinygrad_edu.exercises.learner.number_cases import FUNCTIONS, Arrays, Point, Slope, Vectors
from tinygrad_edu.testing import floats_in

if TYPE_CHECKING:  # the cases of the exercises on arrays import it when they are drawn
    import numpy as np

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises

# ----------------------------------------------------------------------------- numbers


def points(names: Sequence[str], intervals: Sequence[st.SearchStrategy[float]],
           forward: Callable[..., float] | None = None, output: str = ""
           ) -> st.SearchStrategy[Point]:
    """Points with one float per name (from ``intervals``) and, given ``forward``, y."""
    def make(values: tuple[float, ...]) -> Point:
        y = None if forward is None else forward(*values)
        return Point(tuple(names), values, output, y)

    return st.tuples(*intervals).map(make)


def point(names: Sequence[str], values: Sequence[float],
          forward: Callable[..., float] | None = None, output: str = "") -> Point:
    """One point, for the worked examples that are always tried first."""
    values = tuple(float(v) for v in values)
    return Point(tuple(names), values, output, None if forward is None else forward(*values))


EXACT_POINTS = 4
"""How many points a rule is tried on for exactness (``shortcuts.py``), at every grading."""
EXACT_MARGIN = 0.05
"""How far each number of such a point keeps from its interval's ends and middle (a share
of the interval) and from a kink (this far)."""


SEED = "TINYGRAD_EDU_SEED"
"""Set to a seed (a whole number), the grading draws its inputs from it (``--seed``): to
grade again as a recorded grading did."""

_seed: int | None = None


def begin(seed: int | None = None) -> int:
    """A new grading, whose inputs are all drawn from ``seed``, else ``SEED``'s, else a new
    one from the operating system's random numbers (64 bits); its seed."""
    global _seed
    given = os.environ.get(SEED, "").strip()
    _seed = seed if seed is not None else int(given) if given else \
        int.from_bytes(os.urandom(8), "big")
    return _seed


def grading_seed() -> int:
    """The seed of this grading (``begin``'s; the first use begins one)."""
    return _seed if _seed is not None else begin()


def drawn_from(*what: object) -> int:
    """A seed for one kind of draw (``what``: its purpose and the exercise's number) of this
    grading."""
    text = repr((grading_seed(), *what)).encode("utf-8")
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def unpredictable() -> random.Random:
    """Random numbers seeded by the operating system (``os.urandom``): what a learner's file
    cannot know before it is graded, nor read back from anything published."""
    return random.Random(os.urandom(32))


@dataclasses.dataclass(frozen=True)
class ExactPoints:
    """Where a rule of ``len(names)`` inputs is tried for exactness: ``draw`` gives
    ``EXACT_POINTS`` new points at every grading (nothing published to look up, nothing
    the same twice), each number uniform in its interval, kept ``EXACT_MARGIN`` of it away
    from its ends and its middle and 0.05 from a kink, with every digit of a float64 used
    (never numbers a power of two apart, where a difference is exact). There a rule written
    as an expression of its inputs is exact to about 1e-15, and no central difference of a
    function that is not a polynomial comes closer than about 1e-11 on all of them."""

    names: tuple[str, ...]
    intervals: tuple[tuple[float, float], ...]
    forward: Callable[..., float] | None = None
    output: str = ""
    kinks: tuple[float, ...] = ()

    def draw(self, rng: random.Random | None = None) -> tuple[Point, ...]:
        """New points (from ``rng``, else ``unpredictable()``)."""
        rng = rng or unpredictable()
        return tuple(point(self.names, [self._number(rng, lo, hi) for lo, hi in self.intervals],
                           self.forward, self.output) for _ in range(EXACT_POINTS))

    def _number(self, rng: random.Random, lo: float, hi: float) -> float:
        away = EXACT_MARGIN * (hi - lo)
        while True:
            v = rng.uniform(lo + away, hi - away)
            if abs(v - (lo + hi) / 2) >= away and all(abs(v - k) >= EXACT_MARGIN
                                                      for k in self.kinks) \
                    and v.as_integer_ratio()[1] >= 2**40:  # (every digit used)
                return v


def exact_points(names: Sequence[str], intervals: Sequence[tuple[float, float]],
                 forward: Callable[..., float] | None = None, output: str = "",
                 kinks: Sequence[float] = ()) -> tuple[ExactPoints]:
    """What an exercise's ``exact`` holds for a rule of numbers: its ``ExactPoints``."""
    return (ExactPoints(tuple(names), tuple((float(lo), float(hi)) for lo, hi in intervals),
                        forward, output, tuple(kinks)),)


@dataclasses.dataclass(frozen=True)
class ExactArrays:
    """Where a rule on arrays is tried for exactness: ``draw`` gives a new case at every
    grading, named arrays of the given shapes with numbers uniform in [-2, 2] (the array
    named ``one_hot`` a one-hot row per example, its classes drawn too)."""

    shapes: tuple[tuple[str, tuple[int, int]], ...]
    one_hot: str = ""

    def draw(self, rng: random.Random | None = None) -> tuple[Arrays]:
        """A new case (from ``rng``, else ``unpredictable()``); its arrays are made when it
        is first used (NumPy is imported only where the exercises on arrays are graded)."""
        seed = (rng or unpredictable()).getrandbits(128)
        shapes, one_hot = self.shapes, self.one_hot

        def made() -> tuple[tuple[str, Any], ...]:
            import numpy as np

            generator = np.random.default_rng(seed)
            arrays = []
            for name, shape in shapes:
                if name == one_hot:
                    arrays.append((name, np.eye(shape[1])[generator.integers(0, shape[1],
                                                                             shape[0])]))
                else:
                    arrays.append((name, generator.uniform(-2.0, 2.0, shape)))
            return tuple(arrays)
        return (Arrays(made),)


def exact_arrays(shapes: Sequence[tuple[str, tuple[int, int]]], one_hot: str = ""
                 ) -> tuple[ExactArrays]:
    """What an exercise's ``exact`` holds for a rule on arrays: its ``ExactArrays``."""
    return (ExactArrays(tuple(shapes), one_hot),)


def draw_exact(exercise: Any, rng: random.Random | None = None) -> tuple[Any, ...]:
    """The cases where ``exercise`` (a rule exercise, or the Value: ``exact_graphs``) is
    tried for exactness, drawn afresh: from ``rng`` if given (a test's), else from the
    grading's seed (``drawn_from``)."""
    rng = rng or random.Random(drawn_from("exact", exercise.number))
    return tuple(case for drawer in (*exercise.exact, *exercise.exact_graphs)
                 for case in drawer.draw(rng))


def call_rule(parts: Sequence[str]) -> Call:
    """Run a rule on a point's numbers, watched (``learner/watched.py``); its answer is one
    number per part."""
    return Call("rule", tuple(parts))


call_numbers = Call("numbers")
call_sgd, call_step = Call("sgd", ("new data",)), Call("step", ("the parents' grads",))
call_topological, call_backward = Call("topological", ("order",)), Call("backward", ("grads",))
call_paths = Call("paths", ("count", "df/dx"))
call_value_forward = Call("value_forward", ("data",))
call_value_backward = Call("value_backward", ("grads",))


def call_rule_arrays(parts: Sequence[str]) -> Call:
    """Run a rule on a case's arrays, watched (``learner/watched.py``); its answer is one
    array per part."""
    return Call("rule arrays", tuple(parts))


def interval(lo: float, hi: float, kinks: Sequence[float] = (), margin: float = 1e-3
             ) -> st.SearchStrategy[float]:
    return floats_in((lo, hi), kinks, margin)


def slopes() -> st.SearchStrategy[Slope]:
    return st.builds(Slope, st.sampled_from(FUNCTIONS), interval(-2.0, 2.0),
                     st.sampled_from([0.1, 0.05, 0.01, 0.001]))


@st.composite
def vectors(draw: st.DrawFn) -> Vectors:
    n = draw(st.integers(1, 4))
    entry = tenths(-3.0, 3.0)
    a = draw(st.lists(entry, min_size=n, max_size=n))
    b = draw(st.lists(entry, min_size=n, max_size=n))
    if math.hypot(*a) + math.hypot(*b) < 0.1:  # keep away from 0/0
        a[0] = 1.0
    return Vectors(tuple(a), tuple(b))


# ----------------------------------------------------------------------------- arrays

@functools.cache
def tenths(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Numbers with one decimal in [lo, hi]: easy to follow by hand in a verdict."""
    return st.integers(round(lo * 10), round(hi * 10)).map(lambda k: k / 10)


def _matrix(draw: st.DrawFn, rows: int, cols: int, lo: float = -2.0, hi: float = 2.0
            ) -> np.ndarray:
    import numpy as np
    from hypothesis.extra import numpy as hnp

    return draw(hnp.arrays(np.float64, (rows, cols), elements=tenths(lo, hi)))


@st.composite
def logits(draw: st.DrawFn) -> Arrays:
    """Z (batch×classes) and one-hot Y; as many classes as examples half the time, where a
    mistaken axis gives numbers of the right shape."""
    import numpy as np

    batch = draw(st.integers(1, 4))
    classes = batch if batch > 1 and draw(st.booleans()) else draw(st.integers(2, 4))
    Z = _matrix(draw, batch, classes, -4.0, 4.0)
    labels = draw(st.lists(st.integers(0, classes - 1), min_size=batch, max_size=batch))
    return Arrays((("Z", Z), ("Y", np.eye(classes)[labels])))


@st.composite
def dense_inputs(draw: st.DrawFn) -> Arrays:
    """X (B×I), W (I×O), b (1×O) and dZ (B×O); a square W half the time, where a missing
    transpose gives numbers of the right shape."""
    batch, n_in = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    n_out = n_in if draw(st.booleans()) else draw(st.integers(1, 4))
    return Arrays((("X", _matrix(draw, batch, n_in)), ("W", _matrix(draw, n_in, n_out)),
                   ("b", _matrix(draw, 1, n_out)), ("dZ", _matrix(draw, batch, n_out))))


@st.composite
def params(draw: st.DrawFn) -> Params:
    n = draw(st.integers(1, 4))
    unit = tenths(-3.0, 3.0)
    data = tuple(draw(unit) for _ in range(n))
    grads = tuple(draw(unit) for _ in range(n))
    return Params(data, grads, draw(st.sampled_from([0.5, 0.1, 0.05, 0.01])))


