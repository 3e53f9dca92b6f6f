"""The tensor engine at the edges: NaN propagates through every op (and only where it was
used), ** at 0 and at negative bases, reductions on any axis, comparisons outside the graph."""

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import requires_torch, torch
from tests.tensor.test_engine import (
    APPLY,
    BINARY,
    UNARY,
    check,
    distinct_array,
    draw_array,
    logits_and_targets,
    pairs,
    seeds,
    shapes,
)
from tinygrad_edu import DomainError, Value, grad, walk
from tinygrad_edu.tensor import (
    Tensor,
    clip,
    cross_entropy,
    log_softmax,
    maximum,
    minimum,
    mse_loss,
    softmax,
    stack,
    unbroadcast,
)
from tinygrad_edu.testing import domain_of

# ----------------------------------------------------------------------------- NaN propagates
# As in the scalar engine: a NaN entry makes NaN of every value computed from it and of every
# local derivative that depends on it (relu's slope at NaN is NaN, where PyTorch gives 1); a
# derivative that does not depend on it keeps its value (d(x + 1)/dx = 1). Each test puts one
# NaN into random numbers and compares with the same computation on the NaN-free numbers.


def one_nan(rng, x):
    """A copy of ``x`` with NaN at one random entry, and that entry's index."""
    i = tuple(int(rng.integers(n)) for n in x.shape)
    y = x.copy()
    y[i] = np.nan
    return y, i


def backward_both(f, arrays, rng):
    """``f`` on the arrays and on the same arrays with one NaN in the first one, each followed
    by a backward pass with the same random weights: (nan tensors, out, ref tensors, ref, i)."""
    with_nan, i = one_nan(rng, arrays[0])
    ts = [Tensor(with_nan)] + [Tensor(a) for a in arrays[1:]]
    refs = [Tensor(a) for a in arrays]
    out, ref = f(*ts), f(*refs)
    w = rng.uniform(-1.0, 1.0, size=out.shape)
    out.backward(w)
    ref.backward(w)
    return ts, out, refs, ref, i


def only_at(shape, i):
    mask = np.zeros(shape, dtype=bool)
    mask[i] = True
    return mask


NAN_ELEMENTWISE = {  # each output entry comes from one input entry:
    # (op, domain of the other entries, does the slope depend on the entry?)
    "exp": (lambda t: t.exp(), (-2.0, 2.0), True),
    "log": (lambda t: t.log(), (0.5, 3.0), True),
    "tanh": (lambda t: t.tanh(), (-2.0, 2.0), True),
    "sigmoid": (lambda t: t.sigmoid(), (-3.0, 3.0), True),
    "relu": (lambda t: t.relu(), (-2.0, 2.0), True),
    "leaky_relu": (lambda t: t.leaky_relu(0.1), (-2.0, 2.0), True),
    "neg": (lambda t: -t, (-2.0, 2.0), False),
    "x + 1": (lambda t: t + 1.0, (-2.0, 2.0), False),
    "1 - x": (lambda t: 1.0 - t, (-2.0, 2.0), False),
    "x * 3": (lambda t: t * 3.0, (-2.0, 2.0), False),
    "x / 2": (lambda t: t / 2.0, (-2.0, 2.0), False),
    "1 / x": (lambda t: 1.0 / t, (0.5, 3.0), True),
    "x ** 2": (lambda t: t**2, (-2.0, 2.0), True),
    "x ** 0.5": (lambda t: t**0.5, (0.5, 3.0), True),
    "2 ** x": (lambda t: 2.0**t, (-2.0, 2.0), True),
    "reshape": (lambda t: t.reshape(-1), (-2.0, 2.0), False),
    "transpose": (lambda t: t.T, (-2.0, 2.0), False),
}


@pytest.mark.filterwarnings("error")  # and quietly: no RuntimeWarning either
@pytest.mark.parametrize("name", sorted(NAN_ELEMENTWISE))
@given(shape=shapes, seed=seeds)
def test_nan_propagates_through_every_elementwise_op(name, shape, seed):
    rng = np.random.default_rng(seed)
    f, domain, depends = NAN_ELEMENTWISE[name]
    x = draw_array(rng, shape, domain, kinks=(0.0,))
    (t,), out, (r,), ref, i = backward_both(f, [x], rng)
    assert np.isnan(out.data).sum() == 1, "NaN in, NaN out"
    np.testing.assert_array_equal(np.isnan(t.grad), only_at(shape, i) & depends)
    np.testing.assert_array_equal(out.data[~np.isnan(out.data)], ref.data[~np.isnan(out.data)])
    np.testing.assert_array_equal(t.grad[~only_at(shape, i)], r.grad[~only_at(shape, i)])


def test_the_nan_tests_cover_every_unary_op_and_reduction():
    assert set(UNARY) <= set(NAN_ELEMENTWISE)  # add a new op to both tables
    reductions = {n for n in dir(Tensor) if n in ("sum", "mean", "max", "min", "prod", "std",
                                                  "var", "softmax", "log_softmax")}
    assert reductions <= set(NAN_REDUCTIONS)


def test_nan_gradient_of_the_kinked_ops_is_nan_not_pytorchs():
    """PyTorch gives relu'(nan) = 1 and leaky_relu'(nan) = alpha; NaN propagates here, as in
    the scalar engine (tests/torch_deviations.py)."""
    for f in (Tensor.relu, Tensor.leaky_relu, lambda t: t.leaky_relu(0.2)):
        x = Tensor([np.nan, -1.0, 2.0])
        f(x).backward(np.ones(3))
        np.testing.assert_array_equal(np.isnan(x.grad), [True, False, False])


def axes_of(axis, ndim):
    """``axis`` as a tuple of non-negative axes (a 0-d tensor has none to reduce)."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axes) if ndim else ()


@st.composite
def shape_and_axis(draw, ints_only=False):
    """A shape (0-d included) and a valid axis for it: None, an int (negative ones too) or a
    tuple of distinct ints."""
    shape = draw(shapes)
    n = max(len(shape), 1)  # a 0-d tensor takes axis 0 and -1
    one = st.integers(-n, n - 1)
    if ints_only:
        return shape, draw(one)
    many = st.lists(st.integers(0, n - 1), unique=True, max_size=len(shape)).flatmap(
        lambda axes: st.tuples(*[st.sampled_from([a, a - n]) for a in axes]))
    return shape, draw(st.one_of(st.none(), one, many))


NAN_REDUCTIONS = ["sum", "mean", "max", "softmax", "log_softmax"]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", NAN_REDUCTIONS)
@given(shape_axis=st.data(), keepdims=st.booleans(), seed=seeds)
def test_nan_propagates_through_every_reduction(name, shape_axis, keepdims, seed):
    shape, axis = shape_axis.draw(shape_and_axis(ints_only="softmax" in name))
    rng = np.random.default_rng(seed)
    x = distinct_array(rng, shape)
    if "softmax" in name:
        fn = softmax if name == "softmax" else log_softmax

        def f(t):
            return fn(t, axis)
    else:

        def f(t):
            return getattr(t, name)(axis=axis, keepdims=keepdims)

    (t,), out, (r,), _, i = backward_both(f, [x], rng)
    axes = axes_of(axis, len(shape))
    group = np.broadcast_to(only_at(shape, i).any(axis=axes, keepdims=True), shape)
    if "softmax" in name:  # the whole group of the NaN is NaN, values and gradients
        np.testing.assert_array_equal(np.isnan(out.data), group)
        np.testing.assert_array_equal(np.isnan(t.grad), group)
    else:  # one result per group: NaN for the NaN's group
        nan_out = only_at(shape, i).any(axis=axes, keepdims=keepdims)
        np.testing.assert_array_equal(np.isnan(out.data), nan_out)
        # max: which entry won is undefined at the NaN; sum, mean: d/dx is 1 (or 1/n) anyway
        np.testing.assert_array_equal(np.isnan(t.grad), only_at(shape, i) & (name == "max"))
    others = ~group
    np.testing.assert_array_equal(t.grad[others], r.grad[others])  # other groups: unchanged
    if name in ("sum", "mean"):  # d/dx is 1 (or 1/n) for every entry: NaN does not change it
        np.testing.assert_array_equal(t.grad[~only_at(shape, i)], r.grad[~only_at(shape, i)])
    if name == "max":  # NaN wins (as in np.max): the group's other entries get 0
        assert np.all(t.grad[group & ~only_at(shape, i)] == 0)


@pytest.mark.filterwarnings("error")
@given(n=st.integers(1, 4), c=st.integers(2, 4), seed=seeds, one_hot=st.booleans())
def test_nan_propagates_through_cross_entropy(n, c, seed, one_hot):
    rng, z, _, target = logits_and_targets(seed, n, c, one_hot)
    (t,), out, (r,), _, (row, _) = backward_both(lambda u: cross_entropy(u, target), [z], rng)
    assert np.isnan(out.item())
    nan_row = only_at((n,), row)
    assert np.all(np.isnan(t.grad[nan_row])) and not np.any(np.isnan(t.grad[~nan_row]))
    np.testing.assert_array_equal(t.grad[~nan_row], r.grad[~nan_row])  # other rows: as before


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("side", ["a", "b"])
@given(shape=shapes, seed=seeds)
def test_nan_propagates_through_binary_ops(name, side, shape, seed):
    rng = np.random.default_rng(seed)
    da, db = domain_of(name).interval(0), domain_of(name).interval(1)
    a, b = draw_array(rng, shape, da), draw_array(rng, shape, db)
    f = APPLY[name] if side == "a" else (lambda u, v, g=APPLY[name]: g(v, u))
    arrays = [a, b] if side == "a" else [b, a]  # the NaN goes into the first one
    ts, out, refs, _, i = backward_both(f, arrays, rng)
    at = only_at(shape, i)
    np.testing.assert_array_equal(np.isnan(out.data), at)
    values = [Value(t.data[i]) for t in ts]  # the same entry in the scalar engine
    f(*values).backward()
    for t, v in zip(ts, values):  # NaN where the scalar engine's derivative is NaN
        assert np.isnan(t.grad[i]) == math.isnan(v.grad), (name, side, t.grad[i], v.grad)
    for t, r in zip(ts, refs):  # every other position is untouched by the NaN
        np.testing.assert_array_equal(t.grad[~at], r.grad[~at])


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("f", [maximum, minimum], ids=["maximum", "minimum"])
@pytest.mark.parametrize("side", ["a", "b"])
@given(shapes=pairs, seed=seeds)
def test_nan_in_either_operand_of_maximum_and_minimum_gives_both_nan(f, side, shapes, seed):
    """Which operand is larger is undefined at NaN, so both get a NaN slope there, the other
    operand too (issue 55: both got 0, so a diverged model looked healthy; PyTorch passes the
    gradient on, tests/torch_deviations.py); every other entry is untouched."""
    rng = np.random.default_rng(seed)
    (sa, sb), out_shape = shapes
    a, b = draw_array(rng, sa), draw_array(rng, sb)
    g = f if side == "a" else (lambda u, v: f(v, u))  # (the NaN goes into the first array)
    ts, out, refs, _, i = backward_both(g, [a, b], rng)
    nan_out = np.broadcast_to(only_at(sa, i), out_shape)  # where the NaN entry was used
    np.testing.assert_array_equal(np.isnan(out.data), nan_out)
    for t, r in zip(ts, refs):  # every entry that met the NaN: NaN; the others: as before
        met = unbroadcast(nan_out.astype(float), t.shape) > 0
        np.testing.assert_array_equal(np.isnan(t.grad), met)
        np.testing.assert_array_equal(t.grad[~met], r.grad[~met])


NAN = math.nan
THROUGH_MAXIMUM = {  # the cases: f(a, b) with a = [NaN, 2], b = [1, 1]
    "maximum": lambda a, b: maximum(a, b).sum(),
    "minimum(a, a)": lambda a, b: minimum(a, a).sum() + b.sum(),
    "reshape": lambda a, b: maximum(a, b).reshape(2, 1).sum(),
    "stack": lambda a, b: stack([maximum(a, b), b]).sum(),
    "mse_loss": lambda a, b: mse_loss(maximum(a, b), np.zeros(2)),
    "softmax": lambda a, b: (softmax(maximum(a, b).reshape(2, 1), 1) * [[1.0], [2.0]]).sum(),
    "clip": lambda a, b: clip(a, -1.0, 1.0).sum() + b.sum(),
    "clip of a 0-d tensor": lambda a, b: clip(a[0], -1.0, 1.0) + clip(a[1], -1.0, 1.0) + b.sum(),
    "maximum squared": lambda a, b: (maximum(a, b) ** 2).sum(),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("case", sorted(THROUGH_MAXIMUM))
def test_nan_through_maximum_minimum_and_clip_in_first_and_second_derivatives(case):
    """The issue's a = [NaN, 2], b = [1, 1]: the entry 0 of every gradient that met the NaN
    is NaN (before: maximum(a, b).sum() gave a.grad [0, 1], b.grad [0, 0]), in backward(),
    with create_graph and in a Hessian-vector product; entry 1 stays a number."""
    f = THROUGH_MAXIMUM[case]
    a, b = Tensor([NAN, 2.0]), Tensor([1.0, 1.0])
    f(a, b).backward()
    firsts = grad(f(a, b), [a, b], create_graph=True)
    products = grad(sum((g * [1.0, 1.0]).sum() for g in firsts), [a, b], allow_unused=True)
    met_b = case not in ("minimum(a, a)", "clip", "clip of a 0-d tensor")  # (b apart from a)
    for found in (a.grad, firsts[0].data, *([] if products[0] is None else [products[0]])):
        assert np.isnan(found[0]) and not np.isnan(found[1]), (case, found)
    assert np.isnan(b.grad[0]) == met_b and not np.isnan(b.grad[1]), (case, b.grad)
    np.testing.assert_array_equal(firsts[1].data, b.grad)
    if case == "maximum":
        assert a.grad[1] == 1.0 and b.grad[1] == 0.0
    if case == "maximum squared":  # d²/da² of max(a, b)² is 2 where a wins
        assert products[0][1] == 2.0 and np.isnan(products[0][0])


@pytest.mark.filterwarnings("error")
@given(n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3), seed=seeds)
def test_nan_propagates_through_matmul(n, k, m, seed):
    rng = np.random.default_rng(seed)
    x, w = draw_array(rng, (n, k)), draw_array(rng, (k, m))
    (tx, tw), out, (rx, _), _, (row, col) = backward_both(lambda a, b: a @ b, [x, w], rng)
    rows = np.broadcast_to(only_at((n,), row)[:, None], (n, m))  # row `row` of X @ W
    np.testing.assert_array_equal(np.isnan(out.data), rows)
    np.testing.assert_array_equal(tx.grad, rx.grad)  # dX = dZ·Wᵀ does not depend on X
    w_row = np.broadcast_to(only_at((k,), col)[:, None], (k, m))  # X[row, col] met W[col, :]
    np.testing.assert_array_equal(np.isnan(tw.grad), w_row)  # dW = Xᵀ·dZ does


@pytest.mark.filterwarnings("error")
def test_nan_reaches_only_the_entries_an_index_picks():
    x = Tensor([np.nan, 1.0, np.nan])
    y = x[[0, 1, 0]]
    y.backward(np.ones(3))
    np.testing.assert_array_equal(np.isnan(y.data), [True, False, True])
    np.testing.assert_array_equal(x.grad, [2.0, 1.0, 0.0])  # picking has slope 1; 2: not picked


@pytest.mark.filterwarnings("error")
def test_nan_inside_a_graph_comes_back_as_nan_where_it_was_used():
    x = Tensor([np.nan, 1.0, -2.0])
    (x.relu() * 3.0 + x).sum().backward()  # relu is not the output here
    np.testing.assert_array_equal(np.isnan(x.grad), [True, False, False])
    np.testing.assert_array_equal(x.grad[1:], [4.0, 1.0])

    x = Tensor([[np.nan, 1.0], [2.0, 3.0]])  # one NaN pixel in the first sample
    w = Tensor([[1.0, -1.0], [0.5, 2.0]])
    cross_entropy((x @ w).relu(), [0, 1]).backward()
    assert np.isnan(x.grad[0]).all() and np.isfinite(x.grad[1]).all()  # the samples apart
    assert np.isnan(w.grad).all()  # every weight met the NaN sample: no finite update

    x = Tensor([np.nan, 1.0])
    (x * 2.0)[1].backward()  # the NaN is not used: its gradient is exactly 0
    v = [Value(np.nan), Value(1.0)]
    (v[1] * 2.0).backward()  # the scalar engine: v[0] is not even in the graph
    assert x.grad.tolist() == [v[0].grad, v[1].grad] == [0.0, 2.0]


@pytest.mark.filterwarnings("error")
def test_log_of_nan_is_nan_not_a_domain_error():
    x = Tensor([np.nan, 2.0])
    y = x.log()
    y.backward(np.ones(2))
    assert np.isnan(y.data[0]) and y.data[1] == np.log(2.0)
    assert np.isnan(x.grad[0]) and x.grad[1] == 0.5
    with pytest.raises(DomainError, match=r"log: 1 of 3 entries are not positive \(the first is "
                                          r"-1.0\)"):
        Tensor([np.nan, -1.0, 2.0]).log()  # a NaN does not hide the negative entry


# ----------------------------------------------------------------------------- ** at the edges

POW_EDGES = [  # (base, exponent): the classes where x ** y or its derivatives are special
    (0.0, 0.0), (1.5, 0.0), (-2.0, 0.0),  # exponent 0: d/dx = 0 (PyTorch masks it)
    (0.0, 0.3), (0.0, 0.5), (0.0, 0.9),  # base 0, exponent in (0, 1): d/dx = inf
    (0.0, 1.0), (0.0, 2.0), (0.0, 1.5), (0.0, 3.0),  # base 0, exponent >= 1
    (-2.0, 3.0), (-1.5, 2.0), (2.0, -1.0),
]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("base, exponent", POW_EDGES)
def test_pow_at_the_edges_matches_the_scalar_engine(base, exponent):
    x = Tensor([base, 1.0])
    y = x**exponent
    y.backward(np.ones(2))
    v = Value(base)
    u = v**exponent
    u.backward()
    assert y.data[0] == u.data and x.grad[0] == v.grad


@requires_torch
@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("base, exponent, tensor_exponent", [
    *((b, e, False) for b, e in POW_EDGES),
    *((b, e, True) for b, e in POW_EDGES if b >= 0),  # d(a**b)/db needs a >= 0
])
def test_pow_at_the_edges_matches_torch(base, exponent, tensor_exponent):
    x, e = Tensor([base]), Tensor([exponent])
    y = x ** (e if tensor_exponent else exponent)
    y.backward(np.ones(1))
    tx, te = (torch.tensor([v], dtype=torch.float64, requires_grad=True) for v in (base,
                                                                                  exponent))
    ty = tx ** (te if tensor_exponent else exponent)
    ty.backward(torch.ones(1, dtype=torch.float64))
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    if tensor_exponent:  # d/dy = x**y · ln x, taken as 0 at x = 0
        np.testing.assert_array_equal(e.grad, te.grad.numpy())


def test_nan_to_the_power_0_is_1_as_in_ieee_but_its_gradient_is_nan():
    x = Tensor([np.nan, 2.0])
    y = x**0
    y.backward(np.ones(2))
    np.testing.assert_array_equal(y.data, [1.0, 1.0])  # IEEE, Python and the scalar engine
    assert np.isnan(x.grad[0]) and x.grad[1] == 0.0


def test_pow_pairs_each_base_with_its_own_exponent():
    x = Tensor([-2.0, 4.0])
    y = x ** np.array([2.0, 0.5])  # PyTorch: [4, 2]
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [4.0, 2.0])
    np.testing.assert_array_equal(x.grad, [-4.0, 0.25])
    y = np.array([-2.0, 4.0]) ** Tensor([2.0, 0.5])  # a constant base: fine forward
    np.testing.assert_array_equal(y.data, [4.0, 2.0])
    with pytest.raises(DomainError, match=r"needs a > 0, but 1 bases are negative \(the first "
                                          r"is -2.0\)"):
        y.sum().backward()  # d/dy = x**y·ln x has no real value for x = -2
    base = Tensor([[-2.0], [4.0], [-3.0]])
    exponent = np.array([[2.0, 0.5, 1.5]])  # broadcast: 3×3 pairs, 2 of them bad
    with pytest.raises(DomainError, match=r"^\*\*: a negative base with a non-integer exponent "
                                          r"is not a real number, in 4 of 9 entries \(the first "
                                          r"is \(-2.0\) \*\* 0.5\)"):
        base**exponent


@given(shapes=pairs, seed=seeds)
def test_pow_domain_error_exactly_when_a_negative_base_meets_a_fraction(shapes, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), _ = shapes
    x = draw_array(rng, sa, (-2.5, 2.5), kinks=(0.0,)) + 0.0
    x = np.where(np.abs(x) < 0.5, 0.5, x)  # |x| >= 0.5: derivatives stay O(1)
    e = rng.choice([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 0.5, 1.5], size=sb)
    bx, be = np.broadcast_arrays(x, e)
    bad = (bx < 0) & (be != np.round(be))
    if bad.any():
        first = f"({float(bx[bad][0])!r}) ** {float(be[bad][0])!r}"
        with pytest.raises(DomainError, match=re.escape(
                f"in {bad.sum()} of {bad.size} entries (the first is {first})")):
            Tensor(x) ** e
    else:
        check(lambda t: t**e, lambda v: v**e, [x], rng)


def test_zero_to_a_negative_power_and_overflow_raise_as_in_the_scalar_engine():
    with pytest.raises(ZeroDivisionError, match=r"0 cannot be raised to a negative power, in 1 "
                                                r"of 3 entries \(the first is \(0.0\) \*\* "
                                                r"-1.0\)"):
        Tensor([1.0, 0.0, 2.0]) ** -1
    with pytest.raises(OverflowError, match=r"too large for float64, in 1 of 2 entries \(the "
                                            r"first is \(10.0\) \*\* 400.0\)"):
        Tensor([10.0, 1.0]) ** 400
    with pytest.raises(OverflowError, match=r"too large for float32"):
        Tensor([10.0], dtype=np.float32) ** 40
    with pytest.raises(OverflowError, match=r"exp: 1 of 2 entries are too large for float64 "
                                            r"\(the first is 710.0; inputs above about 709.78"):
        Tensor([710.0, 1.0]).exp()
    with pytest.raises(OverflowError, match=r"above about 88.72"):
        Tensor([89.0], dtype=np.float32).exp()
    assert Tensor([np.inf, -np.inf]).exp().data.tolist() == [np.inf, 0.0]  # no overflow there


# ----------------------------------------------------------------------------- reductions


@given(shape_axis=st.data(), keepdims=st.booleans(), seed=seeds, name=st.sampled_from(
    ["sum", "mean", "max"]))
def test_reductions_take_any_valid_axis_on_any_shape(shape_axis, keepdims, seed, name):
    """0-d tensors included (axis 0 and -1, as in PyTorch), negative axes, tuples, None."""
    shape, axis = shape_axis.draw(shape_and_axis())
    rng = np.random.default_rng(seed)
    x = distinct_array(rng, shape) if name == "max" else draw_array(rng, shape)
    axes = axes_of(axis, len(shape))

    def scalar(v):
        if name == "max":
            return np.max(v, axis=axes, keepdims=keepdims)
        total = np.sum(v, axis=axes, keepdims=keepdims)
        return total / (v.size // np.size(total)) if name == "mean" else total

    check(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), scalar, [x], rng)


def test_reductions_of_a_0d_tensor_with_axis_0_and_minus_1():
    for axis in (0, -1, (0,), (-1,), None):
        for name in ("sum", "mean", "max"):
            x = Tensor(3.0)
            y = getattr(x, name)(axis=axis)
            y.backward()
            assert y.shape == () and y.item() == 3.0 and x.grad.item() == 1.0


BAD_AXES = {  # what is called: (the call, the error, its message)
    "x.sum(axis=2)": (lambda x: x.sum(axis=2), ValueError,
                      r"^sum: axis 2 does not exist in a tensor of shape \(2×3\); its axes are "
                      r"-2..1"),
    "x.mean(axis=(0, -3))": (lambda x: x.mean(axis=(0, -3)), ValueError,
                             r"^mean: axis -3 does not exist"),
    "x.max(axis=(1, -1))": (lambda x: x.max(axis=(1, -1)), ValueError,
                            r"^max: axis \(1, -1\) names the same axis more than once"),
    "0-d sum(axis=1)": (lambda x: x.sum(axis=(0, 1)).sum(axis=1), ValueError,
                        r"^sum: axis 1 does not exist in a tensor of shape \(\); its axes are "
                        r"-1..0"),
    "x.sum(axis=0.5)": (lambda x: x.sum(axis=0.5), TypeError,
                        r"^sum: axis must be an int, a tuple of ints or None"),
    "softmax(x, 2)": (lambda x: softmax(x, 2), ValueError, r"^softmax: axis 2 does not exist"),
}


@pytest.mark.parametrize("name", sorted(BAD_AXES))
def test_reductions_refuse_axes_that_do_not_exist(name):
    call, error, message = BAD_AXES[name]
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3))))


def test_mean_and_max_of_nothing_raise_sum_of_nothing_is_0():
    x = Tensor(np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"^mean: over axis 0 of a tensor of shape \(0×3\) there "
                                         r"are no entries to combine, and the mean of no"):
        x.mean(axis=0)
    with pytest.raises(ValueError, match=r"^max: over axis None .* no numbers have a largest"):
        x.max()
    assert x.mean(axis=1).shape == (0,) and x.max(axis=1).shape == (0,)  # no groups at all
    s = x.sum(axis=0)
    s.backward(np.ones(3))
    assert s.data.tolist() == [0.0, 0.0, 0.0] and x.grad.shape == (0, 3)


# ----------------------------------------------------------------------------- comparisons


def test_comparisons_are_elementwise_and_outside_the_graph():
    a, b = Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 5.0, 0.0])
    for result, expected in [
        (a == b, [True, False, False]), (a != b, [False, True, True]),
        (a < b, [False, True, False]), (a <= b, [True, True, False]),
        (a > b, [False, False, True]), (a >= b, [True, False, True]),
        (a == 2, [False, True, False]), (2 < a, [False, False, True]),
        (a >= np.array([3.0, 2.0, 1.0]), [False, True, True]),
        (np.array([3.0, 2.0, 1.0]) == a, [False, True, False]),
        (a[None, :] < a[:, None], [[False, False, False], [True, False, False],
                                   [True, True, False]]),  # [i, j]: a[j] < a[i]
    ]:
        assert type(result) is np.ndarray and result.dtype == bool
        np.testing.assert_array_equal(result, expected)
    assert type(Tensor(1.0) == 1.0) is np.ndarray  # 0-d: still an array
    assert not (Tensor([np.nan]) == Tensor([np.nan])).any()  # NaN equals nothing
    with pytest.raises(ValueError, match=r"^<: \(3\) < \(2\): shapes do not broadcast"):
        assert a < np.ones(2)
    with pytest.raises(TypeError, match=r"the other operand of == needs real numbers, got str"):
        assert a == "1.0"


def test_tensors_hash_by_identity():
    a, b = Tensor([1.0]), Tensor([1.0])  # equal entries, different tensors
    assert len({a, b}) == 2 and {a: "a", b: "b"}[b] == "b"
    y = a * b + a
    y.backward(np.ones(1))
    assert walk(y)[-1] is y and a.grad.tolist() == [2.0] and b.grad.tolist() == [1.0]


def test_bool_needs_one_element():
    assert bool(Tensor([2.0])) and not bool(Tensor(0.0)) and bool(Tensor([[np.nan]]))
    assert (Tensor([1.0, 2.0]) < 3).all()
    for shape in [(2,), (0,), (2, 3)]:
        with pytest.raises(ValueError, match=rf"^bool: a tensor of shape "
                                             rf"\({'×'.join(map(str, shape))}\) has"):
            bool(Tensor(np.ones(shape)))


