"""An argument whose numbers a program would not follow is refused at the call, saying what it
is and what to give: found by an independent attacker, the records of a
structured array (``np.genfromtxt(..., names=True)``), a NumPy array of objects (or a row of
one), a memoryview given were no inputs and not guarded: the first call's loss and gradient at
every call (engine 0.0625, 2.25, 2.25; compiled 0.0625 three times); a masked array raised
"generator raised StopIteration"."""

import array
import io

import numpy as np
import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.5)
DATA = np.genfromtxt(io.StringIO("x,y\n1.5,1\n3.0,0\n-1.0,1\n"), delimiter=",", names=True)


def loss(row):
    return (W * float(row["x"]) - float(row["y"])) ** 2


def first(xs):
    return W * float(xs[0])


GIVEN = {
    "a record": (loss, lambda i: DATA[i], r"argument 0 is a NumPy record of the structured "
                                          r"dtype \[\('x', '<f8'\), \('y', '<f8'\)\]: .* "
                                          r"Give each field as a float array"),
    "an object array": (first, lambda i: np.array([1.5 * (i + 1), "cat"], dtype=object),
                        r"argument 0 is a NumPy array of dtype object: .* Give "
                        r"xs\.astype\(float\), or a list"),
    "a row of an object array": (first, lambda i: np.array([[1.5 * i, 2.0]]).astype(object)[0],
                                 r"argument 0 is a NumPy array of dtype object"),
    "a masked array": (first, lambda i: np.ma.array([1.5 * i, 2.0], mask=[False, True]),
                       r"argument 0 is a NumPy masked array: .* xs\.filled\(0\.0\)"),
    "a memoryview": (lambda buf: W * buf[0], lambda i: memoryview(array.array("d", [1.5 * i])),
                     r"argument 0 is a memoryview: .* np\.frombuffer\(buf\)"),
    "one in a list": (lambda xs: W * xs[0][0], lambda i: [memoryview(array.array("d", [i]))],
                      r"argument 0\[0\] is a memoryview"),
}


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("case", sorted(GIVEN))
def test_an_argument_whose_numbers_are_not_followed_is_refused_at_the_call(case, native):
    f, given, said = GIVEN[case]
    step = compile(f, native=native)
    for i in range(3):
        with pytest.raises(TypeError, match=f"^{f.__name__}: " + said):
            step(given(i))
