"""An array-like given that is no NumPy float array (a torch tensor, an object with ``shape``
and ``tolist()``) is keyed by what it holds, to the bit, and is no input: found by this
session's helper after h-attack64h, its floats were counted among the call's inputs that no
program reads, so the float given after it read the array's number instead
(``w * x + float(t.sum())`` of ``torch.tensor([1.0]), 2.0``: engine 2.0, compiled 1.5)."""

from tests.program.against_engine import bits
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.5)


class Column:
    """An array-like of the learner's: a shape and its numbers as a list."""

    def __init__(self, *numbers):
        self.numbers, self.shape = list(numbers), (len(numbers),)

    def tolist(self):
        return list(self.numbers)

    def sum(self):
        return sum(self.numbers)


def f(t, x):
    return W * x + float(t.sum())


def test_an_array_like_given_is_no_input_and_its_numbers_are_guarded():
    step = compile(f, native=False)
    for t, x in [(Column(1.0), 2.0), (Column(1.0), 2.0), (Column(2.0), 2.0), (Column(2.0), 4.0)]:
        assert bits(step(t, x).data) == bits(f(t, x).data)
    assert step.captures == 2
