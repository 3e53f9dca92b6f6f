"""NumPy's objects an attacker (a64i) found followed in part: an array of no dimension given
(``np.array(0.1)``) was taken for a number, so ``lr.item()`` after ``lr *= 2.0`` between
calls stayed the capture's (engine 1.1, 1.7, 2.9; the program 1.1 at every call) and
``lr[()]`` raised; an array of a subclass of NumPy's held outside (a masked array, a
record array, ``np.matrix``, a class of the learner's) changed in place kept the capture's
numbers; NumPy's error state changed between calls (``np.errstate(divide="raise")``) was
not followed (the engine raised, the program gave the capture's number)."""

import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

np = pytest.importorskip("numpy")
W = Value(2.0)


@pytest.mark.parametrize("read", [lambda lr: lr.item(), lambda lr: lr.tolist(),
                                  lambda lr: float(lr[()]), lambda lr: float(lr[...])],
                         ids=["item", "tolist", "index ()", "index ..."])
@pytest.mark.parametrize("native", [True, False])
def test_an_array_of_no_dimension_given_and_changed_in_place(read, native):
    lr = np.array(0.1)

    def f(x, lr):
        return W * (x * read(lr))

    step = compile(f, native=native)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for _ in range(3):
            same(step, f, [W], 3.0, lr)
            lr *= 2.0  # (in place)


def test_the_item_of_a_numpy_float_given_at_its_one_index():
    def f(lr):
        return W * lr.item(0)

    same(compile(f), f, [W], np.float64(0.25))


class Quantity(np.ndarray):
    pass


MASKED = np.ma.array([0.5, 1.0, 9.0], mask=[False, False, True])
RECORDS = np.rec.fromrecords([(0.25, 1)], names="lr,n")
MATRIX = np.matrix([[0.25, 1.0]])
MINE = np.array([0.25, 1.0]).view(Quantity)


@pytest.mark.parametrize("read, change", [
    (lambda: float(MASKED.mean()), lambda k: MASKED.__setitem__(0, 0.5 + k)),
    (lambda: float(MASKED.mean()), lambda k: MASKED.mask.__setitem__(2, k > 1)),
    (lambda: float(RECORDS.lr[0]), lambda k: RECORDS.lr.__setitem__(0, 0.25 * k)),
    (lambda: float(MATRIX[0, 0]), lambda k: MATRIX.__setitem__((0, 0), 0.25 * k)),
    (lambda: float(MINE[0]), lambda k: MINE.__setitem__(0, 0.25 * k)),
], ids=["masked array", "its mask", "record array", "matrix", "a subclass of yours"])
def test_an_array_of_a_subclass_held_outside_and_changed_in_place(read, change):
    def f(x):
        return W * (x * read())

    step = compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for k in range(1, 4):
            change(k)
            same(step, f, [W], 3.0)


def test_numpys_error_state_changed_between_calls():
    def f(xs):
        return W * float(np.isinf(np.log(xs)).sum())

    xs = np.array([0.0, 1.0])
    with np.errstate(all="ignore"):
        step = compile(f)
        same(step, f, [W], xs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
            step(xs)
