"""NumPy's numbers (an item of a float64 array given, ``np.float64(0.5)``; the bools its
comparisons give and the int64 a sum of them gives, as micrograd's demo's accuracy) computed
by the native program as NumPy computes them: each operator and function native.c spells, at
every pair of edge numbers, against the Python program (which runs NumPy's own operators),
under NumPy's default error mode and under ``np.errstate(all="raise")``: the same number bit
for bit, the same NumPy warning or error (a division by zero is inf with a RuntimeWarning,
not Python's ZeroDivisionError; an overflow inf, not OverflowError; an underflow raised
where NumPy is asked to). Where the numbers and the result are ordinary, C runs the call to
the end (issue 64: before, a program of NumPy's numbers ran as Python only). Python's ints
too: an int's 0 has no sign (``-k`` of 0 was -0.0 in C, so ``w * -k`` gave -0.0 for 0.0)."""

from __future__ import annotations

import itertools
import math
import operator
import warnings

import pytest

from tests.program.native_support import bits, needs_compiler, quiet_native
from tinygrad_edu import OPS, Value
from tinygrad_edu.program.native import why_not_native
from tinygrad_edu.program.number_steps import (
    COMPARED,
    as_float,
    floor_divide,
    is_integer,
    modulo,
    power,
    total,
)
from tinygrad_edu.program.program import Program
from tinygrad_edu.program.tape import NumberStep, Step, Tape

np = pytest.importorskip("numpy")

EDGES = {"float64": [0.0, -0.0, 1.0, -1.5, 3.0, 1e308, -1e-300, 5e-324, 1e-200, 400.0,
                     math.inf, math.nan],
         "int64": [0, 1, -3, 7, 2**53 + 1, 2**62, -2**63],  # (a sum of bools: micrograd's demo's
         "bool_": [False, True],  # accuracy, sum((yi > 0) == (s.data > 0) ...) / len(...))
         "int": [0, 1, -3, 7, 2**53 + 1]}  # (Python's: its 0 has no sign, as int64's)
FUNCTIONS = [(operator.add, "+", 2), (operator.sub, "-", 2), (operator.mul, "*", 2),
             (operator.truediv, "/", 2), (power, "**", 2), (operator.neg, "-x", 1),
             (abs, "abs", 1), (floor_divide, "//", 2), (modulo, "%", 2), (max, "max", 2),
             (min, "min", 2), (total, "sum", 2), (math.exp, "exp", 1), (math.sqrt, "sqrt", 1),
             (is_integer, "is_integer", 1), *[(COMPARED[op], op, 2) for op in COMPARED]]


def numpy_tape(function, name: str, arity: int, kind: type) -> tuple[Tape, Value]:
    """A tape as a capture makes one of an array given: ``x * float(function(items...))``,
    the items NumPy's float64 numbers (inputs), each slot's kind what NumPy gives."""
    tape, x = Tape(), Value(1.5)
    leaf = tape.slot()
    tape.leaves.append((leaf, x))
    inputs = [tape.slot() for _ in range(arity)]
    tape.numbers += [(slot, k) for k, slot in enumerate(inputs)]
    computed, plain, out = tape.slot(), tape.slot(), tape.slot()
    tape.kinds.update({slot: kind for slot in inputs})
    tape.kinds[computed] = type(function(*[kind(3)] * arity))
    tape.steps += [NumberStep(name, function, computed, tuple(inputs)),
                   NumberStep("float", as_float, plain, (computed,)),
                   Step(OPS["*"], out, (leaf, plain), (True, False))]
    tape.root = out
    return tape, x


def quiet_spelled(tape: Tape) -> bool:
    """Whether native.c spells ``tape`` (ints and bools of NumPy's: not every op)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return why_not_native(tape) == ""


def outcome(program, x: Value, numbers: list, mode: str) -> tuple:
    """The output and x's gradient (as bits), or the error raised, and NumPy's warnings,
    under NumPy's error mode ``mode``."""
    x.grad = 0.0
    with warnings.catch_warnings(record=True) as said, np.errstate(all=mode, under=(
            "ignore" if mode == "warn" else mode)):
        warnings.simplefilter("always")
        try:
            out = program.run(numbers)
            found: tuple = (out, x.grad, bits(out), bits(x.grad))
        except (ArithmeticError, ValueError, TypeError) as error:
            found = (type(error).__name__, str(error))
    return found, [str(w.message) for w in said]


@needs_compiler
@pytest.mark.parametrize("kind", sorted(EDGES))
@pytest.mark.parametrize("function, name, arity", FUNCTIONS, ids=[f[1] for f in FUNCTIONS])
def test_numpys_numbers_run_natively_as_numpy_computes_them(function, name, arity, kind):
    name_of, kind = kind, int if kind == "int" else getattr(np, kind)
    try:
        tape, x = numpy_tape(function, name, arity, kind)
    except (TypeError, ValueError):  # (-np.True_, np.int64 ** -np.int64: NumPy's errors)
        return
    if kind is not np.float64 and not quiet_spelled(tape):
        return
    native, python = quiet_native(tape), Program(tape)
    for pair in itertools.product(EDGES[name_of], repeat=arity):  # (every pair)
        numbers = [kind(n) for n in pair]
        for mode in ("warn", "raise"):
            before = native.fallbacks
            expected, got = outcome(python, x, numbers, mode), outcome(native, x, numbers, mode)
            assert got[0][2:] == expected[0][2:] and got[1] == expected[1], (pair, mode)
            try:  # (where NumPy and math say nothing, and the numbers are finite: C to the end)
                with np.errstate(all="raise"):
                    result = float(function(*numbers))
            except (ArithmeticError, ValueError):
                continue
            tiny = 0 < abs(result) < 2.3e-308 if name == "**" else (  # (Python reads errno;
                name == "%" and pair[0] != 0 and  # C's % computes a / b, which may underflow)
                pair[1] != 0 and abs(pair[0] / pair[1]) < 2.3e-308)
            if isinstance(expected[0][0], float) and not tiny and all(map(
                    math.isfinite, [*pair, result, *expected[0][:2]])) and (
                    kind is np.float64 or all(abs(n) < 2**53 for n in [*pair, result])):
                with np.errstate(all=mode):  # (C runs the call: a tuple, not _STOPPED)
                    ran = native._native([x.data], [0.0], numbers, 1.0)
                assert native.fallbacks == before and type(ran) is tuple, (pair, mode)
