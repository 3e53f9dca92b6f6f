"""Graph building on or off: ``no_grad`` and ``enable_grad``, for both engines; and
``floats_refused``, where code must build a graph and so may not take a Value's number.

Every operation asks ``is_grad_enabled()``, the one question, before it records its
operands. The answer is one fact kept per thread, as in PyTorch (and per asyncio task), in a
``ContextVar``: so ``with no_grad():`` in an evaluation thread never turns graph building off
for a training thread, a new thread starts with it on, and a thread that ends inside
``no_grad`` leaves nothing behind. ``is_grad_enabled`` is the variable's own ``get``, the
quickest call Python has, since every operation makes it.
"""

from __future__ import annotations

from contextvars import ContextVar

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["enable_grad", "floats_refused", "is_grad_enabled", "no_grad", "why_floats_refused"]

_enabled: ContextVar[bool] = ContextVar("tinygrad_edu.grad_enabled", default=True)
_before: ContextVar[tuple[bool, ...]] = ContextVar("tinygrad_edu.grad_before", default=())
"""The settings to restore as the blocks entered in this thread (or task) end, the last
first."""

is_grad_enabled: Callable[[], bool] = _enabled.get
"""``is_grad_enabled()``: True unless this thread (or asyncio task) is inside ``no_grad``."""


class _GradMode:
    enabled = True

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        mode = super().__new__(cls)
        return mode if func is None else mode(func)  # allow both @no_grad and @no_grad()

    def __enter__(self) -> _GradMode:
        _before.set((*_before.get(), _enabled.get()))
        _enabled.set(self.enabled)
        return self

    def __exit__(self, *exc_info: object) -> None:
        before = _before.get()
        _enabled.set(before[-1])
        _before.set(before[:-1])

    def _recreate_cm(self) -> _GradMode:  # a fresh object per call keeps recursion safe
        mode: _GradMode = type(self)()
        return mode

    def __call__(self, func: F) -> F:  # generators and async functions step by step
        from tinygrad_edu.decorators import inside  # (loaded when first used as a decorator)

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


_floats_refused: ContextVar[str] = ContextVar("tinygrad_edu.floats_refused", default="")
why_floats_refused: Callable[[], str] = _floats_refused.get
"""Why ``float(value)`` is refused here, '' where it is not (``floats_refused``)."""


class floats_refused:
    """``with floats_refused(why):`` ``float(value)`` (which ``math.cos(value)`` calls) raises
    a TypeError saying ``why``, in this thread or task: code that must build a graph (a rule
    run on Values for second derivatives, a function gradcheck follows) cannot take a Value's
    number."""

    def __init__(self, why: str) -> None:
        self.why = why

    def __enter__(self) -> None:
        self._token = _floats_refused.set(self.why)

    def __exit__(self, *exc_info: object) -> None:
        _floats_refused.reset(self._token)
