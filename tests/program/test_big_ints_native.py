"""A program holding an int too large for a double runs as Python, said, with the engine's
numbers: found by an independent attacker, ``(c + 1) * 10**400 // 10**399`` of
a count ``c`` raised "OverflowError: int too large to convert to float" natively (the engine and
``native=False``: 15.0) while the native program packed its constants."""

import pytest

from tests.program.against_engine import bits
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.native import NativeUnavailable

W = Value(0.75)


def counted(a, b):
    c = (a.data > 0) + (b.data > 0)
    return W * float((c + 1) * 10**400 // 10**399)


def test_an_int_too_large_for_a_double_runs_as_python_with_the_engines_numbers():
    with pytest.warns(NativeUnavailable, match=r"an int too large for a float"):
        step = compile(counted)
        first = step(Value(0.5), Value(-1.0))
    assert step.program().kind == "Python"
    assert bits(first.data) == bits(counted(Value(0.5), Value(-1.0)).data)
    for a, b in [(-0.5, -1.0)]:
        assert bits(step(Value(a), Value(b)).data) == bits(counted(Value(a), Value(b)).data)
