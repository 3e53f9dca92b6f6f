"""How a capture asks a class of the learner's about a name without running the learner's
code (``static``), and what it says where it ran it all the same (``asked``).

Python finds a special method (``__next__``, ``__hash__``) in the dicts of a class and its
bases; it never calls a metaclass's ``__getattr__`` for it. ``hasattr(cls, "__next__")`` does:
a metaclass whose ``__getattr__`` looks a name up in a table (``return cls._table[name]``)
raises ``KeyError`` there, not ``AttributeError``, and ``hasattr`` lets it through. The engine
never asks, so the capture asks as Python does (``static``), and of an object, takes any error
of its ``__getattr__`` for "it has none" (``attribute``). Where a question of the capture's
still reaches such a ``__getattr__`` (of a class, an object, a module), the capture is
refused with the learner's line (``asked``), in place of an error of its own.
"""

from __future__ import annotations

import linecache
import os
from typing import Any

from tinygrad_edu.program.learners_code import learners_file

__all__ = ["asked", "attribute", "static"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_ABSENT = object()


def static(cls: Any, name: str, default: Any = None) -> Any:
    """What ``cls`` (a class) holds for ``name`` in its own dict or its bases' (``default``
    where none does): as Python looks up a special method, never through a ``__getattr__``."""
    mro = type.__dict__["__mro__"].__get__(cls) if isinstance(cls, type) else ()
    for klass in mro:  # (type's own __mro__: a metaclass's __getattribute__ is not asked)
        found = vars(klass).get(name, _ABSENT)
        if found is not _ABSENT:
            return found
    return default


def attribute(x: Any, name: str, default: Any = None) -> Any:
    """``getattr(x, name, default)`` asked by the capture of an object of the learner's (an
    argument's ``shape``): ``default`` where its ``__getattr__`` raises any error, as Python
    would for ``AttributeError`` (``return self._table[name]``: a ``KeyError``)."""
    try:
        return getattr(x, name, default)
    except Exception:
        return default


def asked(err: BaseException) -> str | None:
    """Why the capture stopped, where ``err`` came from a ``__getattr__`` (or
    ``__getattribute__``) of the learner's that this package's code called, not the learner's
    function (else None: the learner's own error, the engine's too)."""
    if isinstance(err, AttributeError) or not isinstance(err, Exception):
        return None
    tb, caller = err.__traceback__, ""
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name in ("__getattr__", "__getattribute__") and \
                learners_file(code.co_filename) and caller.startswith(_HERE):
            names = code.co_varnames
            name = tb.tb_frame.f_locals.get(names[1], "?") if len(names) > 1 else "?"
            while tb.tb_next is not None and tb.tb_next.tb_frame.f_code is code:
                tb = tb.tb_next
            text = linecache.getline(code.co_filename, tb.tb_lineno).strip()
            where = f"{os.path.basename(code.co_filename)}:{tb.tb_lineno}: {text}"
            return (f"the capture asks whether an object of yours has {name!r} (as Python's "
                    f"hasattr does), and its {code.co_name} raises {type(err).__name__} "
                    f"({err}) instead of AttributeError, at {where}; raise AttributeError "
                    "for a name it does not hold, as Python's protocol asks, and it can be "
                    "captured")
        caller = code.co_filename
        tb = tb.tb_next
    return None
