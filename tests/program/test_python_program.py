"""A graph's program, run as Python, gives the engine's numbers bit for bit: the output, and
every leaf's gradient added to what it held, on random graphs of every op with shared nodes,
constants on either side and edge numbers (tests/differential/programs.py makes them)."""

import math
import struct

import pytest

from tests.differential.programs import generate
from tinygrad_edu import Value
from tinygrad_edu.program.program import Program
from tinygrad_edu.program.tape import tape_of


def bits(x: float) -> bytes:
    """A float's bits, every NaN the same (NaN's payload is not a number's meaning)."""
    return b"nan" if x != x else struct.pack("<d", x)


@pytest.mark.parametrize("seed", range(300))
def test_a_random_graphs_program_gives_the_engines_numbers(seed):
    _, nodes = generate(seed)
    root = nodes[-1]
    leaves = [n for n in nodes if n._row is None]
    for k, leaf in enumerate(leaves):  # (gradients already there add up)
        leaf.grad = [0.0, 1.5, -0.25][k % 3]
    tape = tape_of(root)
    program = Program(tape)
    before = [leaf.grad for leaf in leaves]
    out = program.run()
    ours = [leaf.grad for leaf in leaves]
    for leaf, grad in zip(leaves, before):
        leaf.grad = grad
    try:
        root.backward()
    except (ArithmeticError, ValueError):
        pytest.skip("the engine's backward raises here (the program raises too: another test)")
    assert bits(out) == bits(root.data)
    assert [bits(g) for g in ours] == [bits(leaf.grad) for leaf in leaves], program.source()


def test_the_source_reads_as_the_chain_rule():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b).tanh()
    c.label = "c"
    source = Program(tape_of(c)).source()
    assert "x2 = x0 * x1  # a * b" in source
    assert "d3_0 = (1 - x3 * x3)" in source  # tanh's rule, written out
    assert "g2 += d3_0 * g3  # ∂x3/∂x2 = 1 - c²" in source
    assert source.index("# backward") > source.index("x3 = tanh(x2)")


def test_an_error_is_the_engines():
    x = Value(2.0)
    y = (x - 1.0).log()
    program = Program(tape_of(y))
    x.data = 0.5  # (log of -0.5 now)
    with pytest.raises(Exception) as raised:
        program.run()
    with pytest.raises(type(raised.value)) as engine:
        (x - 1.0).log()
    assert str(raised.value) == str(engine.value)
    assert math.isfinite(x.grad)
