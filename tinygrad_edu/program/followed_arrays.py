"""NumPy arrays a capture follows item by item: an array of floats drawn from
``numpy.random``'s global generator (``randomness.py``) or given (``arguments.as_traced``).
Each item is a followed number (an input of the program); what is computed item by item from
it (``xs > 0``, ``mask / (1 - p)``, ``xs[0] * xs[1]``) is followed too; anything else made of
it (a sum, a product of matrices, ``np.where``, its text, its bytes) is made of its numbers,
constants guarded to the bit. To the function it is NumPy's array: its class, its dtype, its
text the engine's array has."""

from __future__ import annotations

import sys
from typing import Any

from tinygrad_edu.program.number_steps import as_float
from tinygrad_edu.program.numpy_numbers import of_numpy
from tinygrad_edu.program.traced import Traced, _step, recording, value_of

__all__ = ["drawn_array", "is_drawn"]


_ARRAY: list[Any] = []
_INDEX = "an index of an array followed item by item"
_OF_ITS_NUMBERS = ("round", "tobytes", "tostring", "tofile", "dumps", "dump", "byteswap",
                   "__reduce__", "__reduce_ex__")
"""What an array's own memory gives (its bytes, pickled: of the engine's floats, not of the
objects that follow them) and what NumPy computes on an object array otherwise than on its
floats (``round``): made of its numbers, each a constant guarded to the bit."""


def is_drawn(x: Any) -> bool:
    """Whether ``x`` is an array drawn while a capture ran (``drawn_array``)."""
    return bool(_ARRAY) and isinstance(x, _ARRAY[0])


def drawn_array(out: Any, inputs: list[Traced]) -> Any:
    """An array of floats drawn, as the function meets it while a capture runs: each item a
    followed number (an input of the program), and what is computed item by item from it
    (``rand(2) > 0.5``, ``mask / (1 - p)``) followed too; anything else made of it (a sum,
    a product of matrices, ``np.where``) is made of its numbers, constants guarded to the
    bit. Its ``dtype`` is the one the engine's array has."""
    numpy = sys.modules["numpy"]
    if not _ARRAY:
        _ARRAY.append(_array_class(numpy))
    held = numpy.empty(out.shape, dtype=object if inputs else out.dtype)
    for k, x in enumerate(inputs):  # (one at a time: NumPy would ask each for an array)
        held.flat[k] = x
    return held.view(_ARRAY[0])


def _array_class(numpy: Any) -> type:
    def plain(x: Any, why: str) -> Any:
        if type(x) in (tuple, list):  # (``out=(x,)``: NumPy's own ``x.std()``; a list,
            return type(x)(plain(v, why) for v in x)  # ``np.concatenate([xs, ys])``)
        if not isinstance(x, Drawn):
            return x
        found = recording()
        numbers = [found.constant(v, why) if found is not None and isinstance(v, Traced)
                   else value_of(v) if isinstance(v, Traced) else v for v in x.flat]
        return numpy.array(numbers).reshape(x.shape)

    class Drawn(numpy.ndarray):
        """An array drawn from numpy.random, or one of floats given (``arguments.as_traced``),
        followed item by item (``drawn_array``): to the function, NumPy's array (its class,
        ``type(xs)``: ``seen.TypeSeen``; its text, of its numbers guarded to the bit)."""

        given_as = numpy.ndarray
        __class__ = property(lambda self: numpy.ndarray)

        def __repr__(self) -> str:
            return repr(shown(self, "repr"))

        def __str__(self) -> str:
            return str(shown(self, "str"))

        def __format__(self, spec: str) -> str:
            return format(shown(self, "format"), spec)

        def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any,
                            **options: Any) -> Any:
            if method == "__call__" and ufunc.signature is None and not options and \
                    ufunc.nout == 1 and recording() is not None:
                try:
                    out = ufunc(*[x.view(numpy.ndarray) if isinstance(x, Drawn) else x
                                  for x in inputs], dtype=object)  # (item by item: followed)
                    return out.view(Drawn) if isinstance(out, numpy.ndarray) else out
                except TypeError:  # (np.exp, np.tanh: of its numbers, guarded, below)
                    pass
            why = f"numpy.{ufunc.__name__} of an array followed item by item"
            return getattr(ufunc, method)(*[plain(x, why) for x in inputs], **{
                k: plain(v, why) for k, v in options.items()})

        def __array_function__(self, function: Any, types: Any, args: Any,
                               options: Any) -> Any:
            why = f"numpy.{function.__name__} of an array followed item by item"
            if function.__name__ in ("shares_memory", "may_share_memory"):
                laid_out(self, f"{function.__name__}(...)")
            return function(*[plain(x, why) for x in args],
                            **{k: plain(v, why) for k, v in options.items()})

        @property
        def dtype(self) -> Any:  # (the engine's array's)
            held = self.view(numpy.ndarray)
            values = [value_of(v) if isinstance(v, Traced) else v for v in held.flat]
            return numpy.result_type(*values) if values else held.dtype if \
                held.dtype.kind != "O" else numpy.dtype(float)

        def __getitem__(self, key: Any) -> Any:  # (``xs[xs > 0]``: a mask's bools, guarded)
            return numpy.ndarray.__getitem__(self, plain(key, _INDEX))

        def __setitem__(self, key: Any, value: Any) -> None:
            numpy.ndarray.__setitem__(self, plain(key, _INDEX), value)

        def __bytes__(self) -> bytes:
            return bytes(plain(self, "bytes() of an array followed item by item"))

        def view(self, *args: Any, **options: Any) -> Any:  # (``xs.view(np.int64)``: its bits)
            kind = args[0] if args else options.get("dtype", options.get("type"))
            if kind is None or (isinstance(kind, type) and issubclass(kind, numpy.ndarray)):
                return numpy.ndarray.view(self, *args, **options)
            return plain(self, "view() of an array followed item by item").view(
                *args, **options)

        def astype(self, dtype: Any, *args: Any, **options: Any) -> Any:
            return plain(self, "astype() of an array followed item by item").astype(
                dtype, *args, **options)

        def tolist(self) -> Any:  # (Python's numbers, as the engine's array gives them: a
            return listed(self.view(numpy.ndarray))  # float32's as Python floats, followed)

        def item(self, *args: Any) -> Any:  # (a Python number, as ``tolist()``'s items)
            return listed(self.view(numpy.ndarray).item(*args))

        base = property(lambda self: laid_out(self, "base"))
        flags = property(lambda self: laid_out(self, "flags"))
        strides = property(lambda self: laid_out(self, "strides"))

    def laid_out(array: Any, name: str) -> Any:
        """Where the array's memory is (``.base``, ``.flags``, ``.strides``): the stand-in's,
        not the caller's array's: refused within a capture."""
        found = recording()
        if found is not None:
            found.refuse(f"it reads .{name} of a NumPy array given (the function gets a "
                         "copy followed item by item, not the caller's array: its memory, "
                         "layout and identity are the copy's); pass what it needs as a "
                         "number or a flag argument")
        return getattr(numpy.ndarray, name).__get__(array) if name[-1] != ")" else None

    def of_its_numbers(name: str) -> Any:
        """``ndarray``'s method ``name`` of the engine's array: its numbers, each guarded."""
        method = getattr(numpy.ndarray, name)
        why = f"{name.strip('_')}() of an array followed item by item"

        def call(self: Any, *args: Any, **options: Any) -> Any:
            return method(plain(self, why), *args, **options)

        call.__name__ = name
        return call

    for name in _OF_ITS_NUMBERS:
        if hasattr(numpy.ndarray, name):
            setattr(Drawn, name, of_its_numbers(name))

    def shown(x: Any, why: str) -> Any:
        """The engine's array, as its text shows it: its numbers, each guarded to the bit."""
        return plain(x, f"{why} of an array followed item by item").astype(x.dtype)

    def listed(held: Any) -> Any:
        if isinstance(held, numpy.ndarray) and held.ndim:
            return [listed(row) for row in held]
        x = held[()] if isinstance(held, numpy.ndarray) else held
        value = value_of(x) if isinstance(x, Traced) else x
        if not isinstance(x, Traced) or not of_numpy(type(value)):
            return x
        if value.dtype.kind == "f":
            return _step("float", as_float, x)
        found = recording()  # (an int, a bool drawn: its number a constant, guarded)
        return (found.constant(x, "tolist()") if found is not None else value).item()

    return Drawn
