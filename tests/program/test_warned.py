"""A warning the function issues is issued again at every call of its program, through the
filters as they are then, as the engine's call issues it. Before, the program issued none:
under ``warnings.simplefilter("error")`` (``pytest -W error``) the engine raised UserWarning
and the program returned 3.0 (issue 64)."""

import warnings

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(1.5)


def large(x):
    loss = W * x
    if loss.data > 2.0:
        warnings.warn("loss is large", stacklevel=1)
    return loss


def test_a_warning_inside_is_raised_again_under_error_as_the_engine_raises_it():
    step = compile(large)
    with pytest.warns(UserWarning, match="loss is large"):
        assert step(Value(2.0)).data == 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for run in (large, step):
            with pytest.raises(UserWarning, match="loss is large"):
                run(Value(2.0))
    assert step.captures == 1 and step.runs == 1


@pytest.mark.parametrize("action, shown", [("always", 3), ("default", 1), ("ignore", 0)])
def test_a_warning_inside_is_shown_as_often_as_the_engine_shows_it(action, shown):
    step = compile(large)
    with pytest.warns(UserWarning, match="loss is large"):
        step(Value(2.0))
    for run in (large, step):
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter(action)
            for _ in range(3):
                run(Value(2.0))
        assert [(str(g.message), g.lineno, g.category) for g in got] == [
            ("loss is large", large.__code__.co_firstlineno + 3, UserWarning)] * shown
    assert step.runs == 3


def test_a_warnings_text_made_of_a_number_is_the_calls():
    def f(x):
        loss = W * x
        warnings.warn(f"loss is {loss.data}", stacklevel=1)
        return loss

    step = compile(f)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        for x in (2.0, 3.0, 3.0):
            step(Value(x))
    assert [str(g.message) for g in got if g.category is UserWarning] == [
        "loss is 3.0", "loss is 4.5", "loss is 4.5"]


def test_a_warning_said_at_the_callers_line_is_said_at_the_line_calling_the_program():
    def f(x):
        warnings.warn("deprecated step", DeprecationWarning, stacklevel=2)
        return W * x

    step = compile(f)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        for run in (f, step, step):
            run(Value(2.0))
    assert len(got) == 3 and got[0].filename == __file__
    assert len({(g.filename, g.lineno) for g in got}) == 1
