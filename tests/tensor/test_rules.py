"""Every rule of the tensor engine, property-tested: for each op of the registry ``OPS``,
hypothesis draws shapes and numbers (tinygrad_edu.testing.tensor_samples), and check_op
compares the whole Jacobian with central differences in float64, then the second derivatives
that create_graph=True builds. Then the teeth: broken rules must be caught."""

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import torch
from tests.tiers import sampled
from tinygrad_edu import GradcheckError, grad
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.tensor.engine import OPS, binary_op, sigmoid, tensor_op, unary_op
from tinygrad_edu.testing import (
    KINK_MARGIN,
    TENSOR_SAMPLES,
    assert_op_derivatives,
    check_op,
    domain_of,
    needs_sampler,
    tensor_samples,
)

NAMES = sorted(OPS)  # the registry itself, never a list of our own

# For checks that must fail: few examples and no shrinking (a broken rule shows on the first
# example or two); and a few examples for a control that must pass.
FAST = dict(max_examples=40, database=None, phases=[Phase.explicit, Phase.generate])
QUICK = dict(max_examples=15, database=None)


@pytest.mark.parametrize("name", NAMES)
def test_first_and_second_derivatives_of_every_op(name):
    check_op(OPS[name])  # order 1 (the Jacobian) and order 2 (create_graph), hypothesis' points


def test_every_op_that_needs_a_sampler_has_one_and_no_other():
    # a new op that is not elementwise (or takes a parameter) fails here until it has one
    assert set(TENSOR_SAMPLES) == {name for name, op in OPS.items() if needs_sampler(op)}
    assert {name for name, op in OPS.items() if not op.elementwise} <= set(TENSOR_SAMPLES)
    assert not needs_sampler(OPS["tanh"]) and not needs_sampler(OPS["**"])
    assert needs_sampler(OPS["leaky_relu"]) and needs_sampler(OPS["where"])  # alpha; condition


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_samples_exercise_the_op_in_its_domain_away_from_its_kinks(name, data):
    op = OPS[name]
    sample = data.draw(tensor_samples(op))
    assert len(sample.operands) == op.arity
    domain = domain_of(op)
    for i, (x, vjp) in enumerate(zip(sample.operands, op.rules)):
        if vjp is None:
            assert x.dtype == np.bool_  # where's condition
            continue
        assert x.dtype == np.float64 and np.isfinite(x).all()
        if name != "max":  # max's entries are moved apart (below), so they may leave -3..3
            lo, hi = domain.interval(i)
            assert ((lo <= x) & (x <= hi)).all()
        for kink in domain.kinks:
            if not callable(kink):  # a point; a function of the operands is checked below
                assert (np.abs(x - kink) >= KINK_MARGIN).all()
    for kink in domain.kinks:
        if callable(kink):  # maximum's a - b: no ties
            assert (np.abs(kink(*sample.operands)) >= KINK_MARGIN).all()
    if name == "max":  # max's kink is a tie: any two entries are 2·margin apart
        flat = np.sort(sample.operands[0], axis=None)
        assert (np.diff(flat) >= 2 * KINK_MARGIN * (1 - 1e-9)).all()
    tensors = [Tensor(x) if vjp else x for x, vjp in zip(sample.operands, op.rules)]
    out = op(*tensors, *sample.args)
    assert isinstance(out, Tensor) and out.op == name


def test_elementwise_samples_include_broadcasting_pairs_and_0d_operands():
    pairs = set()

    @settings(max_examples=300, database=None, phases=[Phase.generate])
    @given(tensor_samples(OPS["*"]))
    def collect(sample):
        a, b = sample.operands
        pairs.add((a.shape, b.shape))

    collect()
    shapes = {s for pair in pairs for s in pair}
    assert any(a != b and a and b for a, b in pairs)  # different shapes, both with axes
    assert () in shapes  # a 0-d operand
    assert any(len(a) != len(b) for a, b in pairs)  # axes added in front
    assert any(1 in a and len(a) == len(b) and a != b for a, b in pairs)  # a size-1 axis stretched


# ----------------------------------------------------------------------------- users' ops


def softplus_forward(x):
    return np.logaddexp(0.0, x)


def test_a_users_elementwise_op_is_checked_with_broadcasting_and_second_derivatives():
    softplus = unary_op("softplus_t", softplus_forward, lambda x, y: sigmoid(x),
                        register_op=False)
    check_op(softplus, max_examples=50)
    hypot = binary_op("hypot_t", np.hypot, lambda a, b, y: a / y, lambda a, b, y: b / y,
                      domain=((0.5, 3.0), (0.5, 3.0)), register_op=False)
    check_op(hypot, max_examples=50)
    assert_op_derivatives(hypot, np.array([[3.0], [1.0]]), np.array([4.0, 0.5]))


def test_a_users_tensor_op_needs_shapes_and_is_checked_with_them():
    outer = tensor_op("outer", np.outer, [lambda g, u, v, y: g @ v, lambda g, u, v, y: u @ g],
                      register_op=False)
    with pytest.raises(TypeError, match=r"outer is not elementwise, so hypothesis cannot "
                                        r"guess the shapes of its operands .*pass one shape "
                                        r"per operand, e\.g\. check_op\(outer, shapes=\[\(3,\), "
                                        r"\(2,\)\]\), or add a sampler to "
                                        r"tinygrad_edu\.testing\.TENSOR_SAMPLES\['outer'\]"):
        check_op(outer)
    check_op(outer, shapes=[(3,), (2,)], max_examples=20)
    check_op(outer, shapes=st.tuples(st.integers(1, 3), st.integers(1, 3)).map(
        lambda nm: [(nm[0],), (nm[1],)]), max_examples=20)
    with pytest.raises(ValueError, match=r"outer takes 2 operand\(s\), but shapes= gives 1"):
        check_op(outer, shapes=[(3,)], max_examples=5)
    with pytest.raises(TypeError, match=r"sum draws its operands and parameters with "
                                        r"TENSOR_SAMPLES\['sum'\]"):
        check_op(OPS["sum"], shapes=[(3,)])


def mm(left_rule):
    return tensor_op("mm", np.matmul, [left_rule, lambda g, a, b, y: a.T @ g],
                     register_op=False)


def test_a_vjp_missing_a_transpose_is_caught_with_the_entries_it_gets_wrong():
    right = mm(lambda g, a, b, y: g @ b.T)
    check_op(right, shapes=[(2, 2), (2, 2)], max_examples=30)
    wrong = mm(lambda g, a, b, y: g @ b)  # square matrices: the shapes cannot tell
    with pytest.raises(GradcheckError) as failure:
        check_op(wrong, shapes=[(2, 2), (2, 2)], second_order=False, **FAST)
    message = str(failure.value)
    assert message.startswith("mm at a (2×2) = [[") and ": first derivatives" in message
    # d out[0, 1] / d a[0, 0] is b[0, 1]; the rule gives b[1, 0]
    assert "gradient of out[0, 1] with respect to a[0, 0]" in message
    assert "is wrong: backward() gives" in message


def test_a_missing_transpose_in_the_matmul_row_is_caught(monkeypatch):
    op = OPS["@"]
    monkeypatch.setattr(op, "rules", (lambda g, a, b, y: g @ b, op.rules[1]))
    # square operands give wrong numbers, others the wrong shape: either way it fails
    with pytest.raises((GradcheckError, ValueError), match=r"(?s)@|matmul"):
        check_op(op, second_order=False, **FAST)


def test_a_rule_returning_the_wrong_shape_fails_with_the_engines_message():
    wrong = tensor_op("outer_bad", np.outer, [lambda g, u, v, y: u @ g,
                                              lambda g, u, v, y: u @ g], register_op=False)
    with pytest.raises(ValueError, match=r"outer_bad: the gradient rule for operand 0 returned "
                                         r"shape \(2\), but the operand has shape \(3\)"):
        check_op(wrong, shapes=[(3,), (2,)], **FAST)


def test_a_derivative_written_with_numpy_is_told_how_to_get_second_derivatives():
    numpy_rule = unary_op("sin_np", np.sin, lambda x, y: np.cos(x), register_op=False)
    check_op(numpy_rule, second_order=False, max_examples=20)  # right on arrays
    with pytest.raises(TypeError, match=r"(?s)sin_np at x .*: a gradient rule does not work "
                                        r"on Tensors \(.*\); write it with operators and the "
                                        r"functions of tinygrad_edu\.tensor\.engine .* instead "
                                        r"of NumPy's, .* or pass second_order=False"):
        check_op(numpy_rule, **FAST)


def test_a_derivative_computed_from_the_numbers_has_wrong_second_derivatives():
    # right numbers, but taken out of the graph: its own derivative is lost
    def d_tanh(x, y):
        return 1 - np.tanh(x.data if isinstance(x, Tensor) else x) ** 2

    constant_rule = unary_op("tanh_const", np.tanh, d_tanh, register_op=False)
    check_op(constant_rule, second_order=False, max_examples=20)
    with pytest.raises(GradcheckError) as failure:
        check_op(constant_rule, **FAST)
    message = str(failure.value)
    assert "tanh_const at x" in message and "second derivatives" in message
    assert "backward() gives 0.0, central differences give" in message  # it lost d²/dx²


def cube(name, rule):
    return tensor_op(name, lambda x: x**3, [rule], register_op=False)


ANY_SHAPE = st.lists(st.integers(1, 3), max_size=2).map(lambda sides: [tuple(sides)])


@pytest.mark.parametrize("gradient", [np.asarray, lambda g: g.data if isinstance(g, Tensor)
                                      else g], ids=["np.asarray(g)", "g.data"])
def test_a_rule_that_uses_the_numbers_of_its_gradient_fails_the_second_order_check(gradient):
    # the VJP of x³ is g·3x²; with g's numbers in place of g it is right at order 1, and
    # right for the Hessian of <u, x³> with u fixed, but the path through g is cut: where the
    # gradient arriving has a graph (tanh(x³).sum()), second derivatives come out wrong
    right = cube("cube", lambda g, x, y: g * 3 * x * x)
    cut = cube("cube_cut", lambda g, x, y: gradient(g) * 3 * x * x)
    check_op(cut, shapes=ANY_SHAPE, second_order=False, **QUICK)
    check_op(right, shapes=ANY_SHAPE, **QUICK)
    x = Tensor([0.3, -0.7, 1.1])
    hvp = {}
    for op in (right, cut):
        (g,) = grad(op(x).tanh().sum(), [x], create_graph=True)
        hvp[op] = grad(g.sum(), [x])[0]
    assert np.abs(hvp[cut] - hvp[right]).max() > 1.0  # [1.79 -2.47 -3.98] against [1.80 -3.74 1.61]

    with pytest.raises(GradcheckError) as failure:
        check_op(cut, shapes=ANY_SHAPE, database=None)  # with shrinking, as for order 1
    message = str(failure.value)
    assert message.startswith("cube_cut at x ") and ": second derivatives" in message
    assert "computes with the numbers of the gradient g it is given" in message
    # d/du <w, 3x²·u> = 3x²·w: the gradient's own path, which the rule cut (0 from backward;
    # hypothesis may report any point where it is not 0, so it is read from the message)
    wrong_u = re.search(r"gradient of input u\S* = \S+ is wrong: backward\(\) gives 0\.0, "
                        r"central differences give (\S+);", message)
    assert wrong_u and abs(float(wrong_u[1])) > 1e-3, message
    point = re.match(r"cube_cut at x \(\) = (\S+): .* w_x = (\S+)\n", message)
    if point:  # one number (the shape hypothesis shrinks to): the number is 3x²·w itself
        x, w = float(point[1]), float(point[2])
        assert float(wrong_u[1]) == pytest.approx(3 * x * x * w, abs=3 * x * x * 5e-4 + 1e-9)
    assert re.search(r"\nx\S* +\S+ .* yes\n", message)  # x's rows were right
    assert not re.search(r"\nx\S* +\S+ .* NO\n", message), message

    if torch is not None:  # the same rule in PyTorch: its gradgradcheck rejects it too
        def function(vjp):
            class Cube(torch.autograd.Function):
                @staticmethod
                def forward(ctx, t):
                    ctx.save_for_backward(t)
                    return t**3

                @staticmethod
                def backward(ctx, g):
                    (t,) = ctx.saved_tensors
                    return vjp(g) * 3 * t * t
            return Cube.apply

        ones = torch.ones((), dtype=torch.float64, requires_grad=True)
        numbers = function(lambda g: torch.from_numpy(gradient(g.detach().numpy()).copy()))
        assert torch.autograd.gradcheck(numbers, (ones,))
        assert torch.autograd.gradgradcheck(function(lambda g: g), (ones,))
        with pytest.raises(RuntimeError,  # torch.autograd.gradcheck.GradcheckError
                           match=r"(?s)with respect to input 1.*numerical:.*3\.0.*analytical:"
                                 r"tensor\(\[\[0\.\]\]"):
            torch.autograd.gradgradcheck(numbers, (ones,))  # input 1 is the gradient g


def test_a_wrong_rule_is_reported_at_the_smallest_shape_and_simplest_numbers():
    # softplus' derivative is sigmoid(x); sigmoid(-x) is a sign slip (as in the docs)
    slip = unary_op("softplus_slip", softplus_forward, lambda x, y: sigmoid(-x),
                    register_op=False)
    with pytest.raises(GradcheckError) as failure:
        check_op(slip, database=None)  # with shrinking: hypothesis simplifies the failure
    message = str(failure.value)
    # one number (shape ()), a whole one (hypothesis shrinks toward 1.0, but which point
    # it settles on is its own business): the numbers are sigmoid(-x) and sigmoid(x) there
    point = re.match(r"softplus_slip at x \(\) = (-?\d+)\.0: first derivatives\n"
                     r"gradient of input x = \S+ is wrong: backward\(\) gives (\S+), central "
                     r"differences give (\S+);", message)
    assert point, message
    x = float(point[1])
    assert x != 0 and abs(x) <= 10, message
    assert float(point[2]) == pytest.approx(1 / (1 + math.exp(x)), rel=1e-12)
    assert float(point[3]) == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-6)


def test_a_wrong_sign_in_a_binary_rule_names_the_operand():
    wrong = binary_op("sub_bad", np.subtract, lambda a, b, y: 1.0 + 0 * a,
                      lambda a, b, y: 1.0 + 0 * b, register_op=False)  # d(a - b)/db is -1
    with pytest.raises(GradcheckError) as failure:
        check_op(wrong, **FAST)
    message = str(failure.value)
    assert message.startswith("sub_bad at a ") and ": first derivatives" in message
    assert re.search(r"gradient of (input b|out\S* with respect to b)\S* = .* is wrong: "
                     r"backward\(\) gives 1\.0, central differences give -(1\.0|0\.99)", message)


# ----------------------------------------------------------------------------- teeth
# Break each built-in rule in turn (scaled by 1.1, sign flipped): check_op must catch it at
# order 1. Broken on Tensors only (what create_graph=True runs), order 2 must catch it.

RULES = [(name, i) for name in NAMES for i, vjp in enumerate(OPS[name].rules) if vjp is not None]
BREAKS = {
    "scaled by 1.1": lambda rule: lambda g, *rest: 1.1 * rule(g, *rest),
    "sign flipped": lambda rule: lambda g, *rest: -rule(g, *rest),
}


def on_tensors(*arguments):
    """Whether a rule runs on Tensors, as under create_graph=True (the operands are Tensors;
    the gradient arriving at the output may still be an array, the seed)."""
    return any(isinstance(a, Tensor) for a in arguments)


def numbers(t):
    return t.data if isinstance(t, Tensor) else t


def broken(op, operand, rule):
    vjps = list(op.rules)
    vjps[operand] = rule
    return tuple(vjps)


@pytest.mark.parametrize("how", sorted(BREAKS))
@pytest.mark.parametrize("name, operand", RULES)
def test_a_broken_rule_is_caught(name, operand, how, monkeypatch):
    op = OPS[name]
    monkeypatch.setattr(op, "rules", broken(op, operand, BREAKS[how](op.rules[operand])))
    with pytest.raises(GradcheckError) as failure:
        check_op(op, second_order=False, **FAST)
    assert f"{name} at " in str(failure.value) and ": first derivatives" in str(failure.value)


SPREAD = RULES[::4]
"""The rules the main tier breaks under ``create_graph`` (every fourth, in the registry's
order: of one operand and of two, elementwise and not); the long tier breaks every one."""


@pytest.mark.slow
@pytest.mark.parametrize("name, operand", sampled(
    RULES, SPREAD, "test_a_rule_broken_on_tensors_only_is_caught_by_the_second_order_check",
    several=True))
def test_a_rule_broken_on_tensors_only_is_caught_by_the_second_order_check(name, operand,
                                                                         monkeypatch):
    op = OPS[name]
    rule = op.rules[operand]

    def on_tensors_only(g, *rest):
        return 1.1 * rule(g, *rest) if on_tensors(g, *rest) else rule(g, *rest)

    monkeypatch.setattr(op, "rules", broken(op, operand, on_tensors_only))
    check_op(op, second_order=False, **QUICK)  # arrays: right
    # where the first derivative is 0 (hypothesis shrinks to zeros) only the second show it
    with pytest.raises(GradcheckError, match=f"(?s){re.escape(name)} at .*(different numbers on "
                                             "Tensors than on arrays|: second derivatives)"):
        check_op(op, **FAST)


@pytest.mark.slow
@pytest.mark.parametrize("name, operand", sampled(
    RULES, SPREAD, "test_a_rule_that_takes_its_gradient_out_of_the_graph_is_caught",
    several=True))
def test_a_rule_that_takes_its_gradient_out_of_the_graph_is_caught(name, operand, monkeypatch):
    # the same numbers everywhere, but under create_graph the rule gets g's numbers instead of
    # g: only the second-order check's derivative with respect to u (the seed) shows it
    op = OPS[name]
    rule = op.rules[operand]
    monkeypatch.setattr(op, "rules", broken(op, operand, lambda g, *rest: rule(numbers(g), *rest)))
    check_op(op, second_order=False, **QUICK)
    with pytest.raises(GradcheckError, match=f"(?s){re.escape(name)} at .*second derivatives.*"
                                             r"\nu\S* [^\n]* NO\n"):
        check_op(op, **FAST)


@pytest.mark.slow
@pytest.mark.parametrize("name, operand", RULES)  # (every op's: an op of one's own too, below)
def test_control_an_unbroken_copy_passes(name, operand, monkeypatch):
    op = OPS[name]
    rule = op.rules[operand]
    monkeypatch.setattr(op, "rules", broken(op, operand, lambda g, *rest: rule(g, *rest)))
    check_op(op, **QUICK)


@pytest.mark.parametrize("name, operand, detached", [
    ("tanh", 0, lambda g, x, y: g * (1 - numbers(y) * numbers(y))),
    ("*", 0, lambda g, a, b, y: g * numbers(b)),
    ("@", 1, lambda g, a, b, y: OPS["@"](numbers(a).T, g) if a.ndim == 2 else
     (numbers(a).reshape(-1, 1) @ g.reshape(1, -1)).reshape(b.shape)),
    ("softmax", 0, lambda g, x, y, axes: numbers(y) * (g - (g * numbers(y)).sum(
        axis=axes, keepdims=True))),
], ids=lambda v: v if isinstance(v, (str, int)) else "")
def test_a_rule_that_takes_an_operand_out_of_the_graph_is_caught(name, operand, detached,
                                                               monkeypatch):
    # the right numbers on arrays and on Tensors, but the graph of the gradient misses a
    # path: only the second derivatives show it
    op = OPS[name]
    real = op.rules[operand]

    def rule(g, *rest):
        return detached(g, *rest) if on_tensors(g, *rest) else real(g, *rest)

    monkeypatch.setattr(op, "rules", broken(op, operand, rule))
    check_op(op, second_order=False, **QUICK)
    with pytest.raises(GradcheckError, match=f"(?s){re.escape(name)} at .*second derivatives"):
        check_op(op, **FAST)


def test_grad_of_grad_matches_the_closed_form_hessian_of_a_quadratic():
    # a fixed point the property tests cannot miss: f(x) = xᵀAx has Hessian A + Aᵀ
    a = np.array([[2.0, -1.0, 0.5], [0.0, 1.0, 3.0], [1.5, 0.0, -2.0]])
    x = Tensor([0.3, -1.2, 2.0])
    (g,) = grad(x @ (a @ x), [x], create_graph=True)
    hessian = np.stack([grad(g[i], [x])[0] for i in range(3)])
    np.testing.assert_allclose(hessian, a + a.T, rtol=0, atol=1e-15)


def test_check_op_and_assert_op_derivatives_tell_the_engines_apart():
    from tinygrad_edu import OPS as SCALAR_OPS

    assert domain_of(OPS["log"]) == domain_of("log") == domain_of(SCALAR_OPS["log"])
    assert_op_derivatives(OPS["sum"], np.arange(6.0).reshape(2, 3), args=(1, True))
    assert_op_derivatives(OPS["*"], np.ones((2, 1)), np.array([0.5, -1.0, 2.0]))
    with pytest.raises(TypeError, match=r"sum takes 1 operand\(s\), got 2"):
        assert_op_derivatives(OPS["sum"], np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="shapes= is for ops of the tensor engine; tanh works "
                                        "on numbers"):
        check_op("tanh", shapes=[(2,)])
    with pytest.raises(TypeError, match="args= is for ops of the tensor engine"):
        assert_op_derivatives("tanh", 0.5, args=(1,))
    with pytest.raises(TypeError, match="expected an op of the tensor engine"):
        tensor_samples(SCALAR_OPS["tanh"])


TENSOR_PLUGIN = """
import numpy as np
from tinygrad_edu.tensor.engine import sigmoid, unary_op
forward = lambda x: np.logaddexp(0.0, x)
unary_op("softplus_good", forward, lambda x, y: sigmoid(x))
unary_op("softplus_bad", forward, lambda x, y: sigmoid(-x))
"""


@pytest.mark.slow
def test_a_newly_registered_tensor_op_is_picked_up_by_these_tests(tmp_path):
    """Two tensor ops registered by a plugin before collection: the right one passes the
    per-op test and its control, the wrong one fails them; breaking either is caught."""
    from tests.testing.test_hypothesis_toolkit import ROOT, run_pytest

    (tmp_path / "tensor_softplus_plugin.py").write_text(TENSOR_PLUGIN)
    chosen = ("(softplus_good or softplus_bad) and (first_and_second_derivatives or "
              "control_an_unbroken_copy or a_broken_rule_is_caught)")  # (the ones read below)
    result = run_pytest(["-p", "tensor_softplus_plugin", "-k", chosen, "-rA", "-q",
                         "tests/tensor/test_rules.py"], ROOT, [tmp_path])
    out = result.stdout + result.stderr
    for test, bad_outcome in (
        ("test_first_and_second_derivatives_of_every_op[{}]", "FAILED"),
        ("test_control_an_unbroken_copy_passes[{}-0]", "FAILED"),
        ("test_a_broken_rule_is_caught[{}-0-sign flipped]", "PASSED"),
    ):
        assert f"PASSED tests/tensor/test_rules.py::{test.format('softplus_good')}" in out, out
        assert f"{bad_outcome} tests/tensor/test_rules.py::{test.format('softplus_bad')}" in out
    assert "softplus_bad at x " in out and result.returncode == 1
