"""Derivatives at the edge of a domain, for both engines (issue 40, item 2).

Where an op's graph stands vertical at the edge of its domain (√x and x**b, 0 < b < 1, at
x = 0) its slope is inf. Kept as a plain number, that inf looked like a constant, so a second
derivative came out as 0: ``hessian(lambda v: v.sqrt(), 0.0)`` gave 0.0 (``v ** 0.5`` the
same), and the tensor engine raised ZeroDivisionError (and gave 0 for ``v ** 2`` at 0, whose
second derivative is 2). Now each engine makes such a slope a node whose own derivatives are
the infinities of the right sign (``higher.vertical``, ``tensor.engine._vertical``): the
values below are the mathematics (the k-th derivative of x**b at 0 from above), and PyTorch's.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import requires_torch, torch
from tinygrad_edu import DomainError, Value, grad, hessian, unary_op
from tinygrad_edu.tensor import Tensor


def derivatives(f, x0, orders, engine):
    """The first ``orders`` derivatives of f at x0, each taken of the graph of the one
    before (``grad(..., create_graph=True)``); 0 once one no longer depends on x."""
    x = Value(x0) if engine == "Value" else Tensor([x0])
    y, found = f(x), []
    for _ in range(orders):
        (y,) = grad(y if engine == "Value" else y.sum(), [x], create_graph=True,
                    allow_unused=True)
        if y is None:
            found += [0.0] * (orders - len(found))
            break
        found.append(y.data if engine == "Value" else float(y.data[0]))
    return found


def power_at_zero(b, k):
    """The k-th derivative of x**b at x = 0, from above: b(b-1)...(b-k+1)·x**(b-k), which is 0
    where b - k > 0 (or b is a whole number below k), the coefficient where b = k, and an
    infinity of the coefficient's sign where b - k < 0."""
    coefficient = math.prod(b - i for i in range(k))
    if coefficient == 0 or b > k:
        return 0.0
    return coefficient if b == k else math.copysign(math.inf, coefficient)


ENGINES = ["Value", "Tensor"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("f", [lambda v: v.sqrt(), lambda v: v**0.5], ids=["sqrt", "v ** 0.5"])
def test_the_issues_second_derivative_of_sqrt_at_0_is_minus_inf(engine, f):
    x0 = 0.0 if engine == "Value" else np.array([0.0])
    assert np.all(hessian(f if engine == "Value" else lambda v: f(v).sum(), x0) == -math.inf)
    assert derivatives(f, 0.0, 4, engine) == [math.inf, -math.inf, math.inf, -math.inf]


def test_the_tensor_engines_second_derivative_of_a_square_at_0_is_2():
    np.testing.assert_array_equal(hessian(lambda v: (v**2).sum(), np.array([0.0])), [[2.0]])
    np.testing.assert_array_equal(hessian(lambda v: (v**3).sum(), np.array([0.0])), [[0.0]])


@pytest.mark.parametrize("engine", ENGINES)
@given(b=st.one_of(st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.5, 3.0]),
                   st.floats(0.05, 4.0).filter(lambda b: abs(b - round(b)) > 1e-3)),
       k=st.integers(1, 4))
def test_every_derivative_of_a_power_at_0_is_the_mathematics(engine, b, k):
    """x**b at 0 for every exponent b > 0 and order k <= 4: 0, a number, or an infinity of
    the right sign, in both engines (before: 0 for every order past an infinite slope)."""
    assert derivatives(lambda v: v**b, 0.0, k, engine)[-1] == power_at_zero(b, k)


@requires_torch
@pytest.mark.parametrize("engine", ENGINES)
# (a NaN where an inf meets a 0 in a product comes with NumPy's warning in the tensor engine)
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@given(b=st.floats(0.05, 3.0), k=st.integers(1, 3),
       outer=st.sampled_from(["none", "log1p", "times 3", "sqrt again"]))
# (whole exponents every run: x ** 1.0 has the slope 1.0 · x ** 0.0, whose own derivative is
# nothing at all, not 0 · inf; random floats seldom hit them)
@example(b=1.0, k=3, outer="sqrt again")
@example(b=2.0, k=3, outer="sqrt again")
def test_derivatives_at_an_edge_match_torch(engine, b, k, outer):
    """x**b and √x, and a function of them, at 0: the same numbers as PyTorch (an inf, a
    NaN where an inf meets a 0 or another inf, as there)."""
    then = {"none": lambda y: y, "log1p": lambda y: (y + 1.0).log(),
            "times 3": lambda y: y * 3.0, "sqrt again": lambda y: y.sqrt()}[outer]
    for f in (lambda v: then(v**b), lambda v: then(v.sqrt())):
        x = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        y, expected = f(x), []
        for _ in range(k):
            if not y.requires_grad:
                expected.append(0.0)
                continue
            (y,) = torch.autograd.grad(y, x, create_graph=True)
            expected.append(y.item())
        ours = derivatives(f, 0.0, k, engine)
        np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_first_derivative_at_the_edge_is_inf_without_a_warning(engine):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Value(0.0) if engine == "Value" else Tensor([0.0, 4.0])
        (g,) = grad(x.sqrt() if engine == "Value" else x.sqrt().sum(), [x])
    np.testing.assert_array_equal(g, math.inf if engine == "Value" else [math.inf, 0.25])


def test_a_tensor_with_entries_at_the_edge_and_inside():
    """Each entry as a Value would give it on the diagonal; off it, where one entry's slope is
    inf and no gradient reaches it, IEEE's 0·inf is NaN, as in PyTorch (as separate Values,
    the entries do not meet: 0)."""
    h = hessian(lambda v: v.sqrt().sum(), np.array([0.0, 4.0]))
    assert h[0, 0] == -math.inf and h[1, 1] == -1 / 32 and h[0, 1] == 0.0
    assert math.isnan(h[1, 0])
    if torch is not None:
        th = torch.autograd.functional.hessian(lambda v: v.sqrt().sum(),
                                               torch.tensor([0.0, 4.0], dtype=torch.float64))
        np.testing.assert_array_equal(h, th.numpy())


def test_a_slope_that_is_inf_around_the_point_too_is_a_constant():
    assert hessian(lambda v: v * math.inf, 1.0) == 0.0  # d(inf·x)/dx = inf, everywhere


def test_an_op_of_your_own_with_an_edge_below_its_domain():
    """√(−x), defined for x <= 0: its slope −inf at 0 falls to -inf (its second derivative),
    found by asking its forward function on which side of 0 it is defined."""
    flipped = unary_op("sqrt_of_minus", lambda x: math.sqrt(-x),
                       lambda x, y: -math.inf if y == 0 else -0.5 / y, register_op=False)
    assert derivatives(flipped, 0.0, 3, "Value") == [-math.inf, -math.inf, -math.inf]
    assert derivatives(flipped, -4.0, 2, "Value") == [-0.25, -1 / 32]


def test_an_infinite_slope_inside_a_domain_is_refused_by_name():
    """A vertical tangent with the op defined on both sides (a cube root at 0): its second
    derivative is -inf on one side and inf on the other, so there is no number to give."""
    cbrt = unary_op("cbrt", lambda x: math.copysign(abs(x) ** (1 / 3), x),
                    lambda x, y: math.inf if y == 0 else 1 / (3 * y * y), register_op=False)
    x = Value(0.0)
    (g,) = grad(cbrt(x), [x])
    assert g == math.inf  # the first derivative is fine
    with pytest.raises(DomainError, match=r"create_graph=True: cbrt's derivative with respect "
                                          r"to x at x = 0\.0 is inf.*defined on both sides of "
                                          r"0\.0.*Take the point off 0\.0, or take first "
                                          r"derivatives only"):
        hessian(cbrt, 0.0)


# ----------------------------------------------------------------------------- inf meets 0
# An infinite gradient arriving where an op's slope is 0: PyTorch's backward masks it for the
# ops whose output does not depend on the input there (relu below 0, x ** 0, maximum's and
# minimum's losing side, clip outside its bounds, where's other branch, an entry indexing
# did not pick), and multiplies for the others (0 · inf = NaN: abs at 0, x ** 2 at 0, x * 0,
# a saturated tanh, a max that is not the largest). Each engine does what PyTorch does, op
# by op; "mask" and "nan" are what each case gives.

INF = math.inf
SCALAR_EDGES = {  # name: (our op on a Value, PyTorch's, x, what arrives meets)
    "relu below 0": (lambda v: v.relu(), lambda t: t.relu(), -1.0, "mask"),
    "relu at 0": (lambda v: v.relu(), lambda t: t.relu(), 0.0, "mask"),
    "x ** 0": (lambda v: v**0.0, lambda t: t**0.0, 2.0, "mask"),
    "abs at 0": (lambda v: v.abs(), lambda t: t.abs(), 0.0, "nan"),
    "x ** 2 at 0": (lambda v: v**2.0, lambda t: t**2.0, 0.0, "nan"),
    "x * 0": (lambda v: v * 0.0, lambda t: t * 0.0, 1.0, "nan"),
    "leaky_relu(x, 0) below 0": (lambda v: v.leaky_relu(0.0),
                                 lambda t: torch.nn.functional.leaky_relu(t, 0.0), -1.0, "nan"),
    "tanh saturated": (lambda v: v.tanh(), lambda t: t.tanh(), 30.0, "nan"),
    "sigmoid saturated": (lambda v: v.sigmoid(), lambda t: t.sigmoid(), 40.0, "nan"),
    "exp of -800": (lambda v: v.exp(), lambda t: t.exp(), -800.0, "nan"),
}


def _meets(kind):
    return 0.0 if kind == "mask" else math.nan


@pytest.mark.parametrize("case", sorted(SCALAR_EDGES))
def test_an_infinite_gradient_meets_a_zero_slope_as_in_pytorch_for_values(case):
    ours, _, x0, kind = SCALAR_EDGES[case]
    x = Value(x0)
    ours(x).backward(INF)
    np.testing.assert_array_equal(x.grad, _meets(kind))


@pytest.mark.parametrize("case", sorted(SCALAR_EDGES))
@requires_torch
def test_the_scalar_cases_are_pytorchs(case):
    _, theirs, x0, kind = SCALAR_EDGES[case]
    t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    theirs(t).backward(torch.tensor(INF, dtype=torch.float64))
    np.testing.assert_array_equal(t.grad.item(), _meets(kind))


def _tensor_cases():
    c = np.array([True, False, True])
    return {  # name: (ours on a Tensor, PyTorch's, x, what each entry meets)
        "relu": (lambda t: t.relu(), lambda t: t.relu(), [-1.0, 0.0, 1.0], ["mask", "mask", INF]),
        "x ** 0": (lambda t: t**0.0, lambda t: t**0.0, [-1.0, 0.0, 2.0], ["mask"] * 3),
        "abs": (lambda t: t.abs(), lambda t: t.abs(), [-1.0, 0.0, 1.0], [-INF, "nan", INF]),
        "x ** 2": (lambda t: t**2.0, lambda t: t**2.0, [-1.0, 0.0, 1.0], [-INF, "nan", INF]),
        "x * 0": (lambda t: t * 0.0, lambda t: t * 0.0, [-1.0, 0.0, 1.0], ["nan"] * 3),
        "maximum": (lambda t: _engine().maximum(t, np.zeros(3)),
                    lambda t: torch.maximum(t, torch.zeros(3, dtype=t.dtype)),
                    [-1.0, 0.0, 1.0], ["mask", INF, INF]),
        "minimum": (lambda t: _engine().minimum(t, np.zeros(3)),
                    lambda t: torch.minimum(t, torch.zeros(3, dtype=t.dtype)),
                    [-1.0, 0.0, 1.0], [INF, INF, "mask"]),
        "clip": (lambda t: _engine().clip(t, -0.5, 0.5), lambda t: torch.clamp(t, -0.5, 0.5),
                 [-1.0, 0.0, 1.0], ["mask", INF, "mask"]),
        "where": (lambda t: _engine().where(c, t, 0.0),
                  lambda t: torch.where(torch.tensor(c), t, torch.zeros(3, dtype=t.dtype)),
                  [-1.0, 0.0, 1.0], [INF, "mask", INF]),
        "leaky_relu(x, 0)": (lambda t: t.leaky_relu(0.0),
                             lambda t: torch.nn.functional.leaky_relu(t, 0.0),
                             [-1.0, 0.0, 1.0], ["nan", "nan", INF]),
        "index": (lambda t: t[[0]], lambda t: t[[0]], [-1.0, 0.0, 1.0], [INF, "mask", "mask"]),
        "max (amax)": (lambda t: t.max(), lambda t: t.amax(), [-1.0, 0.0, 1.0],
                       ["nan", "nan", INF]),
        "tanh saturated": (lambda t: t.tanh(), lambda t: t.tanh(), [-30.0, 0.0, 30.0],
                           ["nan", INF, "nan"]),
        "exp": (lambda t: t.exp(), lambda t: t.exp(), [-800.0, 0.0, 1.0], ["nan", INF, INF]),
    }


def _engine():
    from tinygrad_edu.tensor import engine

    return engine


def _entries(kinds):
    return np.array([0.0 if k == "mask" else math.nan if k == "nan" else k for k in kinds])


@pytest.mark.parametrize("case", sorted(_tensor_cases()))
def test_an_infinite_gradient_meets_a_zero_slope_as_in_pytorch_for_tensors(case):
    ours, _, x0, kinds = _tensor_cases()[case]
    x = Tensor(np.array(x0))
    y = ours(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (0 · inf: NumPy says so)
        y.backward(np.full(y.shape, INF))
    np.testing.assert_array_equal(x.grad, _entries(kinds))


@pytest.mark.parametrize("case", sorted(_tensor_cases()))
@requires_torch
def test_the_tensor_cases_are_pytorchs(case):
    _, theirs, x0, kinds = _tensor_cases()[case]
    t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    y = theirs(t)
    y.backward(torch.full_like(y, INF))
    np.testing.assert_array_equal(t.grad.numpy(), _entries(kinds))


# ----------------------------------------------------------------------------- a slope too large


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("base, exponent", [(1e-300, -0.5), (-1e-200, -1.0), (1e-250, -1.1),
                                            (5e-324, -0.25)])
def test_a_power_whose_slope_overflows_is_no_error(engine, base, exponent):
    """Issue 55, item 4: Value(1e-300) ** -0.5 raised OverflowError, though the result, 1e150,
    is a float; only its slope, -0.5 · 1e-300 ** -1.5, is not. The docs promise an error
    where the result overflows; the slope is an infinity (as PyTorch gives), with and
    without create_graph."""
    x = Value(base) if engine == "Value" else Tensor([base, 4.0])
    y = x**exponent
    (g,) = grad(y if engine == "Value" else y.sum(), [x])
    (again,) = grad(y if engine == "Value" else y.sum(), [x], create_graph=True)
    slope = math.copysign(math.inf, exponent * (base ** exponent / base))
    np.testing.assert_array_equal(np.ravel(g)[0], slope)
    np.testing.assert_array_equal(again.data, g)
    if engine == "Tensor":
        assert g[1] == exponent * 4.0 ** (exponent - 1)
    if torch is not None:
        t = torch.tensor(base, dtype=torch.float64, requires_grad=True)
        (t**exponent).backward()
        assert t.grad.item() == slope and (t**exponent).item() == np.ravel(y.data)[0]
    with pytest.raises(OverflowError, match=r"too large"):  # the result itself: an error
        Value(base) ** -400.0 if engine == "Value" else Tensor([base]) ** -400.0


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("base_is_a_node", [False, True])
def test_the_exponent_of_a_power_of_zero_gets_nothing_whatever_arrives(engine, base_is_a_node):
    """0 ** b is 0 for every b > 0: it does not depend on b there, so nothing passes back to
    b, an infinite gradient included, as for relu below 0 (issue 55: the tensor engine
    multiplied 0 by it, NaN, as PyTorch does, while Values gave 0: tests/torch_deviations.py)."""
    b = Value(0.5) if engine == "Value" else Tensor([0.5, 2.0])
    zero = 0.0 if engine == "Value" else np.array([0.0, 3.0])
    base = (Value(zero) if engine == "Value" else Tensor(zero)) if base_is_a_node else zero
    y = base**b
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no 0 · inf inside either)
        (g,) = grad(y, [b], grad_outputs=INF if engine == "Value" else np.array([INF, 1.0]))
    np.testing.assert_array_equal(np.ravel(g)[0], 0.0)
    if engine == "Tensor":  # the other entry: 3 ** 2 · ln 3
        assert g[1] == pytest.approx(9 * math.log(3.0))
