"""NumPy called inside a compiled function: seeded inside (seeded again at every call), arrays
drawn from ``numpy.random`` (a dropout mask, noise, a matrix: the engine's numbers at every
call; an array drawn and returned is refused, saying why), ``np.std`` and ``np.var`` of
numbers read (nothing is said to change)."""

import sys
import warnings

import pytest

from tests.program.against_engine import same
from tests.program.attacker_weight import W
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

np = pytest.importorskip("numpy")

def test_numpy_seeded_inside_the_function_is_seeded_again_at_every_call():
    def f(x):
        np.random.seed(0)  # (the same noise at every step)
        return W * x * float(np.random.rand()) + W * np.random.sample()

    step = compile(f)
    for x in (1.0, 2.0, -1.0):
        same(step, f, [W], Value(x))
        after = np.random.get_state()[1].copy()  # (the stream left as the engine leaves it)
        step(Value(x))
        assert (np.random.get_state()[1] == after).all()
    assert step.captures == 1 and step.runs >= 3


def _drawn_alike(step, f, leaves, *args):
    """The compiled call and the engine's from the same random streams: value, gradients,
    and the streams left alike."""
    state = np.random.get_state()
    ours = same_state = None
    for leaf in leaves:
        leaf.grad = 0.0
    ours = step(*args)
    ours.backward()
    got = [ours.data] + [leaf.grad for leaf in leaves]
    same_state = np.random.get_state()[1].copy()
    np.random.set_state(state)
    for leaf in leaves:
        leaf.grad = 0.0
    theirs = f(*args)
    theirs.backward()
    assert got == [theirs.data] + [leaf.grad for leaf in leaves]
    assert (np.random.get_state()[1] == same_state).all()


@pytest.mark.parametrize("how", ["mask", "scaled", "noise", "matrix", "summed", "dtype",
                                 "ints", "where"])
def test_arrays_drawn_from_numpy_random_are_followed(how):
    """np.random.rand(2) (a dropout mask), normal(size=...), randint(size=...): the engine's
    numbers at every call (they were refused)."""
    b = Value(-0.25)

    def f(x):
        h = [W * x, b * x, W * b, x * 2.0]
        if how == "mask":
            m = np.random.rand(2) > 0.5
            return W * x * float(m[0]) + W * float(m[1])
        if how == "scaled":
            keep = (np.random.rand(4) < 0.7) / 0.7
            return sum(v * k for v, k in zip(h, keep))
        if how == "noise":
            return sum(v + e for v, e in zip(h, np.random.normal(0.0, 0.1, size=4)))
        if how == "matrix":
            m = np.random.randn(2, 2)
            return h[0] * m[0, 1] + h[1] * m[1][0] - m[1, 1] * h[2]
        if how == "summed":  # (not item by item: its numbers, guarded)
            m = np.random.rand(3) > 0.5
            return h[0] * float(m.sum()) + h[1] * float(np.mean(m))
        if how == "dtype":
            m = np.random.rand(2)
            return h[0] * float(m.dtype == np.float64) + h[1] * (m > 0.5).dtype.itemsize
        if how == "ints":
            m = np.random.randint(0, 2, size=4)
            return sum(v * float(k) for v, k in zip(h, m))
        m = np.random.rand(3)
        return h[0] * float(np.where(m > 0.5, m, 0.0)[1])

    step = compile(f)
    np.random.seed(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for x in (1.0, 2.0, -1.5, 0.5, 3.0, 1.0, -2.0):
            _drawn_alike(step, f, [W, b], Value(x))
    if how in ("scaled", "noise", "matrix", "dtype") or (
            how == "mask" and sys.version_info >= (3, 11)):  # (3.10: float(x) a constant)
        assert step.captures == 1  # (one program, whatever is drawn)


def test_an_array_drawn_returned_is_refused_with_why():
    def f(x):
        m = np.random.rand(2)
        return W * x, m

    with pytest.raises(TypeError, match="array drawn from numpy"):
        compile(f)(Value(1.0))


def test_numpys_std_and_var_of_numbers_read_say_nothing_changed():
    """np.std and np.var read NumPy's own {dtype: dtype} (its keys not walked): it was said
    to change ("it changes _complex_to_float"), though nothing did."""
    P = [Value(0.1 + 0.37 * i * (-1) ** i) for i in range(20)]

    def f(x):
        r = [(p * x).data for p in P]
        return W * float(np.std(r)) + W * float(np.var(r))

    with warnings.catch_warnings():
        warnings.simplefilter("error", ProgramWarning)
        step = compile(f)
        same(step, f, [W, *P], Value(1.1))
