"""``compile(f, verify=N)`` on a step that makes leaves in the call (micrograd's demo step:
``Value(a)`` of each input): their gradients are the call's own, seen by no caller. verify=
named each of them "a leaf it does not know" and raised ``ProgramMismatch`` at the first check
(micrograd's demo step with verify=1: "Value(1.356...) gets the gradient -0.0058... from the
engine, and none from the program ... (and 163 more)"), though the program's numbers are the
engine's. It compares the leaves from outside now; one the program does not know is still
named."""

import contextvars

import pytest

from tinygrad_edu import Value
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
