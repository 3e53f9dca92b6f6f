"""Forward functions for the op table that check their input and explain what went wrong.

Each is ``math``'s function (or Python's operator) plus a message where that would fail with
a bare "math domain error", or give a wrong answer instead of an error.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from fractions import Fraction
from itertools import chain

from tinygrad_edu.errors import DomainError

__all__ = ["div", "dot", "exp", "fsum", "log", "negative_base", "pow", "sigmoid", "sqrt"]


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
        return _rounded(sum(map(Fraction, terms), Fraction(0)))


def dot(ws: Sequence[float], xs: Sequence[float]) -> float:
    """Σ wᵢ·xᵢ, correctly rounded; exact even where a product overflows but the sum does not."""
    try:
        return math.fsum(map(operator.mul, ws, xs))
    except (OverflowError, ValueError):  # a product or a partial sum overflowed
        if not all(map(math.isfinite, chain(ws, xs))):
            return sum(w * x for w, x in zip(ws, xs))
        return _rounded(sum((Fraction(w) * Fraction(x) for w, x in zip(ws, xs)), Fraction(0)))


def _rounded(exact: Fraction) -> float:
    try:
        return float(exact)
    except OverflowError:
        return math.inf if exact > 0 else -math.inf
