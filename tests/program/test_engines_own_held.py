"""The engine's own ways to a Value's number bound before the call (an attacker's S7): an
``operator.attrgetter("_data")``, ``Value.data.fget`` (one), ``Value.data.__get__``; the
slots ``Value.__dict__["_data"]`` and ``["grad"]``; ``Value.item`` or ``w.item`` held. Each
read the number (or the gradient) where no capture saw it: the capture's number was the
program's at every call, 0.5 where the engine's optimizer had made it 0.125, silently. The
first three are followed now (the engine's numbers), the rest refused, naming what is held
and where."""

import operator

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.5)
NUMBER = operator.attrgetter("_data")
FGET = Value.data.fget
GET = Value.data.__get__
SLOT = Value.__dict__["_data"].__get__
GRAD = Value.__dict__["grad"].__get__
ITEM = Value.item


def _by_attrgetter(x):
    return x * NUMBER(W)


def _by_fget(x):
    return x * FGET(W)


def _by_get(x):
    return x * GET(W, Value)


def _in_a_default(x, number=operator.attrgetter("_data")):
    return x * number(W)


@pytest.mark.parametrize("f", [_by_attrgetter, _by_fget, _by_get, _in_a_default])
@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_number_read_by_the_engines_own_accessor_bound_before_is_followed(f, native):
    step = compile(f, native=native)
    try:
        for number in (0.5, 0.25, 0.125):
            W.data = number  # (an optimizer's step between calls)
            assert step(Value(1.0)).data == f(Value(1.0)).data == number
            x = Value(1.0)
            step(x).backward()
            assert x.grad == number
    finally:
        W.data = 0.5


def _by_slot(x):
    return x * SLOT(W, Value)


def _by_grad(x):
    return x * GRAD(W, Value)


def _by_item(x):
    return x * ITEM(W)


def _by_bound(x, item=W.item):
    return x * item()


@pytest.mark.parametrize("f, said", [
    (_by_slot, r"it holds Value's own field '_data' .* at SLOT, bound before the call: .*read "
               r"x\.data \(or x\._data\) by its name"),
    (_by_grad, r"it holds Value's own field 'grad' .* at GRAD, .*read gradients outside"),
    (_by_item, r"it holds Value's own method 'item' at ITEM, .*call x\.item\(\) by its name"),
    (_by_bound, r"it holds Value's own method 'item' at _by_bound\.__defaults__\[0\], "),
])
def test_the_engines_own_slot_or_method_held_is_refused_naming_it(f, said):
    with pytest.raises(RuntimeError, match=rf"{f.__name__} cannot be captured as a program: "
                                           rf"{said}.*, at test_engines_own_held\.py:\d+"):
        compile(f)(Value(1.0))
