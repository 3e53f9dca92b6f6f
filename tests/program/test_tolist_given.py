"""``tolist()`` of a NumPy float array given gives Python floats, as in the engine, followed:
found by an independent attacker, it gave the array's own NumPy numbers, so
what followed was float32 arithmetic where the engine computes in Python floats
(``w * sum(xs.tolist())``: engine -0.2999999988824129, compiled -0.30000000447034836). So does
``xs.item(k)`` (before: NumPy's number, so ``xs.item(0) / 0.0`` was inf where the engine
raises ZeroDivisionError, and ``repr`` was ``np.float64(1.5)``, silently)."""

import statistics

import numpy as np
import pytest

from tests.program.against_engine import bits
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.75)


def forms(xs):
    listed = xs.tolist()
    flat = xs.reshape(-1).tolist()
    return (W * sum(flat), W * statistics.mean(flat), W * (flat[0] * flat[1]),
            W * float(type(flat[0]) is float),
            W * float(isinstance(listed[0], list)),
            W * xs.item(1) * float(type(xs.item(0)) is float))  # (item(): Python's float too)


@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_tolist_of_a_float_array_given_is_pythons_floats_followed(dtype):
    step = compile(forms, native=dtype != "float64")
    for given in ([1.5, -2.0, 0.1, 0.3], [0.7, 0.25, -3.1, 2.0]):
        xs = np.array(given, dtype=dtype).reshape(2, 2)
        ours, theirs = step(xs), forms(xs)
        assert [bits(r.data) for r in ours] == [bits(v.data) for v in theirs]
    assert step.captures == 1  # (followed, not constants)
    assert compile(lambda xs: (W * 1.0, repr(xs.tolist()[0])))(xs)[1] == repr(xs.tolist()[0])
