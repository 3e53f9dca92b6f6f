"""A helper memoized with ``functools.lru_cache`` or ``functools.cache``: its number comes
from a cache the capture cannot look into. Before, the program kept the cached number after
``cache_clear()`` and a new config (0.63 where the engine gives 1.89), and recomputed a node
the engine takes from the cache (1.45 where the engine gives 1.33), silently (found by an
independent attacker). Now it is captured again while the cache changes, and keeps no
program from a capture that filled it."""

import functools

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.7)
CFG = {"lr": 0.3}


@functools.lru_cache(maxsize=8)
def rate():
    return CFG["lr"] * 2


@functools.cache
def feature(p):
    return (p * 2.0).tanh()


def with_rate(x):
    return W * x * rate()


def with_feature(x):
    return feature(W) * x


def uncached(x):  # (with_rate without the cache: a call of rate() is a call outside)
    return W * x * (CFG["lr"] * 2)


def compare(step, f):
    same(step, f, [W], Value(1.5))


@pytest.mark.parametrize("native", [True, False])
def test_a_memoized_number_cleared_and_changed(native):
    rate.cache_clear()
    rate()  # (warmed before compiling)
    step = compile(with_rate, native=native)
    try:
        for k in range(6):
            if k == 2:
                CFG["lr"] = 0.9
                rate.cache_clear()
            compare(step, uncached)
    finally:
        CFG["lr"] = 0.3
        rate.cache_clear()
    assert step.runs == 3  # (calls 1, 4, 5: the cache as it was; 2 and 3 capture: cleared,
    # then filled by the capture)


@pytest.mark.parametrize("native", [True, False])
def test_a_memoized_node_made_from_a_parameter(native):
    feature.cache_clear()
    W.data = 0.7
    step = compile(with_feature, native=native)
    try:
        for k in range(4):
            W.data = 0.7 + 0.3 * k
            compare(step, with_feature)
    finally:
        W.data = 0.7
        feature.cache_clear()
