"""What reaches a compiled function through a Value (its class, its label, its ``_data``) and
what it leaves in the caller's objects, attacked as a learner's code does it (found by an
independent attacker, each silently wrong before): the engine's numbers bit for bit, native
and Python."""

import json
import warnings

import pytest

from tests.program.test_sources import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

W = Value(2.0)


class Doubled(Value):
    def __mul__(self, other):
        return Value.__mul__(self, other) * 2.0


def times_w(x):
    return x * W


@pytest.mark.parametrize("native", [True, False])
def test_a_value_subclass_given_after_a_plain_value_has_a_program_of_its_own(native):
    """Before: 2.0 where the engine gives 4.0 (the plain Value's program ran on the
    subclass)."""
    step = compile(times_w, native=native)
    for x in (Value(1.0), Doubled(1.0), Value(3.0), Doubled(-2.0)):
        same(step, times_w, [W], x)
    assert step.captures == 2


MEMO = {}
SEEN = set()


def memoized(x):
    k = round(x.data, 1)
    if k not in MEMO:
        MEMO[k] = (x.data * 2, [x.data])
    SEEN.add(x.data + 1.0)
    return W * MEMO[k][0]


def test_no_followed_number_leaks_into_a_dict_under_a_float_key():
    """Before: ``type(MEMO[0.1])`` was the capture's ``Traced`` (``json.dumps`` raised
    "Object of type float is not JSON serializable")."""
    step = compile(memoized)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        step(Value(0.11))
    (number, items), = MEMO.values()
    assert type(number) is float and [type(v) for v in items] == [float]
    assert [type(v) for v in SEEN] == [float]
    assert json.loads(json.dumps(MEMO)) == {"0.1": [0.22, [0.11]]}
