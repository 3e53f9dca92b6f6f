"""Sets of the Values given to a compiled function, gone through (an attacker's, a64b: f1, f2,
f3, f5): Values given are bound again at every call, as new as those made in it, and a set's
order is their addresses. The program kept the capture's order, silently (2.45 where the
engine gave 4.55). Refused, naming the line, as a set of Values made in the call is; a set
asked ``in``, or one of Values made before the call and not given, is the engine's."""

import pytest

from tests.program.against_engine import same
from tests.program.attacker_weight import W
from tinygrad_edu import Value
from tinygrad_edu.program import compile

REFUSED = r"goes through a set of Values made in the call or given to it .* at " \
          r"test_sets_of_values_given\.py:\d+"


def test_a_set_of_the_values_given_gone_through_is_refused_with_the_line():
    """``for c in {a, b}``, ``frozenset(xs)``, ``set(xs)``: their order is the addresses of
    the Values given, new at every call (f1: the engine's 4.55, 3.15... the program's 2.45,
    3.85...)."""
    def braces(a, b):
        s = 0.0
        for c in {a, b}:
            s = s * 3.0 + c.data
        return W * s

    def frozen(xs):
        return W * next(iter(frozenset(xs))).data

    def listed(xs):
        return sum(list(set(xs)), Value(0.0)) * W

    for f, args in ((braces, (Value(0.5), Value(2.0))), (frozen, ([Value(0.5), Value(2.0)],)),
                    (listed, ([Value(0.5), Value(2.0)],))):
        for native in (True, False):
            with pytest.raises(RuntimeError, match=REFUSED):
                compile(f, native=native)(*args)

    kept = [Value(0.25), Value(-1.5)]

    def asked(xs):  # (asked ``in``; a set of Values not given: one order at every call)
        s = set(xs[:1]) | set(xs[2:])
        total = sum((v * W for v in xs if v in s), Value(0.0))
        for p in set(kept):
            total = total + p * 0.0
        return total

    for native in (True, False):
        step = compile(asked, native=native)
        for k in range(3):
            xs = [Value(0.5 + k), Value(2.0 - k), Value(1.5 * k)]
            same(step, asked, [W, *kept, *xs], xs)


def test_the_prev_of_a_node_of_values_given_gone_through_or_popped_is_refused():
    """micrograd's ``for c in z._prev`` where z's parents are the Values given (f2), and
    ``z._prev.pop()`` (f3: a C method that takes an item by the set's order without going
    through it; the engine's 0.684 where the program gave 1.344): refused, naming the line.
    ``len(z._prev)`` is the engine's."""
    b = Value(-0.4)

    def looped(x, y):
        z = x * y
        s = 0.0
        for c in z._prev:
            s = s * 3.0 + c.data
        return z * s + W

    def popped(x, y):
        z = (W * x) * (b + y)
        return z._prev.pop() * 3.0 + z

    def popped_made(x):
        z = (W * x) * (b + x)
        return z._prev.pop() * 3.0 + z

    for f, args in ((looped, (Value(0.5), Value(2.0))), (popped, (Value(0.5), Value(2.0))),
                    (popped_made, (0.6,))):
        for native in (True, False):
            with pytest.raises(RuntimeError, match=REFUSED):
                compile(f, native=native)(*args)

    def counted(x, y):
        z = x * y
        return z * len(z._prev) + W

    for native in (True, False):
        step = compile(counted, native=native)
        for k in range(3):
            x, y = Value(0.5 + k), Value(2.0 - k)
            same(step, counted, [W, x, y], x, y)


PREV = Value._prev.fget  # (held before the call: a plain set, gone through where none sees)


def test_the_getter_of_prev_held_is_refused_naming_what_is_held():
    """``PREV = Value._prev.fget`` held, then ``for c in PREV(z)`` (f5): the engine's plain
    set, gone through unseen (the engine's -0.00616 where the program gave 0.01288):
    refused, naming what is held, as the getters of the other fields are."""
    def f(x):
        z = (W * x) * (W + x)
        s = 0.0
        for c in PREV(z):
            s = s * 3.0 + c.data
        return z * s

    for native in (True, False):
        with pytest.raises(RuntimeError, match=r"holds Value's own '_prev' .* at PREV, .*"
                                               r"read z\.parents"):
            compile(f, native=native)(0.6)

    def parents(x):  # (``z.parents``: a tuple, in the op's order: the engine's)
        z = (W * x) * (W + x)
        s = 0.0
        for c in z.parents:
            s = s * 3.0 + c.data
        return z * s

    for native in (True, False):
        step = compile(parents, native=native)
        for k in range(3):
            same(step, parents, [W], 0.6 + k)
