"""What a learner's file may import, wherever it is graded (``exercises check``, ``report``,
an assignment's autograder).

A file of answers may import the modules in ``ALLOWED`` (and their submodules): the
standard library's modules for computing, NumPy and tinygrad_edu, but not
``tinygrad_edu.exercises``, which holds the grader and its answers. Every ``import`` in the
file is read before it runs, those inside functions too (``refused_import``), and every
import it makes while it runs goes through ``guarded_builtins``'s ``__import__``, so
``__import__("os")`` is refused as well: the file is then not graded, and the verdict says
which line and why.

These rules catch the honest mistake early and say what to do. What protects the grade is
elsewhere: the learner's process has no reference to reach (``engines.py``), and its audit
hook (``audit.py``) reports whatever reaches outside it.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import re
import sys
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["ALLOWED", "FORBIDDEN", "NUMPY_ON_FIRST_USE", "ImportRefused", "numpy_parts_named",
           "refused_import"]

ALLOWED = frozenset({
    "__future__", "abc", "bisect", "cmath", "collections", "copy", "dataclasses", "decimal",
    "enum", "fractions", "functools", "heapq", "itertools", "math", "numbers", "numpy",
    "operator", "random", "statistics", "string", "typing", "tinygrad_edu",
})
"""The modules a submission may import, with their submodules (but see ``FORBIDDEN``)."""

NUMPY_ON_FIRST_USE = ("numpy.char", "numpy.ctypeslib", "numpy.fft", "numpy.ma",
                      "numpy.polynomial", "numpy.random", "numpy.rec", "numpy.strings",
                      "numpy.testing", "numpy.typing")
"""NumPy's submodules that ``import numpy`` leaves to their first use (``numpy.random``...).
A learner's process that becomes another user loads first those its file names
(``numpy_parts_named``): that user may not reach NumPy's folder (a virtual environment in
root's home, or in a folder only root opens), and a file that uses them must run as it runs
for the grader's own user."""


def numpy_parts_named(source: str) -> tuple[str, ...]:
    """Those of ``NUMPY_ON_FIRST_USE`` whose last name is a word of ``source`` (``random`` in
    ``np.random.rand``, ``from numpy import fft``): loading all ten takes 100 ms of each
    process (``numpy.testing`` alone 60), more than the rest of its start; a word in a
    comment or a string loads one for nothing, which costs only time."""
    return tuple(part for part in NUMPY_ON_FIRST_USE
                 if re.search(rf"\b{part.rsplit('.', 1)[1]}\b", source))

FORBIDDEN = frozenset({"tinygrad_edu.exercises"})
"""Modules a submission may not import although their package is allowed: the grader and
its answers (``tinygrad_edu.exercises.answers``, ``model_answers``, ``lecture``)."""


class ImportRefused(ImportError):
    """A submission imported a module it may not (the message names it and says why)."""


def why_refused(module: str) -> str | None:
    """Why a submission may not import ``module`` (a dotted name), or None if it may."""
    if any(module == f or module.startswith(f"{f}.") for f in FORBIDDEN):
        return (f"{module} may not be imported by a submission: tinygrad_edu.exercises holds "
                "the grader and its answers")
    if module.split(".")[0] not in ALLOWED:
        return (f"{module} may not be imported by a submission, which may import only "
                f"{allowed_here()}")
    return None


def _numpy_here() -> bool:
    if "numpy" in sys.modules:  # (None there: blocked)
        return sys.modules["numpy"] is not None
    try:
        return importlib.util.find_spec("numpy") is not None
    except (ImportError, ValueError):
        return False


_NUMPY = _numpy_here()
"""Whether NumPy can be imported here: asked once, as the grader loads (never while a
submission runs, whose audit hook watches what is read)."""


def allowed_here() -> str:
    """The modules a submission may import, as a refusal lists them: NumPy only where it can
    be imported (the exercises page's Python, Pyodide's core, has none: issue 66 found it
    listed there), else said apart."""
    names = sorted(ALLOWED - {"__future__"})
    if _NUMPY:
        return ", ".join(names)
    where = "this page's Python has none" if sys.platform == "emscripten" else "not here"
    return f"{', '.join(n for n in names if n != 'numpy')} (and numpy where it is installed: " \
        f"{where})"


def refused_import(tree: ast.AST) -> tuple[int, str] | None:
    """The first import in ``tree`` (a parsed file, functions included) that a submission
    may not make: its line and why; None if every import is allowed."""
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))),
                       key=lambda n: n.lineno):
        if isinstance(node, ast.ImportFrom) and node.level:
            return node.lineno, ("a relative import (from . import ...): a submission is one "
                                 "file, and imports nothing from beside it")
        modules = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                   [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names])
        for module in modules:
            why = why_refused(module)
            if why is not None:
                return node.lineno, why
        for name in modules[1:] if isinstance(node, ast.ImportFrom) else ():
            reached = _module_named(name)
            if reached is not None and why_refused(reached) is not None:
                return node.lineno, f"{name} is the module {reached}: {why_refused(reached)}"
    return None


def _module_named(dotted: str) -> str | None:
    """The name of the module that ``from a import b`` binds to b, where it binds one
    (``from random import _os``: os, which random keeps under that name), else None."""
    package, _, name = dotted.rpartition(".")
    try:
        found = getattr(importlib.import_module(package), name, None)
    except ImportError:
        return None
    return found.__name__ if isinstance(found, types.ModuleType) else None


def guarded_builtins() -> dict[str, Any]:
    """A copy of the builtins whose ``__import__`` refuses what a submission may not import
    (``ImportRefused``): the builtins of a submission's module while it is graded."""
    original: Callable[..., Any] = builtins.__import__

    def guarded(name: str, globals: Mapping[str, Any] | None = None,
                locals: Mapping[str, Any] | None = None, fromlist: Sequence[str] | None = (),
                level: int = 0) -> Any:
        wanted = [name] + [f"{name}.{item}" for item in fromlist or () if item != "*"]
        for module in wanted:
            why = why_refused(module) if not level else "a relative import"
            if why is not None:
                raise ImportRefused(why)
        return original(name, globals, locals, fromlist, level)

    copy = dict(vars(builtins))
    copy["__import__"] = guarded
    return copy
