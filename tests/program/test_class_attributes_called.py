"""An object with a ``__call__`` held as a class attribute (a model of ``tinygrad_edu.nn``, a
schedule object, a ``functools.partial``: settings and models kept on a class) is data the
capture walks and guards, not a method: a parameter replaced, a schedule's number changed,
the attribute rebound, each after the capture, gives the engine's numbers (captured again,
said). Before, a callable at class level was taken for a method and never walked (an
attacker's a64d f3: 0.4298 with the gradient on the old bias where the engine gives 5.4963;
36.1 at every call where the engine gives 36.0, then 36.5)."""

import functools
import operator
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.nn import MLP
from tinygrad_edu.program import compile

W, B, NEW_B = Value(2.0, label="w"), Value(1.0, label="b"), Value(3.0, label="new_b")


class Schedule:
    def __init__(self):
        self.wd = 0.1

    def __call__(self):
        return self.wd


class Trainer:
    model = MLP(1, [1], seed=0)
    decay = Schedule()
    scale = functools.partial(operator.mul, 0.1)


TR = Trainer()
OLD_B = Trainer.model.layers[0].neurons[0].b


def _fit(x):
    out = TR.model([0.5])
    return ((out[0] if isinstance(out, list) else out) - x) ** 2


CASES = {  # (the function, its leaves, what changes from the second call, putting it back)
    "a model's bias replaced": (_fit, [*Trainer.model.parameters(), NEW_B],
                                lambda: setattr(Trainer.model.layers[0].neurons[0], "b", NEW_B),
                                lambda: setattr(Trainer.model.layers[0].neurons[0], "b", OLD_B)),
    "a schedule object's number": (lambda x: (W * x + B - 1.0) ** 2 + TR.decay() * B * B,
                                   [W, B], lambda: setattr(Trainer.decay, "wd", 0.5),
                                   lambda: setattr(Trainer.decay, "wd", 0.1)),
    "a partial rebound": (lambda x: (W * x + B - 1.0) ** 2 + TR.scale(1.0) * B * B, [W, B],
                          lambda: setattr(Trainer, "scale", functools.partial(operator.mul,
                                                                              0.5)),
                          lambda: setattr(Trainer, "scale", functools.partial(operator.mul,
                                                                              0.1))),
}


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("which", sorted(CASES))
def test_a_callable_object_on_a_class_is_walked_and_guarded(which, native):
    f, leaves, change, put_back = CASES[which]
    step = compile(f, native=native)
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            for k in range(3):
                if k == 1:
                    change()
                same(step, f, leaves, 0.5 + k)
    finally:
        put_back()
    assert step.captures == 2
    assert any("is not what it was" in str(s.message) for s in said)
