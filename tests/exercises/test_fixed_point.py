"""What a rule's code holds is looked into for an integer of more bits than a float's 53
(``learner/fixed_point.py``): in its names and the global names its code reads, and in what
they hold a few levels deep (a dict's keys and values, a set's items, a list's or a tuple's,
an object's attributes), with no code of the learner's classes run to read them; a right
rule's values hold none."""

import array
import collections
import dataclasses
import functools
import itertools
import math
import sys
import types

import numpy
import pytest

from tinygrad_edu.exercises.learner.fixed_point import _FLAT, DEPTH, SAMPLE, long_held
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


class RefusesToBeWalked:
    """A container's own ways in, each refusing to be run: a subclass of list or deque with
    these is read by the built-in type's methods, or not at all."""

    def __iter__(self):
        raise AssertionError("ran __iter__")

    def __getitem__(self, index):
        raise AssertionError("ran __getitem__")

    def __len__(self):
        raise AssertionError("ran __len__")


class Guarded(RefusesToBeWalked, list):
    """A list whose own methods refuse to be run: the walk reads it by list's."""


class Refusing:
    """An object whose attribute reads, properties and iteration refuse to be run."""

    def __getattribute__(self, name):
        raise AssertionError("ran __getattribute__")

    def __getattr__(self, name):
        raise AssertionError("ran __getattr__")

    def __iter__(self):
        raise AssertionError("ran __iter__")

    @property
    def s(self):
        raise AssertionError("ran a property")


def _refusing_with(value):
    thing = Refusing()
    object.__setattr__(thing, "t", value)
    return thing


class RefusingDeque(RefusesToBeWalked, collections.deque):
    """A deque whose own methods refuse to be run."""


@dataclasses.dataclass(frozen=True)
class Frozen:
    s: object


def _closed_over(value):
    def rule(x):
        return value * x
    return rule


def _with_attribute(value):
    def rule(x):
        return x
    rule.s = value
    return rule


def _suspended(value):
    def steps():
        held = value
        yield 1
        yield held
    gen = steps()
    next(gen)
    return gen


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
    lambda n: range(n), lambda n: range(n, n + 3), lambda n: range(0, 1, n),
    lambda n: slice(0, n), lambda n: collections.deque([0] * 16 + [n]),
    lambda n: RefusingDeque([0.5, n]), lambda n: collections.OrderedDict(S=n),
    lambda n: collections.defaultdict(int, S=n), lambda n: collections.Counter({"S": n}),
    lambda n: functools.partial(math.ldexp, n), lambda n: Frozen(n),
    lambda n: types.SimpleNamespace(S=n), _closed_over, lambda n: _closed_over(n).__closure__,
    _with_attribute, lambda n: n.bit_length, lambda n: Slotted(n, 0).__init__,
    lambda n: itertools.repeat(n), lambda n: iter([0.5, n]), _suspended, _refusing_with,
], ids=["dict value", "dict key", "set", "frozenset", "list's 9th", "tuple's 10th",
        "nested", "__dict__", "__slots__", "a list of objects", "a list subclass",
        "an array of objects", "range stop", "range start", "range step", "slice", "deque",
        "a deque subclass", "OrderedDict", "defaultdict", "Counter", "partial",
        "frozen dataclass", "SimpleNamespace", "closure", "cells", "function attribute",
        "builtin method's self", "method's self", "repeat", "list iterator", "generator",
        "an object refusing to be read"])
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
    """The bound the guide states: ``DEPTH`` containers deep; a list of one item is no
    level (a65j's j9 kept its integers fourteen one-item lists deep)."""
    value = BIG
    for _ in range(DEPTH + 1):
        value = [value, 0.5]
    assert _looked_at(value) == ""
    assert _looked_at(value[0])
    alone = BIG
    for _ in range(3 * DEPTH):
        alone = [alone]
    assert _looked_at(alone)


@pytest.mark.parametrize("make", [
    _plain_with, _suspended, Frozen, lambda n: types.SimpleNamespace(S=n),
], ids=["__dict__", "generator", "frozen dataclass", "SimpleNamespace"])
def test_an_objects_attributes_are_one_level_down_on_every_python(make):
    """An object's attributes, and a generator's locals, count as one level below it whether
    the Python holds them in a ``__dict__`` or a frame (3.10) or not (3.11 on): the same
    verdict on each."""
    value = make(BIG)
    for _ in range(DEPTH - 1):
        value = [value, 0.5]
    assert _looked_at(value) == "an integer of 121 digits, held in value"
    assert _looked_at([value, 0.5]) == ""


FLAT = {float: 1.5, str: "9" * 200, bytes: b"\xff" * 60, bytearray: bytearray(b"\xff" * 60),
        bool: True, complex: 1j, type(None): None, type(Ellipsis): ...,
        type(NotImplemented): NotImplemented}
"""What is passed over at once, each with a value: numbers of a float's size or a bool's,
text, bytes. (Not a memoryview: one of an array of long doubles is one; its items are not
looked into, C numbers of 64 bits at most, ``test_a_memoryviews_items_are_not_looked_into``.)"""


def test_a_memoryviews_items_are_not_looked_into():
    assert _looked_at(memoryview(array.array("Q", [2 ** 64 - 1]))) == ""
    assert _looked_at([memoryview(b"\xff" * 60)] * 3) == ""


@pytest.mark.parametrize("kind", sorted(FLAT, key=repr), ids=repr)
def test_what_is_passed_over_holds_no_long_integer_and_its_subclasses_are_read(kind):
    assert kind in _FLAT and len(_FLAT) == len(FLAT)
    assert _looked_at(FLAT[kind]) == ""
    try:
        sub = type("Sub", (kind,), {})
    except TypeError:  # (bool, memoryview, None...: no subclass can be made)
        return
    value = sub(FLAT[kind])
    value.s = BIG  # (a subclass's instance has attributes: read)
    assert _looked_at(value) == "an integer of 121 digits, held in value"


@pytest.mark.parametrize("value", [
    range(10), range(0, 2 ** 53 - 1, 7), collections.deque([0.5] * 40),
    array.array("Q", [2 ** 64 - 1]),
    sys, functools.partial(math.ldexp, 2.0), _closed_over(3), iter(range(5)),
    _with_attribute(2 ** 52),
], ids=["range", "range to 2**53", "deque of 40", "array of uint64", "a module", "partial",
        "closure", "range iterator", "function attribute"])  # (ids no address is in: the same
# in every pytest-xdist worker)
def test_other_values_of_a_rule_hold_no_long_integer(value):
    """Nor are a module's names read (``sys.maxsize`` is of 63 bits), nor a function's
    module: they are read where the rule's code reads them."""
    assert _looked_at(value) == ""


def test_a_functions_module_is_not_read_through_it():
    space = {"long_held": long_held, "SCALE": BIG}
    exec(compile(RULES, "<rules>", "exec"), space)
    assert _looked_at(space["does_not"]) == ""


@pytest.mark.parametrize("value", [
    1.5, 2 ** 53 - 1, -(2 ** 53 - 1), True, "9" * 200, b"\xff" * 60, [0.1] * 50, {"a": 1.0},
    (3, 2 ** 52), Watched(0.3, ((1.0,), 0.0)), math, Plain, _plain_with(7), Slotted(1, 2),
    [[[[2 ** 52]]]], None, numpy.arange(100.0), numpy.array([2 ** 60]),
], ids=["1.5", "2**53-1", "-(2**53-1)", "True", "200 digits of text", "60 bytes",
        "a list of floats", "a dict", "a tuple", "a watched number", "a module", "a class",
        "an object", "a slotted object", "nested lists", "None", "a float array",
        "an int64 array"])
def test_a_rules_values_hold_no_long_integer(value):
    assert _looked_at(value) == ""


LONG_DOUBLE = numpy.dtype(chr(103))


@pytest.mark.parametrize("make", [
    lambda: numpy.zeros(1, [("u", LONG_DOUBLE), ("v", LONG_DOUBLE)]),
    lambda: numpy.zeros(2, [("a", "f8"), ("b", [("c", "i4"), ("d", LONG_DOUBLE, (3,))])]),
    lambda: numpy.zeros(2, [("a", [("b", [("c", LONG_DOUBLE)])], (2,))]),
    lambda: numpy.zeros(7, LONG_DOUBLE).view(numpy.uint8),
    lambda: numpy.zeros(7, LONG_DOUBLE).view(numpy.uint8)[16:48],
    lambda: numpy.frombuffer(memoryview(numpy.zeros(7, LONG_DOUBLE)), numpy.uint8),
    lambda: memoryview(numpy.zeros(7, LONG_DOUBLE)),
    lambda: [numpy.zeros(1, [("u", LONG_DOUBLE)])],
], ids=["record", "nested record with a subarray", "record in a subarray", "uint8 view",
        "slice of a uint8 view", "view through a memoryview", "memoryview", "in a list"])
def test_long_doubles_in_a_records_fields_or_under_a_view_are_seen(make):
    """An array whose dtype's kind is "V" (a structured array: a65h's k5, k8) or "u" (a
    uint8 view of an array of long doubles: k7), its long doubles in a field at any depth or
    in its base: said as the array of long doubles it is (not seen before)."""
    assert _looked_at(make()) == "an array of long doubles, held in value"


@pytest.mark.parametrize("make", [
    lambda: numpy.zeros(1, [("u", "f8"), ("v", "c16"), ("w", "i8", (4,))]),
    lambda: numpy.zeros(4).view(numpy.uint8),
    lambda: memoryview(numpy.zeros(4)),
    lambda: memoryview(b"\xff" * 64),
    lambda: numpy.frombuffer(bytes(64), numpy.uint8),
], ids=["record of float64", "uint8 view of float64", "memoryview of float64",
        "memoryview of bytes", "array on bytes"])
def test_records_and_views_of_a_floats_digits_are_not_long_doubles(make):
    assert _looked_at(make()) == ""
