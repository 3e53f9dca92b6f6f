"""A NumPy array of floats given to a compiled function is, to the function, a NumPy array:
``xs.mean()``, ``xs > 0``, ``xs.shape``, ``xs * 2``, ``xs.std()``, ``np.exp(xs)`` give the
engine's numbers bit for bit, at every call, for arrays of other numbers too (before: it was
given as a list, so ``xs.mean()`` raised AttributeError naming an internal class, and
``(xs * 2)[1]`` repeated the list; h-attack64f's L1). An array of float32 (float16, long
double) is computed in its own type, as NumPy does (before: read as float64, silently)."""

import sys

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
