"""The type of a number computed from followed numbers, where it changes with the numbers and
not only with their types: ``2 ** -1`` is the float 0.5, ``2 ** 1`` the int 2; ``max(3, 2.5)``
is the int 3, ``max(3, 7.5)`` the float 7.5; ``statistics.mean([1, 3])`` is the int 2,
``mean([1, 2])`` the float 1.5. Before, nothing guarded it: with ``H = {"n": 2, "k": -1}``
read at every call, ``W * x * (3.0 if isinstance(H["n"] ** H["k"], int) else 1.0)`` gave 4.0
from the program where the engine gives 12.0 (``type(...) is int``, ``numbers.Integral``,
``.__class__``, ``type(...).__name__`` and ``hasattr(..., "is_integer")`` too), silently.
Now the type of such a step is guarded: another type, and the function is captured again."""

import numbers
import statistics
import warnings

import pytest

from tests.program.against_engine import same
from tests.program.parameters import W
from tinygrad_edu.program import compile

H = {"n": 2, "k": -1, "f": 1.5}

ASKED = {
    "isinstance": lambda p: isinstance(p, int),
    "type": lambda p: type(p) is int,
    "Integral": lambda p: isinstance(p, numbers.Integral),
    "__class__": lambda p: p.__class__ is int,
    "__name__": lambda p: type(p).__name__ == "int",
    "hasattr": lambda p: not hasattr(p, "is_integer"),  # (3.11: an int has none)
}


def _calls(f, native, numbers_at):
    """``f`` compiled, called with H set to each of ``numbers_at`` in turn: the engine's
    numbers at each call; the program."""
    step = compile(f, native=native)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for numbers_now in numbers_at:
                H.update(numbers_now)
                for x in (2.0, -0.5):
                    same(step, f, [W], x)
    finally:
        H.update(n=2, k=-1, f=1.5)
    return step


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("asked", ASKED, ids=list(ASKED))
def test_the_type_of_an_int_to_an_int_power_is_guarded(native, asked):
    is_int = ASKED[asked]

    def f(x):
        return W * x * (3.0 if is_int(H["n"] ** H["k"]) else 1.0)

    if asked == "hasattr" and hasattr(1, "is_integer"):  # (3.12 on: an int has it too)
        pytest.skip("an int has is_integer on this Python")
    assert f(2.0).data == 4.0 * W.data / 2.0  # (2 ** -1: a float)
    step = _calls(f, native, [{"n": 2, "k": -1}, {"n": 2, "k": 1}, {"n": 3, "k": 2},
                              {"n": 4, "k": -1}, {"n": 5, "k": 1}])
    assert step.captures == (4 if asked != "hasattr" else 5)  # (4 ** -1: a float where
    # 3 ** 2 was an int; a name an int lacks and a float has fixes the number, to the bit)


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("which", ["max", "min"])
def test_the_type_of_the_max_of_an_int_and_a_float_is_guarded(native, which):
    chosen = max if which == "max" else min

    def f(x):
        m = chosen(H["n"], H["f"])
        return W * x * m * (3.0 if isinstance(m, int) else 1.0)

    sign = 1 if which == "max" else -1  # (min: the same numbers, negated)
    step = _calls(f, native, [{"n": 2 * sign, "f": 1.5 * sign}, {"n": 3 * sign},
                              {"f": 2.5 * sign}, {"f": 7.5 * sign}, {"f": 0.5 * sign}])
    assert step.captures == 4  # (n, then f changed: read at every call; 7.5 wins, a float)


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_the_type_of_a_statistics_mean_of_ints_is_guarded(native):
    def f(x):
        m = statistics.mean([H["n"], H["k"]])
        return W * x * m * (3.0 if isinstance(m, int) else 1.0)

    step = _calls(f, native, [{"n": 1, "k": 3}, {"n": 5}, {"k": 7}, {"k": 2}, {"k": 9}])
    assert step.captures == 4  # (mean(5, 2) is 3.5, a float where mean(5, 7) was an int)


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_a_step_whose_type_does_not_change_is_not_guarded(native):
    """``2.0 ** k`` is a float for every k, and ``max`` of two ints an int: one capture."""
    def f(x):
        p = float(H["f"]) ** H["k"] + max(H["n"], H["k"])
        return W * x * p * (3.0 if isinstance(p, float) else 1.0)

    step = compile(f, native=native)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            H.update(n=4, k=-1, f=2.0)
            for x in (2.0, -0.5):
                same(step, f, [W], x)
    finally:
        H.update(n=2, k=-1, f=1.5)
    assert step.captures == 1


def test_the_type_guard_is_said_in_words_and_its_code_is_no_constant_of_unknown_origin():
    """``explain()`` says the guard on the learner's line ("an int when captured"), and lists
    no constant of unknown origin: the type's code is the capture's own (before: "constants
    of unknown origin: 3, at a line not known", and "a int")."""
    def f(x):
        return W * max(0, x)

    step = compile(f, native=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in (1.0, -1.0, 2.0):
            same(step, f, [W], x)
    said = step.explain()
    assert "an int when captured: another type at another call" in said, said
    assert "a float when captured" in said and "unknown origin" not in said, said
