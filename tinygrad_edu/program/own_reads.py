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
- **it reads what a capture does not follow**: anything but its operands, constants,
  ``math``'s and NumPy's functions, computing builtins and functions of the learner's that
  are so too (an attribute of an object, a class or a module of the learner's, ``self.T``,
  a default holding data, ``globals()``, ``os.environ``): the same (a64o S1, S2, S6);
- **it reads settings** (``Looked.settings``): a global or a closure's variable holding
  data (a number, a text, a list, a dict, an object: not a module, a function or a class).
  Such an op runs as the engine where what it may read changed after it was applied
  (``own_ops.changed_after``: a slope set per layer, a64m S11, a64n S3, S4, S8), and its
  answer's ``backward()`` is not run again (``built.Run``: a64m S13); an op that reads none
  (a GELU of ``math``'s functions) is neither (a64n L1, L5).
"""

from __future__ import annotations

import array
import builtins
import collections
import dis
import functools
import math
import operator
import os
import sys
import types
from typing import Any, NamedTuple

from tinygrad_edu.program.seen import Standing

__all__ = ["Looked", "cells_of", "contents", "defaults_of", "looked_at", "same", "shallow"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPTH = 8
"""How many calls deep the learner's functions an op calls are read (deeper: an effect)."""


class Looked(NamedTuple):
    """What ``looked_at`` found: why the op may draw or write ('' for neither), and whether
    it reads settings."""

    effect: str
    settings: bool
    read: tuple[Any, ...] = ()
    """The functions of the learner's whose code it read (their ``__code__`` guarded)."""
    names: tuple[Any, ...] = ()
    """The global names it found a function of the learner's under (``_Named``: compared
    between two uses, as a closure's cells are)."""


def looked_at(functions: list[Any]) -> Looked:
    """What ``functions`` (an op's forward and rules) read and do beyond their operands. An
    op is pure only where its code reads nothing but its operands, constants, ``math``'s and
    NumPy's functions (``_PURE_MODULES``), computing builtins (``_PURE_BUILTINS``) and
    functions of the learner's that are so themselves; anything else it reads (a class's or
    an object's attribute, ``self.T``, another module of the learner's, a default holding
    data, ``globals()``, ``os.environ``) may differ between two uses in one call, which a
    capture does not follow: an effect (before, each such route was taken for pure: a64o
    S1, S2, S6)."""
    effect, draws, settings = "", "", False
    read: list[Any] = []
    names: list[Any] = []
    seen: set[int] = set()
    stack = [(f, DEPTH) for f in functions if f is not None]
    while stack:
        f, depth = stack.pop()
        if id(f) in seen:
            continue
        if depth == 0:  # (what it calls further down is unread: not taken for pure; a
            effect = effect or f"calls functions more than {DEPTH} calls deep ({_name(f)}), " \
                               "which a capture does not read"  # decorator spends a level:
            continue  # a64p S2)
        seen.add(id(f))
        if isinstance(f, functools.partial):
            stack.append((f.func, depth))
            settings = settings or bool(f.args or f.keywords)
            continue
        if _draws(f):
            return Looked(f"may draw random numbers (it calls {_name(f)})", True)
        code = getattr(f, "__code__", None)
        if code is not None and getattr(f, "__module__", None) in _PURE_MODULES and \
                _library(code):  # (``statistics.fmean``: a
            continue  # library's, which computes; not one of the learner's whose
            # ``functools.wraps`` copied a library's ``__module__``: a64q S7)
        if code is None:
            call = _call_of(f)  # (an object of the learner's class, ``__call__`` inherited)
            if call is not None:
                stack.append((call, depth - 1))
                effect = effect or f"reads what its object holds ({type(f).__name__}), " \
                                   "which a capture does not follow"
            elif not _computes(f) and not effect:
                effect = f"calls {_name(f)}, which a capture does not read"
            continue
        read.append(f)
        if _ours(code):  # (the row's own wrapping: what it holds is the learner's)
            stack += [(contents(c), depth) for c in f.__closure__ or () if callable(contents(c))]
            continue
        if any(not isinstance(d, _CONSTANTS) for d in (f.__defaults__ or ())) or \
                any(not isinstance(d, _CONSTANTS) for d in (f.__kwdefaults__ or {}).values()):
            effect = effect or "reads what a default of its function holds, which a capture " \
                               "does not follow"
        elif f.__defaults__ or f.__kwdefaults__:  # (numbers: compared as a setting is, set
            settings = True  # per layer between two uses, ``f.__defaults__ = (2.0,)``: a64p S6)
        cells = dict(zip(code.co_freevars, map(contents, f.__closure__ or ())))
        for inner in _codes(code):
            drawn = _DRAWS.intersection(inner.co_names)
            if drawn and not draws:  # (said before what else it reads)
                draws = f"may draw random numbers ({sorted(drawn)[0]} in its code)"
            if _WRITES.intersection(inner.co_code[::2]) and not effect:
                effect = "may write outside its operands (its code sets a name, an attribute " \
                         "or an item)"
            base: Any = _MISSING  # (what the last instruction loaded, where it is known)
            for ins in dis.get_instructions(inner):
                name, held = ins.argval, _MISSING
                if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                    held = f.__globals__.get(name, _MISSING)
                    if held is _MISSING:  # (the builtins its globals name, as Python looks)
                        held = _builtins_of(f).get(name, _MISSING)
                        if name not in _PURE_BUILTINS:
                            effect = effect or f"calls {name}(), which a capture does not follow"
                            held = _MISSING
                        elif not _pythons(name, held):  # (``builtins.max = my_max``:
                            if isinstance(held, types.FunctionType) and \
                                    not _ours(held.__code__):  # the learner's, read)
                                stack.append((held, depth - 1))
                            else:
                                effect = effect or f"calls {name}(), which is not Python's " \
                                                   "own here and a capture does not follow"
                    elif isinstance(held, types.ModuleType):
                        effect = effect or _module(held)
                    elif isinstance(held, type):  # (``Cfg.T``: a class's attribute)
                        effect = effect or f"reads the class {held.__name__}, which a " \
                                           "capture does not follow"
                    elif callable(held):
                        stack.append((held, depth - 1))
                        names.append(_Named(f.__globals__, name))  # (rebound between two
                        settings = True  # uses, ``act = other``: a64r S2)
                    else:
                        settings = True
                elif ins.opname in ("LOAD_DEREF", "LOAD_CLASSDEREF") and name in cells:
                    held = cells[name]
                    effect = effect or (_module(held) if isinstance(held, types.ModuleType)
                                        else "")
                elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD", "LOAD_SUPER_ATTR"):
                    if not isinstance(base, types.ModuleType) or not hasattr(base, name):
                        effect = effect or f"reads .{name} of what it holds, which a " \
                                           "capture does not follow"
                    else:
                        held = getattr(base, name)
                        if isinstance(held, types.ModuleType):
                            effect = effect or _module(held)
                        elif isinstance(held, types.FunctionType) and not _ours(
                                held.__code__):  # (``math.exp = my_exp``: the learner's,
                            stack.append((held, depth - 1))  # read: a64p S6)
                        elif callable(held) and not isinstance(held, type) and \
                                not _computes(held):
                            effect = effect or f"calls {_name(held)}, which a capture does " \
                                               "not read"
                        elif any(held is g for g in _GETTERS):  # (a64r S12)
                            effect = effect or f"calls operator.{name}, which reads what it " \
                                               "is given (an attribute, an item), which a " \
                                               "capture does not follow"
                        elif not callable(held) and not _constant(name, held):
                            effect = effect or f"reads {base.__name__}.{name}, which is not " \
                                               f"{base.__name__}'s own and a capture does " \
                                               "not follow"  # (``math.T = 2.0``: a64q S5)
                elif ins.opname == "IMPORT_NAME" and name not in _PURE_MODULES:
                    effect = effect or f"imports {name}, which a capture does not follow"
                base = held
        for cell in f.__closure__ or ():
            held = contents(cell)
            if isinstance(held, type) and held not in (int, float, complex, bool):
                effect = effect or f"holds the class {held.__name__}, which a capture does " \
                                   "not follow"  # (called, or its attributes read: a64p S6)
            elif callable(held):
                stack.append((held, depth - 1))
            elif not isinstance(held, types.ModuleType) and held is not _EMPTY:
                settings = True
    return Looked(draws or effect, settings or bool(draws or effect), tuple(read),
                  tuple(names))


def _constant(name: str, held: Any) -> bool:
    """Whether ``held``, read as ``name`` of a module whose functions compute (``math.pi``,
    ``np.inf``), is that module's own constant: not a setting the learner's code keeps
    there (``math.T = 2.0``), which may change between two uses in one call."""
    if name not in _MODULE_CONSTANTS:
        return False
    want = _MODULE_CONSTANTS[name]
    return held is want or (type(held) is type(want) and (held == want or (
        held != held and want != want)))


def _pythons(name: str, held: Any) -> bool:
    """Whether ``held``, found under the builtin ``name``, is Python's own: that function,
    or what a capture puts in its place while it runs (``max``, ``sum``: ``Standing``)."""
    return held is _BUILTINS[name] or (isinstance(held, Standing) and
                                       held.stands_for is _BUILTINS[name])


def _builtins_of(f: Any) -> Any:
    """The builtins ``f``'s code finds a name in, as Python finds them: its globals'
    ``__builtins__`` (a module or a dict), else the ``builtins`` module."""
    space = f.__globals__.get("__builtins__", builtins)
    return vars(space) if isinstance(space, types.ModuleType) else \
        space if isinstance(space, dict) else vars(builtins)


def _call_of(f: Any) -> Any:
    """The learner's ``__call__`` of ``f``'s class, wherever in its bases it is written."""
    for klass in type(f).__mro__:
        call = vars(klass).get("__call__")
        if call is not None:
            return call if isinstance(call, types.FunctionType) and \
                not _ours(call.__code__) else None
    return None


def _computes(f: Any) -> bool:
    """Whether ``f``, a function not written in Python, only computes: one of a pure module's
    (``math.erf``, a NumPy ufunc) or a number's type."""
    if isinstance(f, types.BuiltinFunctionType):
        owner = f.__self__
        if owner is builtins:
            return f.__name__ in _PURE_BUILTINS
        return _module(owner) == "" if isinstance(owner, types.ModuleType) else \
            owner is None and f.__module__ in _PURE_MODULES
    numpy = sys.modules.get("numpy")  # (NumPy's own ufunc: not ``np.frompyfunc`` of the
    return (numpy is not None and type(f).__name__ == "ufunc" and  # learner's, a64p S4)
            getattr(numpy, getattr(f, "__name__", ""), None) is f) or f in (int, float, complex,
                                                                              bool)


def _module(held: Any) -> str:
    name = held.__name__
    if name in _PURE_MODULES or (name.startswith("numpy.") and not name.startswith(
            "numpy.random")):
        return ""
    return f"reads the module {held.__name__}, which a capture does not follow"


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


def cells_of(functions: list[Any], depth: int = DEPTH) -> list[Any]:
    """The closure cells of ``functions`` and of the functions those cells hold (an op's row
    wraps the learner's functions), ``depth`` levels down."""
    found: list[Any] = []
    for f in functions:
        inner = list(getattr(f, "__closure__", None) or ())
        found += inner
        if depth > 1:
            found += cells_of([contents(c) for c in inner if callable(contents(c))], depth - 1)
    return found


def defaults_of(functions: list[Any], depth: int = DEPTH) -> list[Any]:
    """For each of ``functions`` with defaults (and the functions their cells hold, ``depth``
    levels down), a stand-in for a cell whose contents are its defaults as they are then:
    ``f.__defaults__ = (2.0,)`` between two uses is a setting changed (a64p S6)."""
    found: list[Any] = []
    for f in functions:
        if getattr(f, "__defaults__", None) or getattr(f, "__kwdefaults__", None):
            found.append(_Defaults(f))
        if depth > 1:
            inner = [contents(c) for c in getattr(f, "__closure__", None) or ()]
            found += defaults_of([g for g in inner if callable(g)], depth - 1)
    return found


class _Named:
    """A global name of a function's module read as a closure cell's contents are
    (``Looked.names``): what it holds then, by identity."""

    def __init__(self, space: dict[str, Any], name: str) -> None:
        self.space, self.name = space, name

    @property
    def cell_contents(self) -> Any:
        return self.space.get(self.name, _EMPTY)


class _Defaults:
    """A function's defaults read as a closure cell's contents are (``defaults_of``)."""

    def __init__(self, function: Any) -> None:
        self.function = function

    @property
    def cell_contents(self) -> Any:
        return (self.function.__defaults__, self.function.__kwdefaults__)


def contents(cell: Any) -> Any:
    """A closure cell's contents (``_EMPTY`` for an empty one)."""
    try:
        return cell.cell_contents
    except ValueError:  # (empty)
        return _EMPTY


def shallow(x: Any, depth: int = 3) -> Any:
    """What ``x`` holds, a few levels down, to compare (``same``): a dict's items, a list's,
    a tuple's or a deque's, of their own classes too (a ``defaultdict``, an ``OrderedDict``),
    an object's attributes or its slots, a ``functools.partial``'s arguments, a read-only
    view's mapping, the bytes of an array or a buffer (a NumPy array, an ``array.array``, a
    ``bytearray``, a ctypes array: changed in place, a64o S5, a64p S1, S5); one too large to
    read, or a container deeper than ``depth``, or an iterator (what it gives next is not
    held to compare), something no later look is the same as (fails closed: a64r S1, S8,
    S11, S12, S14); else ``x`` itself, by identity."""
    kind = type(x)
    if depth == 0:
        return _TooMany() if isinstance(x, _CONTAINERS) else x
    if isinstance(x, dict):
        items = list(x.items())
        return _TooMany() if len(items) > SHALLOW else tuple(
            (k, shallow(v, depth - 1)) for k, v in items)
    if isinstance(x, (list, tuple, collections.deque)):
        return _TooMany() if len(x) > SHALLOW else (kind, *(shallow(v, depth - 1)
                                                          for v in x))
    if kind is functools.partial:
        return (x, shallow(x.args, depth - 1), shallow(x.keywords, depth - 1))
    if kind is types.MappingProxyType:
        return (x, shallow(dict(x), depth - 1))
    buffer = _bytes_of(x)
    if buffer is not None:
        return (x, buffer)
    if hasattr(kind, "__next__") and not callable(x):  # (``iter(xs)``, a generator,
        return _TooMany()  # ``itertools.cycle``: what the next use takes differs)
    held = getattr(x, "__dict__", None) if not callable(x) else None
    if type(held) is dict:
        return (x, shallow(held, depth - 1))
    slots = _slots_of(x) if held is None and not callable(x) else None
    if slots:
        return (x, shallow(slots, depth - 1))
    return x


_CONTAINERS = (dict, list, tuple, collections.deque, functools.partial, types.MappingProxyType)


def _slots_of(x: Any) -> tuple[Any, ...] | None:
    """The values in the slots of ``x`` (a class with ``__slots__``, no ``__dict__``: a slots
    dataclass), read by the slots' own descriptors (no code of the learner's runs); None
    where its class has none."""
    found = []
    for klass in type(x).__mro__:
        names = vars(klass).get("__slots__", ())
        for name in (names,) if isinstance(names, str) else names:
            slot = vars(klass).get(name)
            if type(slot) is types.MemberDescriptorType:
                try:
                    found.append(slot.__get__(x, type(x)))
                except AttributeError:  # (not set yet)
                    found.append(_EMPTY)
    return tuple(found) if found else None


SHALLOW = 4096
"""The most items of one container ``shallow`` reads."""


class _TooMany:
    """What ``shallow`` gives for a container too large to read: never ``same``."""


def same(now: Any, then: Any) -> bool:
    """Whether two of ``shallow``'s answers are the same: tuples item by item, bytes by
    value, anything else by identity."""
    if type(now) is tuple and type(then) is tuple:
        return len(now) == len(then) and all(map(same, now, then))
    if type(now) is bytes and type(then) is bytes:
        return now == then
    return now is then and type(now) is not _TooMany


def _bytes_of(x: Any) -> bytes | None:
    """The bytes of an array or a buffer held (None for anything else)."""
    kind = type(x)
    if kind is bytes or kind is str:
        return None
    if hasattr(x, "__array_interface__") and hasattr(x, "tobytes"):
        try:
            return bytes(x.tobytes())
        except Exception:
            return None
    if isinstance(x, (bytearray, array.array, memoryview)) or (
            type(kind).__module__ == "_ctypes" and hasattr(x, "_length_")):
        try:
            return bytes(memoryview(x).cast("B"))
        except Exception:
            return None
    return None


def _library(code: Any) -> bool:
    """Whether ``code`` lives in Python's own modules (``statistics``) or NumPy's files."""
    numpy = sys.modules.get("numpy")
    places = (_STDLIB, os.path.dirname(getattr(numpy, "__file__", None) or _STDLIB) + os.sep)
    return code.co_filename.startswith(places)


_STDLIB = os.path.dirname(os.__file__) + os.sep
_EMPTY = object()
_MISSING = object()
_PURE_MODULES = frozenset(("math", "cmath", "operator", "_operator", "numpy", "functools",
                           "statistics", "tinygrad_edu", "tinygrad_edu.safe_math"))
"""Modules whose attributes an op may read and stay a program (their functions compute)."""
_GETTERS = (operator.attrgetter, operator.itemgetter, operator.methodcaller)
"""The classes of ``operator`` whose objects read what they are given (an attribute, an
item, a method): an effect, as ``c.T`` in the op's own code is."""
_MODULE_CONSTANTS: dict[str, Any] = {
    "pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf, "nan": math.nan,
    "infj": complex(0.0, math.inf), "nanj": complex(0.0, math.nan),
    "euler_gamma": 0.5772156649015329, "newaxis": None, "PINF": math.inf, "NINF": -math.inf,
    "NAN": math.nan, "NaN": math.nan, "Inf": math.inf, "Infinity": math.inf,
    "infty": math.inf}
"""The constants of those modules (``math.pi``, ``cmath.infj``, ``np.newaxis``), by name and
number: any other number or object read from one is the learner's."""
_PURE_BUILTINS = frozenset((
    "abs", "min", "max", "sum", "float", "int", "bool", "complex", "round", "pow", "divmod",
    "len", "range", "zip", "map", "enumerate", "isinstance", "tuple", "list", "dict", "sorted",
    "reversed", "any", "all", "filter", "print", "ValueError", "ZeroDivisionError",
    "OverflowError", "ArithmeticError", "TypeError", "Exception", "RuntimeError"))
"""Builtins an op may call and stay a program (``globals``, ``vars``, ``getattr``, ``open``,
``id``: not)."""
_BUILTINS = {name: vars(builtins)[name] for name in _PURE_BUILTINS}
"""Python's own of those, as they were when this module was imported: one the learner's
code put in their place (``builtins.max = my_max``, or a ``__builtins__`` of its own in a
function's globals) is read as the learner's function (a64q S10)."""
_CONSTANTS = (int, float, complex, str, bytes, bool, type(None))
_DRAWS = frozenset(("random", "gauss", "uniform", "normal", "normalvariate", "rand", "randn",
                    "randint", "randrange", "choice", "choices", "shuffle", "sample",
                    "getrandbits", "random_sample", "integers", "binomial", "standard_normal",
                    "default_rng", "permutation", "bernoulli", "betavariate", "expovariate"))
_WRITES = frozenset(dis.opmap[name] for name in (
    "STORE_GLOBAL", "STORE_DEREF", "STORE_ATTR", "STORE_SUBSCR", "DELETE_GLOBAL",
    "DELETE_DEREF", "DELETE_ATTR", "DELETE_SUBSCR") if name in dis.opmap)
