"""NumPy's numbers and arrays as the program layer meets them: the one place that recognises
them, by their class's module and name (numpy is not imported here: a capture without NumPy
never loads it), and which of their steps the native program computes as NumPy does
(``native.py``): an item of a float64 array given, ``np.float64(0.5)``, the bools its
comparisons give and the int64 a sum of them gives (``sum(accuracy) / len(accuracy)`` in
micrograd's demo).

NumPy's ordinary float64 numbers are IEEE's, as Python's floats: ``+``, ``-``, ``*``, ``/``,
``**`` (libm's ``pow``), and ``//`` and ``%`` in CPython's steps (NumPy took them from it).
Where NumPy does something particular (a division by zero: inf or NaN and a RuntimeWarning;
an overflow: inf; a NaN; an underflow, which ``np.errstate`` may ask to be warned of or
raised), native.c stops and the call runs the Python program, which runs NumPy's own
operators: its numbers, its warnings, its errors. Its int64 is computed as a double, exact
below 2**53 (checked after every run, as Python's ints); its bools as 1.0 and 0.0."""

from __future__ import annotations

from typing import Any

__all__ = ["NUMPY_DOUBLE", "PLAIN_KINDS", "double", "float_array", "followed_numpy", "integral",
           "masked_array", "ndarray_subclass", "numpy_array", "numpy_bool", "numpy_computes",
           "numpy_float", "numpy_kind", "numpy_real", "numpy_scalar", "numpy_spelled",
           "of_numpy"]

NUMPY_DOUBLE = {"N_ADD", "N_SUB", "N_MUL", "N_DIV", "N_POW", "N_NEG", "N_ABS", "N_MAX", "N_MIN",
                "N_COPY", "N_FLOORDIV", "N_MOD", "N_ISINT", "N_SUM", "N_FSUM", "N_EXP",
                "N_LOG", "N_SQRT", "N_TANH", "N_SIN", "N_COS", "N_FABS"}
"""The steps native.c computes of NumPy's numbers (by their code's name), and its
comparisons (``N_LT`` ... ``N_NE``: a NumPy bool); not a ``sum()`` that mixes them with
Python's floats (CPython sums those in two ways: ``native._number_code``)."""

_COMPARISONS = {"N_LT", "N_LE", "N_GT", "N_GE", "N_EQ", "N_NE"}
_INTS = {"N_ADD", "N_SUB", "N_MUL", "N_NEG", "N_ABS", "N_MAX", "N_MIN", "N_COPY",
         "N_FLOORDIV", "N_MOD", "N_SUM"}  # (an int64 of NumPy's, as NumPy computes it)
_OPERATORS = {"N_ADD", "N_SUB", "N_MUL", "N_DIV", "N_POW", "N_NEG", "N_ABS", "N_FLOORDIV",
              "N_MOD", "N_SUM"}  # (NumPy computes them; math's functions, float(), fsum
# compute Python's floats of its numbers)


def double(kind: type) -> bool:
    """Whether ``kind`` is NumPy's float64 (``np.float64``; numpy is not imported here)."""
    return kind.__name__ == "float64" and of_numpy(kind)


PLAIN_KINDS = tuple("biufcmMSU")
"""The kinds of NumPy's dtypes of plain things: bools, ints, floats, complex numbers, times,
bytes and text (not objects, ``"O"``, nor records, ``"V"``)."""


def of_numpy(kind: type) -> bool:
    """Whether ``kind`` is one of NumPy's own classes (a number's, the array's)."""
    return kind.__module__ == "numpy"


def numpy_array(x: Any) -> bool:
    """Whether ``x`` is NumPy's own array (``np.ndarray``, not a subclass of it)."""
    kind = type(x)
    return kind.__name__ == "ndarray" and of_numpy(kind)


def ndarray_subclass(x: Any) -> bool:
    """Whether ``x`` is an array of a subclass of NumPy's (``np.matrix``, a masked array, a
    record array, a class of the learner's), not NumPy's own array."""
    return not numpy_array(x) and any(k.__name__ == "ndarray" and of_numpy(k)
                                      for k in type(x).__mro__)


def _numpy_number(kind: type) -> bool:
    """Whether ``kind`` is one of NumPy's own classes other than its array's (a number's,
    a record's, ``np.generic``'s subclasses)."""
    return of_numpy(kind) and kind.__name__ != "ndarray"


def float_array(x: Any) -> bool:
    """Whether ``x`` is NumPy's own array (not a subclass: ``np.matrix``'s ``*`` is a product
    of matrices) of floats: followed item by item where it is given."""
    return numpy_array(x) and x.dtype.kind == "f"


def masked_array(x: Any) -> bool:
    """Whether ``x`` is one of NumPy's masked arrays (``np.ma``'s)."""
    return type(x).__module__.startswith("numpy.ma")


def numpy_scalar(x: Any) -> bool:
    """Whether ``x`` is one of NumPy's numbers (a plain dtype's, of no shape; not an array
    nor a record): the same object to every call that returns it."""
    return _numpy_number(type(x)) and \
        getattr(getattr(x, "dtype", None), "kind", "V") in PLAIN_KINDS


def numpy_float(x: Any) -> Any:
    """``x`` if it is a NumPy float (``np.float64(0.5)``: an input, as a float is), else
    None; not an array of no dimension (``np.array(0.1)``: an array, its item an input,
    whose ``.item()``, ``lr[()]`` and in-place ``lr *= 0.5`` are an array's; before, taken
    for a number, the capture's ``.item()`` stayed and ``lr[()]`` raised)."""
    if _numpy_number(type(x)) and hasattr(x, "dtype") and x.dtype.kind == "f" and \
            getattr(x, "shape", None) == ():
        return x
    return None


def numpy_real(x: Any) -> bool:
    """Whether ``x`` is one of NumPy's floats or ints (a number a capture walks to, as a
    float: ``np.float32(0.5)``, ``np.int64(3)``)."""
    kind = type(x)
    return _numpy_number(kind) and (
        isinstance(x, (float, int)) or kind.__name__.startswith(("float", "int")))


def numpy_bool(kind: type) -> bool:
    """Whether ``kind`` is NumPy's bool (``np.True_``'s class: ``bool``, ``bool_`` before 2.0)."""
    return of_numpy(kind) and kind.__name__ in ("bool", "bool_")


def followed_numpy(x: Any) -> bool:
    """Whether ``x``, a step's result, is one of NumPy's numbers a program follows: a float,
    an int (a sum of NumPy's bools: an int64), a bool (not an array: ``A * x.data``)."""
    kind = type(x)
    return _numpy_number(kind) and (
        isinstance(x, (float, int)) or numpy_bool(kind) or
        getattr(getattr(x, "dtype", None), "kind", "") in ("f", "i", "u"))


def numpy_kind(kind: type) -> bool:
    """Whether ``kind`` is one of NumPy's numbers native.c computes: float64, bool, int64."""
    return of_numpy(kind) and kind.__name__ in ("float64", "bool", "bool_", "int64")


def integral(kind: type) -> bool:
    """Whether ``kind`` is Python's int or NumPy's int64 (computed as doubles, exact below
    2**53: checked after every run; its zero has no sign)."""
    return kind is int or (kind.__name__ == "int64" and numpy_kind(kind))


def numpy_spelled(name: str, kinds: list[type], out: type) -> bool:
    """Whether native.c computes a step (its code's ``name``) of NumPy's numbers as NumPy
    does: a comparison (a NumPy bool), or a step whose number is a float (Python's or NumPy's
    float64), NumPy's int64 or a bool of ``is_integer``, from Python's and NumPy's numbers
    (not ``np.True_ + np.True_``, which is NumPy's True: a bool out)."""
    if not all(k in (float, int, bool) or numpy_kind(k) for k in kinds):
        return False
    if name in _COMPARISONS:
        return numpy_bool(out)
    return name in NUMPY_DOUBLE and (out is float or double(out) or (
        out is bool and name == "N_ISINT") or (integral(out) and out is not int and
                                               name in _INTS))


def numpy_computes(name: str, kinds: list[type]) -> bool:
    """Whether NumPy computes a step (its code's ``name``, its operands' ``kinds``): an
    operator of one of its numbers (native.c stops where it underflows, as NumPy may be
    asked to say)."""
    return name in _OPERATORS and any(numpy_kind(k) for k in kinds)
