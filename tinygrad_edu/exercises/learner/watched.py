"""A derivative rule run on numbers that notice complex numbers: how the grader tells a rule
from the complex-step derivative.

A rule exercise asks for dy/dx as an expression of x and y (``1 - y * y`` for tanh). Its
answer can also be had without any rule, from the function's values alone: by the complex
step, Im f(x + ih) / h, exact to the last digit for a function like tanh, or by a finite
difference (f(x + h) - f(x - h)) / 2h, good to about ten digits. The grader looks at what an
answer does: ``call`` runs the solution with its numbers wrapped in ``Watched`` (arrays in
``WatchedArray``), which behave as the numbers do for every arithmetic operation, ``math``
function and NumPy ufunc, but notice when they meet a complex number; an answer that did
raises ``ComplexUsed``. (A finite difference is told by its error: the grader compares the
answer with the rule on points where a rule is exact to about 1e-15 and no finite
difference is better than about 1e-11.)

Every call of a rule is watched (``inputs.Call``'s kinds ``"rule"`` and ``"rule arrays"``),
the points where the grader tries it for exactness as every other input: the call does not
tell the learner's code which is which. An honest rule never needs a complex number, so
nothing that a rule does is refused. What this cannot see: a number made plain first
(``float(x)``) and then made complex by code of the learner's own; the grader also reads
the rule's whole file for complex numbers (``tinygrad_edu/exercises/rule_reading.py``:
``(-1.0) ** 0.5`` too, worked out), and what neither sees, a teacher's reading of the code
does.
"""

from __future__ import annotations

import math
import numbers
import operator
import sys
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises.learner.parts import parts_of

__all__ = ["ComplexUsed", "Watched", "call"]

_SEEN: list[str] = []
"""What the watched numbers saw of complex numbers while a solution ran."""


class ComplexUsed(Exception):
    """A rule's answer computed with complex numbers (the complex-step derivative)."""


def _value(x: Any) -> Any:
    """``x``'s number: a watched number's own, a plain number as it is; a complex number
    is noticed."""
    if isinstance(x, Watched):
        return x.value
    if isinstance(x, complex):
        _SEEN.append(f"{x!r}")
    return x


class Watched:
    """A number that behaves as its ``value`` (a float) does, and notices complex numbers."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = float(value)

    def _do(self, other: Any, op: Callable[[Any, Any], Any], swapped: bool = False) -> Any:
        if not isinstance(other, (Watched, int, float, complex)):
            return NotImplemented
        a, b = (_value(other), self.value) if swapped else (self.value, _value(other))
        result = op(a, b)
        if isinstance(result, complex):  # ((-1) ** 0.5, say)
            _SEEN.append(f"{result!r}")
            return result
        return Watched(result) if isinstance(result, float) else result

    def __add__(self, o: Any) -> Any: return self._do(o, operator.add)
    def __radd__(self, o: Any) -> Any: return self._do(o, operator.add, True)
    def __sub__(self, o: Any) -> Any: return self._do(o, operator.sub)
    def __rsub__(self, o: Any) -> Any: return self._do(o, operator.sub, True)
    def __mul__(self, o: Any) -> Any: return self._do(o, operator.mul)
    def __rmul__(self, o: Any) -> Any: return self._do(o, operator.mul, True)
    def __truediv__(self, o: Any) -> Any: return self._do(o, operator.truediv)
    def __rtruediv__(self, o: Any) -> Any: return self._do(o, operator.truediv, True)
    def __floordiv__(self, o: Any) -> Any: return self._do(o, operator.floordiv)
    def __rfloordiv__(self, o: Any) -> Any: return self._do(o, operator.floordiv, True)
    def __mod__(self, o: Any) -> Any: return self._do(o, operator.mod)
    def __rmod__(self, o: Any) -> Any: return self._do(o, operator.mod, True)
    def __pow__(self, o: Any) -> Any: return self._do(o, operator.pow)
    def __rpow__(self, o: Any) -> Any: return self._do(o, operator.pow, True)
    def __lt__(self, o: Any) -> Any: return self._do(o, operator.lt)
    def __le__(self, o: Any) -> Any: return self._do(o, operator.le)
    def __gt__(self, o: Any) -> Any: return self._do(o, operator.gt)
    def __ge__(self, o: Any) -> Any: return self._do(o, operator.ge)
    def __eq__(self, o: object) -> Any: return self._do(o, operator.eq)
    def __ne__(self, o: object) -> Any: return self._do(o, operator.ne)
    def __neg__(self) -> Watched: return Watched(-self.value)
    def __pos__(self) -> Watched: return self
    def __abs__(self) -> Watched: return Watched(abs(self.value))
    def __float__(self) -> float: return self.value
    def __bool__(self) -> bool: return bool(self.value)
    def __hash__(self) -> int: return hash(self.value)
    def __round__(self, n: Any = None) -> Any: return round(self.value, n)
    def __trunc__(self) -> int: return math.trunc(self.value)
    def __floor__(self) -> int: return math.floor(self.value)
    def __ceil__(self) -> int: return math.ceil(self.value)
    def __repr__(self) -> str: return repr(self.value)
    def __format__(self, spec: str) -> str: return format(self.value, spec)

    def __complex__(self) -> complex:
        _SEEN.append(f"complex({self.value!r})")
        return complex(self.value)

    def __getattr__(self, name: str) -> Any:  # (a float's methods and attributes: .real...)
        if name == "value":
            raise AttributeError(name)
        return getattr(self.value, name)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """A NumPy ufunc on watched numbers: run on their values (a complex input or result
        is noticed)."""
        values = [_watched_values(x) for x in inputs]
        result = getattr(ufunc, method)(*values, **kwargs)
        _notice_complex(result)
        numpy = sys.modules["numpy"]
        if isinstance(result, numpy.floating):
            return Watched(float(result))
        return result

    # NumPy calls these on each element of an array of objects (np.exp(array_of_numbers))
    def exp(self) -> Watched: return Watched(math.exp(self.value))
    def log(self) -> Watched: return Watched(math.log(self.value))
    def tanh(self) -> Watched: return Watched(math.tanh(self.value))
    def sqrt(self) -> Watched: return Watched(math.sqrt(self.value))


numbers.Real.register(Watched)  # (a real number: the engine's functions take it as one)


def _watched_values(x: Any) -> Any:
    if isinstance(x, Watched):
        return x.value
    _notice_complex(x)
    return x


def _notice_complex(x: Any) -> None:
    """Notice a complex number, or an array of them."""
    if isinstance(x, complex):
        _SEEN.append(f"{x!r}")
        return
    kind = getattr(getattr(x, "dtype", None), "kind", "")
    if kind == "c":
        _SEEN.append("an array of complex numbers")
    elif kind == "O":  # (an array of objects: each is looked at)
        for item in x.flat:
            _notice_complex(item)


def _watched_array_type() -> type:
    """``WatchedArray``: a NumPy array that notices complex numbers (made on first use, as
    NumPy may not be installed)."""
    import numpy

    if "WatchedArray" not in _MADE:

        class WatchedArray(numpy.ndarray):
            """An array that notices a complex number in a ufunc it takes part in, or an
            array of complex numbers made from it."""

            def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any,
                                **kwargs: Any) -> Any:
                plain = [x.view(numpy.ndarray) if isinstance(x, WatchedArray) else x
                         for x in inputs]
                for x in plain:
                    _notice_complex(x)
                if "out" in kwargs:
                    kwargs["out"] = tuple(o.view(numpy.ndarray) if isinstance(o, WatchedArray)
                                          else o for o in kwargs["out"])
                result = getattr(ufunc, method)(*plain, **kwargs)
                _notice_complex(result)
                if isinstance(result, numpy.ndarray) and result.dtype.kind != "c":
                    return result.view(WatchedArray)
                return result

            def __array_finalize__(self, obj: Any) -> None:
                if self.dtype.kind == "c":
                    _SEEN.append("an array of complex numbers")

        _MADE["WatchedArray"] = WatchedArray
    return _MADE["WatchedArray"]


_MADE: dict[str, type] = {}


def watch(x: Any) -> Any:
    """``x`` as the rule gets it: a number watched, an array watched, others as they are."""
    if isinstance(x, float):
        return Watched(x)
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, numpy.ndarray):
        return x.view(_watched_array_type())
    return x


def call(solution: Callable[..., Any], case: Any, parts: tuple[str, ...],
         scalar: bool) -> tuple[Any, ...]:
    """The solution's answer on ``case``'s arguments, each watched; ``ComplexUsed`` if it
    met a complex number on the way."""
    del _SEEN[:]
    try:
        answer = solution(*(watch(x) for x in case.args()))
    except Exception:
        if not _SEEN:
            raise
        answer = None
    seen = list(_SEEN)
    del _SEEN[:]
    if seen:
        raise ComplexUsed(seen[0])
    return parts_of(_unwatched(answer), parts, scalar=scalar)


def _unwatched(x: Any) -> Any:
    """An answer with its watched numbers and arrays plain again."""
    if isinstance(x, Watched):
        return x.value
    if isinstance(x, tuple):
        return tuple(_unwatched(v) for v in x)
    if isinstance(x, list):
        return [_unwatched(v) for v in x]
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, numpy.ndarray):
        plain = x.view(numpy.ndarray)
        if plain.dtype == object:
            return numpy.array([float(v) for v in plain.flat]).reshape(plain.shape)
        return plain
    return x
