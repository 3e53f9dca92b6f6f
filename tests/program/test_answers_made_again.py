"""What a compiled function returns beside its Values is made again at every call, or refused:
found by an independent attacker, an object other than a Value, a number,
a list, a tuple, a dict or a dataclass came back as the capture's own object at every call (an
object holding a Value: 1.0 1.0 1.0 where the engine gives 1.0 2.0 3.0, and its backward()
through the capture's graph; a generator exhausted; a deque or a bytearray shared between
calls; a defaultdict made a plain dict: KeyError)."""

import collections
import types
from dataclasses import dataclass

import numpy as np
import pytest

from tests.program.against_engine import bits
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.5)


class Aux:
    def __init__(self, pred):
        self.pred = pred


@dataclass
class Log:
    note: str
    lines: list


REFUSED = {
    "an object holding a Value": (lambda x: (W * x, Aux(W * x * 2.0)), r"\.Aux at answer\[1\]"),
    "a closure": (lambda x: (W * x, lambda: (W * x).data), r"class function .* at answer\[1\]"),
    "a generator": (lambda x: (W * x, (v.data for v in [W * x])), r"class generator"),
    "a deque of numbers read": (lambda x: (W * x, collections.deque([(W * x).data])),
                                r"collections\.deque"),
    "an array of Values": (lambda x: (W * x, np.array([W * x, W * x * 2])), r"numpy\.ndarray"),
    "a namespace in a list": (lambda x: (W * x, [types.SimpleNamespace(a=(W * x).data)]),
                              r"types\.SimpleNamespace .* at answer\[1\]\[0\]"),
    "a zip": (lambda x: (W * x, zip([(W * x).data], "a")), r"class zip"),
}


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_an_object_a_program_cannot_make_again_is_refused_naming_where(case, native):
    f, where = REFUSED[case]
    with pytest.raises(TypeError, match=where + r".*: a program cannot make it again, .* Return "
                                        r"what it holds instead"):
        compile(f, native=native)(1.0)


def _kept(x):
    return (W * x, collections.defaultdict(float, {"loss": (W * x).data}),
            collections.Counter({"a": (W * x).data}), collections.OrderedDict(p=W * x * 3.0),
            Log("ok", [(W * x).data, "s", None, np.float64(2.0), frozenset({1}), float]))


@pytest.mark.parametrize("native", [True, False])
def test_a_dict_of_its_own_class_and_a_dataclass_are_made_again_with_the_calls_numbers(native):
    step = compile(_kept, native=native)
    seen = []
    for x in (1.0, 2.0, 3.0):
        ours, theirs = step(x), _kept(x)
        assert [type(a) for a in ours[1:]] == [type(a) for a in theirs[1:]]
        assert ours[1]["acc"] == theirs[1]["acc"] == 0.0  # (a defaultdict's own default)
        assert bits(ours[1]["loss"]) == bits(theirs[1]["loss"])
        assert bits(ours[2]["a"]) == bits(theirs[2]["a"])
        assert bits(ours[3]["p"].data) == bits(theirs[3]["p"].data)
        assert ours[4].lines == theirs[4].lines
        ours[4].lines.append("+")  # (the caller's change stays in its own call's answer)
        seen.append(ours[4])
    assert [len(log.lines) for log in seen] == [7, 7, 7]
    assert step.captures == 1


HELD = Aux(W)
CFG = types.SimpleNamespace(lr=0.1)


def with_held(x):
    return W * x, HELD, CFG


@pytest.mark.parametrize("native", [True, False])
def test_an_object_from_outside_returned_is_that_very_object_as_in_the_engine(native):
    global HELD
    step = compile(with_held, native=native)
    for x in (1.0, 2.0):
        ours = step(x)
        assert bits(ours[0].data) == bits(with_held(x)[0].data)
        assert ours[1] is HELD and ours[2] is CFG
    HELD = Aux(W * 3.0)  # (the global bound to another: that one, at the next call)
    assert step(1.0)[1] is HELD


def copied(x):
    return W * x, bytearray(b"log:"), np.array([x, 2.0 * x]), collections.deque([1, 2]), {3}


@pytest.mark.parametrize("native", [True, False])
def test_an_array_of_numbers_a_bytearray_a_deque_or_a_set_of_constants_is_a_copy_each_call(
        native):
    step = compile(copied, native=native)
    for x in (1.0, 2.0, 3.0):
        ours, theirs = step(x), copied(x)
        assert ours[1] == theirs[1] and list(ours[2]) == list(theirs[2])
        assert (ours[3], ours[4]) == (theirs[3], theirs[4])
        ours[1].extend(b"+")  # (the caller's change stays in its own call's answer)
        ours[3].append(0)
