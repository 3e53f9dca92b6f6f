"""A function whose ``__code__`` is replaced in place (as IPython's ``autoreload`` does,
keeping the function object): the compiled function's own, or a helper's it calls. Before,
the program kept the old code, silently (0.78 where the engine gives 3.15: found by an
independent attacker); now it is captured again, and says why."""

import gc
import warnings

import pytest

from tests.program.against_engine import same
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


ACTS = {"tanh": lambda v: v.tanh()}


def through_table(x):
    return ACTS["tanh"](W * x)


def branching_through_table(x):
    y = ACTS["tanh"](W * x)
    return y * 2.0 if y.data > 0.5 else y  # (a guard: the capture's Guard made)


def own(x):
    return (W * x).tanh()


def _other_own(x):
    return (W * x).relu() * 3.0


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("which", ["a helper's", "a method's", "a dict's", "its own"])
def test_a_function_whose_code_is_replaced_is_captured_again(which, native):
    function, holder, new = {"a helper's": (through_helper, act, _relu_times_3),
                             "a method's": (through_method, Layer.act, _method_relu),
                             "a dict's": (through_table, ACTS["tanh"], _relu_times_3),
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


def test_a_helper_held_in_its_module_is_found_there_not_among_every_object(monkeypatch):
    """A lambda in a dict of the module is found where its module holds it; the code a
    library compiled from a string that ran in the capture (the capture's own Guard's
    dataclass ``__init__``, ``dis``'s namedtuples' ``__new__``) is not looked for. Before,
    each capture looked among every object (``gc.get_referrers``: up to a third of a second
    in a test process holding PyTorch's objects)."""
    def everywhere(*objects):
        raise AssertionError(f"looked among every object for {objects}")

    monkeypatch.setattr(gc, "get_referrers", everywhere)
    for function in (through_table, branching_through_table):
        step = compile(function)
        for _ in range(3):
            same(step, function, [W], Value(1.5))
        assert step.captures == 1
        assert step.programs and all(e.functions for es in step.programs.values() for e in es)


@pytest.mark.parametrize("name", ["abs of a number", "abs of a Value", "max", "round"])
def test_a_builtin_replaced_between_calls_is_seen(name, monkeypatch):
    """``builtins.abs`` (``max``, ``round``) replaced between calls: the program kept the
    first one's numbers, silently (W * abs(x.data) at a doubling abs: 6.0 where the engine
    gives 12.0), and a capture under a replaced ``abs`` or ``round`` took it twice (the
    capture's own step called ``abs`` by its name: 24.0)."""
    import builtins

    held = {"abs": builtins.abs, "max": builtins.max, "round": builtins.round}
    x = Value(-3.0)
    f = {"abs of a number": lambda: W * abs(x.data), "abs of a Value": lambda: abs(x) * W,
         "max": lambda: W * max(x.data, 1.0), "round": lambda: W * round(x.data, 1)}[name]
    key = name.split()[0]
    step = compile(f)
    for k in (1.0, 2.0, 3.0, 3.0, 1.0):
        with monkeypatch.context() as patched:  # (Python's own again before any assert)
            patched.setattr(builtins, key, held[key] if k == 1.0 else
                            (lambda *a, k=k, **o: held[key](*a, **o) * k))
            ours, theirs = step(), f()
        assert ours.data == theirs.data
