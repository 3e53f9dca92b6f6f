"""Lists and dicts given to a compiled function, attacked as a learner's code uses them: one
it changes (an item set, an append, a sort, a shuffle) is refused at the capture, never
silently left unchanged; one of its own class (a ``defaultdict``, a ``Counter``, an
``OrderedDict``, a list with its own ``__getitem__``) keeps what its class does. Engine and
program side by side, native and Python (found by an independent attacker)."""

import random
import re
from collections import Counter, OrderedDict, defaultdict

import pytest

from tests.program.against_engine import bits, same
from tinygrad_edu import Value
from tinygrad_edu.program import compile


def _item_set(stats, ema, x, w):
    loss = w * x
    stats["last"] = loss.data
    ema[0] = 0.9 * ema[0] + 0.1 * loss.data
    return loss


def _appended(hist, x, w):
    loss = w * x
    hist.append(loss.data)
    return loss


def _shuffled(xs, x, w):
    random.shuffle(xs)
    return w * xs[0] * x


def _sorted(xs, x, w):
    xs.sort(reverse=True)
    return w * xs[0] * x


def _nested(rows, x, w):
    rows[1]["lr"] = 0.5
    return w * x * rows[0]


CHANGED = {
    "item set": (_item_set, lambda: ({}, [0.0]), "dict given as argument 0"),
    "append": (_appended, lambda: ([],), "list given as argument 0"),
    "shuffle": (_shuffled, lambda: ([0.5, 1.5, 2.5, 3.5],), "list given as argument 0"),
    "sort": (_sorted, lambda: ([0.5, 1.5, 2.5],), "list given as argument 0"),
    "sort of sorted numbers": (_sorted, lambda: ([2.5, 1.5, 0.5],), "list given as argument 0"),
    "nested": (_nested, lambda: ((2.0, {"lr": 0.1}),), "dict given as argument 0[1]"),
}


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("case", sorted(CHANGED))
def test_a_list_or_dict_given_that_the_function_changes_is_refused(case, native):
    """Before: each call's writes went into a copy (stats stayed {}, ema [0.0], hist [],
    the caller's list never shuffled nor sorted: the losses differed from the second call).
    A write that leaves the list as it was (a sort of sorted numbers, a shuffle that puts
    each back) is refused too: at another call it would not."""
    f, given, where = CHANGED[case]
    w = Value(0.7)
    step = compile(f, native=native)
    with pytest.raises(RuntimeError, match=re.escape(f"it changes the {where} (")) as raised:
        step(*given(), Value(1.0), w)
    assert f", at test_given.py:{f.__code__.co_firstlineno + 1}" in str(raised.value) or \
        f", at test_given.py:{f.__code__.co_firstlineno + 2}" in str(raised.value)


@pytest.mark.parametrize("native", [True, False])
def test_a_list_or_dict_given_that_is_only_read_is_one_program(native):
    w = Value(0.7)

    def f(xs, cfg, x):
        return w * x * sum(xs) * cfg["lr"] + sorted(xs)[0]

    step = compile(f, native=native)
    for k in range(4):
        same(step, f, [w], [1.0 + k, 2.0 + k, -0.5 * k], {"lr": 0.1 * k}, Value(2.0 - k))
    assert step.captures == 1


class Scaled(list):
    scale = 2.0

    def __getitem__(self, i):
        return list.__getitem__(self, i) * self.scale


def _scaled(xs, w):
    return w * xs[0] + sum((w * a for a in xs), Value(0.0))


def _defaults(cfg, counts, w):
    return w * cfg["lr"] * (1 + counts["missing"])


def _moved(d, w):
    d.move_to_end("a")
    out = Value(0.0)
    for i, v in enumerate(d.values()):
        out = out + w * v * (i + 1)
    return out


OWN = {
    "list with its own __getitem__": (_scaled, lambda k: (Scaled([1.0 + k, 2.0]),)),
    "defaultdict and Counter": (_defaults, lambda k: (defaultdict(lambda: 0.5 + k), Counter())),
    "OrderedDict": (_moved, lambda k: (OrderedDict([("a", 1.0 + k), ("b", 2.0)]),)),
}


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("case", sorted(OWN))
def test_a_list_or_dict_of_its_own_class_keeps_what_its_class_does(case, native):
    """Before: copied to a plain list or dict (Scaled's items unscaled: 3.5 where the engine
    has 2.8; a defaultdict's missing key a KeyError; no move_to_end)."""
    f, given = OWN[case]
    w = Value(0.7)
    step = compile(f, native=native)
    for k in range(3):
        ours, theirs = given(k), given(k)
        w.grad = 0.0
        got = step(*ours, w)
        got.backward()
        got = (bits(got.data), bits(w.grad))
        w.grad = 0.0
        want = f(*theirs, w)
        want.backward()
        assert got == (bits(want.data), bits(w.grad))
        assert [list(x.items()) if isinstance(x, dict) else list(x) for x in ours] == \
            [list(x.items()) if isinstance(x, dict) else list(x) for x in theirs]


@pytest.mark.parametrize("native", [True, False])
def test_the_same_list_of_its_own_class_changed_between_calls(native):
    w = Value(0.7)
    xs = Scaled([1.0, 2.0])
    step = compile(_scaled, native=native)
    for k in range(4):
        xs[1] = 2.0 + k  # (list.__setitem__: Scaled's own is __getitem__)
        Scaled.scale = 2.0 + (k % 2)
        same(step, _scaled, [w], xs, w)
    Scaled.scale = 2.0


class Halved(OrderedDict):
    def __getitem__(self, key):
        return OrderedDict.__getitem__(self, key) * 0.5


HALVED = Halved([("a", 1.0), ("b", 1.0)])


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("where", ["given", "global"])
def test_a_dict_with_its_own_getitem_changed_between_calls(where, native):
    """Its items are guarded and read as the dict holds them, not through its class's
    ``__getitem__`` (before, the guards read halved numbers: its other item was taken for
    changed, and the program gave -1.5 where the engine gives -3.0; found by the fuzzer)."""
    w = Value(0.7)

    def given_one(od):
        return w * sum([od["a"], od["a"]], 0.0)

    def global_one(od):
        return w * sum([HALVED["a"], HALVED["a"]], 0.0)

    f = given_one if where == "given" else global_one

    step = compile(f, native=native)
    given = Halved([("a", 1.0), ("b", 1.0)])
    try:
        for a in (1.0, 0.0, -2.0, -3.0, 4.0):
            (given if where == "given" else HALVED)["a"] = a  # (its __setitem__: the dict's)
            same(step, f, [w], given)
    finally:
        OrderedDict.__setitem__(HALVED, "a", 1.0)
    assert step.captures == 2
