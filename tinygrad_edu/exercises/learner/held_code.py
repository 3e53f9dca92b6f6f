"""A complex number the learner's code holds where no name or argument shows it: as a
constant of its code, or as the object whose method it calls. The complex step made and
used within one expression, ``getattr(tanh_of(float(x) + 1e-20j), "imag") / 1e-20``, is
held in no name; on Python 3.12 and later ``held.CallsSeen`` sees it given to a call, but
Python 3.10 and 3.11 have no such event (issue 65). There the profile functions that watch
a rule (``stepped.recording``) and a class Value (``rerun.py``) see instead:

- ``complex_constant``: a complex constant of the learner's code objects (``1e-20j``, or
  ``(-1.0) ** 0.5``, which Python works out as it compiles), looked for once per grading
  call, before the learner's code runs (on every Python: the file's reading refuses one
  written in the file, and this holds where no file is read, or for code compiled at run
  time);
- ``complex_receiver``: in a rule (not in a class Value, whose watch runs at every call its
  ops make: it would cost it a tenth), at each call of a built-in method that the learner's
  code makes (a profile function's ``c_call``), the object the method is bound to, where it
  is complex: ``Zc.sum(axis=1)``, ``z.conjugate()`` (Python binds a method descriptor to its
  object for the profile function).

Such a complex number made at run time (``float("-1") ** 0.5``), used within one expression
and given only to functions other than NumPy's, ``cmath``'s and ``getattr`` (stand-ins while
a rule runs: ``given.py``), is still made where it is seen: the complex type's operators
and constructor, and a float's power, are watched (``complex_arithmetic.py``) on every
Python.
"""

from __future__ import annotations

import dis
import functools
import sys
import types
from typing import Any

from tinygrad_edu.exercises.learner.held import PLAIN, is_complex, line_of

__all__ = ["PASSED", "complex_constant", "complex_receiver"]


def _complex_in(value: Any) -> bool:
    if type(value) is complex:
        return True
    return type(value) in (tuple, frozenset) and any(_complex_in(v) for v in value)


def complex_constant(codes: list[Any]) -> tuple[str, Any, int] | None:
    """The first complex constant of ``codes`` (the code objects of the learner's functions
    that ran): (what, the code, the line it is loaded on), or None."""
    for code in codes:
        found = _constant_of(code)
        if found is not None:
            return found[0], code, found[1]
    return None


@functools.lru_cache(maxsize=4096)
def _constant_of(code: types.CodeType) -> tuple[str, int] | None:
    """What complex constant ``code`` holds, and its line; else None (kept: a code object
    never changes)."""
    if not any(_complex_in(c) for c in code.co_consts):
        return None
    for instruction in dis.get_instructions(code):
        if instruction.opname == "LOAD_CONST" and _complex_in(instruction.argval):
            value = instruction.argval
            shown = is_complex(value) if type(value) is complex else \
                f"complex numbers, {value!r}"[:80]
            return (f"{shown}, a constant of your code",
                    line_of(code, instruction.offset) or code.co_firstlineno)
    return "a complex number, a constant of your code", code.co_firstlineno


PASSED: set[type] = set(PLAIN) | {list, dict, set, tuple, types.ModuleType}
"""The types of objects seen bound to a method that can be no complex number (not complex,
nor NumPy's): passed over at once from then on (by the profile functions themselves)."""


def complex_receiver(method: Any) -> str:
    """What the object a built-in method is bound to is, if it is complex (a complex number,
    an array of them: ``held.is_complex``), and the method's name; else empty."""
    if type(method) is not types.BuiltinMethodType:
        return ""
    receiver = method.__self__
    kind = type(receiver)
    if kind in PASSED:
        return ""
    what = is_complex(receiver)
    if what:
        return f"{what}, whose {method.__name__}() was called"
    numpy = sys.modules.get("numpy")
    if not issubclass(kind, complex) and len(PASSED) < 256 and (numpy is None or not issubclass(
            kind, (numpy.ndarray, numpy.generic, numpy.dtype))):
        PASSED.add(kind)
    return ""
