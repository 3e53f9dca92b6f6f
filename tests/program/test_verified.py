"""``compile(f, verify=N)`` on a step that makes leaves in the call (micrograd's demo step:
``Value(a)`` of each input): their gradients are the call's own, seen by no caller. verify=
named each of them "a leaf it does not know" and raised ``ProgramMismatch`` at the first check
(micrograd's demo step with verify=1: "Value(1.356...) gets the gradient -0.0058... from the
engine, and none from the program ... (and 163 more)"), though the program's numbers are the
engine's. It compares the leaves from outside now; one the program does not know is still
named. A Value made under ``no_grad()`` in the call (a target network's output) is such a leaf
too (a64e's L2: verify= named it "a leaf it does not know" at the first nonzero gradient)."""

import contextvars

import pytest

from tinygrad_edu import Value, no_grad
from tinygrad_edu.program import compile
from tinygrad_edu.program.explain import ProgramMismatch

W = [Value(0.5), Value(-1.5)]
X = [[1.0, 2.0], [-0.5, 0.25], [3.0, -1.0]]


def loss():
    inputs = [[Value(a), Value(b)] for a, b in X]  # (leaves made in the call)
    scores = [W[0] * a + W[1] * b for a, b in inputs]
    return sum((1 + -s).relu() for s in scores) * (1.0 / len(scores))


def test_leaves_made_in_the_call_are_not_compared():
    step = compile(loss, verify=1)
    for _ in range(3):
        for w in W:
            w.grad = 0.0
        step().backward()
        W[0].data += 0.1
    assert step.checked == 2


@pytest.mark.filterwarnings("ignore:f. it reads 1 Value")
def test_a_leaf_from_outside_the_program_does_not_know_is_named():
    """(the check is still made: a Value replaced by another of the same number, held where
    the capture does not look, a ``contextvars.Context`` of its own: the loss is the same, the
    new leaf's gradient is the engine's only)"""
    w, held, context = Value(0.5), contextvars.ContextVar("held"), contextvars.Context()
    context.run(held.set, Value(2.0))

    def f():
        return w * context[held]

    step = compile(f, verify=1)
    step()
    context.run(held.set, Value(2.0))
    with pytest.raises(ProgramMismatch, match=r"Value\(2\.0\) gets the gradient 0\.5 from the "
                       r"engine, and none from the program: a leaf it does not know"):
        step()


@pytest.mark.parametrize("native", [True, False])
def test_a_leaf_made_under_no_grad_in_the_call_is_not_compared(native):
    w, t = Value(2.0), Value(1.5)

    def td():
        with no_grad():
            target = t * 2.0 + 1.0  # (a leaf made in the call, with no graph)
        return (w * 3.0 - target) ** 2

    step = compile(td, native=native, verify=1)
    for k in range(4):
        t.data = 1.5 + k
        w.grad = t.grad = 0.0
        loss = step()
        loss.backward()
        assert (loss.data, w.grad, t.grad) == ((6.0 - 4.0 - 2.0 * k) ** 2,
                                               6.0 * (2.0 - 2.0 * k), 0.0)
    assert step.checked == 3  # (the first call is the capture, the engine itself)
