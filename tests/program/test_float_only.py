"""A number read from a Value (``z.data``) given to Python's code that takes a float object
only and checks so in C, where no capture sees it (``float.__mul__(z.data, 2.0)``): the
capture raised "descriptor '__mul__' requires a 'float' object but received a 'Traced'",
its own object's name, where the engine gives a number; caught by the learner's code, the
program took the except branch, silently. Both are refused, naming the line and saying to
use the operator; an exception the engine raises too, caught, is the engine's."""

import datetime
import math

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.7)


def times_two(x):
    z = W * x
    return z * float.__mul__(z.data, 2.0)


def caught(x):
    z = W * x
    try:
        r = float.__mul__(z.data, 2.0)
    except TypeError:
        r = 1.0
    return z * r


def hexed(x):
    z = W * x
    return z * float(len(float.hex(z.data)))


@pytest.mark.parametrize("f", [times_two, caught, hexed], ids=["raised", "caught", "hex"])
@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_followed_number_given_to_code_that_takes_a_float_only_is_refused(f, native):
    with pytest.raises(RuntimeError, match=r"takes a float object only.*a followed number"
                                           r"\), at test_float_only\.py:\d+: .*use the "
                                           r"operator \(z\.data \* 2\.0\) or the number's "
                                           r"own method"):
        compile(f, native=native)(Value(1.5))


def engines_own(x):
    z = W * x
    try:
        r = math.log(z.data - 2.0)
    except ValueError:
        r = 0.5
    try:
        n = len(r)
    except TypeError:
        n = 3
    return z * r + n


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_what_the_engine_raises_too_caught_is_the_engines(native):
    step = compile(engines_own, native=native)
    for x in (1.5, 5.0, 1.0):
        same(step, engines_own, [W], Value(x))


def as_a_duration(x):
    z = W * x
    return z * datetime.timedelta(seconds=z.data).total_seconds()


def duration_caught(x):
    z = W * x
    try:
        d = datetime.timedelta(seconds=z.data).total_seconds()
    except TypeError:  # (the engine's float never gets here: before, the program did)
        d = 0.0
    return z * d


def pickled_args(x):
    z = W * x
    return z * z.data.__getnewargs__()[0]


@pytest.mark.parametrize("f, said", [
    (as_a_duration, r"it gives .* takes a float object only, which a capture cannot follow "
                    r"\(unsupported type for timedelta seconds component: a followed number\), "
                    r"at test_float_only\.py:\d+: return z \* "
                    r"datetime\.timedelta\(seconds=z\.data\).*compute what needs it outside"),
    (duration_caught, r"it gives .* takes a float object only, .*, at test_float_only\.py:\d+: "
                      r"d = datetime"
                      r"\.timedelta\(seconds=z\.data\)"),
    (pickled_args, r"it reads '__getnewargs__' of a number read from a Value .* at "
                   r"test_float_only\.py:\d+: return z \* z\.data\.__getnewargs__\(\)\[0\]; "
                   r"compute what needs it outside")], ids=["raised", "caught", "attribute"])
def test_a_followed_number_given_to_the_standard_library_s_c_code_is_refused_in_our_words(
        f, said):
    """``datetime.timedelta(seconds=z.data)`` raised "unsupported type for timedelta seconds
    component: Traced", the capture's own class, where the engine gives a number; caught, the
    program took the except branch: 0.0 where the engine gives 0.9604 (an attacker's L2)."""
    assert f(Value(1.4)).data == pytest.approx(0.98 * 0.98)  # (the engine's: a number)
    with pytest.raises(RuntimeError, match=rf"{f.__name__} cannot be captured as a program: "
                                           f"{said}"):
        compile(f)(Value(1.4))


def no_length(x):
    z = W * x
    return z * len(z.data)


def test_an_error_the_engine_raises_too_is_said_in_the_engines_words():
    with pytest.raises(TypeError) as engines:
        no_length(Value(1.0))
    with pytest.raises(TypeError) as ours:
        compile(no_length)(Value(1.0))
    assert str(ours.value) == str(engines.value) == "object of type 'float' has no len()"
