"""A function whose ``__code__`` is replaced in place (as IPython's ``autoreload`` does,
keeping the function object): the compiled function's own, or a helper's it calls. Before,
the program kept the old code, silently (0.78 where the engine gives 3.15: found by an
independent attacker); now it is captured again, and says why."""

import warnings

import pytest

from tests.program.test_sources import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.7)


def act(v):
    return v.tanh()


def _relu_times_3(v):
    return v.relu() * 3.0


def through_helper(x):
    return act(W * x)


class Layer:
    def act(self, v):
        return v.tanh()


LAYER = Layer()


def through_method(x):
    return LAYER.act(W * x)


def _method_relu(self, v):
    return v.relu() * 3.0


def own(x):
    return (W * x).tanh()


def _other_own(x):
    return (W * x).relu() * 3.0


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("which", ["a helper's", "a method's", "its own"])
def test_a_function_whose_code_is_replaced_is_captured_again(which, native):
    function, holder, new = {"a helper's": (through_helper, act, _relu_times_3),
                             "a method's": (through_method, Layer.act, _method_relu),
                             "its own": (own, own, _other_own)}[which]
    old = holder.__code__
    step = compile(function, native=native)
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            for k in range(4):
                if k == 2:
                    holder.__code__ = new.__code__
                same(step, function, [W], Value(1.5))
    finally:
        holder.__code__ = old
    assert step.captures == 2
    assert any(f"the code of {holder.__qualname__} was replaced" in str(m.message)
               for m in said), [str(m.message) for m in said]
