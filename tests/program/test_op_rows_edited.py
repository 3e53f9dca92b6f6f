"""A row of the engine's op table edited (``engine.RELU.rules`` set to a straight-through
slope, ``engine.TANH.forward`` to a clip): the engine computes with the row as it is, and so
does a program: one captured before the edit is captured again (said), and natively a row
edited is not spelled in C as the engine made it (its Python program runs, said). Before, the
capture's slope or forward stayed, and native spelled relu's own slope even for a row edited
before the capture (an attacker's a64c f5: grads (1.0, 0.0) where the engine gives (2.4,
2.0); 0.3115 where the engine gives 0.29). So is a rule's code replaced in place
(``rule.__code__ = ...``, as autoreload does on an edited engine.py: a64d f5, grads (3.81,
1.90) where the engine gives (6.0, 3.0))."""

import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value, engine
from tinygrad_edu.program import compile

W, B = Value(0.7, label="w"), Value(-0.9, label="b")
AS_MADE = (engine.RELU.rules, engine.TANH.forward)
TANH_RULE = engine.TANH.rules[0]
TANH_CODE = TANH_RULE.__code__


def relu_of(x):
    return (W * x + B).relu() * 2.0 + W


def tanh_of(x):
    return (W * x + B).tanh() + W


def straight_through():
    engine.RELU.rules = (lambda x, out: 1.0,)


def clipped():
    engine.TANH.forward = lambda x: max(-1.0, min(1.0, x))


def code_replaced():  # (an edit of engine.py under autoreload: the rule's code set in place)
    TANH_RULE.__code__ = (lambda x, out: 1.0).__code__


@pytest.fixture(autouse=True)
def rows_as_made():
    yield
    engine.RELU.rules, engine.TANH.forward = AS_MADE
    TANH_RULE.__code__ = TANH_CODE


@pytest.mark.parametrize("f, edit", [(relu_of, straight_through), (tanh_of, clipped),
                                     (tanh_of, code_replaced)])
@pytest.mark.parametrize("native", [True, False])
def test_a_row_edited_after_the_capture_is_followed(f, edit, native):
    step = compile(f, native=native)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        for k in range(4):
            if k == 2:
                edit()
            same(step, f, [W, B], 0.5 + 0.1 * k)
    assert any("was edited since the capture" in str(s.message) for s in said)


@pytest.mark.parametrize("f, edit", [(relu_of, straight_through), (tanh_of, code_replaced)])
@pytest.mark.parametrize("native", [True, False])
def test_a_row_edited_before_the_capture_is_the_programs(f, edit, native):
    edit()
    step = compile(f, native=native)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        for k in range(3):
            same(step, f, [W, B], 0.5 + 0.1 * k)
