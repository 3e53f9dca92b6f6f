"""What reaches a compiled function through a Value (its class, its label, its ``_data``) and
what it leaves in the caller's objects, attacked as a learner's code does it (found by an
independent attacker, each silently wrong before): the engine's numbers bit for bit, native
and Python."""

import json
import warnings

import pytest

from tests.program.against_engine import same
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


DECAYED = [Value(0.3 * k - 0.5) for k in range(4)]


def decayed(x):
    acc = x * 0.0
    for p in DECAYED:
        acc = acc + (p * x if p.label == "decay" else p * 2.0)
    return acc


@pytest.mark.parametrize("native", [True, False])
def test_a_branch_on_a_label_a_value_does_not_have_yet_is_guarded(native):
    """Before: a label given after the capture to a Value that had none (the class's "") was
    not seen (0.4 where the engine gives 0.5)."""
    step = compile(decayed, native=native)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for k, label in enumerate(["", "decay", "decay", "", ""]):
            DECAYED[k % 4].label = label
            same(step, decayed, DECAYED, Value(1.5))
    for p in DECAYED:
        vars(p).pop("label", None)
    assert step.captures == 3  # (the labels as first, then 1 and 2 each "decay")


def of_fields(x):
    return W * x._data + x * W._data


def by_name(x):
    return W * getattr(x, "_data")  # noqa: B009 (as a learner writes it)


@pytest.mark.parametrize("native", [True, False])
def test_the_engines_own_field_read_by_the_learner_is_followed(native):
    """``x._data`` (a learner who read engine.py) is ``x.data``: an argument's is read at
    every call, a parameter's too. Before, the first call's number was kept for an argument
    (2.0 where the engine gives 6.0), and a parameter's was a constant, captured again as
    it changed; ``getattr(x, "_data")`` alone kept the first number after that."""
    for f in (of_fields, by_name):
        step = compile(f, native=native)
        for k, x in enumerate((1.0, 3.0, -2.0, 0.5)):
            W.data = 2.0 + k
            same(step, f, [W], Value(x))
        W.data = 2.0
        assert step.captures == 1
