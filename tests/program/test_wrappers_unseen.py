"""What a capture puts in place of Python's own while it runs (``math.tanh``, ``max``,
``sum``, ``print``, ``random.random``; ``decimal.Decimal``, ``datetime.datetime``) is, to the
code that holds them as things rather than calls them, what they stand for: a key of a dict
made before (``GAIN.get(math.tanh, 1.0)``, ``TABLE[decimal.Decimal]``), a builtin to
``isinstance``, ``inspect.isbuiltin`` and ``type(...).__name__``, its module to
``__module__``. Each gave the capture's lookup (the key missed) at every call, silently
(issue 64). And the call stack read from inside
(``sys._getframe(1).f_locals``, ``inspect.currentframe().f_back``), whose frames above the
compiled function are the capture's and whose caller's locals change between calls, is
refused, naming the line."""

import datetime
import decimal
import inspect
import math
import random
import sys
import types

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

GAIN = {math.tanh: 5 / 3, max: 2.0, sum: 3.0, print: 7.0, random.random: 11.0}
TABLE = {decimal.Decimal: 2.0, datetime.datetime: 3.0}
NAMES = {(math.tanh, "tanh"), (max, "max")}
D = decimal.Decimal("1.5")

CASES = {
    "dict keyed by functions": lambda w: w * GAIN.get(math.tanh, 1.0) * GAIN.get(max, 1.0) *
    GAIN.get(sum, 1.0) * GAIN.get(print, 1.0) * GAIN.get(random.random, 1.0),
    "dict keyed by classes": lambda w: w * TABLE.get(decimal.Decimal, 10.0) *
    TABLE.get(datetime.datetime, 11.0) * TABLE.get(type(D), 13.0),
    "set of functions": lambda w: w * (2.0 if (math.tanh, "tanh") in NAMES else 3.0),
    "isinstance(math.tanh, BuiltinFunctionType)":
        lambda w: w * (2.0 if isinstance(math.tanh, types.BuiltinFunctionType) else 3.0),
    "inspect.isbuiltin(max)": lambda w: w * (2.0 if inspect.isbuiltin(max) else 3.0),
    "type(random.random).__name__":
        lambda w: w * (2.0 if type(random.random).__name__ == "builtin_function_or_method"
                       else 3.0),
    "sum.__module__": lambda w: w * (2.0 if sum.__module__ == "builtins" else 3.0),
    "math.tanh == GAIN's key": lambda w: w * (2.0 if next(iter(GAIN)) == math.tanh else 3.0),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("native", [False, True], ids=["python", "native"])
def test_what_stands_in_for_pythons_own_is_what_it_stands_for(name, native):
    f = CASES[name]
    step = compile(f, native=native)
    engine = f(Value(3.0)).data
    assert step(Value(3.0)).data == engine
    assert step(Value(3.0)).data == engine
    assert step.captures == 1


def test_they_are_called_as_before():
    """(what stands in is still what the capture follows: a math function of a number read
    is a step of the program, max of them too)"""
    def f(w):
        return w * math.tanh(w.data) + max(w.data, 0.5) * sum([w.data, 1.0])

    step = compile(f, native=False)
    for x in (0.3, -2.0):
        assert step(Value(x)).data == f(Value(x)).data
    assert step.captures == 1


def _caller_frame(w):
    return w * sys._getframe(1).f_locals.get("lr", 1.0)


def _current_frame(w):
    return w * inspect.currentframe().f_back.f_locals.get("lr", 1.0)


@pytest.mark.parametrize("f", [_caller_frame, _current_frame], ids=["sys._getframe(1)",
                                                                    "inspect.currentframe()"])
def test_the_call_stack_read_inside_is_refused(f):
    """The engine reads its caller's ``lr`` (0.1, then 0.2); the program gave the capture's
    frame's (none: 1.0) at every call."""
    step = compile(f)
    with pytest.raises(RuntimeError, match=r"it reads the call stack .* at "
                       r"test_wrappers_unseen\.py:\d+: return w \*"):
        lr = 0.1  # noqa: F841  (what the engine's caller_frame reads)
        step(Value(3.0))
