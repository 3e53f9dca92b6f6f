"""A learner's process's reply, as the grader takes it (``remote.Remote.run``): an answer's
parts checked to be numbers, names or float64 arrays, never anything else; an exception it
raised made again here as its class, by name (a stand-in class of that name for one of the
learner's own), with what the call printed and its line of the learner's code."""

from __future__ import annotations

import builtins
from typing import Any

from tinygrad_edu.errors import DomainError
from tinygrad_edu.exercises.learner.parts import Numbers

__all__ = ["answer_part", "exception", "with_output"]


def answer_part(part: Any) -> bool:
    """A part of an answer as the grader reads one: a number, a bool, a name, None,
    ``Numbers``, a float64 array, or a tuple or list of these (never a case)."""
    if part is None or isinstance(part, (bool, int, float, str, Numbers)):
        return True
    if isinstance(part, (tuple, list)):
        return all(map(answer_part, part))
    return type(part).__name__ == "ndarray"


def with_output(error: BaseException, printed: str, text: str) -> BaseException:
    """``error`` with what the call printed and its line of the learner's code (the
    verdict shows both)."""
    error.printed = printed  # type: ignore[attr-defined]
    error.learner_text = text  # type: ignore[attr-defined]
    return error


_STAND_INS: dict[str, type[Exception]] = {}


def exception(name: str, message: str) -> BaseException:
    """An exception of the class named ``name`` (a builtin's name, or a full dotted one):
    the builtin itself, tinygrad_edu's ``DomainError``, else a stand-in class of that name
    (one per name, so that two such exceptions have the same class)."""
    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, Exception) and \
            not issubclass(found, getattr(builtins, "BaseExceptionGroup", ())):
        # (never a KeyboardInterrupt, a SystemExit nor a group of exceptions: those end the
        # grader, wherever a handler of Exception lets them through: a stand-in of that
        # name instead, an Exception)
        return found(message)
    if name == "tinygrad_edu.errors.DomainError":
        return DomainError(message)
    if name not in _STAND_INS:
        short = name.rsplit(".", 1)[-1] or "Exception"
        module = name.rpartition(".")[0] or ("builtins" if found is not None else "solutions")
        _STAND_INS[name] = type(short, (Exception,), {"__module__": module})
    return _STAND_INS[name](message)
