"""A name given to a Value after the capture that its code found missing, or found
elsewhere than on the Value: a mark tested by presence (``hasattr(p, "frozen")``,
``"frozen" in vars(p)``, ``try: p.frozen`` / ``except AttributeError``), a default a mixin
gives (``class Param(Decay, Value)``, ``class Param(Value, Decay)``), a ``__getattr__``
gives, or a ``cached_property``, with ``B.wd = 0.0`` set on one Value later. Each was
silent (an attacker's a64c f8: 2.018 where the engine gives 2.009; f6: 0.4965 where the
engine gives 0.4949): the learner's names a Value holds itself are guarded, and a mixin's
data is read where each Value reads it."""

import functools
import warnings

import pytest

from tests.program.against_engine import same, schedule_followed
from tinygrad_edu import Value
from tinygrad_edu.program import compile


def by_try(p):
    try:
        return p.frozen
    except AttributeError:
        return False


@pytest.mark.parametrize("frozen", [lambda p: hasattr(p, "frozen"),
                                    lambda p: "frozen" in vars(p), by_try])
def test_a_mark_given_to_a_value_after_the_capture_tested_by_presence(frozen):
    w, b = Value(0.7, label="w"), Value(0.3)

    def f(x):
        loss = (w * x + b - 1.0) ** 2
        for p in (w, b):
            if not frozen(p):
                loss = loss + 0.1 * p * p
        return loss

    for native in (True, False):
        vars(b).pop("frozen", None)
        step = compile(f, native=native)
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            for k in range(4):
                if k == 2:
                    b.frozen = True
                same(step, f, [w, b], 1.0 + k)
        assert any("was given the attribute 'frozen'" in str(s.message) for s in said)


class Decay:
    wd = 0.01


class Before(Decay, Value):
    pass


class After(Value, Decay):
    pass


DEFAULTS = {"wd": 0.01}


class Asked(Value):
    def __getattr__(self, name):
        if name in DEFAULTS:
            return DEFAULTS[name]
        raise AttributeError(name)


class Cached(Value):
    @functools.cached_property
    def wd(self):
        return 0.01


@pytest.mark.parametrize("kind", [Before, After, Asked, Cached])
def test_a_default_from_elsewhere_than_the_values_class_body_overridden_on_one(kind):
    a, b = kind(0.7, label="a"), kind(-0.4, label="b")

    def f(x):
        loss = (a * x + b - 1.0) ** 2
        for p in (a, b):
            loss = loss + p.wd * p * p
        return loss

    for native in (True, False):
        vars(a).pop("wd", None)
        vars(b).pop("wd", None)
        step = compile(f, native=native)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            for k in range(4):
                if k == 2:
                    b.wd = 0.0
                same(step, f, [a, b], 1.0 + k)
                assert (a.wd, b.wd) == (0.01, 0.0 if k >= 2 else 0.01)  # (as the learner
                # set them: a program writes none back)


def test_a_mixins_default_changed_on_the_mixin_is_followed_and_left_on_no_value():
    w = Before(0.7)
    for _, step in schedule_followed(Decay, w):
        assert "Decay.wd" not in step.explain()


@pytest.mark.parametrize("decay", [lambda p: 0.0 if hasattr(p, "frozen") else 0.1,
                                   lambda p: 0.0 if "frozen" in vars(p) else 0.1,
                                   lambda p: getattr(p, "wd", 0.1), by_try])
def test_a_name_asked_of_a_value_in_a_list_stays_missing(decay):
    """Values with no attribute of their own, in a list (checked at once, by identity): a
    name the code asked for and did not find is guarded to stay missing (the names of one
    whose ``__dict__`` it read, as ``vars(p)`` makes one, to stay the same)."""
    params = [Value(0.7), Value(0.3)]

    def f(x):
        loss = (params[0] * x + params[1]) ** 2
        for p in params:
            loss = loss + float(decay(p)) * p * p
        return loss

    for native in (True, False):
        for name in ("frozen", "wd"):
            vars(params[1]).pop(name, None)
        step = compile(f, native=native)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            for k in range(4):
                if k == 2:
                    params[1].frozen, params[1].wd = 1.0, 0.0
                same(step, f, params, 1.0 + k)


def test_a_getattr_default_of_a_value_in_a_list_overridden_on_one():
    params = []

    def f(x):
        loss = (params[0] * x + params[1]) ** 2
        for p in params:
            loss = loss + p.wd * p * p
        return loss

    for native in (True, False):
        params[:] = [Asked(0.7), Asked(0.3)]  # (no __dict__ yet)
        step = compile(f, native=native)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            for k in range(4):
                if k == 2:
                    params[1].wd = 0.0
                same(step, f, params, 1.0 + k)
