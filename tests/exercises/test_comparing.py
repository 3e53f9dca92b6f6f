"""tinygrad_edu.exercises.comparing: the tolerance is tight, and an answer of the wrong kind
(nothing, text, a Value, too few or too many numbers, a coroutine) is refused with words that
say why, in the learner's process too."""

import numpy as np
import pytest

from tinygrad_edu import Value, walk
from tinygrad_edu.exercises import EXERCISES, check
from tinygrad_edu.exercises.apart import grade_apart

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


async def d_tanh_async(x, y):
    return 1 - y * y


@pytest.mark.parametrize("name, answer, words", [
    pytest.param("d_tanh", lambda x, y: None, "missing `return`", id="None"),
    pytest.param("d_tanh", lambda x, y: "1 - y*y", "not a number", id="text"),
    pytest.param("d_tanh", lambda x, y: (1 - y * y, 0.0), "should be one number", id="two"),
    pytest.param("d_tanh", lambda x, y: Value(1 - y * y), "return a plain number", id="a Value"),
    pytest.param("d_mul", lambda a, b, y: b, "should return 2 things, (dy/da, dy/db)",
                 id="the pair exercises say how many values to return"),
    pytest.param("d_tanh", d_tanh_async, "a coroutine: the function is an `async def`",
                 id="a coroutine"),
])
def test_an_answer_of_the_wrong_kind_says_what_is_wrong(name, answer, words):
    verdict = check(name, answer)
    assert not verdict.passed and words in str(verdict)


def test_an_honest_coroutine_is_a_wrong_answer_not_a_report(tmp_path):
    """An ``async def`` answer, and a coroutine left in a tuple, graded in the learner's
    process: wrong answers, the right one in the file passing. Before: the coroutine, freed
    never awaited in the grader's code, made a warning that read that code's file, and the
    audit reported the file for opening the grader's serve.py (0 for all three)."""
    path = tmp_path / "answers.py"
    path.write_text("async def twice(y):\n    return 2 * y\n\n\n"
                    "def d_tanh(x, y):\n    return 1 - y * y\n\n\n"
                    "async def d_exp(x, y):\n    return y\n\n\n"
                    "def d_sigmoid(x, y):\n    return (twice(y),)\n", encoding="utf-8")
    result = grade_apart(path, [EXERCISES[n] for n in ("d_tanh", "d_exp", "d_sigmoid")])
    assert not result.reported and result.problem is None, (result.reported, result.problem)
    assert result.verdicts["d_tanh"].passed
    assert "a coroutine: the function is an `async def`, whose call runs none of its body; " \
        "remove `async`" in str(result.verdicts["d_exp"])
    assert "should be one number, got a tuple" in str(result.verdicts["d_sigmoid"])
