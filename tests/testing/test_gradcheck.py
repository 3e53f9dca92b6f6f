"""gradcheck and numerical_grad: backward() against central differences, with a report that
names the input and both numbers."""

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import requires_torch, torch, wrong_softplus
from tinygrad_edu import (
    DomainError,
    GradcheckError,
    Value,
    gradcheck,
    numerical_grad,
    sigmoid,
    unary_op,
)

ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- gradcheck


def test_gradcheck_passes_and_reports_every_input():
    y = Value(0.5, label="y")
    report = gradcheck(lambda x, y: x * y.tanh(), [2.0, y])
    assert report.ok and bool(report)
    x_entry, y_entry = report.entries
    assert (x_entry.name, y_entry.name) == ("x0", "y")
    assert x_entry.analytic == pytest.approx(math.tanh(0.5), rel=1e-12)
    assert y_entry.analytic == pytest.approx(2 * (1 - math.tanh(0.5) ** 2), rel=1e-12)
    assert y_entry.numeric == pytest.approx(y_entry.analytic, rel=1e-8)
    assert report.relative_error < 1e-7  # the teaching texts' bar for a correct gradient
    assert y.grad == 0.0  # the caller's Values are left alone
    text = str(report)
    assert "analytic (backward)" in text and "numeric (central diff.)" in text
    assert text.splitlines()[-1].startswith("gradcheck passed")


def test_gradcheck_failure_names_the_input_and_both_numbers():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: wrong_softplus()(x) * 2.0, [Value(1.0, label="t")])
    message = str(info.value)
    assert isinstance(info.value, AssertionError)
    assert "gradient of input t = 1.0 is wrong" in message
    assert f"backward() gives {2 * sigmoid(-1.0)!r}" in message
    assert "central differences give 1.46211715" in message
    assert "FAILED for 1 of 1" in message


def test_gradcheck_can_return_the_failing_report():
    report = gradcheck(lambda x: wrong_softplus()(x), [1.0], raise_exception=False)
    assert not report.ok and not report
    (entry,) = report.failures
    a, n = sigmoid(-1.0), sigmoid(1.0)
    assert entry.analytic == a and entry.numeric == pytest.approx(n, rel=1e-9)
    assert entry.abs_error == pytest.approx(n - a, rel=1e-9)
    assert entry.rel_error == pytest.approx((n - a) / (n + a), rel=1e-9)  # |n - a| / |n + a|
    assert "NO" in str(report)


def test_pytorch_criterion_uses_atol_plus_rtol_times_numeric():
    scaled = unary_op("scaled", lambda x: 2 * x, lambda x, y: 2.0 * (1 + 5e-4), register_op=False)
    assert gradcheck(scaled, [1.0]).ok  # off by 1e-3 < 1e-5 + 1e-3·2
    assert not gradcheck(scaled, [1.0], rtol=1e-4, raise_exception=False).ok


def test_a_nan_or_infinite_gradient_is_never_accepted():
    for bad in (math.nan, math.inf):
        op = unary_op("bad", lambda x: x, lambda x, y, bad=bad: bad, register_op=False)
        report = gradcheck(op, [1.0], atol=math.inf, raise_exception=False)
        assert not report.ok
        with pytest.raises(GradcheckError, match="not a finite number"):
            gradcheck(op, [1.0])


def test_gradcheck_of_a_constant_and_bad_arguments():
    assert gradcheck(lambda x: 3.0, [1.0]).entries[0].analytic == 0.0
    with pytest.raises(TypeError, match=r"a list of numbers or Values, e\.g\. \[x\]"):
        gradcheck(lambda x: x, Value(1.0))
    with pytest.raises(TypeError, match="f should take one Value per input and return a Value"):
        gradcheck(lambda x: "x", [1.0])


@given(st.floats(-3, 3))
def test_numerical_grad_matches_known_derivatives(x):
    (d,) = numerical_grad(lambda v: v.sin(), [x])
    assert d == pytest.approx(math.cos(x), rel=1e-6, abs=1e-9)
    da, db = numerical_grad(lambda a, b: a * b * b, [x, 2.0])
    assert (da, db) == pytest.approx((4.0, 4 * x), rel=1e-6, abs=1e-8)


@requires_torch
def test_numeric_gradients_agree_with_torch_gradcheck():
    def f_engine(a, b):
        return (a * b).sigmoid() + a.sin() / b

    def f_torch(a, b):
        return (a * b).sigmoid() + a.sin() / b

    xs = [0.7, 1.3]
    report = gradcheck(f_engine, xs)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    assert torch.autograd.gradcheck(f_torch, tensors)
    f_torch(*tensors).backward()
    for entry, t in zip(report.entries, tensors):
        assert entry.analytic == pytest.approx(t.grad.item(), rel=1e-12)



def test_gradcheck_near_the_edge_of_a_domain_names_the_input_and_the_step():
    with pytest.raises(DomainError) as info:
        gradcheck(lambda x: x.log(), [Value(1e-7, label="p")])
    text = str(info.value)
    assert "p ± h = 1e-07 ± 1e-06" in text and "f fails at p = -9e-07" in text
    assert "log: got -9e-07" in text and "pass a smaller eps than 1e-06" in text
    assert gradcheck(lambda x: x.log(), [1e-7], eps=1e-9, rtol=1e-3).ok  # as the hint says


@pytest.mark.parametrize("kwargs, words", [
    ({"eps": 0}, "eps must be a finite number > 0, got 0"),
    ({"eps": -1e-6}, "eps must be a finite number > 0"),
    ({"eps": math.nan}, "eps must be a finite number > 0, got nan"),
    ({"atol": -1.0}, "atol must be a number >= 0"),
    ({"rtol": math.nan}, "rtol must be a number >= 0, got nan"),
])
def test_gradcheck_refuses_a_step_or_tolerance_that_means_nothing(kwargs, words):
    with pytest.raises(ValueError, match=words):
        gradcheck(lambda x: x * x, [1.0], **kwargs)
    if "eps" in kwargs:
        with pytest.raises(ValueError, match=words):
            numerical_grad(lambda x: x * x, [1.0], eps=kwargs["eps"])


@pytest.mark.parametrize("inputs, eps, words", [
    ([1.0], 1e-300, r"eps=1e-300 is too small for x0 = 1\.0: x0 ± h rounds to x0 itself"),
    ([Value(3e10, label="w")], 1e-30, r"eps=1e-30 is too small for w = 30000000000\.0"),
    ([1e300], 1e10, r"x0 ± h = 1e\+300 ± inf is not a finite number"),
    ([1.797693e308], 1e-6, r"x0 ± h = 1\.797693e\+308 ± 1\.8e\+302 is not a finite number"),
])
def test_a_step_that_rounds_away_or_overflows_is_refused_not_blamed_on_backward(inputs, eps,
                                                                                  words):
    """Central differences with x ± h == x give 0 (or inf gives NaN): that says nothing about
    backward(), so gradcheck must not report "the gradient is wrong"."""
    for check in (gradcheck, numerical_grad):
        with pytest.raises(ValueError, match=words):
            check(lambda x: x * 2.0, inputs, eps=eps)


@pytest.mark.parametrize("x", [math.inf, -math.inf, math.nan])
def test_a_point_that_is_not_finite_is_refused(x):
    with pytest.raises(ValueError, match=rf"input x1 = {x!r}: central differences need a "
                                         "finite point"):
        gradcheck(lambda a, b: a * b, [1.0, x])


def test_inputs_may_be_any_iterable_and_f_must_be_callable():
    assert gradcheck(lambda x, y: x * y, (v for v in [2.0, 3.0])).ok
    with pytest.raises(TypeError, match=r"gradcheck: f must be a function of one Value per "
                                        r"input, got int 3"):
        gradcheck(3, [1.0])


def test_f_written_with_math_functions_is_explained():
    with pytest.raises(TypeError, match=r"gradcheck: f failed on Values \(f turned a Value into "
                                        r"a plain number \(as math's functions do\)\); write f "
                                        r"with Value operations"):
        gradcheck(lambda x: math.sin(x), [1.0])
    assert float(Value(1.0)) == 1.0 and math.sin(Value(1.0)) == math.sin(1.0)  # elsewhere


def test_central_differences_that_overflow_are_not_called_a_wrong_gradient():
    report = gradcheck(lambda x: x * 2.0, [1.7e308], raise_exception=False)  # 2x overflows
    assert not report.ok
    message = report.failure_message()
    assert "central differences give nan" in message and "is wrong" not in message
    assert "f is not finite near x0 = 1.7e+308" in message


# ----------------------------------------------------------------------------- Tensors


def mm_missing_a_transpose():
    """A matrix product whose rule for the left operand forgot a transpose: dA = G @ B, not
    G @ Bᵀ. Square operands hide it from the shapes; only the numbers show it."""
    import numpy as np

    from tinygrad_edu.tensor.engine import tensor_op

    return tensor_op("mm", np.matmul, [lambda g, a, b, y: g @ b, lambda g, a, b, y: a.T @ g],
                     register_op=False)


def test_gradcheck_of_tensors_checks_every_entry_of_the_jacobian():
    import numpy as np

    from tinygrad_edu.tensor import Tensor

    rng = np.random.default_rng(1)
    a, w = rng.normal(size=(2, 3)), Tensor(rng.normal(size=(3, 2)), label="w")
    report = gradcheck(lambda a, w: (a @ w).tanh(), [a, w], atol=1e-8, rtol=1e-5)
    assert report.ok and len(report.entries) == 4 * (6 + 6)  # out entries × input entries
    first = report.entries[0]
    assert (first.output, first.name) == ("out[0, 0]", "x0[0, 0]")
    assert {e.name for e in report.entries if e.name.startswith("w")} == {
        f"w[{i}, {j}]" for i in range(3) for j in range(2)}
    # d out[1, j] / d a[0, k] = 0: row 0 of a does not reach row 1 of the output
    assert all(e.analytic == e.numeric == 0.0 for e in report.entries
               if e.output.startswith("out[1") and e.name.startswith("x0[0"))
    assert w.grad is None  # the caller's tensors are left alone
    assert report.relative_error < 1e-9
    text = str(report)
    assert text.splitlines()[0].split()[:2] == ["output", "input"]
    assert "(24 more rows not shown)" in text  # a Jacobian is long: the first 24 rows
    assert text.splitlines()[-1].startswith("gradcheck passed")


def test_gradcheck_of_tensors_names_the_wrong_entry_of_the_jacobian():
    import numpy as np

    from tinygrad_edu.tensor import Tensor

    mm = mm_missing_a_transpose()
    a = Tensor([[1.0, 2.0], [3.0, 4.0]], label="A")
    b = Tensor([[0.5, -1.0], [2.0, 0.25]], label="B")
    with pytest.raises(GradcheckError) as info:
        gradcheck(mm, [a, b])
    message = str(info.value)
    # d out[0, 1] / d A[0, 0] = B[0, 1] = -1.0; the rule gives B[1, 0] = 2.0
    assert ("gradient of out[0, 1] with respect to A[0, 0] = 1.0 is wrong: backward() gives "
            "2.0, central differences give -") in message
    assert "input A[0, 1] = 2.0" not in message  # entries are named with their output
    report = gradcheck(mm, [a, b], raise_exception=False)
    assert {(e.output, e.name) for e in report.failures} == {
        ("out[0, 1]", "A[0, 0]"), ("out[0, 0]", "A[0, 1]"),
        ("out[1, 1]", "A[1, 0]"), ("out[1, 0]", "A[1, 1]")}  # B's off-diagonal entries
    assert all(e.ok for e in report.entries if e.name.startswith("B"))
    assert "NO" in str(report).splitlines()[1]  # a long table shows its failing rows first
    np.testing.assert_array_equal(a.data, [[1.0, 2.0], [3.0, 4.0]])


def test_a_one_element_tensor_output_reads_like_a_scalar_check():
    import numpy as np

    wrong = mm_missing_a_transpose()
    with pytest.raises(GradcheckError, match=r"gradient of input x0\[0, 1\] = 2\.0 is wrong"):
        gradcheck(lambda a, b: wrong(a, b).sum(), [np.array([[1.0, 2.0], [3.0, 4.0]]),
                                                   np.array([[0.5, -1.0], [2.0, 0.25]])])


def test_numerical_grad_of_tensors_gives_gradients_or_jacobians():
    import numpy as np

    from tinygrad_edu.tensor import Tensor

    x = np.array([[1.0, -2.0, 0.5]])
    (g,) = numerical_grad(lambda t: (t * t).sum(), [x])
    assert g.shape == (1, 3)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-9)
    w = Tensor(np.arange(6.0).reshape(3, 2))
    jx, jw = numerical_grad(lambda a, b: a @ b, [x, w])
    assert jx.shape == (1, 2, 1, 3) and jw.shape == (1, 2, 3, 2)
    np.testing.assert_allclose(jx[0, :, 0, :], w.data.T, rtol=1e-9)  # d(xW)_j / dx_k = W_kj
    np.testing.assert_allclose(jw[0, 1], np.outer(x[0], [0.0, 1.0]), atol=1e-9)
    (j32,) = numerical_grad(lambda t: t * 3.0, [np.ones(2, dtype=np.float32)])
    assert j32.dtype == np.float64  # float32 inputs are checked in float64
    np.testing.assert_allclose(j32, 3 * np.eye(2), rtol=1e-9)


def test_gradcheck_of_tensors_explains_bad_arguments():
    import numpy as np

    from tinygrad_edu.tensor import Tensor

    with pytest.raises(TypeError, match=r"a list of arrays or Tensors, one per argument of f, "
                                        r"e\.g\. \[w\] rather than w; got Tensor of shape"):
        gradcheck(lambda t: t, Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="input 1 is a Value but other inputs are Tensors"):
        gradcheck(lambda a, b: a, [np.ones(2), Value(1.0)])
    with pytest.raises(TypeError, match=r"f failed on Tensors \(.*\); write f with Tensor "
                                        r"operations"):
        gradcheck(lambda t: np.sin(t), [np.ones(2)])
    with pytest.raises(TypeError, match="f must return a Tensor, got list"):
        gradcheck(lambda t: [t], [np.ones(2)])
    with pytest.raises(ValueError, match=r"input x0\[1\] = nan: central differences need a "
                                         "finite point"):
        gradcheck(lambda t: t * 2, [np.array([1.0, np.nan])])
    with pytest.raises(DomainError, match=r"central differences need f at p\[0, 1\] ± h = "
                                          r"1e-07 ± 1e-06, but f fails at p\[0, 1\] = -9e-07"):
        gradcheck(lambda t: t.log(), [Tensor([[1.0, 1e-7]], label="p")])
    assert gradcheck(lambda t: np.ones(3), [np.ones(2)]).entries[0].analytic == 0.0  # constant
