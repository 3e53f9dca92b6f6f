"""Gradients that the engine's ``backward()`` passes back otherwise than by each node's op:
a node given its own ``_backward`` by a route the capture does not see set
(``out.__dict__["_backward"] = ...``, ``vars(out).update(...)``), a node of a class of its own
(``out.__class__ = STE``: its ``_backward``, a ``grad`` property that clips), a node made
outside with its own ``_backward``, a loss whose ``backward`` is its own, and the engine's own
``backward()`` replaced (``Value._backward``, ``graph.backpropagate``), before the capture or
after it. The engine follows each; a program passes gradients back by each node's op: before,
w.grad 7.5 where the engine's clipped gradient was 0.15, silently (an attacker's, a64k S1-S4,
S6). Now the capture refuses each, naming what passes them back its own way, and a
program's ``backward()`` refuses an engine changed since."""

import pytest

from tinygrad_edu import Value, graph
from tinygrad_edu.program import compile

W = Value(2.0)


def clip(v):
    def _backward():
        v.grad += max(-0.1, min(0.1, out.grad))

    out = v * 1.0
    out.__dict__["_backward"] = _backward
    return out


def updated(v):
    out = v * 1.0
    vars(out).update(_backward=lambda: None)
    return out


class STE(Value):
    __slots__ = ()

    def _backward(self):
        self._a.grad += self.grad


def straight_through(v):
    out = v.relu()
    out.__class__ = STE
    return out


OUTSIDE = W * 1.0
OUTSIDE.__dict__["_backward"] = lambda: None


def scaled(x):
    loss = W * x
    loss.backward = lambda *a, **k: None
    return loss


@pytest.mark.parametrize("f, said", [
    (lambda x: clip(W * x) * 5.0, "its own _backward, set on it"),
    (lambda x: updated(W * x) * 5.0, "its own _backward, set on it"),
    (lambda x: straight_through(W * x - 1.0) * 5.0, "the _backward of its class STE"),
    (lambda x: OUTSIDE * x, "its own _backward, set on it"),
    (scaled, "its own backward, set on it")],
    ids=["dict", "vars-update", "class", "outside", "loss-backward"])
def test_a_graph_passed_back_its_own_way_is_refused(f, said):
    with pytest.raises(RuntimeError, match="cannot be captured as a program: a node of its "
                       f"graph passes gradients back its own way \\({said}"):
        compile(f, native=False)(0.3)


def test_an_engine_whose_backward_is_replaced_is_refused_before_and_after_the_capture():
    own = graph.backpropagate
    step = compile(lambda x: W * x * 3.0, native=False)
    answer = step(1.5)
    graph.backpropagate = lambda root, seed: own(root, 0.5 * seed)
    try:
        with pytest.raises(RuntimeError, match=r"the engine's backward\(\) is not its own "
                           r"since the capture \(tinygrad_edu.graph.backpropagate replaced\)"):
            answer.backward()
        with pytest.raises(RuntimeError, match=r"cannot be captured as a program: the "
                           r"engine's backward\(\) is not its own \(tinygrad_edu.graph."
                           "backpropagate replaced"):
            compile(lambda x: W * x, native=False)(1.5)
    finally:
        graph.backpropagate = own
    W.grad = 0.0
    step(1.5).backward()
    assert W.grad == 4.5
