"""copying.py: a graph of Values copies and pickles whole, with its numbers, ops and shared
leaves, without recursion; an op the unpickling could not find again is refused by name."""

import copy
import pickle

import pytest

from tinygrad_edu import OPS, Value, unary_op, walk


def _graph_rows(root):
    """The graph as rows; a parent is found by identity, not with ``list.index``, which
    compares Values by their numbers and so would not see two equal nodes swapped."""
    order = walk(root)
    position = {id(n): i for i, n in enumerate(order)}
    return [(n.data, n.grad, n.label, n.op, n.local_grads,
             [x for x in n._operands if not isinstance(x, Value)],
             [position[id(p)] for p in n.parents]) for n in order]


def test_a_graph_pickles_and_copies_with_its_numbers_ops_and_shared_leaves():
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    f = (a * b).tanh() + a.relu() * a - 3 / b + a.leaky_relu(0.2)
    f.backward()
    for a2, f2 in (pickle.loads(pickle.dumps((a, f))), copy.deepcopy((a, f))):
        assert _graph_rows(f2) == _graph_rows(f)
        assert any(node is a2 for node in walk(f2))  # the leaf pickled beside it is the same
        f2.zero_grad()
        f2.backward()
        assert a2.grad == a.grad
    twin = copy.copy(f)
    assert twin is not f and twin.parents == f.parents and twin.op == f.op


@pytest.mark.slow
def test_deep_graphs_pickle_and_copy_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(50_000):
        y = y * 1.0001 + 0.0
    for z in (pickle.loads(pickle.dumps(y)), copy.deepcopy(y)):
        assert z.data == y.data and len(walk(z)) == len(walk(y))


def test_gradients_with_a_graph_pickle_too():
    x = Value(1.5)
    (x**3).backward(create_graph=True)
    x2 = pickle.loads(pickle.dumps(x))
    assert isinstance(x2.grad, Value) and x2.grad.data == x.grad.data


def test_a_graph_of_an_unregistered_op_says_why_it_cannot_be_pickled():
    private = unary_op("private_for_test", lambda x: 3 * x, lambda x, y: 3.0, register_op=False)
    with pytest.raises(pickle.PicklingError, match="'private_for_test': it is not registered"):
        pickle.dumps(private(Value(1.0)))


def test_a_graph_of_an_op_defined_again_since_says_so_when_pickled():
    try:
        old = unary_op("again_for_test", lambda x: 3 * x, lambda x, y: 3.0)(Value(1.0))
        unary_op("again_for_test", lambda x: 3 * x, lambda x, y: 3.0)  # the cell, run again
        with pytest.raises(pickle.PicklingError, match="'again_for_test': the op was defined "
                                                       "again after this graph was built"):
            pickle.dumps(old)
    finally:
        OPS.pop("again_for_test", None)
