"""A math function the engine's rows call, replaced (a learner's clamp against "math range
error", ``math.exp = lambda x: exp(min(x, 10.0))``; ``safe_math.step``, leaky_relu's slope):
the engine and the Python program call the replacement, a native program C's own library.
Before, native gave exp(12.0) where the engine gave exp(10.0), silently (an attacker's, a64k
S5); now a native run, finding one not Python's own, runs the Python program for that call."""

import math

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value, safe_math
from tinygrad_edu.program import compile

W = Value(2.0)


@pytest.mark.parametrize("module, name, replacement, f, xs", [
    (math, "exp", lambda x: math.e ** min(x, 10.0), lambda x: (W * x).exp(), (4.0, 5.0, 6.0)),
    (safe_math, "step", lambda x, below: 1.0, lambda x: (W * x).leaky_relu() * 3.0,
     (-1.5, -2.5))], ids=["math.exp", "safe_math.step"])
def test_a_native_program_gives_the_engines_numbers_with_a_math_function_replaced(
        module, name, replacement, f, xs):
    own = getattr(module, name)
    step = compile(f)
    step(xs[0])  # (captured, with Python's own function)
    setattr(module, name, replacement)
    try:
        for x in xs:
            same(step, f, [W], x)  # (the value and the gradient, bit for bit)
    finally:
        setattr(module, name, own)
