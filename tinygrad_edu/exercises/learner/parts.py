"""An answer's parts as data: what a learner's solution returned, checked and converted to
numbers, ``Numbers`` or arrays, and how a part is compared with the reference's.

Used on both sides of the process boundary: in the learner's process, to turn what the
solution returned into data (``parts_of``, refusing what is no answer with ``AnswerError``),
and in the grader's, to compare that data with the reference's answer (``close``). It
imports no engine: a Value is recognised by its ``data`` and ``grad``.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import CoroutineType
from typing import Any

from tinygrad_edu.arrays import is_array

__all__ = ["ATOL", "RTOL", "AnswerError", "Numbers", "close", "parts_of"]

RTOL = 1e-5
"""The relative tolerance of a comparison, the project's own (``tinygrad_edu.testing.RTOL``)."""
ATOL = 1e-8
"""The absolute tolerance of a comparison, the project's own (``tinygrad_edu.testing.ATOL``)."""


class AnswerError(Exception):
    """The solution returned something that is not an answer of the right kind (None, a
    string, two numbers where three were asked for, ...)."""


class Numbers(tuple[float, ...]):
    """Several numbers as one part of an answer: every node's grad, or every parameter's
    data, in order. Compared entry by entry within the tolerance, as an array is, but made
    without NumPy: the exercises on numbers and Values need none."""


def _refuse(x: Any, what: str) -> None:
    """An AnswerError for what is no answer at all: None, a coroutine, a Value, text, a dict
    or a set."""
    _not_awaited(x, what)
    if x is None:
        raise AnswerError(f"{what} is None: the function returned nothing (a missing `return`?)")
    if hasattr(x, "data") and hasattr(x, "grad") and not is_array(x):  # a Value, any class's
        raise AnswerError(f"{what} is a Value; return a plain number (its .data)")
    if isinstance(x, (str, bytes, dict, set)):
        raise AnswerError(f"{what} is a {type(x).__name__} ({x!r:.60}), not a number")


def _not_awaited(x: Any, what: str) -> None:
    """An AnswerError for a coroutine: what calling an ``async def`` returns, its body never
    run. It is closed, so that it is not reported freed, never awaited."""
    if isinstance(x, CoroutineType):
        x.close()
        raise AnswerError(f"{what} is a coroutine: the function is an `async def`, whose call "
                          "runs none of its body; remove `async`")


def as_number(x: Any, what: str) -> float:
    """One part of an answer that is one number, as a float (a 0-d array is one number)."""
    _refuse(x, what)
    if is_array(x) and x.shape != ():
        raise AnswerError(f"{what} should be one number, got an array of shape {x.shape}: "
                          f"{x!r:.80}")
    if isinstance(x, (list, tuple)):
        raise AnswerError(f"{what} should be one number, got a {type(x).__name__} of "
                          f"{len(x)} items: {x!r:.80}")
    try:
        return float(x)
    except (TypeError, ValueError) as error:
        raise AnswerError(f"{what} is not a number: {x!r:.80} ({error})") from None


def as_answer(x: Any, what: str) -> Any:
    """One part of an answer to an exercise on arrays, as a float64 array (a number becomes
    a 0-d array)."""
    _refuse(x, what)
    import numpy as np

    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise AnswerError(f"{what} is not a number or an array of numbers: {x!r:.80} "
                          f"({error})") from None
    return array


def parts_of(answer: Any, parts: Sequence[str], scalar: bool) -> tuple[Any, ...]:
    """Split a returned answer into its parts: the answer itself when one part is asked for,
    else a tuple or list of exactly ``len(parts)`` items. Each part is a float (``scalar``)
    or an array."""
    convert = as_number if scalar else as_answer
    _not_awaited(answer, "the answer")
    if len(parts) == 1:
        return (convert(answer, "the answer"),)
    names = ", ".join(parts)
    if answer is None:
        raise AnswerError(f"the function returned None; it should return ({names}) "
                          "(a missing `return`?)")
    if not isinstance(answer, (tuple, list)) or len(answer) != len(parts):
        raise AnswerError(f"the function should return {len(parts)} things, ({names}), "
                          f"got {answer!r:.80}")
    return tuple(convert(x, name) for name, x in zip(parts, answer))


def close(got: Any, expected: Any) -> bool:
    """``got`` equals ``expected`` to the project's tolerance: of the same kind (a number,
    ``Numbers`` as many, an array of the same shape) and |got - expected| <= ATOL +
    RTOL·|expected| everywhere (NaN never passes)."""
    if is_array(expected):
        import numpy as np

        if not is_array(got) or got.shape != expected.shape:
            return False
        with np.errstate(invalid="ignore", over="ignore"):
            return bool(np.all(np.abs(got - expected) <= ATOL + RTOL * np.abs(expected)))
    if isinstance(expected, Numbers):
        return (isinstance(got, Numbers) and len(got) == len(expected)
                and all(map(_near, got, expected)))
    if isinstance(expected, float):
        return isinstance(got, float) and _near(got, expected)
    return bool(got == expected)


def _near(got: float, expected: float) -> bool:
    return abs(got - expected) <= ATOL + RTOL * abs(expected)
