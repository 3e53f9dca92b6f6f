"""Whose classes and modules are the learner's: what a capture walks into where it finds
them (``kinds.py``: an ``"object"`` whose plain data is walked) and what ``states.py`` keeps
of such an object held inside one of Python's that a capture does not look into (its
attributes, not its identity alone). Here, not in ``kinds.py``, so that ``states.py``
(which ``kinds.py`` imports) can ask it too.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from tinygrad_edu.program.learners_code import learners_file

__all__ = ["PLAIN_DATA", "plain_data", "pythons_own"]

PLAIN_DATA = ("tinygrad_edu.nn", "tinygrad_edu.training")
"""Of this package, the rooms whose objects hold a learner's numbers (models, optimizers,
their parameters): walked into as the learner's own are; the engine's rows are not."""


def pythons_own(cls: type) -> bool:
    """Whether ``cls`` is one of Python's own classes (``int``, ``NoneType``: of the module
    ``builtins``), not one the learner's code defined where ``exec`` ran it in a namespace
    with no ``__name__`` (``exec(src, {})``, as a grader may run a learner's text: its classes
    are of ``builtins`` too, written so by their class statement; an attacker's a64b f9)."""
    return cls.__module__ == "builtins" and not (
        vars(cls).get("__module__") == "builtins" and cls.__flags__ & _HEAP_TYPE)


_HEAP_TYPE = 1 << 9  # (Py_TPFLAGS_HEAPTYPE: a class a class statement made)


def plain_data(cls: type) -> bool:
    """Whether instances of ``cls`` hold a learner's numbers to walk: the learner's classes
    (in a file, in ``__main__``, in a module made at run time, or exec'd into a namespace of
    its own), an installed package's (micrograd's MLP), this package's models and
    optimizers; not the standard library's, nor the engine's rows."""
    name = cls.__module__
    if name == "builtins" and not pythons_own(cls):
        return True
    if name in ("types", "argparse", "collections", "dataclasses"):
        return True  # (a SimpleNamespace, a Namespace, a ChainMap: a config's numbers)
    module = sys.modules.get(name)
    file = _module_file(module) or ""
    if name.startswith("tinygrad_edu"):
        return name.startswith(PLAIN_DATA)
    if "site-packages" in file or "dist-packages" in file or module is None:
        return True
    return _learners(module)


def _learners(module: Any) -> bool:
    """Whether ``module`` is the learner's: of a file of theirs, ``__main__``, or made at run
    time (``types.ModuleType("cfg")``: walked into wherever it is reached, a cell, an
    attribute, an item, as a module of theirs is)."""
    if module is None:
        return False
    file = _module_file(module)
    if file is None:
        return _module_file(module, "__name__") == "__main__" or _made_at_run_time(module)
    return learners_file(file)


def _made_at_run_time(module: Any) -> bool:
    """Whether ``module`` was made by code (``types.ModuleType("cell")``, as a notebook or a
    grader may run a learner's text in, or ``module_from_spec`` of a spec of its own): no
    file, and no loader made it (as one made Python's own built-in modules)."""
    if not isinstance(module, types.ModuleType) or _module_file(module) is not None or \
            vars(module).get("__name__") in sys.builtin_module_names:
        return False
    spec = vars(module).get("__spec__")  # (none, or one of its own: ``module_from_spec``)
    return spec is None or (getattr(spec, "loader", None) is None and
                            getattr(spec, "origin", None) is None)


def _module_file(module: Any, name: str = "__file__") -> Any:
    """A module's ``__file__`` (``__name__``) as it holds it, not asked of its PEP 562
    ``__getattr__`` (one that raises ``KeyError`` for a name it does not have: the engine
    never asks it)."""
    if isinstance(module, types.ModuleType):
        return vars(module).get(name)
    try:
        return getattr(module, name, None)
    except Exception:  # (an object of its own in sys.modules)
        return None
