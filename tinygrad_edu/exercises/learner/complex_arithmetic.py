"""The complex type's arithmetic, seen as it is done: the complex step however it is written.

The complex step, Im f(x + ih) / h, needs arithmetic on complex numbers: ``x + ih`` is an
addition, tanh of it a division. Written as one expression on a number made plain first
(``float(x)``), its unit made at run time (``float("-1") ** 0.5``), it holds no complex number
in a name and, on Python 3.10 and 3.11, gives none to any call the grader sees
(``held.py``), and under 3.12 and later it need give none to a call either (a complex number
formatted into text, ``f"{z}"``, read back as floats). Its arithmetic is done all the same.

So the learner's process, before its code is loaded (``serve.py``), puts watching functions
in place of the complex type's operators (``OPERATORS``: ``+ - * /``, unary ``-`` and ``+``,
``abs``), and of NumPy's complex scalar types' where NumPy is loaded: each notes the
operation, then calls the operator it replaced (the slot wrapper, the type's own C code, so
every answer is the same number). Nothing else is changed: ``**`` is not replaced (a float
raised to a fractional power of a negative base asks the complex type's power for the
complex number, and a replaced one would raise ``TypeError`` there), nor comparisons. A
built-in type's operators cannot be set from Python (its type is immutable): ``_put``
clears the immutable flag of the type object for the time of one ``setattr`` (through
``ctypes``, before the audit hook is added, which refuses ``ctypes`` to the learner), and
that ``setattr`` points the type's C slot at the generic one that calls the function.
(Under 3.12 and later a built-in type's dictionary lives in the interpreter's state, and
``setattr`` writes to another: the function is put in the real one first.)

While the grader runs a rule or a class's forward pass and backward (``held.CallsSeen``),
``watching`` arms the functions: an operation done with a learner's frame on the stack (a
function of ``files``) is noted once, as ``held.CallsSeen`` notes a call given a complex
number: what, the code, the offset, and ``when()``. No honest rule or backward computes with
a complex number (the reading of the code refuses one written in the file). Outside
``watching`` the functions only call what they replaced.

A diagnosis, not a boundary: the functions live in the process they watch, whose code can
find them and disarm them; NumPy's complex arrays are computed by ufuncs, not these
operators (the stand-ins of ``given.py`` see those), and a NumPy float times a Python complex
number makes a NumPy complex one without a complex operator (what is done with it next is
seen)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["OPERATORS", "install", "remove", "watching"]

OPERATORS = {"__add__": "a sum (+)", "__radd__": "a sum (+)", "__sub__": "a difference (-)",
             "__rsub__": "a difference (-)", "__mul__": "a product (*)",
             "__rmul__": "a product (*)", "__truediv__": "a quotient (/)",
             "__rtruediv__": "a quotient (/)", "__neg__": "a negation (-z)",
             "__pos__": "+z", "__abs__": "abs()"}
"""The operators watched, each with how a verdict names it."""
IMMUTABLE = 1 << 8
"""``Py_TPFLAGS_IMMUTABLETYPE``: a type whose attributes cannot be set (3.10 and later)."""

_ARMED: list[Callable[[str, Any], None]] = []
"""The noting function while ``watching`` is on (at most one), else empty."""
_REPLACED: dict[type, dict[str, Any]] = {}
"""Per type whose operators were replaced: the operators it had."""


def _flags(kind: type) -> Any:
    """The type object's ``tp_flags`` word, as a ``ctypes`` view (found, not assumed: the
    first word of the object that holds ``kind.__flags__``, checked on ``float`` and ``int``
    at the same place). ``ctypes`` is imported here, by the learner's process alone (the
    exercises page's Python grades without it)."""
    import ctypes

    size = ctypes.sizeof(ctypes.c_ulong)
    for offset in range(0, 64 * size, size):
        if all(ctypes.c_ulong.from_address(id(t) + offset).value == t.__flags__
               for t in (kind, float, int)):
            return ctypes.c_ulong.from_address(id(kind) + offset)
    raise RuntimeError(f"no type flags found in {kind.__name__}")


def _put(kind: type, name: str, value: Any) -> None:
    """``setattr(kind, name, value)`` on a built-in (immutable) type, its C slot updated."""
    flags = _flags(kind)
    real = gc.get_referents(kind.__dict__)[0]  # (the dictionary the mapping proxy shows)
    flags.value &= ~IMMUTABLE
    try:
        real[name] = value
        setattr(kind, name, value)
    finally:
        flags.value |= IMMUTABLE


def _watcher(name: str, replaced: Any) -> Callable[..., Any]:
    def operator(*args: Any, _armed: list[Any] = _ARMED, _name: str = name,
                 _replaced: Any = replaced) -> Any:
        if _armed:
            _armed[0](_name, args[0])
        return _replaced(*args)
    operator.__name__ = operator.__qualname__ = name
    return operator


def install() -> None:
    """Replace the operators of ``complex`` (and of NumPy's complex scalar types, where NumPy
    is loaded) by watching functions, once in the process. Call before the audit hook."""
    kinds: list[type] = [complex]
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        kinds += [t for t in (numpy.complex64, numpy.complex128, numpy.clongdouble)
                  if t not in kinds]
    for kind in kinds:
        if kind in _REPLACED:
            continue
        own = {name: kind.__dict__[name] for name in OPERATORS if name in kind.__dict__}
        _REPLACED[kind] = own
        for name, replaced in own.items():
            _put(kind, name, _watcher(name, replaced))


def remove() -> None:
    """Put back the operators ``install`` replaced (for a process that goes on without the
    watch: the tests'; a learner's process ends with it)."""
    for kind, own in _REPLACED.items():
        for name, replaced in own.items():
            _put(kind, name, replaced)
    _REPLACED.clear()


def _learners_frame(files: set[str]) -> Any:
    frame: Any = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename not in files:
        frame = frame.f_back
    return frame


@contextmanager
def watching(files: set[str], found: list[tuple[str, Any, int, Any]],
             when: Callable[[], Any]) -> Iterator[None]:
    """While the block runs: the first complex operation done with a frame of ``files`` on
    the stack is noted in ``found`` (if nothing was before): ``(what, code, offset,
    when())``."""
    if not files:
        yield
        return

    def note(name: str, number: Any) -> None:
        if found:
            return
        frame = _learners_frame(files)
        if frame is not None:
            found.append((f"the complex number {_shown(number)}, in {OPERATORS[name]}",
                          frame.f_code, frame.f_lasti, when()))

    before = list(_ARMED)
    _ARMED[:] = [note]
    try:
        yield
    finally:
        _ARMED[:] = before


def _shown(number: Any) -> str:
    try:
        return f"{complex(number):.3g}"
    except (TypeError, ValueError, OverflowError):
        return "(one)"
