"""A function's body run inside a context manager, generators and coroutines step by step.

``no_grad`` and ``named_scope`` are context managers that are decorators too, and a decorated
function must run inside a fresh context each call (so that recursion and threads never
share one). A plain function is simple: enter, call, leave. A generator function is not: its
body runs only while the caller asks for the next item, and between two items the caller
runs its own code, which must not be inside the decorator's context (nor may the context be
left open while the generator waits, perhaps for ever). So ``inside`` runs such a body one
step at a time, each step inside a fresh context: a generator's from one ``yield`` to the
next, a coroutine's from one ``await`` that suspends to the next, an async generator's
both. ``send``, ``throw``, ``close`` and ``aclose`` reach the body as they would without
the decorator, each inside the context too.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from contextlib import AbstractContextManager
from typing import Any, TypeVar, cast

__all__ = ["inside"]

F = TypeVar("F", bound=Callable[..., Any])
Context = Callable[[], AbstractContextManager[Any]]
"""Makes the context a body runs in: called once per call, or once per step."""


def inside(context: Context, func: F) -> F:
    """``func``, whose body runs inside ``context()``: a fresh one for every call, or for
    every step of a generator function, ``async def`` or async generator function."""
    if inspect.isgeneratorfunction(func):
        return cast(F, _each_step_inside(context, func))
    if inspect.iscoroutinefunction(func):
        return cast(F, _each_await_inside(context, func))
    if inspect.isasyncgenfunction(func):
        return cast(F, _each_async_step_inside(context, func))

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        with context():
            return func(*args, **kwargs)

    return cast(F, call)


def _each_step_inside(context: Context, func: Callable[..., Any]) -> Callable[..., Any]:
    """A generator function whose body runs inside ``context()`` one piece at a time:
    between two pieces the caller is back in its own context."""

    @functools.wraps(func)
    def generator(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        gen = func(*args, **kwargs)
        try:
            with context():
                item = next(gen)
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    with context():
                        gen.close()
                    raise
                except BaseException as error:
                    with context():
                        item = gen.throw(error)
                else:
                    with context():
                        item = gen.send(sent)
        except StopIteration as stop:
            return stop.value

    return generator


class _Inside:
    """Await ``awaitable`` one step at a time inside ``context()``: while it waits, the
    thread (and every other asyncio task on it) is back in its own context, as between the
    steps of a generator."""

    def __init__(self, context: Context, awaitable: Awaitable[Any]) -> None:
        self.context, self.steps = context, awaitable.__await__()

    def __await__(self) -> Generator[Any, Any, Any]:
        steps, sent, error = self.steps, None, None
        while True:
            try:
                with self.context():
                    waiting_for = steps.send(sent) if error is None else steps.throw(error)
            except StopIteration as done:
                return done.value
            sent, error = None, None
            try:
                sent = yield waiting_for
            except GeneratorExit:
                with self.context():
                    steps.close()
                raise
            except BaseException as raised:  # thrown in while waiting (a cancellation, say)
                error = raised


def _each_await_inside(context: Context, func: Callable[..., Any]) -> Callable[..., Any]:
    """An ``async def`` whose body runs inside ``context()``, one step (up to an ``await``
    that suspends) at a time."""

    @functools.wraps(func)
    async def coroutine(*args: Any, **kwargs: Any) -> Any:
        return await _Inside(context, func(*args, **kwargs))

    return coroutine


def _each_async_step_inside(context: Context, func: Callable[..., Any]) -> Callable[..., Any]:
    """An async generator function whose body runs inside ``context()``, one step at a
    time."""

    @functools.wraps(func)
    async def generator(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        gen = func(*args, **kwargs)
        step = gen.__anext__()
        while True:
            try:
                item = await _Inside(context, step)
            except StopAsyncIteration:
                return
            try:
                sent = yield item
            except GeneratorExit:
                await _Inside(context, gen.aclose())
                raise
            except BaseException as error:
                step = gen.athrow(error)
            else:
                step = gen.asend(sent)

    return generator
