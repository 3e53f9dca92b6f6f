"""listops.py: ``vsum`` and ``dot``, one node for a whole sum, and ``dots``, a layer's
weighted sums with the inputs read once for all its rows."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Value, dot, grad, no_grad, text_graph, vsum, walk


@given(st.lists(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), min_size=1, max_size=8))
def test_dot_derivatives(pairs):
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    out = dot(ws, xs)
    out.backward()
    for (w, x), vw, vx in zip(pairs, ws, xs):
        assert vw.grad == x and vx.grad == w  # exact: the local derivative is the other factor
    assert math.isclose(out.data, math.fsum(w * x for w, x in pairs), rel_tol=1e-12, abs_tol=1e-12)


@given(st.lists(st.floats(-3, 3), min_size=1, max_size=8), st.floats(-3, 3))
def test_vsum_derivatives_and_plain_numbers(xs, c):
    vs = [Value(x) for x in xs]
    out = vsum([*vs, c])
    out.backward()
    assert all(v.grad == 1.0 for v in vs)
    assert out.parents == tuple(vs)
    assert math.isclose(out.data, math.fsum([*xs, c]), abs_tol=1e-12)


def test_dot_length_mismatch():
    with pytest.raises(ValueError, match="dot: 2 weights but 3 inputs"):
        dot([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])


def test_generators_are_lists_enough_for_dot_and_vsum():
    xs = [Value(2.0), Value(3.0)]
    assert dot((w for w in xs), (x for x in xs)).data == 13.0
    assert vsum(x for x in xs).data == 5.0


def test_plain_numbers_in_dot_are_constants_not_leaves():
    w = [Value(0.5, label="w1"), Value(-2.0, label="w2")]
    z = dot(w, [3.0, 1])
    z.backward()
    assert z.data == -0.5 and z.parents == tuple(w) and [v.grad for v in w] == [3.0, 1.0]
    assert walk(z) == [*w, z]  # no hidden leaves for the numbers
    mixed = dot([2.0, w[0]], [w[1], 4.0])  # 2·w2 + w1·4
    mixed.backward()
    assert mixed.data == -2.0 and mixed.parents == (w[0], w[1])
    assert mixed.local_grads == (4.0, 2.0)
    (g0, g1) = grad(mixed, [w[0], w[1]], create_graph=True)
    assert (g0.data, g1.data) == (4.0, 2.0)
    assert "dot([2.0, w1], [w2, 4.0])" in text_graph(mixed)
    steps = list(mixed.backward_steps())
    assert "dv1/dw1 = 4.0" in str(steps[0]) and "dv1/dw2 = 2.0" in str(steps[0])


# ----------------------------------------------------------------------------- dots
# A layer's weighted sums read the inputs' numbers once for all the rows (listops.dots); each
# row must be the very node dot makes.


def node_facts(v):
    """Everything a node holds, NaN made comparable; its operands by identity."""
    def same(x):
        return "nan" if isinstance(x, float) and math.isnan(x) else x

    return (type(v), same(v.data), v.grad, v.label, v.parents, tuple(map(same, v.local_grads)),
            v._row, tuple(id(x) if isinstance(x, Value) else same(x) for x in v._operands),
            v.requires_grad)


specials = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0])


def reference_dot(ws, xs):
    """dot the general way, as for operands with constants among them: every operand through
    sums._with_numbers."""
    from tinygrad_edu import safe_math
    from tinygrad_edu.sums import DOT, _with_numbers

    operands, n = [*ws, *xs], len(ws)
    kept = [isinstance(v, Value) for v in operands]
    numbers = [v.data if k else float(v) for v, k in zip(operands, kept)]
    return _with_numbers(DOT, safe_math.dot(numbers[:n], numbers[n:]), operands, kept, numbers,
                         numbers[n:] + numbers[:n], n)


layer_operand = st.one_of(st.builds(Value, st.floats(-2, 2)), st.floats(-2, 2),
                          st.integers(-2, 2), specials)


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
           st.lists(st.lists(layer_operand, min_size=n, max_size=n), min_size=1, max_size=3),
           st.lists(layer_operand, min_size=n, max_size=n))),
       st.sampled_from(["as drawn", "a layer of Values", "a layer reading floats"]))
def test_dots_builds_the_nodes_the_general_dot_builds(rows_and_inputs, kind):
    from tinygrad_edu.sums import dots

    rows, xs = rows_and_inputs
    numbers = [float(x.data if isinstance(x, Value) else x) for x in xs]
    if kind != "as drawn":  # what a layer has: Values as weights, inputs all alike
        rows = [[w if isinstance(w, Value) else Value(float(w)) for w in row] for row in rows]
        xs = numbers if kind == "a layer reading floats" else [Value(x) for x in numbers]
    expected = [node_facts(reference_dot(ws, xs)) for ws in rows]
    assert [node_facts(z) for z in dots(rows, xs)] == expected
    assert [node_facts(dot(ws, xs)) for ws in rows] == expected
    with no_grad():
        assert [node_facts(z) for z in dots(rows, xs)] == [
            node_facts(reference_dot(ws, xs)) for ws in rows]
