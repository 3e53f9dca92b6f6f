"""The inputs of the exercises on numbers and on arrays, as data: the points of a derivative
rule (``Point``), a function, a point and a step for the finite difference (``Slope``), two
gradients to compare (``Vectors``), named NumPy arrays (``Arrays``). Each prints as the
failing input of a verdict and gives a solution fresh arguments on each call. The inputs
made of Values (graphs, expressions) are in ``inputs.py``, with ``Call``; the microgpt
track's in ``gpt_cases.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinygrad_edu.formatting import shape_text

if TYPE_CHECKING:  # the cases of the exercises on arrays import it when they are used
    import numpy as np

__all__ = ["FUNCTIONS", "Arrays", "Function", "Point", "Slope", "Vectors"]

# ----------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class Point:
    """Numbers for a derivative rule: the inputs by name and, for a rule that gets it, the
    op's output ``y`` (``output`` says how it was computed, e.g. ``tanh(x)``)."""

    names: tuple[str, ...]
    values: tuple[float, ...]
    output: str = ""
    y: float | None = None

    def args(self) -> tuple[float, ...]:
        return self.values if self.y is None else (*self.values, self.y)

    def __str__(self) -> str:
        text = ", ".join(f"{n} = {v!r}" for n, v in zip(self.names, self.values))
        return text if self.y is None else f"{text}, y = {self.output} = {self.y!r}"


@dataclass(frozen=True)
class Function:
    """A named smooth function of one float, handed to a solution as ``f``. Its exact
    derivative is not here: this module is imported in the learner's process, where a
    solution could reach it through frames (``answers.EXACT_SLOPES``, _no_slope_here)."""

    name: str
    f: Callable[[float], float]

    def __call__(self, x: float) -> float:
        return self.f(x)

    def __repr__(self) -> str:
        return self.name


FUNCTIONS = (
    Function("sin", math.sin),
    Function("exp", math.exp),
    Function("cube (x**3)", lambda x: x**3),
    Function("tanh", math.tanh),
    Function("log(1 + x**2)", lambda x: math.log1p(x * x)),
)
"""The functions the finite-difference exercise hands a solution; a case names one by its
``name`` (``wire.py`` finds it again by that name)."""

# _no_slope_here: each Function held its exact derivative too (``slope``, for the grader's
# model of an answer that ignores h), and this module is imported in every learner's process:
# a file that walked its traceback's frames to ``FUNCTIONS`` and returned
# ``FUNCTIONS["tanh"].slope(x)`` passed d_tanh on every route, unflagged (issue 65).
# No derivative of anything an exercise asks for is kept in this folder
# (tests/exercises/test_no_reference_held.py walks its modules for one).


@dataclass(frozen=True)
class Slope:
    """A function f, a point x and a step h, for the finite-difference exercise."""

    f: Function
    x: float
    h: float

    def args(self) -> tuple[Any, ...]:
        return self.f, self.x, self.h

    def __str__(self) -> str:
        return f"f = {self.f!r}, x = {self.x!r}, h = {self.h!r}"


@dataclass(frozen=True)
class Vectors:
    """Two lists of numbers of the same length: an analytic and a numeric gradient."""

    analytic: tuple[float, ...]
    numeric: tuple[float, ...]

    def args(self) -> tuple[list[float], list[float]]:
        return list(self.analytic), list(self.numeric)

    def __str__(self) -> str:
        return f"analytic = {list(self.analytic)!r}, numeric = {list(self.numeric)!r}"


# ----------------------------------------------------------------------------- arrays

NamedArrays = tuple[tuple[str, "np.ndarray"], ...]


class Arrays:
    """Named NumPy arrays; a solution gets copies, so it may change them freely. Given a
    function that makes them instead (a worked example), they are made when first used: the
    exercises on arrays are defined, and listed, where NumPy is not installed."""

    def __init__(self, arrays: NamedArrays | Callable[[], NamedArrays]) -> None:
        self._arrays = arrays

    @property
    def arrays(self) -> NamedArrays:
        if callable(self._arrays):
            self._arrays = self._arrays()
        return self._arrays

    def args(self) -> tuple[np.ndarray, ...]:
        return tuple(a.copy() for _, a in self.arrays)

    def __str__(self) -> str:
        import numpy as np

        lines = []
        for name, a in self.arrays:
            head = f"{name} ({shape_text(a.shape, tuple_below_2d=True)}) = "
            lines.append(head + np.array2string(a, precision=6, suppress_small=True,
                                                separator=", ", prefix=head))
        return "\n".join(lines)
