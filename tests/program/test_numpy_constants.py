"""A NumPy number made inside a compiled function from literals (``np.tanh(2.0)``), kept by
``min()`` beside a number from outside that changes: captured again and run, as the engine
(before: the capture again raised "unhashable type: 'numpy.ndarray'" looking for where the
constant is held; found by the fuzzer, its case 812342)."""

import struct

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

np = pytest.importorskip("numpy")


class Cfg:
    scale = 1.69


def bits(x):
    return struct.pack("<d", float(x))


@pytest.mark.parametrize("native", [True, False])
def test_a_numpy_constant_beside_a_number_that_changes(native):
    w = Value(0.7)

    def f(x):
        x4 = np.tanh(2.0)
        return w * x * min(Cfg.scale, x4)

    step = compile(f, native=native)
    try:
        for scale in (1.69, 1.69, 0.5, 0.25, 0.75):
            Cfg.scale = scale
            w.grad = 0.0
            ours = step(Value(1.5))
            ours.backward()
            got = (bits(ours.data), bits(w.grad))
            w.grad = 0.0
            theirs = f(Value(1.5))
            theirs.backward()
            assert got == (bits(theirs.data), bits(w.grad))
    finally:
        Cfg.scale = 1.69
    assert step.captures == 2
