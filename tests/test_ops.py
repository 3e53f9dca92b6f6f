"""ops.py: the rows of the op table and their registry, and the checks an op of your own
gets when it is made (a name of its own, functions of the right arity) and as it runs
(results that are numbers; any other error names the op). The words of the rows:
tests/test_op_words.py."""

import math
import operator

import pytest

from tinygrad_edu import OPS, Value, binary_op, grad, unary_op


def test_registry_covers_every_operator_and_method():
    expected = {"+", "-", "*", "/", "**", "neg", "exp", "log", "tanh", "sigmoid", "relu",
                "leaky_relu", "sqrt", "abs", "sin", "cos", "dot", "vsum"}
    assert expected <= set(OPS)


def test_redefining_a_user_op_replaces_it_and_built_in_ops_are_protected():
    try:
        first = unary_op("twice_for_test", lambda x: 2 * x, lambda x, y: 2.0)
        second = unary_op("twice_for_test", lambda x: 2 * x, lambda x, y: 2.0)  # a re-run cell
        assert OPS["twice_for_test"] is second.op is not first.op
    finally:
        OPS.pop("twice_for_test", None)
    with pytest.raises(ValueError, match="'tanh' is a built-in op"):
        unary_op("tanh", math.tanh, lambda x, y: 1 - y * y)
    assert OPS["tanh"] is Value(1.0).tanh()._row


@pytest.mark.parametrize("name", [None, "", "   ", 3, "step", "sign"])
def test_an_op_needs_a_name_of_its_own(name):
    before = dict(OPS)
    with pytest.raises((TypeError, ValueError), match=r"non-empty string|is a built-in op"):
        unary_op(name, math.exp, lambda x, y: y)
    assert OPS == before  # nothing registered half-way


def _key_error(x):
    return {}["missing"]


@pytest.mark.parametrize("make, call, error, words", [
    (lambda: unary_op("u_arity", math.exp, lambda x: x), None, TypeError,
     r"u_arity: its derivative must take 2 arguments \(x, y\); <lambda>\(x\) does not"),
    (lambda: unary_op("u_fwd", lambda: 1.0, lambda x, y: y), None, TypeError,
     r"u_fwd: its forward function must take 1 argument \(x\)"),
    (lambda: binary_op("b_arity", operator.mul, lambda a, b: b, lambda a, b, y: a), None,
     TypeError, r"b_arity: its derivative d_left must take 3 arguments \(a, b, y\)"),
    (lambda: unary_op("u_none", math.exp, lambda x, y: None), lambda f: f(Value(1.0)),
     TypeError, r"u_none: its derivative returned NoneType None, not a number"),
    (lambda: unary_op("u_fnone", lambda x: None, lambda x, y: 1.0), lambda f: f(2.0),
     TypeError, r"u_fnone: its forward function returned NoneType None"),
    (lambda: binary_op("b_str", operator.mul, lambda a, b, y: "b", lambda a, b, y: a),
     lambda f: f(Value(1.0), Value(2.0)), TypeError, r"b_str: its derivative d_left returned str"),
    (lambda: unary_op("u_math", math.sin, lambda x, y: math.cos(x)),
     lambda f: (lambda x: grad(f(x), [x], create_graph=True))(Value(1.0)), TypeError,
     r"u_math: its derivative rule does not run on Values.*tinygrad_edu's functions"),
])
def test_a_rule_of_your_own_that_fails_is_named_with_what_to_do(make, call, error, words):
    try:
        with pytest.raises(error, match=words):
            call(make()) if call else make()
    finally:
        for name in ("u_arity", "u_fwd", "b_arity", "u_none", "u_fnone", "b_str", "u_math"):
            OPS.pop(name, None)


@pytest.mark.skipif(not hasattr(BaseException, "add_note"), reason="notes need Python 3.11")
def test_any_other_error_of_a_rule_says_which_op_raised_it():
    keyed = unary_op("keyed", _key_error, lambda x, y: 1.0, register_op=False)
    with pytest.raises(KeyError) as raised:
        keyed(Value(1.5))
    assert raised.value.__notes__ == ["(raised by the op 'keyed' at 1.5)"]
