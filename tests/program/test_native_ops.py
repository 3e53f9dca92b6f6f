"""Each op's C spelling (tinygrad_edu/program/native.c) against the engine's row, bit for bit,
in float64 (hypothesis, derandomized: every rule, every edge number, a plain number on either
side, the output's gradient any size); MASKED; exact sums; nodes made by hand; plain numbers
computed from the data; guards. Where the numbers are finite, C runs to the end except where
``expected_stop`` says (each such place is stated in native.c)."""

from __future__ import annotations

import math
import operator
import sys

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from tests.differential.programs import EDGE_NUMBERS
from tests.program.native_support import bits, both, needs_compiler, outcome_of, quiet_native
from tinygrad_edu import OPS, Value, dot, vsum
from tinygrad_edu.program.native import GUARDS, native_program
from tinygrad_edu.program.number_steps import COMPARED
from tinygrad_edu.program.program import Program
from tinygrad_edu.program.reading import operands_of
from tinygrad_edu.program.tape import Check, NumberStep, Step, Tape, tape_of


@needs_compiler
def test_masked_passes_nothing_back_even_an_infinite_gradient():
    """relu at or below 0, x ** 0 and 0 ** y towards y pass 0 back whatever arrives: here
    an infinite gradient, from sqrt at 0 (where 0 × inf would be NaN)."""
    x, y = Value(-1.0), Value(0.5)
    cases = [lambda: x.relu().sqrt(), lambda: (x ** 0.0 - 1.0).sqrt(),
             lambda: ((x * 0.0) ** y).sqrt() + (x * 0.0) ** 2.0]
    for graph in cases:
        program = quiet_native(tape_of(graph()))
        for number in (-1.0, 0.0, -0.0):
            x.data, x.grad, y.grad = number, 0.0, 0.0
            ours, engine = both(graph(), [x, y], program.run)
            assert ours == engine, (program.python.source(), number)
        assert program.fallbacks == 0


@needs_compiler
def test_a_sum_of_negative_zeros_is_fsums_positive_zero():
    x = Value(-0.0)
    for graph in (lambda: vsum([x]), lambda: vsum([x, -0.0]), lambda: dot([x], [1.0])):
        program = quiet_native(tape_of(graph()))
        assert bits(program.run()) == bits(graph().data) == bits(0.0)


@needs_compiler
def test_nodes_made_by_hand_keep_their_given_numbers():
    def gelu_by_hand(a, b):  # (a node named after the function that made it)
        return Value(a.data * b.data + 1.0, (a, b, a), (b.data, a.data, math.inf))

    a, b = Value(1.5), Value(-2.0)
    node = gelu_by_hand(a, b) * a
    program = quiet_native(tape_of(node))
    a.grad, b.grad = 0.5, 0.0
    ours, engine = both(node, [a, b], program.run)
    assert ours == engine and program.fallbacks == 0


def number_tape(function, name: str, arity: int) -> tuple[Tape, Value]:
    """A tape by hand, as a capture makes one: ``x * function(number inputs...)`` where the
    plain number is computed at every run from the numbers given."""
    tape, x = Tape(), Value(1.5)
    leaf = tape.slot()
    tape.leaves.append((leaf, x))
    inputs = [tape.slot() for _ in range(arity)]
    tape.numbers += [(slot, k) for k, slot in enumerate(inputs)]
    computed = tape.slot()
    tape.steps.append(NumberStep(name, function, computed, tuple(inputs)))
    out = tape.slot()
    tape.steps.append(Step(OPS["*"], out, (leaf, computed), (True, False)))
    tape.root = out
    return tape, x


@needs_compiler
@pytest.mark.parametrize("function, name, arity", [
    (operator.add, "+", 2), (operator.sub, "-", 2), (operator.mul, "*", 2),
    (operator.truediv, "/", 2), (operator.pow, "**", 2), (operator.neg, "-x", 1),
    (abs, "abs", 1), (max, "max", 3), (min, "min", 2),
    *[(COMPARED[op], op, 2) for op in COMPARED]])
def test_plain_numbers_computed_from_the_data_are_pythons(function, name, arity):
    tape, x = number_tape(function, name, arity)
    program, python = quiet_native(tape), Program(tape)
    for numbers in ([2.5, -0.75, 3.0], [-2.0, 3.0, 0.5], [0.0, 0.0, -1.0], [-8.0, 1 / 3, 0.0],
                    [1e308, 10.0, 2.0], [math.inf, 1.0, 0.0], [0.5, 0.5, 0.5], [-0.0, 0.0, 1.0],
                    [1.0, math.nan, 2.0]):
        numbers = numbers[:arity]
        x.grad = 0.0
        try:
            expected: tuple = (python.run(numbers), x.grad)
        except (ArithmeticError, ValueError, TypeError) as error:
            expected = (type(error), str(error))
        x.grad, before = 0.0, program.fallbacks
        try:
            got: tuple = (program.run(numbers), x.grad)
        except (ArithmeticError, ValueError, TypeError) as error:
            got = (type(error), str(error))
        assert tuple(map(repr, got)) == tuple(map(repr, expected)), numbers
        if all(map(math.isfinite, numbers)) and isinstance(expected[0], float) and \
                math.isfinite(expected[0]):  # (ordinary numbers: C runs to the end)
            assert program.fallbacks == before, numbers


@needs_compiler
@pytest.mark.parametrize("op", sorted(GUARDS))
def test_guards_compare_as_python_does(op):
    """A guard between a leaf's number and a constant, at the edges of each comparison: the
    same number, a NaN, a zero of either sign (None where it fails, as the Python program)."""
    tape, x = Tape(), Value(2.0)
    leaf, out = tape.slot(), tape.slot()
    tape.leaves.append((leaf, x))
    tape.steps.append(Step(OPS["*"], out, (leaf, leaf), (True, True)))
    tape.root = out
    for constant in (0.5, -0.0, math.nan):
        for outcome in (True, False):
            tape.guards[:] = [Check(op, leaf, constant, outcome, "here")]
            program, python = quiet_native(tape), Program(tape)
            for number in (0.5, 0.25, 1.0, -0.0, 0.0, math.nan):
                args = ([number], [0.0], [], 1.0)
                assert outcome_of(program.function, *args) == outcome_of(python.function, *args)


# ----------------------------------------------------------------------------- each op's C spelling

NUMBERS = st.one_of(st.sampled_from(EDGE_NUMBERS), st.floats(-5.0, 5.0),
                    st.floats(allow_nan=True, allow_infinity=True))
UNARY = ["neg", "exp", "log", "sqrt", "tanh", "sigmoid", "sin", "cos", "relu", "abs"]
BINARY = ["+", "-", "*", "/", "**"]


def rule_checked(graph, numbers: list[float], factor: float) -> None:
    """``graph(*leaves)`` built at ordinary numbers, taped, then run natively at ``numbers``:
    the engine's number and gradients (its error where it raises), the output's gradient
    ``factor`` (a node ``out * factor``, factor a leaf). With finite numbers C must run to the
    end, except where ``expected_stop`` says."""
    leaves = [Value(0.5) for _ in numbers]
    scale = Value(1.0)
    for start in (0.5, 2.0, -1.0, 0.0):  # (a plain number in the graph may refuse some)
        for leaf in leaves:
            leaf.data = start
        try:
            program = native_program(tape_of(graph(*leaves) * scale))
            break
        except (ArithmeticError, ValueError):
            continue
    else:
        return
    for leaf, number in zip(leaves, numbers):
        leaf.data = number
    scale.data = factor
    every = [*leaves, scale]
    for k, leaf in enumerate(every):
        leaf.grad = [0.0, -0.5, 1e-300][k % 3]
    try:
        root = graph(*leaves) * scale
    except (ArithmeticError, ValueError) as error:  # the forward raises: so must the program
        with pytest.raises(type(error)) as raised:
            program.run()
        assert str(raised.value) == str(error)
        return
    ours, engine = both(root, every, program.run)
    assert ours == engine, (numbers, factor)
    node = root.parents[0]
    operands = [x.data if isinstance(x, Value) else x for x in operands_of(node)]
    if all(map(math.isfinite, [*operands, *node.local_grads, node.data, root.data, factor])):
        assert program.fallbacks == 0 or expected_stop(node), (numbers, "C stopped")


def expected_stop(node: Value) -> bool:
    """Where the C code stops though every number is finite (its comments say each): a
    power whose result (or its derivative's a ** (b - 1)) is below the normal numbers, where
    Python reads errno; a sum whose partial sums overflow (fsum's OverflowError)."""
    name, operands = node._row.name, operands_of(node)
    numbers = [x.data if isinstance(x, Value) else x for x in operands]
    if name == "**":
        a, b = numbers
        if a == 0:
            return False
        small = [node.data]
        if isinstance(operands[0], Value) and b != 0:
            try:
                small.append(a ** (b - 1))
            except OverflowError:
                pass  # (then b·(y/a), in C too)
        return any(abs(y) < sys.float_info.min for y in small)
    if name in ("vsum", "dot"):
        half = len(numbers) // 2
        terms = numbers if name == "vsum" else [
            w * x for w, x in zip(numbers[:half], numbers[half:])]
        try:
            math.fsum(terms)
        except (OverflowError, ValueError):
            return True
    return False


PROPERTY = settings(max_examples=150, derandomize=True, database=None, deadline=None,
                    phases=[Phase.explicit, Phase.generate])


@needs_compiler
@pytest.mark.parametrize("name", UNARY)
@PROPERTY
@given(x=NUMBERS, factor=NUMBERS)
def test_each_unary_ops_c_spelling_is_the_engines_row(name, x, factor):
    rule_checked(lambda a: OPS[name](a), [x], factor)


@needs_compiler
@pytest.mark.parametrize("name", BINARY)
@PROPERTY
@given(a=NUMBERS, b=NUMBERS, factor=NUMBERS)
def test_each_binary_ops_c_spelling_is_the_engines_row(name, a, b, factor):
    rule_checked(lambda u, v: OPS[name](u, v), [a, b], factor)
    rule_checked(lambda u: OPS[name](u, b), [a], factor)  # a plain number on either side
    rule_checked(lambda v: OPS[name](a, v), [b], factor)


@needs_compiler
@PROPERTY
@given(x=NUMBERS, alpha=st.sampled_from([0.01, 0.0, 1.0, -0.5, 2.0, 1e-300]), factor=NUMBERS)
def test_leaky_relus_c_spelling_takes_its_alpha(x, alpha, factor):
    rule_checked(lambda a: a.leaky_relu(alpha), [x], factor)


@needs_compiler
@PROPERTY
@given(xs=st.lists(NUMBERS, min_size=1, max_size=6), plain=NUMBERS, factor=NUMBERS)
def test_vsums_c_spelling_is_fsum(xs, plain, factor):
    rule_checked(lambda *vs: vsum(vs), xs, factor)
    rule_checked(lambda *vs: vsum([*vs, plain]), xs, factor)


@needs_compiler
@PROPERTY
@given(pairs=st.lists(st.tuples(NUMBERS, NUMBERS), min_size=1, max_size=5), factor=NUMBERS)
def test_dots_c_spelling_is_the_exact_dot(pairs, factor):
    ws, xs = [w for w, _ in pairs], [x for _, x in pairs]
    n = len(pairs)
    rule_checked(lambda *vs: dot(vs[:n], vs[n:]), ws + xs, factor)
    rule_checked(lambda *vs: dot(vs, xs), ws, factor)  # plain numbers in the second list
    rule_checked(lambda *vs: dot(ws, vs), xs, factor)  # ... and in the first


@needs_compiler
@PROPERTY
@given(xs=st.lists(st.floats(-1e16, 1e16), min_size=2, max_size=12))
def test_exact_sums_round_half_to_even_across_partials(xs):
    """Cancellations and near-ties, where a naive sum, or a sum rounded twice, is wrong."""
    spread = [*xs, *(x * 1e-17 for x in xs), -xs[0], 1e-16]
    rule_checked(lambda *vs: vsum(vs), spread, 1.0)
