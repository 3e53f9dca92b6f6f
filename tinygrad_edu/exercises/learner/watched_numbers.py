"""Numbers that behave as the floats (and arrays) a rule is given, and notice what a rule
needs none of: a complex number met (``SEEN``), the op's own function or operator at an input
shifted by a step (``SHIFTED``), an input's exact form taken (``EXACT``). ``watched.call``
runs a rule on them and says what they noticed; ``FORWARD`` is what it is watching for.
``here`` and ``lines_said`` say where in the learner's file (in a notebook, its cell) that
happened, as every verdict says a line.
"""

from __future__ import annotations

import linecache
import math
import numbers
import operator
import sys
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises.text_blocks import at_lines

__all__ = ["CELLS", "EXACT", "FORWARD", "KEPT", "SEEN", "SHIFTED", "SMALL", "Watched", "here",
           "lines_said", "notice_shift", "unwatched", "watch", "watched_through"]

SEEN: list[str] = []
"""What the watched numbers saw of complex numbers while a solution ran."""
SHIFTED: list[str] = []
"""Where the solution evaluated the op's own function at a point shifted from its input."""
EXACT: list[str] = []
"""Where the solution took an input's exact form: its integer ratio, its hex digits, or the
input scaled up and made an integer."""
FORWARD: dict[str, Any] = {}
"""The op of the rule being run, as the case says it (``forward_of``): its operators, its
functions, whether it is a polynomial, the inputs."""

CELLS: list[list[int]] = []
"""A notebook's cells, where the learner's process runs one (each one's number, first and
last line in the code run: ``loading.cells_of``), for ``here`` to say a line in its cell
as every other verdict does; none for a file."""

SMALL = 0.05
"""A shift of an input this small (relative to it, or absolutely below 1) is a step of a
numerical derivative, never part of a rule (``b - 1`` in the power rule is not small)."""

WHOLE = 2.0**20
"""An input made an integer at least this large was scaled up first (``int(x * 10**45)``):
no rule of the exercises needs that (an exponent made an int, ``int(b)``, is small)."""


def _value(x: Any) -> Any:
    """``x``'s number: a watched number's own, a plain number as it is; a complex number
    is noticed."""
    if isinstance(x, Watched):
        return x._number
    if isinstance(x, complex):
        SEEN.append(f"{x!r}")
    return x


class Watched:
    """A number that behaves as its float (``_number``) does, and notices complex numbers,
    and the op's own function evaluated at a shifted input: ``_affine`` says how the number
    was made from the inputs by adding numbers and scaling (each input's coefficient, and the
    number added), None when some other operation made it. It has a float's attributes and
    no others: asked for one a float lacks (``x.value``), it answers as a float does, with
    AttributeError (a public ``value`` gave the complex step its plain number: issue 65)."""

    __slots__ = ("_affine", "_number", "_shift")

    def __init__(self, value: float, affine: tuple[tuple[float, ...], float] | None = None,
                 shift: float = 0.0) -> None:
        self._number = float(value)
        self._affine = affine
        self._shift = shift  # (where ``affine`` is None: a shift an input had in a sum)

    def _do(self, other: Any, op: Callable[[Any, Any], Any], swapped: bool = False) -> Any:
        if not isinstance(other, (Watched, int, float, complex)):
            return NotImplemented
        a, b = (_value(other), self._number) if swapped else (self._number, _value(other))
        affine = _affine(op, self, other, swapped)
        if op in FORWARD.get("ops", ()):
            left = other if swapped else self  # (a quotient is linear in its numerator:
            notice_shift(op.__name__, self, other,  # a step of any size is exact there)
                          linear=left if op is operator.truediv else None)
        elif affine is None and op in NONLINEAR and FORWARD.get("any_step"):
            notice_shift(op.__name__, self, other)  # (a product written as squares)
        result = op(a, b)
        if isinstance(result, complex):  # ((-1) ** 0.5, say)
            SEEN.append(f"{result!r}")
            return result
        if not isinstance(result, float):
            return result
        shift = 0.0  # (a shifted input added to what no sum of inputs is: ``u + v ** -1``)
        if affine is None and op in (operator.add, operator.sub):
            shift = _shift_of(self) or _shift_of(other) or _mixed(self, other, op, swapped)
        return Watched(result, affine, shift)

    def __add__(self, o: Any) -> Any: return self._do(o, operator.add)
    def __radd__(self, o: Any) -> Any: return self._do(o, operator.add, True)
    def __sub__(self, o: Any) -> Any: return self._do(o, operator.sub)
    def __rsub__(self, o: Any) -> Any: return self._do(o, operator.sub, True)
    def __mul__(self, o: Any) -> Any: return self._do(o, operator.mul)
    def __rmul__(self, o: Any) -> Any: return self._do(o, operator.mul, True)
    def __truediv__(self, o: Any) -> Any: return self._do(o, operator.truediv)
    def __rtruediv__(self, o: Any) -> Any: return self._do(o, operator.truediv, True)
    def __floordiv__(self, o: Any) -> Any: return self._do(o, operator.floordiv)
    def __rfloordiv__(self, o: Any) -> Any: return self._do(o, operator.floordiv, True)
    def __mod__(self, o: Any) -> Any: return self._do(o, operator.mod)
    def __rmod__(self, o: Any) -> Any: return self._do(o, operator.mod, True)
    def __pow__(self, o: Any) -> Any: return self._do(o, operator.pow)
    def __rpow__(self, o: Any) -> Any: return self._do(o, operator.pow, True)
    def __lt__(self, o: Any) -> Any: return self._do(o, operator.lt)
    def __le__(self, o: Any) -> Any: return self._do(o, operator.le)
    def __gt__(self, o: Any) -> Any: return self._do(o, operator.gt)
    def __ge__(self, o: Any) -> Any: return self._do(o, operator.ge)
    def __eq__(self, o: object) -> Any: return self._do(o, operator.eq)
    def __ne__(self, o: object) -> Any: return self._do(o, operator.ne)
    def __neg__(self) -> Watched: return Watched(-self._number, _scaled(self._affine, -1.0))
    def __pos__(self) -> Watched: return self
    def __abs__(self) -> Watched:
        if FORWARD.get("any_step"):  # (relu as (t + abs(t)) / 2 at t = x + h)
            notice_shift("abs", self)
        return Watched(abs(self._number))
    def __float__(self) -> float:  # (``math.pow(u, 2)``, ``math.exp(u)``: in C, plain)
        if FORWARD.get("any_step"):
            notice_shift("float", self, learners=True)
        return self._number
    def __bool__(self) -> bool: return bool(self._number)
    def __hash__(self) -> int: return hash(self._number)
    def __round__(self, n: Any = None) -> Any:  # (to digits: still watched, the same if
        if n is None:  # round(x, 17) changed nothing)
            return _whole(self, round, "round")
        rounded = round(self._number, n)
        return Watched(rounded, self._affine if rounded == self._number else None)
    def __trunc__(self) -> int: return _whole(self, math.trunc, "int")
    def __int__(self) -> int: return _whole(self, math.trunc, "int")
    def __floor__(self) -> int: return _whole(self, math.floor, "math.floor")
    def __ceil__(self) -> int: return _whole(self, math.ceil, "math.ceil")

    def as_integer_ratio(self) -> tuple[int, int]:
        called = inside()
        if called not in _ROUNDED:  # (statistics.mean: its fractions never leave it)
            EXACT.append(f"as_integer_ratio() of the input {self._number!r}{called}{here()}")
        return self._number.as_integer_ratio()

    def hex(self) -> str:
        EXACT.append(f"hex() of the input {self._number!r}{here()}")
        return self._number.hex()
    def __repr__(self) -> str: return _Digits(repr(self._number))
    def __format__(self, spec: str) -> str: return _Digits(format(self._number, spec))

    def __complex__(self) -> complex:
        SEEN.append(f"complex({self._number!r})")
        return complex(self._number)

    def __getattr__(self, name: str) -> Any:  # (a float's methods and attributes: .real...)
        if name in ("_number", "_affine"):  # (not yet set: no float's attribute either)
            raise AttributeError(name)
        if name == "real":  # (the number itself, still watched)
            return Watched(self._number, self._affine)
        if name == "conjugate":
            return lambda: Watched(self._number, self._affine)
        return getattr(self._number, name)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """A NumPy ufunc on watched numbers: run on their values (a complex input or result
        is noticed); one of arithmetic's on numbers alone is that operator on them
        (``_as_operator``), so that a step taken through it is seen as through ``*``."""
        values = [_watched_values(x) for x in inputs]
        result = getattr(ufunc, method)(*values, **kwargs)
        _notice_complex(result)
        numpy = sys.modules["numpy"]
        if isinstance(result, numpy.floating):
            if method == "__call__" and not kwargs:
                return _as_operator(ufunc.__name__, inputs, float(result), numpy)
            return Watched(float(result))
        if FORWARD.get("any_step"):  # (np.square(u), np.exp(u) of an array of them...)
            notice_shift(ufunc.__name__, *inputs)
        return result

    # NumPy calls these on each element of an array of objects (np.exp(array_of_numbers))
    def exp(self) -> Watched: return Watched(math.exp(self._number))
    def log(self) -> Watched: return Watched(math.log(self._number))
    def tanh(self) -> Watched: return Watched(math.tanh(self._number))
    def sqrt(self) -> Watched: return Watched(math.sqrt(self._number))


numbers.Real.register(Watched)  # (a real number: the engine's functions take it as one)


class _Digits(str):
    """A watched number's digits (``str(x)``, ``repr(x)``, ``format(x)``): printed as any
    text; read back as a number (``float(str(x))``), they are the input made plain, its
    exact form, as ``x.hex()`` is (a complex step then made of it went unseen: issue 65)."""

    def __float__(self) -> float:
        EXACT.append(f"float() of an input's digits (float(str(x))){here()}")
        return float(str.__str__(self))


def watched_through(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    """``math``'s ``name`` (``KEPT``) while a rule runs: of a watched number, a watched
    number (made from the inputs as the function says, where it only adds or scales),
    not a plain float: ``math.fsum([x])`` made an input plain, and the complex step or a
    step of 1 on a product taken from it went unseen (issue 65)."""
    def keeping(*args: Any) -> Any:
        items = list(args[0]) if name == "fsum" and args else list(args)
        if not any(isinstance(x, Watched) for x in items):
            return real(*([items] if name == "fsum" else items))
        result = real(*([[_value(x) for x in items]] if name == "fsum" else
                        [_value(x) for x in items]))
        first = items[0] if isinstance(items[0], Watched) else None
        affine = None
        if name == "fsum":
            affine = _summed(items)
        elif first is not None and name in ("ldexp", "copysign", "fabs") and first._number:
            affine = _scaled(first._affine, result / first._number)
        if isinstance(result, tuple):  # (modf, frexp)
            return tuple(Watched(r) if isinstance(r, float) else r for r in result)
        return Watched(result, affine) if isinstance(result, float) else result

    keeping.__name__ = name
    return keeping


UFUNC_OPERATORS: dict[str, Callable[..., Any]] = {
    "add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
    "divide": operator.truediv, "true_divide": operator.truediv, "power": operator.pow,
    "float_power": operator.pow, "negative": operator.neg, "positive": operator.pos}
"""NumPy's ufuncs that are an operator of arithmetic: on watched numbers, that operator
(``np.multiply(a + 1.0, b) - np.multiply(a, b)``, a step of 1 on a product, earned d_mul,
d_div and chain_rule 3/3 on every route before, where ``*`` was seen)."""


def _as_operator(name: str, inputs: tuple[Any, ...], result: float, numpy: Any) -> Watched:
    """The ufunc ``name``'s ``result`` on ``inputs`` as a watched number: where it is an
    operator of arithmetic (``UFUNC_OPERATORS``) on real numbers alone, that operator on them,
    as a watched number's operators do it (noticing a step, following how it is made from
    the inputs), if it gives NumPy's number; else the number, watched, made as not said."""
    op = UFUNC_OPERATORS.get(name)
    operands = [x.item() if isinstance(x, numpy.generic) and x.dtype.kind in "biuf" else x
                for x in inputs]
    if op is None or not all(isinstance(x, (Watched, int, float)) for x in operands) or (
            op is operator.pow and _value(operands[0]) < 0
            and not float(_value(operands[1])).is_integer()):  # (complex in Python)
        if FORWARD.get("any_step"):  # (np.square(a + 1.0): a product, as (a + 1.0) ** 2)
            notice_shift(name, *inputs)
        return Watched(result)
    try:
        found = op(*operands)
    except (ArithmeticError, ValueError):  # (1.0 / 0.0: NumPy's inf)
        return Watched(result)
    if isinstance(found, Watched) and (found._number == result or (
            math.isnan(found._number) and math.isnan(result))):
        return found
    return Watched(result)


def _summed(items: list[Any]) -> tuple[tuple[float, ...], float] | None:
    """How the sum of ``items`` is made from the inputs, if each one is by adding and
    scaling, or a plain number."""
    found = [x._affine for x in items if isinstance(x, Watched)]
    if any(a is None for a in found) or not all(isinstance(x, (Watched, int, float))
                                                for x in items):
        return None
    coefficients = tuple(sum(c) for c in zip(*(a[0] for a in found if a is not None)))
    return coefficients, sum(a[1] for a in found if a is not None) + sum(
        float(x) for x in items if not isinstance(x, Watched))


KEPT = ("fsum", "ldexp", "copysign", "fabs", "fmod", "remainder", "modf", "frexp",
        "nextafter", "ulp")
"""``math``'s functions that make a float of a float: watched numbers stay watched
through them while a rule runs (``watched_through``)."""


def _whole(x: Watched, how: Callable[[float], int], name: str) -> int:
    """``x`` made an integer; one scaled up first is noticed (``WHOLE``)."""
    whole = how(x._number)
    if abs(whole) >= WHOLE:
        EXACT.append(f"{name}() of an input scaled up to {x._number:.3g}, an integer of "
                      f"{len(str(abs(whole)))} digits{here()}")
    return whole


def _watched_values(x: Any) -> Any:
    if isinstance(x, Watched):
        return x._number
    _notice_complex(x)
    return x


def _notice_complex(x: Any) -> None:
    """Notice a complex number, or an array of them."""
    if isinstance(x, complex):
        SEEN.append(f"{x!r}")
        return
    kind = getattr(getattr(x, "dtype", None), "kind", "")
    if kind == "c":
        SEEN.append("an array of complex numbers")
    elif kind == "O":  # (an array of objects: each is looked at)
        for item in x.flat:
            _notice_complex(item)


def _watched_array_type() -> type:
    """``WatchedArray``: a NumPy array that notices complex numbers (made on first use, as
    NumPy may not be installed)."""
    import numpy

    if "WatchedArray" not in _MADE:

        class WatchedArray(numpy.ndarray):
            """An array that notices a complex number in a ufunc it takes part in, or an
            array of complex numbers made from it."""

            def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any,
                                **kwargs: Any) -> Any:
                plain = [x.view(numpy.ndarray) if isinstance(x, WatchedArray) else x
                         for x in inputs]
                for x in plain:
                    _notice_complex(x)
                if "out" in kwargs:
                    kwargs["out"] = tuple(o.view(numpy.ndarray) if isinstance(o, WatchedArray)
                                          else o for o in kwargs["out"])
                result = getattr(ufunc, method)(*plain, **kwargs)
                _notice_complex(result)
                if isinstance(result, numpy.ndarray) and result.dtype.kind != "c":
                    return result.view(WatchedArray)
                return result

            def __array_finalize__(self, obj: Any) -> None:
                if self.dtype.kind == "c":
                    SEEN.append("an array of complex numbers")

        _MADE["WatchedArray"] = WatchedArray
    return _MADE["WatchedArray"]


_MADE: dict[str, type] = {}


def watch(x: Any) -> Any:
    """``x`` as the rule gets it: a number watched, an array watched, others as they are."""
    if isinstance(x, float):
        return Watched(x)
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, numpy.ndarray):
        return x.view(_watched_array_type())
    return x


def _affine(op: Any, a: Watched, other: Any, swapped: bool
            ) -> tuple[tuple[float, ...], float] | None:
    """How ``a op other`` is made from the inputs (``Watched._affine``), if by adding and
    scaling alone."""
    mine = a._affine
    theirs = other._affine if isinstance(other, Watched) else None
    number = other if isinstance(other, (int, float)) and not isinstance(other, bool) else None
    if mine is None or (theirs is None and number is None):
        return None
    if op in (operator.add, operator.sub):
        sign = -1.0 if op is operator.sub else 1.0
        if theirs is not None:
            left, right = (theirs, mine) if swapped else (mine, theirs)
            return (tuple(x + sign * y for x, y in zip(left[0], right[0])),
                    left[1] + sign * right[1])
        constant = float(number or 0.0)
        if swapped and op is operator.sub:  # (number - a)
            return tuple(-x for x in mine[0]), constant - mine[1]
        return mine[0], mine[1] + sign * constant
    if number is not None and (op is operator.mul or (op is operator.truediv and not swapped)):
        return _scaled(mine, float(number) if op is operator.mul else 1.0 / float(number))
    return None


def _scaled(affine: tuple[tuple[float, ...], float] | None, k: float
            ) -> tuple[tuple[float, ...], float] | None:
    return None if affine is None else (tuple(k * x for x in affine[0]), k * affine[1])


def notice_shift(name: str, *operands: Any, linear: Any = None, learners: bool = False
                 ) -> None:
    """The op's own operator or function on an operand that is an input shifted by a step
    (of any size where the op is a product or a quotient, ``any_step``, or one of ``ANY``'s
    functions, or the operand is ``linear``: the op is linear in it); ``learners``: only
    where the learner's code does it (a float asked for by the grader is not)."""
    for x in operands:
        shift = _shift_of(x)
        if not shift:
            continue
        if FORWARD.get("any_step") or name in ANY or x is linear or \
                abs(shift) <= SMALL * max(1.0, abs(x._number - shift)):
            where = here()
            if learners and not where:
                return
            SHIFTED.append(f"the op's {name} at an input shifted by {shift:.3g}{where}")
            return


def _shift_of(x: Any) -> float:
    """The constant an input was shifted by in making ``x`` (0: none, or not a watched
    number): its affine form's, or, where a sum took in what is no sum of inputs, the
    shift carried through it (``_shift``)."""
    if not isinstance(x, Watched):
        return 0.0
    affine = x._affine
    if affine is None:
        return x._shift
    return affine[1] if any(affine[0]) else 0.0


def _mixed(a: Watched, other: Any, op: Callable[[Any, Any], Any], swapped: bool) -> float:
    """Where an input (a sum or scaling of inputs) has added to it (or taken from it) a
    number made of the inputs otherwise, that number, the step (``x + x ** 0``, ``a + (u *
    u + 1) / (u * u + 1)``: a step of 1 made from the input, d_mul, d_exp, d_tanh, d_relu,
    d_div and chain_rule full marks on every route before); else 0."""
    if not isinstance(other, Watched):
        return 0.0
    pairs = [(a, other), (other, a)]
    for sum_of_inputs, made in pairs:
        affine = sum_of_inputs._affine
        if affine is not None and any(affine[0]) and made._affine is None:
            step = made._number
            taken = op is operator.sub and (made is other) != swapped
            return -step if taken else step
    return 0.0


NONLINEAR = (operator.mul, operator.truediv, operator.floordiv, operator.mod, operator.pow,
             operator.lt, operator.le, operator.gt, operator.ge)
"""Operators that neither add nor scale: one on an input shifted by a step, in a rule of a
product, a quotient or relu (``any_step``), is the function evaluated there, whatever it is
written as (``max(x + h, 0.0)`` compares)."""

ANY = ("exp", "tanh", "log")
"""The op's own functions that no right rule evaluates at an input shifted by a constant
(``math.exp(x + 1)``, with ``2 sinh 1`` to divide by, is an exact difference: d_exp 1/1
before); the power rule's ``a ** (b - 1)`` is why ``pow`` is not among them."""


def here() -> str:
    """Where in the learner's file (the rule's) this happens: `` on line N`` (in a notebook
    `` in the cell that begins `...`, line N``), or nothing."""
    file = FORWARD.get("file")
    frame = sys._getframe(1)
    while frame is not None and file:
        if frame.f_code.co_filename == file:
            return " " + lines_said(file, [frame.f_lineno])
        frame = frame.f_back  # type: ignore[assignment]
    return ""


def inside() -> str:
    """Which library function the learner's line called, where that function (not the
    line) does this: ``, inside statistics._sum``; else nothing."""
    file = FORWARD.get("file")
    frame, called = sys._getframe(2), None
    while frame is not None and file and frame.f_code.co_filename != file:
        called, frame = frame, frame.f_back  # type: ignore[assignment]
    if called is None or frame is None:
        return ""
    return f", inside {called.f_globals.get('__name__')}.{called.f_code.co_name}"


_ROUNDED = {f", inside statistics.{name}" for name in (
    "mean", "variance", "pvariance", "stdev", "pstdev", "harmonic_mean", "geometric_mean",
    "median_grouped", "quantiles", "covariance", "correlation", "linear_regression")}
"""Where an input's exact form is taken by a function of ``statistics`` that sums the
exact fractions of floats and gives back one float, correctly rounded (``statistics.mean([b,
b])``, an honest ``b``): the fractions never reach the learner's code, which gets no more
digits than ``math.fsum`` gives. Before, an honest ``d_mul`` was refused (g6)."""


def lines_said(file: str, linenos: list[int]) -> str:
    """Lines of the learner's file as a verdict says them (``text_blocks.at_lines``); the
    notebook's code is in ``linecache`` already, where the process runs one."""
    return at_lines(CELLS, linenos, linecache.getlines(file) if CELLS else ())


def unwatched(x: Any) -> Any:
    """An answer with its watched numbers and arrays plain again."""
    if isinstance(x, Watched):
        return x._number
    if isinstance(x, tuple):
        return tuple(unwatched(v) for v in x)
    if isinstance(x, list):
        return [unwatched(v) for v in x]
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, numpy.ndarray):
        plain = x.view(numpy.ndarray)
        if plain.dtype == object:
            return numpy.array([float(v) for v in plain.flat]).reshape(plain.shape)
        return plain
    return x
