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

The path is kept per thread (and per asyncio task), as ``no_grad``'s switch is. A value
made outside every scope has the path ``''``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any, TypeVar, overload

__all__ = ["named_scope", "scope_of"]

F = TypeVar("F", bound=Callable[..., Any])


_path: ContextVar[str] = ContextVar("tinygrad_edu.scope", default="")
current = _path.get
"""The scope values are made in now, ``''`` outside every scope: kept per thread (and per
asyncio task) by a ``ContextVar``, which is also the fastest such lookup CPython has."""

opened: list[None] = []
"""One entry for each scope open now, in any thread: while it is empty, a node need not
look up its scope. (A list, whose ``append`` and ``pop`` are atomic.)"""


def enter(name: str) -> Token[str]:
    """Open the scope ``name`` inside the current one; ``leave`` takes what it returns."""
    before = _path.get()
    token = _path.set(f"{before}/{name}" if before else name)
    opened.append(None)
    return token


def leave(token: Token[str]) -> None:
    """Close the scope that ``enter`` opened."""
    _path.reset(token)
    opened.pop()


class _Scope:
    """``named_scope(name)``: a context manager, and a decorator for functions."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"named_scope: a scope's name is a non-empty string without '/' "
                             f"(nested scopes make the path), got {name!r}")
        self.name = name
        self._tokens: list[Token[str]] = []

    def __enter__(self) -> _Scope:
        self._tokens.append(enter(self.name))
        return self

    def __exit__(self, *exc_info: object) -> None:
        leave(self._tokens.pop())

    def __call__(self, function: F) -> F:
        name = self.name

        @functools.wraps(function)
        def inside(*args: Any, **kwargs: Any) -> Any:
            token = enter(name)
            try:
                return function(*args, **kwargs)
            finally:
                leave(token)

        return inside  # type: ignore[return-value]


@overload
def named_scope(name: str) -> _Scope: ...
@overload
def named_scope(name: F) -> F: ...


def named_scope(name: Any) -> Any:
    """Mark the values made inside as made in the scope ``name``, nested in the scopes
    around it: ``with named_scope("attn"): ...``, or ``@named_scope("attn")`` on a function
    (``@named_scope`` alone names the scope after the function). See ``draw_dot``'s
    ``depth`` for a drawing of a graph by its scopes."""
    if callable(name) and not isinstance(name, str):
        return _Scope(name.__name__)(name)
    return _Scope(name)


def scope_of(node: Any) -> str:
    """The scope path ``node`` was made in: ``'blocks.0/attn'``; ``''`` for a leaf, or a
    value made outside every scope."""
    return getattr(node, "_scope", "") or ""
