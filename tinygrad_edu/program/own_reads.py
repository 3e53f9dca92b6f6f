"""What an op of one's own reads and does beyond its operands, read from its code before it
runs (``own_ops.py``): a program calls an op's forward and rules at every run, after the
function's own writes, where the engine called them as the function made each node. So an
op is a step of a program only where nothing it reads or does can differ so:

- **it may draw or write** (``Looked.effect``): its code, or that of a function of the
  learner's it calls (by a global name, a closure, a ``functools.partial``, an object's
  ``__call__``, a few levels down), names a random draw or calls one of ``random``'s or
  NumPy's generators under another name (``from random import gauss as noise``), or sets
  a global, a closure's variable, an attribute or an item: the call runs as the engine
  (a branch not taken at the capture draws later: a64m S4, a64n S2);
- **it reads settings** (``Looked.settings``): a global or a closure's variable holding
  data (a number, a text, a list, a dict, an object: not a module, a function or a class).
  Such an op runs as the engine where what it may read changed after it was applied
  (``own_ops.changed_after``: a slope set per layer, a64m S11, a64n S3, S4, S8), and its
  answer's ``backward()`` is not run again (``built.Run``: a64m S13); an op that reads none
  (a GELU of ``math``'s functions) is neither (a64n L1, L5).
"""

from __future__ import annotations

import dis
import functools
import os
import types
from typing import Any, NamedTuple

__all__ = ["Looked", "cells_of", "contents", "looked_at", "shallow"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPTH = 4
"""How many calls deep the learner's functions an op calls are read."""


class Looked(NamedTuple):
    """What ``looked_at`` found: why the op may draw or write ('' for neither), and whether
    it reads settings."""

    effect: str
    settings: bool


def looked_at(functions: list[Any]) -> Looked:
    """What ``functions`` (an op's forward and rules) read and do beyond their operands."""
    effect, settings = "", False
    seen: set[int] = set()
    stack = [(f, DEPTH) for f in functions if f is not None]
    while stack:
        f, depth = stack.pop()
        if id(f) in seen or depth == 0:
            continue
        seen.add(id(f))
        if isinstance(f, functools.partial):
            stack.append((f.func, depth))
            settings = settings or bool(f.args or f.keywords)
            continue
        if _draws(f):
            return Looked(f"may draw random numbers (it calls {_name(f)})", True)
        code = getattr(f, "__code__", None)
        if code is None:
            call = vars(type(f)).get("__call__")  # (an object of the learner's class)
            if isinstance(call, types.FunctionType) and not _ours(call.__code__):
                stack.append((call, depth - 1))
                settings = True  # (its attributes)
            continue
        if _ours(code):  # (the row's own wrapping: what it holds is the learner's)
            stack += [(contents(c), depth) for c in f.__closure__ or () if callable(contents(c))]
            continue
        for inner in _codes(code):
            drawn = _DRAWS.intersection(inner.co_names)
            if drawn and not effect:
                effect = f"may draw random numbers ({sorted(drawn)[0]} in its code)"
            if _WRITES.intersection(inner.co_code[::2]) and not effect:
                effect = "may write outside its operands (its code sets a name, an attribute " \
                         "or an item)"
            for name in inner.co_names:
                held = f.__globals__.get(name, _MISSING) if hasattr(f, "__globals__") else \
                    _MISSING
                if held is _MISSING or isinstance(held, types.ModuleType):
                    continue
                if callable(held) and not isinstance(held, type):
                    stack.append((held, depth - 1))
                elif not isinstance(held, type):
                    settings = True
        for cell in f.__closure__ or ():
            held = contents(cell)
            if callable(held) and not isinstance(held, type):
                stack.append((held, depth - 1))
            elif not isinstance(held, (types.ModuleType, type)) and held is not _EMPTY:
                settings = True
    return Looked(effect, settings or bool(effect))


def _codes(code: Any) -> list[Any]:
    found, stack = [], [code]
    while stack:
        c = stack.pop()
        found.append(c)
        stack += [k for k in c.co_consts if hasattr(k, "co_code")]
    return found


def _draws(f: Any) -> bool:
    """Whether ``f`` is one of ``random``'s or NumPy's random functions, or a method of one
    of their generators, by whatever name it is held."""
    owner = getattr(f, "__self__", None)
    module = getattr(f, "__module__", None) or getattr(type(owner), "__module__", "") or ""
    return module in ("random", "numpy.random", "numpy.random.mtrand",
                      "numpy.random._generator") or \
        type(owner).__module__ in ("random", "numpy.random.mtrand", "numpy.random._generator")


def _name(f: Any) -> str:
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or type(f).__name__


def _ours(code: Any) -> bool:
    return code.co_filename.startswith(_PACKAGE)


def cells_of(functions: list[Any], depth: int = 3) -> list[Any]:
    """The closure cells of ``functions`` and of the functions those cells hold (an op's row
    wraps the learner's functions), ``depth`` levels down."""
    found: list[Any] = []
    for f in functions:
        inner = list(getattr(f, "__closure__", None) or ())
        found += inner
        if depth > 1:
            found += cells_of([contents(c) for c in inner if callable(contents(c))], depth - 1)
    return found


def contents(cell: Any) -> Any:
    """A closure cell's contents (``_EMPTY`` for an empty one)."""
    try:
        return cell.cell_contents
    except ValueError:  # (empty)
        return _EMPTY


def shallow(x: Any) -> Any:
    """What ``x`` holds one level down, to compare by identity (a dict changed in place:
    its items; a list's items), else ``x`` itself."""
    if type(x) is dict:
        return tuple(x.items())
    if type(x) is list:
        return tuple(x)
    return x


_EMPTY = object()
_MISSING = object()
_DRAWS = frozenset(("random", "gauss", "uniform", "normal", "normalvariate", "rand", "randn",
                    "randint", "randrange", "choice", "choices", "shuffle", "sample",
                    "getrandbits", "random_sample", "integers", "binomial", "standard_normal",
                    "default_rng", "permutation", "bernoulli", "betavariate", "expovariate"))
_WRITES = frozenset(dis.opmap[name] for name in (
    "STORE_GLOBAL", "STORE_DEREF", "STORE_ATTR", "STORE_SUBSCR", "DELETE_GLOBAL",
    "DELETE_DEREF", "DELETE_ATTR", "DELETE_SUBSCR") if name in dis.opmap)
