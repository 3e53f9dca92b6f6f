"""tinygrad_edu.exercises.comparing: the tolerance is tight, and an answer of the wrong kind
(nothing, text, a Value, too few or too many numbers) is refused with words that say why."""

import numpy as np
import pytest

from tinygrad_edu import Value, walk
from tinygrad_edu.exercises import EXERCISES, check

SCALED = [name for name, ex in EXERCISES.items() if ex.judge is None]


@pytest.mark.parametrize("name", SCALED)
def test_an_answer_one_percent_off_fails(name):
    """The tolerance is tight: 1.01 times the right answer never passes."""
    ex = EXERCISES[name]

    def one_percent_off(*args):
        if name in ("sgd_step", "backward_step", "backward"):  # they change their inputs
            ex.reference(*args)
            for v in walk(args[0]) if name == "backward" else args[0] if name == "sgd_step" \
                    else args[0].parents:
                if name == "sgd_step":
                    v.data *= 1.01
                else:
                    v.grad *= 1.01
            return None
        answer = ex.reference(*args)
        if isinstance(answer, tuple):
            return tuple(1.01 * np.asarray(a) for a in answer)
        return 1.01 * np.asarray(answer)

    verdict = check(name, one_percent_off)
    assert not verdict.passed


@pytest.mark.parametrize("name, answer, words", [
    pytest.param("d_tanh", lambda x, y: None, "missing `return`", id="None"),
    pytest.param("d_tanh", lambda x, y: "1 - y*y", "not a number", id="text"),
    pytest.param("d_tanh", lambda x, y: (1 - y * y, 0.0), "should be one number", id="two"),
    pytest.param("d_tanh", lambda x, y: Value(1 - y * y), "return a plain number", id="a Value"),
    pytest.param("d_mul", lambda a, b, y: b, "should return 2 things, (dy/da, dy/db)",
                 id="the pair exercises say how many values to return"),
])
def test_an_answer_of_the_wrong_kind_says_what_is_wrong(name, answer, words):
    verdict = check(name, answer)
    assert not verdict.passed and words in str(verdict)
