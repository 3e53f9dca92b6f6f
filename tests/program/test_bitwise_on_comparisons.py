"""Bitwise operators on comparison results and counts give Python's numbers (or Python's own
error): found by an independent attacker, ``(a.data > 0) & (b.data > 0)``,
``^``, ``~``, ``<<`` raised "unsupported operand type(s) for &: 'Traced' and 'Traced'" (a
class of the capture's) where the engine gives a number. Their operands are constants guarded
to the bit: another outcome is captured again."""

import pytest

from tests.program.against_engine import bits
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.75)



def forms(a, b):
    x, y = a.data > 0, b.data > 0
    return (W * float(x & y), W * float(x | y), W * float(x ^ y), W * float(~x),
            W * float(x << 2), W * float(8 >> (x + y)), W * float(1 << (x + y + 60)))


@pytest.mark.parametrize("native", [True, False])
def test_bitwise_operators_on_comparisons_give_the_engines_numbers(native):
    step = compile(forms, native=native)
    for a, b in [(0.5, -1.0), (-0.5, 2.0), (0.5, -1.0)]:
        ours, theirs = step(Value(a), Value(b)), forms(Value(a), Value(b))
        assert [bits(r.data) for r in ours] == [bits(v.data) for v in theirs]
        W.grad = 0.0
        ours[0].backward()
        got = W.grad
        W.grad = 0.0
        theirs[0].backward()
        assert bits(got) == bits(W.grad)


def test_a_bitwise_operator_on_floats_raises_pythons_error():
    def f(a):
        return W * ((a.data * 2.0) & 1)

    with pytest.raises(TypeError, match=r"^unsupported operand type\(s\) for &: 'float' and "
                                        r"'int'$"):
        compile(f)(Value(0.5))
