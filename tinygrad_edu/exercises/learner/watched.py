"""A derivative rule run on numbers that notice complex numbers: how the grader tells a rule
from the complex-step derivative.

A rule exercise asks for dy/dx as an expression of x and y (``1 - y * y`` for tanh). Its
answer can also be had without any rule, from the function's values alone: by the complex
step, Im f(x + ih) / h, exact to the last digit for a function like tanh, or by a finite
difference (f(x + h) - f(x - h)) / 2h, good to about ten digits. The grader looks at what an
answer does: ``call`` runs the solution with its numbers wrapped in ``Watched`` (arrays in
``WatchedArray``), which behave as the numbers do for every arithmetic operation, ``math``
function and NumPy ufunc, but notice when they meet a complex number; an answer that did
raises ``ComplexUsed``. (A finite difference is told by its error: the grader compares the
answer with the rule on points where a rule is exact to about 1e-15 and no finite
difference is better than about 1e-11.)

A finite difference made exact in Python's own integers (``x.as_integer_ratio()``, scaled
by 10^120) is told by what it does too: taking an input's exact form raises ``ExactForm``,
and a function of the learner's own called at two numbers a tiny step apart (recorded by a
profile function while the rule runs, in integers, fractions, decimals or floats) raises
``ShiftedPoint``.

Every call of a rule is watched (``inputs.Call``'s kinds ``"rule"`` and ``"rule arrays"``),
the points where the grader tries it for exactness as every other input: the call does not
tell the learner's code which is which. An honest rule never needs a complex number, so
nothing that a rule does is refused. A number made plain by ``math``'s functions that make
a float of a float stays watched (``KEPT``: ``math.fsum([x])``), and its digits read back
(``float(str(x))``) are its exact form. A number made plain first (``float(x)``, which
``math`` itself calls, or its digits copied into another string) and then made complex by
code of the learner's own is not met by the watched numbers; the complex numbers made of it
are seen where the learner's code holds them (``held.py``: in a name of a function of its
file, given to one or given back, or in a name of its module; on Python 3.12 and later, given
to any call). What this cannot see: on 3.10 and 3.11, such a complex number made and used
within one expression, held in no name; the grader also reads
the rule's whole file for complex numbers (``tinygrad_edu/exercises/rule_reading.py``:
``(-1.0) ** 0.5`` too, worked out), and what neither sees, a teacher's reading of the code
does.
"""

from __future__ import annotations

import linecache
import math
import numbers
import operator
import sys
import types
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises.learner.held import CallsSeen, complex_in_names, learner_codes, line_of
from tinygrad_edu.exercises.learner.parts import parts_of
from tinygrad_edu.exercises.learner.stepped import recording, stepped
from tinygrad_edu.exercises.text_blocks import at_lines

__all__ = ["ComplexUsed", "ExactForm", "ForwardAgain", "ForwardDifferences", "OwnNumbers",
           "ShiftedPoint", "Watched", "call", "lines_said", "numbers_at"]

_SEEN: list[str] = []
"""What the watched numbers saw of complex numbers while a solution ran."""
_SHIFTED: list[str] = []
"""Where the solution evaluated the op's own function at a point shifted from its input."""
_EXACT: list[str] = []
"""Where the solution took an input's exact form: its integer ratio, its hex digits, or the
input scaled up and made an integer."""
_FORWARD: dict[str, Any] = {}
"""The op of the rule being run, as the case says it (``forward_of``): its operators, its
functions, whether it is a polynomial, the inputs."""

CELLS: list[list[int]] = []
"""A notebook's cells, where the learner's process runs one (each one's number, first and
last line in the code run: ``loading.cells_of``), for ``_line`` to say a line in its cell
as every other verdict does; none for a file."""

SMALL = 0.05
"""A shift of an input this small (relative to it, or absolutely below 1) is a step of a
numerical derivative, never part of a rule (``b - 1`` in the power rule is not small)."""


class ComplexUsed(Exception):
    """A rule's answer computed with complex numbers (the complex-step derivative)."""


class ShiftedPoint(Exception):
    """A rule's answer that evaluated the op's own function (tanh for d_tanh, the product for
    d_mul) at its input shifted by a step, or a function of its own at two numbers a tiny
    step apart: a finite difference, of any order or step."""


class ExactForm(Exception):
    """A rule's answer that took an input's exact form (``x.as_integer_ratio()``, or ``x``
    scaled up and made an integer): how a finite difference is made exact, in integers with
    far more digits than a float has."""


class OwnNumbers(Exception):
    """A rule's answer that computed with numbers of a class of the learner's own, made of
    its inputs (a dual number: its second part, carried by its own + and *, is the
    derivative, read off with no rule written)."""


class ForwardAgain(Exception):
    """A backward pass that evaluated an op's own function (tanh, exp) at several numbers
    next to one of the graph's operands of that op, not at it: the forward pass run again on
    nudged numbers, for finite differences, with no chain rule."""


class ForwardDifferences(ForwardAgain):
    """A forward pass that evaluated a function of its own (an op's) at numbers on either
    side of one it computed a node at, as the node was made: finite differences taken then
    and kept as the local derivatives, with no derivative rule (``rerun.py``)."""


WHOLE = 2.0**20
"""An input made an integer at least this large was scaled up first (``int(x * 10**45)``):
no rule of the exercises needs that (an exponent made an int, ``int(b)``, is small)."""


def _value(x: Any) -> Any:
    """``x``'s number: a watched number's own, a plain number as it is; a complex number
    is noticed."""
    if isinstance(x, Watched):
        return x._number
    if isinstance(x, complex):
        _SEEN.append(f"{x!r}")
    return x


class Watched:
    """A number that behaves as its float (``_number``) does, and notices complex numbers,
    and the op's own function evaluated at a shifted input: ``_affine`` says how the number
    was made from the inputs by adding numbers and scaling (each input's coefficient, and the
    number added), None when some other operation made it. It has a float's attributes and
    no others: asked for one a float lacks (``x.value``), it answers as a float does, with
    AttributeError (a public ``value`` gave the complex step its plain number: issue 65)."""

    __slots__ = ("_affine", "_number")

    def __init__(self, value: float, affine: tuple[tuple[float, ...], float] | None = None
                 ) -> None:
        self._number = float(value)
        self._affine = affine

    def _do(self, other: Any, op: Callable[[Any, Any], Any], swapped: bool = False) -> Any:
        if not isinstance(other, (Watched, int, float, complex)):
            return NotImplemented
        a, b = (_value(other), self._number) if swapped else (self._number, _value(other))
        if op in _FORWARD.get("ops", ()):
            left = other if swapped else self  # (a quotient is linear in its numerator:
            _notice_shift(op.__name__, self, other,  # a step of any size is exact there)
                          linear=left if op is operator.truediv else None)
        result = op(a, b)
        if isinstance(result, complex):  # ((-1) ** 0.5, say)
            _SEEN.append(f"{result!r}")
            return result
        if not isinstance(result, float):
            return result
        return Watched(result, _affine(op, self, other, swapped))

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
    def __abs__(self) -> Watched: return Watched(abs(self._number))
    def __float__(self) -> float: return self._number
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
        _EXACT.append(f"as_integer_ratio() of the input {self._number!r}{_line()}")
        return self._number.as_integer_ratio()

    def hex(self) -> str:
        _EXACT.append(f"hex() of the input {self._number!r}{_line()}")
        return self._number.hex()
    def __repr__(self) -> str: return _Digits(repr(self._number))
    def __format__(self, spec: str) -> str: return _Digits(format(self._number, spec))

    def __complex__(self) -> complex:
        _SEEN.append(f"complex({self._number!r})")
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
        is noticed)."""
        values = [_watched_values(x) for x in inputs]
        result = getattr(ufunc, method)(*values, **kwargs)
        _notice_complex(result)
        numpy = sys.modules["numpy"]
        if isinstance(result, numpy.floating):
            return Watched(float(result))
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
        _EXACT.append(f"float() of an input's digits (float(str(x))){_line()}")
        return float(str.__str__(self))


def _kept(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
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
through them while a rule runs (``_kept``)."""


def _whole(x: Watched, how: Callable[[float], int], name: str) -> int:
    """``x`` made an integer; one scaled up first is noticed (``WHOLE``)."""
    whole = how(x._number)
    if abs(whole) >= WHOLE:
        _EXACT.append(f"{name}() of an input scaled up to {x._number:.3g}, an integer of "
                      f"{len(str(abs(whole)))} digits{_line()}")
    return whole


def _watched_values(x: Any) -> Any:
    if isinstance(x, Watched):
        return x._number
    _notice_complex(x)
    return x


def _notice_complex(x: Any) -> None:
    """Notice a complex number, or an array of them."""
    if isinstance(x, complex):
        _SEEN.append(f"{x!r}")
        return
    kind = getattr(getattr(x, "dtype", None), "kind", "")
    if kind == "c":
        _SEEN.append("an array of complex numbers")
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
                    _SEEN.append("an array of complex numbers")

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


def call(solution: Callable[..., Any], case: Any, parts: tuple[str, ...],
         scalar: bool) -> tuple[Any, ...]:
    """The solution's answer on ``case``'s arguments, each watched; ``ComplexUsed`` if it
    met a complex number on the way, ``ShiftedPoint`` if it evaluated the op's own function
    at a shifted input (``forward_of``)."""
    del _SEEN[:], _SHIFTED[:], _EXACT[:]
    args = case.args()
    _FORWARD.clear()
    _FORWARD.update(forward_of(case))
    file = _FORWARD["file"] = getattr(getattr(solution, "__code__", None), "co_filename", None)
    count = len(args)
    watched = [Watched(x, (tuple(float(i == k) for i in range(count)), 0.0))
               if isinstance(x, float) else watch(x) for k, x in enumerate(args)]
    restore = _watching_functions(solution)
    calls: dict[Any, list[tuple[Any, int]]] = {}
    held: list[tuple[str, int]] = []
    own: list[tuple[str, int]] = []
    named = complex_in_names(solution)  # (``_I = float("-1") ** 0.5`` in the file)
    given: list[tuple[str, Any, int, Any]] = []
    space = getattr(solution, "__globals__", None)
    names = space if isinstance(space, dict) else {}
    seeing = CallsSeen(lambda: learner_codes([solution, *names.values()],
                                             {file} if file else set(),
                                             names.get("__name__", "builtins")), given)
    before = sys.getprofile()
    seeing.__enter__()
    sys.setprofile(recording(file, calls, Watched, held, own))
    try:
        answer = solution(*watched)
    except Exception:
        if not (_SEEN or _SHIFTED or _EXACT or held or named or given or own):
            raise
        answer = None
    finally:
        seeing.__exit__()
        sys.setprofile(before)
        restore()
        _FORWARD.clear()
    seen, shifted, exact = list(_SEEN), list(_SHIFTED), list(_EXACT)
    del _SEEN[:], _SHIFTED[:], _EXACT[:]
    if seen:
        raise ComplexUsed(seen[0])
    if shifted:
        raise ShiftedPoint(shifted[0])
    if exact:
        raise ExactForm(exact[0])
    found = stepped(calls, [x for x in args if isinstance(x, float)],
                    lambda lines: lines_said(file or "", lines))
    if found:
        raise ShiftedPoint(found)
    said = [f"{what} {lines_said(file or '', [line])}" for what, line in held] + \
        [named] * bool(named) + [f"{what} {lines_said(file or '', [line_of(code, offset)])}"
                                 for what, code, offset, _ in given]
    if said:  # (last: what the numbers saw says more; then a name, then a call)
        raise ComplexUsed(said[0])
    if own:
        raise OwnNumbers(f"{own[0][0]} {lines_said(file or '', [own[0][1]])}")
    return parts_of(_unwatched(answer), parts, scalar=scalar)


OUTPUTS = {"tanh(x)": ((), ("tanh",)), "exp(x)": ((), ("exp",)), "log(x)": ((), ("log",)),
           "sigmoid(x)": ((), ("exp",)), "a / b": ((operator.truediv,), ()),
           "a ** b": ((operator.pow,), ("pow",)), "a * b": ((operator.mul,), ()),
           "": ((operator.mul,), ())}
"""Each rule's op, by how its case says y was computed: the operators and the functions (of
``math``, ``cmath`` and NumPy) that compute it. Where it is a product (``a * b``; the chain
rule's ``(x + y)(x - y)``, whose case has no y), a polynomial: a step of any size is a
numerical derivative there (a central difference with a step of 1 is exact)."""


def forward_of(case: Any) -> dict[str, Any]:
    """What ``call`` watches for in a rule of ``case`` (a ``Point``; nothing for arrays)."""
    output = getattr(case, "output", None)
    if output not in OUTPUTS or not hasattr(case, "values"):
        return {}
    ops, functions = OUTPUTS[output]
    return {"ops": ops, "functions": functions, "inputs": tuple(case.values),
            "polynomial": ops == (operator.mul,)}


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


def _notice_shift(name: str, *operands: Any, linear: Any = None) -> None:
    """The op's own operator on an operand that is an input shifted by a step (of any size
    where the op is a polynomial, or the operand is ``linear``: the op is linear in it)."""
    for x in operands:
        affine = x._affine if isinstance(x, Watched) else None
        if affine is None or not affine[1] or not any(affine[0]):
            continue
        shift = affine[1]
        if _FORWARD.get("polynomial") or x is linear or \
                abs(shift) <= SMALL * max(1.0, abs(x._number - shift)):
            _SHIFTED.append(f"the op's {name} at an input shifted by {shift:.3g}{_line()}")
            return


def _watching_functions(solution: Any, wrap: Any = None) -> Callable[[], None]:
    """While a rule runs: the op's own functions (``math.tanh``, ``numpy.tanh``,
    ``cmath.tanh``... and the learner's module's names for them) note where they are
    evaluated (``wrap(name, real)``'s, for ``rerun.py``): at a complex number, or at an input
    shifted by a step. Returns what puts them back."""
    names = _FORWARD.get("functions", ())
    undo: list[tuple[Any, str, Any]] = []
    watching: dict[int, Any] = {}
    kept = KEPT if _FORWARD.get("inputs") else ()  # (a rule's call, not a backward's)
    for module_name in ("math", "cmath", "numpy"):
        module = sys.modules.get(module_name)
        for name in (*names, *(kept if module_name == "math" else ())):
            real = getattr(module, name, None) if module is not None else None
            if real is None:
                continue
            watching[id(real)] = _kept(name, real) if name in KEPT and name not in names \
                else (wrap or _watching)(name, real)
            undo.append((module, name, real))
            setattr(module, name, watching[id(real)])
    if not undo:
        return lambda: None
    reals = {id(real): real for _, _, real in undo}

    def swap(where: Any, key: Any, value: Any) -> None:
        if id(value) in watching and reals.get(id(value)) is value:
            undo.append((where, key, value))
            where[key] = watching[id(value)]

    space = getattr(solution, "__globals__", None)
    # The module's names for them, and what its names hold: a dict or list of them (looked
    # into item by item only where one is there: its __builtins__ holds none, told at once,
    # in C), a default argument; by type alone, as a stand-in raises at any attribute.
    for key, value in list(space.items()) if isinstance(space, dict) else ():
        swap(space, key, value)
        if type(value) in (dict, list) and not watching.keys().isdisjoint(
                map(id, value.values() if type(value) is dict else value)):
            for k, item in list(value.items() if type(value) is dict else enumerate(value)):
                swap(value, k, item)
        defaults = value.__defaults__ if type(value) is types.FunctionType else None
        if isinstance(defaults, tuple) and any(id(d) in watching for d in defaults):
            undo.append((value, "__defaults__", defaults))
            value.__defaults__ = tuple(watching.get(id(d), d) if reals.get(id(d)) is d
                                       else d for d in defaults)

    def restore() -> None:
        for where, name, real in reversed(undo):
            if isinstance(where, (dict, list)):
                where[name] = real
            else:
                setattr(where, name, real)

    return restore


def _watching(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def watching(*args: Any, **kwargs: Any) -> Any:
        for x in args:
            _notice_point(name, x)
        return real(*args, **kwargs)

    watching.__name__ = name
    return watching


def _notice_point(name: str, x: Any) -> None:
    """The op's function ``name`` evaluated at ``x``: a complex number, or a point next to
    an input (shifted by a step, as the watched number says, or by its value)."""
    for v in numbers_at(name, x):
        for u in _FORWARD.get("inputs", ()):
            if u and v != u and abs(v - u) <= SMALL * abs(u) and abs(v - u) < 1.0:
                _SHIFTED.append(f"{name}({v!r}), next to the input {u!r}{_line()}")
                return


def numbers_at(name: str, x: Any) -> list[float]:
    """The plain numbers the op's function ``name`` was evaluated at, of ``x``: itself, or an
    array's first ones; none for a complex number (noticed) or a watched one (``_notice_shift``
    looks at it)."""
    if isinstance(x, complex):
        _SEEN.append(f"{name}({x!r}){_line()}")
        return []
    if isinstance(x, Watched):
        _notice_shift(name, x)
        return []
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, numpy.ndarray):
        if x.dtype.kind == "c":
            _SEEN.append(f"{name} of an array of complex numbers{_line()}")
            return []
        return [float(v) for v in x.ravel()[:16]] if x.dtype.kind == "f" else []
    return [x] if isinstance(x, float) else []


def _line() -> str:
    """Where in the learner's file (the rule's) this happens: `` on line N`` (in a notebook
    `` in the cell that begins `...`, line N``), or nothing."""
    file = _FORWARD.get("file")
    frame = sys._getframe(1)
    while frame is not None and file:
        if frame.f_code.co_filename == file:
            return " " + lines_said(file, [frame.f_lineno])
        frame = frame.f_back  # type: ignore[assignment]
    return ""


def lines_said(file: str, linenos: list[int]) -> str:
    """Lines of the learner's file as a verdict says them (``text_blocks.at_lines``); the
    notebook's code is in ``linecache`` already, where the process runs one."""
    return at_lines(CELLS, linenos, linecache.getlines(file) if CELLS else ())


def _unwatched(x: Any) -> Any:
    """An answer with its watched numbers and arrays plain again."""
    if isinstance(x, Watched):
        return x._number
    if isinstance(x, tuple):
        return tuple(_unwatched(v) for v in x)
    if isinstance(x, list):
        return [_unwatched(v) for v in x]
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, numpy.ndarray):
        plain = x.view(numpy.ndarray)
        if plain.dtype == object:
            return numpy.array([float(v) for v in plain.flat]).reshape(plain.shape)
        return plain
    return x
