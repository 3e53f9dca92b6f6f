"""Holders a capture's walk enters, so a number changed in them between calls is seen (issue
64): a NumPy array of objects (its items, as a list's), an error kept (its
``args``), an attribute set on a class's method (reached through the class, a bound method,
a ``staticmethod``), a ``functools.partial``'s own attributes, a tuple subclass's attributes,
a dataclass's fields (``dataclasses.fields(HP)[0].default``, a field's ``metadata``);
a ``queue.SimpleQueue``, whose items cannot be seen, and a NumPy array of objects of two
dimensions, whose items are not followed, are refused naming the line."""

import dataclasses
import functools
import queue

import numpy as np
import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(1.5)
HP = np.array([{"lr": 0.1}, {"lr": 0.01}])  # (per-layer settings: an array of dicts)
LAST_ERROR = ValueError("diverged", {"lr": 0.1})
SHIFT = functools.partial(max, 0.0)
SHIFT.cfg = {"lr": 0.1}


class Pair(tuple):
    pass


PAIR = Pair((1.0,))
PAIR.scale = 0.1


class Model:
    def __init__(self):
        self.w = W

    def forward(self, x):
        return self.w * x * self.forward.scale * Model.fixed()

    @staticmethod
    def fixed():
        return Model.fixed.gain


Model.forward.scale = 0.1
Model.fixed.gain = 2.0


def test_numbers_in_holders_the_walk_enters_are_seen_when_changed():
    def f(x):
        return W * x * HP[0]["lr"] * LAST_ERROR.args[1]["lr"] * SHIFT.cfg["lr"] * PAIR.scale

    g = compile(f)
    m = Model()
    h = compile(m.forward)
    for k in range(1, 4):
        HP[0]["lr"] = 0.1 * k
        LAST_ERROR.args[1]["lr"] = 0.2 * k
        SHIFT.cfg["lr"] = 0.3 * k
        PAIR.scale = 0.4 * k
        Model.forward.scale = 0.5 * k
        Model.fixed.gain = 0.6 * k
        same(g, f, [W], 1.0)
        same(h, m.forward, [W], 1.0)


@dataclasses.dataclass
class Hyper:
    lr: float = 0.1
    decay: float = dataclasses.field(default=0.5, metadata={"scale": 1.0})


def test_a_dataclass_fields_default_and_metadata_changed_are_seen():
    def f(x):
        lr, decay = dataclasses.fields(Hyper)
        return W * x * lr.default * decay.metadata["scale"]

    step = compile(f)
    fields = Hyper.__dataclass_fields__
    try:
        for k in range(1, 4):
            fields["lr"].default = 0.05 * k
            fields["decay"].metadata = {"scale": 2.0 * k}
            same(step, f, [W], 1.0)
    finally:
        fields["lr"].default, fields["decay"].metadata = 0.1, {"scale": 1.0}


def test_a_simple_queue_is_refused_naming_the_line():
    held = queue.SimpleQueue()
    held.put(0.1)

    def f(x):
        lr = held.get()
        held.put(lr)
        return W * x * lr

    with pytest.raises(RuntimeError, match=r"a queue.SimpleQueue: what it holds cannot be "
                                           r"seen.* at test_holders_walked_into.py:\d+"):
        compile(f)(1.0)


def test_a_numpy_array_of_objects_of_two_dimensions_is_refused_naming_the_line():
    grid = np.empty((1, 2), dtype=object)
    grid[0, 0], grid[0, 1] = {"lr": 0.1}, None

    def f(x):
        return W * x * grid[0, 0]["lr"]

    with pytest.raises(RuntimeError, match=r"a NumPy array of objects of 2 dimensions: what "
                                           r"its items hold is not followed .* at "
                                           r"test_holders_walked_into.py:\d+"):
        compile(f)(1.0)
