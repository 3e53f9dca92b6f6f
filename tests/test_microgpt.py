"""microgpt's way works here too: a node made by hand, Value(data, children, local_grads).

microgpt (February 2026) builds a GPT on a scalar Value whose every operation is one line,
``Value(forward, parents, local_derivatives)``, and whose nodes answer ``_children`` and
``_local_grads``. ``GivenGrads`` below is a Value written here in that style (its own code,
not microgpt's); the same training code runs on it and on tinygrad_edu's Value, and the
numbers must agree to the last digit. Nodes made by hand work everywhere a node works, and
second derivatives through them refuse with a message instead of being wrong.
"""

import copy
import math
import pickle
import random

import pytest

from tinygrad_edu import Value, backward_steps, grad, gradcheck, hessian, no_grad, text_graph
from tinygrad_edu.nn import mse_loss


class GivenGrads:
    """A scalar that keeps, for each node, its parents and the local derivative towards each
    of them, as plain numbers, and multiplies them along a topological order."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data, children=(), local_grads=()):
        self.data, self.grad = data, 0.0
        self._children, self._local_grads = children, local_grads

    def __add__(self, other):
        other = other if isinstance(other, GivenGrads) else GivenGrads(other)
        return GivenGrads(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, GivenGrads) else GivenGrads(other)
        return GivenGrads(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):
        return GivenGrads(self.data ** k, (self,), (k * self.data ** (k - 1),))

    def exp(self):
        e = math.exp(self.data)
        return GivenGrads(e, (self,), (e,))

    def log(self):
        return GivenGrads(math.log(self.data), (self,), (1 / self.data,))

    def relu(self):
        return GivenGrads(max(0.0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self): return self * -1.0
    def __radd__(self, other): return self + other
    def __sub__(self, other): return self + (-other)
    def __rmul__(self, other): return self * other
    def __truediv__(self, other): return self * other ** -1

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in node._children)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad


def train(value_class, steps=4):
    """A tiny softmax regression with a hidden relu layer, trained by plain SGD."""
    rng = random.Random(0)
    w1 = [[value_class(rng.gauss(0, 0.5)) for _ in range(3)] for _ in range(4)]
    w2 = [[value_class(rng.gauss(0, 0.5)) for _ in range(4)] for _ in range(3)]
    params = [p for row in w1 + w2 for p in row]
    data = [([rng.uniform(-1, 1) for _ in range(3)], rng.randrange(3)) for _ in range(5)]
    losses = []
    for _ in range(steps):
        loss = value_class(0.0)
        for x, target in data:
            hidden = [sum((w * xi for w, xi in zip(row, x)), value_class(0.0)).relu()
                      for row in w1]
            logits = [sum((w * h for w, h in zip(row, hidden)), value_class(0.0)) for row in w2]
            exps = [logit.exp() for logit in logits]
            loss = loss - (exps[target] / sum(exps, value_class(0.0))).log() / len(data)
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= 0.5 * p.grad
        losses.append(loss.data)
    return losses


def test_a_program_written_for_a_given_grads_value_runs_on_ours_with_the_same_numbers():
    assert train(Value) == train(GivenGrads)
    assert train(Value)[-1] < train(Value)[0]


def gelu_by_hand(x):
    """microgpt's way of writing an op: the forward value and its local derivative."""
    c = math.sqrt(2 / math.pi)
    t = math.tanh(c * (x.data + 0.044715 * x.data ** 3))
    d = 0.5 * (1 + t) + 0.5 * x.data * (1 - t * t) * c * (1 + 3 * 0.044715 * x.data ** 2)
    return Value(0.5 * x.data * (1 + t), (x,), (d,))


def test_a_node_made_by_hand_is_a_node_like_any_other():
    x = Value(0.7, label="x")
    y = gelu_by_hand(x) * x
    assert y.parents[0]._children == (x,) and y.parents[0].op == "gelu_by_hand"
    y.backward()
    assert gradcheck(lambda v: gelu_by_hand(v) * v, [0.7]).ok
    expected = x.grad
    x.grad = 0.0
    steps = [str(step) for step in backward_steps(y)]
    assert x.grad == expected and any("gelu_by_hand(x)" in step for step in steps)
    assert "dv1/dx = given = " in steps[-1]
    assert "gelu_by_hand(x)" in text_graph(y)
    y.zero_grad()
    assert x.grad == 0.0
    with no_grad():
        z = gelu_by_hand(x)
    assert not z.requires_grad and z.parents == ()


def test_drawings_and_the_replay_show_a_node_made_by_hand_under_its_makers_name():
    pytest.importorskip("graphviz")
    from tinygrad_edu.viz import draw_dot, replay_html

    x = Value(0.7, label="x")
    y = gelu_by_hand(x)
    assert "gelu_by_hand" in draw_dot(y).source
    assert "gelu_by_hand" in replay_html(y).html


def test_every_node_answers_microgpts_names():
    from tinygrad_edu import dot, vsum

    a, b = Value(2.0), Value(3.0)
    for node in (a * b, a.tanh(), a * 2.0, 2.0 - a, dot([a, b], [b, 1.0]), vsum([a, b, a])):
        assert node._children == node.parents and isinstance(node._children, tuple)
        assert node._local_grads == node.local_grads and isinstance(node._local_grads, tuple)
    assert (a * b)._local_grads == (3.0, 2.0) and a._children == () and a._local_grads == ()


class Mine(Value):
    """A Value extended microgpt's way: its new methods make their nodes by hand."""

    def __mul__(self, other):
        return Mine(self.data * other.data, (self, other), (other.data, self.data))

    def total(self, *others):
        values = (self, *others)
        return Mine(sum(v.data for v in values), values, (1.0,) * len(values))


def test_operators_written_microgpts_way_show_their_symbol_and_any_number_of_children():
    a, b, c = Mine(2.0, label="a"), Mine(3.0, label="b"), Mine(4.0, label="c")
    product = a * b
    assert type(product) is Mine and product.op == "*" and "a * b" in text_graph(product)
    s = a.total(b, c, product)
    assert type(s) is Mine and len(s._children) == 4 and s.op == "total"
    s.backward()
    assert (a.grad, b.grad, c.grad) == (1.0 + 3.0, 1.0 + 2.0, 1.0)
    for twin in (copy.deepcopy(s), pickle.loads(pickle.dumps(s))):
        assert twin.data == s.data and twin.op == "total" and len(twin.parents) == 4


def test_a_node_made_by_hand_refuses_a_second_derivative_and_says_what_to_do():
    x = Value(0.7, label="x")
    assert grad(gelu_by_hand(x), [x])[0] == pytest.approx(gelu_by_hand(x).local_grads[0])
    with pytest.raises(RuntimeError, match=r"made by gelu_by_hand .*plain numbers.*unary_op"):
        grad(gelu_by_hand(x), [x], create_graph=True)
    with pytest.raises(RuntimeError, match=r"plain numbers"):
        gelu_by_hand(x).backward(create_graph=True)
    with pytest.raises(RuntimeError, match="Value\\(data, children, local_grads\\)"):
        hessian(lambda v: gelu_by_hand(v) * v, 0.7)


@pytest.mark.parametrize(("children", "local_grads", "error", "message"), [
    ("two", (1.0, 2.0), ValueError, "got 1 children and 2 local derivatives"),
    ("number", (1.0, 2.0), TypeError, r"children\[1\] is float 2.0, not a Value"),
    ("value", None, TypeError, r"local_grads\[0\] is Value .* not a number \(its number is .data"),
    ("text", ("0.5",), TypeError, r"local_grads\[0\] is str '0.5', not a number"),
])
def test_a_node_made_by_hand_with_bad_input_says_what_is_wrong(children, local_grads, error,
                                                                message):
    x = Value(0.5)
    kids = {"two": (x,), "number": (x, 2.0), "value": (x,), "text": (x,)}[children]
    grads = (x,) if local_grads is None else local_grads
    with pytest.raises(error, match=message):
        Value(1.0, kids, grads)


def test_micrograds_private_arguments_keep_their_explanation():
    a, b = Value(2.0), Value(3.0)
    with pytest.raises(TypeError, match=r"how micrograd's operators make a node.*microgpt"):
        Value(5.0, (a, b), "+")
    assert Value(2.0, "x").label == "x"  # a label, as before


def test_losses_from_hand_made_nodes_meet_the_library():
    x, y = Value(0.3), Value(-0.2)
    by_hand = gelu_by_hand(x)
    assert mse_loss([by_hand], [y]).data == pytest.approx((by_hand.data - y.data) ** 2)
