"""Checks for the tensor engine, as ``safe_math.py`` at the package's root is for the scalar
one: arrays of real numbers only (a constant operand takes the tensor's dtype, or says it
cannot), shapes that broadcast, and forward functions that refuse what would be a silent
inf, NaN or a bare NumPy warning, with a message that says how many entries, which is the
first and what to do.
"""

from __future__ import annotations

import datetime
import math
import numbers
from typing import Any

import numpy as np

from tinygrad_edu.errors import DomainError
from tinygrad_edu.formatting import shape_str

__all__ = [
    "constant", "div", "exp", "float_dtype", "inside", "larger", "log", "log_softmax", "not_real",
    "pow", "real_array", "shape_error", "shape_str", "sigmoid", "slope_power", "sqrt", "step",
]

DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
LARGEST = {dt: float(np.finfo(dt).max) for dt in DTYPES}  # the largest finite number
_REAL_KINDS = "biuf"  # NumPy's dtype kinds for real numbers: bool, int, unsigned int, float


def float_dtype(dtype: Any) -> np.dtype:
    """float32 or float64, the dtypes a Tensor holds."""
    dt = np.dtype(dtype)
    if dt not in DTYPES:
        raise TypeError(f"Tensor: dtype must be float32 or float64, got {dt}")
    return dt


# ----------------------------------------------------------------------------- real numbers only
# NumPy turns almost anything into numbers: None into nan, '3.5' into 3.5, 1+2j into 1 (with
# only a warning). The engine refuses, as ``Value(...)`` does. For an array the dtype says what
# it holds, so the check costs nothing; only lists and object arrays are looked at one by one.


def real_array(data: Any, dtype: np.dtype | None, where: str, copy: bool = False) -> np.ndarray:
    """``data`` as an array of ``dtype`` (``None``: its own dtype), if it holds real numbers only:
    bools, ints and floats, as Python or NumPy scalars, nested lists or tuples, or NumPy arrays.
    Anything else raises a TypeError that names it and says what to do; a number too large
    for ``dtype`` raises OverflowError. ``copy`` makes sure the result is not ``data`` itself."""
    if type(data) is np.ndarray:
        array = data
    elif isinstance(data, (bytearray, memoryview)):  # NumPy would read their bytes as numbers
        raise not_real(data, where)
    elif np.ma.is_masked(data):  # np.asarray would use the hidden numbers behind the mask
        raise TypeError(
            f"{where} needs real numbers, got a masked array with {np.ma.count_masked(data)} "
            "masked entries; fill them first, e.g. a.filled(np.nan)"
        )
    else:
        first = data
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        if hasattr(first, "parents"):  # Values or Tensors: NumPy would take their numbers
            raise not_real(first, where, (0,))
        try:
            array = np.asarray(data)
        except ValueError as error:  # ragged nested lists
            raise ValueError(
                f"{where} needs a rectangular array of numbers (every row as long as the "
                f"others); NumPy says: {error}"
            ) from None
    if array.dtype.kind not in _REAL_KINDS:
        array = _object_numbers(array, data, where)
    if dtype is None or array.dtype == dtype:
        if copy and (array is data or not array.flags.owndata):  # (a view of a subclass)
            return array.copy()
        return array
    try:
        with np.errstate(over="raise"):
            return array.astype(dtype)
    except FloatingPointError:
        big = array[np.isfinite(array) & (np.abs(array) > LARGEST[dtype])]
        raise OverflowError(
            f"{where}: {big.size} entries are too large for {dtype} (the first is "
            f"{float(big[0])!r}; the largest {dtype} is about {LARGEST[dtype]:.3g}); use "
            "float64 or scale the numbers down"
        ) from None


def _object_numbers(array: np.ndarray, data: Any, where: str) -> np.ndarray:
    """An array of NumPy objects (e.g. ints beyond int64, or Fractions) as floats, if every
    entry is a real number; otherwise the TypeError for the first entry that is not."""
    if array.dtype.kind == "O" and _first_non_real(array) is None:
        flat = list(array.flat)
        try:
            return np.array([float(v) for v in flat]).reshape(array.shape)
        except OverflowError:
            digits = max(len(str(v)) for v in flat if abs(v) > LARGEST[DTYPES[0]])
            raise OverflowError(
                f"{where}: a number with {digits} digits is too large for a float (the largest "
                f"is about {LARGEST[DTYPES[0]]:.3g}); scale the numbers down"
            ) from None
    found = _first_non_real(data if isinstance(data, (list, tuple)) else array)
    if found is None:  # an empty array of text, dates, ...
        raise TypeError(
            f"{where} needs real numbers, got an array of dtype {array.dtype}; pass bools, "
            "ints or floats"
        )
    index, bad = found
    raise not_real(bad, where, index)


def _first_non_real(data: Any, index: tuple[int, ...] = ()) -> tuple[tuple, Any] | None:
    """The index and value of the first entry of ``data`` (nested lists, tuples, an array or
    a scalar) that is not a real number, or None if they all are."""
    if isinstance(data, (list, tuple)):
        for i, item in enumerate(data):
            found = _first_non_real(item, (*index, i))
            if found is not None:
                return found
        return None
    if isinstance(data, np.ndarray):
        if data.dtype.kind in _REAL_KINDS:
            return None
        for i in np.ndindex(data.shape):
            if not is_real(data[i]):
                return (*index, *i), data[i]
        return None
    return None if is_real(data) else (index, data)


def is_real(x: Any) -> bool:
    return isinstance(x, (numbers.Real, np.bool_))


def not_real(x: Any, where: str, index: tuple[int, ...] = ()) -> TypeError:
    """The TypeError for something that is not a real number, with what to do instead."""
    if isinstance(x, (np.str_, np.bytes_, np.complexfloating)):
        x = x.item()  # shown as the Python value it holds
    kind = type(x).__name__
    if kind == "Tensor":
        hint = "use its .data, or np.stack([t.data for t in tensors]) for several"
    elif kind == "Value":
        hint = ("a Value of the scalar engine cannot join a tensor graph (a graph belongs to "
                "one engine): use v.data for its number, e.g. [v.data for v in values], or "
                "build the whole computation from Values")
    elif isinstance(x, complex):
        hint = "the engine works with real numbers only; take .real or abs() first if that is "
        hint += "what you mean"
    elif isinstance(x, (str, bytes)):
        hint = f"convert it first, e.g. float({x!r})"
    elif isinstance(x, (bytearray, memoryview)):
        hint = "to read raw bytes as numbers say how, e.g. np.frombuffer(data, np.uint8)"
    elif x is None:
        hint = "pass a number (to test whether something is None, use `is None`)"
    elif isinstance(x, (datetime.date, datetime.timedelta, np.datetime64, np.timedelta64)):
        hint = "turn it into a number first, e.g. a count of seconds"
    else:
        hint = "pass bools, ints or floats (as numbers, nested lists or NumPy arrays)"
    at = f" at [{', '.join(map(str, index))}]" if index else ""
    return TypeError(f"{where} needs real numbers, got {type(x).__name__} {x!r}{at}; {hint}")


def constant(x: Any, dtype: np.dtype, op: str) -> Any:
    """A plain operand of ``op`` (a number, a list, an array) as a constant of the tensor's
    dtype: a Python number stays a number (NumPy then keeps the tensor's dtype), anything else
    becomes an array; a number too large for the dtype raises OverflowError."""
    if type(x) is float or type(x) is int:
        if -LARGEST[dtype] <= x <= LARGEST[dtype] or x != x or x in (math.inf, -math.inf):
            return x
        shown = repr(x)
        if len(shown) > 80:  # a huge int: its size, not hundreds of digits
            shown = f"(an int of {len(str(abs(x)))} digits)"
        raise OverflowError(f"{op}: the number {shown} is too large for {dtype} (the largest is "
                            f"about {LARGEST[dtype]:.3g}); use float64 or scale the numbers "
                            "down")
    return real_array(x, dtype, f"the other operand of {op}")


def shape_error(op: str, *arrays: Any) -> ValueError:
    """The error for operands whose shapes do not broadcast, with what to do."""
    shapes = f" {op} ".join(shape_str(np.shape(a)) for a in arrays)
    return ValueError(
        f"{op}: {shapes}: shapes do not broadcast; counted from the right, each pair of "
        "dimensions must be equal or one of them 1 (reshape one operand, e.g. b to (1×n))")


# ----------------------------------------------------------------------------- forward functions


def exp(x: np.ndarray) -> np.ndarray:
    """eˣ, refusing to overflow into inf, as the scalar engine does."""
    try:
        with np.errstate(over="raise"):
            return np.exp(x)
    except FloatingPointError:
        with np.errstate(over="ignore"):
            bad = x[np.isinf(np.exp(x)) & np.isfinite(x)]
        raise OverflowError(
            f"exp: {bad.size} of {x.size} entries are too large for {x.dtype} (the first is "
            f"{float(bad[0])!r}; inputs above about {math.log(LARGEST[x.dtype]):.2f} "
            "overflow); scale the input down, or use a stable form such as log_softmax or "
            "cross_entropy"
        ) from None


def log(x: np.ndarray) -> np.ndarray:
    """ln x for positive entries; NaN stays NaN, 0 and negative entries raise DomainError."""
    try:
        with np.errstate(divide="raise", invalid="raise"):
            return np.log(x)
    except FloatingPointError:
        bad = x[x <= 0]  # NaN is not among them: it goes through as NaN
        raise DomainError(
            f"log: {bad.size} of {x.size} entries are not positive (the first is "
            f"{float(bad[0])!r}), but log is only defined for positive numbers; clamp the "
            "input (e.g. x + 1e-12) or use a stable loss such as cross_entropy"
        ) from None


def div(x: Any, y: Any) -> np.ndarray:
    """x / y entry by entry; a zero denominator raises ``ZeroDivisionError`` saying how many."""
    if not np.all(y):
        raise ZeroDivisionError(
            f"/: {np.size(y) - np.count_nonzero(y)} of {np.size(y)} denominators are 0; "
            "add a small number or mask them out"
        )
    return x / y


def pow(x: Any, y: Any) -> np.ndarray:
    """x ** y on real numbers, as in the scalar engine: a negative base needs an integer
    exponent (DomainError), 0 has no negative power (ZeroDivisionError), and a result too
    large for the dtype raises OverflowError. NumPy's floating-point flags say whether any of
    that happened, so the usual case costs no extra pass over the arrays."""
    try:
        with np.errstate(divide="raise", invalid="raise", over="raise"):
            return np.power(x, y)
    except FloatingPointError:
        pass
    base, power = np.broadcast_arrays(x, y)  # each base next to its own exponent
    for bad, error, problem, advice in (
        ((base < 0) & (np.round(power) != power) & ~np.isnan(power) & np.isfinite(base),
         DomainError,  # ((-inf) ** 0.5 is inf, as in IEEE 754 and the scalar engine)
         "a negative base with a non-integer exponent is not a real number",
         "use integer exponents for negative bases"),
        ((base == 0) & (power < 0), ZeroDivisionError,
         "0 cannot be raised to a negative power",
         "add a small number to the base or mask those entries out"),
        (np.isfinite(base) & np.isinf(unchecked_pow(x, y)), OverflowError,  # in x's dtype
         f"the result is too large for {np.result_type(x, y)}",
         "scale the base down or use smaller exponents"),
    ):
        if bad.any():
            first = f"({float(base[bad][0])!r}) ** {float(power[bad][0])!r}"
            raise error(
                f"**: {problem}, in {np.count_nonzero(bad)} of {bad.size} entries (the first "
                f"is {first}); {advice}"
            )
    return unchecked_pow(x, y)  # a flag with no error of ours behind it: IEEE's result


def slope_power(a: Any, e: Any, y: Any) -> Any:
    """``a ** e`` (arrays or Tensors), the power in the slope of y = a**b (e = b - 1); where
    an entry is too large for the dtype though y is not (|a| < 1, e < 0), ``y / a``: inf,
    not the forward function's error (on arrays too, so that both give the same numbers)."""
    try:
        power = a ** e
    except OverflowError:  # (a Tensor's ** refuses a result too large for its dtype)
        return y / a
    if isinstance(power, (np.ndarray, np.floating)) and np.any(
            np.isinf(power) & np.isfinite(a) & np.isfinite(e)):  # (as the Tensor's ** sees it)
        return y / a
    return power


def unchecked_pow(x: Any, y: Any) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.power(x, y)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x), never exponentiating a large positive number (no overflow)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def step(x: np.ndarray, below: float) -> np.ndarray:
    """1 where x > 0, ``below`` where x <= 0, NaN where x is NaN: relu's and leaky_relu's
    slope, as the scalar engine's ``step``."""
    slope = np.array(x > 0, dtype=x.dtype)  # an array also for a 0-d x
    if below:
        slope[x <= 0] = below
    nan = np.isnan(x)
    if nan.any():
        slope[nan] = np.nan
    return slope


def larger(a: Any, b: Any) -> np.ndarray:
    """maximum's slope for a: 1 where a > b, 0 where a < b, ½ on a tie (as PyTorch shares the
    gradient), NaN where a or b is NaN (which one is larger is undefined there; PyTorch passes
    the gradient on: tests/torch_deviations.py), in the operands' dtype (a float32 graph stays
    float32)."""
    slope = np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0))
    unordered = np.isnan(a) | np.isnan(b)  # (every comparison with NaN is False: 0 above)
    if unordered.any():
        slope = np.where(unordered, np.nan, slope)
    return slope.astype(np.result_type(a, b))


def inside(x: Any, low: float, high: float) -> np.ndarray:
    """clip's slope: 1 where low <= x <= high (as PyTorch), else 0; NaN at NaN (PyTorch: 0,
    tests/torch_deviations.py)."""
    x = np.asarray(x)
    slope = np.asarray((x >= low) & (x <= high), dtype=x.dtype)
    nan = np.isnan(x)
    return np.where(nan, np.nan, slope).astype(x.dtype) if nan.any() else slope


def log_softmax(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """log softmax along ``axes``, shifted by the max so nothing overflows. A group holding
    +inf, or only -inf, has no softmax (inf - inf): NaN, as in PyTorch. A -inf entry next to
    finite ones gets -inf (probability 0)."""
    # inf - inf: that NaN is the answer; log(0) only for an empty group, which stays empty
    with np.errstate(invalid="ignore", divide="ignore"):
        # log softmax(x) = log softmax(x - max); ``initial`` lets an empty group be empty
        shifted = x - x.max(axis=axes, keepdims=True, initial=-np.inf)
        return shifted - np.log(np.exp(shifted).sum(axis=axes, keepdims=True))


def sqrt(x: np.ndarray) -> np.ndarray:
    """√x for entries >= 0; NaN stays NaN, a negative entry raises DomainError."""
    negative = x < 0
    if np.any(negative):
        raise DomainError(
            f"sqrt: {np.count_nonzero(negative)} of {np.size(x)} entries are negative (the "
            f"first is {float(np.asarray(x)[negative].flat[0])!r}), but sqrt is only defined "
            "for numbers >= 0")
    return np.sqrt(x)


def negative_bases(a: np.ndarray, negative: np.ndarray) -> DomainError:
    """The error for d(a**b)/db = a**b·ln(a) with some entries of a below 0."""
    return DomainError(
        f"**: d(a**b)/db = a**b·ln(a) needs a > 0, but {np.count_nonzero(negative)} bases are "
        f"negative (the first is {float(a[negative][0])!r}); if the exponent is a constant, "
        "pass a number or an array, not a Tensor")
