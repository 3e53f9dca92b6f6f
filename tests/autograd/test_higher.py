"""higher.py: a node's local derivatives recomputed as Values by the op's own rules, so that a
gradient can be differentiated again; a rule that cannot build a graph is refused by name.
(Second derivatives end to end: tests/autograd/test_gradients.py; numbers changed since the forward
pass: tests/test_changes.py.)"""

import math

import pytest

from tests.conftest import torch
from tinygrad_edu import Value, dot, grad, hessian, unary_op, vsum
from tinygrad_edu.autograd.higher import floats_refused, local_grads_as_values


@pytest.mark.parametrize("make", [
    lambda a, b: a * b, lambda a, b: a / b, lambda a, b: a ** b, lambda a, b: (a * b).tanh(),
    lambda a, b: a.sigmoid(), lambda a, b: a.relu(), lambda a, b: 3.0 / a,
    lambda a, b: dot([a, b], [b, 2.0]), lambda a, b: vsum([a, b, 1.0]),
], ids=["mul", "div", "pow", "tanh", "sigmoid", "relu", "rdiv", "dot", "vsum"])
def test_the_rules_run_again_on_values_give_the_local_derivatives(make):
    a, b = Value(1.5, label="a"), Value(0.5, label="b")
    node = make(a, b)
    again = local_grads_as_values(node)
    assert len(again) == len(node.parents)
    assert all(isinstance(g, (Value, float)) for g in again)
    assert [g.data if isinstance(g, Value) else g for g in again] == pytest.approx(
        list(node.local_grads), rel=1e-15)


def test_a_local_derivative_as_a_value_has_the_graph_of_its_rule():
    x = Value(0.5, label="x")
    y = x.tanh()
    (d,) = local_grads_as_values(y)  # dy/dx = 1 - y², a graph over x
    assert d.data == pytest.approx(1 - math.tanh(0.5) ** 2)
    (dd,) = grad(d, [x])
    assert dd == pytest.approx(-2 * math.tanh(0.5) * (1 - math.tanh(0.5) ** 2))


def test_floats_refused_inside_the_block_only_and_nested():
    x = Value(0.5)
    with floats_refused("outer: no floats here"):
        with pytest.raises(TypeError, match="outer: no floats here"):
            float(x)
        with floats_refused("inner"):
            with pytest.raises(TypeError, match="inner"):
                math.cos(x)
        with pytest.raises(TypeError, match="outer"):  # the outer reason is back
            float(x)
    assert float(x) == 0.5 and math.cos(x) == math.cos(0.5)


def test_inside_a_rule_float_of_a_value_is_refused():
    bad = unary_op("cos_with_math_d", math.sin, lambda x, y: math.cos(x), register_op=False)
    x = Value(0.5)
    with pytest.raises(TypeError, match="turned a Value into a plain number"):
        grad(bad(x), [x], create_graph=True)
    assert float(x) == 0.5  # and works again afterwards


def test_a_rule_that_returns_no_number_on_values_is_named():
    odd = unary_op("odd_for_test", lambda x: 2 * x,
                   lambda x, y: 2.0 if isinstance(x, float) else "two", register_op=False)
    x = Value(1.0)
    assert grad(odd(x), [x]) == (2.0,)  # first order: the rule ran on floats
    with pytest.raises(TypeError, match=r"odd_for_test: its derivative rule does not run on "
                                        r"Values, .*its derivative returned str 'two', not a "
                                        r"number\); write it with tinygrad_edu's functions"):
        grad(odd(x), [x], create_graph=True)


# ----------------------------------------------------------------------------- masks (issue 55)
# Where a local derivative is MASKED in the plain pass (relu below 0, x ** 0), nothing passes
# back whatever arrives; under create_graph=True it is a node holding MASKED, so the same
# holds there. And the slopes of relu, leaky_relu and abs, steps, have a derivative of 0
# that passes nothing back either, as PyTorch's zeros: an infinite factor beside them stays
# out of a mixed partial.


@pytest.mark.parametrize("f", [lambda v: v.relu().sqrt(), lambda v: v.relu() * math.inf,
                               lambda v: v.relu() ** 0.5, lambda v: (v.relu() + 0.0).sqrt()],
                         ids=["sqrt(relu(x))", "relu(x) * inf", "relu(x) ** 0.5",
                              "sqrt(relu(x) + 0)"])
def test_relus_mask_holds_under_create_graph(f):
    """Before issue 55, sqrt(relu(x)) at -1 had the gradient NaN with create_graph and 0
    without (PyTorch: 0), and its second derivative was NaN; both are 0 now."""
    x = Value(-1.0)
    (plain,) = grad(f(x), [x])
    (graph,) = grad(f(x), [x], create_graph=True)
    assert plain == graph.data == 0.0
    assert grad(graph, [x], allow_unused=True) in ((0.0,), (None,))
    assert hessian(f, -1.0) == 0.0


def test_a_masked_slope_keeps_the_graph_of_its_rule():
    """d(a**b)/da at b = 0 is MASKED (0 whatever arrives), and yet its derivative with respect
    to b is a**(b-1) = 1/a (PyTorch gives 0: tests/torch_deviations.py)."""
    a, b = Value(2.0), Value(0.0)
    (da,) = grad(a**b, [a], grad_outputs=math.inf, create_graph=True)
    assert da.data == 0.0  # not 0 · inf
    (da,) = grad(a**b, [a], create_graph=True)
    assert grad(da, [b]) == (0.5,)


STEPS = {  # (ours, PyTorch's, x0, x1): f(x1 · x0), with d²f/dx0dx1 = the slope (1 or alpha)
    "leaky_relu(·, 1) at x1 = -inf": (lambda v: v.leaky_relu(1.0), "leaky_relu", 1.0, 2.0,
                                      -math.inf),
    "leaky_relu(·, 0.5) at x1 = -inf": (lambda v: v.leaky_relu(0.5), "leaky_relu", 0.5, 2.0,
                                        -math.inf),
    "abs at x1 = -inf": (lambda v: v.abs(), "abs", None, 2.0, -math.inf),
    "relu at x1 = inf": (lambda v: v.relu(), "relu", None, 2.0, math.inf),
    "relu at x1 = -inf": (lambda v: v.relu(), "relu", None, 2.0, -math.inf),
}


@pytest.mark.parametrize("case", sorted(STEPS))
def test_a_step_beside_an_infinite_factor_gives_its_mixed_partial(case):
    """Issue 55, item 7: with x1 = -inf, (x1 · x0).leaky_relu(1.0) had d²y/dx0dx1 = NaN, the
    step's derivative 0 times -inf; it is the slope, 1.0, as in PyTorch."""
    f, name, alpha, x0, x1 = STEPS[case]
    a, b = Value(x0), Value(x1)
    (d0,) = grad(f(b * a), [a], create_graph=True)
    (mixed,) = grad(d0, [b], allow_unused=True)
    slope = (alpha if x1 * x0 < 0 else 1.0) if name == "leaky_relu" else \
        math.copysign(1.0, x1 * x0) if name == "abs" else float(x1 * x0 > 0)
    assert (mixed or 0.0) == slope
    if torch is not None:
        t = {"leaky_relu": lambda u: torch.nn.functional.leaky_relu(u, alpha),
             "abs": torch.abs, "relu": torch.relu}[name]
        ta, tb = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (x0, x1))
        (td0,) = torch.autograd.grad(t(tb * ta), ta, create_graph=True)
        (tmixed,) = torch.autograd.grad(td0, tb, allow_unused=True)
        assert (0.0 if tmixed is None else tmixed.item()) == slope
