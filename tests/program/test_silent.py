"""What an independent attacker still found silently wrong (or falsely refused) in compile()
after issue 64's first parts, each as a learner writes it: the program gives the engine's
numbers bit for bit, or refuses naming the line."""

import warnings

import pytest

from tests.program.test_sources import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

np = pytest.importorskip("numpy")

W = Value(0.5)
FLAG = False
MODE = False


def test_a_comparison_tested_with_is_or_matched_is_the_engines_bool():
    def tested(x):
        z = W * x
        pos = z.data > 0
        return z * (2.0 if pos is True else -1.0)

    def matched(x):
        z = W * x
        match z.data > 0:
            case True:
                return z * 2.0
            case False:
                return z * -1.0

    for f in (tested, matched):
        step = compile(f)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProgramWarning)
            for x in (1.0, -1.0, 1.0, 3.0, -2.0):
                same(step, f, [W], Value(x))
        assert step.captures == 2  # (one program each way: the comparison is a guard)


def test_a_global_bool_that_changes_stays_a_bool():
    global FLAG, MODE

    def tested(x):
        return W * x * (3.0 if FLAG is True else 1.0)

    def matched(x):
        match MODE:
            case True:
                return W * x * 3.0
            case _:
                return W * x

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProgramWarning)
        for f in (tested, matched):
            step = compile(f)
            try:
                for flag in (False, True, False, True, True):
                    FLAG = MODE = flag
                    same(step, f, [W], Value(1.0))
            finally:
                FLAG = MODE = False
            assert step.captures == 2  # (a program for each, kept)


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
