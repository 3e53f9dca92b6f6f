"""Named scopes: marking the values a part of a model makes, to see a big graph by its parts.

A GPT's graph has tens of thousands of values, but a structure a learner knows: an
embedding, attention heads, an MLP, a norm. ``named_scope`` (as in JAX and TensorFlow)
marks every value made inside it with a path such as ``"blocks.0/attn/heads.1"``, nested
scopes joined by ``/``; drawings can then show a scope as one box (``draw_dot(loss,
depth=1)``), and stepping and the text view say where each value was made. The layers of
``tinygrad_edu.nn`` open a scope named after their attribute in the model on every call
(``layers.0``), so a model is marked without any work by its user.

    >>> from tinygrad_edu import Value, named_scope, scope_of
    >>> x = Value(2.0)
    >>> with named_scope("block"):
    ...     with named_scope("mlp"):
    ...         y = (x * 3.0).relu()
    >>> scope_of(y), scope_of(x)
    ('block/mlp', '')

The open scopes are kept per thread and per asyncio task (a task starts with the scopes
open where it was created), so one ``named_scope`` object may be entered by several threads
at once. Closing a scope closes that scope, wherever it is among the open ones: two
generators that each run inside a scope of their own, stepped in turns, leave nothing open
when both are done. A decorated generator function or ``async def`` has its scope open only
while its own body runs (see ``decorators.py``), as ``no_grad`` does. A value made outside
every scope has the path ``''``.
"""

from __future__ import annotations

from contextvars import ContextVar

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, overload

    F = TypeVar("F", bound=Callable[..., Any])
    Opening = tuple[Any, ...]
else:
    def overload(function: object) -> object:  # (typing's, without importing typing)
        return function

__all__ = ["named_scope", "scope_of"]

opened: list[None] = []
"""One entry for each outermost scope open now, in any thread, task or generator: while it is
empty, a node need not look up its scope. (A list, whose ``append`` and ``pop`` are
atomic.)"""

# An opening of a scope (``Opening``) is a plain tuple, ``(name, owner, outer, path, key,
# guard)``, because a model opens one on every call of every layer. ``owner`` is the
# ``named_scope`` object that opened it (None for a layer's); ``outer`` the opening around it
# (None if there is none); ``path`` the whole path; ``key`` None, or on a copy the opening it
# stands for (see ``leave``); ``guard`` a ``_Guard`` on an outermost opening, else None.
# Immutable: a thread's or task's open scopes may be shared by an asyncio task made inside them.
NAME, OWNER, OUTER, PATH, KEY = 0, 1, 2, 3, 4


class _Guard:
    """Held by an outermost opening (and so, through ``outer``, by all the openings inside
    it): it counts in ``opened`` for as long as any of them is held, that is until they are
    closed, or until the thread (or task, or generator) that opened them and never closed
    them is gone, or an asyncio task made inside them is done."""

    __slots__ = ()

    def __del__(self, _pop: Callable[[], None] = opened.pop) -> None:
        _pop()


def _opening(name: str, owner: object, outer: Opening | None, key: Opening | None
             ) -> Opening:
    """An opening of the scope ``name`` inside ``outer``."""
    if outer is None:
        opened.append(None)  # taken back by the guard's __del__
        return (name, owner, None, name, key, _Guard())
    return (name, owner, outer, f"{outer[PATH]}/{name}", key, None)


_innermost: ContextVar[Opening | None] = ContextVar("tinygrad_edu.open_scopes", default=None)
_path: ContextVar[str] = ContextVar("tinygrad_edu.scope", default="")
current = _path.get
"""The scope values are made in now, ``''`` outside every scope: kept per thread and per
asyncio task by a ``ContextVar``, which is also the fastest such lookup CPython has."""
_innermost_get, _innermost_set, _path_set = _innermost.get, _innermost.set, _path.set


def enter(name: str, owner: object = None) -> Opening:
    """Open the scope ``name`` inside the current one; ``leave`` takes what it returns."""
    scope = _opening(name, owner, _innermost_get(), None)
    _innermost_set(scope)
    _path_set(scope[PATH])
    return scope


def leave(scope: Opening) -> None:
    """Close the scope that ``enter`` opened, wherever it is among the open ones: a
    generator's scope may close while a scope opened after it stays open, which is then
    linked past it (by copies, whose ``key`` is the opening they stand for). Closed where it
    is not open (a generator finished in another thread), it changes nothing there."""
    innermost = _innermost_get()
    if innermost is scope:  # the usual case
        outer = scope[OUTER]
    else:
        within = []  # the openings inside it, innermost first
        node = innermost
        while node is not None and (node[KEY] or node) is not scope:
            within.append(node)
            node = node[OUTER]
        if node is None:
            return
        outer = node[OUTER]
        for kept in reversed(within):
            outer = _opening(kept[NAME], kept[OWNER], outer, kept[KEY] or kept)
    _innermost_set(outer)
    _path_set(outer[PATH] if outer is not None else "")


class _Scope:
    """``named_scope(name)``: a context manager, and a decorator for functions, generator
    functions and async functions. It holds no state of its own between ``__enter__`` and
    ``__exit__`` (what is open is kept per thread and task), so one object serves any number
    of threads, tasks and generators at once."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"named_scope: a scope's name is a non-empty string without '/' "
                             f"(nested scopes make the path), got {name!r}")
        self.name = name

    def __enter__(self) -> _Scope:
        enter(self.name, self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        node = _innermost_get()
        while node is not None:  # the latest opening by this object
            if node[OWNER] is self:
                leave(node[KEY] or node)
                return
            node = node[OUTER]

    def _recreate_cm(self) -> _Scope:  # a fresh object per call, as ContextDecorator's
        return _Scope(self.name)

    def __call__(self, function: F) -> F:
        from tinygrad_edu.decorators import inside  # (loaded when first used as a decorator)

        return inside(self._recreate_cm, function)


@overload
def named_scope(name: str) -> _Scope: ...
@overload
def named_scope(name: F) -> F: ...  # noqa: F811 (overload: typing's, at type-checking time)


def named_scope(name: Any) -> Any:  # noqa: F811
    """Mark the values made inside as made in the scope ``name``, nested in the scopes
    around it: ``with named_scope("attn"): ...``, or ``@named_scope("attn")`` on a function
    (``@named_scope`` alone names the scope after the function). On a generator function or
    an async function, the scope is open while its body runs, step by step, not while it
    waits for its caller. See ``draw_dot``'s ``depth`` for a drawing of a graph by its
    scopes."""
    if callable(name) and not isinstance(name, str):
        return _Scope(name.__name__)(name)
    return _Scope(name)


def scope_of(node: Any) -> str:
    """The scope path ``node`` was made in: ``'blocks.0/attn'``; ``''`` for a leaf, or a
    value made outside every scope."""
    return getattr(node, "_scope", "") or ""
