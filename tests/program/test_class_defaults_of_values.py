"""A subclass of Value that gives its instances a default (``class Param(Value): wd = 0.01``),
which one of them overrides on itself after the capture (``B.wd = 0.0``, "no decay for the
bias"): the program kept the class's number, and ``explain()`` said it came from
``Param.wd``, guarded (an attacker's, a64b f7: 0.1290 where the engine gave 0.1274). Each
Value's own reading of it is guarded: captured again, said. What the class holds beyond
plain data (a schedule object, a descriptor of the learner's, a name added later) is walked
as a class's is: the class of a Value is a place of its own (an attacker's a64d f4)."""

import warnings

import pytest

from tests.program.against_engine import same, schedule_followed
from tinygrad_edu import Value
from tinygrad_edu.program import compile


class Param(Value):
    wd = 0.01  # (weight decay, unless a parameter says otherwise)


class Frozen(Param):
    trainable = False


def test_a_class_default_overridden_on_one_value_after_the_capture_is_followed():
    w, b = Param(0.7, label="w"), Frozen(-0.4, label="b")
    params = [w, b]

    def f(x):
        loss = (w * x + b - 1.0) ** 2
        for p in params:
            loss = loss + p.wd * p * p * (0.5 if p.trainable is False else 1.0)
        return loss

    Param.trainable = True
    try:
        for native in (True, False):
            b.__dict__.pop("wd", None)
            w.__dict__.pop("trainable", None)
            step = compile(f, native=native)
            with warnings.catch_warnings(record=True) as said:
                warnings.simplefilter("always")
                for k in range(4):
                    if k == 1:
                        b.wd = 0.0
                    if k == 2:
                        w.trainable = False
                    same(step, f, params, 0.5 + k)
            assert any("b.wd is not what it was" in str(w.message) for w in said)
            assert "b.wd = 0.01" in step.explain().split("program 1:")[1]
    finally:
        del Param.trainable


def test_a_class_default_of_a_value_given_overridden_picks_a_program_of_its_own():
    """The same, of a Value given: its own number picks a program of its own (as any
    attribute set on a Value given does); the class's, at every call, one program."""
    w = Value(0.3)

    def f(p, x):
        return w * x + p.wd * p * p

    for native in (True, False):
        step = compile(f, native=native)
        for k in range(3):
            p = Param(0.5 + k)
            if k == 2:
                p.wd = 0.5
            same(step, f, [w, p], p, 1.5)
        assert step.captures == 2


def test_a_class_default_read_at_every_call_is_not_left_on_the_value():
    """A schedule set on the class (``Param.wd = 0.5``, then 0.0, 0.25): once it changed,
    the number is read at every call, and the capture's stand-in for it is put on the Value
    while the function runs; it is taken away after, not written back (an attacker's a64c
    f3: ``vars(W)`` kept ``wd`` = 0.5, and every later number of the class was ignored, by
    the program and by the learner's own code: 6.495 where the engine gives 6.25)."""
    w = Param(0.7, label="w")
    for wd, _ in schedule_followed(Param, w):
        assert ((w * 1.0 - 1.0) ** 2 + w.wd * w * w).data == (0.7 - 1.0) ** 2 + wd * 0.7 * 0.7


class Schedule:  # (a schedule kept on a subclass of Value: p.decay())
    def __init__(self):
        self.wd = 0.01

    def __call__(self):
        return self.wd


class Hyper:  # (a descriptor of the learner's: p.wd is its .wd)
    def __init__(self, wd):
        self.wd = wd

    def __get__(self, obj, owner=None):
        return self.wd


class Scheduled(Value):
    decay = Schedule()
    wd = Hyper(0.01)


class Asked(Value):
    pass


def test_a_descriptor_of_its_own_on_a_subclass_of_value_is_followed():
    """A Value's class is walked as a class (an attacker's a64d f4 (b): ``p.wd`` of a
    descriptor ``Hyper(0.1)`` whose number changed after the capture: 36.5 where the engine
    gives 36.0)."""
    for _ in schedule_followed(vars(Scheduled)["wd"], Scheduled(0.7)):
        pass


@pytest.mark.parametrize("native", [True, False])
def test_a_schedule_object_and_a_name_added_to_a_subclass_of_value_are_followed(native):
    """``p.decay()`` of a schedule object the class holds, its number set after the capture,
    and ``getattr(type(p), "wd", 0.1)`` with the class given ``wd`` after it: the engine's
    numbers (captured again, said). Before, the capture's 36.5 where the engine gives 36.0,
    then 38.5 (an attacker's a64d f4 (a), (c))."""
    w, b = Scheduled(0.7), Asked(-0.4)

    def f(x):
        return (w * x + b - 1.0) ** 2 + w.decay() * w * w + getattr(type(b), "wd", 0.1) * b * b

    try:
        step = compile(f, native=native)
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            for k in range(4):
                if k == 1:
                    Scheduled.decay.wd = 0.5
                if k == 2:
                    Asked.wd = 0.0
                same(step, f, [w, b], 0.5 + k)
        assert step.captures == 3
        assert any("Scheduled.decay.wd is not what it was" in str(s.message) for s in said)
        assert "Asked was given the attribute 'wd'" in step.explain()
    finally:
        Scheduled.decay.wd = 0.01
        if "wd" in vars(Asked):
            del Asked.wd
