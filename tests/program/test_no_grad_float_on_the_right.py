"""A followed number on the right of a Value under ``no_grad()`` inside a compiled function
(a DQN's target ``q_next[0] * 0.99 + r`` with the reward given, a teacher's logit divided
by a given temperature): the engine takes ``float()`` of it, and the node made keeps only
its number; the program computes the node from the followed number, one program for every
reward, the engine's numbers. Before (a64f's L1), the float the engine made was guarded as
"a number the engine took in": captured again at every new number, with a warning blaming
a guard, then the engine for good (the float on the left was one program already)."""

import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.nn import MLP
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

NET, TARGET = MLP(2, [4, 2], seed=0), MLP(2, [4, 2], seed=1)
W = Value(0.7)

FORMS = {
    "td target": lambda q, r: q * 0.99 + r,
    "temperature": lambda q, r: q / r,
    "plus": lambda q, r: W + r,
    "times": lambda q, r: W * r,
    "power": lambda q, r: W ** r,
    "tanh times": lambda q, r: q.tanh() * r,
    "on the left": lambda q, r: r + 0.99 * q,
}


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("as_numpy", [False, True])
def test_a_number_given_on_the_right_under_no_grad_is_followed(form, native, as_numpy):
    if as_numpy:
        np = pytest.importorskip("numpy")
    combine = FORMS[form]

    def td_loss(s, a, r):
        with no_grad():
            y = combine(TARGET([Value(s[0]), Value(s[1])])[0], r)
        q = NET([Value(s[0]), Value(s[1])])[a]
        return (q - y) ** 2 + W * 0.0

    step = compile(td_loss, native=native)
    leaves = [*NET.parameters(), W]
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        for k in range(6):
            r = 0.1 * k + 0.25
            same(step, td_loss, leaves, [0.5, -0.2], 1, np.float32(r) if as_numpy else r)
    said = [str(w.message) for w in said if w.category is ProgramWarning]
    assert step.captures == 1 and step.runs == 5, said
