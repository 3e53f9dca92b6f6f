"""higher.py: a node's local derivatives recomputed as Values by the op's own rules, so that a
gradient can be differentiated again; a rule that cannot build a graph is refused by name.
(Second derivatives end to end: tests/autograd/test_gradients.py; numbers changed since the forward
pass: tests/test_changes.py.)"""

import math

import pytest

from tinygrad_edu import Value, dot, grad, unary_op, vsum
from tinygrad_edu.autograd.higher import floats_refused, local_grads_as_values


@pytest.mark.parametrize("make", [
    lambda a, b: a * b, lambda a, b: a / b, lambda a, b: a ** b, lambda a, b: (a * b).tanh(),
    lambda a, b: a.sigmoid(), lambda a, b: a.relu(), lambda a, b: 3.0 / a,
    lambda a, b: dot([a, b], [b, 2.0]), lambda a, b: vsum([a, b, 1.0]),
], ids=["mul", "div", "pow", "tanh", "sigmoid", "relu", "rdiv", "dot", "vsum"])
def test_the_rules_run_again_on_values_give_the_local_derivatives(make):
    a, b = Value(1.5, label="a"), Value(0.5, label="b")
    node = make(a, b)
    again = local_grads_as_values(node)
    assert len(again) == len(node.parents)
    assert all(isinstance(g, (Value, float)) for g in again)
    assert [g.data if isinstance(g, Value) else g for g in again] == pytest.approx(
        list(node.local_grads), rel=1e-15)


def test_a_local_derivative_as_a_value_has_the_graph_of_its_rule():
    x = Value(0.5, label="x")
    y = x.tanh()
    (d,) = local_grads_as_values(y)  # dy/dx = 1 - y², a graph over x
    assert d.data == pytest.approx(1 - math.tanh(0.5) ** 2)
    (dd,) = grad(d, [x])
    assert dd == pytest.approx(-2 * math.tanh(0.5) * (1 - math.tanh(0.5) ** 2))


def test_floats_refused_inside_the_block_only_and_nested():
    x = Value(0.5)
    with floats_refused("outer: no floats here"):
        with pytest.raises(TypeError, match="outer: no floats here"):
            float(x)
        with floats_refused("inner"):
            with pytest.raises(TypeError, match="inner"):
                math.cos(x)
        with pytest.raises(TypeError, match="outer"):  # the outer reason is back
            float(x)
    assert float(x) == 0.5 and math.cos(x) == math.cos(0.5)


def test_inside_a_rule_float_of_a_value_is_refused():
    bad = unary_op("cos_with_math_d", math.sin, lambda x, y: math.cos(x), register_op=False)
    x = Value(0.5)
    with pytest.raises(TypeError, match="turned a Value into a plain number"):
        grad(bad(x), [x], create_graph=True)
    assert float(x) == 0.5  # and works again afterwards


def test_a_rule_that_returns_no_number_on_values_is_named():
    odd = unary_op("odd_for_test", lambda x: 2 * x,
                   lambda x, y: 2.0 if isinstance(x, float) else "two", register_op=False)
    x = Value(1.0)
    assert grad(odd(x), [x]) == (2.0,)  # first order: the rule ran on floats
    with pytest.raises(TypeError, match=r"odd_for_test: its derivative rule does not run on "
                                        r"Values, .*its derivative returned str 'two', not a "
                                        r"number\); write it with tinygrad_edu's functions"):
        grad(odd(x), [x], create_graph=True)
