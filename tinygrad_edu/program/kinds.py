"""What a capture takes each thing it finds outside a function's arguments for (``kind_of``),
which says how ``walk.py`` walks it: a ``"number"`` (a float, an int, a bool, a followed
number, a NumPy scalar), a ``"constant"`` (a text, bytes, None), a ``"sequence"``, a
``"dict"`` or a ``"set"`` (walked by their items), a ``"value"``, an ``"array"`` (numbers held
as bytes: an ``array.array``, a buffer, a ctypes object, a NumPy array, a PyTorch tensor), a
``"module"``, a ``"class"``, a ``"function"`` or a ``"method"``, an ``"iterator"`` or a random
``"generator"``, an ``"object"`` whose plain data is walked (the learner's classes, an
installed package's, a config, a ``threading.local``, a model of ``nn``: whose they are,
``learners_objects.py``), or an ``"opaque"`` one, not looked into (``held.py`` and
``states.py`` find what it holds), or a ``"freed"`` one: a ``weakref.proxy`` whose object
was freed, which every look at it (an ``isinstance``) raises ReferenceError from (its place
holds ``places.FREED``, not it). And whether a thing is the same object to every call that
returns it (``immutable``: ``answers.py``).
"""

from __future__ import annotations

import array
import contextvars
import decimal
import enum
import fractions
import functools
import io
import itertools
import mmap
import pickle
import sys
import threading
import types
import weakref
from collections import deque
from typing import Any

from tinygrad_edu.engine import Value
from tinygrad_edu.program.asking import static
from tinygrad_edu.program.learners_code import learners_file
from tinygrad_edu.program.learners_objects import plain_data
from tinygrad_edu.program.numpy_numbers import (
    masked_array,
    ndarray_subclass,
    numpy_array,
    numpy_real,
    numpy_scalar,
)
from tinygrad_edu.program.states import CTYPES, GENERATORS, torch_generator
from tinygrad_edu.program.traced import Traced

__all__ = ["freed", "gradient_held", "immutable", "kind_of", "numbers_of", "pillows"]

_MODULES = sys.modules
NUMBER_TYPES = (float, int, bool)
CONSTANT_TYPES = (str, bytes, type(None), complex)
IMMUTABLE_TYPES = (*NUMBER_TYPES, *CONSTANT_TYPES, range, type(Ellipsis), decimal.Decimal,
                   fractions.Fraction)
"""What is the same object to every call that holds it: a number, a text, a constant."""
_KINDS: dict[type, str] = {**dict.fromkeys(NUMBER_TYPES, "number"), Traced: "number",
                           **dict.fromkeys(CONSTANT_TYPES, "constant"),
                           list: "sequence", tuple: "sequence",
                           deque: "sequence", dict: "dict", set: "set", frozenset: "set",
                           Value: "value", array.array: "array", bytearray: "array",
                           memoryview: "array"}


class Asked:
    """A setting the learner's code asked Python's library for (``settings.py``), a root of
    the walk: its one place (``("asked",)``) is what ``get()`` says of it now, as text."""

    __slots__ = ("get", "label")

    def __init__(self, get: Any, label: str) -> None:
        self.get, self.label = get, label


def kind_of(x: Any) -> str:
    """How the capture treats what a place holds (see the module's docstring)."""
    if x is _MODULES:
        return "opaque"  # (by identity: the modules a function reads by name are roots)
    kind = type(x)
    if freed(x):  # (asked first: its class is no answer, by type)
        return "freed"
    found = _KINDS.get(kind)
    if found is not None:
        return found
    found = _kind_of(x, kind)
    if found in ("object", "opaque"):
        _KINDS[kind] = found  # (by class: a class's instances are all of one kind)
    return found


_PROXIES = (weakref.ProxyType, weakref.CallableProxyType)


def freed(x: Any) -> bool:
    """Whether ``x`` is a ``weakref.proxy`` whose object was freed (asking it anything, an
    ``isinstance``, raises ReferenceError): told by its type, then by asking it."""
    if type(x) not in _PROXIES:
        return False
    try:
        x.__class__  # noqa: B018  (the referent's: raises where there is none)
    except ReferenceError:
        return True
    return False


def immutable(x: Any) -> bool:
    """Whether ``x`` is the same to every call that returns it (``answers.py``): an immutable
    number or text (a NumPy number too), a frozenset or enum member of them, or a function or
    class defined outside any call (the engine's function returns that very object at every
    call)."""
    if type(x) in IMMUTABLE_TYPES or isinstance(x, enum.Enum):
        return True
    if isinstance(x, frozenset):  # (the capture's own frozenset() while it runs too)
        return all(immutable(v) for v in frozenset.__iter__(x))
    if numpy_scalar(x):
        return True  # (a NumPy number, not an array nor a record)
    if isinstance(x, (type, types.FunctionType, types.BuiltinFunctionType)):
        return "<locals>" not in getattr(x, "__qualname__", "<locals>")
    return False


def _kind_of(x: Any, kind: type) -> str:
    if isinstance(x, Traced):
        return "number"
    if isinstance(x, (list, tuple, deque)) and not hasattr(x, "shape"):
        return "sequence"  # (a namedtuple, a list of the learner's: by their items)
    if isinstance(x, dict) or kind is types.MappingProxyType:
        return "dict"  # (an OrderedDict, a defaultdict, a view of one)
    if isinstance(x, (set, frozenset)):
        return "set"
    if kind in CONSTANT_TYPES or x is Ellipsis:
        return "constant"
    if isinstance(x, Value):
        return "value"
    if isinstance(x, (array.array, bytearray, memoryview, mmap.mmap)) or (
            isinstance(x, CTYPES) and not callable(x)):
        return "array"  # (numbers held as bytes: an array, a view, a ctypes object)
    if kind is contextvars.ContextVar or kind is Asked:
        return "object"  # (what it holds in this context: its one place, ``get()``)
    if isinstance(x, (io.StringIO, io.BytesIO)):
        return "object"  # (what it holds: its one place, ``getvalue()``; its own attributes)
    if any(k.__module__ == "torch" and k.__name__ == "Tensor" for k in kind.__mro__):
        return "array"  # (its numbers, held by a copy: a ``torch.nn.Parameter`` too, in a
        # module's ``_parameters``, trained in place; a64c's f7)
    if _tensor(kind):
        return "array"  # (this package's Tensor: its numbers, held by a copy, ``numbers_of``)
    if _held_in_c(kind):
        return "array"  # (a pandas object, a Pillow image: by what it holds, ``numbers_of``)
    if str(kind.__module__).startswith("_cython_") and callable(x):
        return "function"  # (a Cython function of an installed package: pandas' is_float)
    if isinstance(x, threading.local):
        return "object"  # (its attributes: the calling thread's, walked and guarded there)
    if kind is types.SimpleNamespace:
        return "object"  # (a config's numbers: a C type, its own __getattribute__ plain)
    if kind in (list, tuple, deque):
        return "sequence"
    if kind is dict:
        return "dict"
    if kind in (set, frozenset):
        return "set"
    if numpy_array(x):  # (of objects: its items walked, as a list's)
        return "sequence" if x.dtype.kind == "O" and x.ndim == 1 else "array"
    if ndarray_subclass(x):  # (np.matrix, a masked array, a record array, a class of yours:
        return "array"  # its numbers, held by a copy, ``numbers_of``; before, an object's
        # attributes walked and its numbers not: a64i's S2)
    if numpy_real(x):
        return "number"
    if isinstance(x, types.ModuleType):
        return "module"
    if isinstance(x, type):
        return "class"
    if isinstance(x, (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                      types.BuiltinMethodType, type(len), type(print), functools.partial)):
        return "method" if isinstance(x, types.MethodType) else "function"
    if isinstance(x, (types.GeneratorType, itertools.count, itertools.cycle)) or (
            static(kind, "__next__") is not None and static(kind, "__iter__") is not None and
            not isinstance(x, (io.IOBase, *_PROXIES)) and  # (a file is one too: written
            kind.__module__ != "unittest.mock" and  # to, not read; a proxy, a mock have every
            not _own_next(kind)):  # slot; the learner's
        return "iterator"
    if kind.__module__ in GENERATORS or torch_generator(x):
        return "generator"
    if isinstance(x, BaseException) and kind.__getattribute__ is BaseException.__getattribute__:
        return "object"  # (an error kept: its attributes and ``args``, walked)
    if hasattr(x, "__dict__") or static(kind, "__slots__") is not None:
        if kind.__getattribute__ is not object.__getattribute__:
            return "opaque"  # (its attributes computed: held.py finds numbers in its dict)
        if plain_data(kind):
            return "object"  # (the learner's class, a model: its plain data walked)
    return "opaque"


def _tensor(kind: type) -> bool:
    """Whether ``kind`` is this package's Tensor (or a subclass): its numbers in its slot
    ``_data`` (a NumPy array), changed in place by ``t.data[0] = 5.0``."""
    return any(c.__name__ == "Tensor" and c.__module__ == "tinygrad_edu.tensor.engine"
               for c in kind.__mro__)


def gradient_held(x: Any) -> bool:
    """Whether ``x`` is a tensor whose ``.grad`` a ``backward()`` sets: this package's Tensor,
    a PyTorch tensor that keeps one (a leaf, or one told ``retain_grad()``; another's ``.grad``
    is None, and asking for it warns). A place of its own, guarded as its numbers are
    (a64f's F3: ``float(T.grad[1])`` inside, backward run again between calls)."""
    kind = type(x)
    if _tensor(kind):
        return True
    return any(k.__module__ == "torch" and k.__name__ == "Tensor" for k in kind.__mro__) and \
        bool(x.is_leaf or x.retains_grad)


def numbers_of(x: Any) -> Any:
    """What holds an array place's numbers: a Tensor of this package's, its NumPy array
    (``_data``, not ``data``, which may copy it); a pandas object, a Pillow image, the
    bytes of what it holds (``_held_in_c``); anything else, itself."""
    if _tensor(type(x)):
        return x._data
    if masked_array(x):  # (its data, mask and fill value, as pickle keeps them)
        return pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL)
    if ndarray_subclass(x):  # (its numbers, as NumPy's own array: a view)
        return x.view(next(k for k in type(x).__mro__ if k.__name__ == "ndarray"))
    found = _held_in_c(type(x))
    if found == "pandas":  # (its blocks, axes, dtypes and flags, as pickle keeps them)
        return pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL)
    if found == "PIL":  # (its mode, size, palette and pixels)
        head = repr((x.mode, x.size, x.getpalette() if x.palette is not None else None))
        return head.encode() + b"\0" + x.tobytes()
    if found == "PIL core":  # (what ``img.getdata()`` gives: the image's own pixels, in C)
        image = sys.modules["PIL.Image"].Image()._new(x)
        try:
            palette = x.getpalette()
        except ValueError:  # (none)
            palette = None
        return repr((x.mode, x.size, palette)).encode() + b"\0" + image.tobytes()
    return x


def _held_in_c(kind: type) -> str:
    """Whether ``kind`` keeps its numbers where a walk of its attributes does not reach them,
    and is guarded by what it holds: a pandas ``DataFrame``, ``Series`` or ``Index`` (its
    blocks' arrays are a Cython attribute of its manager: ``df.at[2, "y"] = 7.5`` changes one
    in place), a pandas array (``S.array``, a ``Categorical``: an ``ExtensionArray``, its
    numbers a Cython attribute; a64f's F2), a Pillow image (its pixels in C, drawn on in
    place) and what its ``getdata()`` gives (its pixels themselves; a64f's F1); a64e's F2, F3."""
    found = _HELD_IN_C.get(kind)  # (asked at every call a guard checks an array)
    if found is None:
        found = next(("pandas" if str(k.__module__).startswith("pandas") else "PIL"
                      for k in kind.__mro__ if (k.__module__, k.__name__) in _IN_C or (
                          str(k.__module__).startswith("pandas.core.") and
                          k.__name__ in ("NDFrame", "Index")) or (
                          str(k.__module__).startswith("pandas") and
                          k.__name__ in ("ExtensionArray", "NDArrayBacked"))), "")
        if not found and pillows(kind) == "ImagingCore":
            found = "PIL core"
        _HELD_IN_C[kind] = found
    return found


def pillows(kind: type) -> str:
    """The name of ``kind`` where it is one of Pillow's C classes that hold an image's pixels
    (``ImagingCore``: what ``img.getdata()`` gives; ``PixelAccess``: ``img.load()``'s), whose
    module Python does not know (``builtins``); else ''."""
    if kind.__module__ == "builtins" and kind.__name__ in ("ImagingCore", "PixelAccess") and \
            "PIL._imaging" in _MODULES:
        return kind.__name__
    return ""


_IN_C = {("PIL.Image", "Image")}
_HELD_IN_C: dict[type, str] = {}


_PROXIES = (weakref.ProxyType, weakref.CallableProxyType)


def _own_next(kind: type) -> bool:
    """Whether ``kind`` is an iterator class of the learner's, whose ``__next__`` is Python
    code of theirs (a warm-up schedule: ``self.t += 1``): its state is in its attributes, which
    a walk guards (and a number it writes, a program writes again), as for a ``.next()``."""
    step = static(kind, "__next__")
    return isinstance(step, types.FunctionType) and learners_file(step.__code__.co_filename)
