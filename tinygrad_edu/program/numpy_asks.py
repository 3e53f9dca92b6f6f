"""What NumPy asks a followed number (a ``Traced``) by name, told apart from what the code asks.

NumPy takes an object that is neither its own nor one of Python's numbers as an array by
asking the object itself, in one go, for ``__array_struct__``, ``__array_interface__`` and
then ``__array__`` (NumPy 2.x's ``_array_from_array_like``: ``np.asarray(x)``, ``np.array([x,
y])``, ``np.std(xs)``), and calls at once the ``__array__`` it finds; its ufuncs
(``np.tanh(x)``) find ``__array_ufunc__`` on the class, never asking the object. A float has
none of these names. Before, a followed number answered ``__array__`` to anyone:
``hasattr(w.data, "__array__")`` was True while capturing and False in the engine, so ``w *
(3.0 if hasattr(w.data, "__array__") else 1.0)`` gave 6.0 where the engine gives 2.0 (w at
2.0), silently, and a library that dispatches on ``hasattr(x, "__array__")`` took the array's
way. Now a followed number answers ``__array__`` only as the last of NumPy's three asks (of
the same number, at the same instruction of the same frame); any other ask is its number's (a
float's AttributeError). Code that asks as NumPy does (those three names in that order at one
instruction: ``any(hasattr(x, n) for n in names)``) cannot be told from NumPy by its asks: the
``__array__`` it is given is not called at once, as NumPy calls it, and the capture refuses
it, naming the line."""

from __future__ import annotations

import threading
from collections.abc import Callable
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

from tinygrad_edu.program.learners_code import learners_line

__all__ = ["ASKED_BY_NUMPY", "asked_by_numpy", "numpys_array"]

ASKED_BY_NUMPY = ("__array_struct__", "__array_interface__", "__array__")
"""The names NumPy asks of an object it takes as an array, in the order it asks them."""

_asked = threading.local()  # (the last of them asked in this thread: where, and which)


def asked_by_numpy(x: Any, name: str) -> bool:
    """Whether ``name`` (one of ``ASKED_BY_NUMPY``), asked of the followed number ``x`` by the
    code that asked its ``__getattribute__`` (the caller's caller), ends NumPy's three asks: the
    two before it asked of ``x`` at the very instruction that asks this one."""
    frame = _getframe(2)
    at = (id(x), id(frame), frame.f_lasti)
    step = ASKED_BY_NUMPY.index(name)
    before = getattr(_asked, "last", None)
    _asked.last = (at, step) if step == 0 or before == (at, step - 1) else None
    return step == 2 and before == (at, 1)


def numpys_array(found: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    """``x.__array__`` (its ``method``) as NumPy is given it, ``found`` the capture running
    (None: none runs): within a capture, refused until it is called. NumPy calls it at once,
    with no code of the learner's between; code that asked as NumPy asks and does not call it
    (``hasattr``) is refused, naming its line: it would see an ``__array__`` its number lacks."""
    if found is None or found.refused:
        return method
    said = found.refused = (
        f"it asks '__array__' of a number read from a Value (v.data, or one computed from it) "
        f"as NumPy asks it, at {learners_line()}; a float has no '__array__', and a capture "
        "cannot tell this ask from NumPy's own: ask it of another object")

    def array(*args: Any, **options: Any) -> Any:
        if found.refused == said:  # (NumPy's own ask: it calls what it was given)
            found.refused = ""
        return method(*args, **options)

    return array
