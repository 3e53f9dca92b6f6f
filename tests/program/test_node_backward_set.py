"""A node whose ``_backward`` the learner's code sets inside a compiled function
(``out._backward = _backward``, micrograd's way of writing an op): a straight-through relu, a
gradient clipped at one node, a node made by hand (``Value(data, children, local_grads)``)
given a ``_backward`` on top. The engine's ``backward()`` calls the node's own; a program
passes each gradient back by the node's op and never calls it: before, w.grad was 0.3 in the
engine and 0.0 from the program, silently, native and Python alike (an attacker's, a64j S4).
Now the capture refuses it, naming the line (``fields.BackwardField``); outside a capture,
the engine calls the node's own as before."""

import pytest

from tinygrad_edu import Value
from tinygrad_edu.program import compile

W = Value(2.0)


def straight_through(v):
    out = v.relu()

    def _backward():
        v.grad += out.grad

    out._backward = _backward
    return out


def clipped(v, c=0.1):
    out = v * 1.0

    def _backward():
        v.grad += max(-c, min(c, out.grad))

    out._backward = _backward
    return out


def by_hand(v):
    out = Value(v.data * 2.0, (v,), (1.0,))

    def _backward():
        v.grad += 3.0 * out.grad

    out._backward = _backward
    return out


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("op", [straight_through, clipped, by_hand])
def test_a_backward_set_on_a_node_is_refused_at_its_line(op, native):
    step = compile(lambda x: op(W * x - 1.0), native=native)
    with pytest.raises(RuntimeError, match=r"cannot be captured as a program: it sets a node's "
                       r"_backward .* at test_node_backward_set\.py:\d+: +out\._backward = "
                       r"_backward$"):
        step(0.3)


def test_outside_a_capture_the_engine_calls_the_nodes_own():
    """After a refused capture, the same code in the engine takes the node's own
    ``_backward``: the straight-through gradient, 0.3, where relu's would be 0."""
    with pytest.raises(RuntimeError):
        compile(lambda x: straight_through(W * x - 1.0))(0.3)
    W.grad = 0.0
    straight_through(W * 0.3 - 1.0).backward()
    assert W.grad == 0.3
    W.grad = 0.0
    (W * 0.3 - 1.0).relu().backward()
    assert W.grad == 0.0
