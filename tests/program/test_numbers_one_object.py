"""Numbers from outside the arguments tested by identity (issue 64): ``cfg[0] is DEFAULT``,
where ``cfg[0]`` is read at every call once it changed, or checked by its value. Whether two
places hold one float object is checked at every call where the code tests numbers by
identity; each call here is the engine's number, bit for bit (before, ``cfg[0] = DEFAULT``
after ``cfg[0] = 3.0`` ran the program of ``3.0``: the other branch, silently)."""

import operator
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

W = Value(2.0)
DEFAULT = float("1.5")  # (one float object; each `float(...)` below another)
BIG = 10 ** 6
cfg = [DEFAULT]
box = {"lr": DEFAULT}
pair = [DEFAULT, DEFAULT]


class Config:
    pass


conf = Config()
conf.lr = DEFAULT


def is_default():
    return W * (1.0 if cfg[0] is DEFAULT else 2.0)


def is_not_default():
    return W * (3.0 if cfg[0] is not DEFAULT else 5.0)


def local_then_is():
    x = cfg[0]
    return W * x * (1.0 if x is DEFAULT else 2.0)


def attribute_is():
    return W * conf.lr * (1.0 if conf.lr is DEFAULT else 2.0)


def item_is():
    return W * box["lr"] * (1.0 if box["lr"] is DEFAULT else 2.0)


def two_items_are_one():
    return W * pair[0] * (1.0 if pair[0] is pair[1] else 2.0)


def same_object(a, b):
    return a is b


def by_a_helper():
    return W * (1.0 if same_object(cfg[0], DEFAULT) else 2.0)


def by_operator():
    return W * (1.0 if operator.is_(cfg[0], DEFAULT) else 2.0)


def _calls(step, f, changes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for change in changes:
            change()
            same(step, f, [W])


def _set(holder, key, value):
    return lambda: holder.__setitem__(key, value)


@pytest.mark.parametrize("f", [is_default, is_not_default, local_then_is, by_a_helper,
                               by_operator])
def test_a_number_read_at_every_call_that_is_again_the_object_it_is_tested_against(f):
    """The number changes once (an input from then on), then holds DEFAULT again, then an
    equal float that is another object, then DEFAULT, then another number. (A helper or
    operator.is_ given it once it is read at every call was refused before.)"""
    step = compile(f)
    try:
        _calls(step, f, [lambda: None, _set(cfg, 0, 3.0), _set(cfg, 0, DEFAULT),
                         _set(cfg, 0, float("1.5")), _set(cfg, 0, DEFAULT), _set(cfg, 0, 4.0),
                         _set(cfg, 0, 5.0)])
    finally:
        cfg[0] = DEFAULT
    assert step.runs >= 4  # (no capture at every call: a program for each)


@pytest.mark.parametrize("f, holder, key", [(attribute_is, conf.__dict__, "lr"),
                                            (item_is, box, "lr")])
def test_an_attribute_or_an_item_that_is_again_the_object_it_is_tested_against(f, holder, key):
    step = compile(f)
    try:
        _calls(step, f, [lambda: None, _set(holder, key, 0.25), _set(holder, key, DEFAULT),
                         _set(holder, key, 0.125), _set(holder, key, float("1.5"))])
    finally:
        holder[key] = DEFAULT


def test_an_equal_number_that_is_another_object_is_captured_again():
    """Checked by its value, cfg[0] = float("1.5") passed the guard of DEFAULT."""
    step = compile(is_default)
    try:
        _calls(step, is_default, [lambda: None])
        cfg[0] = float("1.5")
        with pytest.warns(ProgramWarning, match=r"cfg\[0\] is no longer the very object "
                                                r"DEFAULT holds"):
            assert step().data == is_default().data == 4.0
        _calls(step, is_default, [_set(cfg, 0, DEFAULT), _set(cfg, 0, float("1.5"))])
    finally:
        cfg[0] = DEFAULT
    assert step.captures == 2


def test_two_items_that_become_one_object_and_ints_too():
    global BIG

    def big():
        return W * (1.0 if cfg[0] is BIG else 2.0)

    step = compile(two_items_are_one)
    try:
        _calls(step, two_items_are_one, [lambda: None, _set(pair, 0, 3.0),
                                         lambda: pair.__setitem__(0, pair[1]),
                                         _set(pair, 0, 4.0),
                                         lambda: pair.__setitem__(1, pair[0])])
    finally:
        pair[:] = [DEFAULT, DEFAULT]
    step = compile(big)
    try:
        cfg[0] = BIG
        _calls(step, big, [lambda: None, _set(cfg, 0, 10 ** 7), _set(cfg, 0, BIG),
                           _set(cfg, 0, 10 ** 8)])
    finally:
        cfg[0] = DEFAULT


def test_numbers_are_not_checked_as_one_object_where_nothing_tests_identity():
    """No `is` of numbers: a number read at every call, never captured again, even where it
    holds the object another global holds."""
    def scaled():
        return W * cfg[0] * (1.0 if cfg[0] is not None else 2.0)

    step = compile(scaled)
    try:
        _calls(step, scaled, [lambda: None, _set(cfg, 0, 3.0), _set(cfg, 0, DEFAULT),
                              _set(cfg, 0, 4.0), _set(cfg, 0, DEFAULT)])
    finally:
        cfg[0] = DEFAULT
    assert step.captures == 2
    assert "pattern(" not in step.last.outside.text


V = Value(DEFAULT)  # (its number the very object DEFAULT holds)


def test_a_values_number_that_is_the_object_of_a_number_outside_is_refused():
    """`V.data is DEFAULT` where V = Value(DEFAULT): the capture reads V's number as a
    followed number (no object of the engine's), so refused naming the line; with V holding
    another object, a program, which sees V.data become DEFAULT's object again."""
    def f():
        return W * V * (1.0 if V.data is DEFAULT else 2.0)

    def made_here():
        v = Value(cfg[0])
        return W * v * (1.0 if v.data is DEFAULT else 2.0)

    refused = r"reads the number of a Value that holds the very float object .*test_numbers"
    step = compile(f)
    try:
        with pytest.raises(RuntimeError, match=refused):
            step()
        V.data = 3.0
        _calls(step, f, [lambda: None])
        V.data = DEFAULT
        with pytest.warns(ProgramWarning, match=r"V\.data is now the very object DEFAULT "
                                                r"holds"), \
                pytest.raises(RuntimeError, match=refused):
            step()
        V.data = 4.0
        _calls(step, f, [lambda: None])
    finally:
        V.data = DEFAULT
    with pytest.raises(RuntimeError, match=refused):
        compile(made_here)()


def test_the_max_of_numbers_outside_tested_by_identity_is_the_very_object():
    """`max(cfg[0], DEFAULT) is DEFAULT`: Python's max gives one of the objects it is given;
    a program's max step gave a number, no object (the other branch where DEFAULT won)."""
    def f():
        return W * (1.0 if max(cfg[0], DEFAULT) is DEFAULT else 2.0)

    step = compile(f)
    try:
        _calls(step, f, [_set(cfg, 0, 1.0), _set(cfg, 0, 3.0), _set(cfg, 0, 1.25),
                         _set(cfg, 0, 4.0), _set(cfg, 0, 0.5), _set(cfg, 0, 5.0)])
    finally:
        cfg[0] = DEFAULT
    assert step.runs >= 2


def pick(x):
    return 1.0 if x is DEFAULT else 2.0


def read_then_picked():
    x = cfg[0]
    return W * x * pick(x)


def test_a_number_found_one_object_with_another_only_in_a_helper_is_captured_again():
    """cfg[0] read at every call holds DEFAULT's object when captured, and DEFAULT is found
    only as pick() starts (after cfg[0] held the capture's stand-in): captured again at
    once with cfg[0] guarded (before, pick() given it was refused at every call)."""
    step = compile(read_then_picked)
    try:
        _calls(step, read_then_picked, [_set(cfg, 0, 2.0), _set(cfg, 0, 3.0),
                                        _set(cfg, 0, DEFAULT), _set(cfg, 0, 4.0),
                                        _set(cfg, 0, DEFAULT), _set(cfg, 0, 5.0)])
    finally:
        cfg[0] = DEFAULT
    assert step.captures == 3 and step.runs == 3


counts = [0, 0]
parts = [1, 2]


def counted():
    counts[0] += 1
    counts[1] += 1
    last = parts[-1]
    k = sum(1.0 for p in parts if p is last)  # (an `is` in a generator expression)
    return W * k * counts[0]


def test_numbers_it_writes_are_written_once_where_a_capture_is_made_again_at_once():
    """Two counters equal (one int object, as is parts[0] at first), read at every call once
    written, in code that tests identity: each capture guards them, and one made again at once
    (the `is` found as the generator expression starts) first puts back what the first
    wrote (before, the counters' stand-ins were left there: an IndexError); the numbers are
    the engine's, then the engine's own calls once captured again and again."""
    step = compile(counted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        ours = [step().data for _ in range(8)]
    assert counts == [8, 8]
    counts[:] = [0, 0]
    assert ours == [counted().data for _ in range(8)]
    counts[:] = [0, 0]
