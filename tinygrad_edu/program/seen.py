"""What the learner's code meets in place of Python's own while a capture runs, where a
followed number (a ``Traced``, ``traced.py``) must pass for the plain number it holds:

- ``type``, in the learner's module (``TypeSeen``): ``type(x)`` of a followed number is its
  number's type (``type(v.data) is float``);
- ``float``, there, where its code only ever calls it (``float_seen``): ``float(x)`` of a
  followed number is that number, followed (no constant);
- ``decimal.Decimal`` (``DecimalSeen``): of a followed number, Python's own ``Decimal`` of
  its number, a constant guarded to the bit (a Decimal's arithmetic is not followed);
- ``json.dumps`` and ``dump``, ``pickle.dumps`` and ``dump`` (``plain_within``): a followed
  number in what they are given (in a list, a tuple, a dict) is its number, a constant
  guarded to the bit: the text, the bytes, are the engine's, and may be read back.

``outside.py`` puts ``type`` and ``float`` in the learner's module; ``watching.py`` puts the
others in their modules (and where the learner's module imported them by name).
"""

from __future__ import annotations

import decimal
import json
import pickle
from collections.abc import Callable
from typing import Any

from tinygrad_edu.program.traced import Traced, _step, as_float, learners_line, recording

__all__ = ["DecimalSeen", "TypeSeen", "float_seen", "plain_within", "seen"]

_DECIMAL = decimal.Decimal


class _Seen(type):
    """The metaclass of ``TypeSeen``: it is ``type`` to ``isinstance`` and ``issubclass``."""

    def __instancecheck__(cls, x: Any) -> bool:
        return isinstance(x, cls.__mro__[1])

    def __subclasscheck__(cls, c: Any) -> bool:
        return issubclass(c, cls.__mro__[1])

    def __call__(cls, *args: Any, **options: Any) -> Any:
        if cls is TypeSeen and len(args) == 1 and not options:
            x = args[0]
            found = type(x.value) if isinstance(x, Traced) else type(x)
            if found is _DECIMAL and decimal.Decimal is DecimalSeen:
                return DecimalSeen  # (``type(d) is Decimal``, as the code meets it)
            return found
        if cls is TypeSeen:
            return type(*args, **options)
        return type.__call__(cls, *args, **options)  # (a class of the learner's)


class TypeSeen(type, metaclass=_Seen):
    """``type`` in the learner's module while a capture runs: ``type(x)`` of a followed number
    is its number's type (``type(v.data) is float``)."""


TypeSeen.__name__ = TypeSeen.__qualname__ = "type"


def float_seen(x: Any = 0.0, /) -> Any:
    """``float`` in the learner's module while a capture runs (where its code only ever calls
    it): ``float(x)`` of a followed number is that number, followed (no constant)."""
    if type(x) is Traced and recording() is not None:
        return x if type(x.value) is float else _step("float", as_float, x)
    found = recording()
    if found is not None and type(x) is str:  # (a text from outside: where it is held)
        found.texts.append((x, learners_line()))
    return float(x)


float_seen.__name__ = float_seen.__qualname__ = "float"


def _plain(x: Any, why: str) -> Any:
    if type(x) is not Traced:
        return x
    found = recording()
    return x.value if found is None else found.constant(x, why)


class _AsDecimal(type):
    """The metaclass of ``DecimalSeen``: it is ``decimal.Decimal`` to ``isinstance``."""

    def __instancecheck__(cls, x: Any) -> bool:
        return isinstance(x, _DECIMAL)

    def __subclasscheck__(cls, c: Any) -> bool:
        return issubclass(c, _DECIMAL)


class DecimalSeen(_DECIMAL, metaclass=_AsDecimal):
    """``decimal.Decimal`` while a capture runs: of a followed number, Python's own Decimal
    of its number (a constant, guarded to the bit); what it makes is Python's own."""

    def __new__(cls, value: Any = "0", context: Any = None) -> Any:
        return _DECIMAL(_plain(value, "Decimal()"), context)

    @classmethod
    def from_float(cls, f: Any) -> Any:
        return _DECIMAL.from_float(_plain(f, "Decimal.from_float()"))


DecimalSeen.__name__ = DecimalSeen.__qualname__ = "Decimal"
DecimalSeen.__module__ = "decimal"


def plain_within(x: Any, why: str, memo: dict[int, Any] | None = None) -> Any:
    """``x`` with each followed number in it (in a list, a tuple, a dict) its number, a
    constant guarded to the bit; a container with none is ``x`` itself (one held twice is
    made once: pickle's bytes are the engine's)."""
    kind = type(x)
    if kind is Traced:
        return _plain(x, why)
    if kind not in (list, tuple, dict):
        return x
    memo = {} if memo is None else memo
    if id(x) in memo:
        return memo[id(x)]
    if kind is dict:
        items = [(plain_within(k, why, memo), plain_within(v, why, memo)) for k, v in x.items()]
        same = all(a is k and b is v for (a, b), (k, v) in zip(items, x.items()))
        made: Any = x if same else dict(items)
    else:
        found = [plain_within(v, why, memo) for v in x]
        made = x if all(a is b for a, b in zip(found, x)) else kind(found)
    memo[id(x)] = made
    return made


def _of_plain(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``json.dumps`` (and the others) as a capture sees them: of what they are given with
    each followed number its number (``plain_within``)."""
    def call(obj: Any, *args: Any, **options: Any) -> Any:
        if recording() is not None:
            obj = plain_within(obj, name)
        return function(obj, *args, **options)

    call.__name__ = function.__name__
    call.__doc__ = function.__doc__
    return call


def seen() -> list[tuple[Any, str, Any]]:
    """What ``watching.py`` puts in place while a capture runs: (owner, name, new)."""
    return [(decimal, "Decimal", DecimalSeen),
            *[(module, name, _of_plain(getattr(module, name), f"{module.__name__}.{name}"))
              for module in (json, pickle) for name in ("dumps", "dump")]]
