"""Forward functions for the op table that check their input and explain what went wrong,
and the few local derivatives that need more than a line.

Each forward function is ``math``'s function (or Python's operator) plus a message where that
would fail with a bare "math domain error", or give a wrong answer instead of an error.

A local derivative is multiplied by the gradient that arrives, except ``MASKED``: where an
op's output does not depend on an operand at all (relu below 0, ``x ** 0``), nothing passes
back, 0 whatever arrives, even an infinite gradient, as PyTorch's backward masks it.
"""

from __future__ import annotations

import math
import operator
from itertools import chain

from tinygrad_edu.errors import DomainError, explained

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = [
    "MASKED",
    "cos",
    "d_leaky_relu",
    "d_pow_base",
    "d_pow_edge",
    "d_pow_exponent",
    "d_relu",
    "div",
    "dot",
    "exp",
    "fsum",
    "leaky_relu",
    "log",
    "negative_base",
    "pow",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "step",
]


class Masked(float):
    """The number 0 as a local derivative that passes nothing back: times anything, inf and
    NaN included, it is 0 (where ``0.0 * inf`` would be NaN)."""

    __slots__ = ()

    def __mul__(self, other: object) -> float:
        return 0.0

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return "0.0"

    def __reduce__(self) -> tuple[object, ...]:
        return (_masked, ())


def _masked() -> Masked:
    return MASKED


MASKED = Masked(0.0)
"""The local derivative of relu where x <= 0 and of ``x ** 0``: 0, whatever arrives."""


def step(x: float, below: float) -> float:
    """The slope of relu (``below`` = MASKED) and of leaky_relu (``below`` = alpha): 1 where
    x > 0, ``below`` where x <= 0 (at 0 as in PyTorch); NaN at NaN."""
    return 1.0 if x > 0 else below if x <= 0 else x


def sign(x: float) -> float:
    """The slope of abs: 1, -1, or 0 at 0 (as PyTorch); NaN at NaN."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x


def relu(x: float) -> float:
    """max(0, x); NaN at NaN."""
    return 0.0 if x <= 0 else x


def d_relu(x: float, y: float) -> float:
    """relu's slope: 1 where x > 0, else MASKED (nothing passes back, as PyTorch); NaN at NaN."""
    return 1.0 if x > 0 else MASKED if x <= 0 else x


def leaky_relu(x: float, alpha: float) -> float:
    """x where x > 0, else alpha · x."""
    return alpha * x if x <= 0 else x


def d_leaky_relu(x: float, alpha: float, y: float) -> float:
    """leaky_relu's slope: 1 where x > 0, else alpha (at 0 too, as PyTorch); NaN at NaN."""
    return step(x, alpha)


def d_pow_exponent(a: float, b: float, y: float) -> float:
    """d(a**b)/db = a**b·ln(a), where a > 0; at a <= 0 see ``d_pow_edge``."""
    return y * math.log(a) if a > 0 else d_pow_edge(a)


def d_pow_base(a: Any, b: Any, y: Any) -> Any:
    """d(a**b)/da = b·a**(b-1), on numbers or Values. Where the number b is 0, a**b is 1
    whatever a is, so nothing passes back (MASKED), but a NaN base stays NaN (PyTorch gives
    0: tests/torch_deviations.py); a Value b (second derivatives) keeps its graph. At a = 0
    with b < 1 the slope is inf (the graph stands vertical there, as sqrt's at 0). Where
    a**(b-1) is too large for a float though a**b is not (|a| < 1 and b < 1, as 1e-300 **
    -0.5), the slope is b·(a**b / a): ±inf, not an error."""
    if b == 0 and isinstance(b, float):
        nan = a != a if isinstance(a, float) else a._data != a._data  # (a Value: its number)
        return a * math.nan if nan else MASKED  # (a Value: a node whose derivatives are NaN)
    if a == 0 and b < 1:
        return 0.0 if b == 0 else math.inf
    try:
        return b * a ** (b - 1)
    except OverflowError:
        return b * (y / a)


def d_pow_edge(a: Any) -> Any:
    """d(a**b)/db = a**b·ln(a) where a <= 0 (or NaN): at a = 0 nothing passes back (MASKED,
    as PyTorch); below 0 ln(a) is no real number, an error."""
    if a == 0:
        return MASKED if isinstance(a, float) else 0.0
    if a < 0:
        raise negative_base(a._data if hasattr(a, "_data") else a)
    return a  # NaN


def div(a: float, b: float) -> float:
    """a / b; division by zero raises ``ZeroDivisionError`` naming both numbers."""
    if b == 0:
        raise ZeroDivisionError(f"/: division by zero in {a!r} / {b!r}")
    return a / b


def pow(a: float, b: float) -> float:
    """a ** b as a real number: 0 to a negative power, an overflow, or a negative base with a
    non-integer exponent (a complex number) raise an error that says so."""
    try:
        y: float | complex = a**b
    except ZeroDivisionError:
        raise ZeroDivisionError(f"**: 0.0 cannot be raised to the negative power {b!r}") from None
    except OverflowError:
        raise OverflowError(f"**: {a!r} ** {b!r} is too large for a float") from None
    if isinstance(y, complex):
        raise DomainError(
            f"**: ({a!r}) ** {b!r} is not a real number; a negative base needs an integer exponent"
        )
    return y


def exp(x: float) -> float:
    """eˣ; above about 709.78 it overflows, and the error says how to avoid that."""
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(
            f"exp: exp({x!r}) is too large for a float (inputs above about 709.78 overflow); "
            "scale the input down, or use a stable form such as log_softmax or logsumexp"
        ) from None


def log(x: float) -> float:
    """The natural logarithm; x <= 0 raises ``DomainError`` with what to do instead."""
    if x <= 0:
        raise DomainError(
            f"log: got {x!r}, but log is only defined for positive numbers; "
            "clamp the input (e.g. x + 1e-12) or use a stable loss such as cross_entropy"
        )
    return math.log(x)


def sqrt(x: float) -> float:
    """√x; a negative x raises ``DomainError``."""
    if x < 0:
        raise DomainError(f"sqrt: got {x!r}, but sqrt is only defined for numbers >= 0")
    return math.sqrt(x)


def sin(x: float) -> float:
    """sin x; at an infinity, where it is no number, a DomainError that says so."""
    try:
        return math.sin(x)
    except ValueError as error:
        raise explained(error, "sin", x) from None


def cos(x: float) -> float:
    """cos x; at an infinity, where it is no number, a DomainError that says so."""
    try:
        return math.cos(x)
    except ValueError as error:
        raise explained(error, "cos", x) from None


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), never exponentiating a large positive number (no overflow)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def negative_base(a: float) -> DomainError:
    """The error for d(a**b)/db = a**b·ln(a) with a < 0."""
    return DomainError(
        f"**: the base {a!r} is negative and the exponent is a Value, but d(a**b)/db = "
        "a**b·ln(a) needs a > 0; if the exponent is a constant, pass a plain number (x ** 2), "
        "not a Value"
    )


def fsum(terms: list[float]) -> float:
    """Σ terms, correctly rounded (``math.fsum``). Where fsum gives up, float arithmetic's
    answer: inf for a sum too large, NaN for inf - inf; the exact sum if only a partial sum
    overflowed."""
    try:
        return math.fsum(terms)
    except (OverflowError, ValueError):
        if not all(map(math.isfinite, terms)):
            return sum(terms)
        from fractions import Fraction  # (only where fsum gives up: loaded then)
        return _rounded(sum(map(Fraction, terms), Fraction(0)))


def dot(ws: Sequence[float], xs: Sequence[float]) -> float:
    """Σ wᵢ·xᵢ, correctly rounded; exact even where a product overflows but the sum does not."""
    try:
        return math.fsum(map(operator.mul, ws, xs))
    except (OverflowError, ValueError):  # a product or a partial sum overflowed
        if not all(map(math.isfinite, chain(ws, xs))):
            return sum(w * x for w, x in zip(ws, xs))
        from fractions import Fraction  # (only where a product overflowed: loaded then)
        return _rounded(sum((Fraction(w) * Fraction(x) for w, x in zip(ws, xs)), Fraction(0)))


def _rounded(exact: Any) -> float:
    try:
        return float(exact)
    except OverflowError:
        return math.inf if exact > 0 else -math.inf
