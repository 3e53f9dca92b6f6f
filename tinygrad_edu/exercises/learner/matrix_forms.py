"""A number and its derivative carried by a matrix: how a matrix function differentiates
with no rule written, and how the grader tells such a matrix.

A dual number a + a'ε is the matrix [[a, a'], [0, a]]: products of such matrices are the
product rule's, an inverse the quotient rule's, and an op's function run on one (exp as a
series of products) puts f'(a) in its corner, exact. So does any matrix a·I + N whose N is
nilpotent (N^n = 0; f(aI + N) = f(a) I + f'(a) N + f''(a) N²/2 + ...), whatever its shape
(entries on both sides of the diagonal, an uneven diagonal, any order), and the complex step
written in real numbers, x + ih as [[x, -h], [h, x]]. No rule on numbers, and no honest
backward, computes with a square matrix that is a number times the identity plus a
nilpotent part, or plus a part far smaller than the number: ``dual_matrix`` finds both
(issue 65: a65t's forms, 5/5, a Value 1/1 and microgpt 10/10 with no flag before).
"""

from __future__ import annotations

from typing import Any

__all__ = ["LARGEST", "dual_matrix"]

LARGEST = 32
"""The largest order looked at (a65t's 9×9 went past the earlier 8)."""
NEAR = 1e-6
"""How small, relative to the number on the diagonal, the rest of a matrix is where it is
the complex step's (a step h of 1e-6 |x| or less: no honest matrix is so near a multiple of
the identity without being one)."""
NILPOTENT = 1e-9
"""How small N^n is, relative to the n-th power of N's largest entry, where N is taken as
nilpotent (its rounding; exactly 0 for the forms of whole numbers)."""


def dual_matrix(x: Any) -> str:
    """``x`` in a few digits, if it is a square matrix of real numbers (of order 2 to
    ``LARGEST``) that is a·I + N with N nonzero and nilpotent, or nonzero and tiny beside a
    (``NEAR``): a dual number (or one of a higher order) as a matrix, or the complex step as
    one; else nothing."""
    import numpy as np

    shape: tuple[int, ...] = tuple(getattr(x, "shape", ()))
    if len(shape) != 2 or shape[0] != shape[1] or not 2 <= shape[0] <= LARGEST or \
            np.ndarray.dtype.__get__(x).kind not in "fiuO":
        return ""
    n = shape[0]
    try:
        a = np.array(x, dtype=float)
    except (TypeError, ValueError):
        return ""
    if not np.isfinite(a).all():
        return ""
    number = float(np.trace(a)) / n
    rest = a - number * np.eye(n)
    largest = float(np.abs(rest).max())
    if largest == 0.0:
        return ""
    near = largest <= NEAR * abs(number)
    if not near:
        power = rest
        for _ in range(n - 1):
            power = power @ rest
        if not float(np.abs(power).max()) <= NILPOTENT * largest ** n:
            return ""
    rows = ", ".join("[" + ", ".join(f"{v + 0.0:.4g}" for v in row) + "]" for row in a[:2, :2])
    return f"[{rows}]" if n == 2 else f"of order {n}, beginning [{rows}, ...]"
