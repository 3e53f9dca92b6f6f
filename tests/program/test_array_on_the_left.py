"""A NumPy array on the left of an operator with a followed number is the array NumPy gives,
its items indexable: found by an independent attacker, ``A * x``, ``A / x``,
``np.array([a.data, b.data]) - max(...)`` (a softmax), ``A * LR`` once the global LR changed
gave a number of the capture's standing for the array: "'Traced' object is not subscriptable",
"is not iterable", "has no len()", where the engine gives numbers. The number is a constant
guarded to the bit: another one is captured again."""

import numpy as np

from tests.program.against_engine import bits
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(0.75)
A = np.array([1.0, 2.0, 3.0])
LR = 0.1


def forms(x, a, b):
    z = np.exp(np.array([a.data, b.data]) - max(a.data, b.data))
    return (W * float((A * x)[1]), W * float(len(A / x)), W * float(sum(A ** x)),
            W * float((z / z.sum())[0]), W * float((A * LR)[2]), W * float((A - a.data)[0]))


def test_an_array_on_the_left_of_a_followed_number_gives_the_engines_numbers():
    global LR
    step = compile(forms, native=False)
    for x, a, b, lr in [(1.5, 0.5, -1.0, 0.1), (2.0, -0.5, 3.0, 0.2)]:
        LR = lr
        ours, theirs = step(x, Value(a), Value(b)), forms(x, Value(a), Value(b))
        assert [bits(r.data) for r in ours] == [bits(v.data) for v in theirs]
