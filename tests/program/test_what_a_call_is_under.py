"""What a compiled call runs under, as the engine's call does (issue 64):
under ``no_grad()`` its answer has no graph, so ``backward()`` refuses as the engine's;
the capture's own warnings filter is not among ``warnings.filters`` as the function sees
them."""

import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value, no_grad
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
