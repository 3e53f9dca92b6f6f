"""A NumPy array of floats given to a compiled function is, to the function, a NumPy array:
``xs.mean()``, ``xs > 0``, ``xs.shape``, ``xs * 2``, ``xs.std()``, ``np.exp(xs)`` give the
engine's numbers bit for bit, at every call, for arrays of other numbers too (before: it was
given as a list, so ``xs.mean()`` raised AttributeError naming an internal class, and
``(xs * 2)[1]`` repeated the list). An array of float32 (float16, long
double) is computed in its own type, as NumPy does (before: read as float64, silently)."""

import sys
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

np = pytest.importorskip("numpy")

W = Value(0.5)
USES = {
    "mean": lambda xs: float(xs.mean()),
    "compared": lambda xs: float((xs > 0).sum()) + xs.shape[0],
    "doubled": lambda xs: (xs * 2)[1] * float(xs.std()),
    "exp": lambda xs: float(np.exp(xs).sum()) + xs[0],
    "centred": lambda xs: ((xs - xs.mean()) ** 2)[-1],
}


@pytest.mark.parametrize("use", sorted(USES))
@pytest.mark.parametrize("rows", [1, 2])
def test_an_array_given_is_an_array_to_the_function(use, rows):
    def f(xs):
        return W * USES[use](xs.ravel() if rows == 2 else xs)

    step = compile(f, native=False)
    for numbers in ([1.0, 2.0], [3.0, -2.0], [-0.5, 0.25]):
        xs = np.array(numbers).reshape((1, 2) if rows == 2 else (2,))
        same(step, f, [W], xs)


@pytest.mark.parametrize("dtype", ["float32", "float16", "longdouble"])
def test_an_array_of_another_float_type_is_computed_in_that_type(dtype):  # (issue 64)
    def f(xs):
        return W * float(xs[0] * xs[1] + xs[1] + xs.mean()) * USES["centred"](xs)

    def items(xs):  # (item by item: its numbers the program's inputs, followed in its type)
        return W * float(xs[0] * xs[1] + xs[1]) + xs[0]

    def alone(x):  # (one number of that type given)
        return W * float(x * x + x) + x

    step, by_item, one = (compile(g, native=False) for g in (f, items, alone))
    for k in range(3):
        xs = np.array([0.1, 0.7 + k], dtype=dtype)
        same(step, f, [W], xs)
        same(by_item, items, [W], xs)
        same(one, alone, [W], xs[1])
    if sys.version_info >= (3, 11):  # (3.10: float(x) a constant, guarded: captured again,
        assert by_item.captures == one.captures == 1  # the numbers right, as at 3.11)


def test_an_item_set_in_an_array_given_is_refused_naming_the_line():
    def f(xs):
        xs[0] = 5.0
        return W * xs[0]

    with pytest.raises(RuntimeError, match=r"it changes the array given as argument 0 \(xs\), "
                                           r"at .*xs\[0\] = 5\.0"):
        compile(f, native=False)(np.array([1.0, 2.0]))


NUMPYS = {  # (what NumPy's float64 number does that Python's float does not)
    "repr": lambda xs: len(repr(xs[0])),  # np.float64(10.0)
    "a NumPy float": lambda xs: float(isinstance(xs[0], np.floating)),
    "its type": lambda xs: len(type(xs[0]).__name__),
    "its dtype": lambda xs: float(xs[0].dtype.itemsize) + xs[0].item(),
    "divided by 0": lambda xs: min(xs[0] / (xs[1] - 2.0), 5.0),  # inf, a RuntimeWarning
    "floor divided by 0": lambda xs: float(xs[0] // (xs[1] - 2.0) > 1.0),  # inf
    "overflowed": lambda xs: min(xs[0] ** 400.0, 5.0),  # inf, not OverflowError
    "to a fraction below 0": lambda xs: float(np.isnan((xs[1] - 5.0) ** 0.5)),  # not complex
    "ordinary": lambda xs: float(xs[0] * xs[1] + xs[1] / 3.0 - xs[0] ** 0.5),
}


@pytest.mark.parametrize("native", [False, True], ids=["Python", "native"])
@pytest.mark.parametrize("use", NUMPYS)
def test_a_float64_arrays_items_are_numpys_numbers(use, native):  # (issue 64)
    """An item of a float64 array given is NumPy's float64, as in the engine (before: a
    Python float: its repr 10.0, not a np.floating, a division by zero ZeroDivisionError,
    silently or loudly wrong); it runs natively where its steps are ordinary numbers."""
    def f(xs):
        return W * NUMPYS[use](xs)

    step = compile(f, native=native)
    for k in range(3):
        xs = np.array([10.0 + k, 2.0])
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            same(step, f, [W], xs)
        numpys = [str(w.message) for w in said if w.category is RuntimeWarning]
        assert numpys[:len(numpys) // 2] == numpys[len(numpys) // 2:]  # (NumPy's, said twice)
    if sys.version_info >= (3, 11):  # (3.10: float(x) a constant, guarded: captured again)
        assert step.captures == (1 if use != "repr" else 3)  # (a text: a constant)
    if native and use == "ordinary":
        assert step.program().kind == "native" and step.program().fallbacks == 0


@pytest.mark.parametrize("native", [False, True], ids=["Python", "native"])
def test_numpys_warning_is_said_as_the_engine_says_it(native):  # (issue 64)
    """NumPy's RuntimeWarning of a division by zero is said once where the engine says it:
    by the program where it computes the division, not again where a guard then fails (the
    capture's engine run says it) nor at a later call where nothing is divided by zero."""
    def f(xs):
        return W * float(min(xs[0] / xs[1], 3.0))

    step = compile(f, native=native)
    for numbers in ([0.5, 2.0], [2.0, 0.0], [0.5, 1e-200], [4.0, 0.0], [4.0, 0.0]):
        said = []
        for run in (step, f):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = run(np.array(numbers)).data
            said.append((out, [str(w.message) for w in caught if w.category is RuntimeWarning]))
        assert said[0] == said[1], numbers



TRAIN = np.array([1.0, 2.0])
ASKS = {"X is TRAIN": lambda X, xs: X is TRAIN, "X.base": lambda X, xs: X.base is None,
        "X.flags": lambda X, xs: X.flags.writeable, "X.strides": lambda X, xs: X.strides[0] == 8,
        "np.shares_memory": lambda X, xs: np.shares_memory(X, TRAIN),
        "xs[0] is xs[1]": lambda X, xs: xs[0] is xs[1]}


@pytest.mark.parametrize("asks", sorted(ASKS))
def test_which_array_or_its_layout_is_refused(asks):
    """The function gets a copy of a float array given, so what asks which
    array it is or how it is laid out saw the copy's (X is TRAIN: 1.05 where the engine gives
    2.1, at the first call): refused, naming it."""
    v, which = Value(0.7), ASKS[asks]

    def f(X, xs):
        return v * float(X.sum()) * (1.0 if which(X, xs) else 0.5)

    with pytest.raises(RuntimeError, match="cannot be captured as a program: .*(`is`|"
                       r"\.base|\.flags|\.strides|shares_memory).* NumPy array"):
        compile(f)(TRAIN, [TRAIN, TRAIN])
