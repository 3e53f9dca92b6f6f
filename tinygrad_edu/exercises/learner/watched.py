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
``ShiftedPoint``; on a number made plain first (``float(x)``, ``math.frexp``), inline, the
integers of more bits than a float has that the rule's code holds, seen at each of its
lines (``fixed_point.py``), raise ``LongIntegers``.

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
to any call; on every Python, a constant of its code, or the object of a built-in method it
calls: ``held_code.py``; and on every Python, where it is made, by the complex type's
constructor or operators or a float's power, watched while the rule runs:
``complex_arithmetic.py``). What this
cannot see: on 3.10 and 3.11, a complex array made at run time and used within one
expression by NumPy's operators alone, held in no name, given only to functions; the
grader also reads
the rule's whole file for complex numbers (``tinygrad_edu/exercises/rule_reading.py``:
``(-1.0) ** 0.5`` too, worked out), and what neither sees, a teacher's reading of the code
does.
"""

from __future__ import annotations

import builtins
import operator
import sys
import types
from collections.abc import Callable
from typing import Any

from tinygrad_edu.exercises.learner import given as given_to
from tinygrad_edu.exercises.learner.complex_arithmetic import DUAL
from tinygrad_edu.exercises.learner.fixed_point import lines_watched
from tinygrad_edu.exercises.learner.held import CallsSeen, complex_in_names, line_of
from tinygrad_edu.exercises.learner.held_code import complex_constant
from tinygrad_edu.exercises.learner.parts import parts_of
from tinygrad_edu.exercises.learner.stepped import recording, stepped
from tinygrad_edu.exercises.learner.watched_numbers import (
    EXACT,
    FORWARD,
    KEPT,
    SEEN,
    SHIFTED,
    SMALL,
    Watched,
    here,
    lines_said,
    notice_shift,
    unwatched,
    watch,
    watched_through,
)

__all__ = ["ComplexUsed", "DualMatrix", "ExactForm", "ForwardAgain", "ForwardDifferences",
           "LongIntegers", "OwnNumbers",
           "ShiftedPoint", "call", "forward_of", "numbers_at"]


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


class LongIntegers(Exception):
    """A rule's answer whose code held an integer of more bits than a float has
    (``fixed_point.long_held``): the scale and values of a finite difference computed in fixed
    point, exact enough to pass, on a number made plain first (``float(x)``)."""


class OwnNumbers(Exception):
    """A rule's answer that computed with numbers of a class of the learner's own, made of
    its inputs (a dual number: its second part, carried by its own + and *, is the
    derivative, read off with no rule written)."""


class DualMatrix(Exception):
    """A rule's answer that computed with a dual number as the matrix [[a, a'], [0, a]]:
    its products carry the derivative along, as a dual class's do (``given.DualMatrices``)."""


class ForwardAgain(Exception):
    """A backward pass that evaluated an op's own function (tanh, exp) at several numbers
    next to one of the graph's operands of that op, not at it: the forward pass run again on
    nudged numbers, for finite differences, with no chain rule."""


class ForwardDifferences(ForwardAgain):
    """A forward pass that evaluated a function of its own (an op's) at numbers on either
    side of one it computed a node at, as the node was made: finite differences taken then
    and kept as the local derivatives, with no derivative rule (``rerun.py``)."""


def call(solution: Callable[..., Any], case: Any, parts: tuple[str, ...],
         scalar: bool) -> tuple[Any, ...]:
    """The solution's answer on ``case``'s arguments, each watched; ``ComplexUsed`` if it
    met a complex number on the way, ``ShiftedPoint`` if it evaluated the op's own function
    at a shifted input (``forward_of``)."""
    del SEEN[:], SHIFTED[:], EXACT[:]
    args = case.args()
    FORWARD.clear()
    FORWARD.update(forward_of(case))
    file = FORWARD["file"] = getattr(getattr(solution, "__code__", None), "co_filename", None)
    count = len(args)
    watched = [Watched(x, (tuple(float(i == k) for i in range(count)), 0.0))
               if isinstance(x, float) else watch(x) for k, x in enumerate(args)]
    del given_to.GIVEN[:], given_to.HELD[:]
    given_to.NEAR.start(args if not scalar else ())
    given_to.MATRICES.start(scalar)
    calls: dict[Any, list[tuple[Any, int]]] = {}
    held: list[tuple[str, int]] = []
    own: list[tuple[str, int]] = []
    given: list[tuple[str, Any, int, Any]] = []
    bound: list[tuple[str, int]] = []
    long: list[tuple[str, int]] = []
    ran: set[Any] = set()  # (the code that ran: a complex constant of it, 1e-20j, is seen
    before, tracing = sys.getprofile(), sys.gettrace()  # on 3.10 too; tracing: the time
    # limit's, on 3.10, put back after, as it would be once the time is up)
    room = sys.getrecursionlimit()  # (code that set the limit just above its depth: the
    sys.setrecursionlimit(room + 100)  # functions are put, and put back, all the same)
    try:
        restore = _watching_functions(solution)
    finally:
        sys.setrecursionlimit(room)
    try:  # (from here on, whatever is raised, even a stop: the functions are put back)
        named = complex_in_names(solution)  # (``_I = float("-1") ** 0.5`` in the file)
        space = getattr(solution, "__globals__", None)
        module = space.get("__name__", "builtins") if isinstance(space, dict) else "builtins"
        seeing = CallsSeen.of(solution, solution, {file} if file else set(), module, given,
                              matrices=scalar)
        seeing.__enter__()
        try:
            sys.setprofile(recording(file, calls, Watched, held, own, bound, ran, long))
            if file is not None:  # (each line of the file's functions: ``lines_watched``)
                sys.settrace(lines_watched(file, long))
            answer = solution(*watched)
        except Exception:
            if not (SEEN or SHIFTED or EXACT or held or named or given or seeing.done or own or
                    bound or long or
                    given_to.NEAR.said or given_to.MATRICES.said or given_to.GIVEN or
                    complex_constant(list(ran))):
                raise
            answer = None
        finally:
            if sys.gettrace() is not tracing:
                sys.settrace(tracing)
            seeing.__exit__()
            sys.setprofile(before)
    finally:
        room = sys.getrecursionlimit()
        sys.setrecursionlimit(room + 100)
        try:
            restore()
        finally:
            sys.setrecursionlimit(room)
        FORWARD.clear()
        near = given_to.NEAR.stop()
        matrix = given_to.MATRICES.stop()
        stand_ins_saw, stand_ins_held = list(given_to.GIVEN), list(given_to.HELD)
        del given_to.GIVEN[:], given_to.HELD[:]
    constant = complex_constant(list(ran))
    seen, shifted, exact = list(SEEN), list(SHIFTED), list(EXACT)
    del SEEN[:], SHIFTED[:], EXACT[:]
    if seen:
        raise ComplexUsed(seen[0])
    if shifted:
        raise ShiftedPoint(shifted[0])
    if exact:
        raise ExactForm(exact[0])
    if near:
        raise ShiftedPoint(near)
    found = stepped(calls, [x for x in args if isinstance(x, float)],
                    lambda lines: lines_said(file or "", lines))
    if found and not own:  # (a dual number's helpers, given pairs, sum a series at their
        raise ShiftedPoint(found)  # first numbers, which ``stepped`` sees: ``own`` says more)
    said = [f"{what} {lines_said(file or '', [line])}" for what, line in held] + \
        stand_ins_held[:1] + [named] * bool(named) + \
        [f"{what} {lines_said(file or '', [line_of(code, offset)])}"
         for what, code, offset, _ in given] + \
        [f"{what} {lines_said(file or '', [line])}" for what, line in bound] + \
        ([f"{constant[0]} {lines_said(file or '', [constant[2]])}"] if constant else []) + \
        stand_ins_saw[:1] + [f"{what} {lines_said(file or '', [line_of(code, offset)])}"
                             for what, code, offset, _ in seeing.done
                             if not what.startswith(DUAL)]
    matrix = matrix or next((f"{what} {lines_said(file or '', [line_of(code, offset)])}"
                             for what, code, offset, _ in seeing.done
                             if what.startswith(DUAL)), "")
    if said:  # (last: what the numbers saw says more; then a name, then a call)
        raise ComplexUsed(said[0])
    if matrix:
        raise DualMatrix(matrix)
    if own:
        raise OwnNumbers(f"{own[0][0]} {lines_said(file or '', [own[0][1]])}")
    if long:
        raise LongIntegers(f"{long[0][0]}, {lines_said(file or '', [long[0][1]])}")
    return parts_of(unwatched(answer), parts, scalar=scalar)


OUTPUTS = {"tanh(x)": ((), ("tanh",)), "exp(x)": ((), ("exp",)), "log(x)": ((), ("log",)),
           "sigmoid(x)": ((), ("exp",)), "a / b": ((operator.truediv,), ()),
           "a ** b": ((operator.pow,), ("pow",)), "a * b": ((operator.mul,), ()),
           "relu(x)": ((), ("maximum", "fmax")), "": ((operator.mul,), ())}
"""Each rule's op, by how its case says y was computed: the operators and the functions (of
``math``, ``cmath`` and NumPy) that compute it. Where it is a product (``a * b``; the chain
rule's ``(x + y)(x - y)``, whose case has no y), a polynomial: a step of any size is a
numerical derivative there (a central difference with a step of 1 is exact). Where it is a
product or a quotient (``any_step``), no right rule computes anything but sums and scalings
of an input shifted by a constant: a product, a power or a function of one is a step taken
(``((u + v) ** 2 - (u - v) ** 2) / 4`` at ``u = a + 1``, a product written as squares:
d_mul, chain_rule and d_div 1/1 before, on every route); so is relu's (a comparison or an
``abs`` of ``x + h``: ``max(x + h, 0.0)``, 1/1 before), whose right rules compare ``x``
itself."""


def forward_of(case: Any) -> dict[str, Any]:
    """What ``call`` watches for in a rule of ``case`` (a ``Point``; nothing for arrays)."""
    output = getattr(case, "output", None)
    if output not in OUTPUTS or not hasattr(case, "values"):
        return {}
    ops, functions = OUTPUTS[output]
    return {"ops": ops, "functions": functions, "inputs": tuple(case.values),
            "polynomial": ops == (operator.mul,),
            "any_step": ops in ((operator.mul,), (operator.truediv,)) or output == "relu(x)"}


def _watching_functions(solution: Any, wrap: Any = None) -> Callable[[], None]:
    """While a rule runs: the op's own functions (``math.tanh``, ``numpy.tanh``,
    ``cmath.tanh``... and the learner's module's names for them) note where they are
    evaluated (``wrap(name, real)``'s, for ``rerun.py``): at a complex number, or at an input
    shifted by a step. Returns what puts them back."""
    undo: list[tuple[Any, str, Any]] = []
    put_back: list[Callable[[], None]] = []

    def restore() -> None:
        for where, name, real in reversed(undo):
            if isinstance(where, (dict, list)):
                where[name] = real
            else:
                setattr(where, name, real)
        undo.clear()
        while put_back:
            put_back.pop()()

    try:  # (what it put in place is put back if anything stops it half-way)
        _watch(solution, wrap, undo, put_back)
    except BaseException:
        restore()
        raise
    return restore


def _watch(solution: Any, wrap: Any, undo: list[tuple[Any, str, Any]],
           put_back: list[Callable[[], None]]) -> None:
    """``_watching_functions``'s work: what it puts in place, noted in ``undo`` and
    ``put_back`` as it is put."""
    names = FORWARD.get("functions", ())
    watching: dict[int, Any] = {}
    kept = KEPT if FORWARD.get("inputs") else ()  # (a rule's call, not a backward's)
    for module_name in ("math", "cmath", "numpy"):
        module = sys.modules.get(module_name)
        for name in (*names, *(kept if module_name == "math" else ())):
            real = getattr(module, name, None) if module is not None else None
            if real is None:
                continue
            watching[id(real)] = watched_through(name, real) if name in KEPT and name not in names \
                else (wrap or _watching)(name, real)
            undo.append((module, name, real))
            setattr(module, name, watching[id(real)])
    functions: dict[int, Any] = {}
    if wrap is None:  # (a rule's call: NumPy's other functions, cmath's, getattr told what
        stand_ins, functions, back = given_to.put()  # they are given)
        put_back.append(back)
        watching.update(stand_ins)
    if not undo and not put_back:
        return
    reals = {id(real): real for _, _, real in undo}
    reals.update(functions)

    def swap(where: Any, key: Any, value: Any) -> None:
        if id(value) in watching and reals.get(id(value)) is value:
            undo.append((where, key, value))
            where[key] = watching[id(value)]

    space = getattr(solution, "__globals__", None)
    # The module's names for them, and what its names hold: a dict or list of them (looked
    # into item by item only where one is there: its __builtins__ holds none, told at once,
    # in C), a default argument; by type alone, as a stand-in raises at any attribute.
    held, ids = vars(builtins), watching.keys()  # (Python's own names: getattr's is put
    for key, value in list(space.items()) if isinstance(space, dict) else ():  # in place there)
        if id(value) in ids:
            swap(space, key, value)
        kind = type(value)
        if (kind is dict or kind is list) and value is not held and not ids.isdisjoint(
                map(id, value.values() if kind is dict else value)):
            for k, item in list(value.items() if kind is dict else enumerate(value)):
                swap(value, k, item)
        defaults = value.__defaults__ if kind is types.FunctionType else None
        if isinstance(defaults, tuple) and any(id(d) in watching for d in defaults):
            undo.append((value, "__defaults__", defaults))
            value.__defaults__ = tuple(watching.get(id(d), d) if reals.get(id(d)) is d
                                       else d for d in defaults)


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
        for u in FORWARD.get("inputs", ()):
            if u and v != u and abs(v - u) <= SMALL * abs(u) and abs(v - u) < 1.0:
                SHIFTED.append(f"{name}({v!r}), next to the input {u!r}{here()}")
                return


def numbers_at(name: str, x: Any) -> list[float]:
    """The plain numbers the op's function ``name`` was evaluated at, of ``x``: itself, or an
    array's first ones; none for a complex number (noticed) or a watched one (``notice_shift``
    looks at it)."""
    if isinstance(x, complex):
        SEEN.append(f"{name}({x!r}){here()}")
        return []
    if isinstance(x, Watched):
        notice_shift(name, x)
        return []
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(x, numpy.ndarray):
        if x.dtype.kind == "c":
            SEEN.append(f"{name} of an array of complex numbers{here()}")
            return []
        return [float(v) for v in x.ravel()[:16]] if x.dtype.kind == "f" else []
    return [x] if isinstance(x, float) else []
