"""What a compiled call runs under, as the engine's call does (issue 64):
under ``no_grad()`` its answer has no graph, so ``backward()`` refuses as the engine's;
the capture's own warnings filter is not among ``warnings.filters`` as the function sees
them. ``no_grad()`` inside the function around ``dot``, ``vsum`` or a model (a target
network, a frozen teacher): the engine's numbers (a64e's L1: every call raised an internal
error, ``sums.many``'s arguments read in an old order)."""

import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value, dot, no_grad, vsum
from tinygrad_edu.nn import MLP
from tinygrad_edu.program import compile

W = Value(1.5)


def test_a_call_under_no_grad_has_no_graph_as_the_engines():
    def f(x):
        return (W * x).tanh()

    g = compile(f)
    same(g, f, [W], 0.5)  # (a program, captured with the graph on)
    with no_grad():
        ours, theirs = g(0.7), f(0.7)
    assert ours.data == theirs.data
    W.grad = 0.0
    for answer in (theirs, ours):
        with pytest.raises(RuntimeError, match="computed under no_grad"):
            answer.backward()
    assert W.grad == 0.0
    same(g, f, [W], 0.9)  # (the graph on again: the program)
    assert g.runs >= 1


def test_the_captures_warnings_filter_is_not_seen_by_the_function():
    def f(x):
        first = warnings.filters[0] if warnings.filters else ("none",)
        seen = (len(warnings.filters), repr(warnings.filters) == repr(list(warnings.filters)),
                ("always", None, Warning, None, 0) in warnings.filters)
        return W * x * len(warnings.filters) * (2.0 if first[0] == "always" else 1.0) * (
            3.0 if seen[2] else 1.0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = compile(f)
        for x in (1.0, 2.0):
            same(g, f, [W], x)


T = [Value(0.5), Value(-1.0)]
NET, TARGET = MLP(1, [4, 1], seed=0), MLP(1, [4, 1], seed=1)


def _under_no_grad(k):
    with no_grad():
        y = dot(T, [k, 3.0]) + vsum([T[1], k, *T]) + TARGET([k])
    return (NET([k]) + W * 3.0 - y) ** 2


@pytest.mark.parametrize("native", [True, False])
def test_dot_vsum_and_a_model_under_no_grad_inside_give_the_engines_numbers(native):
    step = compile(_under_no_grad, native=native)
    leaves = [W, *T, *NET.parameters(), *TARGET.parameters()]
    for k in (0.5, 2.0, -1.25):
        same(step, _under_no_grad, leaves, k)
        T[0].data += 0.25  # (the target's numbers change between calls: read at each)
        TARGET.parameters()[0].data -= 0.5
    assert step.runs >= 2
