"""``sum`` held where a capture does not put its own (given as an argument) and
``math.sumprod``, over numbers read: from Python 3.12 on they compute
floats otherwise than one addition at a time (engine 3.0, program 1.5 on [1e16, 1, -1e16,
1], silently, before: found by an independent attacker). There the capture is refused,
naming the line; before 3.12 ``sum`` adds one at a time, and the program is the engine's,
bit for bit. Held as a default, in a ``partial``, a dict's item or a class's
``staticmethod``, the capture puts its own there (``world.followed_at``): the engine's
numbers, bit for bit, on every Python."""

import functools
import math
import struct
import sys

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

P = [Value(1e16), Value(1.0), Value(-1e16), Value(1.0)]
BY_NAME = {"sum": sum}
PARTIAL = functools.partial(sum, start=0.0)


class Held:
    agg = staticmethod(sum)


def bits(x):
    return struct.pack("<d", x)


def _default(x, agg=sum):
    return x * agg([p.data for p in P])


def _in_a_dict(x):
    return x * BY_NAME["sum"](p.data for p in P)


def _given(x, agg):
    return x * agg([p.data for p in P])


def _partial(x):
    return x * PARTIAL(p.data for p in P)


def _staticmethod(x):
    return x * Held.agg([p.data for p in P])


def _sumprod(x):
    return x * math.sumprod([p.data for p in P], [1.0, 1.0, 1.0, 1.0])


CASES = {"default": (_default, ()), "a dict's item": (_in_a_dict, ()),
         "an argument": (_given, (sum,)), "partial": (_partial, ()),
         "staticmethod": (_staticmethod, ()), "math.sumprod": (_sumprod, ())}


FOLLOWED_THERE = ("a dict's item", "default", "partial", "staticmethod")
"""Where the capture puts its own ``sum`` while it runs (``world.followed_at``)."""


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("case", sorted(CASES))
def test_sum_held_elsewhere_is_the_engines_or_refused(case, native):
    f, more = CASES[case]
    if f is _sumprod and not hasattr(math, "sumprod"):
        pytest.skip("math.sumprod: Python 3.12 on")
    step = compile(f, native=native)
    if sys.version_info >= (3, 12) and case not in FOLLOWED_THERE:
        with pytest.raises(RuntimeError, match=r"from Python 3\.12 on") as raised:
            step(Value(1.5), *more)
        line = f.__code__.co_firstlineno + 1
        assert f"test_sum_held.py:{line}" in str(raised.value), str(raised.value)
        return
    for k in range(3):
        x = 1.5 + k
        got, want = step(Value(x), *more), f(Value(x), *more)
        assert bits(got.data) == bits(want.data)
    assert step.captures == 1


@pytest.mark.parametrize("native", [True, False])
def test_sum_held_elsewhere_of_values_or_of_plain_numbers_is_one_program(native):
    """Not refused: what the held ``sum`` adds are Values (the engine's nodes) or numbers
    the capture does not follow."""
    def f(x, agg=sum):
        return agg([x * p for p in P]) * agg([1.0, 2.0])

    step = compile(f, native=native)
    for k in range(3):
        got, want = step(Value(1.5 + k)), f(Value(1.5 + k))
        assert bits(got.data) == bits(want.data)
    assert step.captures == 1
