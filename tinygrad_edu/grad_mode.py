"""Graph building on or off: ``no_grad`` and ``enable_grad``, for both engines.

Every operation asks ``is_grad_enabled()``, the one question, before it records its
operands. The switch is kept per thread, as in PyTorch, so ``with no_grad():`` in an
evaluation thread never turns graph building off for a training thread, and blocks entered
and left in any order by different threads cannot leave it off. While no thread at all is
inside ``no_grad`` (training, usually), a look at one list answers the question.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ContextDecorator
from typing import Any, TypeVar, cast

from tinygrad_edu.stepwise import inside

__all__ = ["enable_grad", "is_grad_enabled", "no_grad"]

F = TypeVar("F", bound=Callable[..., Any])


class _GradState(threading.local):
    """The switch of one thread, and the settings to restore as its blocks end."""

    enabled = True  # every thread starts with graph building on

    def __init__(self) -> None:
        self.saved: list[bool] = []
        self.off: _Off | None = None  # held while graph building is off in this thread


class _Off:
    """An entry in ``off_somewhere`` for as long as it lives. The thread holds it while graph
    building is off there, so a thread that ends inside ``no_grad`` drops it too and the list
    never stays non-empty for good. (``append`` and ``pop`` of a list are atomic.)"""

    def __init__(self) -> None:
        off_somewhere.append(None)

    def __del__(self) -> None:
        off_somewhere.pop()


state = _GradState()
off_somewhere: list[None] = []  # one entry for each thread that has graph building off now


def is_grad_enabled() -> bool:
    """True unless this thread is inside ``no_grad``: while no thread at all is, a look at
    one list answers, which is faster than reading the thread's own switch."""
    return not off_somewhere or state.enabled


def _switch(enabled: bool) -> None:
    """Turn graph building on or off in this thread, keeping ``threads_off`` right."""
    if enabled != state.enabled:
        state.off = None if enabled else _Off()
        state.enabled = enabled


class _GradMode(ContextDecorator):
    enabled = True

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        mode = super().__new__(cls)
        return mode if func is None else mode(func)  # allow both @no_grad and @no_grad()

    def __enter__(self) -> _GradMode:
        state.saved.append(state.enabled)
        _switch(self.enabled)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _switch(state.saved.pop())

    def _recreate_cm(self) -> _GradMode:  # a fresh object per call keeps recursion safe
        return cast(_GradMode, type(self)())

    def __call__(self, func: F) -> F:  # generators and async functions step by step
        return inside(self._recreate_cm, func)


class no_grad(_GradMode):
    """Inside ``with no_grad():`` (or a function decorated with it, generators and async
    functions included) operations build no graph: results are plain leaves, so nothing is
    kept for a backward pass (it saves memory; the time is about the same). Use it for
    inference and for updating parameters. It holds for the current thread only; a
    decorated generator or async function holds it only while its own body runs, not while
    it waits."""

    enabled = False


class enable_grad(_GradMode):
    """Switch graph building back on inside a ``no_grad`` block."""

    enabled = True
