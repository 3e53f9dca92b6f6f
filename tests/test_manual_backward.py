"""Calling ``_backward()`` by hand, node by node, as in micrograd's lecture."""

from tinygrad_edu import Value, walk


def test_manual_backward_of_a_neuron_matches_backward():
    # The lecture's neuron: o = tanh(x1*w1 + x2*w2 + b), done one node at a time.
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.grad = 1.0
    for node in reversed(walk(o)):
        node._backward()
    by_hand = [v.grad for v in (x1, x2, w1, w2, b)]
    assert abs(o.data - 0.7071) < 1e-4
    assert abs(n.grad - 0.5) < 1e-6  # 1 - tanh(n)^2 = 1 - 0.5
    for v in (x1, x2, w1, w2, b):
        v.grad = 0.0
    o.backward()
    assert by_hand == [v.grad for v in (x1, x2, w1, w2, b)]
    assert abs(by_hand[0] + 1.5) < 1e-9  # do/dx1 = w1 * (1 - o²) = -3 * 0.5


def test_one_step_moves_gradient_to_the_parents_only():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    d.grad = 1.0
    d._backward()
    assert (c.grad, a.grad, b.grad) == (1.0, 1.0, 0.0)
    c._backward()
    assert (a.grad, b.grad) == (1.0 + 3.0, 2.0)


def test_leaky_relu_takes_alpha_by_keyword_as_documented():
    x = Value(-2.0)
    y = x.leaky_relu(alpha=0.2)
    y.backward()
    assert (y.data, x.grad) == (-0.4, 0.2)
    assert Value(-2.0).leaky_relu(0.2).data == -0.4
