"""graph.py: the one walk (a topological order, without recursion) and the one chain-rule loop
(``backpropagate``) that backward(), stepping, drawing and zeroing share, for both engines."""

import sys
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Value, graph
from tinygrad_edu.arrays import is_node
from tinygrad_edu.graph import backpropagate, backpropagate_steps, walk, zero_grad
from tinygrad_edu.tensor import Tensor


def assert_topological(order):
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order), "a node is listed twice"
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node], f"{node!r} before its parent {parent!r}"


# ----------------------------------------------------------------------------- walk


def test_walk_is_topological_and_lists_each_node_once():
    x, y = Value(3.0), Value(2.0)
    a, b = x + y, x - y
    f = a * b * a
    order = walk(f)
    position = {node: i for i, node in enumerate(order)}
    assert len(order) == len(set(order)) == 6
    assert all(position[p] < position[n] for n in order for p in n.parents)
    assert order[-1] is f


def test_walk_lists_parents_in_operand_order_depth_first():
    """The order is the one a depth-first walk of the parents, first operand first, gives:
    the same graph always gets the same order (stepping's names v1, v2, ... rely on it)."""
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    h = y * x
    f = h + x
    assert walk(f) == [y, x, h, f]
    assert walk(x * y)[:2] == [x, y]


def build_topo(*roots):
    """micrograd's recursive sort, taking each node's parents in order (its _prev is a set)."""
    topo, visited = [], set()

    def visit(v):
        if v not in visited:
            visited.add(v)
            for child in v.parents:
                visit(child)
            topo.append(v)

    for root in roots:
        visit(root)
    return topo


MAKE = {"+": lambda a, b: a + b, "*": lambda a, b: a * b, "-": lambda a, b: a - b,
        "tanh": lambda a, b: a.tanh(), "exp": lambda a, b: (a * 0.01).exp(),
        "* 2.0": lambda a, b: a * 2.0}


@given(st.lists(st.tuples(st.sampled_from(sorted(MAKE)),
                          st.integers(0, 10**6), st.integers(0, 10**6)),
                min_size=1, max_size=40),
       st.integers(1, 3))
def test_walk_makes_exactly_the_list_of_micrograds_recursive_sort(steps, roots):
    """walk's docstring says a reader may take build_topo for it: the same list, node for
    node, on random graphs (nodes used many times, several roots, unary and binary ops)."""
    nodes = [Value(0.5), Value(-1.5), Value(2.0)]
    for op, i, j in steps:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(MAKE[op](a, b))
    chosen = nodes[-roots:]
    assert [id(n) for n in walk(*chosen)] == [id(n) for n in build_topo(*chosen)]


def test_a_node_used_twice_is_listed_once():
    a = Value(3.0)
    square = a * a
    doubled = square + square
    assert walk(doubled) == [a, square, doubled]


def test_a_long_chain_is_walked_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # a recursive walk would fail at once
    try:
        order = walk(y)
    finally:
        sys.setrecursionlimit(limit)
    assert len(order) == 100_001 and order[0] is x and order[-1] is y
    assert all(node.parents == (before,) for before, node in pairwise(order))


@pytest.mark.slow
def test_million_node_chain_needs_no_recursion():
    x = Value(1.0)
    y = x
    for _ in range(500_000):
        y = y * 1.0001 + 0.0001  # two nodes per step: a chain of a million
    y.backward()
    assert len(walk(y)) == 1_000_001
    assert x.grad == pytest.approx(1.0001**500_000, rel=1e-6)
    del y  # freeing a deep chain must not overflow the C stack either


def test_several_roots_share_one_order_each_node_once():
    x, y = Value(1.0), Value(2.0)
    shared = x * y
    f, g = shared + 1.0, shared.tanh()
    order = walk(f, g)
    assert order == [x, y, shared, f, g]  # g's part already listed: only g itself is new
    assert_topological(order)
    assert walk(f, f) == walk(f)  # a root given twice, once


def test_a_root_that_is_an_ancestor_of_another_root():
    x = Value(2.0)
    a = x * 3.0
    b = a.exp()
    assert walk(a, b) == [x, a, b]
    assert walk(b, a) == [x, a, b]  # listed with b's parents; then skipped as a root
    assert_topological(walk(b, x, a))


def test_walk_takes_tensors_with_the_same_order():
    X, W = Tensor(np.ones((2, 3)), label="X"), Tensor(np.ones((3, 1)), label="W")
    Z = X @ W
    loss = (Z * Z).mean()
    order = walk(loss)
    assert order[:3] == [X, W, Z] and order[-1] is loss
    assert_topological(order)


@pytest.mark.parametrize("bad", [3.0, None, [Value(1.0)], np.ones(2)])
def test_walk_refuses_what_is_not_a_node(bad):
    with pytest.raises(TypeError, match=r"walk needs Values or Tensors, got "
                                        rf"{type(bad).__name__}"):
        walk(Value(1.0), bad)


def test_is_node():
    assert is_node(Value(1.0)) and is_node(Tensor([1.0]))
    assert not any(map(is_node, [1.0, np.ones(2), [Value(1.0)], None]))


# ----------------------------------------------------------------------------- backpropagate


def neuron():
    """micrograd's neuron o = tanh(x1·w1 + x2·w2 + b), and its leaves."""
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    return (x1 * w1 + x2 * w2 + b).tanh(), (x1, x2, w1, w2, b)


def test_backpropagate_run_to_the_end_leaves_the_gradients():
    o, (x1, x2, w1, w2, b) = neuron()
    backpropagate(o, 1.0)
    # do/dn = 1 - tanh(n)² = 0.5; do/dx1 = 0.5 · w1, ...
    assert [v.grad for v in (x1, x2, w1, w2, b)] == pytest.approx(
        [0.5 * -3.0, 0.5 * 1.0, 0.5 * 2.0, 0.5 * 0.0, 0.5])
    assert backpropagate(o, 1.0) is None  # a plain function: the whole pass at once


def test_the_seed_scales_every_gradient():
    x = Value(3.0)
    y = x * x
    backpropagate(y, 0.5)
    assert (y.grad, x.grad) == (0.5, 3.0)


def test_stepping_yields_each_inner_node_once_before_its_step():
    o, leaves = neuron()
    backpropagate(o, 1.0)  # the gradients a whole pass leaves
    final = {node: node.grad for node in walk(o)}
    for leaf in leaves:
        leaf.grad = 0.0
    inner = [node for node in reversed(walk(o)) if node.parents]
    seen = []
    for node in backpropagate_steps(o, 1.0):
        seen.append(node)
        assert node.grad == final[node]  # complete: every node made from it has passed back
        for parent in node.parents:  # ... and its own step has not run yet
            if parent in leaves:
                assert parent.grad == 0.0
    assert seen == inner  # every inner node once, from the root down; no leaf
    assert [v.grad for v in leaves] == [final[v] for v in leaves]


def test_a_stepping_stopped_half_way_has_passed_back_only_what_it_yielded():
    x = Value(2.0)
    h = x * 3.0
    y = h.exp()
    steps = backpropagate_steps(y, 1.0)
    assert next(steps) is y
    assert h.grad == 0.0 and x.grad == 0.0  # y's step has not run
    assert next(steps) is h
    assert h.grad == pytest.approx(y.data) and x.grad == 0.0
    with pytest.raises(StopIteration):
        next(steps)
    assert x.grad == pytest.approx(3.0 * y.data)


def test_inner_nodes_forget_an_earlier_pass_and_leaves_add_to_it():
    x = Value(2.0)
    h = x * x
    y = h + h
    for _ in range(2):
        backpropagate(y, 1.0)
    assert (y.grad, h.grad) == (1.0, 2.0)  # the latest pass only
    assert x.grad == 2 * (2 * 2.0 * 2.0)  # both passes: 8 each


def test_backpropagate_runs_on_tensors_too():
    W = Tensor([[1.0, 2.0], [3.0, 4.0]])
    x = Tensor([[1.0, -1.0]])
    y = (x @ W).sum()
    backpropagate(y, np.ones(()))
    np.testing.assert_array_equal(W.grad, [[1.0, 1.0], [-1.0, -1.0]])


def test_checks_before_a_pass_run_on_the_order_and_may_refuse(monkeypatch):
    x = Value(2.0)
    y = x * 3.0
    given = []
    monkeypatch.setattr(graph, "before_a_pass", [given.append])
    backpropagate(y, 1.0)
    assert given == [[x, y]] and x.grad == 3.0

    def refuse(order):
        raise RuntimeError(f"not now: {len(order)} nodes")

    monkeypatch.setattr(graph, "before_a_pass", [refuse])
    with pytest.raises(RuntimeError, match="not now: 2 nodes"):
        backpropagate(y, 1.0)
    assert (y.grad, x.grad) == (1.0, 3.0)  # refused before any gradient changed


def test_no_check_waits_unless_a_stepping_is_paused_half_way():
    assert graph.before_a_pass == []
    y = (Value(2.0) * 3.0).exp()
    steps = y.backward_steps()
    next(steps)  # one of two steps: paused half-way
    assert len(graph.before_a_pass) == 1
    with pytest.raises(RuntimeError, match="paused half-way"):
        y.backward()
    steps.close()
    assert graph.before_a_pass == []


# ----------------------------------------------------------------------------- zero_grad


def test_zero_grad_clears_every_node_in_the_graph():
    a, b = Value(1.0), Value(2.0)
    c = (a * b).exp()
    c.backward()
    c.zero_grad()
    assert all(node.grad == 0.0 for node in walk(c))


def test_zero_grad_resets_to_each_engines_empty_gradient():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    c.backward()
    zero_grad(c)
    assert [n.grad for n in (a, b, c)] == [0.0, 0.0, 0.0]
    t = Tensor([1.0, 2.0])
    s = (t * t).sum()
    s.backward()
    zero_grad(s)
    assert t.grad is None and s.grad is None  # None, as PyTorch's
    unrelated = Value(5.0)
    unrelated.grad = 1.0
    zero_grad(c)
    assert unrelated.grad == 1.0  # only what the root depends on
