"""Which steps of NumPy's numbers the native program computes as NumPy does (``native.py``):
an item of a float64 array given, ``np.float64(0.5)``, the bools its comparisons give and the
int64 a sum of them gives (``sum(accuracy) / len(accuracy)`` in micrograd's demo).

NumPy's ordinary float64 numbers are IEEE's, as Python's floats: ``+``, ``-``, ``*``, ``/``,
``**`` (libm's ``pow``), and ``//`` and ``%`` in CPython's steps (NumPy took them from it).
Where NumPy does something particular (a division by zero: inf or NaN and a RuntimeWarning;
an overflow: inf; a NaN; an underflow, which ``np.errstate`` may ask to be warned of or
raised), native.c stops and the call runs the Python program, which runs NumPy's own
operators: its numbers, its warnings, its errors. Its int64 is computed as a double, exact
below 2**53 (checked after every run, as Python's ints); its bools as 1.0 and 0.0."""

from __future__ import annotations

from typing import Any

__all__ = ["NUMPY_DOUBLE", "double", "float_array", "integral", "numpy_computes", "numpy_kind",
           "numpy_spelled"]

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
    return kind.__name__ == "float64" and kind.__module__ == "numpy"


def float_array(x: Any) -> bool:
    """Whether ``x`` is NumPy's own array (not a subclass: ``np.matrix``'s ``*`` is a product
    of matrices) of floats: followed item by item where it is given."""
    kind = type(x)
    return kind.__name__ == "ndarray" and kind.__module__ == "numpy" and x.dtype.kind == "f"


def numpy_kind(kind: type) -> bool:
    """Whether ``kind`` is one of NumPy's numbers native.c computes: float64, bool, int64."""
    return kind.__module__ == "numpy" and kind.__name__ in ("float64", "bool", "bool_",
                                                            "int64")


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
        return out.__module__ == "numpy" and out.__name__ in ("bool", "bool_")
    return name in NUMPY_DOUBLE and (out is float or double(out) or (
        out is bool and name == "N_ISINT") or (integral(out) and out is not int and
                                               name in _INTS))


def numpy_computes(name: str, kinds: list[type]) -> bool:
    """Whether NumPy computes a step (its code's ``name``, its operands' ``kinds``): an
    operator of one of its numbers (native.c stops where it underflows, as NumPy may be
    asked to say)."""
    return name in _OPERATORS and any(numpy_kind(k) for k in kinds)
