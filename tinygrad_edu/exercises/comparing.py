"""What happened on one input (``Outcome``), and the arithmetic of answers' parts that the
diagnoses use: their shape, their entries, a part scaled.

How a solution's answer becomes parts, and how a part is compared with the reference's,
is ``learner/parts.py``'s: the learner's process uses it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tinygrad_edu.arrays import is_array
from tinygrad_edu.exercises.learner.parts import Numbers
from tinygrad_edu.exercises.mistakes import Mistake

__all__: list[str] = []  # the grader's inner workings: import from tinygrad_edu.exercises


@dataclass
class Outcome:
    """What happened on one input: the reference's answer, the solution's answer (None if it
    raised or returned something unusable), the parts that are wrong, and why."""

    case: Any
    expected: tuple[Any, ...]
    got: tuple[Any, ...] | None = None
    wrong: tuple[int, ...] = ()
    error: BaseException | None = None
    error_text: str = ""
    problem: str = ""
    printed: str = ""
    judged: Mistake | None = None

    @property
    def ok(self) -> bool:
        return self.got is not None and not self.wrong


def shape_of(part: Any) -> tuple[int, ...]:
    """The shape of a part of an answer: an array's, (n,) for n ``Numbers``, () for one."""
    if is_array(part):
        return tuple(part.shape)
    return (len(part),) if isinstance(part, Numbers) else ()


def entries(part: Any) -> list[float]:
    """The numbers in a part of an answer, in order (an array's row by row)."""
    if is_array(part):
        return list(part.ravel().tolist())
    return list(part) if isinstance(part, Numbers) else [part]


def scaled(c: float, part: Any) -> Any:
    """``c`` times a part of an answer: a number, ``Numbers`` or an array."""
    return Numbers(c * x for x in part) if isinstance(part, Numbers) else c * part
