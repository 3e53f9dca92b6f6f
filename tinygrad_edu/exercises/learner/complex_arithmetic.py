"""The complex type's arithmetic, seen as it is done: the complex step however it is written.

The complex step, Im f(x + ih) / h, needs complex numbers made and computed with: ``x + ih``
is an addition (or ``complex(x, h)``), tanh of it a division, exp of it a power. Written as
one expression on a number made plain first (``float(x)``), its unit made at run time
(``float("-1") ** 0.5``), it holds no complex number in a name and, on Python 3.10 and 3.11,
gives none to any call the grader sees (``held.py``); under 3.12 and later it need give none
to a call either (its imaginary part read as text: ``"{0.imag}".format(w)``, an f-string).
Its arithmetic is done all the same, and every complex number of pure Python is made by
it: by the constructor, by an operator on complex numbers, or by a float's power of a
negative base to a fractional exponent (which asks the complex type's power for it).

So the learner's process, before its code is loaded (``serve.py``), puts watching functions
in place of the complex type's operators (``OPERATORS``: ``+ - * / **``, unary ``-`` and
``+``, ``abs``), of NumPy's complex scalar types' where NumPy is loaded, and of ``__init__``
(which ``complex(...)`` calls once it has made the number: the constructor is seen); each
notes the operation, then calls the operator it replaced (the slot wrapper: the type's own C
code, so every answer is the same number). A float's ``**`` is watched too (``POWERS``): a
negative base to a fractional power hands the work to the complex type's power, which, once
replaced, calls the float's power again from inside it: that inner call is the complex
number being made, answered with the complex power on the same numbers, as the C code
would, and noted (``_handed_power``; an int's ``**`` is replaced so too, as it hands a
negative exponent to the float's power, which calls it back once replaced). Comparisons and
reading a number's parts are not replaced: a complex number read has been made, and its
making was seen.

A built-in type's operators cannot be set from Python (its type is immutable): ``_put``
clears the immutable flag of the type object for the time of one ``setattr`` (through
``ctypes``, before the audit hook is added, which refuses ``ctypes`` to the learner), and
that ``setattr`` points the type's C slot at the generic one that calls the function.
(Under 3.12 and later a built-in type's dictionary lives in the interpreter's state, and
``setattr`` writes to another: the function is put in the real one first.)

While the grader runs a rule or a class's forward pass and backward (``held.CallsSeen``),
``watching`` arms the functions: an operation done with a learner's frame on the stack (a
function of ``files``), and no frame of the grader's own code nearer, is noted once, as
``held.CallsSeen`` notes a call given a complex number: what, the code, the offset, and
``when()``. No honest rule or backward makes a
complex number (the reading of the code refuses one written in the file). Outside
``watching`` the functions only call what they replaced.

A diagnosis, not a boundary: the functions live in the process they watch, whose code can
find them and disarm them; NumPy's complex arrays are made and computed by ufuncs, not these
operators (the stand-ins of ``given.py`` see those in a rule), and ``complex.__new__``
called by name makes a number without ``__init__`` (the reading flags the name)."""

from __future__ import annotations

import _thread
import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tinygrad_edu.exercises.learner.matrix_forms import dual_matrix

__all__ = ["OPERATORS", "install", "is_complex", "remove", "watching"]

OPERATORS = {"__add__": "a sum (+)", "__radd__": "a sum (+)", "__sub__": "a difference (-)",
             "__rsub__": "a difference (-)", "__mul__": "a product (*)",
             "__rmul__": "a product (*)", "__truediv__": "a quotient (/)",
             "__rtruediv__": "a quotient (/)", "__neg__": "a negation (-z)",
             "__pos__": "+z", "__abs__": "abs()", "__pow__": "a power (**)",
             "__rpow__": "a power (**)", "__init__": "complex(), the constructor"}
"""The complex type's operators watched (and its constructor's ``__init__``), each with how
a verdict names it."""
POWERS = dict.fromkeys(("__pow__", "__rpow__"), "a complex number")
"""A float's operators watched (and an int's: ``_handed_power``): a negative base to a
fractional power is a complex number."""
IMMUTABLE = 1 << 8
"""``Py_TPFLAGS_IMMUTABLETYPE``: a type whose attributes cannot be set (3.10 and later)."""

_ARMED: list[Callable[..., None]] = []
"""The noting function while ``watching`` is on (at most one), else empty."""
_BUSY: set[int] = set()
"""The threads whose array watch is looking (its own NumPy calls, and the complex numbers it
makes to show one, are not looked at)."""
_REPLACED: dict[type, dict[str, Any]] = {}
"""Per type whose operators were replaced: the operators it had (None: it had none of its
own, ``complex.__init__``)."""


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
    if replaced is None:  # (``__init__``: the number is made; nothing more to do)
        def made(*args: Any, _armed: list[Any] = _ARMED, _busy: set[int] = _BUSY,
                 _ident: Any = _thread.get_ident, **named: Any) -> None:
            if _armed and _ident() not in _busy:
                _armed[0](lambda: f"the complex number {_shown(args[0])}, in {OPERATORS[name]}")
        made.__name__ = made.__qualname__ = name
        return made

    def operator(*args: Any, _armed: list[Any] = _ARMED, _name: str = name,
                 _replaced: Any = replaced) -> Any:
        if _armed:
            _armed[0](lambda: f"the complex number {_shown(args[0])}, in {OPERATORS[_name]}")
        return _replaced(*args)
    operator.__name__ = operator.__qualname__ = name
    return operator


def _handed_power(kind: type, name: str, replaced: Any, wider: Any,
                  noted: bool) -> Callable[..., Any]:
    """``kind``'s ``**`` (``__pow__``, or ``__rpow__``, its operands the other way round): its
    own, unless called from inside it on this thread. A float's power hands a negative
    base's fractional power to the complex type's, an int's a negative exponent to the
    float's; once those are replaced, their generic slot calls this again from inside: then
    ``wider`` (the wider type's own power) on the same numbers, the base made of that type,
    as the C code does; ``noted`` (the float's: the answer is a complex number)."""
    swapped = name == "__rpow__"
    inside: set[int] = set()  # (the threads inside this power)

    def operator(*args: Any, _armed: list[Any] = _ARMED, _ident: Any = _thread.get_ident,
                 _replaced: Any = replaced) -> Any:
        me = _ident()
        if me in inside:
            base, exponent = (args[1], args[0]) if swapped else (args[0], args[1])
            if noted and _armed:
                _armed[0](lambda: f"({_shown(base)}) ** {_shown(exponent)}, {POWERS[name]}")
            return wider(_WIDER[kind](base), exponent)
        inside.add(me)
        try:
            return _replaced(*args)
        finally:
            inside.discard(me)
    operator.__name__ = operator.__qualname__ = name
    return operator


_WIDER: dict[type, type] = {float: complex, int: float}
"""The type each one's power hands a power it cannot answer to (``_handed_power``)."""

ARRAY_CALLS = {"ufunc": ("__call__", "at", "reduce", "accumulate", "reduceat", "outer"),
               "_ArrayFunctionDispatcher": ("__call__",),
               "ndarray": ("view", "astype", "dot", "tobytes", "tolist", "item")}
"""NumPy's types whose calls are watched for complex arrays given or made: a ufunc's (every
elementwise operation, an array's operators included), a NumPy function's (``np.dot``,
``np.frombuffer``...: each is an ``_ArrayFunctionDispatcher``), and those methods of an
array that make a complex one of a real one or read one out."""
HAVE_VECTORCALL = 1 << 11
"""``Py_TPFLAGS_HAVE_VECTORCALL``: cleared where ``__call__`` is replaced, so that every
call goes through the type's ``__call__`` (the objects' own fast path is left unused)."""
_CALLED: dict[type, int] = {}
"""The types whose vectorcall flag was cleared, with the flags they had."""


def _watch_arrays(numpy: Any) -> None:
    """Replace the calls of ``ARRAY_CALLS`` by functions that note a complex array (or
    number, or dtype) given to them or given back (``_complex_among``)."""
    for kind in (numpy.ufunc, type(numpy.dot), numpy.ndarray):
        if kind in _REPLACED or kind.__name__ not in ARRAY_CALLS:
            continue
        own = {name: kind.__dict__[name] for name in ARRAY_CALLS[kind.__name__]
               if name in kind.__dict__}
        _REPLACED[kind] = own
        for name, replaced in own.items():
            _put(kind, name, _array_watcher(kind, name, replaced, numpy))
        if "__call__" in own:
            flags = _flags(kind)
            _CALLED[kind] = flags.value
            flags.value &= ~HAVE_VECTORCALL


def _array_watcher(kind: type, name: str, replaced: Any, numpy: Any) -> Callable[..., Any]:
    own = kind is numpy.ndarray  # (a method of an array: the array is one of its inputs)

    def call(*args: Any, _armed: list[Any] = _ARMED, _replaced: Any = replaced,
             _busy: set[int] = _BUSY, _ident: Any = _thread.get_ident, **named: Any) -> Any:
        answer = _replaced(*args, **named)
        me = _ident()
        if _armed and me not in _busy:
            _busy.add(me)  # (the looking calls NumPy too: not looked at)
            try:
                inputs = args if own else args[1:]
                given = _complex_among(inputs, named)
                made = "" if given else _complex_among((answer,), {})
                matrix = "" if given or made or not _MATRICES else \
                    _matrix_among(inputs, numpy)
            finally:
                _busy.discard(me)
            if given or made or matrix:
                called = f".{name}()" if own else f"{_name_of(args[0])}" + (
                    "()" if name == "__call__" else f".{name}()")
                _armed[0](lambda: f"{given}, given to {called}" if given else
                          f"{made}, made by {called}" if made else
                          f"{DUAL} {matrix}, given to {called}")
        return answer
    call.__name__ = call.__qualname__ = name
    return call


DUAL = "a dual number as the matrix"
"""How a matrix of ``matrix_forms.dual_matrix``'s forms is said (``watched.call`` tells it
from a complex number by these words)."""
_MATRICES: list[bool] = []
"""Non-empty while matrices are looked at (``watching``'s ``matrices``: a rule on numbers,
a class's graph; never the rules on arrays, whose honest matrices may be nilpotent, as the
softmax's P - Y at Z = 0 is)."""


def _matrix_among(values: Any, numpy: Any) -> str:
    """The first square matrix among ``values`` that carries a derivative
    (``matrix_forms.dual_matrix``), in a few digits; "" if none."""
    for value in values:
        if issubclass(type(value), numpy.ndarray) and numpy.ndarray.ndim.__get__(value) == 2:
            found = dual_matrix(value)
            if found:
                return found
    return ""


def _name_of(function: Any) -> str:
    name = getattr(type(function), "__name__", "")  # (a ufunc or a NumPy function: C types)
    return str(function.__name__) if name in ARRAY_CALLS else "a call"


def _complex_among(values: Any, named: dict[str, Any]) -> str:
    """``is_complex`` of the first of ``values`` and ``named``'s values (or of the first
    items of a list or tuple among them) that is complex; "" if none."""
    for value in (*values, *named.values()):
        for item in value[:8] if type(value) in (list, tuple) else (value,):
            found = is_complex(item)
            if found:
                return found
    return ""


def is_complex(x: Any) -> str:
    """What ``x`` is, if it is complex: a complex number (Python's or NumPy's), an array of
    them, or NumPy's complex dtype; else nothing. Looks at types alone (no code of the
    learner's runs: ``__class__`` may be a property)."""
    kind = type(x)
    if issubclass(kind, complex):
        return f"a complex number, {_short(x)}"
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return ""
    if issubclass(kind, (numpy.ndarray, numpy.generic)):
        dtype = numpy.ndarray.dtype.__get__(x) if issubclass(kind, numpy.ndarray) \
            else numpy.generic.dtype.__get__(x)
        if dtype.kind != "c":
            return ""
        return "an array of complex numbers" if issubclass(kind, numpy.ndarray) else \
            f"a complex number, {_short(x)}"
    if issubclass(kind, numpy.dtype):
        return f"NumPy's complex type {x!s}" if x.kind == "c" else ""
    return ""


def _short(x: Any) -> str:
    """A complex number in a few digits, as a verdict's short quote has room for (made by
    the constructor: by the grader, whose watch does not note it, ``_BUSY``)."""
    z = complex(x)
    return f"({z.real:.4g}{z.imag:+.3g}j)"


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
        own = {name: None if name == "__init__" else kind.__dict__[name] for name in OPERATORS
               if name in kind.__dict__ or (name == "__init__" and kind is complex)}
        _REPLACED[kind] = own
        for name, replaced in own.items():
            _put(kind, name, _watcher(name, replaced))
    if numpy is not None:
        _watch_arrays(numpy)
    for kind in (float, int):  # (the float's first: the int's hands its work to it)
        if kind not in _REPLACED:
            own = {name: kind.__dict__[name] for name in POWERS}
            _REPLACED[kind] = own
            wider = _REPLACED[_WIDER[kind]]["__pow__"]
            for name, replaced in own.items():
                _put(kind, name, _handed_power(kind, name, replaced, wider, kind is float))


def remove() -> None:
    """Put back the operators ``install`` replaced (for a process that goes on without the
    watch: the tests'; a learner's process ends with it)."""
    for kind, own in reversed(list(_REPLACED.items())):
        for name, replaced in own.items():  # (object's own __init__: the slot made so again)
            _put(kind, name, object.__init__ if replaced is None else replaced)
    for kind, flags in _CALLED.items():
        _flags(kind).value = flags
    _REPLACED.clear()
    _CALLED.clear()


PACKAGE = __file__.rsplit("/exercises/", 1)[0] + "/"
"""tinygrad_edu's folder: the grader's own code (its watch, its stand-ins, the engines)."""


def _learners_frame(files: set[str]) -> Any:
    """The learner's frame that made the operation: the nearest of ``files`` on the stack,
    with no frame of the grader's own code (``PACKAGE``) nearer (the watch's own complex
    numbers, made as it looks at the learner's code); None if none."""
    frame: Any = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename == __file__:  # (the operators)
        frame = frame.f_back
    while frame is not None:
        name = frame.f_code.co_filename
        if name in files:
            return frame
        if name.startswith(PACKAGE):
            return None
        frame = frame.f_back
    return None


@contextmanager
def watching(files: set[str], found: list[tuple[str, Any, int, Any]],
             when: Callable[[], Any], matrices: bool = False) -> Iterator[None]:
    """While the block runs: the first complex operation done with a frame of ``files`` on
    the stack is noted in ``found`` (if nothing was before): ``(what, code, offset,
    when())``; if ``matrices``, a matrix that carries a derivative given to NumPy too."""
    if not files:
        yield
        return

    def note(what: Callable[[], str]) -> None:
        if found:
            return
        frame = _learners_frame(files)
        if frame is not None:
            found.append((what(), frame.f_code, frame.f_lasti, when()))

    before, looked = list(_ARMED), list(_MATRICES)
    _ARMED[:], _MATRICES[:] = [note], [True] * matrices
    try:
        yield
    finally:
        _ARMED[:], _MATRICES[:] = before, looked


def _shown(number: Any) -> str:
    if isinstance(number, (float, int)):
        return f"{float(number):.3g}"
    try:
        return f"{complex.__format__(number, '.3g')}"  # (made by no constructor: unnoted)
    except (TypeError, ValueError, OverflowError):
        return "(one)"
