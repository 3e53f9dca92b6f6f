"""A Value as a plain number: printing, formatting, ``float()``, comparisons and truth.

A learner brings a number's habits to a Value: ``f"{loss:.3f}"``, ``if loss < best:``,
``max(values)``, ``sorted(scores)``, ``float(v)``. They are put on ``Value`` here, beside
the engine, which imports nothing of this file (``import tinygrad_edu`` brings it in):

- ``repr`` shows the number, the gradient, the label and the op; formatting and
  ``float(v)`` give the number; inside a derivative rule run on Values
  (``create_graph=True``), or a function ``gradcheck`` follows, ``float(v)`` raises instead,
  since there ``math.cos(x)`` would quietly cut the graph (``floats_refused``);
- comparisons with a number, and truth, look at the number, as for a float (and a one-element
  PyTorch tensor), so a derivative rule such as ``0.0 if x == 0 else ...`` gives the same
  answer on floats (backward) and on Values (create_graph). Two Values are equal only if they
  are the same node, as in micrograd and microgpt, whose programs look nodes up in lists
  (``if v not in nodes``) and sets; a Value hashes as the node it is. Ordering (``<``,
  ``max``, ``sorted``) looks at the numbers either way.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.errors import real_or_none

__all__ = ["floats_refused", "number_of"]


def number_of(x: Any) -> Any:
    """The number in a Value, or a plain number as it is."""
    return x._data if isinstance(x, Value) else x


class _FloatGuard(threading.local):
    why = ""  # while set, float(value) raises a TypeError that says this


float_guard = _FloatGuard()


@contextmanager
def floats_refused(why: str) -> Iterator[None]:
    """Inside the block ``float(value)`` (which ``math.cos(value)`` calls) raises a TypeError
    saying ``why``: code that must build a graph cannot take a Value's number."""
    before, float_guard.why = float_guard.why, why
    try:
        yield
    finally:
        float_guard.why = before


def _repr(self: Value) -> str:
    label = f", label={self.label!r}" if self.label else ""
    op = f", op={self._row.name!r}" if self._row is not None else ""
    return f"{type(self).__name__}(data={self._data!r}, grad={self.grad!r}{label}{op})"


def _float(self: Value) -> float:
    """``float(v)``, as for a one-element PyTorch tensor: the number (see ``floats_refused``)."""
    if float_guard.why:
        raise TypeError(float_guard.why)
    return self._data


def _format(self: Value, spec: str) -> str:
    return format(self._data, spec)  # f"{loss:.3f}" formats the number


def _compare(compare: Callable[[Any, Any], Any]) -> Callable[[Value, object], bool]:
    def method(self: Value, other: object) -> bool:
        number = other._data if isinstance(other, Value) else real_or_none(other)
        return NotImplemented if number is None else bool(compare(self._data, number))
    method.__name__ = f"__{compare.__name__}__"
    return method


def _equal(self: Value, other: object) -> bool:
    if isinstance(other, Value):
        return self is other  # the same node
    number = real_or_none(other)
    return NotImplemented if number is None else self._data == number


def _not_equal(self: Value, other: object) -> bool:
    equal = _equal(self, other)
    return equal if equal is NotImplemented else not equal


for _name, _method in {  # what this room puts on Value
        "__repr__": _repr,
        "__float__": _float,
        "__format__": _format,
        "__eq__": _equal,
        "__ne__": _not_equal,
        "__lt__": _compare(operator.lt),
        "__le__": _compare(operator.le),
        "__gt__": _compare(operator.gt),
        "__ge__": _compare(operator.ge),
        "__bool__": lambda self: self._data != 0.0,
}.items():
    setattr(Value, _name, _method)
