"""An array-like given that is no NumPy float array (a torch tensor, an object with ``shape``
and ``tolist()``) is keyed by what it holds, to the bit, and is no input: before, its
floats were counted among the call's inputs that no
program reads, so the float given after it read the array's number instead
(``w * x + float(t.sum())`` of ``torch.tensor([1.0]), 2.0``: engine 2.0, compiled 1.5)."""

import pytest

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


def test_an_object_with_a_shape_given_is_guarded_or_refused():
    """Before, an object with a .shape and no tolist() was keyed by its address but
    not kept, its numbers not guarded: Box(x) fresh at each call ran an old Box's program (2.1
    where the engine gives 2.8); a Tensor given changed in place kept its first number (2.1,
    engine 4.9). A Box's attributes are guarded now; a Tensor (its numbers in slots) refused."""
    np = pytest.importorskip("numpy")
    from tinygrad_edu.tensor import Tensor

    class Box:
        shape = (1,)

        def __init__(self, x):
            self.x = x

    v = Value(0.7)
    step = compile(lambda b: v * b.x)
    for k in range(1, 7):
        assert bits(step(Box(float(k))).data) == bits((v * float(k)).data)
    with pytest.raises(TypeError, match=r"argument 0 is a Tensor \(a shape, no tolist\(\).*"
                       r"np\.asarray\(x\)"):
        compile(lambda t: v * float(t.sum().data))(Tensor(np.array([1.0, 2.0])))


HELD = None  # (a Tensor held outside: a global)


def test_a_tensor_held_outside_and_changed_in_place_is_guarded():
    """Before, a Tensor of the package's held outside the function (a global)
    and changed in place between calls gave the first call's number (2.1, engine 4.9): the
    walk did not look into it. Its numbers are guarded now, as a NumPy array's are."""
    global HELD
    np = pytest.importorskip("numpy")
    from tinygrad_edu.tensor import Tensor

    HELD = Tensor(np.array([1.0, 2.0]))

    def g():
        return W * float(HELD.sum().data)

    step = compile(g, native=False)
    first = step().data
    HELD.data[0] = 5.0  # (in place)
    assert (first, step().data) == (1.5, g().data) and step.captures == 2
