"""A NumPy array given is, to the function, the engine's array in its text and its type too:
``f"{xs}"``, ``str(xs)``, ``repr(xs)``, ``format``, ``type(xs) is np.ndarray`` (found by an
independent attacker: ``f"{xs}"`` was ``'[np.float64(1.5) np.float64(-2.0)
...]'`` where the engine's is ``'[ 1.5 -2.   0.1]'``, ``repr(xs)`` ``'Drawn([...])'``, and
``type(xs) is np.ndarray`` was False, a silent wrong number where code branched on it). The
text is made of the array's numbers, each guarded to the bit: new numbers, a capture again
(said), the engine's text at every call. So are its bytes and what is pickled (before:
``np.frombuffer(xs.tobytes())`` read the addresses of the objects that followed its floats,
silently), and a mask (``xs[xs > 0]``), a join (``np.concatenate``), ``xs.round(1)`` and
``xs.view(np.int32)`` give the engine's numbers (before: errors, a RecursionError for the
join), and ``memoryview(xs)`` a read-only view of its numbers (before: "memoryview: format O
not supported"; a write through it is refused). An array of a subclass of NumPy's (``np.matrix``,
whose ``*`` is a product of matrices, ``np.memmap``) is given as itself, a program for its
numbers (before: followed as a plain array, ``(m * m).sum()`` 15.0 where the engine's is
27.0)."""

import pickle
import warnings

import numpy as np
import pytest

from tests.program.against_engine import bits
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

W = Value(0.5)


def shown(xs):
    ys = xs[1:]
    memory = (float(np.frombuffer(xs.tobytes(), xs.dtype)[-1]) + xs[xs > 0].sum() +
              np.concatenate([xs, ys]).sum() + xs.round(1).sum() +
              float(xs.view(np.int32)[1] % 7) + pickle.loads(pickle.dumps(xs))[0] +
              float(bytes(xs)[1]) + memoryview(xs)[2] + isinstance(memoryview(xs), memoryview))
    return (W * float(xs[0]) * (2.0 if type(xs) is np.ndarray else 3.0), f"{xs}", str(ys),
            repr(xs), format(xs, ""), str.format("{}", ys), type(ys).__name__,
            xs.__class__.__name__, repr(xs[0]), f"{xs[1]:.3g}", len(str(xs)), W * memory)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_text_and_type_of_an_array_given_are_the_engines_at_every_call(dtype):
    step = compile(shown, native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)  # (captured again: said once)
        for numbers in ([1.5, -2.0, 0.1], [2.5, 3.0, 1e-3], [2.5, 3.0, 1e-3]):
            xs = np.array(numbers, dtype=dtype)
            ours, theirs = step(xs), shown(xs)
            assert ours[0].data == theirs[0].data and ours[1:-1] == theirs[1:-1]
            assert bits(ours[-1].data) == bits(theirs[-1].data)
    assert step.captures == 2  # (the third call's numbers are the second's: its program)


def test_a_write_through_a_memoryview_of_an_array_given_is_refused_naming_the_line():
    def written(xs):
        view = memoryview(xs)
        view[0] = 2.0
        return W * float(xs[0])

    with pytest.raises(RuntimeError, match=r"it writes through memoryview\(\) of a NumPy array "
                       r"given .* at test_text_of_arrays_given\.py:\d+: +view\[0\] = 2\.0; return"):
        compile(written)(np.array([1.0, 3.0]))


def test_an_array_of_a_subclass_is_given_as_itself():
    def product(m):
        return W * float((m * m).sum()), type(m).__name__, str(m[0])

    m = np.matrix([[1.0, 2.0], [3.0, 4.0]])  # (a program for its numbers: the engine's,
    ours, theirs = compile(product, native=False)(m), product(m)  # 27.0, at the first call)
    assert ours[0].data == theirs[0].data and ours[1:] == theirs[1:]
