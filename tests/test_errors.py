"""errors.py: a wrong number or argument raises an error that names the op or the function,
shows what it got, and says what to do."""

import math

import pytest

from tinygrad_edu import DomainError, Value, unary_op


@pytest.mark.parametrize("bad, words", [
    ("abc", "got str 'abc'"), (None, "got NoneType None"), ([1.0], "got list [1.0]"),
    (1 + 2j, "got complex (1+2j)"),
])
def test_non_numeric_data_is_rejected_with_what_was_passed(bad, words):
    with pytest.raises(TypeError, match="Value needs a real number") as info:
        Value(bad)
    assert words in str(info.value)


def test_a_value_inside_a_value_gets_a_hint():
    with pytest.raises(TypeError, match=r"v\.data"):
        Value(Value(1.0))


def test_unsupported_operand_types_raise_type_error():
    with pytest.raises(TypeError, match="unsupported operand"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="unsupported operand"):
        "a" - Value(2.0)


def test_backward_rejects_a_non_numeric_seed():
    with pytest.raises(TypeError, match=r"backward\(grad\) needs a real number"):
        Value(1.0).backward("1")


@pytest.mark.parametrize("method", ["sin", "cos"])
@pytest.mark.parametrize("x", [math.inf, -math.inf])
def test_trig_of_an_infinity_names_the_op_and_the_value(method, x):
    with pytest.raises(DomainError, match=rf"{method}: not defined at {x!r} .*earlier step"):
        getattr(Value(x), method)()


def test_a_user_op_that_overflows_names_itself():
    grow = unary_op("grow", math.exp, lambda x, y: y, register_op=False)
    with pytest.raises(OverflowError, match=r"grow: the result or its derivative at 1000\.0 is "
                                            "too large for a float"):
        grow(Value(1000.0))
    with pytest.raises(OverflowError, match="grow: "):
        grow(1000.0)
