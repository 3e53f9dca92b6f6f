"""float32 end to end, inside the graph too (issue 32, item 4): for every op of the registry
``OPS``, hypothesis draws its arguments; in a graph of float32 (and of float64), every node
holds numbers of that dtype and gets gradients of that dtype: the leaves, the inner nodes the
op's rules send gradients to, and the output, in an ordinary backward pass (first order),
then in the graph that ``create_graph=True`` builds for the gradient and in a backward pass
through it (second order). Leaves are cast back to their dtype when a gradient arrives, so
only inner nodes show a rule that computes in another dtype: each operand here is an inner
node, ``leaf * 1.0``."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import grad
from tinygrad_edu.graph import walk
from tinygrad_edu.tensor import Tensor, maximum
from tinygrad_edu.tensor.engine import OPS
from tinygrad_edu.testing import tensor_samples

NAMES = sorted(OPS)  # the registry itself, never a list of our own
DTYPES = [np.float32, np.float64]


def wrong(nodes, dtype, what):
    """The nodes whose ``what`` (their numbers, or their gradient) is not of ``dtype``."""
    found = []
    for node in nodes:
        numbers = node.data if what == "data" else node.grad
        if numbers is not None and np.result_type(numbers) != dtype:
            found.append(f"{what} of {node.label or node.op or 'a leaf'} "
                         f"{np.shape(numbers)}: {np.result_type(numbers)}")
    return found


def weights(seed, shape, dtype):
    rng = np.random.default_rng(seed)
    return (rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)).astype(dtype)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=12)  # (a dtype is lost by an op's code, not at some numbers:
# twelve draws of shapes and operands per op and dtype find what thirty did)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_every_node_gets_gradients_of_the_graphs_dtype(name, dtype, data, seed):
    op = OPS[name]
    sample = data.draw(tensor_samples(op), label="sample")
    leaves, operands = [], []
    for i, (x, vjp) in enumerate(zip(sample.operands, op.rules)):
        if vjp is None:  # an operand that gets no gradient (where's condition)
            operands.append(x)
            continue
        leaf = Tensor(x, dtype=dtype, label=f"x{i}")
        leaves.append(leaf)
        operands.append(leaf * 1.0)  # an inner node: it keeps the dtype its rule sends it
    out = op(*operands, *sample.args)
    out.label = "out"

    # first order: an ordinary backward pass
    out.backward(weights(seed, out.shape, dtype))
    nodes = walk(out)
    assert wrong(nodes, dtype, "data") + wrong(nodes, dtype, "grad") == []
    assert all(node.grad is not None for node in nodes)

    # second order: the gradient's own graph, and a backward pass through it
    firsts = grad(out, leaves, grad_outputs=weights(seed + 1, out.shape, dtype),
                  create_graph=True, allow_unused=True)
    terms = [(g * weights(seed + 2 + k, g.shape, dtype)).sum()
             for k, g in enumerate(firsts) if g is not None]
    assert wrong(walk(*terms), dtype, "data") == []
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    if total.requires_grad and total.parents:
        total.backward()
        assert wrong(walk(total), dtype, "grad") == []


def test_maximum_sends_float32_to_the_inner_nodes_of_a_float32_graph():
    # the tie-sharing slope was built as float64, so the inner nodes' gradients were float64
    a, b = Tensor([1.0, 2.0, 3.0], dtype=np.float32), Tensor([3.0, 2.0, 1.0], dtype=np.float32)
    a1, b1 = a * 1.0, b * 1.0
    maximum(a1, b1).sum().backward()
    assert a1.grad.dtype == b1.grad.dtype == np.float32
    np.testing.assert_array_equal(a1.grad, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b1.grad, [1.0, 0.5, 0.0])
