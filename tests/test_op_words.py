"""The words of a rule say what the rule computes.

Each row of the op table carries its rules twice: as code, and in words (``formula`` for
the forward function, ``local`` for each local derivative), which stepping, drawing and the
replay page print. Words that drift from the code would teach a wrong formula with the
right numbers beside it. So each word is read as a formula (``·`` a product, ``²`` a
square, ``ln`` the natural log, ``{0}``, ``{1}``, ``{out}`` the operands and the output),
evaluated at sample points, and compared with the rule the row runs.
"""

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import OPS
from tinygrad_edu.row import ListOp, local_derivative
from tinygrad_edu.testing import floats_in_domain

READING = [("·", "*"), ("²", "**2"), ("^", "**"), ("α", "{1}"), ("−", "-"), ("ln(", "log(")]


def python_of(words, operands):
    """The words of a formula as a Python expression of ``a``/``b`` (or ``x``) and ``y``."""
    for mark, meaning in READING:
        words = words.replace(mark, meaning)
    return re.sub(r"\{(\d|out)\}",
                  lambda m: "y" if m.group(1) == "out" else operands[int(m.group(1))], words)


# What the words' functions mean, written here from their definitions (not the engine's).
MEANINGS = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh, "sin": math.sin,
    "cos": math.cos, "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
    "relu": lambda x: x if x > 0 else 0.0, "abs": abs,
    "sign": lambda x: (x > 0) - (x < 0), "leaky_relu": lambda x, a: x if x > 0 else a * x,
}

WORDED = sorted(name for name, op in OPS.items()
                if not isinstance(op, ListOp) and op.formula and op.local)


def test_every_built_in_op_has_words():
    assert {"+", "-", "*", "/", "**", "neg", "exp", "log", "sqrt", "tanh", "sigmoid", "sin",
            "cos", "relu", "abs", "leaky_relu"} <= set(WORDED)


@pytest.mark.parametrize("name", WORDED)
@given(data=st.data())
def test_the_words_compute_what_the_rules_compute(name, data):
    op = OPS[name]
    n = len(op.rules)
    operands = ["x"] if n == 1 else ["a", "b"]
    given_ = [data.draw(floats_in_domain(op, i), label=operands[i]) for i in range(op.arity)]
    if op.default is not None:
        given_.append(op.default)
    y = op.forward(*given_)
    scope = dict(MEANINGS, y=y, **dict(zip(operands, given_)))
    formula = python_of(op.formula, operands)
    assert math.isclose(eval(formula, scope), y, rel_tol=1e-12, abs_tol=1e-12), (
        f"{name}: its formula {op.formula!r} ({formula}) is not its forward function")
    for i, rule in enumerate(op.rules):
        if rule is None:  # an operand that gets no gradient: no words for it
            continue
        words = python_of(op.local[min(i, len(op.local) - 1)], operands)
        said, done = eval(words, scope), local_derivative(rule, *given_, y)
        assert math.isclose(said, done, rel_tol=1e-12, abs_tol=1e-12), (
            f"{name}: its derivative for operand {i} says {op.local[i]!r} ({words} = {said}), "
            f"its rule computes {done}")


def test_a_word_that_drifted_from_its_rule_is_caught():
    words = python_of("{1}", ["a", "b"])  # the words of d(a*b)/da
    assert eval(words, {"a": 2.0, "b": 3.0}) == 3.0
    swapped = eval(python_of("{0}", ["a", "b"]), {"a": 2.0, "b": 3.0})  # d/db's words for d/da
    assert swapped != OPS["*"].rules[0](2.0, 3.0, 6.0)
