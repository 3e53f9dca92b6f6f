"""Whose code is running while a capture runs: which files are the learner's (not this
package's, nor the standard library's or an installed package's), the learner's line on the
stack (what a guard, a constant, a refusal names), whether the engine's own code converts a
number (to store it in a node), and whether the learner's code tests a thing's identity (there
a comparison must be the very ``True`` or ``False`` the engine's run has)."""

from __future__ import annotations

import functools
import os
import sysconfig
import types
from sys import _getframe  # (Python's own: a capture puts its own in sys while it runs)
from typing import Any

__all__ = ["called_by_the_engine", "engines_code", "engines_file",
           "learners_file", "learners_line", "read_by_the_learner", "tested_by_identity",
           "user_code"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_PACKAGE = os.path.dirname(_HERE)
_LIBRARIES = tuple(sorted({os.path.realpath(p) for p in (
    *(sysconfig.get_paths().get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")),
    os.path.dirname(os.__file__)) if p}, key=len, reverse=True))
"""Where the standard library and installed packages are: sysconfig's folders, and the folder
the standard library's modules come from (a browser's Python keeps them in a zip file,
/lib/python314.zip, which sysconfig does not name: without it, linecache's own os.stat, as
the capture reads a line of the learner's, was taken for the learner's)."""


def learners_line() -> str:
    """The learner's line on the stack, ``file:line: code``: the first of the learner's
    code (past this package, the standard library and installed packages), else the first
    outside this package."""
    frame = _getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
    found = frame
    while found is not None and (not learners_file(found.f_code.co_filename) or (
            found.f_code.co_filename == "<string>" and _written_below(found))):
        found = found.f_back  # type: ignore[assignment]  # (a dataclass's own methods are
    frame = found or frame  # made with exec, from <string>: the line that called them)
    if frame is None:
        return "?"
    import linecache

    text = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    name = frame.f_code.co_filename.rsplit("/", 1)[-1]
    return f"{name}:{frame.f_lineno}: {text}" if text else f"{name}:{frame.f_lineno}"


def user_code(code: types.CodeType) -> bool:
    """Whether ``code`` is the learner's (not this package's, nor the standard library's or an
    installed package's)."""
    return learners_file(code.co_filename)


def engines_code(code: types.CodeType) -> bool:
    """Whether ``code`` is the engine's (this package's, not the program layer's): its
    methods and functions that ran are guarded by name, as the learner's are (``ran.py``)."""
    return engines_file(code.co_filename)


def engines_file(name: str) -> bool:
    """Whether the file ``name`` is the engine's (see ``engines_code``)."""
    return name.startswith(_PACKAGE) and not name.startswith(_HERE)


@functools.lru_cache(maxsize=4096)
def learners_file(name: str) -> bool:
    """Whether the file ``name`` is the learner's (see ``user_code``)."""
    if name.startswith("<frozen") or name.startswith(_PACKAGE):
        return False
    if "site-packages" in name or "dist-packages" in name:
        return False
    return not (os.path.isabs(name) and os.path.realpath(name).startswith(_LIBRARIES))


def read_by_the_learner(frame: Any) -> bool:
    """Whether the learner's code reads through ``frame``: its own, or a library's it
    called (``string.Formatter().get_field("0._data", ...)``, ``vformat`` of a template:
    a64n S1), not this package's."""
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_PACKAGE):
            return False
        if learners_file(name):
            return True
        frame = frame.f_back
    return False


def _written_below(frame: Any) -> bool:
    """Whether code of the learner's, in a file, called ``frame`` (what ran from it)."""
    frame = frame.f_back
    while frame is not None and (frame.f_code.co_filename.startswith("<") or
                                 not learners_file(frame.f_code.co_filename)):
        frame = frame.f_back
    return frame is not None


def called_by_the_engine() -> bool:
    """Whether the caller of the caller is the engine's code (a conversion to store the
    number in a node), not the learner's."""
    frame = _getframe(2)
    name = frame.f_code.co_filename
    return name.startswith(_PACKAGE) and not name.startswith(_HERE)


_IDENTITY: dict[types.CodeType, bool] = {}


def tested_by_identity(frame: Any) -> Any:
    """The learner's code on the stack that tests a thing's identity other than None's
    (``x is True``, ``match x: case False:``), its name and where it starts (else ''):
    there a comparison must be the very ``True`` or ``False`` the engine's run has (a bool,
    and a guard), not a number followed."""
    while frame is not None:
        code = frame.f_code
        found = _IDENTITY.get(code)
        if found is None:
            if len(_IDENTITY) > 4096:
                _IDENTITY.clear()
            found = _IDENTITY[code] = user_code(code) and _tests_identity(code)
        if found:
            return f"{code.co_name}, {os.path.basename(code.co_filename)}:" \
                f"{code.co_firstlineno}"
        frame = frame.f_back
    return ""


def _tests_identity(code: types.CodeType) -> bool:
    import dis

    before: Any = None
    for instruction in dis.get_instructions(code):
        if instruction.opname == "IS_OP" and not (before.opname == "LOAD_CONST" and
                                                  before.argval is None):
            return True
        before = instruction
    return False


def answer_dropped(frame: Any) -> bool:
    """Whether the call ``frame`` is making drops what it gives (the next instruction pops
    it: ``gc.collect()`` as a statement), so no number of it reaches the graph."""
    try:
        after = [i for i in _instructions(frame.f_code) if i.offset > frame.f_lasti]
    except (TypeError, ValueError):
        return False
    return bool(after) and after[0].opname == "POP_TOP"


@functools.lru_cache(maxsize=256)
def _instructions(code: types.CodeType) -> tuple[Any, ...]:
    import dis

    return tuple(dis.get_instructions(code))
