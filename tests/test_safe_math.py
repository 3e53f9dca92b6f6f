"""checked.py: the op table's forward functions refuse what ``math`` would refuse with a bare
"math domain error" (or answer wrongly), and say which op, at which numbers, and why."""

import math

import pytest

from tinygrad_edu import DomainError, Value, dot, vsum


@pytest.mark.parametrize("make, error, words", [
    (lambda: Value(-2.0).log(), DomainError, "log: got -2.0"),
    (lambda: Value(0.0).log(), DomainError, "log: got 0.0"),
    (lambda: Value(-1.0).sqrt(), DomainError, "sqrt: got -1.0"),
    (lambda: Value(3.0) / 0, ZeroDivisionError, r"/: division by zero in 3\.0 / 0\.0"),
    (lambda: 3.0 / Value(0.0), ZeroDivisionError, "division by zero"),
    (lambda: Value(-2.0) ** Value(2.0), DomainError, r"base -2\.0 is negative"),
    (lambda: 2.0 ** Value(-2.0) * 0 + (-2.0) ** Value(2.0), DomainError, "exponent is a Value"),
    (lambda: Value(-8.0) ** (1 / 3), DomainError, "not a real number"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, "negative power"),
    (lambda: Value(10.0) ** 400, OverflowError, r"\*\*: 10\.0 \*\* 400"),
    (lambda: Value(1000.0).exp(), OverflowError, r"exp: exp\(1000\.0\) is too large"),
])
def test_numeric_errors_name_the_op_and_the_value(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_sums_overflow_and_cancel_as_float_arithmetic_does_and_stay_exact_otherwise():
    assert vsum([1e308, 1e308]).data == math.inf
    assert vsum([-1e308, -1e308]).data == -math.inf
    assert math.isnan(vsum([math.inf, -math.inf]).data)
    assert vsum([1e308, 1e308, -1e308]).data == 1e308  # only a partial sum overflowed
    assert dot([1e200, -1e200], [1e200, 1e200]).data == 0.0  # the products overflow, w·x is 0
    assert dot([1e200, 1e200], [1e200, 1e200]).data == math.inf
    assert math.isnan(dot([math.inf, 1.0], [1.0, math.nan]).data)
    w = [Value(1e308), Value(1e308)]
    s = vsum(w)
    s.backward()
    assert [v.grad for v in w] == [1.0, 1.0]
