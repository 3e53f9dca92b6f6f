"""arrays.py: "is this an array, or a Tensor?", answered without importing NumPy or the tensor
engine, so that the scalar engine and its tools run where NumPy is not installed."""

import numpy as np

from tests.test_pure_python import run_without_numpy
from tinygrad_edu import Value
from tinygrad_edu.arrays import is_array, is_tensor
from tinygrad_edu.tensor import Tensor


def test_is_array_and_is_tensor():
    assert is_array(np.ones(2)) and is_array(np.array(1.0))  # a 0-d array too
    assert not is_array(np.float64(1.0))  # a NumPy number is a number, as a float is
    assert not any(map(is_array, [[1.0], 1.0, Value(1.0), Tensor([1.0]), None]))
    assert is_tensor(Tensor([1.0])) and is_tensor(Tensor(2.0))
    assert not any(map(is_tensor, [np.ones(2), Value(1.0), [Tensor([1.0])], None]))


def test_without_numpy_nothing_is_an_array_and_nothing_is_imported():
    printed = run_without_numpy("""
        from tinygrad_edu import Value
        from tinygrad_edu.arrays import is_array, is_tensor
        print(is_array([1.0]), is_array(Value(1.0)), is_tensor(Value(1.0)), tried,
              "tinygrad_edu.tensor" in sys.modules)
    """)
    assert printed.split() == ["False", "False", "False", "[]", "False"]
