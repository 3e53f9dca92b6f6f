"""What a rule's code holds is looked into for an integer of more bits than a float's 53
(``learner/fixed_point.py``): in its names and the global names its code reads, and in what
they hold a few levels deep (a dict's keys and values, a set's items, a list's or a tuple's,
an object's attributes), with no code of the learner's classes run to read them; a right
rule's values hold none."""

import math
import sys

import numpy
import pytest

from tinygrad_edu.exercises.learner.fixed_point import DEPTH, SAMPLE, long_held
from tinygrad_edu.exercises.learner.watched_numbers import Watched

BIG = 1 << 400
"""The scale of 400-bit fixed point (121 digits)."""


def _looked_at(value, looks=1):
    """What ``long_held`` says of a frame whose first name holds ``value``, at the first of
    ``looks`` looks that says something."""
    frame = sys._getframe()
    for _ in range(looks):
        found = long_held(frame)
        if found:
            return found
    return ""


class Plain:
    pass


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = a, b


class Guarded(list):
    """A list whose own methods refuse to be run: the walk reads it by list's."""

    def __iter__(self):
        raise AssertionError("ran __iter__")

    def __getitem__(self, index):
        raise AssertionError("ran __getitem__")

    def __len__(self):
        raise AssertionError("ran __len__")


def _plain_with(value):
    thing = Plain()
    thing.s = value
    return thing


@pytest.mark.parametrize("make", [
    lambda n: {"S": n}, lambda n: {n: "S"}, lambda n: {n}, lambda n: frozenset({1, n}),
    lambda n: [0] * 8 + [n], lambda n: (1, 2, 3, 4, 5, 6, 7, 8, 9, n),
    lambda n: {"R": [{"S": n}]}, _plain_with, lambda n: Slotted(1.0, n),
    lambda n: [Slotted(0.5, (n,))], lambda n: Guarded([0.0, n]),
    lambda n: numpy.array([1, n, 2], dtype=object),
], ids=["dict value", "dict key", "set", "frozenset", "list's 9th", "tuple's 10th",
        "nested", "__dict__", "__slots__", "a list of objects", "a list subclass",
        "an array of objects"])
def test_a_long_integer_in_what_a_name_holds_is_seen(make):
    assert _looked_at(make(BIG)) == "an integer of 121 digits, held in value"


@pytest.mark.parametrize("size", [40, 100, 1000])
def test_a_long_integer_anywhere_in_a_long_list_is_seen_over_the_looks(size):
    """Each look reads the first items and a window that moves on: a long integer at any
    place of a list held over a few lines is seen (a rule of fixed point holds it over
    hundreds)."""
    for place in range(0, size, 7):
        items = [0.5] * size
        items[place] = BIG
        assert _looked_at(items, looks=size // SAMPLE + 1), (size, place)


RULES = """
import sys
def reads(x):
    return long_held(sys._getframe()) or SCALE
def does_not(x):
    return long_held(sys._getframe())
"""


def test_a_long_integer_in_a_global_name_is_seen_where_the_code_reads_it():
    space = {"long_held": long_held, "SCALE": BIG}
    exec(compile(RULES, "<rules>", "exec"), space)
    assert space["reads"](0.5) == "an integer of 121 digits, held in SCALE"
    assert space["does_not"](0.5) == ""


def test_deeper_than_the_bound_is_not_looked_into():
    """The bound the guide states: ``DEPTH`` containers deep."""
    value = BIG
    for _ in range(DEPTH + 1):
        value = [value]
    assert _looked_at(value) == ""
    assert _looked_at(value[0])


@pytest.mark.parametrize("value", [
    1.5, 2 ** 53 - 1, -(2 ** 53 - 1), True, "9" * 200, b"\xff" * 60, [0.1] * 50, {"a": 1.0},
    (3, 2 ** 52), Watched(0.3, ((1.0,), 0.0)), math, Plain, _plain_with(7), Slotted(1, 2),
    [[[[2 ** 52]]]], None, numpy.arange(100.0), numpy.array([2 ** 60]),
], ids=repr)
def test_a_rules_values_hold_no_long_integer(value):
    assert _looked_at(value) == ""
