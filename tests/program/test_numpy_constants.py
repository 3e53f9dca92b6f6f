"""A NumPy number made inside a compiled function from literals (``np.tanh(2.0)``), kept by
``min()`` beside a number from outside that changes: captured again and run, as the engine
(before: the capture again raised "unhashable type: 'numpy.ndarray'" looking for where the
constant is held; found by the fuzzer, its case 812342)."""


import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

np = pytest.importorskip("numpy")


class Cfg:
    scale = 1.69


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
            same(step, f, [w], Value(1.5))
    finally:
        Cfg.scale = 1.69
    assert step.captures == 2


def test_explain_of_an_int_arrays_item_compared_with_a_number_read():
    """Before, explain() (and verify= on a mismatch) raised TypeError: unhashable type:
    'numpy.ndarray' where an item of an int array given is compared with a number read."""
    w = Value(2.0)
    step = compile(lambda b, arr: (w * b, arr[0] >= b.data), native=False)
    step(Value(1.0), np.array([0, 40], dtype=np.int32))
    assert "1 program(s)" in step.explain()
