"""The engine against PyTorch (float64), op by op and on random graphs.

These run only where the pinned torch extra is installed; the numeric checks in
test_engine.py stand on their own without it."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import requires_torch, torch
from tests.torch_deviations import DEVIATIONS
from tinygrad_edu import OPS, Value
from tinygrad_edu.testing import expressions, op_inputs

pytestmark = requires_torch

TORCH_OPS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "**": lambda a, b: a**b, "neg": lambda x: -x,
    "exp": lambda x: x.exp(), "log": lambda x: x.log(), "sqrt": lambda x: x.sqrt(),
    "tanh": lambda x: x.tanh(), "sigmoid": lambda x: x.sigmoid(), "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: torch.nn.functional.leaky_relu(x, 0.01),
    "abs": lambda x: x.abs(), "sin": lambda x: x.sin(), "cos": lambda x: x.cos(),
}


def leaf(x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def test_every_fixed_arity_op_has_a_torch_twin():
    assert {name for name, op in OPS.items() if op.arity} <= set(TORCH_OPS)


def twin(name):
    if name not in TORCH_OPS:
        pytest.skip(f"no PyTorch twin for the op {name!r}; add one to TORCH_OPS to compare")
    return TORCH_OPS[name]


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.arity))
@given(data=st.data())
def test_op_matches_torch(name, data):
    op = OPS[name]
    reference_op = twin(name)
    xs = data.draw(op_inputs(op), label="xs")
    values = [Value(x) for x in xs]
    out = op(*values)
    out.backward()
    tensors = [leaf(x) for x in xs]
    reference = reference_op(*tensors)
    reference.backward()
    assert out.data == pytest.approx(reference.item(), rel=1e-12, abs=1e-12)
    for v, t in zip(values, tensors):
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-10, abs=1e-12)


def with_twins():
    """Random graphs over every registered op that has a PyTorch twin."""
    return expressions(ops=[op for name, op in sorted(OPS.items()) if name in TORCH_OPS])


@given(with_twins())
def test_random_graphs_match_torch(expr):
    values, out = expr.build()
    out.backward()
    tensors = [leaf(x) for x in expr.inputs]
    t_out = expr(*tensors, ops=TORCH_OPS)
    if t_out.requires_grad and t_out.grad_fn is not None:
        t_out.backward()
    for v, t in zip(values, tensors):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert v.grad == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("deviation", DEVIATIONS, ids=lambda d: d.name)
def test_each_recorded_deviation_is_real_and_we_give_the_true_value(deviation):
    def same(a, b):  # (NaN equal to NaN; a subnormal answer to the precision it has)
        return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-300)

    assert same(deviation.torch_case(torch), deviation.torch_value), \
        f"PyTorch no longer deviates in {deviation.name}: update tests/torch_deviations.py"
    assert same(deviation.ours(), deviation.expected_of_ours)
