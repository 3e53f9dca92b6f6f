"""Equal numbers that are not the same to the code, as the engine's call sees them (issue
64): dict keys ``1``, ``1.0`` and ``True`` (or ``0.0`` and ``-0.0``) are one
key to a dict but not to the code that reads them, so they pick programs of their own, given
or held outside; a NaN that Python finds by identity (``in``, ``count``, ``index``, a
dict's key, ``hash``) is refused, naming the line, where the engine finds its own NaN."""

import enum
import math

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(1.5)
D = {1: 0.5}


class Phase(enum.Enum):
    TRAIN = 1


class Key:
    """A key hashed by its identity."""


KEYS = {"a tuple": (0, 1), "a float": 2.5, "a NaN": math.nan, "an object": Key(),
        "an Enum member": Phase.TRAIN, "a frozenset": frozenset({1}), "bytes": b"lr"}


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("kind", [*KEYS, "a Value under a tuple"])
def test_what_a_dict_holds_under_any_key_is_guarded(kind, native):
    """``cfg[(0, 1)]``, ``cfg[2.5]``, ``cfg[Phase.TRAIN]``...: a dict held outside was walked
    into under a text, an int, a bool or None alone, so a number (or a Value) under any
    other key, changed between calls, kept the first call's, silently."""
    key = KEYS.get(kind, (0, 2))
    cfg = {"other": 1.0, key: Value(1.0) if kind.startswith("a Value") else 0.5}

    def f():
        return W * cfg[key]

    step = compile(f, native=native)
    for t in (0.5, 2.0, -3.0, -3.0, 0.0, -0.0):
        cfg[key] = Value(t) if kind.startswith("a Value") else t
        same(step, f, [W, cfg[key]] if kind.startswith("a Value") else [W])


def test_dict_keys_equal_but_of_another_type_or_sign_pick_another_program():
    def f(table):
        (step, lr), = table.items()
        return W * lr * (2.0 if isinstance(step, float) else 3.0)

    def h(d):
        k = next(iter(d))
        return W * (1.0 / k if k else 5.0) + W * (str(k) == "-0.0")

    def held():
        k = next(iter(D))
        return W * D[k] * (2.0 if type(k) is int else 3.0)

    g, k, m = compile(f), compile(h), compile(held)
    for table in ({1: 0.5}, {1.0: 0.5}, {True: 0.5}, {(1, -0.0): 0.5}, {(1, 0.0): 0.5}):
        same(g, f, [W], table)
    for d in ({0.0: 1}, {-0.0: 1}, {0.0: 1}):
        same(k, h, [W], d)
    for key in (1, 1.0, True, 1):
        D.clear()
        D[key] = 0.5
        same(m, held, [W])


def test_a_nan_found_by_identity_is_refused_naming_the_line():
    def counted(xs):
        vals = [v.data for v in xs]
        return xs[vals.count(max(vals))] * W  # (a NaN found by identity: 1)

    def hashed(x):
        return W * (hash(x.data) % 101)

    def compared(x):  # (== written: numbers compared, a NaN or not)
        return W * (2.0 if x.data == x.data else 3.0)

    g, h, c = compile(counted), compile(hashed), compile(compared)
    same(g, counted, [W], [Value(1.0), Value(2.0), Value(3.0)])
    with pytest.raises(RuntimeError, match=r"compares a NaN where Python looks for the very "
                                           r"object first .* at test_keys_and_nans.py:\d+: "
                                           r"return xs\[vals.count"):
        g([Value(math.nan), Value(1.0), Value(2.0)])
    same(h, hashed, [W], Value(1.5))
    with pytest.raises(RuntimeError, match=r"it hashes a NaN .* at test_keys_and_nans.py"):
        h(Value(math.nan))
    for x in (1.0, math.nan, 2.0, math.nan):
        same(c, compared, [W], Value(x))


def test_a_nan_met_later_where_python_tests_identity_first_is_refused():
    def first(xs):  # (a NaN first is max(); found by identity in the engine: k is 1)
        vals = [v.data for v in xs]
        return xs[int(max(vals) in vals[:1])] * W

    g = compile(first)
    same(g, first, [W], [Value(1.0), Value(2.0), Value(3.0)])
    same(g, first, [W], [Value(3.0), Value(2.0), Value(1.0)])
    with pytest.raises(RuntimeError, match=r"compares a NaN where Python looks for the very "
                                           r"object first .* at test_keys_and_nans.py:\d+"):
        g([Value(math.nan), Value(1.0), Value(2.0)])


def test_a_nan_found_by_index_is_refused_naming_the_line_not_a_value_error():
    def best(x):  # (the engine: max() gives the list's own NaN, index() finds it: 0)
        ys = [W * x, W * 2.0]
        ds = [y.data for y in ys]
        return ys[ds.index(max(ds))]

    g = compile(best, native=False)
    same(g, best, [W], 3.0)
    with pytest.raises(RuntimeError, match=r"compares a NaN where Python looks for the very "
                                           r"object first .* at test_keys_and_nans.py:\d+: "
                                           r"return ys\[ds.index"):
        g(math.nan)


@pytest.mark.parametrize("how", ["in", "count", "index"])
def test_a_nan_held_outside_is_the_same_only_as_itself(how):
    """A NaN held outside replaced by another NaN of the same bits passed its guard, where
    ``NAN in held`` (``count``, ``index``) finds a NaN by its identity alone: the first
    call's answer, silently (6.0 where the engine gives 10.0). Now the engine's, or refused
    naming why."""
    nan = float("nan")
    held = [nan, 1.0]

    def f():
        found = nan in held if how == "in" else held.count(nan) if how == "count" else \
            [*held, nan].index(nan) == 0
        return W * (3.0 if found else 5.0)

    step = compile(f)
    for t in (nan, nan, float("nan"), nan, float("nan")):
        held[0] = t
        try:
            same(step, f, [W])
        except RuntimeError as err:
            assert "NaN" in str(err)
            break
