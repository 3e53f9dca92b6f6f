"""A ``random.Random(seed)`` made inside a compiled function from a seed (an int argument, a
constant, a followed number) draws the seed's numbers at every call, as NumPy's
``default_rng(seed)`` made inside does: the engine's numbers, a program per seed. Before
(a64f's L2), its draws were refused, with advice (draw from the global generator) that
would have changed the learner's numbers. One made outside the call, or with no seed, or a
``SystemRandom``, is refused still, the advice saying how to make one that is followed."""

import random
import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile

W, B = Value(0.5), Value(0.1)
X = [0.5, 1.5, -0.3]


@pytest.mark.parametrize("native", [True, False])
def test_a_generator_made_inside_from_an_int_given_is_followed(native):
    def aug_loss(step):
        rng = random.Random(1234 + step)
        return sum((W * (x + rng.gauss(0.0, 0.1)) + B - 1.0) ** 2 for x in X)

    compiled = compile(aug_loss, native=native)
    for step in (0, 0, 1, 1, 0):
        same(compiled, aug_loss, [W, B], step)
    assert compiled.captures == 2 and compiled.runs == 3


@pytest.mark.parametrize("native", [True, False])
def test_a_generator_seeded_inside_from_a_followed_number_is_guarded(native):
    def loss(scale):
        rng = random.Random(scale)  # (a float given: the seed guarded to the bit)
        rng.seed(scale * 2.0)
        return (W * rng.random() + B) ** 2 * scale

    compiled = compile(loss, native=native)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for scale in (0.5, 0.5, 0.75, 0.75):
            same(compiled, loss, [W, B], scale)
    assert compiled.captures == 2 and compiled.runs == 2


def _unseeded():
    return random.Random()


def _system():
    return random.SystemRandom(5)


def _seeded_again_from_the_system():
    rng = random.Random(3)
    rng.seed()
    return rng


OUTSIDE = random.Random(7)


def _given_another_state():
    rng = random.Random(3)
    rng.setstate(OUTSIDE.getstate())  # (what OUTSIDE draws next: it changes between calls)
    return rng


@pytest.mark.parametrize("make", [_unseeded, _system, _seeded_again_from_the_system,
                                  _given_another_state])
def test_one_with_no_seed_is_refused_with_advice_that_keeps_the_numbers(make):
    def loss():
        return (W * make().random() + B) ** 2

    with pytest.raises(RuntimeError, match=r"made outside the call, or with no seed\); make "
                       r"it in the compiled function from a seed, random\.Random\(seed\)"):
        compile(loss)()


def test_one_made_outside_is_refused_with_advice_that_keeps_the_numbers():
    rng = random.Random(0)

    def loss():
        return (W * rng.random() + B) ** 2

    with pytest.raises(RuntimeError, match=r"make it in the compiled function from a seed"):
        compile(loss)()
