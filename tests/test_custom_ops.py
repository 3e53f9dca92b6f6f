"""making.py: ``unary_op`` and ``binary_op`` make an op of your own into a function that
works as the table's own ops do: on Values (a node with its rule's local derivatives), on
plain numbers (a number), with a parameter, registered or not. (The checks ops.py makes of
it: tests/test_ops.py.)"""

import math

import pytest

from tinygrad_edu import OPS, Value, binary_op, grad, sigmoid, text_graph, unary_op


def test_a_unary_op_of_your_own_makes_nodes_with_its_rule_and_numbers_without():
    try:
        softplus = unary_op("softplus_made", lambda x: math.log1p(math.exp(x)),
                            lambda x, y: sigmoid(x), local="σ({0})")
        assert OPS["softplus_made"] is softplus.op
        x = Value(0.5, label="x")
        y = softplus(x)
        assert y.data == pytest.approx(math.log1p(math.exp(0.5)))
        assert y.parents == (x,) and y._row is softplus.op
        assert y.local_grads == pytest.approx((1 / (1 + math.exp(-0.5)),))
        assert "softplus_made(x)" in text_graph(y)
        assert softplus(0.5) == y.data and type(softplus(0.5)) is float
        (d2,) = grad(grad(y, [x], create_graph=True)[0], [x])  # its rule ran on Values
        s = 1 / (1 + math.exp(-0.5))
        assert d2 == pytest.approx(s * (1 - s))
    finally:
        OPS.pop("softplus_made", None)


def test_register_op_false_keeps_it_out_of_the_registry():
    before = dict(OPS)
    twice = unary_op("twice_unlisted", lambda x: 2 * x, lambda x, y: 2.0, register_op=False)
    assert OPS == before and twice(Value(3.0)).data == 6.0


def test_a_parameter_goes_to_the_forward_function_and_the_rule_last_and_gets_no_gradient():
    scaled_tanh = unary_op("scaled_tanh_made", lambda x, alpha: alpha * math.tanh(x),
                           lambda x, y, alpha: alpha * (1 - (y / alpha) ** 2), param=2.0,
                           register_op=False)
    x = Value(0.5)
    default, given = scaled_tanh(x), scaled_tanh(x, alpha=3.0)
    assert default.data == pytest.approx(2 * math.tanh(0.5))
    assert given.data == pytest.approx(3 * math.tanh(0.5))
    assert given.parents == (x,)  # alpha is a plain number: no leaf, no gradient
    given.backward()
    assert x.grad == pytest.approx(3 * (1 - math.tanh(0.5) ** 2))


def test_a_binary_op_takes_values_and_numbers_on_either_side():
    hypot = binary_op("hypot_made", math.hypot, lambda a, b, y: a / y, lambda a, b, y: b / y,
                      register_op=False)
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    c = hypot(a, b)
    c.backward()
    assert (c.data, a.grad, b.grad) == (5.0, 0.6, 0.8)
    assert "hypot_made(a, b)" in text_graph(c)
    left, right = hypot(a, 4.0), hypot(3.0, b)
    assert left.parents == (a,) and right.parents == (b,)
    assert left.local_grads == (0.6,) and right.local_grads == (0.8,)
    assert hypot(3.0, 4.0) == 5.0
